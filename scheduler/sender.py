"""The sender: claims due outbox rows, renders them, sends them paced, records the outcome.

One sender per process paces every message through one Pacer. Several due reminders for one
chat become one message. The platform's answer decides the row's fate:

* accepted: marked sent with the platform's message id (never before);
* 429: every send pauses for ``retry_after``, the row goes back without losing an attempt;
* 403 / chat not found: the chat is marked unreachable and the organization's admins told;
* 5xx, timeouts, network errors: retried with exponential back-off, failed after the last.

Each outcome is committed within moments of its answer (those that come within
``COMMIT_WINDOW`` share one commit), and at most ``max_unrecorded`` sends may be started and
not yet committed: a worker killed mid-burst leaves only those to be sent twice by its
successor, never a whole batch. A send starts only while three quarters of the batch's lease
remain, so a slow batch (a long ``retry_after``) gives its rows back rather than race the
worker that may claim them next. The next batch is claimed and rendered while one is sent.

Reminders that fell due more than a day ago (the bot was down) are folded into one
catch-up message per chat. Reminders and digests wait for the working hours of the
organization's reminder policy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
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
    Plan,
    Task,
    Unit,
)
from scheduler import outbox
from scheduler.clock import Clock
from scheduler.notify import admins_of, notify_official
from scheduler.pacing import Pacer
from scheduler.planner import calendar_for, policy_for
from scheduler.policy import warns_before_due
from scheduler.render import render_reminder
from scheduler.workcalendar import WorkCalendar

log = logging.getLogger(__name__)

CATCH_UP_AFTER = timedelta(days=1)
RECHECK = timedelta(minutes=1)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)
# Sends started and not yet committed: also the most in flight at once. Sixteen keep
# Telegram's 30 a second going with answers as slow as half a second; more only make
# httpx's connection pool slower (it scans every connection for every request) and raise
# how many messages a killed worker may leave to be sent twice.
MAX_UNRECORDED = 16
# How long the first of a group of outcomes may wait for others to share its commit.
COMMIT_WINDOW = 0.01
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

    def add(self, other: SenderStats) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.unreachable += other.unreachable
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.rows += other.rows
        self.delivered += other.delivered
        self.messages += other.messages


@dataclass
class _Aside:
    """Claimed rows not sent now: ended (a done task), for later (closed hours), chatless."""

    dead: list[int] = field(default_factory=list)
    later: dict[datetime, list[int]] = field(default_factory=dict)
    no_chat: list[OutboxMessage] = field(default_factory=list)


# A send not made because the batch's lease ran short: the rows go back untouched.
_LEASE_SHORT = SendOutcome(ok=False, error="lease")


_Outcome = tuple[_Batch, SendOutcome, SenderStats]


class _Recorder:
    """Commits send outcomes in groups, each group in one trip to a worker thread.

    A group is what arrives while other sends are still waiting for their answer, up to
    ``group`` outcomes or ``window`` seconds after the first; when no send is left in flight it
    goes at once. Each trip to a thread costs the event loop about what a request does (the
    thread must get the GIL, then wake the loop), so one per outcome would halve the rate.
    """

    def __init__(
        self,
        commit: Callable[[list[_Outcome]], None],
        *,
        group: int,
        window: float,
        in_flight: Callable[[], int],
    ) -> None:
        self._commit = commit
        self._group = max(1, group)
        self._window = window
        self._in_flight = in_flight
        self._queue: list[tuple[_Outcome, asyncio.Future[None]]] = []
        self._more = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def record(self, outcome: _Outcome) -> None:
        """Return once the outcome is committed (raise if the commit failed)."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, done))
        self._more.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-recorder")
        await asyncio.shield(done)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            deadline = loop.time() + self._window
            while len(self._queue) < self._group and self._in_flight() > 0:
                self._more.clear()
                try:
                    await asyncio.wait_for(self._more.wait(), deadline - loop.time())
                except TimeoutError:
                    break
            items, self._queue = self._queue, []
            try:
                await asyncio.to_thread(self._commit, [outcome for outcome, _ in items])
            except Exception as exc:  # the senders waiting on it get the error
                for _, done in items:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in items:
                    if not done.done():
                        done.set_result(None)


@dataclass
class _Run:
    """What the sends of one ``run_once`` share: the unrecorded places and the recorder."""

    unrecorded: asyncio.Semaphore
    recorder: _Recorder
    in_flight: int = 0


class Sender:
    def __init__(
        self,
        engine: Engine,
        transports: dict[str, Transport],
        *,
        clock: Clock,
        zone: ZoneInfo,
        pacer: Pacer | None = None,
        worker: str = "worker-1",
        batch_size: int = 200,
        max_attempts: int = MAX_ATTEMPTS,
        keep_messages: bool = False,
        working_hours_only: bool = True,
        lease: timedelta = outbox.LEASE,
        max_unrecorded: int = MAX_UNRECORDED,
    ) -> None:
        if max_unrecorded < 1:
            raise ValueError("max_unrecorded must be at least 1")
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
        self.lease = lease
        self.max_unrecorded = max_unrecorded

    async def run_once(self) -> SenderStats:
        """Send everything due now, in batches, and return what happened.

        The next batch is claimed and rendered while the current one is being sent, so the
        connection never idles between batches; at most two batches are out at a time.
        """
        parts: list[SenderStats] = []
        sending: asyncio.Task[None] | None = None
        run = self._new_run()
        try:
            while True:
                stats = SenderStats()
                parts.append(stats)
                now = self.clock.now()
                batches = await asyncio.to_thread(self._claim_and_render, now, stats)
                if stats.rows == 0:
                    # Go on until a claim finds nothing with nothing out: answers and alerts
                    # queued by this run go out too. Every claimed row ends final, or is given
                    # back for a moment after now.
                    if sending is None:
                        break
                    await sending
                    sending = None
                    continue
                if batches:
                    previous = sending
                    sending = asyncio.create_task(self._send_all(run, batches, now, stats))
                    if previous is not None:
                        await previous
        except BaseException:
            if sending is not None and not sending.done():
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
            raise
        total = SenderStats()
        for part in parts:
            total.add(part)
        return total

    def _new_run(self) -> _Run:
        # Made per run: the console and the tests run each run_once in a loop of its own.
        unrecorded = asyncio.Semaphore(self.max_unrecorded)
        recorder = _Recorder(
            self._record,
            group=self.max_unrecorded // 2,
            window=COMMIT_WINDOW,
            in_flight=lambda: run.in_flight,
        )
        run = _Run(unrecorded, recorder)
        return run

    async def _send_all(
        self, run: _Run, batches: list[_Batch], claimed: datetime, stats: SenderStats
    ) -> None:
        stats.delivered = len(batches)
        # A send may start while three quarters of the lease remain; the last quarter covers
        # the request itself (keep the transport's timeout below it).
        last_start = claimed + self.lease * 3 / 4
        await asyncio.gather(*(self._deliver(run, b, stats, last_start) for b in batches))

    # --- claim and render (in a worker thread) ----------------------------------------------

    def _claim_and_render(self, now: datetime, stats: SenderStats) -> list[_Batch]:
        # The claim commits at once: on SQLite the write lock is not held while rendering
        # (the outcomes of the batch being sent are committed meanwhile), on PostgreSQL the
        # row locks give way to the lease.
        with session_scope(self.engine) as session:
            rows = outbox.claim_due(
                session, now=now, worker=self.worker, limit=self.batch_size, lease=self.lease
            )
        stats.rows = len(rows)
        if not rows:
            return []
        with session_scope(self.engine, readonly=True) as session:
            batches, aside = self._render(session, rows, now)
        if aside.dead or aside.later or aside.no_chat:
            with session_scope(self.engine) as session:
                self._put_aside(session, aside, now, stats)
        return batches

    def _put_aside(
        self, session: Session, aside: _Aside, now: datetime, stats: SenderStats
    ) -> None:
        """Record what the rendering decided not to send now."""
        if aside.dead:
            outbox.mark_state(session, aside.dead, state="cancelled", worker=self.worker)
            stats.cancelled += len(aside.dead)
        for at, ids in aside.later.items():
            outbox.release(session, ids, worker=self.worker, at=at)
        if aside.no_chat:
            self._unreachable(session, aside.no_chat, now, reason="no chat linked")
            stats.unreachable += len(aside.no_chat)

    def _render(
        self, session: Session, rows: Sequence[OutboxMessage], now: datetime
    ) -> tuple[list[_Batch], _Aside]:
        """Turn claimed rows into messages; say which rows wait, end, or have no chat."""
        task_ids = {r.task_id for r in rows if r.task_id}
        kpi_ids = {r.indicator_id for r in rows if r.indicator_id}
        tasks = {
            t.id or 0: t for t in session.exec(select(Task).where(col(Task.id).in_(task_ids)))
        }
        kpis = {
            k.id or 0: k
            for k in session.exec(select(Indicator).where(col(Indicator.id).in_(kpi_ids)))
        }
        official_ids = {r.official_id for r in rows if r.official_id}
        officials = {
            o.id: o
            for o in session.exec(select(Official).where(col(Official.id).in_(official_ids)))
        }
        links = chat_links(session=session, official_ids=[i for i in official_ids if i])
        hours = _Hours(session, rows, tasks, kpis, self.zone)
        batches: list[_Batch] = []
        reminders: dict[tuple[str, str, bool], list[OutboxMessage]] = {}
        aside = _Aside()
        dead, later, no_chat = aside.dead, aside.later, aside.no_chat
        today = now.astimezone(self.zone).date()
        for row in rows:
            if row.kind in REMINDER_KINDS:
                task = tasks.get(row.task_id) if row.task_id else None
                if task is not None and (task.status == "done" or task.removed_at is not None):
                    dead.append(row.id or 0)  # done tasks stop reminding
                    continue
                kpi = kpis.get(row.indicator_id) if row.indicator_id else None
                if kpi is not None and kpi.removed_at is not None:
                    dead.append(row.id or 0)  # a revision of the plan dropped the indicator
                    continue
                if _stale_warning(row, today):
                    dead.append(row.id or 0)  # "due in 3 days" after the date: overdue follows
                    continue
                if (
                    row.reason == "monthly"
                    and task is not None
                    and _updated_this_month(task, now, self.zone)
                ):
                    dead.append(row.id or 0)  # already reported this month: nothing to ask
                    continue
                opens = self._open_at(hours.calendar(row), now)
                if opens is not None:
                    later.setdefault(opens, []).append(row.id or 0)  # outside working hours
                    continue
                if row.official_id is not None:
                    # The chat is looked up now: the official may have linked another since
                    # planning, or blocked the bot (then nothing is sent to the old chat).
                    link = next(iter(links.get(row.official_id, [])), None)
                    row.channel = link.channel if link else row.channel
                    row.chat_id = link.chat_id if link else None
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
            elif row.kind in QUIET_KINDS and (opens := self._open_at(hours.calendar(row), now)):
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
        return batches, aside

    def _open_at(self, cal: WorkCalendar, now: datetime) -> datetime | None:
        """Return when working hours next open, or None when open now (or hours are off)."""
        if not self.working_hours_only or cal.is_open(now):
            return None
        return cal.next_open(now)

    # --- deliver (on the event loop, paced) ------------------------------------------------

    async def _deliver(
        self, run: _Run, batch: _Batch, stats: SenderStats, last_start: datetime
    ) -> None:
        transport = self.transports[batch.channel]
        acquired = False
        try:
            async with self.pacer.slot(
                (batch.channel, batch.chat_id), is_group=transport.is_group(batch.chat_id)
            ):
                # Taken in the slot: waiting here never holds back a chat the pacer would let
                # go, and the slot's body stays the request alone.
                await run.unrecorded.acquire()
                acquired = True
                if self.clock.now() >= last_start:
                    outcome = _LEASE_SHORT
                else:
                    run.in_flight += 1
                    try:
                        outcome = await self._send(transport, batch)
                    finally:
                        run.in_flight -= 1
                if outcome.retry_after:
                    # Before the slot is released, so no other send is granted meanwhile.
                    self.pacer.pause(outcome.retry_after)
            await run.recorder.record((batch, outcome, stats))
        finally:
            if acquired:
                run.unrecorded.release()

    async def _send(self, transport: Transport, batch: _Batch) -> SendOutcome:
        assert batch.message is not None
        try:
            return await transport.send(batch.chat_id, batch.message)
        except Exception as exc:  # a transport bug must not lose the rows: retry them
            log.exception("transport %s failed", batch.channel)
            return SendOutcome(ok=False, error=f"{type(exc).__name__}: {exc}")

    # --- record (in a worker thread, one transaction per group of outcomes) ----------------

    def _record(self, results: list[_Outcome]) -> None:
        now = self.clock.now()
        with session_scope(self.engine) as session:
            sent: list[tuple[int, str | None]] = []
            for batch, outcome, stats in results:
                ids = [r.id or 0 for r in batch.rows]
                if outcome.ok:
                    sent += [(i, outcome.message_id) for i in ids]
                    stats.sent += 1
                    if self.keep_messages and batch.message is not None:
                        stats.messages.append((batch.channel, batch.chat_id, batch.message))
                elif outcome is _LEASE_SHORT:
                    outbox.release(session, ids, worker=self.worker, at=now)
                elif outcome.retry_after:
                    # Telegram's flood control is not the message's fault: no attempt is spent.
                    outbox.release(
                        session,
                        ids,
                        worker=self.worker,
                        error="429",
                        at=now + timedelta(seconds=outcome.retry_after),
                    )
                    stats.retried += 1
                elif outcome.unreachable:
                    self._unreachable(
                        session,
                        batch.rows,
                        now,
                        reason=outcome.error or "403",
                        chat=(batch.channel, batch.chat_id),
                    )
                    stats.unreachable += 1
                elif outcome.permanent:
                    outbox.mark_state(
                        session, ids, state="failed", error=outcome.error, worker=self.worker
                    )
                    stats.failed += 1
                    self._tell_admins(session, batch.rows, now, failed=True)
                else:
                    attempts = max(r.attempts for r in batch.rows) + 1
                    delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)
                    outbox.mark_retry(
                        session,
                        ids,
                        worker=self.worker,
                        at=now + delay,
                        error=outcome.error or "error",
                        max_attempts=self.max_attempts,
                    )
                    if attempts >= self.max_attempts:
                        stats.failed += 1
                        self._tell_admins(session, batch.rows, now, failed=True)
                    else:
                        stats.retried += 1
            outbox.mark_sent_many(session, sent, worker=self.worker, now=now)

    def _unreachable(
        self,
        session: Session,
        rows: Sequence[OutboxMessage],
        now: datetime,
        *,
        reason: str,
        chat: tuple[str, str] | None = None,
    ) -> None:
        outbox.mark_state(session, [r.id or 0 for r in rows], state="unreachable", error=reason)
        if chat is not None:
            link = session.exec(
                select(ChatLink).where(ChatLink.channel == chat[0], ChatLink.chat_id == chat[1])
            ).first()
            if link is not None and link.reachable:
                link.reachable = False
                session.add(link)
                audit(
                    session=session,
                    action="chat.unreachable",
                    at=now,
                    org_id=rows[0].org_id,
                    subject=f"{chat[0]}:{chat[1]}",
                    reason=reason,
                )
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
                subject = (
                    session.get(Task, row.task_id)
                    if row.task_id
                    else session.get(Indicator, row.indicator_id or 0)
                )
                unit_id = (
                    subject.lead_unit_id
                    if isinstance(subject, Task)
                    else subject.monitoring_unit_id
                    if subject
                    else None
                )
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
                    text = t(
                        admin.locale,
                        "❗ Nhiệm vụ {label} quá hạn nhưng chưa có lãnh đạo "
                        "chỉ đạo nào đăng ký nhận báo cáo; hãy mời lãnh đạo.",
                        label=label,
                    )
                    key = f"leaderless:{row.task_id}:{day}"
                else:
                    assert unit is not None
                    text = t(
                        admin.locale,
                        "❗ Chưa có cán bộ nào của {unit} đăng ký nhận nhắc "
                        "việc; hãy gửi lời mời (/invite {unit}).",
                        unit=unit.name,
                    )
                    key = f"nobody:{unit.id}:{day}"
                notify_official(
                    session=session, official=admin, outbound=Outbound(text=text), now=now, key=key
                )


class _Hours:
    """The working calendar of each row of a batch: its organization's, in its plan's hours.

    Loaded per batch, so a change of an organization's calendar or hours applies at once.
    """

    def __init__(
        self,
        session: Session,
        rows: Sequence[OutboxMessage],
        tasks: dict[int, Task],
        kpis: dict[int, Indicator],
        zone: ZoneInfo,
    ) -> None:
        org_ids = {r.org_id for r in rows if r.org_id}
        self._orgs = {
            o.id: o
            for o in session.exec(select(Organization).where(col(Organization.id).in_(org_ids)))
        }
        plan_ids = {t.plan_id for t in tasks.values()} | {k.plan_id for k in kpis.values()}
        self._plans = (
            {p.id: p for p in session.exec(select(Plan).where(col(Plan.id).in_(plan_ids)))}
            if plan_ids
            else {}
        )
        self._tasks, self._kpis = tasks, kpis
        self._default = WorkCalendar(zone=zone)
        self._cache: dict[tuple[int | None, int | None], WorkCalendar] = {}

    def calendar(self, row: OutboxMessage) -> WorkCalendar:
        subject = (
            self._tasks.get(row.task_id)
            if row.task_id
            else self._kpis.get(row.indicator_id)
            if row.indicator_id
            else None
        )
        key = (row.org_id, subject.plan_id if subject is not None else None)
        cal = self._cache.get(key)
        if cal is None:
            org = self._orgs.get(row.org_id)
            if org is None:
                cal = self._default
            else:
                cal = policy_for(org, self._plans.get(key[1])).calendar(calendar_for(org))
            self._cache[key] = cal
        return cal


def _unreachable_text(locale: str, name: str, failed: bool) -> str:
    if failed:
        return t(
            locale,
            "❗ Nhiều lần không gửi được tin nhắc cho {name}; hãy kiểm tra và nhắc trực tiếp.",
            name=name,
        )
    return t(
        locale,
        "❗ Không gửi được tin nhắc cho {name}: chưa liên kết bot hoặc đã chặn bot. "
        "Hãy gửi lời mời mới (/invite) hoặc nhắc trực tiếp.",
        name=name,
    )


def _updated_this_month(task: Task, now: datetime, zone: ZoneInfo) -> bool:
    if task.last_update_at is None:
        return False
    here, last = now.astimezone(zone), task.last_update_at.astimezone(zone)
    return (here.year, here.month) == (last.year, last.month)


def _stale_warning(row: OutboxMessage, today: date) -> bool:
    due = (row.payload or {}).get("due_date")
    return bool(
        due and row.reason and warns_before_due(row.reason) and date.fromisoformat(due) < today
    )


def _as_catch_up(message: Outbound, locale: str) -> Outbound:
    header = t(locale, "📬 Các nhắc việc trong lúc hệ thống gián đoạn")
    body = message.text.split("\n", 1)[1] if "\n" in message.text else message.text
    return Outbound(text=f"{header}\n{body}", buttons=message.buttons)
