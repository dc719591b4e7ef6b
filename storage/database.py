"""Engine and session setup: SQLite by default (WAL, busy timeout), any SQLAlchemy URL via FZWATCH_DB."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailable, SchemaMismatch
from storage.migrate import current_revision, head_revision, is_empty, known_revisions, upgrade

T = TypeVar("T")

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


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    db_path = url.split("///", 1)[-1] if "///" in url else ""
    return Path(db_path) if db_path and db_path != ":memory:" else None


def prepare_sqlite_file(url: str | None, create_dir: bool = False, create_file: bool = False) -> None:
    """A SQLite path whose directory (or, for reading commands, file) is missing is a typo unless we were
    asked to create it: a new, empty database would silently hide every report. A new data directory is
    0700 and a new database file 0600 (they hold subscriptions' targets)."""
    path = sqlite_path(resolve_db_url(url))
    if path is None:
        return
    if not path.parent.exists():
        if not create_dir:
            raise DatabaseUnavailable(
                f"数据库目录不存在：{path.parent}（路径写错了？新建请运行 `fzwatch db upgrade --create`）"
            )
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        if not create_file:
            raise DatabaseUnavailable(f"数据库文件不存在：{path}（新建请运行 `fzwatch db upgrade --create`）")
        path.touch(mode=0o600)


def make_engine(url: str | None = None, max_overflow: int = 10) -> Engine:
    url = resolve_db_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, max_overflow=max_overflow)
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

    def __init__(self, url: str | None = None, max_overflow: int = 10) -> None:
        self.engine = make_engine(url, max_overflow)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self.url_with_password = self.engine.url.render_as_string(hide_password=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def run_in_transaction(self, work: Callable[[Session], T], attempts: int = 2) -> T:
        """``work(session)`` in a transaction of its own, run again when it lost a race on a unique key.

        Two crawls may store one URL at the same moment (departments sharing their government's portal,
        crawled by different workers): the later insert fails on ``uq_documents_url``; run again, the work
        finds the row the other crawl committed and updates it instead."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except IntegrityError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        check_connection(self.engine)
        upgrade(self.engine)

    def check_schema(self, migrate_if_empty: bool = False) -> None:
        """Refuse a schema older or newer than the code, in one line; an empty database is migrated only
        when asked (the daemon's first start, `fzwatch db upgrade`)."""
        check_connection(self.engine)
        current, head = current_revision(self.engine), head_revision()
        if current == head:
            return
        if current is None and migrate_if_empty and is_empty(self.engine):
            upgrade(self.engine)
            return
        if current is None:
            raise SchemaMismatch("数据库尚未初始化：请先运行 `fzwatch db upgrade`")
        if current not in known_revisions():
            raise SchemaMismatch(
                f"数据库结构版本 {current} 比本程序（{head}）新：请升级 fzwatch，不要用旧版本写入"
            )
        raise SchemaMismatch(
            f"数据库结构版本 {current} 比本程序（{head}）旧：请先运行 `fzwatch db upgrade`"
            "（升级前先停止正在运行的守护进程）"
        )

    def dispose(self) -> None:
        self.engine.dispose()


_shared: dict[tuple[str, int], Database] = {}
_shared_lock = threading.Lock()
# Connections one crawl process may hold (pool 5 + this): its DB work runs on the reactor thread and in
# Twisted's thread pool (10 threads), so more would only queue in PostgreSQL.
SHARED_MAX_OVERFLOW = 5


def shared_database(url: str | None = None) -> Database:
    """The one Database (engine, connection pool) of this process for ``url``, for the many crawls of a crawl
    worker process: when every crawl opened engines of its own (pipeline, politeness, site state), each held
    connections for its life, and 4 workers × 16 crawls at once exhausted PostgreSQL's 100 connections
    (bench_scale). Callers never dispose it; it lives as long as the process (a fork gets its own)."""
    key = (resolve_db_url(url), os.getpid())
    with _shared_lock:
        db = _shared.get(key)
        if db is None:
            db = _shared[key] = Database(url, max_overflow=SHARED_MAX_OVERFLOW)
        return db
