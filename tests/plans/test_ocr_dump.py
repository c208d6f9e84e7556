"""The OCR reader on a synthetic scan and on seed plan 004 (Đông Hải ward, 2025)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from plans.deadlines import parse_deadline
from plans.readers.ocr_dump import (
    KPI_HEADER,
    TASK_HEADER,
    read_tables,
    read_tables_with_report,
)
from plans.tables import RawTable
from plans.vntext import fold

# A small scan in the manner of 004: no diacritics, rules read as pipes, the cells of one
# printed line run together, the header repeated, a row number and a section numeral broken.
SNIPPET = """- Luu.
 PHU LUC PHAN CONG NHIEM VU
Phu luc 1: Phan cong chu tri, theo doi, danh gia cac chi tieu

Co quan
\\\\ in Nam | Nam | Nam | Nam | Nam A A . chu tri
STT Chi tieu 2025 | 2030 | 2035 | 2040 | 2045 |Phan cong chi dao | co quan
danh gia
| | Phat trien ha tang
Ty le phu song 4G trong D/c Nguyen Khanh
1 | khu dan cu tren dia ban | 90% | 100% | 100% | 100% | 100% | Chi - Pho Chu tich | Phong Van
phuong N hoa - Xa hoi
UBND phuong
VA b ok ez D/c Nguyen Khanh | _, | gy
o | Ty le ho gia dinh co cap quang | 6a0 | 80% | 90% | 100% | 100% | Chi - Pho Chu tich | Phong Van
N hoa - Xa hoi
UBND phuong
Il | Phat trien nguon luc
Ty le can bo duoc boi duong D/c Nguyen Khanh
3 | ky nang so co ban | 100% | 100% | 100% | 100% | 100% | Chi - Pho Chu tich | Cong an
UBND phuong | phuong

 Phu luc s6 02: Phan cong thuc hien cac nhiem vu

STT Ten nhiem vu Co quan chu tri Co quan phoi | Thoi gian
; : hop thuc hien
To chuc quan triet Nghi quyet so 57-NQ/TW den
1 | can bo, cong chuc va Nhan dan tren dia ban | Phong Van hoa - | Cac phong, Hang nam
phuong. Xa hoi ban, don vi
Xay dung chuyen muc tren cong thong tin dien tu Van phong Cac phong, Thuong
e | phuong ve thuc hien Nghi quyet | HDND va UBND | ban, don vi Xuyen
Trien khai chu ky so cho can bo | Phong Van hoa - | Cac phong, Thang
3 phuong A X4 hoi ban, don vi 10/2026
"""


def test_snippet_kpis() -> None:
    tables, unreadable = read_tables_with_report(SNIPPET)
    assert [t.header for t in tables] == [KPI_HEADER, TASK_HEADER]
    kpis = tables[0]
    assert kpis.title == "Phu luc 1: Phan cong chu tri, theo doi, danh gia cac chi tieu"
    leader = "D/c Nguyen Khanh Chi - Pho Chu tich UBND phuong"
    assert [(row.line, row.cells) for row in kpis.rows] == [
        (9, ["I", "Phat trien ha tang", "", "", "", "", "", "", ""]),
        (
            11,
            [
                "1",
                "Ty le phu song 4G trong khu dan cu tren dia ban phuong",
                *["90%", "100%", "100%", "100%", "100%"],
                leader,
                "Phong Van hoa - Xa hoi",
            ],
        ),
        (
            15,
            [
                "2",  # "o |": the number restored from the sequence
                "Ty le ho gia dinh co cap quang",
                *["", "80%", "90%", "100%", "100%"],  # "6a0" is not a target: left empty
                leader,
                "Phong Van hoa - Xa hoi",
            ],
        ),
        (18, ["II", "Phat trien nguon luc", "", "", "", "", "", "", ""]),  # "Il |"
        (
            20,
            [
                "3",
                "Ty le can bo duoc boi duong ky nang so co ban",
                *["100%"] * 5,
                leader,
                "Cong an phuong",
            ],
        ),
    ]
    # The row with a target that could not be read is reported, and only that one.
    assert [line for line, _ in unreadable] == [15]
    assert unreadable[0][1].startswith("o | Ty le ho gia dinh")


def test_snippet_tasks() -> None:
    tasks = read_tables(SNIPPET)[1]
    assert tasks.title == "Phu luc s6 02: Phan cong thuc hien cac nhiem vu"
    assert [(row.line, row.cells) for row in tasks.rows] == [
        (
            28,
            [
                "1",
                "To chuc quan triet Nghi quyet so 57-NQ/TW den can bo, cong chuc va Nhan dan "
                "tren dia ban phuong.",
                "Phong Van hoa - Xa hoi",
                "Cac phong, ban, don vi",
                "Hang nam",
            ],
        ),
        (
            31,
            [
                "2",  # "e |"
                "Xay dung chuyen muc tren cong thong tin dien tu phuong ve thuc hien Nghi quyet",
                "Van phong HDND va UBND",
                "Cac phong, ban, don vi",
                "Thuong Xuyen",
            ],
        ),
        (
            33,
            [
                "3",
                "Trien khai chu ky so cho can bo phuong",
                "Phong Van hoa - X4 hoi",
                "Cac phong, ban, don vi",
                "Thang 10/2026",
            ],
        ),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Không có phụ lục.\n",
        # the same table typed with its diacritics is not an OCR dump
        "Phụ lục số 02\nSTT Tên nhiệm vụ Cơ quan chủ trì Cơ quan phối hợp Thời gian\n"
        "1 | Tổ chức quán triệt Nghị quyết | Phòng Văn hóa - Xã hội | Các phòng, ban, "
        "đơn vị | Hằng năm\n",
        "| STT | Ten nhiem vu | Co quan chu tri | Co quan phoi hop | Thoi gian |\n|---|---|\n",
    ],
)
def test_no_scan_no_tables(text: str) -> None:
    assert read_tables_with_report(text) == ([], [])


# --- seed 004 ------------------------------------------------------------------------------

# How the scan spells the four monitoring units, legible part only.
_UNITS = {  # the first that matches, in this order
    "hcc": r"phuc vu|hanh chinh",  # Trung tâm Phục vụ hành chính công và các phòng...
    "kt": r"kinh te",  # Phòng Kinh tế, Hạ tầng và Đô thị
    "ca": r"\bcon?g? an\b",  # Công an phường
    "vhxh": r"[eo]n[ge] v[a-z]{1,2}\b|xa hoi",  # Phòng Văn hóa - Xã hội: "Lhong Van", "Phone Vi"
}

# (section, number, line of the number, targets 2025..2045, monitoring unit) of the 20 KPIs
# of 004's appendix 1, by hand from the scan. A target the OCR garbled ("10005") is empty;
# so are all five when the scan shows fewer than five (their years are not certain).
KPIS_004 = [
    ("I", "1", 545, ["", "", "100%", "100%", "100%"], "vhxh"),
    ("I", "2", 549, ["", "", "100%", "100%", "100%"], "vhxh"),
    ("I", "3", 553, ["=60%", "100%", "100%", "100%", "100%"], "vhxh"),
    ("I", "4", 556, ["-", "-", "50%", "80%", "100%"], "vhxh"),
    ("II", "5", 561, ["", "", "", "", ""], "kt"),
    ("II", "6", 567, ["", "", "", "", ""], "vhxh"),
    ("II", "7", 572, ["100%"] * 5, "vhxh"),
    ("II", "8", 575, ["80%", "90%", "95%", "97%", "100%"], "vhxh"),
    ("II", "9", 578, ["", "", "", "", ""], "vhxh"),
    ("II", "10", 583, ["", "", "", "", ""], "vhxh"),
    ("II", "11", 589, ["", "", "", "", ""], "vhxh"),
    ("II", "12", 597, ["", "", "", "", ""], "vhxh"),
    ("III", "13", 605, [">70%", "100%", "100%", "100%", "100%"], "hcc"),
    ("III", "14", 614, ["100%"] * 5, "hcc"),
    ("III", "15", 621, ["", "", "", "100%", "100%"], "hcc"),
    ("III", "16", 639, ["", "", "", "100%", "100%"], "hcc"),
    ("III", "17", 647, ["100%"] * 5, "hcc"),
    ("III", "18", 654, ["", "", "", "100%", "100%"], "hcc"),
    ("III", "19", 660, ["-", ">10%", "20%", "30%", "40%"], "ca"),
    ("III", "20", 664, [">70%", "85%", ">95%", "100%", "100%"], "ca"),
]
# (number, line, lead unit, coordinating units, time) of the 19 tasks of appendix 2, as the
# OCR spells them; "" where the scan has nothing readable.
TASKS_004 = [
    ("1", 677, "", "", ""),
    ("2", 681, "Phong Vin héa - Xa hoi", "Céc phong, ban, don vi", "Hang nam"),
    ("3", 686, "Phong Vanhoa- Xa hoi", "Céac phong, ban, don vi", "Hane nim"),
    ("4", 690, "Phong Kinh té, Ha tang va bo thi", "4¢c phong, Cac pho ban, don vi", "Hang nam"),
    ("5", 693, "Trung tam su nghiép cong", "Céc phong, ban, don vi;", "Thuong Xuyén"),
    ("6", 704, "Van phong HDND va UBND", "Céc phong, ban, don vi", "Thuong Xuyén"),
    ("7", 711, "Phong Van hoa - Xa hoi", "Céc phong, ban, don vi", "Hang nam"),
    ("8", 717, "Phong Van hoa - Xa hoi", "Céac phong, ban, don vi", "Hang nam"),
    ("9", 721, "Van phong HDND va UBND", "Cac phong, ban, don vi", "Hang nam"),
    ("10", 726, "Trung tam phuc vu h%nh chpinlkll cong", "Cac phong, ban, don vi", "Thuong XUyén"),
    ("11", 740, "Trung tdm phuc vu hanh chinh", "ac phong, Cac pho ban, don vi", "Thuon Xuyén"),
    ("12", 746, "PIONOKITNE, Hating va Do thi", "Cacpreng, ban, don vi", ""),
    ("13", 750, "Phong Vanhoa- X4 hoi", "Céac phong, ban, don vi", "Thang 10/2026"),
    ("14", 753, "Phong Vian hoa - X4 hoi", "Céc phong, ban, don vi", "Hane nim"),
    ("15", 756, "Phong Van hoa - X& hoi", "Té Cong nghé s6 cong dong", "Hane nim"),
    ("16", 760, "Van phong HDND va UBND", "Cac phong, ban, don vi", "Hang nam"),
    ("17", 766, "Trung tam nghiép céng", "ac phong, Cac pho ban, don vi", "Hang nam"),
    ("18", 774, "", "Céc phong, ban, don vi", "ang nam"),
    ("19", 776, "Phong Van hoa - Xa hoi", "Céc phong, ban, don vi", "Thuon Xuyeén"),
]
# Rows the reader reports as not (fully) read: a garbled target, leader, unit or text.
UNREADABLE_004 = [545, 549, 553, 561, 567, 572, 578, 583, 589, 597, 621, 639, 654]
UNREADABLE_004 += [677, 681, 726, 740, 746, 756, 774]


@cache
def _read(path: Path) -> tuple[tuple[RawTable, ...], tuple[tuple[int, str], ...]]:
    tables, unreadable = read_tables_with_report(path.read_text(encoding="utf-8"))
    return tuple(tables), tuple(unreadable)


@pytest.fixture
def tables_004(seed_path) -> tuple[RawTable, ...]:
    tables, _ = _read(seed_path("004"))
    assert len(tables) == 2
    return tables


def test_004_headers(tables_004: tuple[RawTable, ...]) -> None:
    kpis, tasks = tables_004
    assert kpis.header == KPI_HEADER
    assert tasks.header == TASK_HEADER
    assert fold(kpis.title).startswith("phu luc 1")
    assert fold(tasks.title).startswith("phu luc s6 02")


def test_004_kpi_sections(tables_004: tuple[RawTable, ...]) -> None:
    sections = [row for row in tables_004[0].rows if not any(row.cells[2:])]
    assert [(row.line, row.cells[:2]) for row in sections] == [
        (543, ["I", "Phéat trién ha tang"]),  # "| |": the numeral lost, restored
        (559, ["II", "Phat trién nguén luc"]),  # "Il |"
        (601, ["III", "Phat trién chuyén déi so"]),  # "I11 |"
    ]


def test_004_every_kpi_row(tables_004: tuple[RawTable, ...]) -> None:
    section = ""
    got = []
    for row in tables_004[0].rows:
        if not any(row.cells[2:]):
            section = row.cells[0]
            continue
        unit = fold(row.cells[8])
        family = next((k for k, pattern in _UNITS.items() if re.search(pattern, unit)), "?")
        got.append((section, row.cells[0], row.line, row.cells[2:7], family))
    assert got == KPIS_004


def test_004_kpi_leaders(tables_004: tuple[RawTable, ...]) -> None:
    rows = [row for row in tables_004[0].rows if any(row.cells[2:])]
    for row in rows:
        leader = fold(row.cells[7])
        if row.cells[0] in ("6", "9"):
            assert leader == ""  # the name line is lost (6) or garbled (9): not guessed
        elif row.cells[0] == "5":
            assert leader == "b/c nguyen trong khiem - chu tich ubnd phuong"
        else:
            assert "nguyen k" in leader, row.cells
            assert leader.endswith("ubnd phuong"), row.cells


def test_004_kpi_text_is_the_scans(tables_004: tuple[RawTable, ...]) -> None:
    by_number = {row.cells[0]: row.cells for row in tables_004[0].rows}
    assert by_number["8"][1] == (
        "Ty 1¢ dan s6 truong thanh tiép can dich vu so trong y te, giao duc, bao hiém, giao thong."
    )
    assert by_number["14"][8] == "Trung tam Phuc vu Hanh chinh coNd VA CAC phong, don vi lién quan"
    assert by_number["3"][8] == "Phone Vi"  # only the start of the unit is legible


def test_004_every_task_row(tables_004: tuple[RawTable, ...]) -> None:
    tasks = tables_004[1]
    got = [(r.cells[0], r.line, r.cells[2], r.cells[3], r.cells[4]) for r in tasks.rows]
    assert got == TASKS_004


def test_004_task_deadlines_read_through_the_ocr(tables_004: tuple[RawTable, ...]) -> None:
    kinds = [parse_deadline(row.cells[4], plan_year=2025).kind for row in tables_004[1].rows]
    assert kinds == [
        "unknown",
        *["yearly"] * 3,
        *["ongoing"] * 2,
        *["yearly"] * 3,
        *["ongoing"] * 2,
        "unknown",
        "once",
        *["yearly"] * 5,  # 18: "ang nam", the "H" lost a line above, still reads as yearly
        "ongoing",
    ]


def test_004_task_text(tables_004: tuple[RawTable, ...]) -> None:
    by_number = {row.cells[0]: row.cells[1] for row in tables_004[1].rows}
    # A bulleted cell keeps its second bullet; a cell's text after the row's number line
    # stays with the row.
    assert by_number["5"].startswith("Xay dung tin, bai, chuyén dé chuyén biét")
    assert by_number["5"].endswith("(phéat thanh, cong thong tin dién tir, zalo, facebook...)")
    assert by_number["6"].startswith("Xay dung chuyén muc")
    assert by_number["16"].endswith("Ctru Sy €O an toan, an ninh mang thanh pho")
    assert by_number["17"] == "Trién khai van hanh hé thong thdng tin nguon"
    assert by_number["18"].startswith("Trién khai xay dung, van hanh cac nén tang")
    assert by_number["1"] == (
        "Té chwe trién khai, nghién ctu, quan triét cac noi dung caa Nghi quyétsé 57-NQ/TW, "
        "Nghi quyét sé 71-NQ/CP va Chuong trinh hanh dong s6 89-CTr/TU."
    )


def test_004_rows_it_could_not_read(seed_path) -> None:
    _, unreadable = _read(seed_path("004"))
    assert [line for line, _ in unreadable] == UNREADABLE_004
    assert all(0 < len(excerpt) <= 60 for _, excerpt in unreadable)


@pytest.mark.parametrize("prefix", ["000", "002", "003"])
def test_other_layouts_are_not_read(seed_path, prefix: str) -> None:
    assert read_tables(seed_path(prefix).read_text(encoding="utf-8")) == []
