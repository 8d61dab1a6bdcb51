"""Base connections (the Stripe "account"): validated against Stripe, credentials encrypted, never shown.

A base connection's public body keeps ``auth.params`` with every secret masked (``sk_test_****1234``) and, in
``params``, what checking the key taught (``accountId``, ``livemode``, ``keyType``, ``validatedAt``); the real
params are sealed in the entity's ``secret``. ``PATCH`` works on the document as ``GET`` shows it: a masked value
left as it is keeps the stored secret, a new value replaces it and a new access token is checked with Stripe first.
A base connection cannot be deleted while a flow reads one of its source connections; its unused source
connections go with it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, Final

from stripeflow.access.secrets import SecretBox
from stripeflow.errors import mask_key
from stripeflow.flows.entities import (
    READ_ONLY_KEYS,
    STATES,
    EntityRecord,
    EntityRepository,
    PreconditionRequiredError,
    StaleEtagError,
    apply_json_patch,
    document,
    normalize_etag,
)
from stripeflow.flows.filters import PropertyFilter
from stripeflow.flows.specs import AUTH_SPEC_NAME, SECRET_AUTH_PARAMS, SPEC_VERSION, STRIPE_SPEC_ID
from stripeflow.flows.stripe_probe import StripeProbe

CONNECTION: Final = "connection"
SOURCE_CONNECTION: Final = "sourceConnection"
TARGET_CONNECTION: Final = "targetConnection"
FLOW: Final = "flow"
_BASE_KEYS: Final = ("name", "description", "connectionSpec", "auth")
#: Keys of a connection's document a PATCH may not change (set by the server, or fixed at creation).
_FIXED_KEYS: Final = (READ_ONLY_KEYS - {"name", "state"}) | {"connectionSpec", "params"}


class ConnectionRequestError(ValueError):
    """The request body (or the document a patch produces) is not valid; the message says what to send."""


class ConnectionInUseError(Exception):
    """The entity is still used by flows (``users``: their ids and names), which must be deleted first."""

    def __init__(self, message: str, users: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.users = users


class BaseConnections:
    """Create, read, patch and delete the base connections of one organization and sandbox."""

    def __init__(self, repo: EntityRepository, box: SecretBox, probe: StripeProbe, clock_ms: Callable[[], int]) -> None:
        self._repo = repo
        self._box = box
        self._probe = probe
        self._clock_ms = clock_ms

    def create(self, body: dict[str, Any]) -> EntityRecord:
        """Validate ``body``, check its access token with Stripe, and store it with the params encrypted."""
        unknown = sorted(set(body) - set(_BASE_KEYS))
        if unknown:
            raise ConnectionRequestError(
                f"unknown field(s) {', '.join(unknown)} in the base connection; send {', '.join(_BASE_KEYS)}"
            )
        name, public, params = _checked_base(body)
        public["params"] = self._validate(params["accessToken"])
        return self._repo.create(CONNECTION, public, name=name, secret=self._box.seal(params))

    def get(self, connection_id: str) -> EntityRecord:
        return self._repo.get(CONNECTION, connection_id)

    def list(self, filters: Sequence[PropertyFilter], limit: int, start: int) -> list[EntityRecord]:
        return self._repo.list(CONNECTION, filters=filters, limit=limit, start=start)

    def patch(self, connection_id: str, ops: builtins.list[Any], if_match: str | None) -> EntityRecord:
        """Apply a JSON Patch to the document as GET shows it; a new access token is checked with Stripe first."""
        record = current_for_update(self._repo, CONNECTION, connection_id, if_match)
        before = document(record)
        after = patched(before, ops)
        check_fixed_keys(before, after, _FIXED_KEYS)
        check_known_keys(after, _BASE_KEYS)
        stored = self._box.unseal(record.secret) if record.secret else {}
        merged_auth = _merge_masked(after.get("auth"), before["auth"]["params"], stored)
        name, public, params = _checked_base({**{key: after.get(key) for key in _BASE_KEYS}, "auth": merged_auth})
        public["params"] = before.get("params", {})
        if params != stored:
            if params.get("accessToken") != stored.get("accessToken"):
                public["params"] = self._validate(params["accessToken"])
            secret: bytes | None = self._box.seal(params)
        else:
            secret = None
        return self._repo.update(
            CONNECTION,
            connection_id,
            if_match=if_match,
            body=public,
            name=name,
            state=state_of(after),
            secret=secret,
        )

    def delete(self, connection_id: str) -> None:
        """Delete the connection and its source connections; :class:`ConnectionInUseError` while flows use them."""
        self._repo.get(CONNECTION, connection_id)
        sources = self._repo.children(SOURCE_CONNECTION, connection_id)
        users = flows_using(self._repo, "sourceConnectionIds", [source.id for source in sources])
        if users:
            raise ConnectionInUseError(
                f"base connection {connection_id} is used by {_describe(users)}; delete those flows first "
                "(DELETE /flows/{id}), then the base connection",
                users,
            )
        for source in sources:
            self._repo.delete(SOURCE_CONNECTION, source.id)
        self._repo.delete(CONNECTION, connection_id)

    def access_token(self, connection_id: str) -> str:
        """The decrypted access token of a base connection (for flows and explore; never for a response)."""
        return access_token(self._repo.get(CONNECTION, connection_id), self._box)

    def _validate(self, token: str) -> dict[str, Any]:
        checked = self._probe.validate(token)
        return {
            "accountId": checked.account_id,
            "livemode": checked.livemode,
            "keyType": checked.key_type,
            "validatedAt": self._clock_ms(),
        }


def access_token(record: EntityRecord, box: SecretBox) -> str:
    """The access token sealed in a base connection's record."""
    if record.secret is None:
        raise ConnectionRequestError(f"base connection {record.id} has no stored credentials; PATCH /auth/params")
    return str(box.unseal(record.secret)["accessToken"])


def patched(before: dict[str, Any], ops: Any) -> dict[str, Any]:
    """``before`` with the JSON Patch ``ops`` applied; :class:`ConnectionRequestError` for a bad patch."""
    try:
        return apply_json_patch(before, ops)
    except ValueError as exc:
        raise ConnectionRequestError(str(exc)) from None


def check_fixed_keys(before: dict[str, Any], after: dict[str, Any], keys: Sequence[str] | frozenset[str]) -> None:
    changed = sorted(key for key in keys if before.get(key) != after.get(key))
    if changed:
        raise ConnectionRequestError(
            f"{', '.join(changed)} cannot be changed by PATCH (set by the server or fixed at creation); "
            "create a new entity instead"
        )


def check_known_keys(after: dict[str, Any], editable: Sequence[str]) -> None:
    unknown = sorted(set(after) - set(editable) - _FIXED_KEYS - {"state"})
    if unknown:
        raise ConnectionRequestError(
            f"unknown field(s) {', '.join(unknown)}; a PATCH may change {', '.join(editable)} and state"
        )


def state_of(after: dict[str, Any]) -> str:
    state = after.get("state")
    if state not in STATES:
        raise ConnectionRequestError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    return str(state)


def flows_using(repo: EntityRepository, field: str, ids: Sequence[str]) -> list[dict[str, str]]:
    """The flows (id and name) whose ``field`` (``sourceConnectionIds``/``targetConnectionIds``) names any of ids."""
    found: dict[str, str] = {}
    for entity_id in ids:
        for flow in repo.list(FLOW, filters=[PropertyFilter(field, "==", entity_id)], limit=10_000):
            found[flow.id] = flow.name
    return [{"id": flow_id, "name": name} for flow_id, name in found.items()]


def _describe(users: list[dict[str, str]]) -> str:
    return "flow(s) " + ", ".join(f"{user['id']} ({user['name']!r})" for user in users)


def current_for_update(repo: EntityRepository, kind: str, entity_id: str, if_match: str | None) -> EntityRecord:
    """The entity, after the cheap precondition checks (so no Stripe call is made for a stale or missing etag)."""
    record = repo.get(kind, entity_id)
    if if_match is None or not normalize_etag(if_match):
        raise PreconditionRequiredError(entity_id)
    if normalize_etag(if_match) != normalize_etag(record.etag):
        raise StaleEtagError(if_match, record.etag, entity_id=entity_id)
    return record


def spec_ref(body: dict[str, Any], spec_id: str, what: str) -> dict[str, str]:
    """``connectionSpec`` checked to be ``{"id": spec_id, "version": "1.0"}`` (the version may be left out)."""
    spec = body.get("connectionSpec")
    if not isinstance(spec, dict) or spec.get("id") != spec_id:
        raise ConnectionRequestError(
            f"connectionSpec.id must be {spec_id} ({what}), got {spec.get('id') if isinstance(spec, dict) else spec!r}"
        )
    version = spec.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise ConnectionRequestError(f"connectionSpec.version must be {SPEC_VERSION!r}, got {version!r}")
    return {"id": spec_id, "version": SPEC_VERSION}


def name_and_description(body: dict[str, Any], what: str) -> tuple[str, dict[str, Any]]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConnectionRequestError(f"name is required: a descriptive name for the {what}")
    public: dict[str, Any] = {}
    description = body.get("description")
    if description is not None:
        if not isinstance(description, str):
            raise ConnectionRequestError("description must be a string")
        public["description"] = description
    return name, public


def _checked_base(body: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The name, the public body (secrets masked) and the plaintext auth params of a base connection body."""
    name, public = name_and_description(body, "base connection")
    public["connectionSpec"] = spec_ref(body, STRIPE_SPEC_ID, "the Stripe source")
    auth = body.get("auth")
    if not isinstance(auth, dict):
        raise ConnectionRequestError(
            f'auth is required: {{"specName": "{AUTH_SPEC_NAME}", "params": {{"accessToken": "<Stripe key>"}}}}'
        )
    if auth.get("specName") != AUTH_SPEC_NAME:
        raise ConnectionRequestError(f"auth.specName must be {AUTH_SPEC_NAME!r}, got {auth.get('specName')!r}")
    params = auth.get("params")
    if not isinstance(params, dict):
        raise ConnectionRequestError('auth.params is required: {"accessToken": "<Stripe secret or restricted key>"}')
    token = params.get("accessToken")
    if not isinstance(token, str) or not token.strip():
        raise ConnectionRequestError(
            "auth.params.accessToken is required: your Stripe secret (sk_...) or restricted (rk_...) key"
        )
    bad = sorted(key for key, value in params.items() if not isinstance(value, str))
    if bad:
        raise ConnectionRequestError(f"auth.params values must be strings: {', '.join(bad)}")
    plain = {str(key): str(value).strip() if key == "accessToken" else str(value) for key, value in params.items()}
    public["auth"] = {"specName": AUTH_SPEC_NAME, "params": mask_params(plain)}
    return name.strip(), public, plain


def mask_params(params: dict[str, str]) -> dict[str, str]:
    """Auth params as shown: secrets masked with :func:`stripeflow.errors.mask_key`, the others as they are."""
    return {key: mask_key(value) if key in SECRET_AUTH_PARAMS else value for key, value in params.items()}


def _merge_masked(auth: Any, masked: dict[str, str], stored: dict[str, Any]) -> Any:
    """The patched ``auth`` with every secret left at its masked value replaced by the stored plaintext."""
    if not isinstance(auth, dict) or not isinstance(auth.get("params"), dict):
        return auth
    params = dict(auth["params"])
    for key, value in params.items():
        if key in SECRET_AUTH_PARAMS and key in stored and value == masked.get(key):
            params[key] = stored[key]
    return {**auth, "params": params}
