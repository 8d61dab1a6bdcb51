"""Connect OAuth (``/oauth/authorize``, ``/oauth/token``, ``/oauth/deauthorize``), with Stripe's string-shaped errors.

Authorizing connects the platform to an account and hands back a code (``ac_…``); exchanging it with the platform's
secret key gives an access token that acts as a secret key of that account (no ``Stripe-Account`` needed), and a
refresh token that mints more. Deauthorizing revokes them. Consent is automatic: this is a test server.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson

from stripeflow.emulator.auth import KeyRing
from stripeflow.emulator.ids import random_chars

SCOPES = ("read_only", "read_write")


class OAuthError(Exception):
    """``{"error": "<code>", "error_description": "…"}``: what Stripe answers on its OAuth endpoints."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> bytes:
        return orjson.dumps({"error": self.code, "error_description": self.description})


@dataclass(slots=True)
class Grant:
    account: str
    scope: str
    mode: str | None = None  # fixed by the key that first exchanges the code
    used: bool = False
    refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)


class ConnectOAuth:
    def __init__(self, keys: KeyRing, client_id: str, account: str, seed: int) -> None:
        self._keys = keys
        self.client_id = client_id
        self.account = account
        self._rng = random.Random(f"oauth:{seed}")
        self._codes: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    def authorize(self, query: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        """Approve at once: redirect to ``redirect_uri`` with a code (or answer it as JSON without one)."""
        if query.get("response_type", "code") != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
        if query.get("client_id") != self.client_id:
            raise OAuthError("invalid_client", f"No such application: '{query.get('client_id')}'.")
        scope = query.get("scope", "read_only")
        if scope not in SCOPES:
            raise OAuthError("invalid_scope", f"Invalid scope '{scope}': use read_only or read_write.")
        code = f"ac_{random_chars(self._rng, 32)}"
        self._codes[code] = Grant(self.account, scope)
        answer = {"code": code, "scope": scope, **({"state": query["state"]} if "state" in query else {})}
        if "redirect_uri" not in query:
            return 200, orjson.dumps(answer), {}
        return 302, b"", {"Location": f"{query['redirect_uri']}?{urlencode(answer)}"}

    def token(self, key: str | None, form: dict[str, str]) -> dict[str, Any]:
        """``grant_type=authorization_code`` (with ``code``) or ``refresh_token`` (with ``refresh_token``)."""
        mode = self._platform_mode(key or form.get("client_secret"))
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self._codes.get(form.get("code", ""))
            if not form.get("code"):
                raise OAuthError("invalid_request", "No authorization code provided")
            if grant is None or grant.used:
                raise OAuthError("invalid_grant", f"Authorization code does not exist: {form['code']}")
            grant.used, grant.mode = True, mode
        elif grant_type == "refresh_token":
            grant = self._refresh_grant(form, mode)
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        return self._issue(grant)

    def deauthorize(self, key: str | None, form: dict[str, str]) -> dict[str, Any]:
        self._platform_mode(key or form.get("client_secret"))
        account = form.get("stripe_user_id", "")
        grants = [g for g in (*self._codes.values(), *self._refresh.values()) if g.account == account and g.used]
        if form.get("client_id") != self.client_id or not grants:
            raise OAuthError("invalid_client", f"This application is not connected to stripe account {account}.")
        for grant in grants:
            for token in grant.access_tokens:
                self._keys.revoke(token)
            for refresh in grant.refresh_tokens:
                self._refresh.pop(refresh, None)
        return {"stripe_user_id": account}

    def _platform_mode(self, key: str | None) -> str:
        if not key or not self._keys.is_platform_secret(key):
            raise OAuthError("invalid_client", "No authentication was provided: send the platform's secret key.", 401)
        return "live" if key.startswith("sk_live_") else "test"

    def _refresh_grant(self, form: dict[str, str], mode: str) -> Grant:
        grant = self._refresh.get(form.get("refresh_token", ""))
        if grant is None:
            raise OAuthError("invalid_grant", f"Refresh token does not exist: {form.get('refresh_token')}")
        if grant.mode != mode:
            raise OAuthError("invalid_grant", "The refresh token was issued in the other mode (live/test).")
        scope = form.get("scope", grant.scope)
        if scope not in SCOPES or SCOPES.index(scope) > SCOPES.index(grant.scope):
            raise OAuthError("invalid_scope", f"Invalid scope '{scope}': it may only narrow '{grant.scope}'.")
        return Grant(grant.account, scope, mode, True, grant.refresh_tokens, grant.access_tokens)

    def _issue(self, grant: Grant) -> dict[str, Any]:
        mode = grant.mode or "test"
        access = f"sk_{mode}_oauth{random_chars(self._rng, 24)}"
        refresh = f"rt_{random_chars(self._rng, 32)}"
        grant.access_tokens.add(access)
        grant.refresh_tokens.add(refresh)
        self._refresh[refresh] = grant
        self._keys.grant(access, mode, grant.account)
        return {
            "access_token": access,
            "livemode": mode == "live",
            "refresh_token": refresh,
            "scope": grant.scope,
            "stripe_publishable_key": f"pk_{mode}_{random_chars(self._rng, 24)}",
            "stripe_user_id": grant.account,
            "token_type": "bearer",
        }
