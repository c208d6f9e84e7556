"""Bodies and people named in cells: one unit per real body, names apart from posts."""

from __future__ import annotations

import unicodedata

import pytest

from plans.draft import DraftPlan, DraftTask
from plans.people import parse_person
from plans.units import make_unit, parse_units, unit_from_post


@pytest.mark.parametrize(
    "spelling",
    [
        "Phòng Văn hoá - Xã hội",  # precomposed "hoá"
        unicodedata.normalize("NFD", "Phòng Văn hoá - Xã hội"),  # as some converters write it
        "phòng Văn hóa – Xã hội phường",  # en dash, trailing "phường"
        "Phòng VH-XH",
        "VHXH",
        "Đ/c Trưởng Phòng Văn hóa – Xã hội phường",
        "Phòng Văn hóa - Xã hội của phường",
    ],
)
def test_every_spelling_of_the_culture_division_is_one_unit(spelling: str) -> None:
    units = parse_units(spelling)

    assert [(u.name, u.key) for u in units] == [("Phòng Văn hóa - Xã hội", "phong van hoa xa hoi")]


def test_a_cell_naming_two_bodies_gives_two_units() -> None:
    units = parse_units("Công an phường/Văn phòng HĐND và UBND phường")

    assert [u.name for u in units] == ["Công an", "Văn phòng HĐND và UBND"]


def test_commas_and_va_inside_a_known_body_do_not_split_it() -> None:
    units = parse_units("Phòng Kinh tế, Hạ tầng và Đô thị; Trung tâm Phục vụ HCC")

    assert [u.name for u in units] == [
        "Phòng Kinh tế, Hạ tầng và Đô thị",
        "Trung tâm Phục vụ hành chính công",
    ]


def test_abbreviations_reach_the_same_body_as_the_full_name() -> None:
    pairs = [
        ("Văn phòng HĐND&UBND", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường"),
        ("TTPVHCC", "Trung tâm Phục vụ hành chính công phường"),
        ("Phòng KT-HT-ĐT", "phòng Kinh tế, hạ tầng và Đô thị phường"),
        ("UBMTTQVN phường", "Cơ quan Ủy ban Mặt trận Tổ quốc Việt Nam phường"),
    ]
    for short, long in pairs:
        a, b = make_unit(short), make_unit(long)
        assert a is not None
        assert b is not None
        assert (a.key, a.name) == (b.key, b.name), short


def test_a_bulleted_list_yields_one_unit_per_item() -> None:
    cell = "- Phòng VH-XH\n- Văn phòng HĐND và UBND\n- Công an xã Yết Kiêu"

    assert [u.name for u in parse_units(cell)] == [
        "Phòng Văn hóa - Xã hội",
        "Văn phòng HĐND và UBND",
        "Công an",
    ]


@pytest.mark.parametrize(
    "vague",
    [
        "Các phòng, ban, đơn vị có liên quan",
        "Nhà mạng cung cấp và các phòng chuyên môn thuộc UBND phường",
        "Các phòng chuyên môn, đơn vị sự nghiệp UBND phường",
    ],
)
def test_vague_wording_stays_one_unit_as_written(vague: str) -> None:
    units = parse_units(vague)

    assert len(units) == 1
    assert units[0].name == vague


def test_known_bodies_are_picked_out_of_a_list_with_vague_neighbours() -> None:
    cell = "Nhà cung cấp chữ ký số công cộng, Trung tâm Phục vụ HCC và Các đơn vị phối hợp"

    assert [u.name for u in parse_units(cell)] == [
        "Nhà cung cấp chữ ký số công cộng",
        "Trung tâm Phục vụ hành chính công",
        "Các đơn vị phối hợp",
    ]


def test_an_unknown_body_keeps_its_name_without_the_ward() -> None:
    units = parse_units("phòng Tư pháp phường")

    assert [u.name for u in units] == ["Phòng Tư pháp"]
    other = make_unit("Phòng Tư pháp")
    assert other is not None
    assert units[0].key == other.key


def test_an_empty_cell_names_no_unit() -> None:
    assert parse_units("") == []
    assert parse_units(" - ") == []


@pytest.mark.parametrize(
    ("post", "unit"),
    [
        ("Trưởng Phòng Văn hóa – Xã hội phường", "Phòng Văn hóa - Xã hội"),
        ("Đ/c Trưởng Phòng Văn hóa – Xã hội phường", "Phòng Văn hóa - Xã hội"),
        ("Trưởng phòng Kinh tế, Hạ tầng và Đô thị phường", "Phòng Kinh tế, Hạ tầng và Đô thị"),
        ("Chánh Văn phòng HĐND và UBND phường", "Văn phòng HĐND và UBND"),
        ("Phó Giám đốc Trung tâm Phục vụ hành chính công", "Trung tâm Phục vụ hành chính công"),
        ("Trưởng Công an phường", "Công an"),
        ("Đồng chí Trưởng ban Ban Xây dựng đảng Đảng ủy phường", "Ban Xây dựng Đảng"),
    ],
)
def test_a_head_of_a_body_implies_that_body(post: str, unit: str) -> None:
    found = unit_from_post(post)

    assert found is not None
    assert found.name == unit


def test_a_directing_post_implies_no_lead_body() -> None:
    assert unit_from_post("Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội") is None
    assert unit_from_post("Phó Chủ tịch UBND phường kiêm nhiệm Giám đốc Trung tâm HCC") is None


@pytest.mark.parametrize(
    ("cell", "name", "post"),
    [
        (
            "Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch Ủy ban nhân dân phường",
            "Đinh Thị Thu Hà",
            "Phó Chủ tịch Ủy ban nhân dân phường",
        ),
        (
            "Đ/c Nguyễn Khánh Chi - Phó Chủ tịch UBND phường",
            "Nguyễn Khánh Chi",
            "Phó Chủ tịch UBND phường",
        ),
        (
            "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội",
            None,
            "Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội",
        ),
        ("Đồng chí Bí thư Đảng ủy", None, "Bí thư Đảng ủy"),
        ("Chủ tịch Ủy ban nhân dân phường.", None, "Chủ tịch Ủy ban nhân dân phường"),
        ("Đồng chí Phùng Văn Thanh", "Phùng Văn Thanh", None),
    ],
)
def test_people_are_split_into_name_and_post(cell: str, name: str | None, post: str) -> None:
    person = parse_person(cell)

    assert person is not None
    assert (person.name, person.post) == (name, post)
    assert person.raw == cell.rstrip(".")


def test_an_empty_person_cell_is_nobody() -> None:
    assert parse_person("  ") is None


def test_the_plan_lists_each_body_once_however_spelled() -> None:
    plan = DraftPlan(
        tasks=[
            DraftTask(None, "1", "A", lead_units=parse_units("Phòng VH-XH")),
            DraftTask(None, "2", "B", lead_units=parse_units("phòng Văn hóa – Xã hội phường")),
            DraftTask(None, "3", "C", coord_units=parse_units("VHXH; Công an phường")),
        ]
    )

    assert [u.name for u in plan.units()] == ["Phòng Văn hóa - Xã hội", "Công an"]


def test_a_long_name_garbled_by_a_scan_is_still_the_body() -> None:
    assert [u.name for u in parse_units("Phong Vin héa - Xa hoi")] == ["Phòng Văn hóa - Xã hội"]
    # A different division with a similar name is not merged into it.
    assert [u.name for u in parse_units("Phòng Văn hóa - Thông tin")] == [
        "Phòng Văn hóa - Thông tin"
    ]
