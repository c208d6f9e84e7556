"""Delivery under the platform's faults: the real Bot, transport, sender and pacer over HTTP.

python-telegram-bot's Bot talks to the local fake Bot API server (Telegram's flood limits
enforced) through TelegramTransport; the Sender claims from the real database and paces
through a real Pacer. Faults are injected at the server: 429 storms, 5xx, hanging answers,
blocked and vanished chats. Each test ends by counting, at the server, what every chat
received: each planned reminder exactly once, or its row marked unreachable (and an admin
told); nothing lost, nothing dropped in silence.

The database clock is a SimulatedClock, advanced past back-off instead of sleeping; the
pacer and the server run on real time, so volumes stay small.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram import TelegramTransport
from bot.testing.fake_bot_api import FakeBotApi, Faults, Limits
from models.db import session_scope
from models.tables import ChatLink, OutboxMessage
from scheduler import outbox
from scheduler.pacing import Pacer, PacingLimits
from scheduler.sender import Sender
from tests.scheduler.kit import VN, Office, at

NOW = at(2026, 11, 18, 9, 0)  # a Wednesday morning; due_7 of tasks due on 30/11
# A hanging answer becomes a timeout quickly where a test makes one hang; elsewhere an answer
# slowed by a loaded machine must not time out, or the retry is a true duplicate.
HANG_TIMEOUT = 0.5
READ_TIMEOUT = 30.0
FINAL = ("sent", "unreachable", "failed", "cancelled")
RETRY_PACE = 20


def telegram_chat(_name: str, official_id: int) -> str:
    return str(700_000 + official_id)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(limits=Limits()) as server:
        yield server


@contextlib.asynccontextmanager
async def telegram_bot(api: FakeBotApi, read_timeout: float) -> AsyncIterator[Bot]:
    request = HTTPXRequest(
        connection_pool_size=16,
        read_timeout=read_timeout,
        write_timeout=5,
        connect_timeout=5,
        pool_timeout=5,
    )
    async with Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=request
    ) as bot:
        yield bot


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with telegram_bot(api, READ_TIMEOUT) as b:
        yield b


@pytest.fixture
async def hasty_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with telegram_bot(api, HANG_TIMEOUT) as b:
        yield b


@dataclass
class Ward:
    """An office whose officials each have one task due on 30/11, reminded on Telegram."""

    office: Office
    api: FakeBotApi
    sender: Sender
    officials: list[str]

    def chat(self, name: str) -> int:
        return int(self.office.chats[name])

    def received(self, name: str) -> list[str]:
        return [m.text or "" for m in self.api.sent_messages(self.chat(name))]

    async def run(self) -> None:
        await self.sender.run_once()

    async def run_until_final(
        self, step: timedelta = timedelta(seconds=5), rounds: int = 40
    ) -> None:
        """Run the sender, moving the database clock on by ``step``, until no row waits."""
        for _ in range(rounds):
            await self.run()
            if all(r.state in FINAL for r in self.office.rows()):
                return
            self.office.clock.advance(step)
        raise AssertionError(f"rows still waiting: {self.waiting()}")

    def waiting(self) -> list[tuple[int | None, str, int]]:
        return [(r.id, r.state, r.attempts) for r in self.office.rows() if r.state not in FINAL]

    def assert_each_delivered_once_or_unreachable(self, duplicates: int = 0) -> None:
        """Every reminder row: sent and in its chat exactly once, or marked unreachable."""
        rows = self.office.reminder_rows()
        assert rows
        seen = Counter[tuple[int, str]]()
        for message in self.api.sent_messages():
            for line in (message.text or "").splitlines():
                if line.startswith("I."):
                    seen[(message.chat_id, line.split(". ", 1)[0])] += 1
        extra = 0
        for row in rows:
            assert row.state in ("sent", "unreachable"), (row.id, row.state, row.last_error)
            label = f"I.{row.task_id}"
            chat = int(self.office.chats[self.office_name(row.official_id)])
            if row.state == "unreachable":
                assert seen[(chat, label)] == 0
                continue
            assert seen[(chat, label)] >= 1, (chat, label)
            extra += seen[(chat, label)] - 1
            # The row's message id is the one the server gave that message.
            assert row.platform_message_id is not None
            stored = self.api.message(chat, int(row.platform_message_id))
            assert stored is not None and label in stored.get("text", "")
        assert extra == duplicates

    def office_name(self, official_id: int | None) -> str:
        return next(n for n, i in self.office.people.items() if i == official_id)


async def ward(
    engine: Engine,
    api: FakeBotApi,
    bot: Bot,
    officials: int = 8,
    *,
    retries: bool = False,
    **options: object,
) -> Ward:
    """``retries``: the test sends to a chat again at once, so the platform (and the pacer)
    allow 20 a second per chat instead of one, and a retry waits no real second."""
    if retries:
        api.set_limits(Limits(private_per_second=RETRY_PACE))
    pacing = PacingLimits(per_chat_per_second=RETRY_PACE) if retries else PacingLimits()
    office = Office.open(engine, NOW, channel="telegram", chat_of=telegram_chat)
    names = [f"Cán bộ {n}" for n in range(1, officials + 1)]
    for name in names:
        office.person(name, unit=None)
    office.person("Trang", role="admin")
    for n, name in enumerate(names, start=1):
        # Task I.<id> is led by one official by name: one reminder, one chat.
        task_id = office.task(str(n), unit=None, lead=name, due=date(2026, 11, 30))
        office.update_task(f"I.{n}", stt=str(task_id))
    office.clock.set(at(2026, 11, 18, 6, 0))
    office.plan(days=1)
    office.clock.set(NOW)
    assert len(office.reminder_rows()) == officials
    sender = Sender(
        engine,
        {"telegram": TelegramTransport(bot)},
        clock=office.clock,
        zone=VN,
        pacer=Pacer(pacing),
        worker="w1",
        **options,  # type: ignore[arg-type]
    )
    return Ward(office, api, sender, names)


# --- the plain case ---------------------------------------------------------------------------


async def test_each_reminder_reaches_its_chat_once_within_telegrams_limits(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=12)
    await w.run()
    w.assert_each_delivered_once_or_unreachable()
    stats = api.stats()
    assert (stats.sent, stats.rate_limited, stats.limit_violations) == (12, 0, 0)
    assert all(r.attempts == 1 for r in w.office.reminder_rows())


# --- 429 ------------------------------------------------------------------------------------


async def test_a_429_storm_pauses_every_send_and_costs_no_attempt(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    # The platform allows far less than the pacer thinks: every few sends end in a 429 with a
    # bot-wide retry_after, which is the storm a misjudged limit (or Telegram's mood) makes.
    api.set_limits(Limits(overall_per_second=4))
    # One send at a time: a request already on its way when a 429 comes back cannot be
    # recalled (Telegram refuses it too, and it is retried for free); what is asserted is that
    # the sender starts nothing while told to wait.
    w = await ward(engine, api, bot, officials=10, max_unrecorded=1)
    await w.run_until_final(step=timedelta(seconds=2))
    stats = api.stats()
    assert stats.rate_limited >= 2
    assert stats.sent_during_retry_after == 0  # nothing reached the server while told to wait
    w.assert_each_delivered_once_or_unreachable()
    # A 429 is the platform's state, not the message's fault: one attempt each, the sent one.
    assert [r.attempts for r in w.office.reminder_rows()] == [1] * 10


async def test_injected_429s_hold_everyone_then_the_rows_go_out(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    api.fail_next(429, times=2, retry_after=1)
    w = await ward(engine, api, bot, officials=6, max_unrecorded=1)
    await w.run()
    held = [r for r in w.office.reminder_rows() if r.state == "pending"]
    assert len(held) == 2 and all(r.last_error == "429" and r.attempts == 0 for r in held)
    await w.run()
    assert len(api.sent_messages()) == 4  # the 429'd rows wait for their retry_after
    w.office.clock.advance(timedelta(seconds=1))
    await w.run()
    assert api.stats().sent_during_retry_after == 0
    w.assert_each_delivered_once_or_unreachable()


# --- 5xx and timeouts -----------------------------------------------------------------------


async def test_server_errors_are_retried_with_growing_back_off(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=4, retries=True)
    first, second = w.chat(w.officials[0]), w.chat(w.officials[1])
    api.fail_next(500, times=2, chat_id=first)
    api.fail_next(502, chat_id=second)
    await w.run()
    assert len(api.sent_messages()) == 2
    w.office.clock.advance(timedelta(seconds=4))
    await w.run()
    assert len(api.sent_messages()) == 2  # 5 s after the first failure, not before
    w.office.clock.advance(timedelta(seconds=1))
    await w.run()
    assert not w.received(w.officials[0]) and len(w.received(w.officials[1])) == 1
    w.office.clock.advance(timedelta(seconds=9))
    await w.run()
    assert not w.received(w.officials[0])  # the second failure waits 10 s
    w.office.clock.advance(timedelta(seconds=1))
    await w.run()
    w.assert_each_delivered_once_or_unreachable()
    attempts = {w.office_name(r.official_id): r.attempts for r in w.office.reminder_rows()}
    assert (attempts[w.officials[0]], attempts[w.officials[1]], attempts[w.officials[2]]) == (
        3,
        2,
        1,
    )


async def test_a_timeout_is_retried_and_a_lost_answer_sends_twice_at_most_once(
    engine: Engine, api: FakeBotApi, hasty_bot: Bot
) -> None:
    w = await ward(engine, api, hasty_bot, officials=4, retries=True)
    lost, delivered = w.chat(w.officials[0]), w.chat(w.officials[1])
    api.hang_next(chat_id=lost)  # nothing done, no answer: a plain timeout
    api.hang_next(chat_id=delivered, deliver=True)  # done, but the answer never comes
    await w.run_until_final()
    assert len(w.received(w.officials[0])) == 1
    # Telegram has no idempotency key: the one message in flight when its answer was lost
    # arrives twice, and only that one.
    assert len(w.received(w.officials[1])) == 2
    w.assert_each_delivered_once_or_unreachable(duplicates=1)


async def test_a_message_that_keeps_failing_is_given_up_and_an_admin_told(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=3, retries=True, max_attempts=3)
    api.fail_next(500, times=10, chat_id=w.chat(w.officials[0]))
    await w.run_until_final(step=timedelta(minutes=1))
    [row] = w.office.reminder_rows(OutboxMessage.official_id == w.office.people[w.officials[0]])
    assert (row.state, row.attempts) == ("failed", 3)
    [alert] = w.received("Trang")
    assert w.officials[0] in alert and "Nhiều lần không gửi được" in alert


# --- 403 and 400 ----------------------------------------------------------------------------


async def test_a_blocked_chat_is_marked_unreachable_and_an_admin_told_once(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=4)
    blocked = w.officials[0]
    api.block_chat(w.chat(blocked))
    # A second reminder for the same official later that day.
    with session_scope(engine) as s:
        outbox.enqueue(
            s,
            [
                {
                    "org_id": w.office.org_id,
                    "official_id": w.office.people[blocked],
                    "kind": "reminder",
                    "reason": "snooze",
                    "task_id": w.office.tasks["I.1"],
                    "channel": "telegram",
                    "chat_id": str(w.chat(blocked)),
                    "due_at": at(2026, 11, 18, 14, 0),
                    "payload": {"audience": "lead"},
                    "idempotency_key": "later-that-day",
                }
            ],
        )
    await w.run()
    w.office.clock.set(at(2026, 11, 18, 14, 0))
    await w.run()
    with session_scope(engine, readonly=True) as s:
        link = s.exec(select(ChatLink).where(ChatLink.chat_id == str(w.chat(blocked)))).one()
    assert not link.reachable
    assert len(api.requests("sendMessage")) - len(api.sent_messages()) == 1  # tried once
    [alert] = w.received("Trang")
    assert blocked in alert and "đã chặn bot" in alert
    assert {
        r.state
        for r in w.office.reminder_rows(OutboxMessage.official_id == w.office.people[blocked])
    } == {"unreachable"}
    w.assert_each_delivered_once_or_unreachable()


async def test_a_chat_that_no_longer_exists_is_unreachable(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=3)
    gone = w.officials[2]
    api.forget_chat(w.chat(gone))
    await w.run()
    [row] = w.office.reminder_rows(OutboxMessage.official_id == w.office.people[gone])
    assert row.state == "unreachable" and "chat not found" in (row.last_error or "").lower()
    assert gone in w.received("Trang")[0]
    w.assert_each_delivered_once_or_unreachable()


# --- everything at once ---------------------------------------------------------------------


async def test_random_faults_lose_nothing_and_duplicate_nothing(
    engine: Engine, api: FakeBotApi, bot: Bot
) -> None:
    w = await ward(engine, api, bot, officials=30, retries=True)
    api.set_faults(Faults(p_500=0.15, p_502=0.15, seed=57))
    api.block_chat(w.chat(w.officials[3]))
    api.forget_chat(w.chat(w.officials[7]))
    await w.run_until_final(step=timedelta(minutes=1))
    w.assert_each_delivered_once_or_unreachable()
    states = Counter(r.state for r in w.office.reminder_rows())
    assert states == {"sent": 28, "unreachable": 2}
    assert api.stats().other_errors > 5  # the faults did happen
    assert api.stats().limit_violations == 0
