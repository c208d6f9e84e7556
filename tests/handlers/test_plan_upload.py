"""An admin sends the plan's Word file in chat: a report first, storage only on confirmation."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from handlers.router import dispatch
from models.db import session_scope
from models.messages import Attachment, Inbound, Outbound
from models.tables import Conversation, OutboxMessage, Plan, Task
from tests.factories import make_official, make_org
from tests.plans.factories import TASK_HEADER, TASK_ROWS, add_table, docx_bytes, new_document

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=VN)
ADMIN, OFFICIAL = "chat-trang", "chat-binh"
_ids = itertools.count(1)


def plan_docx(rows: list[list[str]] = TASK_ROWS) -> bytes:
    document = new_document()
    add_table(
        document,
        [TASK_HEADER, *rows],
        repeat_header=1,
        caption="Phụ lục: Phân công thực hiện các nhiệm vụ",
    )
    return docx_bytes(document)


class Files:
    """A channel's file store: what ``fetch_file`` returns for each id, and every call."""

    def __init__(self, **files: bytes) -> None:
        self.files = dict(files)
        self.fetched: list[str] = []

    def __call__(self, file_id: str) -> bytes:
        self.fetched.append(file_id)
        return self.files[file_id]


@pytest.fixture
def org_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        org = make_org(session, name="Phường Nam Đồng")
        make_official(session, org, name="Lê Thu Trang", role="admin", chat_id=ADMIN)
        make_official(session, org, name="Phạm Văn Bình", chat_id=OFFICIAL)
        assert org.id is not None
        return org.id


def send(
    engine: Engine,
    chat: str,
    fetch: Callable[[str], bytes] | None,
    *,
    file_id: str = "",
    name: str = "ke-hoach.docx",
    size: int | None = None,
    button: str | None = None,
    now: datetime = NOW,
) -> list[Outbound]:
    """Deliver a document (or a button press) from ``chat`` and return the bot's answers."""
    n = str(next(_ids))
    attachment = None
    if file_id:
        known = fetch.files.get(file_id, b"") if isinstance(fetch, Files) else b""
        attachment = Attachment(
            kind="document",
            file_id=file_id,
            file_name=name,
            size=len(known) if size is None else size,
        )
    inbound = Inbound(
        channel="console",
        chat_id=chat,
        user_id=chat,
        message_id=n,
        attachment=attachment,
        button=button,
        button_message_id="m-report" if button else None,
    )
    with session_scope(engine) as session:
        return dispatch(session, inbound, now=now, zone=VN, fetch_file=fetch)


def stored(engine: Engine) -> tuple[int, int]:
    with session_scope(engine, readonly=True) as session:
        return (len(session.exec(select(Plan)).all()), len(session.exec(select(Task)).all()))


def state(engine: Engine, chat: str) -> str:
    with session_scope(engine, readonly=True) as session:
        conv = session.exec(select(Conversation).where(Conversation.chat_id == chat)).first()
        return conv.state if conv else "idle"


def test_an_admins_plan_is_shown_and_stored_only_once_confirmed(
    engine: Engine, org_id: int
) -> None:
    files = Files(f1=plan_docx())

    [report] = send(engine, ADMIN, files, file_id="f1")

    assert report.text.startswith("📄 Kế hoạch 15/KH-UBND")
    assert "• 3 nhiệm vụ" in report.text
    assert "Phòng Văn hóa - Xã hội" in report.text
    assert report.text.endswith("Lưu kế hoạch này?")
    assert [[b.data for b in row] for row in report.buttons] == [["pl:ok", "pl:no"]]
    assert stored(engine) == (0, 0)  # nothing before the admin confirms

    [done] = send(engine, ADMIN, files, button="pl:ok")

    assert "Đã lưu vào Phường Nam Đồng." in done.text
    assert done.edit_of == "m-report"  # the report with its buttons becomes the result
    assert stored(engine) == (1, 3)
    assert files.fetched == ["f1", "f1"]  # read again on confirmation, not kept meanwhile
    assert state(engine, ADMIN) == "idle"
    with session_scope(engine, readonly=True) as session:
        planned = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        assert {row.reason for row in planned} >= {"monthly"}  # reminders are planned at once


def test_sending_the_same_file_again_says_so_and_asks_nothing(engine: Engine, org_id: int) -> None:
    files = Files(f1=plan_docx())
    send(engine, ADMIN, files, file_id="f1")
    send(engine, ADMIN, files, button="pl:ok")

    [again] = send(engine, ADMIN, files, file_id="f1")

    assert "Tệp này đã được nhập trước đây; không có gì thay đổi." in again.text
    assert again.buttons == ()
    assert stored(engine) == (1, 3)


def test_cancel_stores_nothing(engine: Engine, org_id: int) -> None:
    files = Files(f1=plan_docx())
    send(engine, ADMIN, files, file_id="f1")

    [cancelled] = send(engine, ADMIN, files, button="pl:no")

    assert cancelled.text == "Đã hủy, không lưu gì."
    assert stored(engine) == (0, 0)
    [late] = send(engine, ADMIN, files, button="pl:ok")  # the old button, pressed afterwards
    assert late.text == "Không có gì đang chờ xác nhận."
    assert stored(engine) == (0, 0)


def test_a_document_from_an_official_who_is_no_admin_stays_evidence(
    engine: Engine, org_id: int
) -> None:
    files = Files(f1=plan_docx())

    [answer] = send(engine, OFFICIAL, files, file_id="f1")

    assert "minh chứng" in answer.text
    assert files.fetched == []
    assert stored(engine) == (0, 0)


def test_a_corrupt_file_is_refused_in_one_sentence(engine: Engine, org_id: int) -> None:
    files = Files(bad=b"PK\x03\x04" + b"\x00" * 300)

    [answer] = send(engine, ADMIN, files, file_id="bad", name="hong.docx")

    assert answer.text == "Tệp hong.docx bị hỏng hoặc không phải tệp Word/Excel."
    assert answer.buttons == ()
    assert stored(engine) == (0, 0)
    assert state(engine, ADMIN) == "idle"


def test_an_oversized_file_is_refused_before_it_is_downloaded(engine: Engine, org_id: int) -> None:
    files = Files(big=b"")

    [answer] = send(engine, ADMIN, files, file_id="big", name="lon.xlsx", size=30 * 1024 * 1024)

    assert answer.text == "Tệp lon.xlsx quá lớn (30.0 MB); giới hạn là 20.0 MB."
    assert files.fetched == []
    assert stored(engine) == (0, 0)


def test_a_channel_that_cannot_hand_over_files_says_how_to_import(
    engine: Engine, org_id: int
) -> None:
    [answer] = send(engine, ADMIN, None, file_id="f1")

    assert "python -m bot import" in answer.text
    assert stored(engine) == (0, 0)


def test_a_file_that_changed_before_confirmation_is_not_stored(
    engine: Engine, org_id: int
) -> None:
    files = Files(f1=plan_docx())
    send(engine, ADMIN, files, file_id="f1")
    files.files["f1"] = plan_docx(TASK_ROWS[:2])

    [answer] = send(engine, ADMIN, files, button="pl:ok")

    assert "chưa lưu gì" in answer.text
    assert stored(engine) == (0, 0)


def test_a_revision_sent_in_chat_replans_the_reminders_it_changes(
    engine: Engine, org_id: int
) -> None:
    files = Files(v1=plan_docx())
    send(engine, ADMIN, files, file_id="v1")
    send(engine, ADMIN, files, button="pl:ok")
    # The revision moves I.1 from "Quý I/2026" to "Quý II/2026" and drops II.1.
    revised = [list(row) for row in TASK_ROWS[:-1]]
    revised[1][6] = "Quý II/2026"
    files.files["v2"] = plan_docx(revised)

    [report] = send(engine, ADMIN, files, file_id="v2")
    assert "Đây là bản sửa đổi của kế hoạch đã lưu" in report.text
    [done] = send(engine, ADMIN, files, button="pl:ok")

    assert "Bản sửa đổi: thêm 0, cập nhật 2, bỏ 1 nhiệm vụ" in done.text
    with session_scope(engine, readonly=True) as session:
        tasks = {t.title: t for t in session.exec(select(Task))}
        first = tasks["Xây dựng kế hoạch chuyển đổi số năm 2026"]
        dropped = tasks[TASK_ROWS[-1][1]]
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    mine = [
        (r.reason, r.state, (r.payload or {}).get("due_date"))
        for r in rows
        if r.task_id == first.id
    ]
    # The warnings before 31/3 no longer hold; the month's nudges still do (same key, revived).
    assert {s for reason, s, due in mine if due == "2026-03-31" and reason != "monthly"} == {
        "cancelled"
    }
    assert {s for reason, s, _ in mine if reason == "monthly"} == {"pending"}
    assert dropped.removed_at is not None
    assert {r.state for r in rows if r.task_id == dropped.id} <= {"cancelled"}


def test_a_file_that_cannot_be_downloaded_is_asked_for_again(engine: Engine, org_id: int) -> None:
    files = Files()  # the channel lost it: fetching raises

    [answer] = send(engine, ADMIN, files, file_id="gone", size=1000)

    assert answer.text == "Không tải được tệp ke-hoach.docx; hãy gửi lại."
    assert stored(engine) == (0, 0)
