"""Unusual and hostile input over Telegram: every message gets a clear answer, nothing breaks,
and markup is shown as typed (the bot sends plain text, never a parse_mode).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.channels.telegram import split_text
from bot.jobs import fetch_evidence_job
from bot.testing.fake_bot_api import FakeBotApi
from models.db import session_scope
from models.messages import Outbound
from models.tables import Evidence
from tests.bot.telegramkit import (
    OFFICIAL,
    STRANGER,
    button,
    commune,
    link_telegram,
    next_edit,
    next_message,
    progress_updates,
    serving,
)
from tests.botkit import VH, Kit

MARKED = 700_004
MARKED_NAME = "<b>Bà</b> *Ba*_ `Tư`"
PDF = b"%PDF-1.4\n% quyet dinh so 12/QD-UBND\n%%EOF\n"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(limits=None) as server:
        yield server


@pytest.fixture
def kit(engine: Engine) -> Kit:
    return commune(engine)


async def test_a_very_long_message_is_refused_whole(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api):
        api.send_user_message(OFFICIAL, "I.1 đã xong. " + "Chi tiết. " * 500)  # 5,013 chars
        answer = await next_message(api, OFFICIAL, 0)
    assert "quá dài" in (answer.text or "")
    assert progress_updates(kit.engine) == []


async def test_markup_in_names_and_replies_goes_out_as_typed(kit: Kit, api: FakeBotApi) -> None:
    link_telegram(kit, kit.person(MARKED_NAME, unit=VH, linked=False), MARKED)
    reply = "I.1 vướng mắc: <b>chưa</b> có *kinh phí* _in_ `tài liệu` <script>x</script>"
    async with serving(kit, api):
        api.send_user_message(MARKED, "/start")
        greet = await next_message(api, MARKED, 0)
        api.send_user_message(MARKED, reply)
        confirm = await next_message(api, MARKED, 1)
        api.press_button(MARKED, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, MARKED, 0)
    assert MARKED_NAME in (greet.text or "")
    assert "Vướng mắc: chưa có kinh phí in tài liệu" in (confirm.text or "")
    assert {m.parse_mode for m in api.sent_messages()} == {None}
    [update] = progress_updates(kit.engine)
    assert update.raw_text == reply and update.status == "blocked"


async def test_an_unknown_command_points_to_help(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api):
        api.send_user_message(OFFICIAL, "/xoa_het_du_lieu@dondoc_test_bot")
        answer = await next_message(api, OFFICIAL, 0)
    assert "/help" in (answer.text or "") and "/xoa_het_du_lieu" in (answer.text or "")


async def test_a_message_with_nothing_to_read_is_answered(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api):
        api.send_user_message(OFFICIAL, "")  # a sticker, a location: no text, no file
        answer = await next_message(api, OFFICIAL, 0)
    assert "chỉ đọc được chữ, ảnh và tệp" in (answer.text or "")


async def test_a_photo_with_a_caption_is_a_report_with_its_evidence(
    kit: Kit, api: FakeBotApi
) -> None:
    async with serving(kit, api):
        sent = api.send_user_message(OFFICIAL, "I.1 đang làm 50%", photo=b"\xff\xd8jpeg")
        confirm = await next_message(api, OFFICIAL, 0)
        assert "50%" in (confirm.text or "") and "Minh chứng: 1 tệp" in (confirm.text or "")
        api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
        api.send_user_message(STRANGER, "ảnh hiện trường", photo=b"\xff\xd8jpeg")
        stranger = await next_message(api, STRANGER, 0)
    assert "liên hệ văn phòng" in (stranger.text or "")
    with session_scope(kit.engine, readonly=True) as s:
        [evidence] = s.exec(select(Evidence)).all()
    assert evidence.kind == "photo"
    assert evidence.channel_file_id == sent["message"]["photo"][-1]["file_id"]


async def test_a_document_after_an_update_is_kept_and_fetched_later(
    kit: Kit, api: FakeBotApi
) -> None:
    async with serving(kit, api) as service:
        api.send_user_message(OFFICIAL, "I.1 xong rồi")
        confirm = await next_message(api, OFFICIAL, 0)
        api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
        sent = api.send_user_message(OFFICIAL, document=("quyet_dinh.pdf", PDF))
        kept = await next_message(api, OFFICIAL, 1)
        assert "minh chứng cho nhiệm vụ I.1" in (kept.text or "")

        # What the evidence job does every few minutes: fetch the file while Telegram has it.
        assert await fetch_evidence_job(kit.engine, service.transport.fetch_file) == 1
        assert await fetch_evidence_job(kit.engine, service.transport.fetch_file) == 0

    with session_scope(kit.engine, readonly=True) as s:
        [evidence] = s.exec(select(Evidence)).all()
    assert evidence.channel_file_id == sent["message"]["document"]["file_id"]
    assert (evidence.kind, evidence.file_name, evidence.mime_type) == (
        "document",
        "quyet_dinh.pdf",
        "application/pdf",
    )
    assert evidence.content == PDF and evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert len(api.requests("getFile")) == 1


async def test_a_file_telegram_no_longer_has_stays_pending(kit: Kit, api: FakeBotApi) -> None:
    async with serving(kit, api) as service:
        api.send_user_message(OFFICIAL, "I.1 xong rồi")
        confirm = await next_message(api, OFFICIAL, 0)
        api.press_button(OFFICIAL, confirm.message_id, button(confirm, "Đúng, lưu lại"))
        await next_edit(api, OFFICIAL, 0)
        api.fail_next(400, method="getFile", description="Bad Request: invalid file_id")
        api.send_user_message(OFFICIAL, document=("bao_cao.pdf", PDF))
        await next_message(api, OFFICIAL, 1)
        assert await fetch_evidence_job(kit.engine, service.transport.fetch_file) == 0
        assert await fetch_evidence_job(kit.engine, service.transport.fetch_file) == 1
    with session_scope(kit.engine, readonly=True) as s:
        [evidence] = s.exec(select(Evidence)).all()
    assert evidence.content == PDF


async def test_an_answer_longer_than_telegram_allows_goes_in_parts(
    kit: Kit, api: FakeBotApi
) -> None:
    text = "\n".join(f"{n}. Nhiệm vụ số {n} của phường, hạn 31/12/2026 🗓" for n in range(150))
    async with serving(kit, api) as service:
        outcome = await service.transport.send(str(OFFICIAL), Outbound(text=text))
    assert outcome.ok
    parts = api.sent_messages(OFFICIAL)
    assert len(parts) == len(split_text(text)) > 1
    assert "\n".join(p.text or "" for p in parts) == text
    assert outcome.message_id == str(parts[-1].message_id)
