"""Start sending workers as processes of their own (``tests.scheduler.crash_worker``)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.testing.fake_bot_api import FakeBotApi
from models import migrate
from models.db import make_engine
from tests.conftest import PG_URL, postgres_reachable
from tests.scheduler.kit import CROWD_MORNING

REPO = Path(__file__).resolve().parents[2]
EPOCH = time.time()  # every worker of a test run agrees that this moment is CROWD_MORNING


def spawn(
    api: FakeBotApi,
    db: str,
    worker: str,
    *,
    schema: str | None = None,
    lease: float = 120.0,
    batch: int = 200,
    rate: int = 30,
    unrecorded: int = 32,
) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "tests.scheduler.crash_worker",
        "--db",
        db,
        "--api",
        api.base_url,
        "--token",
        api.token,
        "--worker",
        worker,
        "--start",
        CROWD_MORNING.isoformat(),
        "--epoch",
        repr(EPOCH),
        "--lease",
        str(lease),
        "--batch",
        str(batch),
        "--rate",
        str(rate),
        "--unrecorded",
        str(unrecorded),
    ]
    if schema:
        command += ["--schema", schema]
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str], seconds: float) -> None:
    """Wait for a worker to exit by itself, and fail with its output if it did not."""
    try:
        _, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"worker still running after {seconds} s:\n{err[-3000:]}") from None
    assert process.returncode == 0, err[-3000:]


def engine_for(url: str, schema: str | None) -> Engine:
    if schema is None:
        return make_engine(url)
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def sqlite_database(path: Path) -> str:
    """Migrate a SQLite file for worker processes; return its URL."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@contextlib.contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    """A migrated schema of the test server that other processes can open by name."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = engine_for(PG_URL, schema)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield PG_URL, schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
