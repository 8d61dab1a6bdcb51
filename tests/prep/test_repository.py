"""Mapping sets in the metadata store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripeflow.prep.errors import MappingSetError
from stripeflow.prep.repository import MappingSetRepository
from stripeflow.store import open_store
from stripeflow.store.database import Database
from stripeflow.store.errors import RecordNotFoundError
from tests.support.clock import FakeClock

SCHEMA = "https://ns.adobe.com/stripeflow/schemas/abc"
LEGACY = {
    "version": 0,
    "xdmSchema": SCHEMA,
    "xdmVersion": "1.0",
    "mappings": [
        {
            "destinationXdmPath": "_stripeflow.charges_data.id",
            "sourceAttribute": "data.id",
            "identity": False,
            "version": 0,
        }
    ],
}
CURRENT = {
    "name": "charges",
    "outputSchema": {"schemaRef": {"id": SCHEMA, "contentType": "application/vnd.adobe.xed-full+json;version=1"}},
    "mappings": [
        {"sourceType": "ATTRIBUTE", "source": "data.id", "destination": "_id"},
        {"sourceType": "STATIC", "source": "stripe.charge", "destination": "eventType"},
    ],
}


@pytest.fixture
def db(store_url: str, clock: FakeClock) -> Iterator[Database]:
    with open_store(store_url, clock=clock) as store:
        yield Database(store.engine)


@pytest.fixture
def repo(db: Database, clock: FakeClock) -> MappingSetRepository:
    return MappingSetRepository(db, clock, "org@AdobeOrg", "prod")


def test_create_answers_like_the_platform_and_get_returns_the_full_body(
    repo: MappingSetRepository, clock: FakeClock
) -> None:
    created = repo.create(LEGACY, "alice")
    assert len(created["id"]) == 32
    assert int(created["id"], 16) >= 0
    millis = int(clock.now.timestamp() * 1000)
    assert created == {"id": created["id"], "version": 0, "createdDate": millis, "modifiedDate": millis,
                       "createdBy": "alice", "modifiedBy": "alice"}  # fmt: skip
    full = repo.get(created["id"])
    assert full["supportVersion"] == "1.1"
    assert (full["status"], full["strictMapping"], full["allowNullValues"]) == ("PUBLISHED", False, False)
    assert full["xdmSchema"] == full["schemaRef"]["id"] == SCHEMA
    assert full["xdmVersion"] == "1.0"
    (mapping,) = full["mappings"]
    assert len(mapping["id"]) == 32
    assert mapping["source"] == mapping["sourceAttribute"] == "data.id"
    assert mapping["sourceType"] == "ATTRIBUTE"


def test_replace_bumps_the_version_renews_mapping_ids_and_keeps_every_version(
    repo: MappingSetRepository, clock: FakeClock
) -> None:
    set_id = repo.create(CURRENT, "alice")["id"]
    first_ids = [m["id"] for m in repo.mappings(set_id)]
    clock.advance(60)
    replaced = repo.replace(set_id, {**CURRENT, "mappings": CURRENT["mappings"][:1]}, "bob")
    assert (replaced["version"], replaced["modifiedBy"], replaced["createdBy"]) == (1, "bob", "alice")
    assert replaced["modifiedDate"] - replaced["createdDate"] == 60_000
    now = repo.get(set_id)
    assert now["version"] == 1
    assert len(now["mappings"]) == 1
    assert now["mappings"][0]["id"] not in first_ids
    old = repo.get(set_id, version=0)
    assert [m["id"] for m in old["mappings"]] == first_ids
    assert old["version"] == 0
    with pytest.raises(RecordNotFoundError):
        repo.get(set_id, version=5)


def test_mapping_rows(repo: MappingSetRepository) -> None:
    set_id = repo.create(CURRENT, None)["id"]
    rows = repo.mappings(set_id)
    assert [r["destinationXdmPath"] for r in rows] == ["_id", "eventType"]
    assert repo.mapping(set_id, rows[1]["id"])["source"] == "stripe.charge"
    with pytest.raises(RecordNotFoundError):
        repo.mapping(set_id, "f" * 32)


def test_list_pages_filters_and_orders(repo: MappingSetRepository, clock: FakeClock) -> None:
    ids = []
    for index in range(3):
        ids.append(repo.create({**CURRENT, "name": f"set{index}"}, None)["id"])
        clock.advance(1)
    page = repo.list(limit=2, start=0)
    assert [item["id"] for item in page["data"]] == ids[:2]
    assert page["_page"] == {"count": 3, "limit": 2}
    assert [item["id"] for item in repo.list(limit=2, start=2)["data"]] == ids[2:]
    assert [item["id"] for item in repo.list(10, 0, order_by="-createdDate")["data"]] == ids[::-1]
    assert [item["name"] for item in repo.list(10, 0, name="set1")["data"]] == ["set1"]
    with pytest.raises(ValueError, match="orderBy"):
        repo.list(10, 0, order_by="name")


def test_delete_and_scoping(repo: MappingSetRepository, db: Database, clock: FakeClock) -> None:
    set_id = repo.create(CURRENT, None)["id"]
    other = MappingSetRepository(db, clock, "org@AdobeOrg", "dev")
    with pytest.raises(RecordNotFoundError):
        other.get(set_id)
    assert other.list(10, 0)["data"] == []
    repo.replace(set_id, CURRENT)
    repo.delete(set_id)
    with pytest.raises(RecordNotFoundError):
        repo.get(set_id)
    with pytest.raises(RecordNotFoundError):
        repo.delete(set_id)


def test_invalid_bodies_are_refused_before_anything_is_stored(repo: MappingSetRepository) -> None:
    with pytest.raises(MappingSetError, match=r"mappings\[0\]"):
        repo.create({"mappings": [{"sourceType": "BAD", "source": "a", "destination": "b"}]}, None)
    assert repo.list(10, 0)["data"] == []
