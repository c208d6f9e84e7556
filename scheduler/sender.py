"""The sender: claims due outbox rows, renders them, sends them paced, records the outcome.

One sender per process paces every message through one Pacer. Several due reminders for one
chat become one message. The platform's answer decides the row's fate:

* accepted: marked sent with the platform's message id (never before);
* 429: every send pauses for ``retry_after``, the row goes back without losing an attempt;
* 403 / chat not found: the chat is marked unreachable and the organization's admins told;
* 5xx, timeouts, network errors: retried with exponential back-off, failed after the last.

Reminders that fell due more than a day ago (the bot was down) are folded into one
catch-up message per chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from locales import t
from models.db import session_scope
from models.messages import Outbound
from models.queries import audit, chat_links, task_label
from models.tables import (
    ChatLink,
    Indicator,
    Official,
    Organization,
    OutboxMessage,
    Task,
    Unit,
)
from scheduler import outbox
from scheduler.clock import Clock
from scheduler.notify import admins_of, notify_official
from scheduler.pacing import Pacer
from scheduler.planner import calendar_for
from scheduler.policy import warns_before_due
from scheduler.render import render_reminder
from scheduler.workcalendar import WorkCalendar

log = logging.getLogger(__name__)

CATCH_UP_AFTER = timedelta(days=1)
RECHECK = timedelta(minutes=1)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)
REMINDER_KINDS = ("reminder",)
QUIET_KINDS = ("reminder", "digest")  # wait for working hours; answers to people never wait


@dataclass(frozen=True)
class SendOutcome:
    """What the platform said to one send."""

    ok: bool
    message_id: str | None = None
    retry_after: float | None = None  # 429: wait this long before any further send
    unreachable: bool = False  # 403 or chat not found: do not try this chat again
    permanent: bool = False  # the platform refused this message itself (400): do not retry
    error: str | None = None  # anything else: transient, retry later


class Transport(Protocol):
    """A channel's way to deliver one Outbound to one chat (Telegram, Zalo, console)."""

    channel: str

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, chat_id: str, message: Outbound) -> SendOutcome: ...


@dataclass
class _Batch:
    """One message to one chat and the outbox rows it delivers."""

    channel: str
    chat_id: str
    rows: list[OutboxMessage]
    message: Outbound | None = None


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    unreachable: int = 0
    failed: int = 0
    cancelled: int = 0
    rows: int = 0
    delivered: int = 0  # messages handed to a transport in this run
    messages: list[tuple[str, str, Outbound]] = field(default_factory=list)


class Sender:
    def __init__(
        self, engine: Engine, transports: dict[str, Transport], *, clock: Clock, zone: ZoneInfo,
        pacer: Pacer | None = None, worker: str = "worker-1", batch_size: int = 200,
        max_attempts: int = MAX_ATTEMPTS, keep_messages: bool = False,
        working_hours_only: bool = True,
    ) -> None:
        self.engine = engine
        self.transports = transports
        self.clock = clock
        self.zone = zone
        self.pacer = pacer or Pacer(enabled=False)
        self.worker = worker
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.keep_messages = keep_messages
        self.working_hours_only = working_hours_only
        self._calendars: dict[int | None, WorkCalendar] = {}

    async def run_once(self) -> SenderStats:
        """Send everything due now, in batches, and return what happened."""
        total = SenderStats()
        while True:
            stats = await self._run_batch()
            total.sent += stats.sent
            total.retried += stats.retried
            total.unreachable += stats.unreachable
            total.failed += stats.failed
            total.cancelled += stats.cancelled
            total.rows += stats.rows
            total.messages += stats.messages
            # Go on while batches find rows: answers and alerts queued by this run go out too.
            # Every claimed row ends final, or is given back for a moment after now.
            if stats.rows == 0:
                return total

    async def _run_batch(self) -> SenderStats:
        now = self.clock.now()
        stats = SenderStats()
        batches = await asyncio.to_thread(self._claim_and_render, now, stats)
        if not batches:
            return stats
        stats.delivered = len(batches)
        results = await asyncio.gather(*(self._deliver(b) for b in batches))
        await asyncio.to_thread(self._record, list(zip(batches, results, strict=True)), stats)
        return stats

    # --- claim and render (in a worker thread, one transaction) -----------------------------

    def _claim_and_render(self, now: datetime, stats: SenderStats) -> list[_Batch]:
        with session_scope(self.engine) as session:
            rows = outbox.claim_due(session, now=now, worker=self.worker, limit=self.batch_size)
            stats.rows = len(rows)
            if not rows:
                return []
            return self._render(session, rows, now, stats)

    def _render(
        self, session: Session, rows: Sequence[OutboxMessage], now: datetime, stats: SenderStats
    ) -> list[_Batch]:
        task_ids = {r.task_id for r in rows if r.task_id}
        kpi_ids = {r.indicator_id for r in rows if r.indicator_id}
        tasks = {t.id: t for t in session.exec(select(Task).where(col(Task.id).in_(task_ids)))}
        kpis = {k.id: k for k in session.exec(
            select(Indicator).where(col(Indicator.id).in_(kpi_ids)))}
        official_ids = {r.official_id for r in rows if r.official_id}
        officials = {o.id: o for o in session.exec(
            select(Official).where(col(Official.id).in_(official_ids)))}
        links = chat_links(session=session, official_ids=[i for i in official_ids if i])
        batches: list[_Batch] = []
        reminders: dict[tuple[str, str, bool], list[OutboxMessage]] = {}
        dead: list[int] = []
        later: dict[datetime, list[int]] = {}
        no_chat: list[OutboxMessage] = []
        today = now.astimezone(self.zone).date()
        for row in rows:
            if row.kind in REMINDER_KINDS:
                task = tasks.get(row.task_id) if row.task_id else None
                if task is not None and (task.status == "done" or task.removed_at is not None):
                    dead.append(row.id or 0)  # done tasks stop reminding
                    continue
                if _stale_warning(row, today):
                    dead.append(row.id or 0)  # "due in 3 days" after the date: overdue follows
                    continue
                if row.reason == "monthly" and task is not None and _updated_this_month(
                        task, now, self.zone):
                    dead.append(row.id or 0)  # already reported this month: nothing to ask
                    continue
                opens = self.open_at(row.org_id, now)
                if opens is not None:
                    later.setdefault(opens, []).append(row.id or 0)  # outside working hours
                    continue
                # The chat is looked up now: the official may have linked one since planning.
                link = next(iter(links.get(row.official_id or 0, [])), None)
                if link is not None:
                    row.channel, row.chat_id = link.channel, link.chat_id
                if row.chat_id is None:
                    no_chat.append(row)
                    continue
                if row.channel not in self.transports:
                    # Another process sends this channel; look again in a minute.
                    later.setdefault(now + RECHECK, []).append(row.id or 0)
                    continue
                old = now - row.due_at > CATCH_UP_AFTER
                reminders.setdefault((row.channel, row.chat_id, old), []).append(row)
            elif row.channel not in self.transports:
                later.setdefault(now + RECHECK, []).append(row.id or 0)
            elif row.kind in QUIET_KINDS and (opens := self.open_at(row.org_id, now)):
                later.setdefault(opens, []).append(row.id or 0)
            elif row.chat_id is None:
                no_chat.append(row)
            else:
                message = Outbound.from_dict(row.payload["outbound"])
                batches.append(_Batch(row.channel, row.chat_id, [row], message))
        for (channel, chat_id, old), group in reminders.items():
            official = officials.get(group[0].official_id or 0)
            locale = official.locale if official else "vi"
            message = render_reminder(group, tasks, kpis, locale=locale, today=today)
            if old:
                message = _as_catch_up(message, locale)
            batches.append(_Batch(channel, chat_id, group, message))
        if dead:
            outbox.mark_state(session, dead, state="cancelled", worker=self.worker)
            stats.cancelled += len(dead)
        for at, ids in later.items():
            outbox.release(session, ids, worker=self.worker, at=at)
        if no_chat:
            self._unreachable(session, no_chat, now, reason="no chat linked")
            stats.unreachable += len(no_chat)
        return batches

    def open_at(self, org_id: int | None, now: datetime) -> datetime | None:
        """Return when the organization's working hours next open, or None when open now."""
        cal = self._calendars.get(org_id)
        if cal is None:
            with session_scope(self.engine, readonly=True) as session:
                org = session.get(Organization, org_id) if org_id else None
            cal = calendar_for(org) if org else WorkCalendar(zone=self.zone)
            self._calendars[org_id] = cal
        if not self.working_hours_only or cal.is_open(now):
            return None
        return cal.next_open(now)

    # --- deliver (on the event loop, paced) ------------------------------------------------

    async def _deliver(self, batch: _Batch) -> SendOutcome:
        transport = self.transports[batch.channel]
        assert batch.message is not None
        try:
            async with self.pacer.slot((batch.channel, batch.chat_id),
                                       is_group=transport.is_group(batch.chat_id)):
                outcome = await transport.send(batch.chat_id, batch.message)
        except Exception as exc:  # a transport bug must not lose the rows: retry them
            log.exception("transport %s failed", batch.channel)
            return SendOutcome(ok=False, error=f"{type(exc).__name__}: {exc}")
        if outcome.retry_after:
            self.pacer.pause(outcome.retry_after)
        return outcome

    # --- record (in a worker thread, one transaction) --------------------------------------

    def _record(self, results: list[tuple[_Batch, SendOutcome]], stats: SenderStats) -> None:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            for batch, outcome in results:
                ids = [r.id or 0 for r in batch.rows]
                if outcome.ok:
                    outbox.mark_sent(session, ids, worker=self.worker, now=now,
                                     platform_message_id=outcome.message_id)
                    stats.sent += 1
                    if self.keep_messages and batch.message is not None:
                        stats.messages.append((batch.channel, batch.chat_id, batch.message))
                elif outcome.retry_after:
                    # Telegram's flood control is not the message's fault: no attempt is spent.
                    for row in session.exec(select(OutboxMessage).where(
                            col(OutboxMessage.id).in_(ids),
                            OutboxMessage.claimed_by == self.worker)):
                        row.state, row.claimed_until = "pending", None
                        row.next_attempt_at = now + timedelta(seconds=outcome.retry_after)
                        row.last_error = "429"
                        session.add(row)
                    stats.retried += 1
                elif outcome.unreachable:
                    self._unreachable(session, batch.rows, now, reason=outcome.error or "403",
                                      chat=(batch.channel, batch.chat_id))
                    stats.unreachable += 1
                elif outcome.permanent:
                    outbox.mark_state(session, ids, state="failed", error=outcome.error,
                                      worker=self.worker)
                    stats.failed += 1
                    self._tell_admins(session, batch.rows, now, failed=True)
                else:
                    attempts = max(r.attempts for r in batch.rows) + 1
                    delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)
                    outbox.mark_retry(session, ids, worker=self.worker, at=now + delay,
                                      error=outcome.error or "error",
                                      max_attempts=self.max_attempts)
                    if attempts >= self.max_attempts:
                        stats.failed += 1
                        self._tell_admins(session, batch.rows, now, failed=True)
                    else:
                        stats.retried += 1

    def _unreachable(
        self, session: Session, rows: Sequence[OutboxMessage], now: datetime, *, reason: str,
        chat: tuple[str, str] | None = None,
    ) -> None:
        outbox.mark_state(session, [r.id or 0 for r in rows], state="unreachable", error=reason)
        if chat is not None:
            link = session.exec(select(ChatLink).where(ChatLink.channel == chat[0],
                                                       ChatLink.chat_id == chat[1])).first()
            if link is not None and link.reachable:
                link.reachable = False
                session.add(link)
                audit(session=session, action="chat.unreachable", at=now,
                      org_id=rows[0].org_id, subject=f"{chat[0]}:{chat[1]}", reason=reason)
        self._tell_admins(session, rows, now, failed=False)

    def _tell_admins(
        self, session: Session, rows: Sequence[OutboxMessage], now: datetime, *, failed: bool
    ) -> None:
        """Tell the organization's admins, once a day per person or unit, who cannot be reached."""
        day = now.astimezone(self.zone).date().isoformat()
        for row in rows:
            if row.kind == "alert" or row.org_id is None:
                continue  # never alert about an alert
            person = session.get(Official, row.official_id) if row.official_id else None
            unit = None
            leaderless = person is None and (row.payload or {}).get("audience") == "directing"
            if person is None and not leaderless:
                subject = (session.get(Task, row.task_id) if row.task_id
                           else session.get(Indicator, row.indicator_id or 0))
                unit_id = (subject.lead_unit_id if isinstance(subject, Task)
                           else subject.monitoring_unit_id if subject else None)
                unit = session.get(Unit, unit_id) if unit_id else None
                if unit is None:
                    continue
            for admin in admins_of(session=session, org_id=row.org_id):
                if person is not None and admin.id == person.id:
                    continue
                if person is not None:
                    text = _unreachable_text(admin.locale, person.name, failed)
                    key = f"unreachable:{person.id}:{day}"
                elif leaderless:
                    task = session.get(Task, row.task_id or 0)
                    label = task_label(task) if task else "?"
                    text = t(admin.locale, "❗ Nhiệm vụ {label} quá hạn nhưng chưa có lãnh đạo "
                                           "chỉ đạo nào đăng ký nhận báo cáo; hãy mời lãnh đạo.",
                             label=label)
                    key = f"leaderless:{row.task_id}:{day}"
                else:
                    assert unit is not None
                    text = t(admin.locale, "❗ Chưa có cán bộ nào của {unit} đăng ký nhận nhắc "
                                           "việc; hãy gửi lời mời (/invite {unit}).",
                             unit=unit.name)
                    key = f"nobody:{unit.id}:{day}"
                notify_official(session=session, official=admin, outbound=Outbound(text=text),
                                now=now, key=key)


def _unreachable_text(locale: str, name: str, failed: bool) -> str:
    if failed:
        return t(locale, "❗ Nhiều lần không gửi được tin nhắc cho {name}; hãy kiểm tra và nhắc "
                         "trực tiếp.", name=name)
    return t(locale, "❗ Không gửi được tin nhắc cho {name}: chưa liên kết bot hoặc đã chặn bot. "
                     "Hãy gửi lời mời mới (/invite) hoặc nhắc trực tiếp.", name=name)


def _updated_this_month(task: Task, now: datetime, zone: ZoneInfo) -> bool:
    if task.last_update_at is None:
        return False
    here, last = now.astimezone(zone), task.last_update_at.astimezone(zone)
    return (here.year, here.month) == (last.year, last.month)


def _stale_warning(row: OutboxMessage, today: date) -> bool:
    due = (row.payload or {}).get("due_date")
    return bool(due and row.reason and warns_before_due(row.reason)
                and date.fromisoformat(due) < today)


def _as_catch_up(message: Outbound, locale: str) -> Outbound:
    header = t(locale, "📬 Các nhắc việc trong lúc hệ thống gián đoạn")
    body = message.text.split("\n", 1)[1] if "\n" in message.text else message.text
    return Outbound(text=f"{header}\n{body}", buttons=message.buttons)
