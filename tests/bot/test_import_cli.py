"""``python -m bot import`` and ``plan-reminders`` as an IT officer runs them, in a subprocess.

The dry run prints one JSON object and writes nothing; a real import stores the plan once;
every bad file is one sentence on stderr, a non-zero exit and nothing written.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import migrate
from models.db import make_engine
from models.tables import Organization, Plan, Task, Unit
from plans.draft import DEADLINE_KINDS, MILESTONE_YEARS
from tests.plans.factories import encrypted_office_file

REPO = Path(__file__).resolve().parents[2]
TASK_KEYS = {
    "section",
    "stt",
    "title",
    "directing",
    "lead_units",
    "coord_units",
    "output",
    "deadline_raw",
    "deadline_kind",
    "due_date",
}
KPI_KEYS = {"section", "stt", "indicator", "targets", "directing", "lead", "monitoring_unit"}


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=180,
        check=False,
    )


def database(tmp_path: Path, *orgs: tuple[str, str]) -> str:
    """Return the URL of a migrated SQLite database holding ``orgs`` (code, name)."""
    url = f"sqlite:///{tmp_path / 'dondoc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        for code, name in orgs:
            session.add(Organization(code=code, name=name))
        session.commit()
    engine.dispose()
    return url


def count(url: str, table: type[Plan] | type[Task] | type[Unit]) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        n = len(session.exec(select(table)).all())
    engine.dispose()
    return n


# --- the dry run's JSON ------------------------------------------------------------------

# (tasks, kpis, warnings) of each seed, as counted by hand (see tests/plans); 004's warnings
# are its 20 rows the scan did not give whole.
SEED_COUNTS = {"000": (14, 38, 0), "002": (37, 0, 0), "003": (20, 0, 0), "004": (19, 20, 20)}


@pytest.mark.parametrize("prefix", sorted(SEED_COUNTS))
def test_a_dry_run_prints_the_plan_as_one_json_object_and_writes_nothing(
    prefix: str, seed_path, tmp_path: Path
) -> None:
    db = tmp_path / "dondoc.db"

    result = run(
        "import",
        str(seed_path(prefix)),
        "--dry-run",
        "--json",
        cwd=tmp_path,
        env={"DATABASE_URL": f"sqlite:///{db}"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    plan = json.loads(result.stdout)  # the whole of stdout is one object
    assert set(plan) == {"tasks", "kpis", "warnings"}
    assert (len(plan["tasks"]), len(plan["kpis"]), len(plan["warnings"])) == SEED_COUNTS[prefix]
    for task in plan["tasks"]:
        assert set(task) == TASK_KEYS
        assert task["title"]
        assert task["deadline_kind"] in DEADLINE_KINDS
        if task["due_date"] is not None:
            date.fromisoformat(task["due_date"])
    for kpi in plan["kpis"]:
        assert set(kpi) == KPI_KEYS
        assert list(kpi["targets"]) == list(MILESTONE_YEARS)
    assert list(tmp_path.iterdir()) == []  # not even the database file


def test_the_scanned_plan_names_its_units_as_the_bodies_they_are(seed_path, tmp_path) -> None:
    result = run("import", str(seed_path("004")), "--dry-run", "--json", cwd=tmp_path)
    plan = json.loads(result.stdout)

    monitoring = {k["stt"]: k["monitoring_unit"] for k in plan["kpis"]}
    assert {monitoring[str(n)] for n in range(13, 19)} == {"Trung tâm Phục vụ hành chính công"}
    assert monitoring["19"] == monitoring["20"] == "Công an"
    assert monitoring["1"] == "Phòng Văn hóa - Xã hội"  # "Lhong Van hoa - Xa hoi"
    lead = {t["stt"]: t["lead_units"] for t in plan["tasks"]}
    assert lead["12"] == ["Phòng Kinh tế, Hạ tầng và Đô thị"]  # "PIONOKITNE, Hating va Do thi"
    assert lead["17"] == ["Trung tâm Dịch vụ sự nghiệp công"]  # "Trung tam nghiép céng"
    assert lead["1"] == lead["18"] == []  # nothing legible: no unit is made up
    assert plan["warnings"][0].startswith("Dòng 545: không đọc được đầy đủ, cần nhập tay: ")


# --- bad input -----------------------------------------------------------------------------


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))
    return buffer.getvalue()


PROSE = "Thư mời họp giao ban tháng 3.\nĐề nghị các đồng chí đến đúng giờ.\n" * 20
NO_HEADER = "".join(
    f"{n},Nhiệm vụ số {n},Phòng Văn hóa - Xã hội,Quý I/2026\n" for n in range(1, 9)
)
BAD_FILES = {
    "corrupt": ("hong.docx", b"PK\x03\x04" + b"\0" * 400, "bị hỏng"),
    "password": ("bao-mat.xlsx", encrypted_office_file(), "mật khẩu"),
    "oversized": ("lon.txt", b"x" * (1536 * 1024), "quá lớn (1.5 MB); giới hạn là 1.0 MB"),
    "zip bomb": ("bom.docx", zip_bomb(), "giải nén ra quá lớn"),
    "not a plan": ("thu-moi.txt", PROSE.encode(), "Không tìm thấy bảng phụ lục"),
    "no header": ("bang.csv", NO_HEADER.encode(), "không nhận ra dòng tiêu đề"),
}


@pytest.mark.parametrize("case", [*BAD_FILES, "missing"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["store", "dry-run"])
def test_a_bad_file_is_one_sentence_on_stderr_and_nothing_is_written(
    case: str, dry_run: bool, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    if case == "missing":
        path, expected = folder / "khong-co.docx", "Không tìm thấy tệp"
    else:
        name, content, expected = BAD_FILES[case]
        path = folder / name
        path.write_bytes(content)
    db = tmp_path / "dondoc.db"

    result = run(
        "import",
        str(path),
        *(["--dry-run"] if dry_run else []),
        cwd=tmp_path,
        env={"DATABASE_URL": f"sqlite:///{db}", "DONDOC_MAX_UPLOAD_MB": "1"},
    )

    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert not db.exists()


# --- storing -------------------------------------------------------------------------------


def test_storing_a_plan_twice_stores_it_once(seed_path, tmp_path: Path) -> None:
    url = database(tmp_path, ("nam-dong", "Phường Nam Đồng"))
    seed = str(seed_path("003"))

    first = run("import", seed, cwd=tmp_path, env={"DATABASE_URL": url})

    assert first.returncode == 0, first.stderr
    assert "• 20 nhiệm vụ" in first.stdout
    assert "Phòng Văn hóa - Xã hội" in first.stdout  # the units it found
    assert first.stdout.rstrip().endswith("Đã lưu vào Phường Nam Đồng.")
    assert (count(url, Plan), count(url, Task)) == (1, 20)
    units = count(url, Unit)

    second = run("import", seed, "--org", "nam-dong", cwd=tmp_path, env={"DATABASE_URL": url})

    assert second.returncode == 0, second.stderr
    assert "Tệp này đã được nhập trước đây; không có gì thay đổi." in second.stdout
    assert (count(url, Plan), count(url, Task), count(url, Unit)) == (1, 20, units)


def test_a_stored_plan_can_be_reported_as_json(seed_path, tmp_path: Path) -> None:
    url = database(tmp_path, ("nam-dong", "Phường Nam Đồng"))

    result = run(
        "import", str(seed_path("003")), "--json", cwd=tmp_path, env={"DATABASE_URL": url}
    )

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert len(out["tasks"]) == 20
    assert out["stored"]["added"] == 20
    assert out["stored"]["unchanged"] is False


@pytest.mark.parametrize(
    ("orgs", "args", "expected"),
    [
        ((), (), "Chưa có xã, phường nào"),
        (
            (("nam-dong", "Phường Nam Đồng"), ("dong-hai", "Phường Đông Hải")),
            (),
            "Có nhiều xã, phường; hãy chọn bằng --org (một trong: nam-dong, dong-hai).",
        ),
        (
            (("nam-dong", "Phường Nam Đồng"),),
            ("--org", "yet-kieu"),
            "Không có xã, phường mã yet-kieu",
        ),
    ],
    ids=["no organization", "several without --org", "unknown --org"],
)
def test_the_organization_must_be_clear_and_nothing_is_stored_otherwise(
    orgs: tuple[tuple[str, str], ...],
    args: tuple[str, ...],
    expected: str,
    seed_path,
    tmp_path: Path,
) -> None:
    url = database(tmp_path, *orgs)

    result = run("import", str(seed_path("003")), *args, cwd=tmp_path, env={"DATABASE_URL": url})

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert expected in lines[0]
    assert (count(url, Plan), count(url, Task), count(url, Unit)) == (0, 0, 0)


# --- plan-reminders -------------------------------------------------------------------------


def sample_plan(tmp_path: Path) -> Path:
    from bot.sample_plan import build_sample_docx

    return build_sample_docx(tmp_path / "ke_hoach_mau.docx")


@pytest.mark.parametrize(
    ("plan", "today", "until"),
    [
        ("000", "2026-03-16", "2026-04-30"),
        ("002", "2026-03-16", "2026-04-30"),
        ("003", "2026-03-16", "2026-04-30"),
        ("sample", "2026-11-16", "2026-12-31"),
    ],
)
def test_plan_reminders_lists_who_is_reminded_of_what_and_when(
    plan: str, today: str, until: str, seed_path, tmp_path: Path
) -> None:
    path = sample_plan(tmp_path) if plan == "sample" else seed_path(plan)

    result = run(
        "plan-reminders", str(path), "--today", today, "--until", until, "--json", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    sends = json.loads(result.stdout)
    assert isinstance(sends, list)
    assert sends
    start, end = date.fromisoformat(today), date.fromisoformat(until)
    for item in sends:
        assert {"stt", "section", "kind", "reason", "send_at", "recipients"} <= set(item)
        assert item["reason"]
        assert item["kind"] in (*DEADLINE_KINDS, "kpi")
        moment = datetime.fromisoformat(item["send_at"])
        assert moment.tzinfo is None  # local time, as the officials read it
        assert start <= moment.date() <= end
        assert item["recipients"]
        assert all(isinstance(r, str) and r for r in item["recipients"])
    assert "monthly" in {item["reason"] for item in sends}
