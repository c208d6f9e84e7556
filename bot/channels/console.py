"""The console channel: chat with the bot in a terminal as a chosen official.

Messages go through the same inbox, handlers, outbox and sender as Telegram; only the
last hop prints to the terminal. Buttons print as ``[1] ✅ Đã xong``; type ``#1`` to press
one. Type ``> text`` to reply to the last reminder, ``/import PATH`` to send a file (a plan
document, or evidence) as a phone would, ``:next`` to move the bot's clock to the next
reminder due, ``:time`` to see the clock, ``:quit`` to leave.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlmodel import col, select

from bot.app import App
from bot.errors import UserError
from bot.files import read_local_file
from bot.inbox import process_pending, store
from locales import N_, fmt_datetime, t
from models.db import session_scope
from models.messages import Attachment, Inbound, Outbound
from models.tables import ChatLink, Official, OutboxMessage
from plans.vntext import fold_key
from scheduler.clock import SimulatedClock
from scheduler.planner import DEFAULT_HORIZON_DAYS, plan_reminders
from scheduler.sender import Sender, SendOutcome

CHANNEL = "console"


def chat_id_for(official: Official) -> str:
    return f"console-{official.id}"


@dataclass
class ConsoleTransport:
    """Prints messages instead of sending them; remembers each chat's last buttons."""

    names: dict[str, str] = field(default_factory=dict)  # chat id -> person's name
    out: TextIO = sys.stdout
    channel: str = CHANNEL
    last_buttons: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    last_reminder: dict[str, str] = field(default_factory=dict)
    transcript: list[tuple[str, Outbound, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, chat_id: str, message: Outbound) -> SendOutcome:
        message_id = str(next(self._ids))
        self.transcript.append((chat_id, message, message_id))
        who = self.names.get(chat_id, chat_id)
        print(f"\n📱 → {who}", file=self.out)
        print(_indent(message.text), file=self.out)
        buttons = [b for row in message.buttons for b in row]
        if buttons:
            self.last_buttons[chat_id] = [(b.label, b.data, message_id) for b in buttons]
            labels = "  ".join(f"[{n}] {b.label}" for n, b in enumerate(buttons, start=1))
            print(_indent(labels), file=self.out)
        for f in message.files:
            print(_indent(f"📎 {f.file_name} ({len(f.content)} B)"), file=self.out)
        if any(b.data[:2] in ("d:", "v:") for b in buttons):
            self.last_reminder[chat_id] = message_id
        return SendOutcome(ok=True, message_id=message_id)


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


def find_official(app: App, who: str, org_code: str | None = None) -> Official:
    """Return the official named ``who`` (a name or an id), or raise a clear UserError."""
    wanted = fold_key(who)
    with session_scope(app.engine, readonly=True) as session:
        officials = list(session.exec(select(Official).where(col(Official.active))))
    if org_code:
        from models.queries import org_by_code

        with session_scope(app.engine, readonly=True) as session:
            org = org_by_code(session=session, code=org_code)
        officials = [o for o in officials if org and o.org_id == org.id]
    matches = [o for o in officials if str(o.id) == who.strip() or fold_key(o.name) == wanted]
    if not matches:
        matches = [o for o in officials if wanted and wanted in fold_key(o.name)]
    if len(matches) != 1:
        names = ", ".join(o.name for o in officials[:8]) or "—"
        raise UserError(
            N_('Không tìm thấy đúng một cán bộ tên "{who}". Cán bộ hiện có: {names}'),
            who=who,
            names=names,
        )
    return matches[0]


def link_console_chat(app: App, official: Official) -> str:
    chat_id = chat_id_for(official)
    with session_scope(app.engine) as session:
        link = session.exec(
            select(ChatLink).where(ChatLink.channel == CHANNEL, ChatLink.chat_id == chat_id)
        ).first()
        if link is None:
            session.add(
                ChatLink(
                    channel=CHANNEL,
                    chat_id=chat_id,
                    official_id=official.id,
                    linked_at=app.clock.now(),
                )
            )
    return chat_id


class ConsoleSession:
    """Runs the loop of one person in the terminal, or drives it from a script (the demo)."""

    def __init__(
        self, app: App, transport: ConsoleTransport, *, horizon_days: int = DEFAULT_HORIZON_DAYS
    ) -> None:
        self.app = app
        self.transport = transport
        self.sender = Sender(
            app.engine, {CHANNEL: transport}, clock=app.clock, zone=app.settings.zone
        )
        self.horizon = timedelta(days=horizon_days)
        self._updates = itertools.count(1)

    def tick(self) -> None:
        """Plan what is due within the horizon and deliver what is due now."""
        now = self.app.clock.now()
        with session_scope(self.app.engine) as session:
            plan_reminders(session=session, now=now, until=now + self.horizon)
        asyncio.run(self.sender.run_once())

    def say(self, chat_id: str, text: str, *, reply: bool = False) -> None:
        """Deliver what a person typed, as the phone channels do, and show the answers."""
        reply_to = self.transport.last_reminder.get(chat_id) if reply else None
        self._receive(
            Inbound(
                channel=CHANNEL,
                chat_id=chat_id,
                user_id=chat_id,
                text=text,
                reply_to=reply_to,
                message_id=str(next(self._updates)),
            )
        )

    def send_file(self, chat_id: str, path: Path, *, caption: str = "") -> None:
        """Send a local file as a document, as a phone does; its file id is its path."""
        self._receive(
            Inbound(
                channel=CHANNEL,
                chat_id=chat_id,
                user_id=chat_id,
                text=caption,
                message_id=str(next(self._updates)),
                attachment=Attachment(
                    kind="document",
                    file_id=str(path.resolve()),
                    file_name=path.name,
                    size=path.stat().st_size,
                ),
            )
        )

    def press(self, chat_id: str, number: int) -> bool:
        buttons = self.transport.last_buttons.get(chat_id, [])
        if not 1 <= number <= len(buttons):
            return False
        _label, data, message_id = buttons[number - 1]
        self._receive(
            Inbound(
                channel=CHANNEL,
                chat_id=chat_id,
                user_id=chat_id,
                button=data,
                button_message_id=message_id,
                callback_id=f"cb{message_id}",
            )
        )
        return True

    def _receive(self, inbound: Inbound) -> None:
        now = self.app.clock.now()
        update_id = uuid.uuid4().hex  # each line typed is new, whatever the simulated clock says
        store(self.app.engine, channel=CHANNEL, update_id=update_id, inbound=inbound, now=now)
        process_pending(
            self.app.engine,
            now=now,
            zone=self.app.settings.zone,
            channels=[CHANNEL],
            default_locale=self.app.locale,
            fetch_file=read_local_file,
            max_upload_bytes=self.app.settings.max_upload_mb * 1024 * 1024,
        )
        asyncio.run(self.sender.run_once())

    def next_due(self) -> datetime | None:
        with session_scope(self.app.engine, readonly=True) as session:
            row = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.state == "pending", OutboxMessage.channel == CHANNEL)
                .order_by(col(OutboxMessage.due_at))
            ).first()
        return row.due_at if row else None


def run_console(
    app: App,
    who: str,
    *,
    org_code: str | None = None,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
) -> int:
    """The interactive loop of ``python -m bot console``."""
    official = find_official(app, who, org_code)
    chat_id = link_console_chat(app, official)
    transport = ConsoleTransport(names={chat_id: official.name}, out=out)
    console = ConsoleSession(app, transport)
    loc = official.locale
    print(
        t(
            loc,
            "Đang trò chuyện với Đôn Đốc với tư cách {name}. Giờ của bot: {now}.",
            name=official.name,
            now=fmt_datetime(app.clock.now().astimezone(app.settings.zone), loc),
        ),
        file=out,
    )
    print(
        t(
            loc,
            'Gõ #1 để bấm nút 1, "> nội dung" để trả lời tin nhắc gần nhất, :next để '
            "chuyển đến lời nhắc kế tiếp, :quit để thoát.",
        ),
        file=out,
    )
    console.tick()
    while True:
        try:
            line = read("✍ ").strip()
        except EOFError:
            return 0
        if not line:
            continue
        if line in (":quit", ":q", ":exit"):
            return 0
        if line == ":time":
            print(fmt_datetime(app.clock.now().astimezone(app.settings.zone), loc), file=out)
            continue
        if line == ":next":
            due = console.next_due()
            if due is None or not isinstance(app.clock, SimulatedClock):
                print(
                    t(
                        loc,
                        "Không có lời nhắc nào đang chờ (hoặc đồng hồ là giờ thật; "
                        "hãy chạy với --now).",
                    ),
                    file=out,
                )
                continue
            app.clock.set(max(due, app.clock.now()))
            print(
                t(
                    loc,
                    "⏩ Giờ của bot: {now}",
                    now=fmt_datetime(app.clock.now().astimezone(app.settings.zone), loc),
                ),
                file=out,
            )
            console.tick()
            continue
        if line[0] == "#" and line[1:].isdigit():
            if not console.press(chat_id, int(line[1:])):
                print(t(loc, "Không có nút số {n}.", n=line[1:]), file=out)
            continue
        if line.startswith("/import ") or line == "/import":
            path = Path(line[len("/import") :].strip()).expanduser()
            if not path.is_file():
                print(t(loc, "Không tìm thấy tệp {path}.", path=str(path)), file=out)
                continue
            console.send_file(chat_id, path)
            continue
        if line.startswith(">"):
            console.say(chat_id, line[1:].strip(), reply=True)
        else:
            console.say(chat_id, line)
