"""The durable inbox: every inbound update is stored before it is acknowledged, then handled once.

A channel calls ``store`` for each update it receives and acknowledges the platform only
after it returns (advancing the getUpdates offset, answering the webhook). A duplicate
delivery hits the unique (channel, update_id) key and is dropped. ``process_pending`` runs
the handlers for stored updates in order; the answers go into the outbox in the same
transaction as the handler's effects and the inbox row's "done" mark, so a crash at any
point either redoes the whole update or nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from handlers.context import FetchFile
from handlers.router import dispatch
from locales import t
from models.db import session_scope
from models.messages import Inbound, Outbound
from models.queries import official_by_chat
from models.tables import InboundUpdate
from plans.reader import MAX_BYTES
from scheduler.outbox import enqueue

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def store(
    engine: Engine, *, channel: str, update_id: str, inbound: Inbound, now: datetime
) -> bool:
    """Keep one update; return False when it was already stored (a duplicate delivery)."""
    try:
        with session_scope(engine) as session:
            session.add(
                InboundUpdate(
                    channel=channel,
                    update_id=update_id,
                    payload=inbound.to_dict(),
                    received_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def store_many(engine: Engine, items: list[tuple[str, str, Inbound]], *, now: datetime) -> int:
    """Keep a batch of updates in one transaction, skipping stored ones; return how many new."""
    if not items:
        return 0
    with session_scope(engine) as session:
        keys = {(c, u) for c, u, _ in items}
        existing = {
            (row.channel, row.update_id)
            for row in session.exec(
                select(InboundUpdate).where(
                    col(InboundUpdate.update_id).in_([u for _, u, _ in items])
                )
            )
            if (row.channel, row.update_id) in keys
        }
        new = 0
        for channel, update_id, inbound in items:
            if (channel, update_id) in existing:
                continue
            existing.add((channel, update_id))
            session.add(
                InboundUpdate(
                    channel=channel,
                    update_id=update_id,
                    payload=inbound.to_dict(),
                    received_at=now,
                )
            )
            new += 1
        return new


@dataclass
class Processed:
    update_id: str
    outbox_keys: list[str]


def process_pending(
    engine: Engine,
    *,
    now: datetime,
    zone: ZoneInfo,
    channels: list[str] | None = None,
    limit: int = 100,
    default_locale: str = "vi",
    bot_username: str | None = None,
    fetch_file: FetchFile | None = None,
    max_upload_bytes: int = MAX_BYTES,
) -> list[Processed]:
    """Handle stored updates in arrival order; return what each one queued.

    ``fetch_file`` downloads a file a person sent, given its channel file id; it is called
    from this (worker) thread, so it must block (see ``bot.files.blocking_fetch``).
    """
    with session_scope(engine, readonly=True) as session:
        query = select(InboundUpdate.id).where(InboundUpdate.state == "pending")
        if channels:
            query = query.where(col(InboundUpdate.channel).in_(channels))
        ids = list(session.exec(query.order_by(col(InboundUpdate.id)).limit(limit)))
    done: list[Processed] = []
    for inbox_id in ids:
        try:
            with session_scope(engine) as session:
                row = session.get(InboundUpdate, inbox_id)
                if row is None or row.state != "pending":
                    continue  # another worker took it
                done.append(
                    _handle(
                        session,
                        row,
                        now=now,
                        zone=zone,
                        default_locale=default_locale,
                        bot_username=bot_username,
                        fetch_file=fetch_file,
                        max_upload_bytes=max_upload_bytes,
                    )
                )
        except Exception as exc:
            log.exception("update %s failed", inbox_id)
            _record_failure(
                engine, inbox_id, exc, now=now, zone=zone, default_locale=default_locale
            )
    return done


def _handle(
    session: Session,
    row: InboundUpdate,
    *,
    now: datetime,
    zone: ZoneInfo,
    default_locale: str,
    bot_username: str | None,
    fetch_file: FetchFile | None,
    max_upload_bytes: int,
) -> Processed:
    inbound = Inbound.from_dict(row.payload)
    answers = dispatch(
        session,
        inbound,
        now=now,
        zone=zone,
        default_locale=default_locale,
        bot_username=bot_username,
        fetch_file=fetch_file,
        max_upload_bytes=max_upload_bytes,
    )
    keys = _queue_answers(session, row, inbound, answers, now=now)
    row.state, row.processed_at = "done", now
    if (
        official_by_chat(
            session=session,
            channel=inbound.channel,
            chat_id=inbound.user_id if inbound.is_group and inbound.user_id else inbound.chat_id,
        )
        is None
    ):
        # Keep nothing about people the bot does not know beyond the answer already queued.
        row.payload = {"chat_id": inbound.chat_id, "scrubbed": True}
    session.add(row)
    return Processed(update_id=row.update_id, outbox_keys=keys)


def _queue_answers(
    session: Session,
    row: InboundUpdate,
    inbound: Inbound,
    answers: list[Outbound],
    *,
    now: datetime,
) -> list[str]:
    keys = []
    values = []
    for n, answer in enumerate(answers):
        key = f"reply:{row.channel}:{row.update_id}:{n}"
        keys.append(key)
        values.append(
            {
                "channel": inbound.channel,
                "chat_id": answer.chat_id or inbound.chat_id,
                "kind": "reply",
                "payload": {"outbound": answer.to_dict()},
                "due_at": now,
                "idempotency_key": key,
            }
        )
    enqueue(session, values)
    return keys


def _record_failure(
    engine: Engine,
    inbox_id: int | None,
    exc: Exception,
    *,
    now: datetime,
    zone: ZoneInfo,
    default_locale: str,
) -> None:
    with session_scope(engine) as session:
        row = session.get(InboundUpdate, inbox_id)
        if row is None:
            return
        row.attempts += 1
        row.error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.state = "failed"
            inbound = Inbound.from_dict(row.payload)
            text = t(
                default_locale,
                "Xin lỗi, bot gặp lỗi khi xử lý tin nhắn này; "
                "lỗi đã được ghi lại. Hãy thử lại sau.",
            )
            sorry = Outbound(text=text, callback_id=inbound.callback_id)
            _queue_answers(session, row, inbound, [sorry], now=now)
        session.add(row)
