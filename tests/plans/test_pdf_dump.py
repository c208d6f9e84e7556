"""The PDF-to-text reader on a synthetic dump and on seed plan 002 (Hải Dương ward, 2026)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from plans.deadlines import parse_deadline
from plans.readers.pdf_dump import read_tables, read_tables_with_report
from plans.tables import RawTable
from plans.vntext import fold

HEADER = [
    "TT",
    "Nội dung công việc",
    "Người đứng đầu chịu trách nhiệm",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Kết quả",
    "Thời gian triển khai và hoàn thành",
]

# A small dump in the layout of 002: the header broken over lines, one printed line per cell
# line, blank lines between, cells run together on one line, a page break that repeats the
# header in the middle of a cell, and a row with no number.
SNIPPET = """Kế hoạch này thay thế các văn bản trước.

PHỤ LỤC

NHIỆM VỤ NĂM 2026

(Ban hành kèm theo Kế hoạch số   /KH-UBND)

TT Nội dung công việc

Người đứng

đầu chịu

trách nhiệm

Cơ quan chủ trì Cơ quan phối hợp Kết quả

Thời gian

triển khai

và hoàn

thành

I
Nâng cao nhận thức về chuyển đổi số

1

Tổ chức tuyên truyền Nghị quyết số

57-NQ/TW đến cán bộ và Nhân dân

Giám đốc

Trung tâm

Dịch vụ sự

nghiệp công

Trung tâm Dịch vụ sự

nghiệp công

Các phòng, ban, đơn vị

có liên quan

Tin, bài, video

Thường

xuyên

2

Rà soát hạ tầng công nghệ thông tin

tại trụ sở phường

Chánh Văn

phòng HĐND

và UBND

Văn phòng HĐND và

UBND

Các phòng, ban, đơn vị

có liên quan
Báo cáo rà soát Quý II/2026
 TT Nội dung công việc

Người đứng

đầu chịu

trách nhiệm

Cơ quan chủ trì Cơ quan phối hợp Kết quả

Thời gian

triển khai

và hoàn

thành

II Phát triển nhân lực số

1

Số hóa dữ liệu hộ tịch, khai thác

Thủ trưởng

các cơ quan,

đơn vị

Các phòng, ban, đơn vị  Báo cáo
Hằng năm
 TT Nội dung công việc

Người đứng

đầu chịu

trách nhiệm

Cơ quan chủ trì Cơ quan phối hợp Kết quả

Thời gian

triển khai

và hoàn

thành

hiệu quả dữ liệu đã số hóa

2

Kiện toàn Tổ công nghệ số cộng đồng

Trưởng

phòng Văn

hóa - Xã hội

Phòng Văn hóa - Xã hội
Tổ công nghệ số cộng

đồng

Quyết định

Nếu có thay

đổi nhân sự

Tập huấn kỹ năng số cho người dân

qua Tổ công nghệ số cộng đồng

Trưởng

phòng Văn

hóa - Xã hội

Phòng Văn hóa - Xã hội
Các phòng, ban, đơn vị

Báo cáo
Tháng

12/2026
"""


def test_snippet_header_sections_and_rows() -> None:
    tables, unreadable = read_tables_with_report(SNIPPET)
    assert unreadable == []
    assert len(tables) == 1
    table = tables[0]
    assert table.header == HEADER
    assert table.title == "PHỤ LỤC NHIỆM VỤ NĂM 2026"
    assert [(row.line, row.cells) for row in table.rows] == [
        (27, ["I", "Nâng cao nhận thức về chuyển đổi số", "", "", "", "", ""]),
        (
            30,
            [
                "1",
                "Tổ chức tuyên truyền Nghị quyết số 57-NQ/TW đến cán bộ và Nhân dân",
                "Giám đốc Trung tâm Dịch vụ sự nghiệp công",
                "Trung tâm Dịch vụ sự nghiệp công",
                "Các phòng, ban, đơn vị có liên quan",
                "Tin, bài, video",
                "Thường xuyên",
            ],
        ),
        (
            58,
            [
                "2",
                "Rà soát hạ tầng công nghệ thông tin tại trụ sở phường",
                "Chánh Văn phòng HĐND và UBND",
                "Văn phòng HĐND và UBND",
                "Các phòng, ban, đơn vị có liên quan",
                "Báo cáo rà soát",  # run together with its deadline on one line
                "Quý II/2026",
            ],
        ),
        (96, ["II", "Phát triển nhân lực số", "", "", "", "", ""]),
        (
            98,
            [
                "1",
                # the cell goes on after the repeated header of the next page
                "Số hóa dữ liệu hộ tịch, khai thác hiệu quả dữ liệu đã số hóa",
                "Thủ trưởng các cơ quan, đơn vị",
                "",  # the one unit printed beside the result is the coordinating one
                "Các phòng, ban, đơn vị",
                "Báo cáo",
                "Hằng năm",
            ],
        ),
        (
            130,
            [
                "2",
                "Kiện toàn Tổ công nghệ số cộng đồng",
                "Trưởng phòng Văn hóa - Xã hội",
                "Phòng Văn hóa - Xã hội",
                "Tổ công nghệ số cộng đồng",
                "Quyết định",
                "Nếu có thay đổi nhân sự",
            ],
        ),
        (
            151,
            [
                "-",  # a row without a number of its own: a task, not a continuation
                "Tập huấn kỹ năng số cho người dân qua Tổ công nghệ số cộng đồng",
                "Trưởng phòng Văn hóa - Xã hội",
                "Phòng Văn hóa - Xã hội",
                "Các phòng, ban, đơn vị",
                "Báo cáo",
                "Tháng 12/2026",
            ],
        ),
    ]


def test_snippet_lines_point_at_the_row_number() -> None:
    lines = SNIPPET.splitlines()
    table = read_tables(SNIPPET)[0]
    for row in table.rows:
        assert row.line is not None
        if row.cells[0] != "-":
            assert lines[row.line - 1].strip().startswith(row.cells[0])
        else:
            assert lines[row.line - 1].startswith("Tập huấn kỹ năng số")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Không có phụ lục nào.\n\nChỉ có văn bản.\n",
        "Stt\tTên nhiệm vụ\tSản phẩm đầu ra\tTiến độ thực hiện\n1.\tViệc\tKế hoạch\tQuý I/2026\n",
        "| STT | Tên nhiệm vụ | Thời gian thực hiện |\n|---|---|---|\n| 1 | Việc | Quý I/2026 |\n",
    ],
)
def test_no_broken_table_no_tables(text: str) -> None:
    assert read_tables(text) == []
    assert read_tables_with_report(text) == ([], [])


# --- seed 002 ------------------------------------------------------------------------------

# (section, number, line, lead unit, time) of every task row of 002's appendix, counted by
# hand from the document: 37 tasks in 7 sections, one of them (III, after 10) unnumbered,
# marked "-" so that it is not taken for the continuation of III.10.
EXPECTED_002 = [
    ("I", "1", 725, "Trung tâm Dịch vụ sự nghiệp công", "Thường xuyên"),
    ("I", "2", 765, "Phòng Văn hóa - Xã hội", "Nếu có thay đổi nhân sự"),
    ("I", "3", 793, "Phòng Văn hóa – Xã hội", "Tháng 01/2026"),
    ("I", "4", 823, "Phòng Văn hóa - Xã hội", "Thường xuyên"),
    ("I", "5", 875, "Các phòng, ban, đơn vị", "Thường xuyên"),
    ("II", "1", 913, "Văn phòng HĐND và UBND", "Thường xuyên"),
    ("II", "2", 945, "Phòng Văn hóa - Xã hội", "Tháng 01/2026"),
    ("II", "3", 972, "Trung tâm Phục vụ hành chính công", "Thường xuyên"),
    ("II", "4", 1020, "Trung tâm Phục vụ hành chính công", "Thường xuyên"),
    ("III", "1", 1082, "Văn phòng HĐND và UBND", "Thường xuyên"),
    ("III", "2", 1123, "Văn phòng HĐND và UBND", "Quý I/2026"),
    ("III", "3", 1148, "Văn phòng HĐND và UBND", "Quý I/2026"),
    ("III", "4", 1180, "Phòng Văn hóa – Xã hội", "Tháng 12/2026"),
    ("III", "5", 1199, "Phòng Kinh tế, hạ tầng và Đô thị", "Hằng năm"),
    ("III", "6", 1250, "Phòng Văn hóa - Xã hội", "Thường xuyên"),
    ("III", "7", 1284, "Văn phòng HĐND và UBND", "Theo hướng dẫn của thành phố"),
    ("III", "8", 1316, "Phòng Văn hóa - Xã hội", "Hằng năm"),
    ("III", "9", 1351, "Các phòng, ban, đơn vị", "Thường xuyên"),
    ("III", "10", 1373, "Phòng Văn hóa - Xã hội", "Theo hướng dẫn của thành phố"),
    ("III", "-", 1412, "Phòng Văn hóa - Xã hội", "Theo hướng dẫn của thành phố"),
    ("IV", "1", 1467, "Phòng Văn hóa - Xã hội", "Quý I/2026"),
    ("IV", "2", 1491, "Phòng Văn hóa - Xã hội", "Thường xuyên"),
    ("IV", "3", 1524, "Phòng Văn hóa - Xã hội", "Hằng năm"),
    ("IV", "4", 1559, "Phòng Văn hóa - Xã hội", "Thường xuyên"),
    ("IV", "5", 1585, "Phòng Văn hóa - Xã hội", "Thường xuyên"),
    ("V", "1", 1619, "", "Thường xuyên"),
    ("V", "2", 1663, "Trung tâm phục vụ hành chính công", "Thường xuyên"),
    ("V", "3", 1699, "", "Thường xuyên"),
    ("V", "4", 1720, "Phòng Văn hóa - Xã hội", "Hằng năm"),
    ("V", "5", 1747, "Phòng Kinh tế, Hạ tầng và Đô thị", "Hằng năm"),
    ("V", "6", 1777, "Văn phòng HĐND và UBND", "Quý I/2026"),
    ("V", "7", 1807, "Công an phường", "Hằng năm"),
    ("VI", "1", 1856, "Phòng Kinh tế, Hạ tầng và Đô thị", "Thường xuyên"),
    ("VI", "2", 1894, "Phòng Kinh tế, Hạ tầng và Đô thị", "Quý IV/2026"),
    ("VI", "3", 1936, "Phòng Kinh tế, Hạ tầng và Đô thị", "Thường xuyên"),
    ("VI", "4", 1976, "Phòng Kinh tế, Hạ tầng và Đô thị", "Hằng năm"),
    ("VII", "1", 2035, "Phòng Văn hóa - Xã hội xã", "Hằng năm"),
]
SECTIONS_002 = [
    ("I", 720, "Nâng cao nhận thức"),
    ("II", 908, "Khẩn trương, quyết liệt hoàn thiện thể chế"),
    ("III", 1080, "Tăng cường đầu tư, hoàn thiện hạ tầng"),
    ("IV", 1448, "Phát triển, trọng dụng nhân lực chất lượng cao"),
    ("V", 1614, "Đẩy mạnh CĐS, ứng dụng KHCN, ĐMST"),
    ("VI", 1834, "Thúc đẩy mạnh mẽ hoạt động khoa học"),
    ("VII", 2016, "Tăng cường hợp tác"),
]


@cache
def _read(path: Path) -> tuple[tuple[RawTable, ...], tuple[tuple[int, str], ...]]:
    tables, unreadable = read_tables_with_report(path.read_text(encoding="utf-8"))
    return tuple(tables), tuple(unreadable)


@pytest.fixture
def table_002(seed_path) -> RawTable:
    tables, _ = _read(seed_path("002"))
    assert len(tables) == 1
    return tables[0]


def _tasks(table: RawTable) -> list[tuple[str, list[str], int | None]]:
    section = ""
    out = []
    for row in table.rows:
        if row.cells[0] in {s for s, _, _ in SECTIONS_002} and not any(row.cells[2:]):
            section = row.cells[0]
            continue
        out.append((section, row.cells, row.line))
    return out


def test_002_header_and_title(table_002: RawTable) -> None:
    assert table_002.header == HEADER
    assert table_002.title == "PHỤ LỤC NHIỆM VỤ TRONG NĂM 2026"


def test_002_sections(table_002: RawTable) -> None:
    sections = [row for row in table_002.rows if not any(row.cells[2:])]
    assert [(row.cells[0], row.line) for row in sections] == [(s, n) for s, n, _ in SECTIONS_002]
    for row, (_, _, start) in zip(sections, SECTIONS_002, strict=True):
        assert row.cells[1].startswith(start)
    assert (
        sections[0].cells[1].endswith("khí thế mới trong toàn xã về phát triển KHCN, ĐMST và CĐS")
    )


def test_002_every_task_row_with_its_lead_and_time(table_002: RawTable) -> None:
    tasks = _tasks(table_002)
    assert len(table_002.rows) == 44
    assert [(section, cells[0], line, cells[3], cells[6]) for section, cells, line in tasks] == (
        EXPECTED_002
    )


def test_002_every_row_is_complete(table_002: RawTable, seed_path) -> None:
    _, unreadable = _read(seed_path("002"))
    assert unreadable == ()
    for _, cells, _ in _tasks(table_002):
        assert len(cells) == len(HEADER)
        assert all(cells[k] for k in (1, 2, 5)), cells
        assert cells[3] or cells[4], cells
        assert parse_deadline(cells[6], plan_year=2026).kind != "unknown", cells


@pytest.mark.parametrize(
    ("index", "cells"),
    [
        (
            0,
            [
                "1",
                "Tổ chức tuyên truyền Nghị quyết số 57-NQ/TW, Nghị quyết số 71/NQ-CP và Kế "
                "hoạch hành động số 12-KH/TU đến cán bộ, công chức và Nhân dân trên địa bàn "
                "phường",
                "Giám đốc Trung tâm Dịch vụ sự nghiệp công",
                "Trung tâm Dịch vụ sự nghiệp công",
                "Các phòng, ban, đơn vị có liên quan; các Tổ dân phố",
                "Tin, bài, video, hình ảnh, nội dung tuyên truyền..",
                "Thường xuyên",
            ],
        ),
        (
            8,
            [
                "4",
                "Đẩy mạnh tái cấu trúc quy trình, cắt giảm, đơn giản hóa tối đa thủ tục hành "
                "chính, nâng cao chất lượng cung cấp dịch vụ công trực tuyến, nhất là các thủ "
                "tục liên quan đến cư trú, hộ tịch, đất đai, doanh nghiệp, triển khai tiếp cận, "
                "giải quyết thủ tục hành chính không phụ thuộc vào địa giới hành chính trong "
                "phạm vi cấp tỉnh",
                "Thủ trưởng các phòng, ban, đơn vị; Trưởng Công an phường.",
                "Trung tâm Phục vụ hành chính công",
                "Các phòng, ban, đơn vị có liên quan; Công an phường;",
                "Báo cáo",
                "Thường xuyên",
            ],
        ),
        (
            12,  # cells run together: "có liên quan Hoàn thành kết nối Tháng 12/2026"
            [
                "4",
                "Hoàn thành kết nối, khai thác, chia sẻ hiệu quả dữ liệu, triển khai các sáng "
                "kiến mở dữ liệu",
                "Trưởng phòng Văn hóa – Xã hội",
                "Phòng Văn hóa – Xã hội",
                "Các phòng, ban, đơn vị có liên quan",
                "Hoàn thành kết nối",
                "Tháng 12/2026",
            ],
        ),
        (
            17,  # "đơn vị Các phòng, ban, đơn vị": the head and the lead on one line
            [
                "9",
                "Khai thác, sử dụng hiệu quả các nền tảng số, hệ thống thông tin dùng chung "
                "do thành phố triển khai",
                "Thủ trưởng các cơ quan, đơn vị",
                "Các phòng, ban, đơn vị",
                "Các phòng, ban, đơn vị",
                "Nền tảng được sử dụng thường xuyên, hiệu quả",
                "Thường xuyên",
            ],
        ),
        (
            19,  # the numberless row under III.10
            [
                "-",
                "Phối hợp triển khai CSDL tuyển sinh đầu cấp ngành Giáo dục thành phố (tuyển "
                "sinh đầu cấp MN, TH, THCS; tuyển sinh THPT).",
                "Trưởng phòng Văn hóa - Xã hội",
                "Phòng Văn hóa - Xã hội",
                "Sở Giáo dục và Đào tạo; Các cơ quan, đơn vị liên quan",
                "CSGD vận hành HT tuyển sinh đầu cấp, kết nối CSDL ngành",
                "Theo hướng dẫn của thành phố",
            ],
        ),
        (
            25,  # its text goes on after the page break
            [
                "1",
                "Tập trung số hóa dữ liệu, khai thác ứng dụng cắt giảm thủ tục hành chính - "
                "không phụ thuộc các ngành, trọng tâm là lĩnh vực tư pháp, giáo dục, y tế, đất "
                "đai; kết quả giải quyết thủ tục hành chính",
                "Thủ trưởng các cơ quan, đơn vị",
                "",
                "Các phòng, ban, đơn vị",
                "Kết quả được số hóa",
                "Thường xuyên",
            ],
        ),
        (
            32,
            [
                "1",
                "Hỗ trợ doanh nghiệp, hộ kinh doanh ứng dụng các nền tảng số cơ bản (hóa đơn "
                "điện tử, phần mềm quản lý, TMĐT)",
                "Trưởng phòng Kinh tế, Hạ tầng và Đô thị",
                "Phòng Kinh tế, Hạ tầng và Đô thị",
                "Thuế cơ sở 12 TP Hải Phòng, Các phòng, ban, đơn vị có liên quan",
                "Số doanh nghiệp, hộ kinh doanh được hỗ trợ",
                "Thường xuyên",
            ],
        ),
    ],
)
def test_002_whole_rows(table_002: RawTable, index: int, cells: list[str]) -> None:
    assert _tasks(table_002)[index][1] == cells


def test_002_heads_name_the_lead_unit(table_002: RawTable) -> None:
    # "Trưởng phòng Văn hóa - Xã hội" leads "Phòng Văn hóa - Xã hội": the split between the
    # two narrow columns falls where the unit's name starts again.
    pairs = 0
    for _, cells, _ in _tasks(table_002):
        head, lead = fold(cells[2]), fold(cells[3])
        if head.startswith(("truong phong", "giam doc", "chanh van phong")):
            assert head.endswith(lead.removeprefix("phong ").removesuffix(" xa")), cells
            pairs += 1
    assert pairs == 26


@pytest.mark.parametrize("prefix", ["000", "003", "004"])
def test_other_layouts_are_not_read(seed_path, prefix: str) -> None:
    assert read_tables(seed_path(prefix).read_text(encoding="utf-8")) == []
