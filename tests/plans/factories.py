"""Factories for plan documents: realistic .docx, .xlsx and OLE files built in tmp_path.

The documents look like what wards really send: a letterhead table (issuer on the left,
number, place and date on the right), a "KẾ HOẠCH" title, prose, then appendix tables with
merged header cells, header rows repeated on each page, Roman-numeral section rows and rows
continued across a page break.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from pathlib import Path

import docx
import openpyxl
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import Table

Merge = tuple[tuple[int, int], tuple[int, int]]  # (top, left), (bottom, right), 0-based

TASK_HEADER = [
    "STT",
    "Tên nhiệm vụ",
    "Đồng chí được phân công chỉ đạo",
    "Cơ quan/Đơn vị chủ trì",
    "Cơ quan/Đơn vị phối hợp",
    "Sản phẩm đầu ra",
    "Thời gian thực hiện",
]

# Rows of a ward's task appendix, in the order of TASK_HEADER.
TASK_ROWS: list[list[str]] = [
    ["I", "Công tác chỉ đạo, điều hành", "", "", "", "", ""],
    [
        "1",
        "Xây dựng kế hoạch chuyển đổi số năm 2026",
        "Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch Ủy ban nhân dân phường",
        "Phòng Văn hoá - Xã hội",
        "Các phòng, ban, đơn vị có liên quan",
        "Kế hoạch",
        "Quý I/2026",
    ],
    [
        "2",
        "Bảo đảm an ninh mạng và chủ quyền số",
        "Chủ tịch Ủy ban nhân dân phường",
        "Công an phường/Văn phòng HĐND và UBND phường",
        "Phòng VH-XH",
        "Kế hoạch",
        "Hàng năm",
    ],
    ["II", "Về hạ tầng số", "", "", "", "", ""],
    [
        "1",
        "Rà soát, nâng cấp đường truyền và thiết bị phục vụ chuyển đổi số cấp xã",
        "Đ/c Nguyễn Khánh Chi - Phó Chủ tịch UBND phường",
        "Phòng Kinh tế, Hạ tầng và Đô thị; Trung tâm Phục vụ HCC",
        "- Phòng VH-XH\n- Văn phòng HĐND và UBND",
        "Báo cáo",
        "Tháng 12/2026",
    ],
]

KPI_HEADER_TOP = [
    "TT",
    "Chỉ tiêu",
    "Mục tiêu",
    "",
    "",
    "Người đứng đầu chịu trách nhiệm",
    "Cơ quan chủ trì theo dõi, đánh giá",
]
KPI_HEADER_BOTTOM = ["", "", "Năm 2025", "Năm 2030", "Năm 2035", "", ""]
KPI_ROWS: list[list[str]] = [
    ["I", "Phát triển hạ tầng", "", "", "", "", ""],
    [
        "1",
        "Tỷ lệ phủ sóng 5G trong khu đô thị",
        "≥60%",
        "100%",
        "100%",
        "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội",
        "Phòng Văn hóa – Xã hội phường",
    ],
    [
        "2",
        "Tỉ lệ phủ sóng 6G trên địa bàn phường",
        "-",
        "",
        "50%",
        "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội",
        "VHXH",
    ],
]


# ---------------------------------------------------------------------------------------
# Word


def new_document(
    *,
    issuer: str = "ỦY BAN NHÂN DÂN\nPHƯỜNG NAM ĐỒNG",
    number: str = "Số: 15/KH-UBND",
    place_date: str = "Nam Đồng, ngày 12 tháng 3 năm 2026",
    subject: str = "Triển khai Nghị quyết số 57-NQ/TW năm 2026",
    prose: Sequence[str] = (
        "Ủy ban nhân dân phường xây dựng kế hoạch với các nội dung sau:",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "Tập trung lãnh đạo, chỉ đạo thực hiện đồng bộ các nhiệm vụ.",
    ),
) -> DocumentObject:
    """Return a document with a letterhead table, a title and some prose."""
    document = docx.Document()
    head = document.add_table(rows=1, cols=2)
    head.cell(0, 0).text = f"{issuer}\n{number}"
    head.cell(
        0, 1
    ).text = f"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n{place_date}"
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph(subject)
    document.add_paragraph("")
    for line in prose:
        document.add_paragraph(line)
    return document


def add_table(
    document: DocumentObject,
    rows: Sequence[Sequence[str]],
    *,
    merges: Sequence[Merge] = (),
    repeat_header: int = 0,
    caption: str | None = None,
) -> Table:
    """Add a table of ``rows``; merge the given ranges and mark header rows to repeat.

    A merged range takes the text of its top-left cell, as Word shows it.
    """
    if caption is not None:
        document.add_paragraph(caption)
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for (top, left), (bottom, right) in merges:
        text = rows[top][left]
        merged = table.cell(top, left).merge(table.cell(bottom, right))
        merged.text = text
    covered = {
        (r, c)
        for (top, left), (bottom, right) in merges
        for r in range(top, bottom + 1)
        for c in range(left, right + 1)
    }
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if (r, c) not in covered:
                table.cell(r, c).text = text
    for r in range(repeat_header):
        tr_pr = table.rows[r]._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)
    return table


def save_docx(document: DocumentObject, path: Path) -> Path:
    document.save(str(path))
    return path


def docx_bytes(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Excel


def add_sheet(
    book: openpyxl.Workbook,
    title: str,
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    first_row: int = 1,
) -> None:
    """Add a sheet holding ``rows`` from ``first_row`` on, with merged ranges ("C4:E4")."""
    if book.worksheets and book.active is not None and book.active.max_row == 1:
        only = book.active
        if only.title == "Sheet" and only["A1"].value is None:
            book.remove(only)
    sheet = book.create_sheet(title)
    for r, row in enumerate(rows, start=first_row):
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                sheet.cell(row=r, column=c, value=value)
    for cells in merges:
        sheet.merge_cells(cells)


def save_xlsx(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(str(path))
    return path


# ---------------------------------------------------------------------------------------
# OLE compound files (encrypted Office packages, legacy .doc/.xls)

_SECTOR = 512
_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(name: str, kind: int, start: int, size: int, *, child: int, right: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded.ljust(64, b"\0"),
        len(encoded),
        kind,
        1,  # black: a valid, if degenerate, red-black tree
        _NO_STREAM,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def ole_file(streams: dict[str, bytes]) -> bytes:
    """Return a small but well-formed compound file (CFB v3) holding ``streams``.

    Each stream is padded to 4096 bytes so it lives in regular sectors (no mini stream).
    Streams are chained as right siblings in the directory's sort order (length, then name).
    """
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    payloads = [streams[n].ljust(max(4096, len(streams[n])), b"\0") for n in names]
    payloads = [p.ljust(-(-len(p) // _SECTOR) * _SECTOR, b"\0") for p in payloads]
    fat = [_FAT_SECTOR, _END]  # sector 0: the FAT, sector 1: the directory
    starts: list[int] = []
    for payload in payloads:
        count = len(payload) // _SECTOR
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(_END)
    assert len(fat) <= _SECTOR // 4, "keep test streams small"
    fat.extend([_FREE] * (_SECTOR // 4 - len(fat)))
    entries = [
        _dir_entry("Root Entry", 5, _END, 0, child=1 if names else _NO_STREAM, right=_NO_STREAM)
    ]
    for i, (start, payload) in enumerate(zip(starts, payloads, strict=True)):
        right = i + 2 if i + 1 < len(names) else _NO_STREAM
        # Declared sizes stay at or above the 4096-byte cutoff, as regular streams must.
        entries.append(_dir_entry(names[i], 2, start, len(payload), child=_NO_STREAM, right=right))
    while len(entries) % 4:
        entries.append(_dir_entry("", 0, 0, 0, child=_NO_STREAM, right=_NO_STREAM))
    assert len(entries) == 4, "one directory sector holds four entries"
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,
        _END,  # no mini FAT
        0,
        _END,  # no DIFAT sectors
        0,
    )
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    assert len(header) == _SECTOR
    body = struct.pack(f"<{_SECTOR // 4}I", *fat) + b"".join(entries) + b"".join(payloads)
    return header + body


def encrypted_office_file() -> bytes:
    """Return what Office writes for a password-protected .docx/.xlsx (ECMA-376 agile)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version='1.0'?><encryption/>"
    return ole_file({"EncryptionInfo": info, "EncryptedPackage": b"\x10\x27" + b"\x8f" * 5000})


def legacy_doc_file() -> bytes:
    """Return a stand-in for a Word 97-2003 .doc (its main stream is "WordDocument")."""
    return ole_file({"WordDocument": b"\xec\xa5" + b"\0" * 600, "1Table": b"\0" * 600})


def legacy_xls_file() -> bytes:
    """Return a stand-in for an Excel 97-2003 .xls (its main stream is "Workbook")."""
    return ole_file({"Workbook": b"\x09\x08" + b"\0" * 600})
