"""The console channel: a person chats with the bot in a terminal, through the same handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.test_cli import run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'demo.db'}"
    result = run("demo", "--db", url)
    assert result.returncode == 0, result.stderr
    return url


def test_an_official_sees_the_reminder_due_at_the_simulated_time(demo_db: str) -> None:
    result = run(
        "console",
        "--as",
        "Hoàng Thị Lan",
        "--now",
        "2026-12-21T08:40",
        env={"DATABASE_URL": demo_db},
        stdin=":next\n:quit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Hoàng Thị Lan" in result.stdout
    assert "II.2" in result.stdout  # her task, reminded as its date comes near


def test_a_reply_is_understood_and_confirmed_in_the_terminal(demo_db: str) -> None:
    script = "/tasks\nII.2 đã số hóa được 80% hồ sơ, dự kiến xong 28/12\n#1\n:quit\n"
    result = run(
        "console",
        "--as",
        "Hoàng Thị Lan",
        "--now",
        "2026-12-21T09:00",
        env={"DATABASE_URL": demo_db},
        stdin=script,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Nhiệm vụ đang mở" in out
    assert "Tôi hiểu là:" in out and "80%" in out and "28/12/2026" in out
    assert "Đã lưu cập nhật nhiệm vụ II.2" in out


def test_a_leader_asks_for_the_summary(demo_db: str) -> None:
    result = run(
        "console",
        "--as",
        "Nguyễn Văn Hùng",
        "--now",
        "2026-12-21T09:00",
        env={"DATABASE_URL": demo_db},
        stdin="/summary\n:quit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "tình hình thực hiện kế hoạch" in result.stdout


def test_end_of_input_leaves_cleanly(demo_db: str, tmp_path: Path) -> None:
    result = run("console", "--as", "Lê Văn Cường", env={"DATABASE_URL": demo_db}, stdin="")
    assert result.returncode == 0, result.stderr
