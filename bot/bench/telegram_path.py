"""The Telegram path's throughput, against a bare python-telegram-bot echo bot on the same server.

Both bots run against one local Bot API server (:mod:`bot.testing.fake_bot_api`, limits
off, in the same event loop), one after the other, on the same number of messages from
the same number of chats:

``dondoc``
    our whole path: getUpdates → the inbox (stored before the offset moves) → the
    handlers (understanding the reply, finding the task, the confirmation draft) → the
    outbox → the sender → sendMessage. The officials are registered and write realistic
    replies (``samples/replies.txt``). The pacer is off: the limits are off too, and the
    pacing benchmark measures the pacer.
``ptb_echo``
    python-telegram-bot's ``Application`` with its ``Updater`` polling and one
    ``MessageHandler`` that sends the text back: no database, no understanding, no
    durability. What the library costs by itself, out of the box.

Each run starts when the messages are queued (the bot is up: it has cleared any webhook,
which both do just before their first getUpdates) and ends when the last answer reaches the
server. Figures, never assertions: a test only checks that
every message got its answer.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import App
from bot.bench.ward import seed_ward
from bot.channels.telegram import make_bot
from bot.runner import TelegramService
from bot.settings import Settings
from bot.testing.fake_bot_api import FakeBotApi
from models import migrate
from models.db import make_engine, session_scope
from models.tables import InboundUpdate
from scheduler.clock import SimulatedClock
from scheduler.pacing import Pacer
from scheduler.sender import SenderStats

__all__ = ["bench_telegram_path"]

REPLIES = Path(__file__).resolve().parents[2] / "samples" / "replies.txt"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
OUR_CHATS = 910_000
ECHO_CHATS = 960_000
WAIT = 600.0  # seconds; only a broken run comes near it


def _replies(n: int) -> list[str]:
    lines = [line for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(itertools.islice(itertools.cycle(lines), n))


async def _until(check: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not check():
        if loop.time() > deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.005)


async def _flood(api: FakeBotApi, texts: list[str], first_chat: int, chats: int) -> float:
    """Queue every message, then wait for one answer each; return the seconds it took."""
    before = len(api.sent_messages())
    for k, text in enumerate(texts):
        api.send_user_message(first_chat + k % chats, text)
    start = time.perf_counter()
    await api.wait_for_sent(before + len(texts), seconds=WAIT)
    return time.perf_counter() - start


def _seed(engine: Engine, chats: int) -> None:
    """A ward: a plan of 40 tasks over five units, ``chats`` officials on Telegram."""
    seed_ward(
        engine,
        code="bench-telegram",
        channel="telegram",
        chats=[str(OUR_CHATS + k) for k in range(chats)],
        now=NOW,
    )


class _TimedService(TelegramService):
    """Adds up the time the inbox worker and the sender spend working."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.busy = {"handle": 0.0, "send": 0.0}

    async def handle_once(self) -> int:
        start = time.perf_counter()
        try:
            return await super().handle_once()
        finally:
            self.busy["handle"] += time.perf_counter() - start

    async def send_once(self) -> SenderStats:
        start = time.perf_counter()
        try:
            return await super().send_once()
        finally:
            self.busy["send"] += time.perf_counter() - start


async def _ours(api: FakeBotApi, texts: list[str], chats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            await asyncio.to_thread(_seed, engine, chats)
            app = App(Settings(database_url=url), engine, SimulatedClock(NOW))
            bot = make_bot(api.token, api_url=api.base_url, file_url=api.base_file_url)
            service = _TimedService(app, bot, poll_timeout=10, pacer=Pacer(enabled=False))
            ready = len(api.requests("deleteWebhook"))
            async with bot:
                task = asyncio.create_task(service.serve(webhook=False))
                try:
                    await _until(
                        lambda: len(api.requests("deleteWebhook")) > ready,
                        "the bot to start polling",
                    )
                    seconds = await _flood(api, texts, OUR_CHATS, chats)
                finally:
                    service.stopping.set()
                    await task
            with session_scope(engine, readonly=True) as s:
                handled = s.exec(
                    select(func.count())
                    .select_from(InboundUpdate)
                    .where(InboundUpdate.state == "done")
                ).one()
        finally:
            engine.dispose()
    sent = api.sent_messages()
    figures = _figures(
        len(texts),
        seconds,
        answered=len(sent),
        chats_answered=len({m.chat_id for m in sent}),
        handled=handled,
    )
    # Where the time went: the two workers overlap, so these add up to more than "seconds".
    figures["handling_busy_seconds"] = round(service.busy["handle"], 3)
    figures["sending_busy_seconds"] = round(service.busy["send"], 3)
    return figures


async def _echo(api: FakeBotApi, texts: list[str], chats: int) -> dict[str, Any]:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_message(
            update.effective_chat.id, update.effective_message.text or "?"
        )

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    ready = len(api.requests("deleteWebhook"))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=timedelta(seconds=10))
        await application.start()
        try:
            await _until(
                lambda: len(api.requests("deleteWebhook")) > ready, "the echo bot to start polling"
            )
            seconds = await _flood(api, texts, ECHO_CHATS, chats)
        finally:
            await application.updater.stop()
            await application.stop()
    sent = api.sent_messages()
    return _figures(
        len(texts), seconds, answered=len(sent), chats_answered=len({m.chat_id for m in sent})
    )


def _figures(n: int, seconds: float, **counts: int) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 3),
        "messages_per_second": round(n / seconds, 1) if seconds else None,
        "ms_per_message": round(seconds / n * 1000, 3) if n else None,
        **counts,
    }


async def bench_telegram_path(n: int = 1000, *, chats: int = 100) -> dict[str, Any]:
    """Messages a second through our Telegram path and through a bare PTB echo bot."""
    texts = _replies(n)
    chats = max(1, min(chats, n))
    async with FakeBotApi(limits=None) as api:
        ours = await _ours(api, texts, chats)
        api.reset_traffic()  # each run counts its own answers
        echo = await _echo(api, texts, chats)
    ratio = (
        ours["messages_per_second"] / echo["messages_per_second"]
        if ours["messages_per_second"] and echo["messages_per_second"]
        else None
    )
    return {
        "n": n,
        "chats": chats,
        "dondoc": ours,
        "ptb_echo": echo,
        "dondoc_vs_echo": round(ratio, 3) if ratio else None,
    }
