"""A sending worker in a process of its own, for the crash tests: ``python -m
tests.scheduler.crash_worker --db URL --api URL --worker NAME ...``.

It runs the real Sender (TelegramTransport, python-telegram-bot's Bot, a Pacer) against the
given database and Bot API server until no reminder is left pending or claimed, then exits.
Its clock is the wall clock moved to a fixed working morning (``--start`` at ``--epoch``), so
that several workers, started at different moments, agree on time and on leases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

os.environ.setdefault("PTB_TIMEDELTA", "true")

from sqlalchemy import func
from sqlmodel import col, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram import TelegramTransport
from models.db import make_engine, session_scope
from models.tables import OutboxMessage
from scheduler.pacing import Pacer, PacingLimits
from scheduler.sender import Sender

VN = ZoneInfo("Asia/Ho_Chi_Minh")


class ShiftedClock:
    """The wall clock, as if ``epoch`` (a time.time() value) had been ``start``."""

    def __init__(self, start: datetime, epoch: float) -> None:
        self.start, self.epoch = start, epoch

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.time() - self.epoch)


def left(engine: object) -> int:
    with session_scope(engine, readonly=True) as s:  # type: ignore[arg-type]
        return s.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.state).in_(("pending", "sending")))
        ).one()


async def work(args: argparse.Namespace) -> None:
    options = {"options": f"-csearch_path={args.schema}"} if args.schema else {}
    engine = make_engine(args.db, connect_args=options) if options else make_engine(args.db)
    clock = ShiftedClock(datetime.fromisoformat(args.start), args.epoch)
    request = HTTPXRequest(connection_pool_size=16, read_timeout=5, connect_timeout=5)
    async with Bot(args.token, base_url=args.api, request=request) as bot:
        sender = Sender(
            engine,
            {"telegram": TelegramTransport(bot)},
            clock=clock,
            zone=VN,
            pacer=Pacer(PacingLimits(overall_per_second=args.rate)),
            worker=args.worker,
            batch_size=args.batch,
            lease=timedelta(seconds=args.lease),
            max_unrecorded=args.unrecorded,
        )
        print("ready", flush=True)
        while left(engine):
            stats = await sender.run_once()
            if not stats.rows:
                await asyncio.sleep(0.05)  # what is left is claimed by a lease still running
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--api", required=True, help="the Bot API base URL (…/bot)")
    parser.add_argument("--token", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--start", required=True, help="ISO moment the clock reads at --epoch")
    parser.add_argument("--epoch", type=float, required=True)
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--unrecorded", type=int, default=32)
    asyncio.run(work(parser.parse_args()))


if __name__ == "__main__":
    main()
