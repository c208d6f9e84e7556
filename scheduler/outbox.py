"""The durable outbox: every message is a row before it is a send.

Planning inserts rows keyed by an idempotency key, so planning twice (a restart, a second
worker) writes nothing twice. Workers claim due rows under a lease: on PostgreSQL with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same row, on SQLite inside a
write transaction that begins IMMEDIATE. A row is marked sent only after the platform
accepted it; a worker that dies mid-send leaves its rows to be claimed again when the lease
runs out, so at most the message in flight goes out twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models.tables import OutboxMessage

LEASE = timedelta(minutes=2)


def enqueue(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert outbox rows, skipping any whose idempotency key exists; return how many were new.

    Each row is a dict of OutboxMessage columns and must carry ``idempotency_key``,
    ``channel`` and ``due_at``.
    """
    values = [_row_defaults(r) for r in rows]
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    inserted = 0
    for chunk_start in range(0, len(values), 500):
        chunk = values[chunk_start : chunk_start + 500]
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(table).values(chunk).on_conflict_do_nothing(
                index_elements=["idempotency_key"]
            )
        else:
            stmt = sqlite.insert(table).values(chunk).on_conflict_do_nothing(
                index_elements=["idempotency_key"]
            )
        result = session.execute(stmt)
        inserted += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return inserted


def _row_defaults(row: dict[str, Any]) -> dict[str, Any]:
    base = OutboxMessage(**row)  # validates and fills defaults (state, attempts, created_at)
    data = base.model_dump(exclude={"id"})
    return data


def claim_due(
    session: Session, *, now: datetime, worker: str, limit: int = 100,
    channels: Sequence[str] | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` rows due by ``now`` for ``worker`` and return them.

    Rows whose lease expired (a worker died while sending) are due again.
    """
    due = or_(
        and_(
            col(OutboxMessage.state) == "pending",
            col(OutboxMessage.due_at) <= now,
            or_(col(OutboxMessage.next_attempt_at).is_(None),
                col(OutboxMessage.next_attempt_at) <= now),
        ),
        and_(col(OutboxMessage.state) == "sending", col(OutboxMessage.claimed_until) < now),
    )
    query = select(OutboxMessage).where(due)
    if channels:
        query = query.where(col(OutboxMessage.channel).in_(channels))
    query = query.order_by(col(OutboxMessage.due_at), col(OutboxMessage.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query))
    if not rows:
        return []
    ids = [r.id for r in rows]
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(state="sending", claimed_by=worker, claimed_until=now + LEASE)
    )
    for r in rows:
        r.state, r.claimed_by, r.claimed_until = "sending", worker, now + LEASE
    return rows


def mark_sent(
    session: Session, ids: Sequence[int], *, worker: str, now: datetime,
    platform_message_id: str | None,
) -> int:
    """Mark claimed rows sent; a row another worker re-claimed meanwhile is left alone."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker,
               col(OutboxMessage.state) == "sending")
        .values(state="sent", sent_at=now, platform_message_id=platform_message_id,
                attempts=OutboxMessage.attempts + 1, claimed_until=None, last_error=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def mark_retry(
    session: Session, ids: Sequence[int], *, worker: str, at: datetime, error: str,
    max_attempts: int,
) -> None:
    """Give claimed rows back for another attempt at ``at``, or fail them after the last one."""
    rows = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.id).in_(ids),
                                    col(OutboxMessage.claimed_by) == worker)
    ).all()
    for row in rows:
        row.attempts += 1
        row.last_error = error[:500]
        row.claimed_until = None
        if row.attempts >= max_attempts:
            row.state = "failed"
        else:
            row.state = "pending"
            row.next_attempt_at = at
        session.add(row)


def mark_state(
    session: Session, ids: Sequence[int], *, state: str, error: str | None = None,
    worker: str | None = None,
) -> None:
    """Set a final state (unreachable, cancelled, folded) on rows."""
    stmt = update(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
    if worker is not None:
        stmt = stmt.where(col(OutboxMessage.claimed_by) == worker)
    session.execute(stmt.values(state=state, last_error=error, claimed_until=None))


def release(session: Session, ids: Sequence[int], *, worker: str, at: datetime) -> None:
    """Give claimed rows back untouched, to be claimed again from ``at``."""
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker)
            .values(state="pending", claimed_until=None, next_attempt_at=at)
        )


def cancel_pending(session: Session, *, task_id: int, official_id: int | None = None) -> int:
    """Cancel the reminders still pending for a task (it is done, or re-planned)."""
    stmt = update(OutboxMessage).where(
        col(OutboxMessage.state) == "pending",
        col(OutboxMessage.kind) == "reminder",
        col(OutboxMessage.task_id) == task_id,
    )
    if official_id is not None:
        stmt = stmt.where(col(OutboxMessage.official_id) == official_id)
    result = session.execute(stmt.values(state="cancelled"))
    return result.rowcount or 0  # type: ignore[attr-defined]
