"""CSV/TSV files, tab-separated text dumps and markdown pipe tables."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from plans.reader import read_plan
from plans.readers import delimited, markdown

CSV_ROWS = [
    "PHỤ LỤC PHÂN CÔNG NHIỆM VỤ;;;",
    "STT;Tên nhiệm vụ;Đơn vị chủ trì;Thời gian thực hiện",
    "1;Xây dựng kế hoạch;Phòng VH-XH;Quý I/2026",
    '2;"Rà soát hạ tầng; nâng cấp thiết bị";"Công an phường/Văn phòng HĐND và UBND";Hằng năm',
]


def test_a_semicolon_csv_with_bom_and_a_caption_row() -> None:
    data = codecs.BOM_UTF8 + "\r\n".join(CSV_ROWS).encode("utf-8")

    plan = read_plan(data=data, name="phan-cong.csv")

    assert [(t.stt, t.title) for t in plan.tasks] == [
        ("1", "Xây dựng kế hoạch"),
        ("2", "Rà soát hạ tầng; nâng cấp thiết bị"),
    ]
    assert [u.name for u in plan.tasks[1].lead_units] == ["Công an", "Văn phòng HĐND và UBND"]


def cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: letters precomposed, tone marks as combining characters."""
    out = []
    for ch in text:
        nfd = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in nfd if c in _TONES)
        out.append(
            unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES)) + tones
        )
    return "".join(out).encode("cp1258")


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def test_a_csv_saved_in_the_vietnamese_windows_code_page() -> None:
    text = "STT,Nội dung công việc,Thời gian thực hiện\n1,Tổ chức tập huấn,Tháng 9/2025\n"

    plan = read_plan(data=cp1258(text), name="kh.csv")

    assert [(t.title, t.deadline.raw) for t in plan.tasks] == [
        ("Tổ chức tập huấn", "Tháng 9/2025")
    ]


def test_a_utf16_tsv_with_a_quoted_multiline_cell() -> None:
    text = (
        "TT\tNhiệm vụ\tĐơn vị phối hợp\tTiến độ thực hiện\n"
        '1\tXây dựng chiến lược\t"- Phòng VH-XH\n- Công an phường"\tHoàn thành trong năm 2027\n'
    )

    plan = read_plan(data=text.encode("utf-16"), name="kh.tsv")

    [task] = plan.tasks
    assert [u.name for u in task.coord_units] == ["Phòng Văn hóa - Xã hội", "Công an"]
    assert task.line == 2


def test_sniffing_finds_the_delimiter() -> None:
    assert delimited.sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert delimited.sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"


DUMP = "\n".join(
    [
        "KẾ HOẠCH HÀNH ĐỘNG",
        "",
        "Phụ lục số 02: Phân công thực hiện các nhiệm vụ",
        "",
        "Stt\tTên nhiệm vụ\tĐồng chí được phân công chỉ đạo\t"
        "Cá nhân/Tổ chức được phân công chủ trì\tSản phẩm đầu ra\tTiến độ thực hiện",
        "1.\tThành lập Ban chỉ đạo\tĐồng chí Bí thư Đảng ủy\tVăn phòng Đảng ủy\tQuyết định\t"
        "Thường xuyên",
        "2.\tTham mưu bố trí cán bộ và\tĐồng chí Trưởng ban Ban Xây dựng đảng Đảng ủy phường\t"
        "Ban Xây dựng đảng Đảng ủy\tKế hoạch\tHằng năm",
        "",
        "Stt\tTên nhiệm vụ\tĐồng chí được phân công chỉ đạo\t"
        "Cá nhân/Tổ chức được phân công chủ trì\tSản phẩm đầu ra\tTiến độ thực hiện",
        "\tnguồn nhân lực\t\t\t\t",
        "3.\tBảo đảm an ninh mạng\tChủ tịch Ủy ban nhân dân\tCông an phường\tKế hoạch\tHàng năm",
        "",
        "Stt\tTên nhiệm vụ\tĐồng chí được phân công chỉ đạo\t"
        "Cá nhân/Tổ chức được phân công chủ trì\tSản phẩm đầu ra\tTiến độ thực hiện",
        "\t\tphường phụ trách Văn hóa – Xã hội\t\t\t",
        "4.\tXây dựng báo cáo\tĐồng chí Chánh Văn phòng Đảng ủy\tVăn phòng Đảng ủy\tBáo cáo\t"
        "Theo yêu cầu",
    ]
)


def test_a_text_dump_joins_pages_and_spilled_cells() -> None:
    plan = read_plan(data=DUMP.encode("utf-8"), name="kh.txt")

    assert [(t.stt, t.title) for t in plan.tasks] == [
        ("1", "Thành lập Ban chỉ đạo"),
        ("2", "Tham mưu bố trí cán bộ và nguồn nhân lực"),
        ("3", "Bảo đảm an ninh mạng"),
        ("4", "Xây dựng báo cáo"),
    ]
    directing = plan.tasks[2].directing
    assert directing is not None
    assert directing.post == "Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội"
    assert [t.line for t in plan.tasks] == [6, 7, 11, 15]


def test_each_run_of_tab_lines_is_a_raw_table_with_its_caption() -> None:
    tables = delimited.read_tables(DUMP)

    assert len(tables) == 3
    assert tables[0].title == "Phụ lục số 02: Phân công thực hiện các nhiệm vụ"
    assert tables[1].title == ""  # a page break, not a new appendix


MD_HEADER = (
    "| STT | Tên nhiệm vụ | Chủ trì chủ đạo | Đơn vị chủ trì | Đơn vị phối hợp"
    " | Sản phẩm đầu ra | Thời gian thực hiện/ hoàn thành |"
)
MARKDOWN = "\n".join(
    [
        "Phụ lục",
        "",
        MD_HEADER,
        "|---|--|---|---|---|---|---|",
        "| I | Công tác chỉ đạo | | | | | |",
        "| 1 | <p>Tổ chức phổ biến, quán triệt</p> | <p>Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch"
        " Ủy ban nhân dân phường</p> | <p>Phòng Văn hoá - Xã hội</p> | Các phòng ban, cơ quan,"
        " đơn vị thuộc phường | Kế hoạch | Nhiệm vụ thường xuyên; định kỳ hàng |",
        "",
        MD_HEADER,
        "|--|--|--|--|--|--|--|",
        "| | Nghị quyết số 57-NQ/TW | | | | | tháng báo cáo kết quả |",
        "| III. Về khoa học, công nghệ và đổi mới sáng tạo | | | | | | |",
        "| 1 | Đăng ký bài toán lớn | Đồng chí Đinh Thị Thu Hà | Phòng VH-XH | | Văn bản/ Báo cáo"
        " | Quý I/2026 |",
        "| 2 | Triển khai mô hình bảo đảm an toàn thông tin \ufffd",
    ]
)


def test_markdown_tables_join_pages_sections_and_continuations() -> None:
    plan = read_plan(data=MARKDOWN.encode("utf-8"), name="kh.md")

    assert [(t.section, t.stt) for t in plan.tasks] == [("I", "1"), ("III", "1"), ("III", "2")]
    first = plan.tasks[0]
    assert first.title == "Tổ chức phổ biến, quán triệt Nghị quyết số 57-NQ/TW"
    assert first.deadline.raw == "Nhiệm vụ thường xuyên; định kỳ hàng tháng báo cáo kết quả"
    assert [u.name for u in first.lead_units] == ["Phòng Văn hóa - Xã hội"]
    assert first.directing is not None
    assert first.directing.name == "Đinh Thị Thu Hà"
    assert plan.tasks[1].section_title == "Về khoa học, công nghệ và đổi mới sáng tạo"


def test_a_markdown_row_cut_short_is_kept_and_warned_without_invented_cells() -> None:
    plan = read_plan(data=MARKDOWN.encode("utf-8"), name="kh.md")

    cut = plan.tasks[2]
    assert cut.title == "Triển khai mô hình bảo đảm an toàn thông tin"
    assert cut.directing is None
    assert cut.lead_units == []
    assert cut.output is None
    warnings = [w for w in plan.warnings if w.line == 13]
    assert any("hàng bị cắt" in w.render("vi") for w in warnings)
    assert any("chưa ghi thời hạn" in w.render("vi") for w in warnings)


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("| a | b \\| c | d |", ["a", "b | c", "d"]),
        ("| a | b", ["a", "b\ufffd"]),
    ],
)
def test_pipe_rows_are_split_on_unescaped_pipes(line: str, cells: list[str]) -> None:
    assert markdown.split_row(line) == cells
