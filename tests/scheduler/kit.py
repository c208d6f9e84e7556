"""An office on a real database for the scheduler's tests.

One organization with its units, people (each with a chat, or not), a plan and its tasks;
a frozen clock; planning as the daily job does it and delivery through the real Sender with
any transport. Tests read what each person received, as a person would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from models.db import session_scope
from models.messages import Outbound
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
from scheduler.clock import SimulatedClock
from scheduler.planner import plan_reminders
from scheduler.sender import Sender, SendOutcome, Transport

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS = {
    "VH": "Phòng Văn hóa - Xã hội",
    "KT": "Phòng Kinh tế, Hạ tầng và Đô thị",
    "VP": "Văn phòng HĐND và UBND",
}
_orgs = itertools.count(1)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    """A local moment in Hà Nội."""
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@dataclass(frozen=True)
class Delivery:
    """One message as it reached a chat, and the bot's clock when it was sent."""

    at: datetime
    chat_id: str
    message: Outbound

    @property
    def local(self) -> datetime:
        return self.at.astimezone(VN)


class RecordingTransport:
    """A channel that accepts every message and keeps what it delivered, and when."""

    def __init__(self, clock: SimulatedClock, channel: str = "console") -> None:
        self.clock = clock
        self.channel = channel
        self.sent: list[Delivery] = []

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, chat_id: str, message: Outbound) -> SendOutcome:
        self.sent.append(Delivery(self.clock.now(), chat_id, message))
        return SendOutcome(ok=True, message_id=str(len(self.sent)))


@dataclass
class Office:
    engine: Engine
    clock: SimulatedClock
    org_id: int
    plan_id: int
    channel: str = "console"
    chat_of: Callable[[str, int], str] = lambda name, official_id: f"chat-{official_id}"
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    chats: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        engine: Engine,
        start: datetime,
        *,
        channel: str = "console",
        chat_of: Callable[[str, int], str] | None = None,
        imported: datetime | None = None,
    ) -> Office:
        with session_scope(engine) as s:
            org = Organization(code=f"phuong-{next(_orgs)}", name="Phường Thử", created_at=start)
            s.add(org)
            s.flush()
            plan = Plan(
                org_id=org.id or 0,
                number="45/KH-UBND",
                issued_on=date(2026, 3, 31),
                imported_at=imported or start - timedelta(days=60),
            )
            s.add(plan)
            s.flush()
            units = {}
            for short, name in UNITS.items():
                unit = Unit(org_id=org.id or 0, key=short.lower(), name=name)
                s.add(unit)
                s.flush()
                units[short] = unit.id or 0
        office = cls(
            engine, SimulatedClock(start), org.id or 0, plan.id or 0, channel, units=units
        )
        if chat_of is not None:
            office.chat_of = chat_of
        return office

    # --- setting up -----------------------------------------------------------------------

    def person(
        self,
        name: str,
        *,
        unit: str | None = None,
        role: str = "official",
        chair: bool = False,
        linked: bool = True,
    ) -> int:
        with session_scope(self.engine) as s:
            official = Official(
                org_id=self.org_id,
                name=name,
                role=role,
                is_chair=chair,
                unit_id=self.units[unit] if unit else None,
            )
            s.add(official)
            s.flush()
            oid = official.id or 0
            chat = self.chat_of(name, oid)
            if linked:
                s.add(
                    ChatLink(
                        channel=self.channel,
                        chat_id=chat,
                        official_id=oid,
                        linked_at=self.clock.now(),
                    )
                )
        self.people[name] = oid
        self.chats[name] = chat
        return oid

    def task(
        self,
        stt: str,
        *,
        section: str = "I",
        unit: str | None = "VH",
        due: date | None = None,
        kind: str = "once",
        lead: str | None = None,
        directing: str | None = None,
        coord: Sequence[str] = (),
        plan_id: int | None = None,
        title: str | None = None,
    ) -> int:
        with session_scope(self.engine) as s:
            task = Task(
                plan_id=plan_id or self.plan_id,
                org_id=self.org_id,
                section=section,
                stt=stt,
                title=title or f"Nhiệm vụ thử {section}.{stt}",
                lead_unit_id=self.units[unit] if unit else None,
                lead_official_id=self.people[lead] if lead else None,
                directing_official_id=self.people[directing] if directing else None,
                coord_unit_ids=[self.units[u] for u in coord],
                deadline_kind=kind,
                due_date=due,
                deadline_raw=due.isoformat() if due else "",
            )
            s.add(task)
            s.flush()
            self.tasks[f"{section}.{stt}"] = task.id or 0
            return task.id or 0

    def indicator(self, stt: str, *, unit: str = "VP", plan_id: int | None = None) -> int:
        with session_scope(self.engine) as s:
            kpi = Indicator(
                plan_id=plan_id or self.plan_id,
                org_id=self.org_id,
                section="II",
                stt=stt,
                text=f"Tỷ lệ hồ sơ trực tuyến số {stt}",
                targets={"2026": "≥80%"},
                monitoring_unit_id=self.units[unit],
            )
            s.add(kpi)
            s.flush()
            return kpi.id or 0

    def another_plan(self, **settings: Any) -> int:
        with session_scope(self.engine) as s:
            plan = Plan(
                org_id=self.org_id,
                number="46/KH-UBND",
                imported_at=self.clock.now() - timedelta(days=60),
                settings={"reminders": settings} if settings else {},
            )
            s.add(plan)
            s.flush()
            return plan.id or 0

    def org_reminders(self, **settings: Any) -> None:
        with session_scope(self.engine) as s:
            org = s.get(Organization, self.org_id)
            assert org is not None
            org.settings = {**org.settings, "reminders": settings}
            s.add(org)

    def update_task(self, key: str, **values: Any) -> None:
        with session_scope(self.engine) as s:
            task = s.get(Task, self.tasks[key])
            assert task is not None
            for name, value in values.items():
                setattr(task, name, value)
            s.add(task)

    # --- acting ---------------------------------------------------------------------------

    def plan(self, days: int = 14) -> int:
        """The daily job: plan the coming ``days`` from the clock's now."""
        now = self.clock.now()
        with session_scope(self.engine) as s:
            return plan_reminders(
                session=s, now=now, until=now + timedelta(days=days), org_ids=[self.org_id]
            )

    def sender(self, transport: Transport, **options: Any) -> Sender:
        return Sender(
            self.engine, {transport.channel: transport}, clock=self.clock, zone=VN, **options
        )

    async def walk(
        self, sender: Sender, until: datetime, *, plan_at: int = 6, step: timedelta | None = None
    ) -> None:
        """Let time pass like the running bot, the planner each morning at ``plan_at`` and the
        sender whenever something falls due (the minutes when nothing is due are skipped), or
        every ``step`` when one is given."""
        last_planned: date | None = None
        while self.clock.now() < until:
            local = self.clock.now().astimezone(VN)
            if local.hour >= plan_at and local.date() != last_planned:
                self.plan()
                last_planned = local.date()
            await sender.run_once()
            morning = datetime.combine(local.date() + timedelta(days=1), time(plan_at), VN)
            if local.hour < plan_at:
                morning -= timedelta(days=1)
            if step is not None:
                self.clock.advance(step)
                continue
            self.clock.set(
                max(
                    min(self.next_due() or until, morning, until),
                    self.clock.now() + timedelta(minutes=1),
                )
            )

    def next_due(self) -> datetime | None:
        """When the earliest waiting row may next be sent."""
        rows = self.rows(OutboxMessage.state == "pending")
        return min((max(r.due_at, r.next_attempt_at or r.due_at) for r in rows), default=None)

    # --- reading --------------------------------------------------------------------------

    def name_of(self, chat_id: str) -> str:
        return {chat: name for name, chat in self.chats.items()}.get(chat_id, chat_id)

    def received(self, sent: Sequence[Delivery], name: str) -> list[Delivery]:
        return [d for d in sent if d.chat_id == self.chats[name]]

    def rows(self, *where: Any) -> list[OutboxMessage]:
        with session_scope(self.engine, readonly=True) as s:
            return list(
                s.exec(
                    select(OutboxMessage)
                    .where(OutboxMessage.org_id == self.org_id, *where)
                    .order_by(col(OutboxMessage.id))
                )
            )

    def reminder_rows(self, *where: Any) -> list[OutboxMessage]:
        return self.rows(OutboxMessage.kind == "reminder", *where)


# --- a crowd, for the tests with several processes --------------------------------------------

CROWD_MORNING = at(2026, 11, 18, 9, 0)  # due_7 of tasks due on 30/11 went out at 08:30


def crowd(engine: Engine, n: int) -> dict[int, int]:
    """Plan one reminder for each of ``n`` officials on Telegram; return chat id → task id.

    Bulk-built: a few statements, whatever ``n``.
    """
    with session_scope(engine) as s:
        org = Organization(code=f"dong-{next(_orgs)}", name="Phường Đông")
        s.add(org)
        s.flush()
        plan = Plan(org_id=org.id or 0, imported_at=CROWD_MORNING - timedelta(days=60))
        people = [Official(org_id=org.id or 0, name=f"Cán bộ {k}") for k in range(n)]
        s.add(plan)
        s.add_all(people)
        s.flush()
        s.add_all(
            [
                ChatLink(channel="telegram", chat_id=str(700_000 + (p.id or 0)), official_id=p.id)
                for p in people
            ]
        )
        tasks = [
            Task(
                plan_id=plan.id or 0,
                org_id=org.id or 0,
                section="I",
                stt=str(k + 1),
                title=f"Nhiệm vụ số {k + 1}",
                lead_official_id=p.id,
                deadline_kind="once",
                due_date=date(2026, 11, 30),
            )
            for k, p in enumerate(people)
        ]
        s.add_all(tasks)
        s.flush()
        morning = CROWD_MORNING.replace(hour=6)
        planned = plan_reminders(
            session=s, now=morning, until=morning + timedelta(days=1), org_ids=[org.id or 0]
        )
        assert planned == n
        return {700_000 + (p.id or 0): t.id or 0 for p, t in zip(people, tasks, strict=True)}
