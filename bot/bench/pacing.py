"""The rate benchmark: does our pacer keep Telegram's flood limits at close to the allowed rate?

It starts the fake Bot API server (:mod:`bot.testing.fake_bot_api`) with Telegram's limits
enforced and sends one realistic burst of reminders (mostly private chats with officials, a
few commune groups) through python-telegram-bot's ``Bot`` over real HTTP, four ways:

``pacer``
    our :class:`scheduler.pacing.Pacer` in front of a plain ``Bot``;
``aioratelimiter``
    python-telegram-bot's own ``AIORateLimiter`` with its defaults on an ``ExtBot``;
``raw_httpx``
    a bare ``httpx.AsyncClient`` posting ``sendMessage`` with the limits off: the ceiling
    set by HTTP and the fake server alone;
``bot_unpaced``
    ``Bot`` behind a disabled pacer with the limits off: what python-telegram-bot costs.

Every run retries a 429 after its ``retry_after`` (the pacer run also pauses the pacer),
so all runs deliver the same messages and differ in how they treat the platform. The
figures come from the server's own record of arrivals, not from the senders.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import random
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass

import httpx
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.testing.fake_bot_api import FakeBotApi, Limits
from scheduler.pacing import Pacer, PacingLimits

__all__ = ["Outgoing", "RunResult", "bench_pacing", "format_table", "message_mix"]

RUNS = ("pacer", "aioratelimiter", "raw_httpx", "bot_unpaced")
MAX_ATTEMPTS = 20

REMINDER = (
    "Nhắc việc: {task} — hạn {day:02d}/{month:02d}/2026. Đồng chí vui lòng cập nhật tiến độ "
    "(đã xong, đang làm, vướng mắc) bằng cách trả lời tin nhắn này."
)
TASKS = (
    "Báo cáo kết quả thu ngân sách quý I",
    "Rà soát hộ nghèo, hộ cận nghèo",
    "Tổng hợp số liệu tiêm chủng mở rộng",
    "Kiểm tra an toàn vệ sinh thực phẩm",
    "Cập nhật hồ sơ đất đai trên phần mềm",
)


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    is_group: bool
    text: str


@dataclass(frozen=True)
class RunResult:
    """One run as the server saw it."""

    name: str
    messages: int
    delivered: int
    seconds: float
    rate: float
    http_429: int
    limit_violations: int
    sent_during_retry_after: int
    max_per_second: int
    max_per_private_chat_per_second: int
    max_per_group_per_minute: int
    gave_up: int
    other_errors: int


def message_mix(
    n: int,
    *,
    officials: int = 2000,
    groups: int = 4,
    group_share: float = 0.05,
    seed: int = 20260301,
) -> list[Outgoing]:
    """A morning's burst: reminders to random officials, and group digests mixed in.

    Officials are chats ``1..officials``; groups are ``-1001..-(1000 + groups)``. With the
    defaults and 3,000 messages each group gets about 37, well over its 20 a minute.
    """
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        is_group = groups > 0 and rng.random() < group_share
        chat = -(1000 + rng.randint(1, groups)) if is_group else rng.randint(1, officials)
        text = REMINDER.format(
            task=rng.choice(TASKS), day=rng.randint(1, 28), month=rng.randint(1, 12)
        )
        out.append(Outgoing(chat, is_group, text))
    return out


async def bench_pacing(
    n_messages: int = 3000,
    *,
    officials: int = 2000,
    groups: int = 4,
    group_share: float = 0.05,
    runs: Sequence[str] = RUNS,
    pacing: PacingLimits | None = None,
    unpaced_concurrency: int = 8,
    seed: int = 20260301,
    report: Callable[[str], object] | None = print,
) -> dict[str, object]:
    """Run the benchmark; print a table through ``report`` and return the figures.

    The result maps ``"runs"`` to one dict per run (see :class:`RunResult`) and carries the
    parameters; ``"table"`` is the printed text.
    """
    unknown = set(runs) - set(RUNS)
    if unknown:
        raise ValueError(f"unknown runs {sorted(unknown)}; choose from {RUNS}")
    messages = message_mix(
        n_messages, officials=officials, groups=groups, group_share=group_share, seed=seed
    )
    results: dict[str, RunResult] = {}
    # python-telegram-bot 22 warns whenever it builds a RetryAfter unless PTB_TIMEDELTA is
    # set; the 429s are the point here, the warning is noise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        async with FakeBotApi() as api:
            for number in range(1, groups + 1):
                api.register_chat(-(1000 + number), "group", title=f"UBND xã số {number}")
            for name in runs:
                results[name] = await _RUNNERS[name](api, messages, pacing, unpaced_concurrency)
    table = format_table(list(results.values()))
    if report is not None:
        report(table)
    return {
        "n_messages": n_messages,
        "officials": officials,
        "groups": groups,
        "group_messages": sum(1 for m in messages if m.is_group),
        "runs": {name: asdict(result) for name, result in results.items()},
        "table": table,
    }


def format_table(results: Sequence[RunResult]) -> str:
    header = (
        "run",
        "messages",
        "seconds",
        "msg/s",
        "429s",
        "max/1s",
        "max/chat/1s",
        "max/group/60s",
        "in retry_after",
        "gave up",
    )
    rows = [
        (
            r.name,
            str(r.messages),
            f"{r.seconds:.1f}",
            f"{r.rate:.1f}",
            str(r.http_429),
            str(r.max_per_second),
            str(r.max_per_private_chat_per_second),
            str(r.max_per_group_per_minute),
            str(r.sent_during_retry_after),
            str(r.gave_up),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- the runs ------------------------------------------------------------------------------------

Runner = Callable[[FakeBotApi, Sequence[Outgoing], PacingLimits | None, int], Awaitable[RunResult]]


def _request(pool: int = 256) -> HTTPXRequest:
    return HTTPXRequest(connection_pool_size=pool, pool_timeout=30.0, read_timeout=30.0)


async def _run_pacer(
    api: FakeBotApi, messages: Sequence[Outgoing], pacing: PacingLimits | None, _: int
) -> RunResult:
    api.set_limits(Limits())
    pacer = Pacer(pacing)
    bot = Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=_request()
    )
    async with bot:
        return await _measure(api, "pacer", messages, bot, pacer=pacer, concurrency=None)


async def _run_aioratelimiter(
    api: FakeBotApi, messages: Sequence[Outgoing], _pacing: PacingLimits | None, _: int
) -> RunResult:
    api.set_limits(Limits())
    bot = ExtBot(
        api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=_request(),
        rate_limiter=AIORateLimiter(),
    )
    # With max_retries=0 it logs every 429 with a traceback; the table counts them instead.
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    level = limiter_log.level
    limiter_log.setLevel(logging.CRITICAL)
    try:
        async with bot:
            return await _measure(
                api, "aioratelimiter", messages, bot, pacer=None, concurrency=None
            )
    finally:
        limiter_log.setLevel(level)


async def _run_bot_unpaced(
    api: FakeBotApi, messages: Sequence[Outgoing], _pacing: PacingLimits | None, workers: int
) -> RunResult:
    api.set_limits(None)
    bot = Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=_request()
    )
    async with bot:
        return await _measure(
            api, "bot_unpaced", messages, bot, pacer=Pacer(enabled=False), concurrency=workers
        )


async def _run_raw_httpx(
    api: FakeBotApi, messages: Sequence[Outgoing], _pacing: PacingLimits | None, workers: int
) -> RunResult:
    api.set_limits(None)
    api.reset_traffic()
    url = api.method_url("sendMessage")
    queue = list(reversed(messages))
    delivered = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal delivered
        while queue:
            message = queue.pop()
            response = await client.post(
                url, data={"chat_id": message.chat_id, "text": message.text}
            )
            delivered += response.status_code == 200

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=workers)) as client:
        start = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(workers)))
        seconds = time.monotonic() - start
    return _result(api, "raw_httpx", len(messages), delivered, seconds, gave_up=0)


_RUNNERS: dict[str, Runner] = {
    "pacer": _run_pacer,
    "aioratelimiter": _run_aioratelimiter,
    "raw_httpx": _run_raw_httpx,
    "bot_unpaced": _run_bot_unpaced,
}


async def _measure(
    api: FakeBotApi,
    name: str,
    messages: Sequence[Outgoing],
    bot: Bot,
    *,
    pacer: Pacer | None,
    concurrency: int | None,
) -> RunResult:
    """Send every message (all due at once, or through ``concurrency`` workers) and measure."""
    api.reset_traffic()
    delivered = gave_up = 0

    async def send(message: Outgoing) -> None:
        nonlocal delivered, gave_up
        for _attempt in range(MAX_ATTEMPTS):
            wait = 0.0
            slot = (
                pacer.slot(message.chat_id, is_group=message.is_group)
                if pacer is not None
                else contextlib.nullcontext()
            )
            async with slot:
                try:
                    await bot.send_message(message.chat_id, message.text)
                except RetryAfter as exc:
                    wait = _seconds(exc)
                    if pacer is not None and pacer.enabled:
                        pacer.pause(wait)
                        wait = 0.0  # the pacer holds everybody, this caller included
                except (TimedOut, NetworkError):
                    wait = 0.5
                else:
                    delivered += 1
                    return
            await asyncio.sleep(wait)
        gave_up += 1

    start = time.monotonic()
    if concurrency is None:
        await asyncio.gather(*(send(m) for m in messages))
    else:
        queue = list(reversed(messages))

        async def worker() -> None:
            while queue:
                await send(queue.pop())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.monotonic() - start
    if pacer is not None:
        await pacer.aclose()
    return _result(api, name, len(messages), delivered, seconds, gave_up=gave_up)


def _result(
    api: FakeBotApi, name: str, messages: int, delivered: int, seconds: float, *, gave_up: int
) -> RunResult:
    stats = api.stats()
    return RunResult(
        name=name,
        messages=messages,
        delivered=delivered,
        seconds=seconds,
        rate=delivered / seconds if seconds > 0 else 0.0,
        http_429=stats.rate_limited,
        limit_violations=stats.limit_violations,
        sent_during_retry_after=stats.sent_during_retry_after,
        max_per_second=stats.max_per_second,
        max_per_private_chat_per_second=stats.max_per_private_chat_per_second,
        max_per_group_per_minute=stats.max_per_group_per_minute,
        gave_up=gave_up,
        other_errors=stats.other_errors,
    )


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # an int, or a timedelta when PTB_TIMEDELTA is set
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
