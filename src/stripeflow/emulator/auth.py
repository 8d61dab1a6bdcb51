"""API keys: who is calling (Bearer or Basic auth), in which mode, for which account, with which permissions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from stripeflow.emulator.api_errors import ApiError
from stripeflow.emulator.config import EmulatorConfig

MISSING_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer "
    "auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for "
    "details, or we can help at https://support.stripe.com/."
)


def mask(key: str, stars: str = "***") -> str:
    """``rk_test_abcdef1234`` -> ``rk_test_***1234``: the prefix and the last four characters."""
    prefix_end = key.find("_", key.find("_") + 1) + 1 if key.count("_") >= 2 else 0
    tail = key[-4:] if len(key) >= prefix_end + 8 else ""
    return f"{key[:prefix_end]}{stars}{tail}"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated key. ``permissions`` is ``None`` for a secret key (full access); ``account`` is set for an
    OAuth access token, which acts as a key of the connected account it was granted for."""

    key: str
    mode: str
    permissions: frozenset[str] | None
    account: str | None = None

    @property
    def livemode(self) -> bool:
        return self.mode == "live"


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The API key of a request: ``Authorization: Bearer <key>`` or HTTP Basic with the key as the user name."""
    value = headers.get("authorization", "").strip()
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        return credentials
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


class KeyRing:
    """The keys of one emulator, from its configuration."""

    def __init__(self, config: EmulatorConfig, platform_account: str) -> None:
        self._secret = frozenset(config.secret_keys)
        self._restricted = config.restricted_keys
        self._expired = frozenset(config.expired_keys)
        self._connected = set(config.connected_accounts)
        self._granted: dict[str, tuple[str, str]] = {}  # OAuth access token -> (mode, account)
        self.platform_account = platform_account

    def authenticate(self, headers: Mapping[str, str]) -> Caller:
        key = key_from_headers(headers)
        if not key:
            raise ApiError(401, MISSING_KEY)
        if key in self._expired:
            raise ApiError(401, f"Expired API Key provided: {mask(key)}", code="api_key_expired")
        mode = "live" if "_live_" in key[:8] else "test"
        if key in self._secret:
            return Caller(key, mode, None)
        if key in self._granted:
            granted_mode, account = self._granted[key]
            return Caller(key, granted_mode, None, account)
        permissions = self._restricted.get(key)
        if permissions is None:
            raise ApiError(401, f"Invalid API Key provided: {mask(key, '****')}")
        return Caller(key, mode, permissions)

    def account_for(self, caller: Caller, stripe_account: str | None) -> str:
        """The account a request acts on: the platform, or a connected account named by ``Stripe-Account``."""
        if caller.account is not None:  # an OAuth token reaches its own account only
            if stripe_account in (None, "", caller.account):
                return caller.account
        elif not stripe_account or stripe_account == self.platform_account:
            return self.platform_account
        if caller.account is not None or stripe_account not in self._connected:
            raise ApiError(
                403,
                f"The provided key '{mask(caller.key)}' does not have access to account '{stripe_account}' (or that "
                "account does not exist). Application access may have been revoked.",
            )
        return stripe_account

    def authorize(self, caller: Caller, permission: str, account: str) -> None:
        """Raise 403 when a restricted key lacks ``permission`` (a ``_write`` permission includes ``_read``)."""
        if caller.permissions is None:
            return
        write = permission.removesuffix("_read") + "_write"
        if permission in caller.permissions or write in caller.permissions:
            return
        raise ApiError(
            403,
            f"The provided key '{mask(caller.key)}' does not have the required permissions for this endpoint on "
            f"account '{account}'. Having the '{permission}' permission would allow this request to continue.",
        )

    def knows_account(self, account: str) -> bool:
        return account == self.platform_account or account in self._connected

    def is_platform_secret(self, key: str) -> bool:
        return key in self._secret

    def grant(self, token: str, mode: str, account: str) -> None:
        """Make an OAuth access token a key of ``account`` (which becomes a connected account)."""
        self._granted[token] = (mode, account)
        self._connected.add(account)

    def revoke(self, token: str) -> None:
        self._granted.pop(token, None)
