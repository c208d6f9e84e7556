"""The same dialogue against a Bot API emulator we did not write: the npm package
telegram-test-api, behind the shim in :mod:`bot.testing.tta_shim` (see there for what it
fixes). The test acts as the user through the emulator's client API.

The package is installed once under ``.cache/telegram-test-api`` (git-ignored); without
node and npm, or offline on a first run, the test is skipped and says why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import Engine
from telegram import Message, Update, User

from bot.channels.telegram import make_bot
from bot.runner import TelegramService
from bot.testing.tta_shim import EmulatorUnavailable, TelegramTestApi, TtaShim, fix_answer, install
from scheduler.pacing import Pacer
from tests.bot.telegramkit import OFFICIAL, commune, plan_and_wake, progress_updates, serving
from tests.botkit import Kit

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "telegram-test-api"
TOKEN = "123456789:TEST-token-for-telegram-test-api"
BOT_USER = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}  # who the emulator says the bot is

T = TypeVar("T")


@pytest.fixture(scope="session")
def tta_folder() -> Path:
    try:
        return install(CACHE)
    except EmulatorUnavailable as exc:
        pytest.skip(f"telegram-test-api is not available: {exc}")


@pytest.fixture
async def shim(tta_folder: Path) -> AsyncIterator[TtaShim]:
    async with TelegramTestApi(tta_folder) as tta, TtaShim(tta.url) as proxy:
        yield proxy


@pytest.fixture
def kit(engine: Engine) -> Kit:
    return commune(engine)


class TtaUser:
    """One person in a private chat, through the emulator's client API."""

    def __init__(self, http: httpx.AsyncClient, url: str, user_id: int, name: str) -> None:
        self.http, self.url = http, url
        self.person = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}
        self.chat = {"id": user_id, "type": "private", "first_name": name}
        self.inbox: list[dict[str, Any]] = []

    async def say(self, text: str, *, reply_to: dict[str, Any] | None = None) -> None:
        message = {
            "botToken": TOKEN,
            "from": self.person,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self.as_message(reply_to)
        await self._post("/sendMessage", message)

    async def press(self, sent: dict[str, Any], label: str) -> None:
        rows = (sent["message"].get("reply_markup") or {}).get("inline_keyboard") or []
        [data] = [b["callback_data"] for row in rows for b in row if label in b["text"]]
        await self._post(
            "/sendCallback",
            {
                "botToken": TOKEN,
                "from": self.person,
                "message": self.as_message(sent),
                "data": data,
                "date": int(time.time()),
            },
        )

    async def next_message(self) -> dict[str, Any]:
        """The bot's next message to this chat, as the emulator keeps it."""

        async def unread() -> list[dict[str, Any]]:
            return await self._post("/getUpdates", {"token": TOKEN, "chatId": self.chat["id"]})

        while not self.inbox:
            self.inbox += await wait_until_async(unread)
        return self.inbox.pop(0)

    async def text_of(self, sent: dict[str, Any]) -> str:
        """A bot message's text as it stands now (after edits)."""
        history = await self._post("/getUpdatesHistory", {"token": TOKEN})
        [now] = [
            h
            for h in history
            if h.get("messageId") == sent["messageId"] and "chat_id" in h.get("message", {})
        ]
        return str(now["message"]["text"])

    def as_message(self, sent: dict[str, Any]) -> dict[str, Any]:
        """A bot message as Telegram shows it in a reply or under a pressed button."""
        return {
            "message_id": sent["messageId"],
            "date": sent["time"] // 1000,
            "chat": self.chat,
            "from": BOT_USER,
            "text": sent["message"].get("text", ""),
            "reply_markup": sent["message"].get("reply_markup"),
        }

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.http.post(self.url + path, json=body)
        response.raise_for_status()
        return response.json().get("result")


async def wait_until_async(fetch: Callable[[], Awaitable[T]], *, seconds: float = 10.0) -> T:
    """Ask the emulator until it gives a value (it has no way to wait for one)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await fetch()
        if value:
            return value
        if loop.time() >= deadline:
            raise TimeoutError(f"waited {seconds} s for the bot")
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_the_dialogue_against_telegram_test_api(kit: Kit, shim: TtaShim) -> None:
    bot = make_bot(TOKEN, api_url=shim.base_url, file_url=f"{shim.url}/file/bot")
    service = TelegramService(kit.app, bot, poll_timeout=5, pacer=Pacer(enabled=False))
    async with httpx.AsyncClient() as http, serving(kit, None, service=service):
        bình = TtaUser(http, shim.url, OFFICIAL, "Bình")
        plan_and_wake(kit, service)
        reminder = await bình.next_message()
        assert "I.1" in reminder["message"]["text"]

        await bình.press(reminder, "Cập nhật tiến độ")
        prompt = await bình.next_message()
        assert "tiến độ đến nay" in prompt["message"]["text"]

        await bình.say("đang triển khai được 60%, dự kiến xong 27/11", reply_to=reminder)
        confirm = await bình.next_message()
        assert "60%" in confirm["message"]["text"]
        assert "27/11/2026" in confirm["message"]["text"]
        assert progress_updates(kit.engine) == []

        await bình.press(confirm, "Đúng, lưu lại")

        async def saved() -> bool:  # the confirmation is edited into the answer
            return "Đã lưu cập nhật nhiệm vụ I.1" in await bình.text_of(confirm)

        await wait_until_async(saved)
    [update] = progress_updates(kit.engine)
    assert (update.status, update.percent, update.expected_date) == (
        "in_progress",
        60.0,
        date(2026, 11, 27),
    )
    assert service.username == BOT_USER["username"]


# --- the shim's fixes, on answers shaped as telegram-test-api 4.2.1 gives them (no node) --------


def test_get_me_becomes_a_bot() -> None:
    answer = fix_answer(
        "getMe",
        {
            "ok": True,
            "result": {"username": "TestNameBot", "first_name": "Test First name", "id": 666},
        },
    )
    assert User.de_json(answer["result"], None).is_bot


def test_sent_message_dates_become_seconds() -> None:
    answer = fix_answer(
        "sendMessage",
        {
            "ok": True,
            "result": {
                "chat_id": "1",
                "text": "Nhắc việc",
                "message_id": 7,
                "date": 1_763_430_000_123,
                "chat": {"id": 1, "first_name": "Bot", "type": "private"},
            },
        },
    )
    message = Message.de_json(answer["result"], None)
    assert message.date == datetime(2025, 11, 18, 1, 40, tzinfo=UTC)


def test_callback_queries_get_a_chat_instance() -> None:
    answer = fix_answer(
        "getUpdates",
        {
            "ok": True,
            "result": [
                {
                    "update_id": 3,
                    "callback_query": {
                        "id": "1",
                        "data": "c:ok",
                        "from": {"id": 5, "is_bot": False, "first_name": "Bình"},
                        "message": {
                            "message_id": 2,
                            "date": 1_763_430_000_000,
                            "chat": {"id": 5, "type": "private"},
                        },
                    },
                }
            ],
        },
    )
    [update] = [Update.de_json(u, None) for u in answer["result"]]
    assert update.callback_query is not None and update.callback_query.chat_instance == "5"


@pytest.mark.parametrize(
    "method", ["editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"]
)
def test_null_results_become_true(method: str) -> None:
    assert fix_answer(method, {"ok": True, "result": None})["result"] is True
