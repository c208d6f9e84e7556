"""Two workers on one PostgreSQL claim outbox rows with FOR UPDATE SKIP LOCKED.

Two sending processes, each with its own connections, its own Bot and pacer, share one
PostgreSQL schema holding a few hundred due reminders and one fake Bot API server (in this
process). Each reminder reaches its chat exactly once, all of them are sent, and both
workers took part. Skipped when the test PostgreSQL server does not answer.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from bot.testing.fake_bot_api import FakeBotApi
from models.db import session_scope
from models.tables import OutboxMessage
from tests.scheduler.kit import crowd
from tests.scheduler.workers import engine_for, finish, postgres_database, spawn

pytestmark = pytest.mark.postgres

REMINDERS = 300


@pytest.mark.slow
def test_two_workers_send_each_row_exactly_once() -> None:
    with postgres_database() as (url, schema):
        two_workers(url, schema)


def two_workers(url: str, schema: str) -> None:
    engine = engine_for(url, schema)
    chats = crowd(engine, REMINDERS)
    # Small batches and a pace of 100 a second each: both workers claim many times, side by
    # side, for about a second and a half.
    options = {"schema": schema, "batch": 10, "rate": 100}
    with FakeBotApi(limits=None) as api:
        workers = [
            spawn(api, url, name, **options)  # type: ignore[arg-type]
            for name in ("pg-a", "pg-b")
        ]
        for worker in workers:
            finish(worker, 30)
        sent = api.sent_messages()
    per_chat = Counter(m.chat_id for m in sent)
    assert set(per_chat) == set(chats)
    assert max(per_chat.values()) == 1  # no row was sent by both
    with session_scope(engine, readonly=True) as s:
        rows = s.exec(select(OutboxMessage)).all()
    assert {r.state for r in rows} == {"sent"}
    by_worker = Counter(r.claimed_by for r in rows)
    assert set(by_worker) == {"pg-a", "pg-b"} and min(by_worker.values()) > 20
    engine.dispose()
