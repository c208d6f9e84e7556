"""The Telegram channel end to end: our TelegramService and python-telegram-bot's Bot against
the local Bot API server (:mod:`bot.testing.fake_bot_api`), on a real database.

A test sets up a commune (``commune``), starts the service (``serving``), then acts as the
people in it through the fake server (``api.send_user_message``, ``api.press_button``) and
waits for what the bot sends (``api.wait_for_sent``, ``wait_until``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.channels.telegram import CHANNEL, make_bot
from bot.runner import TelegramService
from bot.testing.fake_bot_api import FakeBotApi, SentMessage
from models.db import session_scope
from models.tables import ChatLink, InboundUpdate, Official, OutboxMessage, ProgressUpdate
from plans.draft import PersonRef
from scheduler.pacing import Pacer
from scheduler.planner import plan_reminders
from tests.botkit import VH, Kit, at, draft_task

OFFICIAL = 700_001  # Bình's private chat (a private chat's id is the user's id)
NEWCOMER = 700_002
STRANGER = 700_003
GROUP = -4_000_001  # a group nobody registered
NOW = at(2026, 11, 18)  # a Wednesday, 08:35: the first reminder of task I.1 is due
LEADER = PersonRef(
    "Đỗ Minh Tuấn", "Phó Chủ tịch UBND phường", "Đồng chí Đỗ Minh Tuấn, Phó Chủ tịch UBND phường"
)

T = TypeVar("T")


def commune(engine: Engine) -> Kit:
    """A ward with two tasks for Bình's unit; Bình is linked to the Telegram chat OFFICIAL."""
    kit = Kit(engine, NOW)
    kit.import_plan(
        [
            draft_task(
                "I",
                "1",
                "Xây dựng báo cáo sơ kết Nghị quyết 57",
                due=date(2026, 11, 30),
                directing=LEADER,
            ),
            draft_task(
                "I",
                "2",
                "Tổ chức tập huấn kỹ năng số cho cán bộ",
                due=date(2026, 12, 31),
                directing=LEADER,
            ),
        ]
    )
    kit.person("Đỗ Minh Tuấn", role="leader", linked=False)
    link_telegram(kit, kit.person("Bình", unit=VH, linked=False), OFFICIAL)
    return kit


def link_telegram(kit: Kit, official_id: int, chat_id: int) -> None:
    with session_scope(kit.engine) as s:
        s.add(
            ChatLink(
                channel=CHANNEL,
                chat_id=str(chat_id),
                official_id=official_id,
                linked_at=kit.clock.now(),
            )
        )


def plan_and_wake(kit: Kit, service: TelegramService) -> None:
    """What the daily planning job does, then the minute's tick."""
    now = kit.clock.now()
    with session_scope(kit.engine) as s:
        plan_reminders(session=s, now=now, until=now.replace(year=now.year + 1))
    service.outbox_ready.set()


def new_service(kit: Kit, api: FakeBotApi, *, poll_timeout: int = 10) -> TelegramService:
    """A service on ``api``; pacing off, as the fake's limits are off in functional tests."""
    bot = make_bot(api.token, api_url=api.base_url, file_url=api.base_file_url)
    return TelegramService(kit.app, bot, poll_timeout=poll_timeout, pacer=Pacer(enabled=False))


@contextlib.asynccontextmanager
async def serving(
    kit: Kit,
    api: FakeBotApi | None,
    *,
    webhook: bool = False,
    service: TelegramService | None = None,
) -> AsyncIterator[TelegramService]:
    """Run ``service.serve`` (no APScheduler) while the block runs; stop it cleanly after.

    Without ``service``, a new one on ``api``.
    """
    if service is None:
        assert api is not None
        service = new_service(kit, api)
    async with service.bot:
        task = asyncio.create_task(service.serve(webhook=webhook))
        try:
            yield service
        finally:
            service.stopping.set()
            await task


async def wait_until(
    check: Callable[[], T | None], *, seconds: float = 10.0, what: str = "the condition"
) -> T:
    """Poll ``check`` (the fake's records, the database) until it gives a value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if loop.time() >= deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.01)


async def next_message(
    api: FakeBotApi, chat_id: int, seen: int, *, seconds: float = 10.0
) -> SentMessage:
    """The message the bot sends to ``chat_id`` after the ``seen`` it sent before."""
    sent = await api.wait_for_sent(seen + 1, chat_id=chat_id, seconds=seconds)
    return sent[seen]


async def next_edit(api: FakeBotApi, chat_id: int, seen: int) -> SentMessage:
    def edits() -> SentMessage | None:
        found = api.edits(chat_id)
        return found[seen] if len(found) > seen else None

    return await wait_until(edits, what="an edit")


def button(message: SentMessage, label: str) -> str:
    """The callback data of the button whose text holds ``label``."""
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    for row in rows:
        for b in row:
            if label in b.get("text", ""):
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} under {message.buttons}")


def progress_updates(engine: Engine) -> list[ProgressUpdate]:
    with session_scope(engine, readonly=True) as s:
        return list(s.exec(select(ProgressUpdate).order_by(ProgressUpdate.id)))  # type: ignore[arg-type]


def inbox_rows(engine: Engine) -> list[InboundUpdate]:
    with session_scope(engine, readonly=True) as s:
        return list(s.exec(select(InboundUpdate).order_by(InboundUpdate.id)))  # type: ignore[arg-type]


def replies_to(engine: Engine, chat_id: int) -> list[OutboxMessage]:
    with session_scope(engine, readonly=True) as s:
        return list(
            s.exec(
                select(OutboxMessage).where(
                    OutboxMessage.chat_id == str(chat_id), OutboxMessage.kind == "reply"
                )
            )
        )


def official_named(engine: Engine, name: str) -> Official | None:
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(Official).where(Official.name == name)).first()
