from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from stripeflow.store import open_store
from stripeflow.store.engine import create_store_engine, parse_store_url
from stripeflow.store.migrate import MIGRATIONS_DIR, alembic_config, current_revision, head_revision, upgrade_to_head
from stripeflow.store.models import Base

TABLES = {"alembic_version", "resource_states", "seen_events", "syncs", "batches"}


def test_open_store_migrates_an_empty_database_to_head(store_url: str) -> None:
    with open_store(store_url) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert set(inspect(connection).get_table_names()) >= TABLES


def test_migrating_again_is_a_no_op(store_url: str) -> None:
    with open_store(store_url) as store:
        store.save_state("acct_1", "charges", {"kept": True})
    with open_store(store_url) as store:
        upgrade_to_head(store.engine)
        assert store.get_state("acct_1", "charges").state == {"kept": True}  # type: ignore[union-attr]
        with store.engine.connect() as connection:
            assert current_revision(connection) == head_revision()


def test_models_match_the_migrations(store_url: str) -> None:
    """A change to models.py without a migration (or the reverse) fails here."""
    with open_store(store_url) as store, store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back(store_url: str) -> None:
    engine = create_store_engine(parse_store_url(store_url))
    try:
        upgrade_to_head(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            assert current_revision(connection) is None
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(engine)
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        engine.dispose()


OPEN_AND_WRITE = """
import sys
from stripeflow.store import open_store
print("ready", flush=True)
sys.stdin.readline()  # "go": every process opens the store at the same moment
with open_store(sys.argv[1]) as store:
    store.save_state("acct_1", sys.argv[2], {"by": sys.argv[2]})
"""


def test_processes_opening_a_fresh_store_at_once_all_succeed(store_url: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_WRITE, store_url, f"resource_{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    failures = []
    for process in processes:
        with process:
            _, stderr = process.communicate("go\n", timeout=60)
            if process.returncode != 0:
                failures.append(stderr)
    assert failures == []
    with open_store(store_url) as store:
        for n in range(2):
            assert store.get_state("acct_1", f"resource_{n}").state == {"by": f"resource_{n}"}  # type: ignore[union-attr]


def test_engines_migrating_at_the_same_moment_take_turns(store_url: str) -> None:
    """Without the migration lock, this deadlocks or fails with "table already exists"."""
    engines = [create_store_engine(parse_store_url(store_url)) for _ in range(4)]
    barrier = threading.Barrier(len(engines))

    def migrate(engine: Engine) -> None:
        barrier.wait(timeout=30)
        upgrade_to_head(engine)

    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as pool:
            for future in [pool.submit(migrate, engine) for engine in engines]:
                future.result(timeout=60)
        with engines[0].connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        for engine in engines:
            engine.dispose()


def test_migration_scripts_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "versions" / "0001_initial_schema.py").is_file()
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
