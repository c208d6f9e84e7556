"""The command line as an IT officer meets it: one clear line on bad input, nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from models import migrate
from models.db import make_engine

REPO = Path(__file__).resolve().parents[2]


def run(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        cwd=cwd or REPO,
        timeout=120,
        check=False,
    )


def test_unreachable_database_url_says_so_in_one_line(tmp_path: Path) -> None:
    result = run("db", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "Không kết nối được cơ sở dữ liệu" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_refused_clearly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    result = run("db", env={"DATABASE_URL": url})
    assert result.returncode != 0
    assert "Không kết nối được cơ sở dữ liệu" in result.stderr
    assert not (tmp_path / "no").exists()


def test_database_of_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    result = run("db", env={"DATABASE_URL": url})
    assert result.returncode != 0
    assert "phiên bản mới hơn" in result.stderr
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "9999_future"
        )


def test_unknown_console_user_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    result = run("console", "--as", "Người Lạ", env={"DATABASE_URL": url}, stdin=":quit\n")
    assert result.returncode != 0
    assert "Không tìm thấy đúng một cán bộ" in result.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM chatlink").scalar() == 0


def test_run_without_a_token_explains_how_to_try_the_bot(tmp_path: Path) -> None:
    result = run(
        "run", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}", "TELEGRAM_BOT_TOKEN": ""}
    )
    assert result.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "python -m bot demo" in result.stderr


def test_database_is_upgraded_on_first_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run("db", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert migrate.head_revision() in result.stdout
    assert "task" in inspect(make_engine(url)).get_table_names()


@pytest.mark.slow
def test_the_demo_shows_a_reminder_a_parsed_reply_and_a_summary_in_vietnamese() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "🔔 Sắp đến hạn" in out  # a reminder reached an official
    assert "Tôi hiểu là:" in out and "Tình trạng: đang thực hiện 60%" in out  # a parsed reply
    assert "Dự kiến xong: 27/11/2026" in out
    assert "Đã lưu cập nhật nhiệm vụ" in out  # confirmed and stored
    assert "📊 Phường An Hòa: tình hình thực hiện kế hoạch" in out  # a leader's /summary
    assert "Lãnh đạo đã đồng ý gia hạn" in out  # the extension went to the leader and back
