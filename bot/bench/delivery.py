"""The delivery benchmark: how close the whole sending path comes to what HTTP alone allows.

Every run posts ``sendMessage`` to a local fake Bot API server (limits off, so the server's
speed is the ceiling) running in a process of its own, as Telegram would, so that its work
counts against no client; each run gets a fresh server. The runs, in alternating rounds:

``httpx_loop``
    a bare ``httpx.AsyncClient`` loop posting the same texts and keyboards, one request
    after the other: the yardstick the issue names ("a bare httpx loop");
``raw_httpx``
    the same with ``concurrency`` requests at a time: the ceiling set by HTTP, the event loop
    and the server, a stricter yardstick than the loop;
``bot_only``
    python-telegram-bot's ``Bot.send_message`` in the same loop, same messages: what the
    library costs by itself, the ceiling of any path built on it;
``sender``
    the product's path, pacer disabled: the Sender claims the due reminder rows from a
    SQLite file, renders them (one message per official), sends them through
    TelegramTransport and the ``Bot`` of ``make_bot``, and commits each outcome.

Reported: each run's median rate over the rounds, ``sender / httpx_loop`` (target: at
least 0.5) and ``sender / raw_httpx``. The machine's other load moves single runs a lot;
the medians move less.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("PTB_TIMEDELTA", "true")

import httpx

__all__ = ["bench_delivery"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime(2026, 11, 18, 9, 0, tzinfo=VN)  # due_7 of tasks due 30/11 is at 08:30
RUNS = ("httpx_loop", "raw_httpx", "bot_only", "sender")


async def bench_delivery(
    n: int = 2000,
    *,
    rounds: int = 3,
    concurrency: int = 8,
    report: Callable[[str], object] | None = print,
) -> dict[str, Any]:
    """Run every path ``rounds`` times, each against a fresh server process; report medians.

    Per run: messages a second, and the milliseconds of this process's CPU (all its threads)
    spent per message, the steadier figure when the machine is busy with other work.
    """
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        chats = await asyncio.to_thread(_database, template, n)
        for round_ in range(rounds):
            for name in RUNS:
                db = Path(tmp) / f"{name}-{round_}.db"
                db.write_bytes(template.read_bytes())  # every run starts from the same rows
                runs[name].append(await _with_server(_RUNNERS[name], db, chats, concurrency))
    figures: dict[str, dict[str, Any]] = {
        name: {
            "rate": round(statistics.median(r for r, _ in values), 1),
            "cpu_ms_per_message": round(statistics.median(c for _, c in values), 3),
            "rates": [round(r, 1) for r, _ in values],
        }
        for name, values in runs.items()
    }
    raw, sender, bot = figures["raw_httpx"], figures["sender"], figures["bot_only"]
    loop = figures["httpx_loop"]
    result: dict[str, Any] = {
        "n": n,
        "rounds": rounds,
        "concurrency": concurrency,
        "runs": figures,
        "ratio_to_loop": round(sender["rate"] / loop["rate"], 2),
        "ratio": round(sender["rate"] / raw["rate"], 2),
        "bot_only_ratio": round(bot["rate"] / raw["rate"], 2),
        "cpu_ratio": round(raw["cpu_ms_per_message"] / sender["cpu_ms_per_message"], 2),
    }
    lines = [
        f"{name:<10} {f['rate']:>6.0f} msg/s  {f['cpu_ms_per_message']:>5.2f} ms CPU/msg  "
        "(runs: " + ", ".join(f"{v:.0f}" for v in f["rates"]) + " msg/s)"
        for name, f in figures.items()
    ]
    lines.append(
        f"sender / httpx_loop: {result['ratio_to_loop']:.2f}; "
        f"sender / raw_httpx: {result['ratio']:.2f} by rate, {result['cpu_ratio']:.2f} by CPU;"
        f" bot_only / raw_httpx: {result['bot_only_ratio']:.2f}"
    )
    result["table"] = "\n".join(lines)
    if report is not None:
        report(result["table"])
    return result


Runner = Callable[[str, str, Path, list[int], int], Coroutine[Any, Any, tuple[float, float]]]


async def _with_server(
    runner: Runner, db: Path, chats: list[int], concurrency: int
) -> tuple[float, float]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child,), daemon=True)
    server.start()
    try:
        base_url, token = await asyncio.to_thread(parent.recv)
        return await runner(base_url, token, db, chats, concurrency)
    finally:
        parent.send("stop")
        await asyncio.to_thread(server.join, 10)
        if server.is_alive():
            server.kill()


def _serve(conn: Connection) -> None:
    """The fake Bot API server, limits off, until told to stop."""
    from bot.testing.fake_bot_api import FakeBotApi

    with FakeBotApi(limits=None) as api:
        conn.send((api.base_url, api.token))
        conn.recv()


async def _raw_httpx(
    base_url: str, token: str, db: Path, chats: list[int], concurrency: int
) -> tuple[float, float]:
    text, markup = _sample_message(db)
    url = f"{base_url}{token}/sendMessage"
    queue = list(reversed(chats))
    ok = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal ok
        while queue:
            chat = queue.pop()
            response = await client.post(
                url, data={"chat_id": chat, "text": text, "reply_markup": markup}
            )
            ok += response.status_code == 200

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        with _Clocks() as clocks:
            await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return clocks.figures(ok, len(chats))


async def _bot_only(
    base_url: str, token: str, db: Path, chats: list[int], concurrency: int
) -> tuple[float, float]:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from bot.channels.telegram import make_bot

    text, markup = _sample_message(db)
    rows = json.loads(markup)["inline_keyboard"]
    queue = list(reversed(chats))
    ok = 0
    bot = make_bot(token, api_url=base_url, file_url=base_url.replace("/bot", "/file/bot"))

    async def worker() -> None:
        nonlocal ok
        while queue:
            chat = queue.pop()
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(b["text"], callback_data=b["callback_data"])
                        for b in row
                    ]
                    for row in rows
                ]
            )
            await bot.send_message(chat, text, reply_markup=keyboard)
            ok += 1

    async with bot:
        with _Clocks() as clocks:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return clocks.figures(ok, len(chats))


async def _sender(
    base_url: str, token: str, db: Path, chats: list[int], _concurrency: int
) -> tuple[float, float]:
    from bot.channels.telegram import TelegramTransport, make_bot
    from models.db import make_engine
    from scheduler.clock import SimulatedClock
    from scheduler.pacing import Pacer
    from scheduler.sender import Sender

    engine = make_engine(f"sqlite:///{db}")
    bot = make_bot(token, api_url=base_url, file_url=base_url.replace("/bot", "/file/bot"))
    async with bot:
        sender = Sender(
            engine,
            {"telegram": TelegramTransport(bot)},
            clock=SimulatedClock(MORNING),
            zone=VN,
            pacer=Pacer(enabled=False),
        )
        with _Clocks() as clocks:
            stats = await sender.run_once()
    engine.dispose()
    return clocks.figures(stats.sent, len(chats))


async def _httpx_loop(
    base_url: str, token: str, db: Path, chats: list[int], _concurrency: int
) -> tuple[float, float]:
    return await _raw_httpx(base_url, token, db, chats, 1)


_RUNNERS: dict[str, Runner] = {
    "httpx_loop": _httpx_loop,
    "raw_httpx": _raw_httpx,
    "bot_only": _bot_only,
    "sender": _sender,
}


class _Clocks:
    """Wall time and this process's CPU time (every thread) of a run."""

    def __enter__(self) -> _Clocks:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def figures(self, delivered: int, expected: int) -> tuple[float, float]:
        """(messages a second, CPU milliseconds a message); every message must have gone."""
        if delivered != expected:
            raise RuntimeError(f"{delivered} of {expected} messages delivered")
        return delivered / self.wall, self.cpu * 1000 / delivered


def _database(path: Path, n: int) -> list[int]:
    """One reminder due for each of ``n`` officials, each with a Telegram chat."""
    from sqlalchemy import insert
    from sqlmodel import col, select

    from models import migrate
    from models.db import make_engine, session_scope
    from models.tables import ChatLink, Official, Organization, Plan, Task, Unit
    from scheduler.planner import plan_reminders

    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with session_scope(engine) as s:
        org = Organization(code="bench", name="Phường Bench")
        s.add(org)
        s.flush()
        plan = Plan(org_id=org.id or 0, imported_at=MORNING - timedelta(days=60))
        unit = Unit(org_id=org.id or 0, key="vh", name="Phòng Văn hóa - Xã hội")
        s.add_all([plan, unit])
        s.flush()
        s.execute(
            insert(Official),
            [
                {
                    "org_id": org.id,
                    "name": f"Cán bộ {k}",
                    "role": "official",
                    "unit_id": unit.id,
                    "is_chair": False,
                    "locale": "vi",
                    "active": True,
                    "created_at": MORNING,
                }
                for k in range(n)
            ],
        )
        ids = list(s.exec(select(Official.id).order_by(col(Official.id))))
        s.execute(
            insert(ChatLink),
            [
                {
                    "channel": "telegram",
                    "chat_id": str(i),
                    "official_id": i,
                    "is_group": False,
                    "reachable": True,
                    "linked_at": MORNING,
                }
                for i in ids
            ],
        )
        s.execute(
            insert(Task),
            [
                {
                    "plan_id": plan.id,
                    "org_id": org.id,
                    "section": "I",
                    "stt": str(k + 1),
                    "title": f"Tổ chức tập huấn kỹ năng số cho cán bộ, đợt {k + 1}",
                    "lead_unit_id": unit.id,
                    "lead_official_id": i,
                    "coord_unit_ids": [],
                    "deadline_kind": "once",
                    "due_date": date(2026, 11, 30),
                    "status": "not_started",
                    "created_at": MORNING,
                }
                for k, i in enumerate(ids)
            ],
        )
        six = MORNING.replace(hour=6)
        plan_reminders(session=s, now=six, until=six + timedelta(days=1))
    engine.dispose()
    return [int(i or 0) for i in ids]


def _sample_message(db: Path) -> tuple[str, str]:
    """One rendered reminder and its keyboard, for the loops without a database to post."""
    from sqlmodel import select

    from models.db import make_engine, session_scope
    from models.tables import OutboxMessage, Task
    from scheduler.render import render_reminder

    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine, readonly=True) as s:
        row = s.exec(select(OutboxMessage)).first()
        assert row is not None
        task = s.get(Task, row.task_id)
        assert task is not None
        message = render_reminder(
            [row], {task.id or 0: task}, {}, locale="vi", today=MORNING.date()
        )
    engine.dispose()
    markup = {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in line] for line in message.buttons
        ]
    }
    return message.text, json.dumps(markup, ensure_ascii=False)


if __name__ == "__main__":
    asyncio.run(bench_delivery())
