"""Webhook mode: the local Bot API server POSTs updates to our service on 127.0.0.1, which
answers 200 only once the update is stored in the inbox, and 403 to anyone without the
secret.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.runner import TelegramService
from bot.testing.fake_bot_api import FakeBotApi
from tests.bot.telegramkit import (
    OFFICIAL,
    STRANGER,
    button,
    commune,
    inbox_rows,
    new_service,
    next_edit,
    next_message,
    plan_and_wake,
    progress_updates,
    replies_to,
    serving,
    wait_until,
)
from tests.botkit import Kit

SECRET = "s3cret-token_for-the-webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(limits=None, webhook_retry_delay=0.01) as server:
        yield server


@pytest.fixture
def kit(engine: Engine) -> Kit:
    kit = commune(engine)
    settings = kit.app.settings
    settings.webhook_secret = SecretStr(SECRET)
    settings.webhook_listen, settings.webhook_port = "127.0.0.1", 0
    settings.webhook_url = "http://127.0.0.1/telegram/webhook"  # the port once it listens
    return kit


@contextlib.asynccontextmanager
async def webhook_service(kit: Kit, api: FakeBotApi) -> AsyncIterator[TelegramService]:
    service = new_service(kit, api)
    port = service.listen_webhook()
    kit.app.settings.webhook_url = f"http://127.0.0.1:{port}/telegram/webhook"
    async with serving(kit, api, webhook=True, service=service):
        yield service


async def post(kit: Kit, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with httpx.AsyncClient() as client:
        response = await client.post(
            kit.app.settings.webhook_url or "", content=json.dumps(update), headers=headers
        )
    return response.status_code


@contextlib.contextmanager
def inbox_inserts_fail(engine: Engine, times: int) -> Iterator[list[str]]:
    """The database refuses the next ``times`` inbox inserts, as a locked or lost one does."""
    refused: list[str] = []

    def before_execute(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if (
            statement.lstrip().upper().startswith("INSERT INTO INBOUNDUPDATE")
            and len(refused) < times
        ):
            refused.append(statement)
            raise OperationalError(statement, params, Exception("database is locked"))

    event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield refused
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)


async def test_the_whole_dialogue_works_by_webhook(kit: Kit, api: FakeBotApi) -> None:
    async with webhook_service(kit, api) as service:
        plan_and_wake(kit, service)
        reminder = await next_message(api, OFFICIAL, 0)
        api.send_user_message(OFFICIAL, "đạt 80% rồi", reply_to_message_id=reminder.message_id)
        confirm = await next_message(api, OFFICIAL, 1)
        assert "80%" in (confirm.text or "")
        api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
    [update] = progress_updates(kit.engine)
    assert update.percent == 80.0
    assert len(api.callback_answers()) == 1
    assert all(d.status == 200 for d in api.webhook_deliveries())


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_kept(
    kit: Kit, api: FakeBotApi
) -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1_763_430_000,
            "text": "I.1 xong",
            "chat": {"id": OFFICIAL, "type": "private", "first_name": "Bình"},
            "from": {"id": OFFICIAL, "is_bot": False, "first_name": "Bình"},
        },
    }
    async with webhook_service(kit, api):
        assert await post(kit, update, None) == 403
        assert await post(kit, update, "wrong") == 403
        assert await post(kit, update, SECRET[:-1]) == 403
        assert await post(kit, update, "") == 403
        assert inbox_rows(kit.engine) == []
        assert await post(kit, update, SECRET) == 200  # the same update, from Telegram
        assert len(inbox_rows(kit.engine)) == 1


async def test_an_update_is_answered_200_only_once_it_is_stored(kit: Kit, api: FakeBotApi) -> None:
    async with webhook_service(kit, api):
        with inbox_inserts_fail(kit.engine, times=2) as refused:
            update = api.send_user_message(STRANGER, "xin chào")
            [answer] = await api.wait_for_sent(1, chat_id=STRANGER)
        assert len(refused) == 2
        assert "liên hệ văn phòng" in (answer.text or "")
    deliveries = [d.status for d in api.webhook_deliveries() if d.update_id == update["update_id"]]
    assert deliveries == [503, 503, 200]  # redelivered until it was kept
    [row] = inbox_rows(kit.engine)
    assert row.update_id == str(update["update_id"]) and row.state == "done"
    assert len(api.sent_messages(STRANGER)) == 1


async def test_a_redelivered_update_is_handled_once(kit: Kit, api: FakeBotApi) -> None:
    async with webhook_service(kit, api):
        update = api.send_user_message(STRANGER, "xin chào")
        await api.wait_for_sent(1, chat_id=STRANGER)
        # Telegram did not see our 200 (a timeout) and delivers the same update again.
        assert await post(kit, update, SECRET) == 200
        assert await post(kit, update, SECRET) == 200
        later = api.send_user_message(STRANGER, "có ai không?")
        await api.wait_for_sent(2, chat_id=STRANGER)
        await wait_until(
            lambda: all(r.state == "done" for r in inbox_rows(kit.engine)),
            what="the inbox to be handled",
        )
    assert [r.update_id for r in inbox_rows(kit.engine)] == [
        str(update["update_id"]),
        str(later["update_id"]),
    ]
    assert len(replies_to(kit.engine, STRANGER)) == 2
    assert len(api.sent_messages(STRANGER)) == 2


async def test_a_body_that_is_not_an_update_is_refused(kit: Kit, api: FakeBotApi) -> None:
    async with webhook_service(kit, api), httpx.AsyncClient() as client:
        response = await client.post(
            kit.app.settings.webhook_url or "",
            content=b"{not json",
            headers={SECRET_HEADER: SECRET},
        )
    assert response.status_code == 400
    assert inbox_rows(kit.engine) == []
