"""A recording harness: the real inbox, handlers, planner, outbox and sender on a real
database, with the console transport keeping a transcript (like zulip's StubBotHandler).

Tests talk as people (``kit.say("Bình", "xong r")``), press buttons by label, move the
clock, and read what each person received.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.app import App
from bot.channels.console import CHANNEL, ConsoleSession, ConsoleTransport
from bot.settings import Settings
from models.db import session_scope
from models.messages import Outbound
from models.tables import ChatLink, Official, Organization, Plan, Task, Unit
from plans.draft import Deadline, DeadlineKind, DraftPlan, DraftTask, PersonRef, UnitRef
from plans.store import resolve_official_posts, store_plan
from plans.units import make_unit
from scheduler.clock import SimulatedClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VH = make_unit("Phòng Văn hóa - Xã hội") or UnitRef("Phòng Văn hóa - Xã hội", "vhxh")
KT = make_unit("Phòng Kinh tế, Hạ tầng và Đô thị") or UnitRef("Phòng Kinh tế", "kt")


def at(y: int, m: int, d: int, hh: int = 8, mm: int = 35) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def draft_task(
    section: str,
    stt: str,
    title: str,
    unit: UnitRef = VH,
    *,
    kind: DeadlineKind = "once",
    due: date | None = None,
    raw: str = "",
    directing: PersonRef | None = None,
) -> DraftTask:
    return DraftTask(
        section,
        stt,
        title,
        directing,
        None,
        [unit],
        [],
        "Báo cáo",
        Deadline(kind, due, raw or (due.isoformat() if due else "")),
    )


class Kit:
    def __init__(self, engine: Engine, start: datetime) -> None:
        self.clock = SimulatedClock(start)
        self.app = App(Settings(database_url=str(engine.url)), engine, self.clock)
        self.engine = engine
        self.transport = ConsoleTransport(out=io.StringIO())
        self.console = ConsoleSession(self.app, self.transport)
        self.chats: dict[str, str] = {}
        self.read: set[int] = set()
        with session_scope(engine) as s:
            org = Organization(code=f"org-{id(self)}", name="Phường Thử", created_at=start)
            s.add(org)
            s.flush()
            assert org.id is not None
            self.org_id = org.id

    # --- setting up ---------------------------------------------------------------------

    def import_plan(self, tasks: list[DraftTask], number: str = "45/KH-UBND") -> None:
        draft = DraftPlan(
            source_name="kh.docx", source_hash=f"h{len(tasks)}{number}", number=number, tasks=tasks
        )
        with session_scope(self.engine) as s:
            store_plan(session=s, org_id=self.org_id, draft=draft, now=self.clock.now())

    def person(
        self,
        name: str,
        *,
        role: str = "official",
        unit: UnitRef | None = None,
        chair: bool = False,
        post: str | None = None,
        linked: bool = True,
    ) -> int:
        """Register a person with a console chat (as if they had opened an invitation)."""
        with session_scope(self.engine) as s:
            unit_row = None
            if unit is not None:
                unit_row = s.exec(
                    select(Unit).where(Unit.org_id == self.org_id, Unit.key == unit.key)
                ).first()
                if unit_row is None:
                    unit_row = Unit(org_id=self.org_id, key=unit.key, name=unit.name)
                    s.add(unit_row)
                    s.flush()
            existing = s.exec(
                select(Official).where(Official.org_id == self.org_id, Official.name == name)
            ).first()
            official = existing or Official(org_id=self.org_id, name=name)
            official.role, official.is_chair, official.post = role, chair, post
            official.unit_id = unit_row.id if unit_row else None
            s.add(official)
            s.flush()
            resolve_official_posts(session=s, official=official)
            assert official.id is not None
            chat = f"console-{official.id}"
            if linked:
                s.add(
                    ChatLink(
                        channel=CHANNEL,
                        chat_id=chat,
                        official_id=official.id,
                        linked_at=self.clock.now(),
                    )
                )
            self.chats[name] = chat
            self.transport.names[chat] = name
            return official.id

    # --- acting -------------------------------------------------------------------------

    def tick(self) -> list[tuple[str, Outbound]]:
        self.console.tick()
        return self.new()

    def move(self, moment: datetime) -> list[tuple[str, Outbound]]:
        self.clock.set(moment)
        return self.tick()

    def say(self, name: str, text: str, *, reply: bool = False) -> list[Outbound]:
        self.console.say(self.chats.get(name, name), text, reply=reply)
        return self.received(name)

    def press(self, name: str, label: str) -> list[Outbound]:
        chat = self.chats.get(name, name)
        buttons = self.transport.last_buttons.get(chat, [])
        for n, (text, _data, _mid) in enumerate(buttons, start=1):
            if label in text:
                self.console.press(chat, n)
                return self.received(name)
        raise AssertionError(f"no button {label!r} among {[b[0] for b in buttons]}")

    # --- reading ------------------------------------------------------------------------

    def new(self) -> list[tuple[str, Outbound]]:
        """Everything sent and not yet looked at, as (person, message)."""
        names = {chat: name for name, chat in self.chats.items()}
        fresh = []
        for n, (chat, msg, _) in enumerate(self.transport.transcript):
            if n not in self.read:
                self.read.add(n)
                fresh.append((names.get(chat, chat), msg))
        return fresh

    def received(self, name: str) -> list[Outbound]:
        """What ``name`` received and nobody looked at yet (other chats stay unread)."""
        chat = self.chats.get(name, name)
        fresh = []
        for n, (c, msg, _) in enumerate(self.transport.transcript):
            if c == chat and n not in self.read:
                self.read.add(n)
                fresh.append(msg)
        return fresh

    def task(self, stt: str, section: str = "I") -> Task:
        with session_scope(self.engine, readonly=True) as s:
            task = s.exec(
                select(Task).where(
                    Task.org_id == self.org_id, Task.stt == stt, Task.section == section
                )
            ).one()
            return task

    def plan(self) -> Plan:
        with session_scope(self.engine, readonly=True) as s:
            return s.exec(select(Plan).where(Plan.org_id == self.org_id)).one()


def texts(messages: list[Outbound]) -> str:
    return "\n".join(m.text for m in messages)


def after(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
