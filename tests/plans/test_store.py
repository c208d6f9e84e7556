"""Storing a plan and re-importing its revisions: nothing reported is lost, nothing doubled.

The plans are written as a ward's office would send them (markdown pipe tables, the same
cells a .docx holds), read by the real reader and stored on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import session_scope
from models.tables import Official, Organization, ProgressUpdate, Task, Unit
from plans.draft import DraftPlan
from plans.reader import read_plan
from plans.store import StoreResult, store_plan
from tests.factories import make_official, make_org

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
HEADER = (
    "STT",
    "Tên nhiệm vụ",
    "Đồng chí được phân công chỉ đạo",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Sản phẩm đầu ra",
    "Thời gian thực hiện",
)
HA = "Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch UBND phường"
CHI = "Đ/c Nguyễn Khánh Chi - Phó Chủ tịch UBND phường"
PLAN_TEXT = "Xây dựng kế hoạch chuyển đổi số năm 2026 của phường"
PORTAL = "Tuyên truyền về chuyển đổi số trên cổng thông tin điện tử phường"
ZALO = "Tuyên truyền về chuyển đổi số trên các nhóm Zalo của tổ dân phố"
NETWORK = "Rà soát, nâng cấp đường truyền internet tại trụ sở phường"
CAMERA = "Lắp đặt camera giám sát an ninh trật tự tại các tuyến phố chính"
SIGNATURE = "Triển khai chữ ký số cho cán bộ, công chức phường"
TRAINING = "Tổ chức tập huấn kỹ năng số cho cán bộ, công chức phường"

# The first issue: three spellings of the culture division, two named leaders.
FIRST: list[tuple[str, ...]] = [
    ("I", "Công tác chỉ đạo, điều hành", "", "", "", "", ""),
    (
        "1",
        PLAN_TEXT,
        HA,
        "Phòng Văn hoá - Xã hội",
        "Các phòng, ban, đơn vị",
        "Kế hoạch",
        "Quý I/2026",
    ),
    ("2", PORTAL, HA, "phòng Văn hóa – Xã hội phường", "", "Tin, bài", "Thường xuyên"),
    ("3", ZALO, HA, "Phòng VH-XH", "Các Tổ dân phố", "Tin, bài", "Hằng năm"),
    ("II", "Về hạ tầng số", "", "", "", "", ""),
    ("1", NETWORK, CHI, "Phòng Kinh tế, Hạ tầng và Đô thị", "", "Báo cáo", "Tháng 6/2026"),
    ("2", CAMERA, CHI, "Công an phường", "Phòng KT-HT-ĐT", "Hệ thống camera", "Tháng 9/2026"),
    ("3", SIGNATURE, CHI, "Văn phòng HĐND và UBND phường", "", "Chứng thư số", "Tháng 12/2026"),
]
# The revision: I.1 reworded a little, a new I.2 that pushes the next two rows down, II.1
# given a later deadline, II.3 dropped.
REVISED: list[tuple[str, ...]] = [
    ("I", "Công tác chỉ đạo, điều hành", "", "", "", "", ""),
    (
        "1",
        PLAN_TEXT + " Nam Đồng",
        HA,
        "Phòng Văn hóa - Xã hội",
        "Các phòng, ban, đơn vị",
        "Kế hoạch",
        "Quý I/2026",
    ),
    ("2", TRAINING, HA, "Phòng Văn hóa - Xã hội", "", "Lớp tập huấn", "Tháng 10/2026"),
    ("3", PORTAL, HA, "Phòng Văn hóa - Xã hội", "", "Tin, bài", "Thường xuyên"),
    ("4", ZALO, HA, "Phòng Văn hóa - Xã hội", "Các Tổ dân phố", "Tin, bài", "Hằng năm"),
    ("II", "Về hạ tầng số", "", "", "", "", ""),
    ("1", NETWORK, CHI, "Phòng Kinh tế, Hạ tầng và Đô thị", "", "Báo cáo", "Tháng 8/2026"),
    ("2", CAMERA, CHI, "Công an phường", "Phòng KT-HT-ĐT", "Hệ thống camera", "Tháng 9/2026"),
]


def plan_file(rows: Sequence[Sequence[str]], *, note: str = "") -> bytes:
    """Return a plan as markdown bytes: letterhead, number, date, the appendix table."""
    lines = [
        "ỦY BAN NHÂN DÂN PHƯỜNG NAM ĐỒNG",
        "",
        "Số: 15/KH-UBND",
        "",
        "Nam Đồng, ngày 12 tháng 3 năm 2026",
        "",
        "# KẾ HOẠCH",
        "",
        "Triển khai Nghị quyết số 57-NQ/TW năm 2026 " + note,
        "",
        "# PHỤ LỤC: PHÂN CÔNG THỰC HIỆN CÁC NHIỆM VỤ",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def draft_of(rows: Sequence[Sequence[str]], *, note: str = "") -> DraftPlan:
    return read_plan(data=plan_file(rows, note=note), name="ke-hoach.md")


def store(engine: Engine, org_id: int, draft: DraftPlan, now: datetime) -> StoreResult:
    with session_scope(engine) as session:
        return store_plan(session=session, org_id=org_id, draft=draft, now=now)


def new_org(engine: Engine) -> int:
    with session_scope(engine) as session:
        org = make_org(session, code="nam-dong", name="Phường Nam Đồng")
        assert org.id is not None
        return org.id


def tasks_by_title(session: Session, org_id: int) -> dict[str, Task]:
    return {t.title: t for t in session.exec(select(Task).where(Task.org_id == org_id))}


def report(
    session: Session,
    task: Task,
    official: Official,
    *,
    status: str,
    percent: float | None,
    at: datetime,
) -> None:
    session.add(
        ProgressUpdate(
            org_id=task.org_id,
            official_id=official.id or 0,
            task_id=task.id,
            status=status,
            percent=percent,
            raw_text=f"{status} {percent}",
            created_at=at,
        )
    )
    task.status, task.percent, task.last_update_at = status, percent, at
    session.add(task)


def test_a_first_import_stores_every_task_with_its_units_and_leaders(engine: Engine) -> None:
    org_id = new_org(engine)

    result = store(engine, org_id, draft_of(FIRST), NOW)

    assert (result.revised, result.added, result.removed) == (False, 6, 0)
    with session_scope(engine, readonly=True) as session:
        units = {u.name: u for u in session.exec(select(Unit).where(Unit.org_id == org_id))}
        tasks = tasks_by_title(session, org_id)
        leaders = session.exec(select(Official).where(Official.org_id == org_id)).all()
    assert sorted(result.added_ids) == sorted(t.id or 0 for t in tasks.values())
    # Three spellings of the culture division are one unit, which keeps each spelling.
    culture = units["Phòng Văn hóa - Xã hội"]
    assert {"Phòng Văn hoá - Xã hội", "phòng Văn hóa – Xã hội phường", "Phòng VH-XH"} <= set(
        culture.aliases
    )
    assert {tasks[t].lead_unit_id for t in (PLAN_TEXT, PORTAL, ZALO)} == {culture.id}
    # "Phòng KT-HT-ĐT" coordinating II.2 is the division leading II.1.
    assert tasks[CAMERA].coord_unit_ids == [tasks[NETWORK].lead_unit_id]
    assert "Phòng KT-HT-ĐT" in units["Phòng Kinh tế, Hạ tầng và Đô thị"].aliases
    # Each named leader is one official, whatever number of tasks they direct.
    assert sorted((o.name, o.role) for o in leaders) == [
        ("Nguyễn Khánh Chi", "leader"),
        ("Đinh Thị Thu Hà", "leader"),
    ]
    ha = next(o for o in leaders if o.name == "Đinh Thị Thu Hà")
    assert {tasks[t].directing_official_id for t in (PLAN_TEXT, PORTAL, ZALO)} == {ha.id}
    assert (tasks[NETWORK].deadline_kind, tasks[NETWORK].due_date) == ("once", date(2026, 6, 30))


def test_storing_the_same_file_again_changes_nothing(engine: Engine) -> None:
    org_id = new_org(engine)
    draft = draft_of(FIRST)
    store(engine, org_id, draft, NOW)

    again = store(engine, org_id, draft_of(FIRST), LATER)

    assert again.unchanged
    assert (again.added, again.updated, again.removed, again.rescheduled) == (0, 0, 0, [])
    with session_scope(engine, readonly=True) as session:
        assert len(session.exec(select(Task)).all()) == 6
        assert len(session.exec(select(Unit)).all()) == len(draft.units())


def test_a_revision_keeps_reported_progress_on_the_tasks_it_revises(engine: Engine) -> None:
    org_id = new_org(engine)
    store(engine, org_id, draft_of(FIRST), NOW)
    with session_scope(engine) as session:
        org = session.get(Organization, org_id)
        assert org is not None
        official = make_official(session, org, name="Trần Thị Mai")
        tasks = tasks_by_title(session, org_id)
        report(session, tasks[PLAN_TEXT], official, status="done", percent=100, at=NOW)
        report(session, tasks[PORTAL], official, status="in_progress", percent=40, at=NOW)
        report(session, tasks[ZALO], official, status="blocked", percent=10, at=NOW)
        report(session, tasks[NETWORK], official, status="in_progress", percent=70, at=NOW)
        report(session, tasks[SIGNATURE], official, status="in_progress", percent=20, at=NOW)
        ids = {title: task.id or 0 for title, task in tasks.items()}

    result = store(engine, org_id, draft_of(REVISED), LATER)

    assert result.revised
    assert not result.unchanged
    assert (result.added, result.updated, result.removed) == (1, 5, 1)
    # The deadline of II.1 moved and II.3 is gone: their reminders no longer hold.
    assert sorted(result.rescheduled) == sorted([ids[NETWORK], ids[SIGNATURE]])
    with session_scope(engine, readonly=True) as session:
        by_id = {t.id: t for t in session.exec(select(Task).where(Task.org_id == org_id))}
        updates = {
            t: [
                u.percent
                for u in session.exec(select(ProgressUpdate).where(ProgressUpdate.task_id == t))
            ]
            for t in by_id
        }
    assert len(by_id) == 7  # one row added, none deleted
    reworded = by_id[ids[PLAN_TEXT]]
    assert (reworded.title, reworded.status, updates[reworded.id]) == (
        PLAN_TEXT + " Nam Đồng",
        "done",
        [100],
    )
    # The two look-alike rows that moved down keep their own progress, under their new number.
    portal, zalo = by_id[ids[PORTAL]], by_id[ids[ZALO]]
    assert (portal.stt, portal.title, portal.status, portal.percent) == (
        "3",
        PORTAL,
        "in_progress",
        40,
    )
    assert (zalo.stt, zalo.title, zalo.status, updates[zalo.id]) == ("4", ZALO, "blocked", [10])
    network = by_id[ids[NETWORK]]
    assert (network.due_date, network.status, network.percent) == (
        date(2026, 8, 31),
        "in_progress",
        70,
    )
    removed = by_id[ids[SIGNATURE]]
    assert removed.removed_at == LATER
    assert updates[removed.id] == [20]  # what was reported on it stays
    (new,) = [t for t in by_id.values() if t.id not in ids.values()]
    assert (new.section, new.stt, new.title, new.status) == ("I", "2", TRAINING, "not_started")
    assert result.added_ids == [new.id]


def test_a_task_dropped_and_then_restored_comes_back_with_its_progress(engine: Engine) -> None:
    org_id = new_org(engine)
    store(engine, org_id, draft_of(FIRST), NOW)
    with session_scope(engine) as session:
        org = session.get(Organization, org_id)
        assert org is not None
        official = make_official(session, org)
        signature = tasks_by_title(session, org_id)[SIGNATURE]
        report(session, signature, official, status="in_progress", percent=20, at=NOW)
        signature_id = signature.id
    store(engine, org_id, draft_of(REVISED), LATER)

    back = store(engine, org_id, draft_of(FIRST, note="(sửa đổi lần 2)"), LATER + timedelta(1))

    assert signature_id in back.rescheduled
    with session_scope(engine, readonly=True) as session:
        task = session.get(Task, signature_id)
        assert task is not None
        assert (task.removed_at, task.status, task.percent) == (None, "in_progress", 20)
        assert len(session.exec(select(Task).where(col(Task.removed_at).is_(None))).all()) == 6


def test_an_approved_extension_survives_a_revision_that_keeps_the_old_date(
    engine: Engine,
) -> None:
    org_id = new_org(engine)
    store(engine, org_id, draft_of(FIRST), NOW)
    with session_scope(engine) as session:
        task = tasks_by_title(session, org_id)[CAMERA]
        # The leader approved moving 30/9 to 15/11 (as handlers.extensions does).
        task.original_due_date, task.due_date = task.due_date, date(2026, 11, 15)
        session.add(task)
        camera_id = task.id

    kept = store(engine, org_id, draft_of(REVISED), LATER)  # II.2 still says "Tháng 9/2026"

    assert camera_id not in kept.rescheduled
    with session_scope(engine, readonly=True) as session:
        camera = session.get(Task, camera_id)
        assert camera is not None
        assert (camera.due_date, camera.original_due_date) == (
            date(2026, 11, 15),
            date(2026, 9, 30),
        )

    # A revision that sets a date of its own overrides the extension.
    later_rows = [row if row[1] != CAMERA else (*row[:-1], "Tháng 12/2026") for row in REVISED]
    moved = store(engine, org_id, draft_of(later_rows), LATER + timedelta(days=1))

    assert camera_id in moved.rescheduled
    with session_scope(engine, readonly=True) as session:
        camera = session.get(Task, camera_id)
        assert camera is not None
        assert (camera.due_date, camera.original_due_date) == (date(2026, 12, 31), None)


def test_people_and_units_are_not_doubled_by_revisions(engine: Engine) -> None:
    org_id = new_org(engine)
    store(engine, org_id, draft_of(FIRST), NOW)
    store(engine, org_id, draft_of(REVISED), LATER)

    with session_scope(engine, readonly=True) as session:
        names = [o.name for o in session.exec(select(Official))]
        units = [u.name for u in session.exec(select(Unit))]
    assert sorted(names) == ["Nguyễn Khánh Chi", "Đinh Thị Thu Hà"]
    assert len(units) == len(set(units))
    assert units.count("Phòng Văn hóa - Xã hội") == 1
