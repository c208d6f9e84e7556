"""Reading raw tables: headers in any wording and order, sections, continuations, cells."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from plans import deadlines, interpret
from plans.draft import Deadline
from plans.errors import NO_HEADER, NO_TABLE, ImportRefused
from plans.interpret import clean_cell, interpret_tables, match_role
from plans.tables import RawRow, RawTable


def table(
    header: Sequence[str], *rows: Sequence[str], title: str = "", first_line: int = 10
) -> RawTable:
    return RawTable(
        header=list(header),
        rows=[RawRow(list(r), line=first_line + i) for i, r in enumerate(rows)],
        title=title,
    )


@pytest.fixture
def unknown_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every deadline unreadable, whatever the real parser can do."""
    monkeypatch.setattr(
        deadlines,
        "parse_deadline",
        lambda text, *, plan_year=None: Deadline("unknown", None, text),
    )


@pytest.mark.parametrize(
    ("wording", "role"),
    [
        ("STT", "stt"),
        ("TT", "stt"),
        ("Tên nhiệm vụ", "task"),
        ("Nội dung công việc", "task"),
        ("Nhiệm vụ", "task"),
        ("Chỉ tiêu", "indicator"),
        ("Năm 2030", "year:2030"),
        ("Đồng chí được phân công chỉ đạo", "directing"),
        ("Chủ trì chỉ đạo", "directing"),
        ("Chủ trì chủ đạo", "directing"),
        ("Người đứng đầu chịu trách nhiệm", "directing"),
        ("Phân công chỉ đạo", "directing"),
        ("Cơ quan/Đơn vị chủ trì", "lead_unit"),
        ("Đơn vị chủ trì", "lead_unit"),
        ("Đồng chí được phân công chủ trì", "lead_person"),
        ("Cá nhân/Tổ chức được phân công chủ trì", "lead_any"),
        ("Cơ quan/Đơn vị phối hợp", "coord"),
        ("Cơ quan chủ trì theo dõi, đánh giá", "monitoring"),
        ("Sản phẩm đầu ra", "output"),
        ("Kết quả", "output"),
        ("Thời gian thực hiện/ hoàn thành", "deadline"),
        ("Tiến độ thực hiện", "deadline"),
        ("Thời gian triển khai và hoàn thành", "deadline"),
        ("THOI GIAN HOAN THANH", "deadline"),
    ],
)
def test_header_wordings_are_recognised(wording: str, role: str) -> None:
    assert match_role(wording) == role


def test_a_long_data_cell_is_not_taken_for_a_header() -> None:
    assert match_role("Nhiệm vụ thường xuyên " * 10) is None


def test_columns_are_found_in_any_order_and_wording(unknown_deadlines: None) -> None:
    raw = table(
        ["Tiến độ thực hiện", "Đơn vị phối hợp", "TT", "Chủ trì chỉ đạo", "Nội dung công việc"],
        ["Quý I/2026", "Phòng VH-XH", "1.", "Chủ tịch UBND phường", "Lập kế hoạch"],
    )

    result = interpret_tables([raw])

    [task] = result.tasks
    assert task.stt == "1"
    assert task.title == "Lập kế hoạch"
    assert task.deadline.raw == "Quý I/2026"
    assert [u.name for u in task.coord_units] == ["Phòng Văn hóa - Xã hội"]
    assert task.directing is not None
    assert task.directing.post == "Chủ tịch UBND phường"


def test_sections_and_numbering_restarting_per_section() -> None:
    header = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời gian thực hiện"]
    raw = table(
        header,
        ["I", "Công tác chỉ đạo", "", ""],
        ["1", "Nhiệm vụ A", "Phòng VH-XH", "Thường xuyên"],
        ["2", "Nhiệm vụ B", "Phòng VH-XH", "Thường xuyên"],
        ["II.", "Về hạ tầng số", "", ""],
        ["1", "Nhiệm vụ C", "Công an phường", "Quý II/2026"],
        ["III. Về khoa học, công nghệ và đổi mới sáng tạo", "", "", ""],
        ["1", "Nhiệm vụ D", "VHXH", "Tháng 12/2026"],
    )

    tasks = interpret_tables([raw]).tasks

    assert [(t.section, t.stt, t.title) for t in tasks] == [
        ("I", "1", "Nhiệm vụ A"),
        ("I", "2", "Nhiệm vụ B"),
        ("II", "1", "Nhiệm vụ C"),
        ("III", "1", "Nhiệm vụ D"),
    ]
    assert tasks[2].section_title == "Về hạ tầng số"
    assert tasks[3].section_title == "Về khoa học, công nghệ và đổi mới sáng tạo"


def test_a_row_without_number_continues_the_row_above() -> None:
    header = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện"]
    raw = table(
        header,
        [
            "1",
            "Tham mưu kiện toàn tổ chức bộ máy và",
            "Phòng Văn hóa –",
            "Các trường trên địa",
            "",
        ],
        ["", "nguồn nhân lực", "Xã hội phường", "bàn phường", "Hằng năm"],
        ["2", "Nhiệm vụ tiếp theo", "Công an phường", "", "Thường xuyên"],
    )

    tasks = interpret_tables([raw]).tasks

    assert len(tasks) == 2
    assert tasks[0].title == "Tham mưu kiện toàn tổ chức bộ máy và nguồn nhân lực"
    assert [u.name for u in tasks[0].lead_units] == ["Phòng Văn hóa - Xã hội"]
    assert [u.name for u in tasks[0].coord_units] == ["Các trường trên địa bàn phường"]
    assert tasks[0].deadline.raw == "Hằng năm"
    assert tasks[0].line == 10


def test_pages_repeating_the_header_are_one_table_and_spills_join_across() -> None:
    header = ["Stt", "Tên nhiệm vụ", "Cá nhân/Tổ chức được phân công chủ trì", "Tiến độ thực hiện"]
    page1 = table(
        header, ["1.", "Việc một", "Văn phòng Đảng ủy", "Thường xuyên"], ["2.", "Việc", "", ""]
    )
    page2 = table(header, ["", "hai", "Ban Xây dựng đảng Đảng ủy", "Hằng năm"], first_line=20)
    page2.rows.append(RawRow(list(header), line=22))  # a header repeated inside a page
    page2.rows.append(RawRow(["3.", "Việc ba", "Công an phường", "Hàng năm"], line=23))

    tasks = interpret_tables([page1, page2]).tasks

    assert [(t.stt, t.title) for t in tasks] == [
        ("1", "Việc một"),
        ("2", "Việc hai"),
        ("3", "Việc ba"),
    ]
    assert [u.name for u in tasks[1].lead_units] == ["Ban Xây dựng Đảng"]


def test_a_page_without_its_header_continues_the_table_before() -> None:
    header = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời gian thực hiện"]
    page1 = table(header, ["1", "Việc một", "Phòng VH-XH", "Quý I/2026"])
    # What a reader returns for a page that does not repeat the header: a data row first.
    page2 = RawTable(
        header=["", "(tiếp theo)", "", ""],
        rows=[RawRow(["2", "Việc hai", "Công an phường", "Quý II/2026"], line=30)],
    )

    tasks = interpret_tables([page1, page2]).tasks

    assert [(t.stt, t.title) for t in tasks] == [("1", "Việc một (tiếp theo)"), ("2", "Việc hai")]


def test_a_captioned_table_of_another_width_is_not_a_continuation() -> None:
    header = ["STT", "Tên nhiệm vụ", "Thời gian thực hiện"]
    first = table(header, ["1", "Việc một", "Quý I/2026"], title="Phụ lục 1: Nhiệm vụ")
    signature = RawTable(
        header=["Nơi nhận:", "KT. CHỦ TỊCH"], rows=[RawRow(["- Lưu VT", "Đinh Thị Thu Hà"])]
    )

    tasks = interpret_tables([first, signature]).tasks

    assert [(t.stt, t.title) for t in tasks] == [("1", "Việc một")]


def test_a_header_over_two_rows_is_joined() -> None:
    raw = RawTable(
        header=["TT", "Chỉ tiêu", "Mục tiêu", "", "Cơ quan chủ trì theo dõi, đánh giá"],
        rows=[
            RawRow(["", "", "Năm 2025", "Năm 2030", ""], line=2),
            RawRow(["(1)", "(2)", "(3)", "(4)", "(5)"], line=3),
            RawRow(["1", "Tỷ lệ phủ sóng 5G", "≥60%", "100%", "Phòng VH-XH"], line=4),
        ],
    )

    [kpi] = interpret_tables([raw]).indicators

    assert kpi.targets == {"2025": "≥60%", "2030": "100%"}
    assert kpi.monitoring_unit is not None
    assert kpi.monitoring_unit.name == "Phòng Văn hóa - Xã hội"


def test_kpi_targets_keep_what_is_printed() -> None:
    header = ["Stt", "Chỉ tiêu", "Năm 2025", "Năm 2030", "Năm 2035", "Năm 2040", "Năm 2045"]
    raw = table(
        header,
        [
            "5",
            "Tỉ lệ chi cho KHCN",
            "phần đầu ít nhất 3%",
            "-",
            "",
            r"$\geq 95\%$",
            "Có từ 07 người",
        ],
    )

    [kpi] = interpret_tables([raw]).indicators

    assert kpi.targets == {
        "2025": "phần đầu ít nhất 3%",
        "2030": "-",
        "2035": None,
        "2040": "≥ 95%",
        "2045": "Có từ 07 người",
    }


def test_a_lead_person_implies_the_lead_unit_without_a_unit_column() -> None:
    header = ["STT", "Tên nhiệm vụ", "Đồng chí được phân công chủ trì", "Thời gian thực hiện"]
    raw = table(header, ["1", "Việc", "Đ/c Trưởng Phòng Văn hóa – Xã hội phường", "Quý I/2026"])

    [task] = interpret_tables([raw]).tasks

    assert task.lead_person is not None
    assert task.lead_person.name is None
    assert [u.name for u in task.lead_units] == ["Phòng Văn hóa - Xã hội"]


def test_unknown_deadlines_are_warned_with_line_and_text(unknown_deadlines: None) -> None:
    raw = table(["STT", "Tên nhiệm vụ", "Thời gian thực hiện"], ["1", "Việc", "Khi nào xong"])

    result = interpret_tables([raw], text_lines=True)

    [task] = result.tasks
    assert task.deadline.kind == "unknown"
    [warning] = result.warnings
    assert warning.line == 10
    assert warning.params["raw"] == "Khi nào xong"
    assert warning.render("vi").startswith("dòng 10: chưa hiểu thời hạn “Khi nào xong”")


def test_tasks_without_a_deadline_column_are_unknown_with_one_warning() -> None:
    raw = table(
        ["STT", "Nội dung công việc", "Đơn vị chủ trì"],
        ["1", "Việc một", "Phòng VH-XH"],
        ["2", "Việc hai", "Công an phường"],
        title="Phụ lục 2: Nhiệm vụ",
    )

    result = interpret_tables([raw])

    assert [t.deadline for t in result.tasks] == [Deadline("unknown"), Deadline("unknown")]
    [warning] = result.warnings
    assert warning.params == {"table": "Phụ lục 2: Nhiệm vụ", "count": 2}


def test_a_row_cut_short_is_kept_without_invented_cells() -> None:
    header = ["STT", "Tên nhiệm vụ", "Đơn vị chủ trì", "Thời gian thực hiện"]
    raw = table(header, ["5", "Triển khai mô hình an toàn thông tin " + interpret.BROKEN])

    result = interpret_tables([raw], text_lines=True)

    [task] = result.tasks
    assert task.title == "Triển khai mô hình an toàn thông tin"
    assert task.lead_units == []
    assert task.deadline.raw == ""
    rendered = [w.render("vi") for w in result.warnings]
    assert any("hàng bị cắt" in w and "Đơn vị chủ trì" in w for w in rendered)


def test_a_numbered_row_without_content_is_skipped_with_a_warning() -> None:
    raw = table(
        ["STT", "Tên nhiệm vụ", "Thời gian thực hiện"], ["7", "", ""], ["8", "Việc", "Quý I/2026"]
    )

    result = interpret_tables([raw], text_lines=True)

    assert [t.stt for t in result.tasks] == ["8"]
    [warning] = result.warnings
    assert warning.msgid == interpret.W_NO_TITLE
    assert (warning.line, warning.params["stt"]) == (10, "7")


def test_tables_without_a_recognisable_header_are_refused() -> None:
    raw = table(["Cột A", "Cột B", "Cột C"], ["1", "x", "y"], ["2", "z", "w"])

    with pytest.raises(ImportRefused) as refused:
        interpret_tables([raw], name="bang.csv")

    assert refused.value.msgid == NO_HEADER
    assert "bang.csv" in refused.value.render("vi")


def test_no_table_at_all_is_refused_as_no_appendix() -> None:
    with pytest.raises(ImportRefused) as refused:
        interpret_tables([], name="kh.txt")

    assert refused.value.msgid == NO_TABLE


@pytest.mark.parametrize(
    ("cell", "clean"),
    [
        ("<p>Phòng Văn hoá - Xã hội</p>", "Phòng Văn hoá - Xã hội"),
        (r"$\geq 95\%$", "≥ 95%"),
        (r"$\leq 5\%$", "≤ 5%"),
        ("Văn bản\\/Báo cáo \\*", "Văn bản/Báo cáo *"),
        ("**Quý I/2026**", "Quý I/2026"),
        ("Dòng một<br>dòng hai", "Dòng một\ndòng hai"),
        ("A &amp; B", "A & B"),
        ("  nhiều   khoảng  trắng ", "nhiều khoảng trắng"),
    ],
)
def test_cells_are_cleaned_of_markup(cell: str, clean: str) -> None:
    assert clean_cell(cell) == clean


def test_a_running_header_between_pages_does_not_break_the_table() -> None:
    header = ["STT", "Tên nhiệm vụ", "Thời gian thực hiện"]
    page1 = table(header, ["I", "Công tác chỉ đạo", ""], ["1", "Việc một và", "Quý I/2026"])
    page2 = table(header, ["", "việc kèm theo", ""], ["2", "Việc hai", "Quý II/2026"])
    page2.title = "Kế hoạch số 15/KH-UBND"  # printed at the top of every page
    annex = table(header, ["1", "Việc khác", "Hằng năm"], title="Phụ lục 2: Nhiệm vụ năm 2027")

    tasks = interpret_tables([page1, page2, annex]).tasks

    assert [(t.section, t.stt, t.title) for t in tasks] == [
        ("I", "1", "Việc một và việc kèm theo"),
        ("I", "2", "Việc hai"),
        (None, "1", "Việc khác"),
    ]


def test_bulleted_rows_are_items_without_a_number() -> None:
    raw = table(
        ["STT", "Tên nhiệm vụ", "Thời gian thực hiện"],
        ["1", "Chuyển đổi số trong cơ quan", "Thường xuyên"],
        ["-", "Số hóa hồ sơ lưu trữ", "Quý III/2026"],
    )

    tasks = interpret_tables([raw]).tasks

    assert [(t.stt, t.title, t.deadline.raw) for t in tasks] == [
        ("1", "Chuyển đổi số trong cơ quan", "Thường xuyên"),
        (None, "Số hóa hồ sơ lưu trữ", "Quý III/2026"),
    ]


def test_a_short_row_not_marked_as_cut_is_padded_silently() -> None:
    # CSV exporters drop trailing empty cells; that is no truncation.
    raw = table(
        ["STT", "Tên nhiệm vụ", "Thời gian thực hiện", "Ghi chú"], ["1", "Việc", "Quý I/2026"]
    )

    result = interpret_tables([raw])

    assert [t.deadline.raw for t in result.tasks] == ["Quý I/2026"]
    assert result.warnings == []
