"""``python -m bot run``: the Telegram bot, by long polling or by webhook.

Four loops share one event loop: the receiver (getUpdates, or the webhook server) stores
updates in the inbox before acknowledging them; the inbox worker runs the handlers; the
sender delivers the outbox, paced; APScheduler fires the periodic jobs.

``TelegramService.serve`` runs the first three (what tests and benchmarks drive);
``TelegramService.run`` adds APScheduler around it. Each loop is one step repeated
(``poll_once``, ``handle_once``, ``send_once``), and a test may take the steps one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.app import App, open_app
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    CHANNEL,
    TelegramTransport,
    check_secret,
    make_bot,
    retry_after_seconds,
    to_inbound,
)
from bot.errors import UserError
from bot.files import blocking_fetch
from bot.inbox import process_pending, store_many
from bot.jobs import build_scheduler, digest_job, fetch_evidence_job, plan_job
from locales import N_, t
from models.db import session_scope
from models.tables import OutboxMessage
from scheduler import outbox
from scheduler.pacing import Pacer, PacingLimits
from scheduler.sender import Sender, SenderStats

log = logging.getLogger(__name__)
POLL_TIMEOUT = 30
STOP_GRACE = 10.0  # seconds a stopping worker may take to finish the step it is in
MAX_WEBHOOK_BODY = 1024 * 1024


def worker_name() -> str:
    """This process's name on outbox claims: host and pid (see ``release_dead_claims``)."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class TelegramService:
    """The running bot: receiver, inbox worker, sender and jobs around one Bot."""

    app: App
    bot: Bot
    poll_timeout: int = POLL_TIMEOUT
    username: str | None = None
    pacer: Pacer | None = None  # None: Telegram's limits from the settings
    # The next getUpdates offset: it only ever moves past updates already stored.
    offset: int | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_ready: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_ready: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        s = self.app.settings
        if self.pacer is None:
            self.pacer = Pacer(
                PacingLimits(
                    overall_per_second=int(s.rate_per_second),
                    per_chat_per_second=s.rate_per_chat_per_second,
                    group_per_minute=int(s.rate_per_group_per_minute),
                )
            )
        self.transport = TelegramTransport(self.bot)
        self.worker = worker_name()
        self.sender = Sender(
            self.app.engine,
            {CHANNEL: self.transport},
            clock=self.app.clock,
            zone=s.zone,
            pacer=self.pacer,
            worker=self.worker,
        )
        self._webhook_server: Any = None
        self.scheduler: AsyncIOScheduler | None = None  # run()'s periodic jobs, while it runs
        self.webhook_port: int | None = None  # the port the webhook listens on, once it does

    # --- receiving ------------------------------------------------------------------------

    async def receive(self, updates: list[Update]) -> int:
        """Store a batch of updates; only after this returns may they be acknowledged.

        Returns how many were new (a redelivered update is kept once). Raises when the
        database refused them: the caller must then not acknowledge.
        """
        items = [
            (CHANNEL, str(u.update_id), inbound)
            for u in updates
            if (inbound := to_inbound(u)) is not None
        ]
        new = await asyncio.to_thread(store_many, self.app.engine, items, now=self.app.clock.now())
        if items:
            self.inbox_ready.set()
        return new

    async def poll_once(self) -> int:
        """One getUpdates call: store what came, then move the offset; return how many came.

        Telegram forgets updates below the offset of the *next* call, so a crash anywhere
        before that call gets the same updates again, and the inbox drops the duplicates.
        """
        updates = await self.bot.get_updates(
            offset=self.offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        if updates:
            await self.receive(list(updates))
            self.offset = updates[-1].update_id + 1
        return len(updates)

    async def poll(self) -> None:
        """Long polling until stopped; errors (platform or database) back off and retry."""
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                await self.poll_once()
            except RetryAfter as exc:
                await self._sleep(retry_after_seconds(exc))
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed: %s", exc)
            except Exception:  # not stored, so not acknowledged: the same updates come again
                log.exception("could not store polled updates")
            else:
                backoff = 1.0
                continue
            await self._sleep(backoff)
            backoff = min(backoff * 2, 60)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)

    # --- handling and sending -------------------------------------------------------------

    async def handle_once(self) -> int:
        """Run the handlers for the stored updates (up to one batch); return how many."""
        settings = self.app.settings
        done = await asyncio.to_thread(
            process_pending,
            self.app.engine,
            now=self.app.clock.now(),
            zone=settings.zone,
            channels=[CHANNEL],
            default_locale=self.app.locale,
            bot_username=self.username,
            fetch_file=blocking_fetch(self.transport.fetch_file, asyncio.get_running_loop()),
            max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        )
        if done:
            self.outbox_ready.set()
        return len(done)

    async def send_once(self) -> SenderStats:
        """Send everything due in the outbox now."""
        return await self.sender.run_once()

    async def inbox_worker(self) -> None:
        while not self.stopping.is_set():
            await self._wait(self.inbox_ready, 5)
            try:
                # A full batch may leave more behind: go on at once rather than at the timeout.
                while await self.handle_once() and not self.stopping.is_set():
                    pass
            except Exception:  # a database hiccup must not stop handling for good
                log.exception("inbox run failed")
                await self._sleep(5)

    async def send_worker(self) -> None:
        while not self.stopping.is_set():
            await self._wait(self.outbox_ready, 60)
            try:
                await self.send_once()
            except Exception:  # a database hiccup must not stop delivery for good
                log.exception("sender run failed")
                await self._sleep(5)

    async def _wait(self, event: asyncio.Event, seconds: float) -> None:
        """Wait until ``event`` is set or ``seconds`` pass, then clear it."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)
        event.clear()

    # --- running --------------------------------------------------------------------------

    async def serve(self, *, webhook: bool) -> None:
        """Receive, handle and send until ``stopping`` is set; APScheduler is ``run``'s.

        On stop the receiver ends at once (what it holds is stored or will come again); the
        inbox worker and the sender finish the step they are in, so no outbox row stays
        claimed by a process that is gone.
        """
        if self.username is None:
            self.username = (await self.bot.get_me()).username
        await asyncio.to_thread(
            release_dead_claims, self.app.engine, self.worker, now=self.app.clock.now()
        )
        workers = [
            asyncio.create_task(self.inbox_worker()),
            asyncio.create_task(self.send_worker()),
        ]
        receiver: asyncio.Task[None] | None = None
        try:
            if webhook:
                await self.start_webhook()
            else:
                await self.bot.delete_webhook(drop_pending_updates=False)
                receiver = asyncio.create_task(self.poll())
            self.inbox_ready.set()  # handle what was stored before a crash
            self.outbox_ready.set()  # and send what was queued
            await self.stopping.wait()
        finally:
            self.stopping.set()
            if receiver is not None:
                receiver.cancel()
            await self.stop_webhook()
            self.inbox_ready.set()
            self.outbox_ready.set()
            _, late = await asyncio.wait(workers, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(
                *workers, *([receiver] if receiver else []), return_exceptions=True
            )

    async def run(self, *, webhook: bool) -> None:
        """Serve with the periodic jobs: planning, the digest, the tick, evidence files.

        Every job is a coroutine function: APScheduler runs those on this loop, and any
        other callable in a worker thread, where setting an asyncio.Event is not safe and a
        returned coroutine is never awaited.
        """
        engine, clock, zone = self.app.engine, self.app.clock, self.app.settings.zone

        async def tick() -> None:
            self.outbox_ready.set()

        async def plan() -> None:
            await asyncio.to_thread(plan_job, engine, clock)
            self.outbox_ready.set()

        async def digest() -> None:
            await asyncio.to_thread(digest_job, engine, clock, zone)
            self.outbox_ready.set()

        async def evidence() -> None:
            await fetch_evidence_job(engine, self.transport.fetch_file)

        self.scheduler = build_scheduler(
            zone=zone, tick=tick, plan=plan, digest=digest, evidence=evidence
        )
        self.scheduler.start()
        try:
            await self.serve(webhook=webhook)
        finally:
            self.scheduler.shutdown(wait=False)

    # --- webhook --------------------------------------------------------------------------

    def listen_webhook(self) -> int:
        """Serve the webhook's path on ``webhook_listen:webhook_port``; return the port.

        Port 0 takes a free one (tests): set ``webhook_url`` from the returned port before
        ``start_webhook`` registers it.
        """
        import tornado.netutil
        import tornado.web
        from tornado.httpserver import HTTPServer

        settings = self.app.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        service = self

        class WebhookHandler(tornado.web.RequestHandler):
            async def post(self) -> None:
                given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token")
                if not secret or not check_secret(secret, given):
                    self.set_status(403)
                    return
                try:
                    data = json.loads(self.request.body)
                    update = Update.de_json(data, service.bot)
                except (ValueError, TypeError, KeyError, AttributeError):
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
        application = tornado.web.Application(
            [(path, WebhookHandler)], log_function=_quiet_webhook_log
        )
        sockets = tornado.netutil.bind_sockets(
            settings.webhook_port, address=settings.webhook_listen
        )
        server = HTTPServer(application, max_body_size=MAX_WEBHOOK_BODY)
        server.add_sockets(sockets)
        self._webhook_server = server
        self.webhook_port = sockets[0].getsockname()[1]
        return self.webhook_port

    async def start_webhook(self) -> None:
        """Listen (unless ``listen_webhook`` did), then tell Telegram where to deliver."""
        if self._webhook_server is None:
            self.listen_webhook()
        settings = self.app.settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        await self.bot.set_webhook(
            settings.webhook_url or "", secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def stop_webhook(self) -> None:
        server, self._webhook_server = self._webhook_server, None
        if server is not None:
            server.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.close_all_connections(), STOP_GRACE)


def _quiet_webhook_log(handler: Any) -> None:
    # Tornado logs every request at INFO; only refusals and failures are worth a line.
    status = handler.get_status()
    if status >= 400:
        log.warning("webhook answered %d to %s", status, handler.request.remote_ip)


def release_dead_claims(engine: Engine, me: str, *, now: datetime) -> int:
    """Give back outbox rows claimed by earlier processes of this host that are gone.

    A process killed while sending leaves its rows claimed until their lease ends (minutes):
    the answers it was sending would wait that long after a restart. A claim names its
    host and pid (``worker_name``); a pid of this host that no longer runs cannot be
    sending. Rows claimed elsewhere, or by a live process, wait for their lease as before.
    The message in flight may go out twice (once before the kill, once now): delivery is
    at least once, as after a lease ends.
    """
    host = me.rsplit("-", 1)[0]
    with session_scope(engine) as session:
        claims = session.exec(
            select(OutboxMessage.claimed_by, OutboxMessage.id).where(
                OutboxMessage.state == "sending",
                col(OutboxMessage.claimed_by).startswith(f"{host}-", autoescape=True),
            )
        ).all()
        dead: dict[str, list[int]] = {}
        for worker, row_id in claims:
            if not worker or worker == me:
                continue
            their_host, _, pid = worker.rpartition("-")
            if their_host == host and not _alive(pid):
                dead.setdefault(worker, []).append(row_id or 0)
        for worker, ids in dead.items():
            outbox.release(session, ids, worker=worker, at=now)
            log.warning("released %d outbox rows claimed by %s, which is gone", len(ids), worker)
    return sum(len(ids) for ids in dead.values())


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return True  # not a claim of ours: leave it to its lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user has that pid now
    return True


def run_bot() -> int:
    app = open_app()
    settings = app.settings
    token = settings.telegram_token_value()
    if token is None:
        raise UserError(
            N_(
                "Chưa có TELEGRAM_BOT_TOKEN (hoặc vẫn là giá trị mẫu). Đặt token "
                "BotFather cấp vào tệp .env rồi chạy lại; muốn thử không cần token: "
                "python -m bot demo"
            )
        )
    webhook = bool(settings.webhook_url)
    if webhook and not (
        settings.webhook_secret and settings.webhook_secret.get_secret_value().strip()
    ):
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

    print(
        t(
            app.locale,
            "Đôn Đốc đang chạy ({mode}). Nhấn Ctrl+C để dừng.",
            mode="webhook" if webhook else "long polling",
        ),
        flush=True,
    )
    asyncio.run(main())
    return 0
