"""Engine and session setup: SQLite by default (WAL, busy timeout), any SQLAlchemy URL via FZWATCH_DB."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailable

DEFAULT_DATA_DIR = "data"


def data_dir() -> Path:
    return Path(os.environ.get("FZWATCH_DATA", DEFAULT_DATA_DIR))


def resolve_db_url(url: str | None = None) -> str:
    """--db beats FZWATCH_DB beats a SQLite file in the data directory."""
    url = url or os.environ.get("FZWATCH_DB")
    if url:
        if url.startswith("postgresql://"):  # psycopg 3 is the driver we ship
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    path = data_dir() / "fzwatch.sqlite3"
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the dashboard/CLI read while the daemon writes; busy_timeout avoids "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = resolve_db_url(url)
    try:
        if url.startswith("sqlite"):
            db_path = url.split("///", 1)[-1]
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnavailable(f"invalid database URL {mask_db_url(url)}: {exc}") from exc
    return engine


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(f"cannot reach database {mask_db_url(str(engine.url))}: {reason}") from exc


def mask_db_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


class Database:
    """One engine + session factory; `with db.transaction() as s:` commits or rolls back as a unit."""

    def __init__(self, url: str | None = None) -> None:
        self.engine = make_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self.url_with_password = self.engine.url.render_as_string(hide_password=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from storage.migrate import upgrade

        check_connection(self.engine)
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
