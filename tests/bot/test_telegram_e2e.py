"""Officials report progress by chatting, over Telegram: python-telegram-bot's Bot and our
TelegramService (long polling) against the local Bot API server, on a real database.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.testing.fake_bot_api import FakeBotApi
from handlers.registration import create_invitation
from models.db import session_scope
from models.tables import ChatLink, Plan
from tests.bot.telegramkit import (
    GROUP,
    NEWCOMER,
    OFFICIAL,
    STRANGER,
    button,
    commune,
    inbox_rows,
    link_telegram,
    new_service,
    next_edit,
    next_message,
    plan_and_wake,
    progress_updates,
    replies_to,
    serving,
)
from tests.botkit import Kit
from tests.plans.factories import TASK_HEADER, TASK_ROWS, add_table, docx_bytes, new_document


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(limits=None) as server:
        yield server


@pytest.fixture
def kit(engine: Engine) -> Kit:
    return commune(engine)


async def test_reminder_button_free_text_and_confirmation_store_the_update(
    kit: Kit, api: FakeBotApi
) -> None:
    async with serving(kit, api) as service:
        plan_and_wake(kit, service)
        reminder = await next_message(api, OFFICIAL, 0)
        assert "I.1" in reminder.text and "30/11/2026" in reminder.text  # type: ignore[operator]
        assert reminder.parse_mode is None

        progress = api.press_button(
            OFFICIAL, reminder.message_id, button(reminder, "Cập nhật tiến độ")
        )
        prompt = await next_message(api, OFFICIAL, 1)
        assert "tiến độ đến nay" in (prompt.text or "")

        api.send_user_message(
            OFFICIAL,
            "đang triển khai được 60%, dự kiến xong 27/11",
            reply_to_message_id=reminder.message_id,
        )
        confirm = await next_message(api, OFFICIAL, 2)
        assert "Tôi hiểu là:" in (confirm.text or "")
        assert "60%" in (confirm.text or "") and "27/11/2026" in (confirm.text or "")
        assert progress_updates(kit.engine) == []  # nothing is stored before the official confirms

        ok = api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        saved = await next_edit(api, OFFICIAL, 0)
        assert saved.message_id == confirm.message_id
        assert "Đã lưu cập nhật nhiệm vụ I.1" in (saved.text or "")

    [update] = progress_updates(kit.engine)
    assert (update.status, update.percent, update.expected_date, update.channel) == (
        "in_progress",
        60.0,
        date(2026, 11, 27),
        "telegram",
    )
    assert kit.task("1").percent == 60.0
    answered = {a.callback_query_id for a in api.callback_answers()}
    assert answered == {progress["callback_query"]["id"], ok["callback_query"]["id"]}
    assert all(row.state == "done" for row in inbox_rows(kit.engine))
    assert api.pending_updates() == []  # every update was acknowledged


async def test_a_reply_to_the_reminder_is_about_its_task(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api) as service:
        plan_and_wake(kit, service)
        reminder = await next_message(api, OFFICIAL, 0)
        # Bình has two open tasks: without the reply the bot would ask which one.
        api.send_user_message(OFFICIAL, "xong rồi", reply_to_message_id=reminder.message_id)
        confirm = await next_message(api, OFFICIAL, 1)
        assert "I.1" in (confirm.text or "") and "đã hoàn thành" in (confirm.text or "")
        api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
    [update] = progress_updates(kit.engine)
    assert update.status == "done" and update.task_id == kit.task("1").id


async def test_done_button_then_confirmation_closes_the_task(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api) as service:
        plan_and_wake(kit, service)
        reminder = await next_message(api, OFFICIAL, 0)
        done = api.press_button(OFFICIAL, reminder.message_id, button(reminder, "Đã xong"))
        confirm = await next_message(api, OFFICIAL, 1)
        assert "Tôi hiểu là:" in (confirm.text or "")
        ok = api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
    [update] = progress_updates(kit.engine)
    assert (update.status, update.percent) == ("done", 100.0)
    assert kit.task("1").status == "done"
    answered = [a.callback_query_id for a in api.callback_answers()]
    assert answered == [done["callback_query"]["id"], ok["callback_query"]["id"]]


async def test_an_invitation_links_a_new_telegram_chat(kit: Kit, api: FakeBotApi) -> None:
    with session_scope(kit.engine) as s:
        token = create_invitation(
            session=s, org_id=kit.org_id, now=kit.clock.now(), post="Chuyên viên"
        )
    async with serving(kit, api):
        api.send_user_message(NEWCOMER, f"/start {token}")
        greet = await next_message(api, NEWCOMER, 0)
        assert "họ và tên" in (greet.text or "")
        api.send_user_message(NEWCOMER, "Lý Thị Mai")
        done = await next_message(api, NEWCOMER, 1)
        assert "Đã đăng ký xong" in (done.text or "") and "Lý Thị Mai" in (done.text or "")
    with session_scope(kit.engine, readonly=True) as s:
        link = s.exec(select(ChatLink).where(ChatLink.chat_id == str(NEWCOMER))).one()
        assert link.channel == "telegram" and link.official_id is not None


async def test_strangers_are_sent_to_the_office_and_strange_groups_hear_nothing(
    kit: Kit, api: FakeBotApi
) -> None:
    async with serving(kit, api):
        api.register_chat(GROUP, "group", title="Nhóm lạ")
        api.send_user_message(GROUP, "I.1 xong rồi nhé", user=OFFICIAL)
        api.send_user_message(STRANGER, "xin chào, tôi là Nguyễn Văn X, 0900000123")
        [answer] = await api.wait_for_sent(1, chat_id=STRANGER)
        assert "liên hệ văn phòng" in (answer.text or "")
        # The group's message came first and is handled: it queued nothing, so nothing
        # will ever reach the group.
        rows = inbox_rows(kit.engine)
        assert [r.state for r in rows] == ["done", "done"]
        assert replies_to(kit.engine, GROUP) == []
    assert api.sent_messages(GROUP) == []
    assert progress_updates(kit.engine) == []
    assert all("0900000123" not in str(r.payload) for r in inbox_rows(kit.engine))


async def test_run_plans_at_start_with_every_job_on_the_event_loop(
    kit: Kit, api: FakeBotApi
) -> None:
    service = new_service(kit, api)
    async with service.bot:
        running = asyncio.create_task(service.run(webhook=False))
        try:
            reminder = await next_message(api, OFFICIAL, 0)  # the start-up planning job's
            assert service.scheduler is not None
            jobs = service.scheduler.get_jobs()
        finally:
            service.stopping.set()
            await running
    assert "I.1" in (reminder.text or "")
    assert {job.id for job in jobs} == {"tick", "plan", "digest", "evidence"}
    # APScheduler runs any other callable in a thread, where an asyncio.Event is not safe to
    # set and a coroutine it returns is never awaited.
    assert all(inspect.iscoroutinefunction(job.func) for job in jobs)


# --- durability ------------------------------------------------------------------------------


async def test_updates_polled_again_after_a_crash_are_handled_once(
    kit: Kit, api: FakeBotApi
) -> None:
    api.send_user_message(STRANGER, "xin chào")
    api.send_user_message(NEWCOMER, "/start")
    first = new_service(kit, api, poll_timeout=0)
    async with first.bot:
        assert await first.poll_once() == 2
        assert await first.handle_once() == 2
        await first.send_once()
    # The process dies here: its next getUpdates, which would have confirmed the offset,
    # never happens, so Telegram sends the same two updates to the next process.
    assert len(api.pending_updates()) == 2
    assert len(api.sent_messages()) == 2

    second = new_service(kit, api, poll_timeout=0)
    async with second.bot:
        assert await second.poll_once() == 2
        assert await second.handle_once() == 0
        assert (await second.send_once()).sent == 0
        await second.poll_once()  # this one moves the offset
    assert api.pending_updates() == []
    assert len(inbox_rows(kit.engine)) == 2
    assert [len(api.sent_messages(c)) for c in (STRANGER, NEWCOMER)] == [1, 1]


async def test_updates_stored_before_a_crash_are_handled_after_the_restart(
    kit: Kit, api: FakeBotApi
) -> None:
    api.send_user_message(STRANGER, "xin chào")
    crashed = new_service(kit, api, poll_timeout=0)
    async with crashed.bot:
        await crashed.poll_once()  # stored; the process dies before handling it
    assert [r.state for r in inbox_rows(kit.engine)] == ["pending"]

    async with serving(kit, api):
        [answer] = await api.wait_for_sent(1, chat_id=STRANGER)
    assert "liên hệ văn phòng" in (answer.text or "")
    assert [r.state for r in inbox_rows(kit.engine)] == ["done"]


# --- files ------------------------------------------------------------------------------------


def plan_docx() -> bytes:
    """A Word plan (15/KH-UBND) with its appendix of three tasks."""
    document = new_document()
    add_table(
        document,
        [TASK_HEADER, *TASK_ROWS],
        repeat_header=1,
        caption="Phụ lục: Phân công thực hiện các nhiệm vụ",
    )
    return docx_bytes(document)


async def test_an_admin_imports_a_plan_by_sending_the_file(kit: Kit, api: FakeBotApi) -> None:
    admin = 700_009
    link_telegram(kit, kit.person("Trang", role="admin", linked=False), admin)
    async with serving(kit, api):
        api.send_user_message(admin, document=("ke-hoach-15.docx", plan_docx()))
        report = await next_message(api, admin, 0)
        assert (report.text or "").startswith("📄 Kế hoạch 15/KH-UBND")
        api.press_button(admin, report.message_id, button(report, "Lưu"))
        done = await next_edit(api, admin, 0)
    assert "Đã lưu" in (done.text or "")
    with session_scope(kit.engine, readonly=True) as s:
        assert {p.number for p in s.exec(select(Plan))} == {"45/KH-UBND", "15/KH-UBND"}
    # Downloaded from Telegram for the report, and again to store it (nothing kept between).
    assert len(api.requests("getFile")) == 2
