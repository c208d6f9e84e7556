"""The durable outbox: every message is a row before it is a send.

Planning inserts rows keyed by an idempotency key, so planning twice (a restart, a second
worker) writes nothing twice. Workers claim due rows under a lease: on PostgreSQL with
``FOR UPDATE SKIP LOCKED`` so several workers never take the same row, on SQLite inside a
write transaction that begins IMMEDIATE. A row is marked sent only after the platform
accepted it; a worker that dies mid-send leaves its rows to be claimed again when the lease
runs out, so only the messages it had sent and not yet recorded go out twice (the sender
bounds how many those can be).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from models.tables import OutboxMessage
from models.types import utcnow

LEASE = timedelta(minutes=2)
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
_INSERT_CHUNK = 5000


def enqueue(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert outbox rows, skipping any whose idempotency key exists; return how many were new.

    Each row is a dict of OutboxMessage columns and must carry ``idempotency_key``,
    ``channel`` and ``due_at``. The rows go to the driver in one executemany of a cached
    INSERT … ON CONFLICT DO NOTHING, their values converted column by column by the columns'
    own bind processors: planning a nation inserts hundreds of thousands of rows, and building
    a statement (or an ORM object) per row would cost more than the database does.
    """
    values = rows if isinstance(rows, list) else list(rows)
    if not values:
        return 0
    _check(values)
    session.flush()  # what the session holds goes first, as session.execute would do
    conn = session.connection()
    sql, columns, named = _insert_for(conn.dialect)
    defaults = {**_DEFAULTS, "created_at": utcnow()}
    inserted = 0
    for start in range(0, len(values), _INSERT_CHUNK):
        chunk = values[start : start + _INSERT_CHUNK]
        converted = []
        for name, process in columns:
            default = defaults.get(name)  # the required columns are in every row
            column = [r.get(name, default) for r in chunk]
            if process is not None:
                # None binds as NULL whatever the type: most of a new row's columns are None.
                column = [None if v is None else process(v) for v in column]
            converted.append(column)
        params: list[Any] = list(zip(*converted, strict=True))
        if named:
            keys = [name for name, _ in columns]
            params = [dict(zip(keys, p, strict=True)) for p in params]
        # ON CONFLICT DO NOTHING changes no row for a key that exists: rowcount is the new ones.
        inserted += max(conn.exec_driver_sql(sql, params).rowcount, 0)
    return inserted


_DEFAULTS: dict[str, Any] = {
    "org_id": None,
    "official_id": None,
    "chat_id": None,
    "kind": "reply",
    "task_id": None,
    "indicator_id": None,
    "reason": None,
    "payload": {},
    "state": "pending",
    "attempts": 0,
    "next_attempt_at": None,
    "claimed_by": None,
    "claimed_until": None,
    "last_error": None,
    "platform_message_id": None,
    "sent_at": None,
}
_COLUMNS = frozenset(c.name for c in _TABLE.c if c.name != "id")
_REQUIRED = ("idempotency_key", "channel", "due_at")


def _check(rows: Sequence[dict[str, Any]]) -> None:
    for row in rows:
        if not all(name in row for name in _REQUIRED):
            missing = [name for name in _REQUIRED if name not in row]
            raise ValueError(f"outbox row without {missing}")
        if row["due_at"].tzinfo is None:
            raise ValueError("outbox due_at must be zone-aware")
        if not row.keys() <= _COLUMNS:
            raise ValueError(f"outbox row with unknown columns {sorted(row.keys() - _COLUMNS)}")


_Processor = Callable[[Any], Any] | None


@lru_cache(maxsize=8)
def _insert_for(dialect: Dialect) -> tuple[str, list[tuple[str, _Processor]], bool]:
    """The driver-level INSERT for ``dialect``, its columns in parameter order with their bind
    processors, and whether the driver takes named parameters."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    stmt = insert(_TABLE).on_conflict_do_nothing(index_elements=["idempotency_key"])
    names = [c.name for c in _TABLE.c if c.name != "id"]
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    positional = compiled.positiontup is not None  # qmark (SQLite) or pyformat (psycopg)
    order = list(compiled.positiontup) if positional else names  # type: ignore[arg-type]
    columns = [(name, _TABLE.c[name].type._cached_bind_processor(dialect)) for name in order]
    return compiled.string, columns, not positional


def _due(now: datetime) -> ColumnElement[bool]:
    """Rows a worker may take at ``now``: pending and due, or claimed by a lapsed lease."""
    return or_(
        and_(
            col(OutboxMessage.state) == "pending",
            col(OutboxMessage.due_at) <= now,
            or_(
                col(OutboxMessage.next_attempt_at).is_(None),
                col(OutboxMessage.next_attempt_at) <= now,
            ),
        ),
        and_(col(OutboxMessage.state) == "sending", col(OutboxMessage.claimed_until) < now),
    )


def claim_due(
    session: Session,
    *,
    now: datetime,
    worker: str,
    limit: int = 100,
    channels: Sequence[str] | None = None,
    lease: timedelta = LEASE,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` rows due by ``now`` for ``worker`` until ``now + lease``.

    Rows whose lease expired (a worker died while sending) are due again. The other due
    reminders of the officials in the batch join it, beyond ``limit``: an official's
    reminders of one slot are one message, and a batch boundary must not cut them in two.
    """
    locked = session.get_bind().dialect.name == "postgresql"
    query = select(OutboxMessage).where(_due(now))
    if channels:
        query = query.where(col(OutboxMessage.channel).in_(channels))
    query = query.order_by(col(OutboxMessage.due_at), col(OutboxMessage.id)).limit(limit)
    if locked:
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query))
    if not rows:
        return []
    officials = {r.official_id for r in rows if r.kind == "reminder" and r.official_id}
    if officials:
        more = select(OutboxMessage).where(
            _due(now),
            col(OutboxMessage.kind) == "reminder",
            col(OutboxMessage.official_id).in_(officials),
            col(OutboxMessage.id).not_in([r.id for r in rows]),
        )
        if channels:
            more = more.where(col(OutboxMessage.channel).in_(channels))
        if locked:
            # Rows another worker holds stay its own; it sends them in its own message.
            more = more.with_for_update(skip_locked=True)
        rows += session.exec(more)
    until = now + lease
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_([r.id for r in rows]))
        .values(state="sending", claimed_by=worker, claimed_until=until)
    )
    for r in rows:
        r.state, r.claimed_by, r.claimed_until = "sending", worker, until
    return rows


def mark_sent(
    session: Session,
    ids: Sequence[int],
    *,
    worker: str,
    now: datetime,
    platform_message_id: str | None,
) -> int:
    """Mark claimed rows sent; a row another worker re-claimed meanwhile is left alone."""
    return mark_sent_many(session, [(i, platform_message_id) for i in ids], worker=worker, now=now)


_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.state == "sending",
    )
    .values(
        state="sent",
        sent_at=bindparam("now"),
        platform_message_id=bindparam("message_id"),
        attempts=_TABLE.c.attempts + 1,
        claimed_until=None,
        last_error=None,
    )
)


def mark_sent_many(
    session: Session,
    sent: Sequence[tuple[int, str | None]],
    *,
    worker: str,
    now: datetime,
) -> int:
    """Mark claimed rows sent, each with its platform message id, in one executemany."""
    if not sent:
        return 0
    params = [
        {"row_id": row_id, "message_id": message_id, "worker": worker, "now": now}
        for row_id, message_id in sent
    ]
    result = session.connection().execute(_MARK_SENT, params)
    return max(result.rowcount or 0, 0)


def mark_retry(
    session: Session,
    ids: Sequence[int],
    *,
    worker: str,
    at: datetime,
    error: str,
    max_attempts: int,
) -> None:
    """Give claimed rows back for another attempt at ``at``, or fail them after the last one."""
    rows = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.id).in_(ids), col(OutboxMessage.claimed_by) == worker
        )
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
    session: Session,
    ids: Sequence[int],
    *,
    state: str,
    error: str | None = None,
    worker: str | None = None,
) -> None:
    """Set a final state (unreachable, cancelled, folded) on rows."""
    stmt = update(OutboxMessage).where(col(OutboxMessage.id).in_(ids))
    if worker is not None:
        stmt = stmt.where(col(OutboxMessage.claimed_by) == worker)
    session.execute(stmt.values(state=state, last_error=error, claimed_until=None))


def release(
    session: Session,
    ids: Sequence[int],
    *,
    worker: str,
    at: datetime,
    error: str | None = None,
) -> None:
    """Give claimed rows back without spending an attempt, to be claimed again from ``at``."""
    if ids:
        values: dict[str, Any] = {"state": "pending", "claimed_until": None, "next_attempt_at": at}
        if error is not None:
            values["last_error"] = error
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(ids),
                col(OutboxMessage.claimed_by) == worker,
                col(OutboxMessage.state) == "sending",
            )
            .values(**values)
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
