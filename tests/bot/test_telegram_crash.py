"""Nothing is lost when the bot is killed: a real ``python -m bot run`` against the local Bot
API server is killed with SIGKILL while it works through 200 messages, then started again.
Every update ends up handled exactly once, and every person gets an answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.testing.fake_bot_api import FakeBotApi
from models import migrate
from models.db import make_engine, session_scope
from models.tables import InboundUpdate, OutboxMessage

REPO = Path(__file__).resolve().parents[2]
PEOPLE = 200
FIRST_CHAT = 800_001

T = TypeVar("T")

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'dondoc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield url, engine
    engine.dispose()


def start_bot(api: FakeBotApi, url: str, folder: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TELEGRAM_BOT_TOKEN": api.token,
        "DONDOC_TELEGRAM_API_URL": api.base_url,
        "DONDOC_TELEGRAM_FILE_URL": api.base_file_url,
        "DATABASE_URL": url,
        # 200 different chats: only the overall rate would slow the answers down.
        "DONDOC_RATE_PER_SECOND": "1000",
    }
    env.pop("DONDOC_WEBHOOK_URL", None)
    # cwd: a folder with no .env, so nothing but this environment configures the bot.
    with (folder / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for(
    check: Callable[[], T],
    process: subprocess.Popen[bytes],
    log: Path,
    *,
    seconds: float = 60.0,
    what: str,
) -> T:
    """Poll ``check`` until it gives a value; fail at once if the bot died."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(
                f"the bot exited ({process.returncode}) before {what}:\n"
                f"{log.read_text(errors='replace')[-3000:]}"
            )
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.002)  # polling the database, not waiting for something to happen


def counts(engine: Engine) -> tuple[int, int]:
    """(stored, done) inbox rows."""
    with session_scope(engine, readonly=True) as s:
        stored = s.exec(select(func.count()).select_from(InboundUpdate)).one()
        done = s.exec(
            select(func.count()).select_from(InboundUpdate).where(InboundUpdate.state == "done")
        ).one()
    return stored, done


@pytest.mark.parametrize("kill_when", ["stored", "sending"])
def test_killed_mid_work_then_restarted_handles_every_update_once(
    database: tuple[str, Engine], tmp_path: Path, kill_when: str
) -> None:
    url, engine = database
    with FakeBotApi(limits=None) as api:
        chats = [FIRST_CHAT + n for n in range(PEOPLE)]
        queued = [
            api.send_user_message(chat, f"Xin chào, tôi là người số {n}")["update_id"]
            for n, chat in enumerate(chats)
        ]

        first = start_bot(api, url, tmp_path, "first")
        try:
            if kill_when == "stored":  # between receiving and handling
                wait_for(
                    lambda: counts(engine)[0] > 0,
                    first,
                    tmp_path / "first.log",
                    what="the first updates to be stored",
                )
            else:  # while the first answers are on their way to Telegram
                wait_for(
                    lambda: len(api.sent_messages()) > 0,
                    first,
                    tmp_path / "first.log",
                    what="the first answers to be sent",
                )
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        stored, done = counts(engine)
        with session_scope(engine, readonly=True) as s:
            in_flight = {
                row.chat_id
                for row in s.exec(select(OutboxMessage).where(OutboxMessage.state == "sending"))
            }
        sent_before = len(api.sent_messages())
        # The premise: the kill came in the middle of the work, not after it all.
        at_kill = f"stored {stored}, handled {done}, sending {len(in_flight)}, sent {sent_before}"
        assert stored > 0 and sent_before < PEOPLE, at_kill
        if kill_when == "stored":
            assert done < stored, at_kill

        second = start_bot(api, url, tmp_path, "second")
        try:
            wait_for(
                lambda: counts(engine) == (PEOPLE, PEOPLE),
                second,
                tmp_path / "second.log",
                what="every update to be handled",
            )
            wait_for(
                lambda: {m.chat_id for m in api.sent_messages()} == set(chats),
                second,
                tmp_path / "second.log",
                what="an answer in every chat",
            )
            wait_for(
                lambda: api.pending_updates() == [],
                second,
                tmp_path / "second.log",
                what="every update to be acknowledged",
            )
        finally:
            second.send_signal(signal.SIGTERM)
            status = second.wait(timeout=30)
        assert status == 0, (tmp_path / "second.log").read_text(errors="replace")[-3000:]

        with session_scope(engine, readonly=True) as s:
            rows = s.exec(select(InboundUpdate)).all()
            unsent = s.exec(select(OutboxMessage).where(col(OutboxMessage.state) != "sent")).all()
        assert sorted(int(r.update_id) for r in rows) == sorted(queued)
        assert {r.state for r in rows} == {"done"}
        assert unsent == []
        answers = Counter(m.chat_id for m in api.sent_messages())
        assert set(answers) == set(chats)
        # Only an answer the killed process was sending may have gone out twice.
        twice = {str(chat) for chat, n in answers.items() if n > 1}
        assert twice <= in_flight
        assert max(answers.values()) <= 2
        assert all("liên hệ văn phòng" in (m.text or "") for m in api.sent_messages())
