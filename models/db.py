"""The engine and sessions: SQLite by default, PostgreSQL when DATABASE_URL points at one.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and write transactions
begin IMMEDIATE: a deferred transaction that reads and then writes either loses a
concurrent update or fails with "database is locked" when it tries to upgrade its lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 15_000


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened: ``where`` it is and ``reason`` it failed."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def normalize_url(url: str) -> URL:
    """Return the SQLAlchemy URL for ``url``, choosing psycopg 3 for plain PostgreSQL URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(url, "not a database URL") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` with the project's SQLite or PostgreSQL settings."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("connect_timeout", 5)
    return create_engine(parsed, echo=echo, connect_args=connect_args, **kwargs)


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    memory = url.database in (None, "", ":memory:")
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        # One shared connection keeps an in-memory database alive across sessions.
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would emit a deferred one).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def check_reachable(engine: Engine) -> None:
    """Open one connection or raise DatabaseUnavailable with a one-line reason."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(where, reason) from exc


@contextmanager
def session_scope(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """Yield a session in one transaction: committed on success, rolled back on error.

    Write sessions on SQLite begin IMMEDIATE; ``readonly=True`` begins DEFERRED so readers
    never wait for the write lock.
    """
    bind: Any = engine.execution_options(readonly=True) if readonly else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
