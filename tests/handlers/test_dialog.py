"""Whole dialogues through the real inbox, handlers, planner, outbox and sender."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.inbox import process_pending, store
from handlers.registration import create_invitation
from models.db import session_scope
from models.messages import Attachment, Inbound
from models.tables import (
    ChatLink,
    Evidence,
    InboundUpdate,
    Official,
    OutboxMessage,
    ProgressUpdate,
    Task,
    Unit,
)
from plans.draft import PersonRef
from tests.botkit import KT, VH, VN, Kit, at, draft_task, texts

LEADER = PersonRef(
    "Đỗ Minh Tuấn", "Phó Chủ tịch UBND phường", "Đồng chí Đỗ Minh Tuấn, Phó Chủ tịch UBND phường"
)


@pytest.fixture
def kit(engine: Engine) -> Kit:
    kit = Kit(engine, at(2026, 11, 16))
    kit.import_plan(
        [
            draft_task(
                "I",
                "1",
                "Xây dựng báo cáo sơ kết Nghị quyết 57",
                due=date(2026, 11, 30),
                directing=LEADER,
            ),
            draft_task(
                "I",
                "2",
                "Tổ chức tập huấn kỹ năng số cho cán bộ",
                due=date(2026, 12, 31),
                directing=LEADER,
            ),
            draft_task("II", "1", "Nâng cấp máy tính bộ phận một cửa", KT, due=date(2026, 12, 15)),
        ]
    )
    kit.person("Bình", unit=VH)
    kit.person("Cường", unit=KT)
    kit.person("Đỗ Minh Tuấn", role="leader")
    kit.person("Hùng", role="leader", chair=True)
    kit.person("Trang", role="admin")
    return kit


def updates(kit: Kit) -> list[ProgressUpdate]:
    with session_scope(kit.engine, readonly=True) as s:
        return list(s.exec(select(ProgressUpdate).where(ProgressUpdate.org_id == kit.org_id)))


def test_reply_to_a_reminder_is_understood_confirmed_and_stored(kit: Kit) -> None:
    sent = kit.move(at(2026, 11, 18))
    reminder = [m for who, m in sent if who == "Bình"]
    assert reminder and "I.1" in reminder[0].text and "30/11/2026" in reminder[0].text
    answer = kit.say("Bình", "đang triển khai được 60%, dự kiến xong 27/11", reply=True)
    assert "Tôi hiểu là:" in answer[0].text
    assert "I.1" in answer[0].text and "60%" in answer[0].text and "27/11/2026" in answer[0].text
    assert updates(kit) == []  # nothing is stored before the official confirms
    done = kit.press("Bình", "Đúng, lưu lại")
    assert "Đã lưu cập nhật nhiệm vụ I.1" in done[0].text
    [update] = updates(kit)
    assert (update.status, update.percent, update.expected_date) == (
        "in_progress",
        60.0,
        date(2026, 11, 27),
    )
    task = kit.task("1")
    assert task.status == "in_progress" and task.percent == 60.0


def test_done_button_stops_the_reminders_of_that_task(kit: Kit) -> None:
    kit.move(at(2026, 11, 18))
    kit.press("Bình", "Đã xong")
    kit.press("Bình", "Đúng, lưu lại")
    assert kit.task("1").status == "done"
    later = kit.move(at(2026, 11, 27))  # due_1 for 30/11 would be on 27/11
    assert not any("I.1." in m.text for who, m in later if who == "Bình")
    with session_scope(kit.engine, readonly=True) as s:
        pending = s.exec(
            select(OutboxMessage).where(
                OutboxMessage.task_id == kit.task("1").id, OutboxMessage.state == "pending"
            )
        ).all()
    assert pending == []


def test_progress_button_asks_then_reads_the_answer(kit: Kit) -> None:
    kit.move(at(2026, 11, 18))
    prompt = kit.press("Bình", "Cập nhật tiến độ")
    assert "tiến độ đến nay" in prompt[0].text
    answer = kit.say("Bình", "dc 3/4 khoi luong roi")
    assert "75%" in answer[0].text
    kit.press("Bình", "Đúng, lưu lại")
    assert updates(kit)[0].percent == 75.0


def test_blocker_button_keeps_the_text_as_the_blocker(kit: Kit) -> None:
    kit.move(at(2026, 11, 18))
    kit.press("Bình", "Báo vướng mắc")
    answer = kit.say("Bình", "Chưa có kinh phí in tài liệu")
    assert "Vướng mắc: Chưa có kinh phí in tài liệu" in answer[0].text
    kit.press("Bình", "Đúng, lưu lại")
    [update] = updates(kit)
    assert update.blocker == "Chưa có kinh phí in tài liệu"
    assert kit.task("1").status == "blocked"


def test_extension_goes_to_the_directing_leader_and_approval_moves_the_deadline(kit: Kit) -> None:
    kit.move(at(2026, 11, 18))
    kit.say("Bình", "I.1 xin gia hạn đến 15/12/2026 vì chờ số liệu của thành phố")
    kit.press("Bình", "Đúng, lưu lại")
    leader = kit.received("Đỗ Minh Tuấn")
    assert "xin gia hạn nhiệm vụ I.1" in leader[0].text and "15/12/2026" in leader[0].text
    kit.press("Đỗ Minh Tuấn", "Đồng ý")
    task = kit.task("1")
    assert task.due_date == date(2026, 12, 15) and task.original_due_date == date(2026, 11, 30)
    told = kit.received("Bình")
    assert any("đồng ý gia hạn nhiệm vụ I.1 đến 15/12/2026" in m.text for m in told)
    # The old ladder is gone; the new date gets its own reminders.
    on_old_day = kit.move(at(2026, 11, 27))
    assert not any("30/11/2026" in m.text for who, m in on_old_day if who == "Bình")
    day_before_new = kit.move(at(2026, 12, 14))
    assert any(
        "I.1." in m.text and "15/12/2026" in m.text for who, m in day_before_new if who == "Bình"
    )


def test_only_the_directing_leader_may_decide_an_extension(kit: Kit) -> None:
    kit.move(at(2026, 11, 18))
    kit.say("Bình", "I.1 xin gia hạn đến 15/12/2026")
    kit.press("Bình", "Đúng, lưu lại")
    [request] = kit.received("Đỗ Minh Tuấn")
    approve = next(b.data for row in request.buttons for b in row if b.data.startswith("xa:"))
    # The official tries the leader's button data in their own chat.
    kit.console._receive(
        Inbound(
            channel="console",
            chat_id=kit.chats["Bình"],
            user_id=kit.chats["Bình"],
            button=approve,
            callback_id="x",
        )
    )
    answer = kit.received("Bình")
    assert "Chỉ lãnh đạo chỉ đạo nhiệm vụ" in answer[0].text
    assert kit.task("1").due_date == date(2026, 11, 30)


def test_snooze_until_tomorrow_moves_the_reminder(kit: Kit) -> None:
    kit.move(at(2026, 11, 24))  # due_3 for 30/11 (Wednesday 25th) is tomorrow
    kit.move(at(2026, 11, 25))
    kit.press("Bình", "Nhắc lại sau")
    answer = kit.press("Bình", "Ngày mai")
    assert "26/11/2026" in answer[0].text
    assert not any(who == "Bình" for who, _ in kit.move(at(2026, 11, 25, 16, 0)))
    next_day = kit.move(at(2026, 11, 26, 8, 35))
    assert any(who == "Bình" and "I.1." in m.text for who, m in next_day)


def test_undo_restores_the_task_as_before(kit: Kit) -> None:
    kit.say("Bình", "I.1 đang làm 40%")
    kit.press("Bình", "Đúng, lưu lại")
    kit.say("Bình", "I.1 xong rồi")
    kit.press("Bình", "Đúng, lưu lại")
    assert kit.task("1").status == "done"
    answer = kit.say("Bình", "/undo")
    assert "Đã hoàn tác" in answer[0].text
    task = kit.task("1")
    assert (task.status, task.percent) == ("in_progress", 40.0)


def test_free_text_without_a_task_asks_which_one(kit: Kit) -> None:
    answer = kit.say("Bình", "đang làm 50%")
    assert "Đồng chí báo cáo cho nhiệm vụ nào?" in answer[0].text
    assert updates(kit) == []
    confirm = kit.press("Bình", "I.2")
    assert "I.2" in confirm[0].text and "50%" in confirm[0].text
    kit.press("Bình", "Đúng, lưu lại")
    assert kit.task("2").percent == 50.0


def test_words_of_the_task_find_it(kit: Kit) -> None:
    answer = kit.say("Bình", "tập huấn kỹ năng số đã mở được 2 lớp, đạt 30%")
    assert "I.2" in answer[0].text and "30%" in answer[0].text


def test_an_official_with_one_task_needs_no_number(kit: Kit) -> None:
    answer = kit.say("Cường", "da xong")
    assert "II.1" in answer[0].text and "đã hoàn thành" in answer[0].text


def test_cancel_and_fix_store_nothing(kit: Kit) -> None:
    kit.say("Bình", "I.1 xong")
    assert "Đã hủy" in kit.press("Bình", "Hủy")[0].text
    kit.say("Bình", "I.1 xong")
    assert "gửi lại nội dung" in kit.press("Bình", "Sửa")[0].text
    again = kit.say("Bình", "à chưa, mới được 20%")
    assert "20%" in again[0].text
    assert updates(kit) == []


def test_tasks_lists_my_open_tasks_by_due_date(kit: Kit) -> None:
    answer = kit.say("Bình", "/tasks")
    text = answer[0].text
    assert text.index("I.1.") < text.index("I.2.")
    assert "II.1" not in text  # another unit's task


def test_task_shows_one_task_with_its_history(kit: Kit) -> None:
    kit.say("Bình", "I.2 đang làm 30%")
    kit.press("Bình", "Đúng, lưu lại")
    answer = kit.say("Bình", "/task I.2")
    assert "Tổ chức tập huấn" in answer[0].text and "30%" in answer[0].text
    assert "Bình" in answer[0].text
    missing = kit.say("Bình", "/task II.1")
    assert "Không tìm thấy nhiệm vụ" in missing[0].text


def test_summary_is_for_leaders_and_shows_what_they_direct(kit: Kit) -> None:
    refused = kit.say("Bình", "/summary")
    assert "dành cho lãnh đạo" in refused[0].text
    mine = kit.say("Đỗ Minh Tuấn", "/summary")[0].text
    assert "Tổng số 2 nhiệm vụ" in mine  # the two tasks he directs
    everything = kit.say("Hùng", "/summary")[0].text
    assert "Tổng số 3 nhiệm vụ" in everything  # the chair sees the whole organization
    assert "yêu cầu ≥ 90%" in everything


def test_invite_is_for_admins(kit: Kit) -> None:
    refused = kit.say("Bình", "/invite Phòng Kinh tế")
    assert "Chỉ văn phòng" in refused[0].text
    link = kit.say("Trang", "/invite Phòng Kinh tế, Hạ tầng và Đô thị")[0].text
    assert "/start " in link


def test_invitation_links_a_new_chat_once(kit: Kit) -> None:
    with session_scope(kit.engine) as s:
        token = create_invitation(
            session=s, org_id=kit.org_id, now=kit.clock.now(), post="Chuyên viên"
        )
    greet = kit.say("new-phone", f"/start {token}")
    assert "họ và tên" in greet[0].text
    done = kit.say("new-phone", "Lý Thị Mai")
    assert "Đã đăng ký xong" in done[0].text and "Lý Thị Mai" in done[0].text
    again = kit.say("other-phone", f"/start {token}")
    assert "không còn hiệu lực" in again[0].text
    with session_scope(kit.engine, readonly=True) as s:
        assert s.exec(select(ChatLink).where(ChatLink.chat_id == "other-phone")).first() is None


def test_expired_invitation_is_refused(kit: Kit) -> None:
    with session_scope(kit.engine) as s:
        official = s.exec(select(Official).where(Official.name == "Bình")).one()
        token = create_invitation(
            session=s,
            org_id=kit.org_id,
            now=kit.clock.now(),
            official=official,
            ttl=timedelta(days=1),
        )
    kit.clock.set(kit.clock.now() + timedelta(days=2))
    answer = kit.say("late-phone", f"/start {token}")
    assert "không còn hiệu lực" in answer[0].text


# --- hostile and unusual input ------------------------------------------------------------


def test_unknown_person_is_told_to_contact_the_admin_and_nothing_is_kept(kit: Kit) -> None:
    answer = kit.say("stranger", "xin chào, tôi là Nguyễn Văn X, số điện thoại 0900000123")
    assert "liên hệ văn phòng" in answer[0].text
    with session_scope(kit.engine, readonly=True) as s:
        assert s.exec(select(Official).where(Official.name.contains("X"))).all() == []  # type: ignore[attr-defined]
        stored = s.exec(select(InboundUpdate)).all()
        assert all("0900000123" not in str(row.payload) for row in stored)


def test_unregistered_group_is_silent_on_chatter_and_shows_no_tasks(kit: Kit) -> None:
    bình = kit.chats["Bình"]

    def group(text: str) -> list[str]:
        kit.console._receive(
            Inbound(channel="console", chat_id="-100", user_id=bình, text=text, is_group=True)
        )
        return [m.text for who, m in kit.new() if who == "-100"]

    assert group("I.1 xong rồi nhé") == []
    answer = group("/tasks")
    assert len(answer) == 1 and "chưa được đăng ký" in answer[0]
    assert "I.1" not in answer[0]
    assert updates(kit) == []


def test_a_thousand_lines_are_refused_whole(kit: Kit) -> None:
    answer = kit.say("Bình", "I.1 xong\n" * 1000)
    assert "quá dài" in answer[0].text
    assert updates(kit) == []


def test_markup_in_names_and_replies_is_plain_text_and_harmless(kit: Kit) -> None:
    name = "<b>Bà</b> *Ba*_"
    kit.person(name, unit=VH)
    reply = "I.1 xin gia hạn đến 20/12/2026, vướng mắc: <script>alert(1)</script> `x`"
    answer = kit.say(name, reply)
    assert "Tôi hiểu là:" in answer[0].text and "<script>" not in answer[0].text
    kit.press(name, "Đúng, lưu lại")
    assert updates(kit)[0].raw_text == reply  # what they wrote is kept as written
    request = kit.received("Đỗ Minh Tuấn")
    assert name in request[0].text  # names go out verbatim: messages are sent as plain text


def test_unknown_command_points_to_help(kit: Kit) -> None:
    answer = kit.say("Bình", "/xoa_het")
    assert "/help" in answer[0].text


def test_the_same_update_delivered_twice_is_handled_once(kit: Kit) -> None:
    inbound = Inbound(
        channel="console", chat_id=kit.chats["Bình"], user_id=kit.chats["Bình"], text="I.1 xong"
    )
    now = kit.clock.now()
    assert store(kit.engine, channel="console", update_id="777", inbound=inbound, now=now)
    assert not store(kit.engine, channel="console", update_id="777", inbound=inbound, now=now)
    process_pending(kit.engine, now=now, zone=VN)
    process_pending(kit.engine, now=now, zone=VN)
    with session_scope(kit.engine, readonly=True) as s:
        replies = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
    assert len(replies) == 1


def test_a_document_after_an_update_is_kept_as_its_evidence(kit: Kit) -> None:
    kit.say("Bình", "I.1 xong")
    kit.press("Bình", "Đúng, lưu lại")
    kit.console._receive(
        Inbound(
            channel="console",
            chat_id=kit.chats["Bình"],
            user_id=kit.chats["Bình"],
            attachment=Attachment(
                kind="document",
                file_id="f-1",
                file_name="bao_cao.pdf",
                mime_type="application/pdf",
                size=1234,
            ),
        )
    )
    assert "minh chứng cho nhiệm vụ I.1" in texts(kit.received("Bình"))
    with session_scope(kit.engine, readonly=True) as s:
        [evidence] = s.exec(select(Evidence)).all()
        update = s.get(ProgressUpdate, evidence.update_id)
        assert update is not None and update.task_id == kit.task("1").id
        assert evidence.file_name == "bao_cao.pdf"


def test_english_speaker_switches_language(kit: Kit) -> None:
    kit.say("Bình", "/lang en")
    answer = kit.say("Bình", "/tasks")
    assert "Open tasks" in answer[0].text


def test_reminders_wait_for_working_hours(kit: Kit) -> None:
    kit.tick()  # plans; the first reminders are for 18/11 08:30
    # The bot was down on the 18th and comes back at 06:00 on the 19th: nothing before 08:00.
    assert kit.move(at(2026, 11, 19, 6, 0)) == []
    assert [who for who, _ in kit.move(at(2026, 11, 19, 8, 1))] == ["Bình"]


def test_a_unit_nobody_registered_for_is_reported_to_the_admins(engine: Engine) -> None:
    kit = Kit(engine, at(2026, 11, 16))
    kit.import_plan([draft_task("I", "1", "Nâng cấp máy tính", KT, due=date(2026, 11, 30))])
    kit.person("Trang", role="admin")
    sent = kit.move(at(2026, 11, 18))
    assert [who for who, _ in sent] == ["Trang"]
    assert "Chưa có cán bộ nào của Phòng Kinh tế, Hạ tầng và Đô thị" in sent[0][1].text
    with session_scope(engine, readonly=True) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert rows and all(r.state == "unreachable" for r in rows if r.state != "pending")


def test_a_task_a_leader_does_not_direct_is_not_in_his_summary(kit: Kit) -> None:
    with session_scope(kit.engine, readonly=True) as s:
        task = s.exec(select(Task).where(Task.stt == "1", Task.section == "II")).one()
    assert task.directing_official_id is None


def test_from_invitation_to_a_confirmed_update_without_typing_a_command(kit: Kit) -> None:
    """The phone sends /start itself when the link is opened; the rest is buttons and words."""
    with session_scope(kit.engine) as s:
        unit = s.exec(select(Unit).where(Unit.key == VH.key)).one()
        token = create_invitation(session=s, org_id=kit.org_id, now=kit.clock.now(), unit=unit)
    kit.say("phone", f"/start {token}")  # what Telegram sends when the link is opened
    welcome = kit.say("phone", "Lý Thị Mai")
    assert "Đã đăng ký xong" in welcome[0].text and "I.1" in welcome[0].text
    prompt = kit.press("phone", "📝 I.1")
    assert "I.1" in prompt[0].text
    kit.say("phone", "đang làm 50%")
    kit.press("phone", "Đúng, lưu lại")
    [update] = updates(kit)
    assert update.percent == 50.0 and update.task_id == kit.task("1").id


def test_a_group_registered_to_a_unit_by_an_admin_shows_that_units_tasks(kit: Kit) -> None:
    bình, trang = kit.chats["Bình"], kit.chats["Trang"]

    def group(user: str, text: str) -> list[str]:
        kit.console._receive(
            Inbound(channel="console", chat_id="-200", user_id=user, text=text, is_group=True)
        )
        return [m.text for who, m in kit.new() if who == "-200"]

    refused = group(bình, "/group Phòng Văn hóa - Xã hội")
    assert "Chỉ văn phòng" in refused[0]
    assert "chưa được đăng ký" in group(bình, "/tasks")[0]
    done = group(trang, "/group Phòng VH-XH")
    assert "đã được đăng ký cho Phòng Văn hóa - Xã hội" in done[0]
    listed = group(bình, "/tasks")
    assert "I.1." in listed[0] and "II.1" not in listed[0]
    assert group("stranger", "chào cả nhà") == []  # strangers' chatter gets no answer
