"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

# python-telegram-bot 22 warns about its int-valued time periods (retry_after) unless told to
# use timedelta; the suite runs with warnings as errors, and the bot sets the same.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from models import migrate
from models.db import DatabaseUnavailable, check_reachable, make_engine

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def seed_file(prefix: str) -> Path:
    """Return the seed plan whose file name starts with ``prefix`` ("000"), or skip the test."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed plans are not here ({SEEDS}); a fresh clone has no ../shared")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"no seed plan {prefix}_*.txt in {SEEDS}")
    return matches[0]


@pytest.fixture
def seed_path():
    """Return a function that finds a seed plan by its number prefix, skipping when absent."""
    return seed_file


# --- databases -----------------------------------------------------------------------------
# Storage tests run on SQLite always and on the real PostgreSQL server when it answers.
# Each PostgreSQL test gets a schema of its own, so parallel runs never see each other.

PG_URL = os.environ.get("DONDOC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_reachable() -> str | None:
    """Return None when the test PostgreSQL server answers, else the reason it does not."""
    try:
        probe = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        check_reachable(probe)
        probe.dispose()
    except DatabaseUnavailable as exc:
        return str(exc)
    return None


@contextlib.contextmanager
def postgres_schema_engine() -> Iterator[Engine]:
    """Yield an engine bound to a fresh schema of the test server; drop it afterwards."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield engine
        engine.dispose()
    else:
        with postgres_schema_engine() as engine:
            yield engine


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on a database migrated to the newest schema."""
    migrate.upgrade(empty_engine)
    return empty_engine
