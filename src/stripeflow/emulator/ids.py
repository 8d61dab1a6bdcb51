"""Stripe-shaped object ids, a pure function of the seed and the order in which objects are made.

Long ids (``ch_``, ``sub_``, ``txn_`` …) have 24 characters after the prefix and, like Stripe's, carry a tag of
the account in the middle; short ids (``cus_``, ``prod_``, ``si_``) have 14 characters. Characters are drawn as
base64 digits with ``+`` and ``/`` mapped onto letters (one C call each, ten times cheaper than a pure-Python
base62). With 78 random bits per id a repeat among a million ids has a chance of about 1e-12, so issued ids are
not tracked (that set would cost more than 100 MB at the largest sizes).
"""

from __future__ import annotations

import random
from binascii import b2a_base64

SHORT_PREFIXES = frozenset({"cus", "prod", "si", "di"})
_TO_ALNUM = bytes.maketrans(b"+/", b"xQ")


def random_chars(rng: random.Random, count: int) -> str:
    """``count`` random alphanumeric characters."""
    size = ((count + 1) * 6 + 7) // 8
    raw = rng.getrandbits(size * 8).to_bytes(size, "big")
    return b2a_base64(raw, newline=False).translate(_TO_ALNUM)[1 : count + 1].decode()


class IdFactory:
    """Makes the ids of one data set (one account and mode) from its own random stream."""

    def __init__(self, account_tag: str, seed: str = "") -> None:
        self._tag = account_tag
        self._bits = random.Random(f"ids:{seed}:{account_tag}").getrandbits

    def new(self, prefix: str) -> str:
        """A new id with ``prefix`` (``ch``, ``cus`` …)."""
        # random_chars(rng, 14) inlined: 12 random bytes give 16 base64 digits, of which 14 are used
        raw = b2a_base64(self._bits(96).to_bytes(12, "big"), newline=False).translate(_TO_ALNUM).decode()
        if prefix in SHORT_PREFIXES:
            return f"{prefix}_{raw[1:15]}"
        return f"{prefix}_1{raw[1:6]}{self._tag}{raw[6:14]}"


def account_id(seed: int) -> str:
    """The platform account id the emulator derives from its seed, e.g. ``acct_1Nv0FGB7WZ01zgkW``."""
    return f"acct_1{random_chars(random.Random(f'account:{seed}'), 15)}"


def account_tag(account: str) -> str:
    """The 10 characters of an account id that Stripe repeats inside that account's long object ids."""
    body = account.removeprefix("acct_")
    return (body * 10)[-10:] if body else "0000000000"
