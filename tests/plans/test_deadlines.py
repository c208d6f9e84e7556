"""Deadline cells of the seed plans, typed and OCR'd spellings, normalised to a Deadline."""

from __future__ import annotations

from datetime import date

import pytest

from plans.deadlines import parse_deadline
from plans.draft import Deadline
from plans.vntext import strip_accents


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("30/6/2026", date(2026, 6, 30)),
        ("ngày 15/12/2026", date(2026, 12, 15)),
        ("trước ngày 30/9/2025", date(2025, 9, 30)),
        ("Trước ngày 30-9-2025", date(2025, 9, 30)),
        ("ngày 15 tháng 12 năm 2026", date(2026, 12, 15)),
        ("Quý I/2026", date(2026, 3, 31)),
        ("Quý II/2026", date(2026, 6, 30)),
        ("Quý \nIV/2026", date(2026, 12, 31)),
        ("Quý 3 năm 2026", date(2026, 9, 30)),
        ("Tháng 12/2026", date(2026, 12, 31)),
        ("Tháng 3/2026", date(2026, 3, 31)),
        ("Tháng \n\n01/2026", date(2026, 1, 31)),
        ("Tháng 2/2028", date(2028, 2, 29)),
        ("Hoàn thành trong tháng 9/2025", date(2025, 9, 30)),
        ("Hoàn thành trong năm 2027", date(2027, 12, 31)),
        ("Năm 2026", date(2026, 12, 31)),
        ("6 tháng đầu năm 2026", date(2026, 6, 30)),
        ("6 tháng cuối năm 2026", date(2026, 12, 31)),
        ("Báo cáo rà soát Quý I/2026", date(2026, 3, 31)),
        ("Thang 10/2026", date(2026, 10, 31)),
    ],
)
def test_once_as_written(text: str, due: date) -> None:
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.due_date) == ("once", due)
    bare = parse_deadline(strip_accents(text).upper())
    assert (bare.kind, bare.due_date) == ("once", due)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Từ tháng 3 đến tháng 6/2026", date(2026, 6, 30)),
        ("Tháng 3-6/2026", date(2026, 6, 30)),
        ("Quý II-III/2026", date(2026, 9, 30)),
        ("Quý II – III/2026", date(2026, 9, 30)),
        ("Quý I và Quý II năm 2026", date(2026, 6, 30)),
        ("Từ 01/3/2026 đến 30/6/2026", date(2026, 6, 30)),
        ("Năm 2026 - 2027", date(2027, 12, 31)),
        ("Giai đoạn 2026–2030", date(2030, 12, 31)),
    ],
)
def test_a_range_is_due_at_its_end(text: str, due: date) -> None:
    deadline = parse_deadline(text)
    assert (deadline.kind, deadline.due_date) == ("once", due)
    assert parse_deadline(strip_accents(text)).due_date == due


def test_a_written_date_is_not_read_again_as_its_month() -> None:
    # "tháng 12" inside a full date must not push the due date to the month's end.
    assert parse_deadline("ngày 15 tháng 12 năm 2026").due_date == date(2026, 12, 15)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Quý I", date(2026, 3, 31)),
        ("Tháng 3", date(2026, 3, 31)),
        ("trong tháng 9", date(2026, 9, 30)),
        ("trước ngày 30/9", date(2026, 9, 30)),
        ("Quý II-III", date(2026, 9, 30)),
    ],
)
def test_a_period_without_its_year_takes_the_plan_year(text: str, due: date) -> None:
    assert parse_deadline(text, plan_year=2026).due_date == due
    assert parse_deadline(text, plan_year=2026).kind == "once"
    # Without the plan's year nothing is guessed.
    assert parse_deadline(text) == Deadline("unknown", None, text)


def test_a_written_year_beats_the_plan_year() -> None:
    assert parse_deadline("Tháng 3/2027", plan_year=2026).due_date == date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hằng năm", "yearly"),
        ("Hàng năm", "yearly"),
        ("hằng năm (trước 15/12)", "yearly"),
        ("Hang nam", "yearly"),
        ("HANG NAM", "yearly"),
        ("Hane nim", "yearly"),  # the OCR of 004
        ("Hane nim &", "yearly"),
        ("Thường xuyên", "ongoing"),
        ("Thường \n\nxuyên  ", "ongoing"),
        ("Nhiệm vụ thường xuyên", "ongoing"),
        ("Thuong xuyen", "ongoing"),
        ("Thuong xuyén", "ongoing"),
        ("Thuong XUyén", "ongoing"),
        ("Thuon Xuyeén", "ongoing"),  # the OCR of 004: one slip in each word
        ("Nhiệm vụ thường xuyên; định kỳ hàng tháng báo cáo kết quả", "monthly"),
        ("Nhiem vu thuong xuyen; dinh ky hang thang bao cao ket qua", "monthly"),
        ("Hằng tháng", "monthly"),
        ("định kỳ hàng tháng", "monthly"),
        ("Nếu có thay đổi nhân sự", "conditional"),
        ("Neu co thay doi nhan su", "conditional"),
        ("Khi có văn bản hướng dẫn của cấp trên", "conditional"),
        ("Theo hướng dẫn của thành phố", "per_guidance"),
        ("Theo huong dan cua thanh pho", "per_guidance"),
        ("Theo yêu cầu", "per_guidance"),
        ("Theo chỉ đạo của UBND thành phố", "per_guidance"),
        ("Theo kế hoạch của thành phố", "per_guidance"),
        ("Thực hiện theo hướng dẫn của Sở", "per_guidance"),
    ],
)
def test_kinds_without_a_date(text: str, kind: str) -> None:
    deadline = parse_deadline(text, plan_year=2026)
    assert deadline.kind == kind
    assert deadline.due_date is None


def test_a_schedule_named_by_its_date_is_not_a_due_date() -> None:
    deadline = parse_deadline("Theo Kế hoạch số 12-KH/TU ngày 26/8/2025")
    assert (deadline.kind, deadline.due_date) == ("per_guidance", None)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Sớm", "Kịp thời", "Đúng tiến độ", "Quyết định", "Phòng Văn hóa - Xã hội", "xyz"],
)
def test_anything_else_is_unknown_and_kept(text: str) -> None:
    deadline = parse_deadline(text, plan_year=2026)
    assert deadline.kind == "unknown"
    assert deadline.due_date is None
    assert deadline.raw == " ".join(text.split())


def test_raw_is_the_cell_on_one_line_in_nfc() -> None:
    decomposed = "Thu\u031bo\u031b\u0300ng\n\nxuye\u0302n  "  # "Thường xuyên" in NFD, broken
    deadline = parse_deadline(decomposed)
    assert deadline.raw == "Thường xuyên"
    assert deadline.kind == "ongoing"
    assert parse_deadline("Quý \n IV/2026").raw == "Quý IV/2026"
    assert parse_deadline("Quý II – III/2026").raw == "Quý II - III/2026"


def test_short_words_are_not_stretched_into_cadences() -> None:
    # One slip per word is allowed only for the cadence words of a short cell.
    assert parse_deadline("Tháng năm").kind != "ongoing"
    assert parse_deadline("Thông tin hằng ngày về các nhiệm vụ đổi mới năm nay").kind == "unknown"
    assert parse_deadline("Đổi mới năm 2026").kind == "once"
