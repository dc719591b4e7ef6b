"""Shared fixtures: a real database per test (SQLite always, PostgreSQL when one answers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.database import Database

REPO = Path(__file__).resolve().parent.parent

# Every fixture portal listens on 127.0.0.x: the network policy refuses loopback unless the operator allows
# private addresses (crawler/netpolicy.py). Crawl child processes inherit this. Policy tests set it per call.
os.environ.setdefault("FZWATCH_ALLOW_PRIVATE", "1")
SHARED = REPO.parent / "shared"


def _pg_admin_url() -> str | None:
    return os.environ.get("FZWATCH_TEST_PG")


def _pg_available(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fzwatch.sqlite3'}"
        Database(url).migrate()
        yield url
        return
    admin = _pg_admin_url()
    if not admin or not _pg_available(admin):
        if os.environ.get("FZWATCH_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL expected at {admin} but not reachable")
        pytest.skip("PostgreSQL not available (set FZWATCH_TEST_PG)")
    import psycopg

    name = f"fzw_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    db = Database(url)
    db.migrate()
    db.dispose()
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fzwatch.sqlite3'}"
    Database(url).migrate()
    return url
