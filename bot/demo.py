"""``python -m bot demo``: a month of Đôn Đốc on the embedded default, in a few seconds.

No token and no network: a SQLite database in a temporary folder, the sample plan built as
a real .docx and imported through the real import path, officials on the console channel,
and a simulated clock that walks working day by working day through about a month. Every
message goes through the same inbox, handlers, planner, outbox and sender as on Telegram.
"""

from __future__ import annotations

import io
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from sqlmodel import select

from bot.app import App, open_app
from bot.channels.console import CHANNEL, ConsoleSession, ConsoleTransport, chat_id_for
from bot.sample_plan import build_sample_docx
from bot.settings import Settings
from handlers.registration import create_invitation
from locales import N_, fmt_date, t
from models.db import session_scope
from models.tables import ChatLink, Official, Organization, Unit
from plans.reader import read_plan
from plans.report import render_report
from plans.store import resolve_official_posts, store_plan
from plans.units import make_unit
from plans.vntext import fold_key
from scheduler.clock import SimulatedClock

START = date(2026, 11, 16)  # a Monday
END = date(2026, 12, 18)
MORNING = time(8, 35)  # just after the 08:30 send time


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    post: str | None = None
    unit: str | None = None  # the unit as the plan names it
    chair: bool = False
    invited: bool = False  # registers through an invitation link during the demo


PEOPLE = [
    Person("Phạm Thu Trang", "admin", "Chuyên viên Văn phòng HĐND và UBND phường"),
    Person("Nguyễn Văn Hùng", "leader", "Chủ tịch UBND phường", chair=True),
    Person(
        "Trần Thị Bình", "official", "Chuyên viên", unit="Phòng Văn hóa - Xã hội", invited=True
    ),
    Person("Lê Văn Cường", "official", "Chuyên viên", unit="Phòng Kinh tế, Hạ tầng và Đô thị"),
    Person("Hoàng Thị Lan", "official", "Viên chức", unit="Trung tâm Phục vụ hành chính công"),
    Person("Vũ Đức Long", "official", "Cán bộ", unit="Công an phường"),
    Person("Đặng Thu Hà", "official", "Chuyên viên", unit="Văn phòng HĐND và UBND phường"),
]

# (day, person, what they do): text, "> text" (a reply to the last reminder), "#n" (a button).
SCRIPT: list[tuple[date, str, str]] = [
    (date(2026, 11, 18), "Trần Thị Bình", "> đang triển khai được 60%, dự kiến xong 27/11"),
    (date(2026, 11, 18), "Trần Thị Bình", "#1"),
    (
        date(2026, 11, 18),
        "Lê Văn Cường",
        "II.1 xin gia han den 15/1/2027 vi chua co kinh phi mua may tinh",
    ),
    (date(2026, 11, 18), "Lê Văn Cường", "#1"),
    (date(2026, 11, 18), "Nguyễn Văn Hùng", "#1"),
    (date(2026, 11, 20), "Hoàng Thị Lan", "> da so hoa dc 45% ho so, ko co vuong mac"),
    (date(2026, 11, 20), "Hoàng Thị Lan", "#1"),
    (date(2026, 11, 20), "Đặng Thu Hà", "/tasks"),
    (date(2026, 11, 26), "Trần Thị Bình", "I.3 xong r, da gui bao cao so ket"),
    (date(2026, 11, 26), "Trần Thị Bình", "#1"),
    (date(2026, 12, 1), "Vũ Đức Long", "vướng mắc: chưa có kinh phí thuê đánh giá cấp độ"),
    (date(2026, 12, 1), "Vũ Đức Long", "#1"),
    (date(2026, 12, 4), "Hoàng Thị Lan", "tỷ lệ hồ sơ xử lý trực tuyến đạt 78,5%"),
    (date(2026, 12, 4), "Hoàng Thị Lan", "#1"),
    (date(2026, 12, 11), "Trần Thị Bình", "> đã mở 2 lớp tập huấn cho 120 cán bộ, đạt 80%"),
    (date(2026, 12, 11), "Trần Thị Bình", "#1"),
    (date(2026, 12, 18), "Lê Văn Cường", "> dang lap du toan, du kien xong cuoi thang 12"),
    (date(2026, 12, 18), "Lê Văn Cường", "#1"),
    (date(2026, 12, 18), "Trần Thị Bình", "I.2 dang trien khai, da dang 15 tin bai"),
    (date(2026, 12, 18), "Trần Thị Bình", "#1"),
]


def run_demo(*, db_url: str | None = None, lang: str = "vi", out: TextIO = sys.stdout) -> int:
    with tempfile.TemporaryDirectory(prefix="dondoc-demo-") as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        zone = Settings().zone
        clock = SimulatedClock(datetime.combine(START, time(8, 0), tzinfo=zone))
        app = open_app(Settings(database_url=url, default_locale=lang), clock=clock)
        try:
            Demo(app, Path(tmp), out, lang).run()
        finally:
            app.engine.dispose()
    return 0


class Demo:
    def __init__(self, app: App, tmp: Path, out: TextIO, lang: str) -> None:
        self.app, self.tmp, self.out, self.lang = app, tmp, out, lang
        assert isinstance(app.clock, SimulatedClock)
        self.clock: SimulatedClock = app.clock
        self.transport = ConsoleTransport(out=out)
        self.console = ConsoleSession(app, self.transport)
        self.chats: dict[str, str] = {}

    def say(self, msgid: str, **params: object) -> None:
        print(t(self.lang, msgid, **params), file=self.out)

    def run(self) -> None:
        self.say(N_("═══ Đôn Đốc: chạy thử một tháng trên kế hoạch mẫu ═══"))
        org_id = self.setup_org()
        self.import_plan(org_id)
        self.register_people(org_id)
        self.walk_days()
        self.summaries()

    def setup_org(self) -> int:
        with session_scope(self.app.engine) as session:
            org = Organization(code="an-hoa", name="Phường An Hòa", created_at=self.clock.now())
            session.add(org)
            session.flush()
            assert org.id is not None
            return org.id

    def import_plan(self, org_id: int) -> None:
        docx = build_sample_docx(self.tmp / "ke_hoach_45_KH-UBND.docx")
        self.say(N_("\n▶ Văn phòng nhập kế hoạch từ tệp {name}"), name=docx.name)
        draft = read_plan(docx)
        with session_scope(self.app.engine) as session:
            result = store_plan(session=session, org_id=org_id, draft=draft, now=self.clock.now())
        print(render_report(draft, self.lang, stored=result), file=self.out)

    def register_people(self, org_id: int) -> None:
        self.say(N_("\n▶ Đăng ký cán bộ"))
        now = self.clock.now()
        invited: list[tuple[Person, str]] = []
        with session_scope(self.app.engine) as session:
            units = session.exec(select(Unit).where(Unit.org_id == org_id)).all()
            existing = {
                fold_key(o.name): o
                for o in session.exec(select(Official).where(Official.org_id == org_id))
            }
            for person in PEOPLE:
                ref = make_unit(person.unit) if person.unit else None
                key = ref.key if ref else None
                unit = next((u for u in units if u.key == key), None)
                if person.invited:
                    token = create_invitation(session=session, org_id=org_id, now=now, unit=unit)
                    invited.append((person, token))
                    continue
                official = existing.get(fold_key(person.name)) or Official(
                    org_id=org_id, name=person.name, created_at=now
                )
                official.role, official.post, official.is_chair = (
                    person.role,
                    person.post,
                    person.chair,
                )
                official.unit_id = unit.id if unit else None
                official.locale = self.lang
                session.add(official)
                session.flush()
                resolve_official_posts(session=session, official=official)
                chat = chat_id_for(official)
                session.add(
                    ChatLink(channel=CHANNEL, chat_id=chat, official_id=official.id, linked_at=now)
                )
                self.chats[person.name] = chat
                self.transport.names[chat] = person.name
            leaders = session.exec(
                select(Official).where(Official.org_id == org_id, Official.role == "leader")
            ).all()
            for leader in leaders:  # leaders the plan named register on the console too
                chat = chat_id_for(leader)
                if leader.name not in self.chats:
                    session.add(
                        ChatLink(
                            channel=CHANNEL, chat_id=chat, official_id=leader.id, linked_at=now
                        )
                    )
                    self.chats[leader.name] = chat
                    self.transport.names[chat] = leader.name
        for person, token in invited:
            chat = f"console-new-{fold_key(person.name).replace(' ', '-')}"
            self.chats[person.name] = chat
            self.transport.names[chat] = person.name
            self.say(N_("{name} mở đường dẫn mời và nhập họ tên:"), name=person.name)
            self.console.say(chat, f"/start {token}")
            self.console.say(chat, person.name)

    def walk_days(self) -> None:
        """Walk the working days; print a day only when something happened on it."""
        day = START
        while day <= END:
            if day.weekday() < 5:
                self.clock.set(datetime.combine(day, MORNING, tzinfo=self.app.settings.zone))
                page, self.out = self.out, io.StringIO()
                self.transport.out = self.out
                self.console.tick()
                for when, who, action in SCRIPT:
                    if when == day:
                        self.act(who, action)
                happened, self.out = self.out.getvalue(), page
                self.transport.out = page
                if happened:
                    self.say(
                        N_("\n──── {date} ────"), date=fmt_date(day, self.lang, "EEEE, dd/MM/y")
                    )
                    self.out.write(happened)
            day += timedelta(days=1)

    def act(self, who: str, action: str) -> None:
        chat = self.chats[who]
        self.clock.set(self.clock.now() + timedelta(minutes=7))
        shown = action[1:].strip() if action.startswith(">") else action
        if action.startswith("#"):
            label = next(
                (
                    lbl
                    for lbl, _, _ in self.transport.last_buttons.get(chat, [])[
                        int(action[1:]) - 1 : int(action[1:])
                    ]
                ),
                action,
            )
            self.say(N_("\n👆 {name} bấm [{label}]"), name=who, label=label)
            self.console.press(chat, int(action[1:]))
            return
        self.say(N_("\n💬 {name}: {text}"), name=who, text=shown)
        self.console.say(chat, shown, reply=action.startswith(">"))

    def summaries(self) -> None:
        for who in ("Nguyễn Văn Hùng", "Đỗ Minh Tuấn"):
            if who in self.chats:
                self.say(N_("\n💬 {name}: /summary"), name=who)
                self.console.say(self.chats[who], "/summary")
        self.say(
            N_(
                "\n═══ Hết phần chạy thử. Muốn tự trò chuyện với bot:\n"
                "  .venv/bin/python -m bot demo --db sqlite:///demo.db\n"
                "  DATABASE_URL=sqlite:///demo.db .venv/bin/python -m bot console "
                '--as "Trần Thị Bình" --now 2026-12-21T08:30'
            )
        )


__all__ = ["run_demo"]
