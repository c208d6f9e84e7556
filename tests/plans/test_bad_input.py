"""Bad input is refused with one clear sentence, and nothing is imported."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from plans import errors, reader
from plans.errors import ImportRefused
from plans.reader import read_plan
from tests.plans.factories import (
    TASK_HEADER,
    TASK_ROWS,
    add_sheet,
    add_table,
    docx_bytes,
    encrypted_office_file,
    legacy_doc_file,
    legacy_xls_file,
    new_document,
    save_xlsx,
)


def good_docx() -> bytes:
    document = new_document()
    add_table(document, [TASK_HEADER, *TASK_ROWS], repeat_header=1)
    return docx_bytes(document)


def refusal(data: bytes, name: str, *, max_bytes: int = reader.MAX_BYTES) -> ImportRefused:
    with pytest.raises(ImportRefused) as refused:
        read_plan(data=data, name=name, max_bytes=max_bytes)
    return refused.value


def test_a_good_document_is_read() -> None:
    assert len(read_plan(data=good_docx(), name="kh.docx").tasks) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut off in transit: no zip directory
        lambda data: b"PK\x03\x04" + b"\x00" * 200,  # a zip signature and nothing else
        lambda data: b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 300,  # a picture renamed .docx
    ],
)
def test_a_corrupt_word_file_is_refused(damage: Callable[[bytes], bytes]) -> None:
    refused = refusal(damage(good_docx()), "ke-hoach.docx")

    assert refused.msgid == errors.CORRUPT
    assert refused.render("vi") == ("Tệp ke-hoach.docx bị hỏng hoặc không phải tệp Word/Excel.")


def test_a_word_package_with_broken_xml_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document><unclosed>")

    assert refusal(buffer.getvalue(), "kh.docx").msgid == errors.CORRUPT


def test_a_password_protected_file_is_refused() -> None:
    refused = refusal(encrypted_office_file(), "bao-mat.xlsx")

    assert refused.msgid == errors.ENCRYPTED
    assert "mật khẩu" in refused.render("vi")


@pytest.mark.parametrize(
    ("data", "name"),
    [(legacy_doc_file(), "ke-hoach.doc"), (legacy_xls_file(), "ke-hoach.xls")],
)
def test_a_legacy_office_file_is_refused_with_advice(data: bytes, name: str) -> None:
    refused = refusal(data, name)

    assert refused.msgid == errors.LEGACY_FORMAT
    assert ".docx" in refused.render("vi")
    assert ".xlsx" in refused.render("vi")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "lon.docx"
    path.write_bytes(good_docx())

    with pytest.raises(ImportRefused) as refused:
        read_plan(path, max_bytes=1024)

    assert refused.value.msgid == errors.TOO_BIG
    assert refused.value.params["name"] == "lon.docx"
    assert refusal(good_docx(), "lon.docx", max_bytes=1024).msgid == errors.TOO_BIG


def bomb(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_disguised_as_a_word_file_is_refused() -> None:
    data = bomb({"word/document.xml": b"\0" * (8 * 1024 * 1024), "[Content_Types].xml": b"x"})
    assert len(data) < 64 * 1024  # small on the wire, huge once inflated

    refused = refusal(data, "ke-hoach.docx")

    assert refused.msgid == errors.ZIP_BOMB


def test_a_package_with_too_many_entries_is_refused() -> None:
    entries = {f"xl/worksheets/sheet{i}.xml": b"<x/>" for i in range(reader.MAX_ZIP_ENTRIES + 1)}
    entries["xl/workbook.xml"] = b"<workbook/>"

    assert refusal(bomb(entries), "ke-hoach.xlsx").msgid == errors.ZIP_BOMB


def test_a_package_too_big_once_inflated_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = good_docx()
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED", 4096)

    assert refusal(data, "kh.docx").msgid == errors.ZIP_BOMB


def test_a_word_file_without_an_appendix_is_not_a_plan() -> None:
    document = new_document(prose=["Công văn về việc báo cáo kết quả tháng 9.", "Trân trọng."])

    refused = refusal(docx_bytes(document), "cong-van.docx")

    assert refused.msgid == errors.NO_TABLE
    assert refused.render("vi") == (
        "Không tìm thấy bảng phụ lục phân công nhiệm vụ trong tệp cong-van.docx; chưa nhập gì."
    )


def test_a_sheet_without_a_recognisable_header_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    add_sheet(
        book,
        "Danh sách",
        [
            ["Họ tên", "Số điện thoại", "Email"],
            ["Nguyễn Văn An", "0912345678", "an@example.vn"],
            ["Trần Thị Bình", "0987654321", "binh@example.vn"],
        ],
    )
    path = save_xlsx(book, tmp_path / "danh-ba.xlsx")

    with pytest.raises(ImportRefused) as refused:
        read_plan(path)

    assert refused.value.msgid == errors.NO_HEADER
    assert "không nhận ra dòng tiêu đề" in refused.value.render("vi")


def test_a_header_without_rows_imports_nothing() -> None:
    refused = refusal(",".join(TASK_HEADER).encode("utf-8"), "rong.csv")

    assert refused.msgid == errors.NO_ROWS


@pytest.mark.parametrize(
    ("data", "name", "msgid"),
    [
        (b"", "rong.docx", errors.EMPTY),
        (b"  \n\n ", "rong.txt", errors.EMPTY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "ke-hoach.pdf", errors.PDF),
        (b"{\\rtf1\\ansi Ke hoach}", "ke-hoach.rtf", errors.LEGACY_FORMAT),
        (bytes(range(256)) * 8, "du-lieu.bin", errors.UNSUPPORTED),
        (b"Plain text saved as .docx", "ke-hoach.docx", errors.CORRUPT),
    ],
)
def test_other_unreadable_files_are_refused(data: bytes, name: str, msgid: str) -> None:
    assert refusal(data, name).msgid == msgid


def test_refusals_render_in_english_too() -> None:
    refused = ImportRefused(errors.TOO_BIG, name="a.docx", size=25.3, limit=20)

    assert "a.docx" in refused.render("en")
    assert "25.3" in str(refused)


def test_prose_text_is_not_a_plan_even_without_the_dump_readers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader, "DUMP_READERS", ("plans.readers.not_written_yet",))
    text = "KẾ HOẠCH HÀNH ĐỘNG\n\nI. MỤC ĐÍCH, YÊU CẦU\n\n- Tập trung lãnh đạo, chỉ đạo.\n"

    assert refusal(text.encode("utf-8"), "ke-hoach.txt").msgid == errors.NO_TABLE
