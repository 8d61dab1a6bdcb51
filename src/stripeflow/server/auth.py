"""Who may call the API: the bootstrap token, until the access-control issue brings users and roles.

The token is ``STRIPEFLOW_BOOTSTRAP_TOKEN`` when set; otherwise one is generated on the first start, printed
once, and only its SHA-256 is kept (file ``bootstrap-token.sha256`` in the data dir, mode 0600), so the data dir
never holds a usable secret. Lost it? Delete that file and restart: a new token is printed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DIGEST_FILE = "bootstrap-token.sha256"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenCheck:
    """Compares presented tokens with the bootstrap token's digest in constant time."""

    digest: str

    def accepts(self, token: str) -> bool:
        return hmac.compare_digest(_digest(token), self.digest)


def bootstrap_token(data_dir: Path, configured: str | None) -> tuple[TokenCheck, str | None]:
    """The token check, and the token itself when it was generated just now (to print it once)."""
    if configured:
        return TokenCheck(_digest(configured)), None
    path = data_dir / DIGEST_FILE
    if path.exists():
        return TokenCheck(path.read_text().strip()), None
    data_dir.mkdir(parents=True, exist_ok=True)
    token = f"sfb_{secrets.token_urlsafe(32)}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(_digest(token) + "\n")
    return TokenCheck(_digest(token)), token
