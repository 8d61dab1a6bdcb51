"""Encryption of stored credentials (a base connection's Stripe key) with Fernet (AES-128-CBC + HMAC-SHA256).

The key is ``STRIPEFLOW_SECRET_KEY`` when set: one Fernet key, or several separated by commas to rotate (the first
encrypts, every one decrypts). Otherwise it is ``secret.key`` in the data dir, generated on first use with mode
0600 and published atomically (written to a temporary file, then linked into place), so two processes starting
together agree on one key. Plaintext never leaves this module except to the caller that asked for it, and nothing
here logs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any, Final

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from stripeflow.errors import ConfigurationError
from stripeflow.settings import Settings

KEY_FILE: Final = "secret.key"


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted with the configured key(s): the key changed or the data is damaged."""


class SecretBox:
    """Encrypts and decrypts small secrets; built once from the settings (:meth:`from_settings`)."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ConfigurationError("a SecretBox needs at least one Fernet key")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                "STRIPEFLOW_SECRET_KEY must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated; make "
                'one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The configured key(s), else the data dir's key file (created on first use)."""
        if settings.secret_key is not None:
            keys = [part.strip().encode() for part in settings.secret_key.get_secret_value().split(",")]
            return cls([key for key in keys if key])
        return cls([load_or_create_key(settings.data_dir / KEY_FILE)])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise SecretDecryptionError(
                "a stored credential cannot be decrypted with the configured key: was STRIPEFLOW_SECRET_KEY or "
                "secret.key in the data dir changed? Restore the old key (list it after the new one to rotate) or "
                "enter the credential again"
            ) from None

    def seal(self, values: dict[str, Any]) -> bytes:
        """Encrypt a JSON object (e.g. a connection's auth params)."""
        return self.encrypt(orjson.dumps(values))

    def unseal(self, token: bytes) -> dict[str, Any]:
        """The JSON object :meth:`seal` encrypted."""
        loaded = orjson.loads(self.decrypt(token))
        if not isinstance(loaded, dict):
            raise SecretDecryptionError("a stored credential is not a JSON object")
        return loaded


def load_or_create_key(path: Path) -> bytes:
    """The Fernet key in ``path``, generating it (mode 0600, atomically) when the file does not exist."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: use its key
            os.link(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:
        raise ConfigurationError(f"{path} is empty; delete it to generate a new key (stored credentials are lost)")
    return key
