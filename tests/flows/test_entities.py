"""The entity repository (etag compare-and-set, scoping, filters) on SQLite and PostgreSQL, and JSON Patch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stripeflow.flows.entities import (
    EntityNotFoundError,
    EntityRepository,
    PreconditionRequiredError,
    StaleEtagError,
    apply_json_patch,
    document,
    normalize_etag,
    parse_property_filters,
)
from stripeflow.store import open_store
from stripeflow.store.database import Database
from tests.support.clock import FakeClock
from tests.support.postgres import temporary_schema

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres":
        with temporary_schema(request.getfixturevalue("postgres_database")) as url, open_store(url) as store:
            yield Database(store.engine)
    else:
        with open_store(f"sqlite:///{tmp_path / 'metadata.db'}") as store:
            yield Database(store.engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def repository(
    database: Database, clock: FakeClock, sandbox: str = "prod", org: str = "A@AdobeOrg"
) -> EntityRepository:
    return EntityRepository(database, clock, org, sandbox, user="alice", client="tests")


def test_create_get_and_the_document(database: Database, clock: FakeClock) -> None:
    repo = repository(database, clock)
    created = repo.create(
        "connection", {"description": "d", "id": "ignored", "etag": "ignored"}, name="Stripe", secret=b"cipher"
    )
    assert created.etag.startswith('"')
    assert created.etag.endswith('"')
    assert len(created.etag) > 10
    fetched = repo.get("connection", created.id)
    assert fetched == created
    assert fetched.secret == b"cipher"
    doc = document(fetched)
    assert doc["id"] == created.id
    assert doc["id"] != "ignored"
    assert doc["name"] == "Stripe"
    assert doc["description"] == "d"
    assert doc["state"] == "enabled"
    assert doc["etag"] == doc["version"] == created.etag
    assert doc["createdAt"] == doc["updatedAt"] == int(clock.now.timestamp() * 1000)
    assert (doc["createdBy"], doc["createdClient"], doc["sandboxName"], doc["imsOrgId"]) == (
        "alice",
        "tests",
        "prod",
        "A@AdobeOrg",
    )
    assert doc["sandboxId"]
    assert "secret" not in doc
    assert b"cipher" not in repr(doc).encode()


def test_other_sandboxes_orgs_and_kinds_do_not_see_the_entity(database: Database, clock: FakeClock) -> None:
    created = repository(database, clock).create("connection", {}, name="x")
    for other in (repository(database, clock, sandbox="dev"), repository(database, clock, org="B@AdobeOrg")):
        with pytest.raises(EntityNotFoundError):
            other.get("connection", created.id)
        with pytest.raises(EntityNotFoundError):
            other.delete("connection", created.id)
        with pytest.raises(EntityNotFoundError):
            other.update("connection", created.id, if_match=created.etag, name="y")
        assert other.list("connection") == []
    with pytest.raises(EntityNotFoundError):
        repository(database, clock).get("flow", created.id)


def test_update_is_a_compare_and_set_on_the_etag(database: Database, clock: FakeClock) -> None:
    repo = repository(database, clock)
    created = repo.create("flow", {"a": 1}, name="f")
    clock.advance(5)
    updated = repo.update("flow", created.id, if_match=created.etag, body={"a": 2}, name="g", state="disabled")
    assert updated.etag != created.etag
    assert (updated.body, updated.name, updated.state) == ({"a": 2}, "g", "disabled")
    assert updated.updated_at > updated.created_at
    with pytest.raises(StaleEtagError) as stale:
        repo.update("flow", created.id, if_match=created.etag, name="h")
    assert stale.value.supplied == created.etag
    assert stale.value.current == updated.etag
    with pytest.raises(PreconditionRequiredError):
        repo.update("flow", created.id, if_match=None, name="h")
    # With or without the inner quotes.
    bare = repo.update("flow", created.id, if_match=updated.etag.strip('"'), name="h")
    again = repo.update("flow", created.id, if_match=bare.etag, secret=b"s")
    assert (again.name, again.body, again.secret) == ("h", {"a": 2}, b"s")
    with pytest.raises(EntityNotFoundError):
        repo.update("flow", "missing", if_match=again.etag, name="x")


def test_only_one_of_two_racing_updates_on_one_etag_wins(database: Database, clock: FakeClock) -> None:
    repo = repository(database, clock)
    created = repo.create("flow", {}, name="f")
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def write(name: str) -> None:
        barrier.wait()
        try:
            repo.update("flow", created.id, if_match=created.etag, name=name)
            outcomes.append("won")
        except StaleEtagError:
            outcomes.append("stale")

    threads = [threading.Thread(target=write, args=(f"n{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stale", "stale", "stale", "won"]


def test_delete_and_children(database: Database, clock: FakeClock) -> None:
    repo = repository(database, clock)
    base = repo.create("connection", {}, name="base")
    child = repo.create("sourceConnection", {"baseConnectionId": base.id}, name="src", parent_id=base.id)
    assert [record.id for record in repo.children("sourceConnection", base.id)] == [child.id]
    repo.delete("sourceConnection", child.id)
    with pytest.raises(EntityNotFoundError):
        repo.get("sourceConnection", child.id)
    with pytest.raises(EntityNotFoundError):
        repo.delete("sourceConnection", child.id)
    assert repo.children("sourceConnection", base.id) == []


def test_list_filters_and_pages(database: Database, clock: FakeClock) -> None:
    repo = repository(database, clock)
    ids = []
    for index, (resource, source_ids) in enumerate([("charges", ["s1"]), ("refunds", ["s2", "s3"]), ("prices", [])]):
        clock.advance(1)
        record = repo.create(
            "flow",
            {"params": {"resourcePath": resource}, "sourceConnectionIds": source_ids, "n": index},
            name=f"Flow {resource}",
        )
        ids.append(record.id)

    def names(*conditions: str, limit: int = 100, start: int = 0) -> list[str]:
        filters = parse_property_filters(conditions)
        return [record.name for record in repo.list("flow", filters=filters, limit=limit, start=start)]

    assert names() == ["Flow charges", "Flow refunds", "Flow prices"]
    assert names('name=="Flow refunds"') == ["Flow refunds"]
    assert names("params.resourcePath!=charges") == ["Flow refunds", "Flow prices"]
    assert names("sourceConnectionIds==s3") == ["Flow refunds"]
    assert names(f"id=={ids[2]}") == ["Flow prices"]
    assert names("n>0", "n<2") == ["Flow refunds"]
    assert names("n>=1") == ["Flow refunds", "Flow prices"]
    assert names("name~REFUND") == ["Flow refunds"]
    assert names("sourceConnectionIds") == ["Flow charges", "Flow refunds"]
    assert names("!sourceConnectionIds") == ["Flow prices"]
    assert names("description") == []
    assert names(f"createdAt>{int(clock.now.timestamp() * 1000) - 1}") == ["Flow prices"]
    assert names(limit=1, start=1) == ["Flow refunds"]
    with pytest.raises(ValueError, match="limit"):
        repo.list("flow", limit=0)


@pytest.mark.parametrize("bad", ["", "==x", "a b==c", "name=x"])
def test_a_bad_property_filter_names_the_accepted_forms(bad: str) -> None:
    with pytest.raises(ValueError, match="property filter"):
        parse_property_filters([bad])


def test_normalize_etag() -> None:
    assert normalize_etag('"abc"') == normalize_etag("abc") == normalize_etag(' W/"abc" ') == "abc"


def test_json_patch_add_replace_remove_with_escapes() -> None:
    original = {"name": "a", "auth": {"params": {"accessToken": "x"}}, "list": [1, 2], "a/b": {"c~d": 1}}
    patched = apply_json_patch(
        original,
        [
            {"op": "replace", "path": "/auth/params", "value": {"accessToken": "y"}},
            {"op": "add", "path": "/description", "value": "new"},
            {"op": "add", "path": "/list/-", "value": 3},
            {"op": "add", "path": "/list/0", "value": 0},
            {"op": "replace", "path": "/list/1", "value": 10},
            {"op": "remove", "path": "/list/2"},
            {"op": "replace", "path": "/a~1b/c~0d", "value": 2},
            {"op": "remove", "path": "/name"},
        ],
    )
    assert patched == {
        "auth": {"params": {"accessToken": "y"}},
        "list": [0, 10, 3],
        "a/b": {"c~d": 2},
        "description": "new",
    }
    assert original["name"] == "a", "the input is not changed"
    assert original["list"] == [1, 2]


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        ({"op": "add"}, "array of operations"),
        ([{"op": "move", "path": "/a", "from": "/b"}], "not supported"),
        ([{"op": "replace", "path": "/missing", "value": 1}], "does not exist"),
        ([{"op": "remove", "path": "/missing"}], "does not exist"),
        ([{"op": "add", "path": "/x/y", "value": 1}], "does not exist"),
        ([{"op": "add", "path": "name", "value": 1}], "JSON Pointer"),
        ([{"op": "add", "path": "/name"}], "'value' is required"),
        ([{"op": "replace", "path": "/list/5", "value": 1}], "out of range"),
        ([{"op": "replace", "path": "/list/x", "value": 1}], "not an array index"),
        ([{"op": "add", "path": "/name/x", "value": 1}], "not an object or array"),
        ([{"op": "add", "path": "/a~2", "value": 1}], "bad escape"),
        ([{"op": "remove", "path": ""}], "whole document"),
        ([{"op": "replace", "path": "", "value": []}], "JSON object"),
        (["replace"], "must be an object"),
    ],
)
def test_json_patch_errors_are_clear(ops: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        apply_json_patch({"name": "a", "list": [1]}, ops)  # type: ignore[arg-type]
