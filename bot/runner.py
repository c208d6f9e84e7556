"""``python -m bot run``: the Telegram bot, by long polling or by webhook.

Four loops share one event loop: the receiver (getUpdates, or the webhook server) stores
updates in the inbox before acknowledging them; the inbox worker runs the handlers; the
sender delivers the outbox, paced; APScheduler fires the periodic jobs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.app import App, open_app
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramTransport,
    check_secret,
    make_bot,
    to_inbound,
)
from bot.errors import UserError
from bot.inbox import process_pending, store_many
from bot.jobs import build_scheduler, digest_job, fetch_evidence_job, plan_job
from locales import N_, t
from scheduler.pacing import Pacer, PacingLimits
from scheduler.sender import Sender

log = logging.getLogger(__name__)
POLL_TIMEOUT = 30


@dataclass
class TelegramService:
    """The running bot: receiver, inbox worker, sender and jobs around one Bot."""

    app: App
    bot: Bot
    poll_timeout: int = POLL_TIMEOUT
    username: str | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_ready: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_ready: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        s = self.app.settings
        limits = PacingLimits(overall_per_second=int(s.rate_per_second),
                              per_chat_per_second=s.rate_per_chat_per_second,
                              group_per_minute=int(s.rate_per_group_per_minute))
        self.transport = TelegramTransport(self.bot)
        self.sender = Sender(self.app.engine, {CHANNEL: self.transport}, clock=self.app.clock,
                             zone=s.zone, pacer=Pacer(limits),
                             worker=f"{socket.gethostname()}-{os.getpid()}")

    # --- receiving ------------------------------------------------------------------------

    async def receive(self, updates: list[Update]) -> None:
        """Store a batch of updates; only after this returns may they be acknowledged."""
        items = [(CHANNEL, str(u.update_id), inbound) for u in updates
                 if (inbound := to_inbound(u)) is not None]
        await asyncio.to_thread(store_many, self.app.engine, items, now=self.app.clock.now())
        if items:
            self.inbox_ready.set()

    async def poll(self) -> None:
        """Long polling: the offset moves past an update only once it is stored."""
        offset: int | None = None
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=self.poll_timeout,
                                                     allowed_updates=ALLOWED_UPDATES)
            except RetryAfter as exc:
                from bot.channels.telegram import _seconds

                await self._sleep(_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed: %s", exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 60)
                continue
            backoff = 1.0
            if not updates:
                continue
            await self.receive(list(updates))
            offset = updates[-1].update_id + 1

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass

    # --- handling and sending -------------------------------------------------------------

    async def inbox_worker(self) -> None:
        while not self.stopping.is_set():
            await self._wait(self.inbox_ready, 5)
            done = await asyncio.to_thread(
                process_pending, self.app.engine, now=self.app.clock.now(),
                zone=self.app.settings.zone, channels=[CHANNEL],
                default_locale=self.app.locale, bot_username=self.username)
            if done:
                self.outbox_ready.set()

    async def send_worker(self) -> None:
        while not self.stopping.is_set():
            await self._wait(self.outbox_ready, 60)
            try:
                await self.sender.run_once()
            except Exception:  # a database hiccup must not stop delivery for good
                log.exception("sender run failed")
                await self._sleep(5)

    async def _wait(self, event: asyncio.Event, timeout: float) -> None:
        try:
            await asyncio.wait_for(event.wait(), timeout=timeout)
        except TimeoutError:
            pass
        event.clear()

    async def run(self, *, webhook: bool) -> None:
        me = await self.bot.get_me()
        self.username = me.username
        engine, clock, zone = self.app.engine, self.app.clock, self.app.settings.zone

        async def plan() -> None:
            await asyncio.to_thread(plan_job, engine, clock)
            self.outbox_ready.set()

        async def digest() -> None:
            await asyncio.to_thread(digest_job, engine, clock, zone)
            self.outbox_ready.set()

        scheduler = build_scheduler(
            zone=zone, tick=self.outbox_ready.set, plan=plan, digest=digest,
            evidence=lambda: fetch_evidence_job(engine, self.transport.fetch_file))
        scheduler.start()
        tasks = [asyncio.create_task(self.inbox_worker()),
                 asyncio.create_task(self.send_worker())]
        if webhook:
            server = await self.start_webhook()
        else:
            await self.bot.delete_webhook(drop_pending_updates=False)
            tasks.append(asyncio.create_task(self.poll()))
        self.inbox_ready.set()  # handle what was stored before a crash
        try:
            await self.stopping.wait()
        finally:
            scheduler.shutdown(wait=False)
            if webhook:
                server.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # --- webhook --------------------------------------------------------------------------

    async def start_webhook(self) -> Any:
        """Serve Telegram's webhook: check the secret, store the update, then answer 200."""
        from urllib.parse import urlparse

        import tornado.web
        from tornado.httpserver import HTTPServer

        settings = self.app.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        service = self

        class WebhookHandler(tornado.web.RequestHandler):
            async def post(self) -> None:
                given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token")
                if not check_secret(secret, given):
                    self.set_status(403)
                    return
                try:
                    data = json.loads(self.request.body)
                    update = Update.de_json(data, service.bot)
                except (ValueError, TypeError, KeyError):
                    self.set_status(400)
                    return
                try:
                    await service.receive([update])
                except Exception:  # not stored: say so, and Telegram delivers it again
                    log.exception("could not store webhook update")
                    self.set_status(503)
                    return
                self.set_status(200)

        path = urlparse(settings.webhook_url or "").path or "/"
        application = tornado.web.Application([(path, WebhookHandler)])
        server = HTTPServer(application, max_body_size=1024 * 1024)
        server.listen(settings.webhook_port, address=settings.webhook_listen)
        await self.bot.set_webhook(settings.webhook_url or "", secret_token=secret,
                                   allowed_updates=ALLOWED_UPDATES)
        return server


def run_bot() -> int:
    app = open_app()
    settings = app.settings
    token = settings.telegram_token_value()
    if token is None:
        raise UserError(N_("Chưa có TELEGRAM_BOT_TOKEN (hoặc vẫn là giá trị mẫu). Đặt token "
                           "BotFather cấp vào tệp .env rồi chạy lại; muốn thử không cần token: "
                           "python -m bot demo"))
    webhook = bool(settings.webhook_url)
    if webhook and not (settings.webhook_secret and
                        settings.webhook_secret.get_secret_value().strip()):
        raise UserError(N_("Dùng webhook thì phải đặt DONDOC_WEBHOOK_SECRET."))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bot = make_bot(token, api_url=settings.telegram_api_url, file_url=settings.telegram_file_url)
    service = TelegramService(app, bot)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, service.stopping.set)
        async with bot:
            await service.run(webhook=webhook)

    print(t(app.locale, "Đôn Đốc đang chạy ({mode}). Nhấn Ctrl+C để dừng.",
            mode="webhook" if webhook else "long polling"))
    asyncio.run(main())
    return 0
