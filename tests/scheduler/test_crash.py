"""kill -9 during a burst: a worker process dies mid-send, a new one finishes the job.

The fake Bot API server runs in this process (a background thread); the workers are
processes of their own that run the real Sender, Bot and Pacer against it and against the
database. The first worker is killed once the server has taken a hundred of the 500
reminders; a second one starts at once and, when the dead worker's lease has run out,
sends the rest.

What is asserted: every chat has its reminder, every row is sent, and the duplicates at the
server are at most ``unrecorded``, the worker's ``max_unrecorded``. That bound is
structural: the sender takes one of ``max_unrecorded`` places before a send and gives it
back only once the send's outcome is committed, so when the process dies at most that many
messages can have reached the platform without their row being marked sent; every other
claimed row is either committed as sent or was never handed to the platform, and the next
worker sends it once. (When outcomes were committed per batch, everything the batch had
sent so far, up to ``batch_size`` messages, went out twice.)
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.testing.fake_bot_api import FakeBotApi, Limits
from models.db import session_scope
from models.tables import OutboxMessage
from tests.scheduler.kit import crowd
from tests.scheduler.workers import (
    engine_for,
    finish,
    postgres_database,
    spawn,
    sqlite_database,
)

REMINDERS = 500
LEASE = 2.0  # seconds; the second worker waits this long for the dead one's rows


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """A migrated database the worker processes can open: (URL, PostgreSQL schema)."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "crash.db"), None
    else:
        with postgres_database() as (url, schema):
            yield url, schema


@pytest.mark.slow
# Sends started and not yet committed: 1 is a sender that sends one message at a time, whose
# kill may send only the one in flight twice; 4 lets several be in flight, each at most twice.
@pytest.mark.parametrize("unrecorded", [1, 4])
def test_a_worker_killed_mid_burst_loses_nothing_and_resends_only_its_unrecorded(
    database: tuple[str, str | None], unrecorded: int
) -> None:
    url, schema = database
    engine = engine_for(url, schema)
    chats = crowd(engine, REMINDERS)
    options = {
        "schema": schema,
        "lease": LEASE,
        "batch": 50,
        "rate": 200,
        "unrecorded": unrecorded,
    }
    with FakeBotApi(limits=Limits(overall_per_second=400)) as api:
        first = spawn(api, url, "w1", **options)  # type: ignore[arg-type]
        try:
            api.wait_for_sent_blocking(100, seconds=25)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        at_kill = len(api.sent_messages())
        assert at_kill < REMINDERS  # killed mid-burst
        with session_scope(engine, readonly=True) as s:
            orphans = s.exec(
                select(OutboxMessage).where(
                    OutboxMessage.state == "sending", OutboxMessage.claimed_by == "w1"
                )
            ).all()
        assert orphans  # the dead worker held claimed rows: only its lease frees them
        second = spawn(api, url, "w2", **options)  # type: ignore[arg-type]
        finish(second, 30)
        sent = api.sent_messages()
    per_chat = Counter(m.chat_id for m in sent)
    assert set(per_chat) == set(chats)  # every official got the reminder
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= unrecorded
    with session_scope(engine, readonly=True) as s:
        rows = s.exec(select(OutboxMessage)).all()
    assert len(rows) == REMINDERS and {r.state for r in rows} == {"sent"}
    assert {r.claimed_by for r in rows} == {"w1", "w2"}
    # Each row names the message that delivered it, in its own chat.
    for row in rows:
        assert api.message(int(row.chat_id or 0), int(row.platform_message_id or 0))
    engine.dispose()
