"""Units named in a scan that lost its diacritics, and the rows a scan could not give whole."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from plans.draft import DraftPlan
from plans.reader import read_plan
from plans.units import parse_units
from plans.vntext import strip_accents

VH = "Phòng Văn hóa - Xã hội"
KT = "Phòng Kinh tế, Hạ tầng và Đô thị"
HCC = "Trung tâm Phục vụ hành chính công"
SNC = "Trung tâm Dịch vụ sự nghiệp công"
VP = "Văn phòng HĐND và UBND"
CA = "Công an"


@pytest.mark.parametrize(
    ("scanned", "body"),
    [
        ("Lhong Van hoa - Xa hoi", VH),
        ("F1ong Van hoa - Xa hoi", VH),
        ("Jong van hoa - Xa hoi", VH),
        ("Phéne Vin héa-gXé hoi", VH),
        ("by van hda - Xa hoi", VH),
        ("Phong Vanhoa- X4 hoi", VH),
        ("Phong Kinh té, Ha tang va bo thi", KT),
        ("PIONOKITNE, Hating va Do thi", KT),
        ("Trung tam phuc vu h%nh chpinlkll cong", HCC),
        ("Trung tdm phuc vu hanh chinh", HCC),
        ("Trung tam su nghiép cong", SNC),
        ("Trung tam nghiép céng", SNC),
        ("Van phong HDND va UBND", VP),
        ("con an hugn PPond", CA),
        ("Cong an phuang", CA),
        ("Té Cong nghé s6 cong dong", "Tổ công nghệ số cộng đồng"),
    ],
)
def test_a_body_spelt_by_the_scan_is_that_body(scanned: str, body: str) -> None:
    [unit] = parse_units(scanned)

    assert unit.name == body
    assert unit.raw == scanned  # the scan's text stays with it


def test_a_body_followed_by_vague_wording_is_the_body_and_the_wording() -> None:
    cell = "tam uc vu Hanh chinh cbng va cac phong, don vi lién quan"

    assert [u.name for u in parse_units(cell)] == [HCC, "Các phòng, đơn vị liên quan"]


@pytest.mark.parametrize(
    "scanned", ["Céc phong, ban, don vi", "Céac phong, ban, don vi", "Cacpreng, ban, don vi"]
)
def test_vague_coordination_wording_is_never_a_body(scanned: str) -> None:
    [unit] = parse_units(scanned)

    assert unit.name == "Các phòng, ban, đơn vị"  # shown once, as the phrase it is
    assert unit.key == parse_units("Các phòng, ban, đơn vị")[0].key


@pytest.mark.parametrize(
    "text",
    [
        "Phong Van hoa - Thong tin",  # another division
        "Phong Van hoa va Thong tin",
        "Phong Van hoa - The thao",
        "Phong Y te",
        "Trung tam Y te",
        "Trung tam Van hoa",
        "Cong an thanh pho",
        "Phong Tu phap",
        "Ban Tuyen giao",
        "Phone Vi",  # the start of a name: too little to tell which
        "Phone Vin",
        "4¢c phong, Cac pho ban, don vi",
    ],
)
def test_what_is_not_plainly_a_known_body_is_kept_as_written(text: str) -> None:
    units = parse_units(text)

    assert [u.name for u in units] == [text]


def test_typed_names_are_not_read_as_a_scan() -> None:
    assert [u.name for u in parse_units("Phòng Văn hóa - Thể thao")] == [
        "Phòng Văn hóa - Thể thao"
    ]
    assert [u.name for u in parse_units("Trung tâm Văn hóa")] == ["Trung tâm Văn hóa"]


# --- seed 004, row by row -------------------------------------------------------------------

# The monitoring unit of each KPI of appendix 1, checked by hand against the scan: None where
# the scan shows only the start of a name ("Phone Vi", "Phone Vin"), kept as written.
KPI_UNITS_004 = {
    "1": VH,
    "2": VH,
    "3": "Phone Vi",
    "4": VH,
    "5": KT,
    "6": VH,
    "7": VH,
    "8": VH,
    "9": VH,
    "10": VH,
    "11": "Phone Vin",
    "12": VH,
    "13": HCC,
    "14": HCC,
    "15": HCC,
    "16": HCC,
    "17": HCC,
    "18": HCC,
    "19": CA,
    "20": CA,
}
# The lead unit of each task of appendix 2; tasks 1 and 18 show none legibly.
TASK_UNITS_004 = {
    "1": [],
    "2": [VH],
    "3": [VH],
    "4": [KT],
    "5": [SNC],
    "6": [VP],
    "7": [VH],
    "8": [VH],
    "9": [VP],
    "10": [HCC],
    "11": [HCC],
    "12": [KT],
    "13": [VH],
    "14": [VH],
    "15": [VH],
    "16": [VP],
    "17": [SNC],
    "18": [],
    "19": [VH],
}


@cache
def _plan(path: Path) -> DraftPlan:
    return read_plan(path)


@pytest.fixture
def plan_004(seed_path) -> DraftPlan:
    return _plan(seed_path("004"))


def test_004_kpis_are_monitored_by_the_bodies_the_scan_names(plan_004: DraftPlan) -> None:
    got = {
        k.stt: k.monitoring_unit.name if k.monitoring_unit else None for k in plan_004.indicators
    }

    assert got == KPI_UNITS_004


def test_004_tasks_are_led_by_the_bodies_the_scan_names(plan_004: DraftPlan) -> None:
    got = {t.stt: [u.name for u in t.lead_units] for t in plan_004.tasks}

    assert got == TASK_UNITS_004
    task_15 = next(t for t in plan_004.tasks if t.stt == "15")
    assert [u.name for u in task_15.coord_units] == ["Tổ công nghệ số cộng đồng"]
    assert task_15.lead_units[0].raw == "Phong Van hoa - X& hoi"


def test_004_rows_the_scan_did_not_give_whole_are_warnings_to_enter_by_hand(
    plan_004: DraftPlan,
) -> None:
    lines = [w.line for w in plan_004.warnings]
    texts = [w.render("vi") for w in plan_004.warnings]

    assert lines == [
        545,
        549,
        553,
        561,
        567,
        572,
        578,
        583,
        589,
        597,
        621,
        639,
        654,
        677,
        681,
        726,
        740,
        746,
        756,
        774,
    ]
    assert all(
        t.startswith(f"Dòng {n}: không đọc được đầy đủ, cần nhập tay: ")
        for n, t in zip(lines, texts, strict=True)
    )
    # Row 1 of appendix 2 also has no deadline; its one warning already sends it to a person.
    assert texts[13] == (
        "Dòng 677: không đọc được đầy đủ, cần nhập tay: 1 | quyétsé "
        "57-NQ/TW, Nghi quyét sé 71-NQ/CP va Chuong tr..."
    )


@pytest.mark.parametrize(("prefix", "ext"), [("000", ".txt"), ("002", ".txt"), ("003", ".md")])
def test_a_plan_typed_without_diacritics_names_the_same_units(
    prefix: str, ext: str, seed_path
) -> None:
    """The letter-by-letter reading of scans takes no body for another: every seed, its
    accents stripped, gives each row the units it gives with them."""
    text = seed_path(prefix).read_text(encoding="utf-8")
    typed = read_plan(data=text.encode(), name="kh" + ext)
    bare = read_plan(data=strip_accents(text).encode(), name="kh" + ext)

    def keys(plan: DraftPlan) -> list[list[str]]:
        rows = [[u.key for u in (*t.lead_units, *t.coord_units)] for t in plan.tasks]
        return rows + [
            [k.monitoring_unit.key if k.monitoring_unit else ""] for k in plan.indicators
        ]

    assert keys(bare) == keys(typed)
