"""Excel plans: several sheets, captions above the header, merged cells, typed values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

from plans.reader import read_plan
from plans.readers import xlsx as xlsx_reader
from tests.plans.factories import add_sheet, save_xlsx


def workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    add_sheet(
        book,
        "Chỉ tiêu",
        [
            ["ỦY BAN NHÂN DÂN PHƯỜNG NAM ĐỒNG"],
            ["Phụ lục 1: Chỉ tiêu phát triển khoa học, công nghệ và chuyển đổi số"],
            [],
            ["STT", "Chỉ tiêu", "Mục tiêu", None, "Cơ quan chủ trì theo dõi, đánh giá"],
            [None, None, "Năm 2025", "Năm 2030", None],
            ["I", "Phát triển hạ tầng"],
            [1, "Tỷ lệ phủ sóng 5G", 0.6, 1, "Phòng VH-XH"],
            [2, "Số sáng kiến được công nhận/năm", 10, 20.5, "phòng Văn hóa – Xã hội phường"],
        ],
        merges=["A1:E1", "A2:E2", "A4:A5", "B4:B5", "C4:D4", "E4:E5", "B6:E6"],
    )
    sheet = book["Chỉ tiêu"]
    sheet["C7"].number_format = "0%"
    sheet["D7"].number_format = "0%"
    add_sheet(
        book,
        "Nhiệm vụ",
        [
            ["Phụ lục 2: Phân công nhiệm vụ"],
            ["TT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời gian hoàn thành", "Đơn vị phối hợp"],
            ["I", "Công tác chỉ đạo"],
            [1, "Xây dựng kế hoạch", "Phòng VH-XH", datetime(2026, 6, 30), "Công an phường"],
            [None, "và tổ chức thực hiện", None, None, None],
            [2, "Rà soát hồ sơ", None, "Quý II/2026", "Trung tâm Phục vụ HCC"],
            [3, "Số hóa tài liệu", None, "Quý III/2026", None],
            [4, "Kiểm tra, giám sát", "Văn phòng HĐND và UBND", "Hằng năm", None],
            [4, "(tiếp) đối với các tổ dân phố", None, None, None],
        ],
        merges=["A1:E1", "B3:E3", "C6:C7", "A8:A9", "C8:C9", "D8:D9"],
    )
    return save_xlsx(book, tmp_path / "ke-hoach.xlsx")


def test_each_sheet_is_read_with_its_header_found_below_the_caption(tmp_path: Path) -> None:
    plan = read_plan(workbook(tmp_path))

    assert [(k.section, k.stt, k.indicator) for k in plan.indicators] == [
        ("I", "1", "Tỷ lệ phủ sóng 5G"),
        ("I", "2", "Số sáng kiến được công nhận/năm"),
    ]
    assert plan.indicators[0].targets == {"2025": "60%", "2030": "100%"}
    assert plan.indicators[1].targets == {"2025": "10", "2030": "20,5"}
    assert {k.monitoring_unit.name for k in plan.indicators if k.monitoring_unit} == {
        "Phòng Văn hóa - Xã hội"
    }
    assert plan.issuer == "ỦY BAN NHÂN DÂN PHƯỜNG NAM ĐỒNG"


def test_merged_cells_continuations_and_dates_in_the_task_sheet(tmp_path: Path) -> None:
    plan = read_plan(workbook(tmp_path))

    assert [(t.section, t.stt, t.title) for t in plan.tasks] == [
        ("I", "1", "Xây dựng kế hoạch và tổ chức thực hiện"),
        ("I", "2", "Rà soát hồ sơ"),
        ("I", "3", "Số hóa tài liệu"),
        ("I", "4", "Kiểm tra, giám sát (tiếp) đối với các tổ dân phố"),
    ]
    first, second, third, fourth = plan.tasks
    assert first.deadline.raw == "30/06/2026"
    # "C6:C7" merges an empty unit cell: both tasks have no lead unit, neither invents one.
    assert second.lead_units == []
    assert third.lead_units == []
    assert [u.name for u in second.coord_units] == ["Trung tâm Phục vụ hành chính công"]
    assert [u.name for u in fourth.lead_units] == ["Văn phòng HĐND và UBND"]
    assert fourth.deadline.raw == "Hằng năm"


def test_a_unit_merged_down_two_tasks_belongs_to_both(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    add_sheet(
        book,
        "Nhiệm vụ",
        [
            ["STT", "Nội dung công việc", "Cơ quan/Đơn vị chủ trì", "Tiến độ thực hiện"],
            [1, "Việc một", "Phòng Kinh tế, Hạ tầng và Đô thị", "Quý I/2026"],
            [2, "Việc hai", None, "Quý II/2026"],
        ],
        merges=["C2:C3"],
    )

    plan = read_plan(save_xlsx(book, tmp_path / "kh.xlsx"))

    assert [[u.name for u in t.lead_units] for t in plan.tasks] == [
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
        ["Phòng Kinh tế, Hạ tầng và Đô thị"],
    ]


def test_sheets_are_separate_tables_with_their_names_as_source(tmp_path: Path) -> None:
    read = xlsx_reader.read(workbook(tmp_path).read_bytes())

    assert [t.source for t in read.tables] == ["trang tính Chỉ tiêu", "trang tính Nhiệm vụ"]
    assert read.tables[0].title.startswith("Phụ lục 1")
    assert read.tables[0].header[2:4] == ["Mục tiêu Năm 2025", "Mục tiêu Năm 2030"]


def test_values_are_printed_as_excel_shows_them() -> None:
    assert xlsx_reader.format_value(3.0) == "3"
    assert xlsx_reader.format_value(0.035, "0.0%") == "3,5%"
    assert xlsx_reader.format_value(datetime(2026, 3, 31)) == "31/03/2026"
    assert xlsx_reader.format_value(None) == ""


def test_a_hidden_helper_sheet_is_not_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    add_sheet(
        book,
        "Nhiệm vụ",
        [["STT", "Tên nhiệm vụ", "Thời gian thực hiện"], [1, "Việc một", "Quý I/2026"]],
    )
    add_sheet(
        book,
        "Danh mục",
        [["STT", "Tên nhiệm vụ", "Thời gian thực hiện"], [1, "Mẫu", "Quý IV/2026"]],
    )
    book["Danh mục"].sheet_state = "hidden"

    plan = read_plan(save_xlsx(book, tmp_path / "kh.xlsx"))

    assert [t.title for t in plan.tasks] == ["Việc một"]


def test_a_big_workbook_is_streamed_and_still_read(tmp_path: Path) -> None:
    data = workbook(tmp_path).read_bytes()

    read = xlsx_reader.read(data, read_only=True)

    # Streaming knows no merged cells: the rows are still there, cell by cell.
    assert [t.source for t in read.tables] == ["trang tính Chỉ tiêu", "trang tính Nhiệm vụ"]
    assert any(r.cells[:2] == ["2", "Rà soát hồ sơ"] for r in read.tables[1].rows)
