"""The seed plans 000 (tab-separated dump), 003 (markdown tables) and 001 (no table at all).

Counts were made by hand from the documents: 000 has 38 indicators in sections I-V and 14
tasks (its README says 13; the document numbers 1. to 14.); 003 has 20 tasks in sections I,
II, III, IV, VI, VII and VIII (the document has no section V).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from plans.draft import DraftPlan
from plans.errors import NO_TABLE, ImportRefused
from plans.interpret import W_DEADLINE_UNKNOWN
from plans.reader import read_plan

pytestmark = pytest.mark.seeds

SeedPath = Callable[[str], Path]
VHXH = "Phòng Văn hóa - Xã hội"


@pytest.fixture
def plan000(seed_path: SeedPath) -> DraftPlan:
    return read_plan(seed_path("000"))


@pytest.fixture
def plan003(seed_path: SeedPath) -> DraftPlan:
    return read_plan(seed_path("003"))


# -- 000: Dương Kinh ---------------------------------------------------------------------


def test_000_particulars(plan000: DraftPlan) -> None:
    assert plan000.number == "07-KH/ĐU"
    assert plan000.issued_on == date(2025, 9, 22)
    assert plan000.issuer == "Ban Thường vụ Đảng ủy Dương Kinh"
    assert plan000.title is not None
    assert plan000.title.startswith("KẾ HOẠCH HÀNH ĐỘNG")


def test_000_has_38_indicators_in_five_sections(plan000: DraftPlan) -> None:
    kpis = plan000.indicators

    assert [k.stt for k in kpis] == [str(n) for n in range(1, 39)]
    assert Counter(k.section for k in kpis) == {"I": 4, "II": 15, "III": 3, "IV": 4, "V": 12}
    assert kpis[0].section_title == "Phát triển hạ tầng"
    assert kpis[-1].section_title == "Phát triển chuyển đổi số"


def test_000_targets_are_kept_as_printed(plan000: DraftPlan) -> None:
    kpi = {k.stt: k for k in plan000.indicators}

    assert kpi["1"].targets == {
        "2025": "≥60%",
        "2030": "100%",
        "2035": "100%",
        "2040": "100%",
        "2045": "100%",
    }
    assert kpi["4"].targets["2025"] == "-"
    assert kpi["5"].targets["2025"] == "phần đầu ít nhất 3%"
    assert kpi["11"].targets["2045"] == "Có từ 54 người"
    assert kpi["17"].targets == {
        "2025": "-",
        "2030": "≥ 95%",
        "2035": None,
        "2040": "100%",
        "2045": "-",
    }
    assert kpi["21"].targets["2045"] == "≥ 70%"


def test_000_rows_spilled_over_a_page_join_the_right_indicator(plan000: DraftPlan) -> None:
    kpi = {k.stt: k for k in plan000.indicators}

    assert [u.name for u in kpi["12"].coord_units] == [
        "Các trường tiểu học và THCS trên địa bàn phường"
    ]
    assert kpi["15"].indicator.endswith("Toán học (STEM) và nghiên cứu khoa học.")
    assert kpi["16"].indicator.startswith("Tỷ lệ cơ sở giáo dục phổ thông triển khai các")
    assert kpi["21"].indicator == (
        "Tỷ lệ kết quả khoa học và công nghệ được ứng dụng thực tiễn sau 12 tháng nghiệm thu."
    )
    assert kpi["21"].directing is not None
    assert kpi["21"].directing.post == (
        "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội"
    )
    assert kpi["21"].lead is not None
    assert kpi["21"].lead.post == "Trưởng Phòng Văn hóa – Xã hội phường"
    assert kpi["36"].monitoring_unit is not None
    assert kpi["36"].monitoring_unit.name == VHXH
    assert [u.name for u in kpi["36"].coord_units] == [
        "Nhà cung cấp chữ ký số công cộng",
        "Trung tâm Phục vụ hành chính công",
        "Các đơn vị phối hợp có liên quan",
    ]


def test_000_indicators_name_who_directs_leads_and_monitors(plan000: DraftPlan) -> None:
    kpi = {k.stt: k for k in plan000.indicators}

    assert kpi["1"].directing is not None
    assert kpi["1"].directing.name is None
    assert kpi["1"].lead is not None
    assert kpi["1"].lead.post == ("Trưởng Phòng Văn hóa – Xã hội phường")
    monitors = Counter(k.monitoring_unit.name for k in plan000.indicators if k.monitoring_unit)
    assert monitors == {
        VHXH: 23,
        "Phòng Kinh tế, Hạ tầng và Đô thị": 5,
        "Trung tâm Phục vụ hành chính công": 6,
        "Văn phòng HĐND và UBND": 3,
        "Công an": 1,
    }
    assert [u.name for u in kpi["2"].coord_units] == [
        "Nhà mạng cung cấp và các phòng chuyên môn thuộc UBND phường"
    ]


def test_000_has_14_tasks_with_spills_joined(plan000: DraftPlan) -> None:
    tasks = {t.stt: t for t in plan000.tasks}

    assert [t.stt for t in plan000.tasks] == [str(n) for n in range(1, 15)]
    assert all(t.section is None for t in plan000.tasks)
    assert tasks["4"].title.endswith(
        "đổi mới sáng tạo và chuyển đổi số trong hệ thống cơ quan đảng các cấp"
    )
    assert tasks["11"].directing is not None
    assert tasks["11"].directing.post == (
        "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội"
    )
    assert [u.name for u in tasks["10"].lead_units] == ["Công an", "Văn phòng HĐND và UBND"]
    assert [u.name for u in tasks["3"].lead_units] == ["Ban Xây dựng Đảng"]
    assert [u.name for u in tasks["12"].lead_units] == ["Ủy ban Kiểm tra Đảng ủy"]
    assert tasks["1"].directing is not None
    assert tasks["1"].directing.post == "Bí thư Đảng ủy"
    assert tasks["9"].output == "Chiến lược/ Kế hoạch"


def test_000_task_deadlines(plan000: DraftPlan) -> None:
    """Waits on the real ``parse_deadline`` (plans/deadlines.py)."""
    kinds = {t.stt: (t.deadline.kind, t.deadline.due_date) for t in plan000.tasks}

    assert kinds["1"] == ("ongoing", None)  # Thường xuyên
    assert kinds["3"] == ("yearly", None)  # Hằng năm
    assert kinds["7"] == ("yearly", None)  # Hàng năm
    assert kinds["5"] == ("once", date(2025, 9, 30))  # Hoàn thành trong tháng 9/2025
    assert kinds["9"] == ("once", date(2027, 12, 31))  # Hoàn thành trong năm 2027
    assert kinds["14"][0] in ("per_guidance", "unknown")  # Theo yêu cầu
    assert plan000.tasks[13].deadline.raw == "Theo yêu cầu"


def test_000_warns_only_about_what_it_could_not_read(plan000: DraftPlan) -> None:
    unexpected = [
        w.render("vi")
        for w in plan000.warnings
        if not (w.msgid == W_DEADLINE_UNKNOWN and w.params["raw"] == "Theo yêu cầu")
    ]
    assert unexpected == []


# -- 003: Nam Đồng ----------------------------------------------------------------------


def test_003_particulars_come_from_the_appendix_caption(plan003: DraftPlan) -> None:
    assert plan003.number is None  # "Số: /KH-UBND": the number was never filled in
    assert plan003.issued_on == date(2026, 3, 31)
    assert plan003.issuer == "UBND phường Nam Đồng"
    assert plan003.title is not None
    assert plan003.title.startswith("KẾ HOẠCH Triển khai, thực hiện Chương trình công tác năm")
    assert plan003.title.endswith("đổi mới sáng tạo và chuyển đổi số)")


def test_003_every_row_of_every_section(plan003: DraftPlan) -> None:
    rows = [(t.section, t.stt) for t in plan003.tasks]

    assert Counter(section for section, _ in rows) == {
        "I": 4,
        "II": 4,
        "III": 1,
        "IV": 1,
        "VI": 2,
        "VII": 6,
        "VIII": 2,
    }
    assert len(set(rows)) == len(rows) == 20
    assert all(t.stt is not None for t in plan003.tasks)
    titles = {t.section: t.section_title for t in plan003.tasks}
    assert titles["I"] == "Công tác chỉ đạo, điều hành và tổ chức thực hiện"
    assert titles["III"] == "Về khoa học, công nghệ và đổi mới sáng tạo"
    assert titles["VII"] == "An ninh, an toàn thông tin và bảo vệ thông tin bí mật nhà nước."


def test_003_units_and_leader(plan003: DraftPlan) -> None:
    for task in plan003.tasks:
        assert [u.name for u in task.lead_units] == [VHXH], task.stt
        assert [u.name for u in task.coord_units] == [
            "Các phòng ban, cơ quan, đơn vị thuộc phường"
        ]
        assert task.directing is not None
        assert (task.directing.name, task.directing.post) == (
            "Đinh Thị Thu Hà",
            "Phó Chủ tịch Ủy ban nhân dân phường",
        )
    assert [u.name for u in plan003.units()] == [
        VHXH,
        "Các phòng ban, cơ quan, đơn vị thuộc phường",
    ]


def test_003_continuation_rows_are_joined(plan003: DraftPlan) -> None:
    task = {(t.section, t.stt): t for t in plan003.tasks}

    assert "(2) Chủ động rà soát khắc phục triệt để tình trạng còn lỗi" in task["II", "2"].title
    assert task["II", "4"].title.endswith(
        "đáp ứng yêu cầu khối lượng công việc thực tế trên địa bàn."
    )
    assert "<p>" not in task["II", "4"].title
    assert "Việc đào tạo, bồi dưỡng, tập huấn triển khai 100%" in task["IV", "1"].title
    assert task["VII", "1"].title.endswith("hệ thống dữ liệu lõi.")
    assert task["VII", "1"].deadline.raw == (
        "Nhiệm vụ thường xuyên; định kỳ hàng tháng báo cáo kết quả"
    )


def test_003_deadline_texts(plan003: DraftPlan) -> None:
    raw = {(t.section, t.stt): t.deadline.raw for t in plan003.tasks}

    assert raw["I", "1"] == "Thường xuyên"
    assert raw["II", "1"] == "Quý II/2026"
    assert raw["III", "1"] == "Quý I/2026"
    assert raw["VI", "1"] == "Tháng 12/2026"
    assert raw["VII", "2"] == "Tháng 3/2026"
    assert raw["VIII", "2"] == "Tháng 12/2026"


def test_003_deadline_kinds(plan003: DraftPlan) -> None:
    """Waits on the real ``parse_deadline`` (plans/deadlines.py)."""
    dl = {(t.section, t.stt): t.deadline for t in plan003.tasks}

    assert dl["I", "1"].kind == "ongoing"
    assert (dl["II", "1"].kind, dl["II", "1"].due_date) == ("once", date(2026, 6, 30))
    assert (dl["III", "1"].kind, dl["III", "1"].due_date) == ("once", date(2026, 3, 31))
    assert (dl["VII", "2"].kind, dl["VII", "2"].due_date) == ("once", date(2026, 3, 31))
    assert dl["VI", "2"].kind == "monthly"  # "...; định kỳ hàng tháng báo cáo kết quả"
    assert plan003.warnings == []


def test_003_a_row_the_dump_cut_short_is_warned_not_invented(
    seed_path: SeedPath, tmp_path: Path
) -> None:
    # Cut task VII.3 mid-cell, as some dumps do, leaving a broken character behind.
    lines = seed_path("003").read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("| 3 | Phối hợp với"))
    lines[index] = lines[index][:120] + "\ufffd"
    cut = tmp_path / "003_cut.txt"
    cut.write_text("\n".join(lines), encoding="utf-8")

    plan = read_plan(cut)

    assert len(plan.tasks) == 20
    task = next(t for t in plan.tasks if (t.section, t.stt) == ("VII", "3"))
    assert task.title.startswith("Phối hợp với các cơ quan liên quan")
    assert "\ufffd" not in task.title
    assert task.lead_units == []
    assert task.deadline.raw == ""
    mine = [w.render("vi") for w in plan.warnings if w.line == index + 1]
    assert any("hàng bị cắt" in w for w in mine)


def test_003_dry_run_json_is_serialisable(plan003: DraftPlan) -> None:
    data = plan003.to_json()

    text = json.dumps(data, ensure_ascii=False)
    assert len(data["tasks"]) == 20
    first = data["tasks"][0]
    assert first["lead_units"] == [VHXH]
    assert first["deadline_raw"] == "Thường xuyên"
    assert "Đinh Thị Thu Hà" in text


# -- 001: Yết Kiêu ----------------------------------------------------------------------


def test_001_has_no_appendix_table_and_imports_nothing(seed_path: SeedPath) -> None:
    path = seed_path("001")

    with pytest.raises(ImportRefused) as refused:
        read_plan(path)

    assert refused.value.msgid == NO_TABLE
    sentence = refused.value.render("vi")
    assert "Không tìm thấy bảng phụ lục" in sentence
    assert path.name in sentence
