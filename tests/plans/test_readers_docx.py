"""Word plans: letterhead, merged and repeated headers, sections and continued rows."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from plans.reader import read_plan
from plans.readers import docx as docx_reader
from tests.plans.factories import (
    KPI_HEADER_BOTTOM,
    KPI_HEADER_TOP,
    KPI_ROWS,
    TASK_HEADER,
    TASK_ROWS,
    add_table,
    docx_bytes,
    new_document,
    save_docx,
)

# The KPI header: "TT", "Chỉ tiêu" and the two person/unit columns span both header rows,
# "Mục tiêu" spans the three year columns; the section row spans the whole table.
KPI_MERGES = [
    ((0, 0), (1, 0)),
    ((0, 1), (1, 1)),
    ((0, 2), (0, 4)),
    ((0, 5), (1, 5)),
    ((0, 6), (1, 6)),
    ((2, 1), (2, 6)),
]


def plan_document(tmp_path: Path) -> Path:
    document = new_document()
    add_table(
        document,
        [KPI_HEADER_TOP, KPI_HEADER_BOTTOM, *KPI_ROWS],
        merges=KPI_MERGES,
        repeat_header=2,
        caption="Phụ lục 1: Chỉ tiêu phát triển",
    )
    add_table(
        document,
        [TASK_HEADER, *TASK_ROWS],
        repeat_header=1,
        caption="Phụ lục 2: Phân công thực hiện các nhiệm vụ",
    )
    document.add_paragraph("Nơi nhận:")
    return save_docx(document, tmp_path / "ke-hoach.docx")


def test_a_word_plan_gives_its_kpis_tasks_and_particulars(tmp_path: Path) -> None:
    path = plan_document(tmp_path)

    plan = read_plan(path)

    assert plan.source_name == "ke-hoach.docx"
    assert len(plan.source_hash) == 64
    assert plan.number == "15/KH-UBND"
    assert plan.issued_on == date(2026, 3, 12)
    assert plan.issuer == "ỦY BAN NHÂN DÂN PHƯỜNG NAM ĐỒNG"
    assert plan.title == "KẾ HOẠCH Triển khai Nghị quyết số 57-NQ/TW năm 2026"

    assert [(k.section, k.stt) for k in plan.indicators] == [("I", "1"), ("I", "2")]
    first, second = plan.indicators
    assert first.targets == {"2025": "≥60%", "2030": "100%", "2035": "100%"}
    assert second.targets == {"2025": "-", "2030": None, "2035": "50%"}
    assert first.section_title == "Phát triển hạ tầng"
    assert second.monitoring_unit is not None
    assert second.monitoring_unit.name == "Phòng Văn hóa - Xã hội"

    assert [(t.section, t.stt) for t in plan.tasks] == [("I", "1"), ("I", "2"), ("II", "1")]
    task = plan.tasks[2]
    assert [u.name for u in task.lead_units] == [
        "Phòng Kinh tế, Hạ tầng và Đô thị",
        "Trung tâm Phục vụ hành chính công",
    ]
    assert [u.name for u in task.coord_units] == [
        "Phòng Văn hóa - Xã hội",
        "Văn phòng HĐND và UBND",
    ]
    assert task.directing is not None
    assert task.directing.name == "Nguyễn Khánh Chi"
    assert task.deadline.raw == "Tháng 12/2026"


def test_tables_keep_their_captions_and_the_letterhead_is_no_appendix(tmp_path: Path) -> None:
    document = plan_document(tmp_path).read_bytes()

    read = docx_reader.read(document)

    letterhead, kpis, tasks = read.tables
    assert kpis.title == "Phụ lục 1: Chỉ tiêu phát triển"
    assert tasks.title == "Phụ lục 2: Phân công thực hiện các nhiệm vụ"
    # The two header rows marked to repeat are joined; "TT" spans both and is kept once.
    assert kpis.header[:4] == ["TT", "Chỉ tiêu", "Mục tiêu Năm 2025", "Năm 2030"]
    # The section row merged across the table keeps its title once.
    assert kpis.rows[0].cells == ["I", "Phát triển hạ tầng", "", "", "", "", ""]
    assert "Số: 15/KH-UBND" in read.text
    assert letterhead.source == "bảng 1"


def test_columns_in_another_order_with_other_wordings(tmp_path: Path) -> None:
    document = new_document()
    order = [6, 1, 0, 3, 2]  # deadline first, number in the middle
    header = [
        "Thời gian triển khai và hoàn thành",
        "Nội dung công việc",
        "TT",
        "Đơn vị chủ trì",
        "Chủ trì chủ đạo",
    ]
    rows = [[row[i] for i in order] for row in TASK_ROWS if row[0] not in ("I", "II")]
    add_table(document, [header, *rows])

    plan = read_plan(data=docx_bytes(document), name="kh.docx")

    assert [t.stt for t in plan.tasks] == ["1", "2", "1"]
    assert [t.deadline.raw for t in plan.tasks] == ["Quý I/2026", "Hàng năm", "Tháng 12/2026"]
    assert [u.name for u in plan.tasks[1].lead_units] == ["Công an", "Văn phòng HĐND và UBND"]
    assert plan.tasks[0].directing is not None
    assert plan.tasks[0].directing.name == "Đinh Thị Thu Hà"


def test_a_vertically_merged_number_continues_the_task(tmp_path: Path) -> None:
    document = new_document()
    rows = [
        TASK_HEADER,
        [
            "1",
            "Rà soát hạ tầng mạng",
            "Chủ tịch UBND phường",
            "Phòng VH-XH",
            "",
            "Báo cáo",
            "Quý I/2026",
        ],
        [
            "1",
            "và thiết bị đầu cuối",
            "Chủ tịch UBND phường",
            "Phòng VH-XH",
            "",
            "Báo cáo",
            "Quý I/2026",
        ],
        ["2", "Số hóa hồ sơ", "Chủ tịch UBND phường", "Phòng VH-XH", "", "Báo cáo", "Quý II/2026"],
    ]
    # The number, the leader and the unit are merged down rows 1-2 (one task over two rows);
    # the leader and the unit are also merged down into task 2 (shared by both tasks).
    merges = [((1, 0), (2, 0)), ((1, 2), (3, 2)), ((1, 3), (3, 3)), ((1, 6), (2, 6))]
    add_table(document, rows, merges=merges)

    plan = read_plan(data=docx_bytes(document), name="kh.docx")

    assert [(t.stt, t.title) for t in plan.tasks] == [
        ("1", "Rà soát hạ tầng mạng và thiết bị đầu cuối"),
        ("2", "Số hóa hồ sơ"),
    ]
    assert plan.tasks[0].deadline.raw == "Quý I/2026"
    assert [u.name for u in plan.tasks[1].lead_units] == ["Phòng Văn hóa - Xã hội"]
    assert plan.tasks[1].directing is not None
    assert plan.tasks[1].directing.post == "Chủ tịch UBND phường"


def test_a_table_split_over_pages_is_read_as_one(tmp_path: Path) -> None:
    # What a PDF-to-Word conversion gives: one table per page, the header repeated as a row
    # (not marked), and a cell spilled onto the next page in a row with no number.
    document = new_document()
    header = ["Stt", "Tên nhiệm vụ", "Cá nhân/Tổ chức được phân công chủ trì", "Tiến độ thực hiện"]
    add_table(
        document,
        [
            header,
            ["1.", "Thành lập Ban chỉ đạo", "Văn phòng Đảng ủy", "Thường xuyên"],
            ["2.", "Tham mưu bố trí cán bộ và", "Ban Xây dựng đảng Đảng ủy", "Hằng năm"],
        ],
        caption="Phụ lục số 02: Phân công thực hiện các nhiệm vụ",
    )
    document.add_paragraph("")
    add_table(
        document,
        [
            header,
            ["", "nguồn nhân lực các cấp", "", ""],
            ["3.", "Xây dựng báo cáo", "Đ/c Chánh Văn phòng Đảng ủy", "Theo yêu cầu"],
        ],
    )

    plan = read_plan(data=docx_bytes(document), name="kh.docx")

    assert [(t.stt, t.title) for t in plan.tasks] == [
        ("1", "Thành lập Ban chỉ đạo"),
        ("2", "Tham mưu bố trí cán bộ và nguồn nhân lực các cấp"),
        ("3", "Xây dựng báo cáo"),
    ]
    assert [u.name for u in plan.tasks[2].lead_units] == ["Văn phòng Đảng ủy"]
    assert plan.tasks[2].lead_person is not None
    assert plan.tasks[2].lead_person.post == "Chánh Văn phòng Đảng ủy"


def test_a_header_row_repeated_further_down_is_dropped(tmp_path: Path) -> None:
    document = new_document()
    rows = [TASK_HEADER, TASK_ROWS[1], TASK_HEADER, TASK_ROWS[2]]
    table = add_table(document, rows, repeat_header=1)
    # Mark the copy too, as converters that keep Word's flag do.
    flag = table.rows[0]._tr.get_or_add_trPr()[0]
    table.rows[2]._tr.get_or_add_trPr().append(copy.deepcopy(flag))

    plan = read_plan(data=docx_bytes(document), name="kh.docx")

    assert [t.stt for t in plan.tasks] == ["1", "2"]
    assert plan.warnings == []
