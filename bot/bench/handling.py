"""Benchmarks of the work done per reply and of planning a nation's reminders.

* ``bench_understanding``: per-reply time of ``handlers.understanding.understand`` alone.
* ``bench_handling``: per-update time of the whole handling path without network: store the
  update in the inbox, run the handlers (understanding, task matching, the confirmation
  draft), queue the answer in the outbox, all on a real SQLite database.
* ``bench_planning``: the reminder policy for 3,300 organizations × 100 tasks, and the real
  planner writing the outbox rows of the coming weeks into a database; time and peak memory.
"""

from __future__ import annotations

import itertools
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.understanding import understand

REPLIES = Path(__file__).resolve().parents[2] / "samples" / "replies.txt"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = (
    "once",
    "once",
    "once",
    "once",
    "ongoing",
    "monthly",
    "yearly",
    "conditional",
    "per_guidance",
    "unknown",
)


def sample_replies(n: int) -> list[str]:
    lines = [line for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(itertools.islice(itertools.cycle(lines), n))


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49] * 1000, 3),
        "p99_ms": round(q[98] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "n": len(ordered),
    }


def bench_understanding(n: int = 10_000) -> dict[str, Any]:
    replies = sample_replies(n)
    today = date(2026, 11, 20)
    understand("khởi động 15 tháng mười hai", today=today)  # dateparser's first load
    times = []
    for text in replies:
        start = time.perf_counter()
        understand(text, today=today)
        times.append(time.perf_counter() - start)
    return _percentiles(times)


def bench_handling(n: int = 10_000) -> dict[str, Any]:
    """Store + handle ``n`` realistic replies from 200 officials on a SQLite file."""
    from bot.bench.ward import seed_ward
    from bot.inbox import process_pending, store
    from models import migrate
    from models.db import make_engine
    from models.messages import Inbound

    replies = sample_replies(n)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        chats = [f"bench-{k}" for k in range(200)]
        seed_ward(engine, code="bench", channel="console", chats=chats, now=now)
        times = []
        for k, text in enumerate(replies):
            chat = chats[k % len(chats)]
            inbound = Inbound(channel="console", chat_id=chat, user_id=chat, text=text)
            start = time.perf_counter()
            store(engine, channel="console", update_id=str(k), inbound=inbound, now=now)
            process_pending(engine, now=now, zone=VN, limit=1)
            times.append(time.perf_counter() - start)
        engine.dispose()
    return _percentiles(times)


def bench_planning(
    orgs: int = 3300,
    tasks_per_org: int = 100,
    *,
    db_orgs: int | None = None,
    horizon_days: int = 14,
) -> dict[str, Any]:
    """The policy for a nation, then the real planner writing outbox rows for ``db_orgs``."""
    from scheduler.policy import ReminderPolicy, TaskFacts, plan_task
    from scheduler.workcalendar import WorkCalendar

    cal = WorkCalendar()
    policy = ReminderPolicy()
    start, end = date(2026, 11, 20), date(2026, 11, 20) + timedelta(days=horizon_days)
    rng = random.Random(3300)
    facts = [
        TaskFacts(
            task_id=n,
            kind=rng.choice(KINDS),  # type: ignore[arg-type]
            due_date=start + timedelta(days=rng.randint(-30, 400)),
        )
        for n in range(orgs * tasks_per_org)
    ]
    t0 = time.perf_counter()
    planned = sum(len(plan_task(f, policy, cal, start=start, end=end)) for f in facts)
    policy_seconds = time.perf_counter() - t0
    # Memory in a pass of its own (tracemalloc slows Python two to three times), from cold
    # caches like the timed pass.
    from scheduler import policy as policy_module

    policy_module._task_templates.cache_clear()
    tracemalloc.start()
    for f in facts:
        plan_task(f, policy, cal, start=start, end=end)
    _, policy_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result: dict[str, Any] = {
        "tasks": len(facts),
        "reminders": planned,
        "policy_seconds": round(policy_seconds, 2),
        "policy_peak_mb": round(policy_peak / 2**20, 1),
    }
    if db_orgs:
        result["sqlite"] = _bench_planner_sqlite(db_orgs, tasks_per_org, horizon_days)
        result["postgres"] = _bench_planner_postgres(db_orgs, tasks_per_org, horizon_days)
    return result


PLAN_NOW = datetime(2026, 11, 20, 6, 0, tzinfo=VN)  # the daily planning job's hour


def _bench_planner_sqlite(orgs: int, tasks_per_org: int, horizon_days: int) -> dict[str, Any]:
    """Plan a nation on a SQLite file: time it, plan again, and trace memory on a copy."""
    import shutil

    from models import migrate
    from models.db import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        path, copy = Path(tmp) / "nation.db", Path(tmp) / "nation-copy.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        build = _build_nation(engine, orgs, tasks_per_org)
        engine.dispose()  # checkpoints the WAL: the file alone is the database
        shutil.copyfile(path, copy)
        engine = make_engine(f"sqlite:///{path}")
        result = {"build_seconds": build, **_time_planner(engine, horizon_days)}
        engine.dispose()
        engine = make_engine(f"sqlite:///{copy}")
        result["peak_mb"] = _trace_planner(engine, horizon_days)
        engine.dispose()
    return result


def _bench_planner_postgres(orgs: int, tasks_per_org: int, horizon_days: int) -> dict[str, Any]:
    """The same on PostgreSQL (``DONDOC_BENCH_PG_URL``, else the test server), in a schema of
    its own; skipped when the server does not answer."""
    import os
    import uuid

    from models import migrate
    from models.db import DatabaseUnavailable, check_reachable, make_engine

    url = os.environ.get("DONDOC_BENCH_PG_URL") or os.environ.get(
        "DONDOC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    admin = make_engine(url, connect_args={"connect_timeout": 3})
    try:
        check_reachable(admin)
    except DatabaseUnavailable as exc:
        admin.dispose()
        return {"skipped": str(exc)}
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate.upgrade(engine)
        build = _build_nation(engine, orgs, tasks_per_org)
        return {"build_seconds": build, **_time_planner(engine, horizon_days)}
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _build_nation(engine: Any, orgs: int, tasks_per_org: int) -> float:
    """Organizations with one plan, one unit of 1-2 officials (each on Telegram) and
    ``tasks_per_org`` tasks of every deadline kind; bulk-inserted. Returns the seconds."""
    from sqlalchemy import insert

    from models.db import session_scope
    from models.tables import ChatLink, Official, Organization, Plan, Task, Unit

    t0 = time.perf_counter()
    rng = random.Random(1)
    people = 0
    with session_scope(engine) as s:
        for first in range(0, orgs, 500):
            ids = range(first + 1, min(orgs, first + 500) + 1)
            s.execute(
                insert(Organization),
                [
                    {
                        "id": o,
                        "code": f"org{o}",
                        "name": f"Xã {o}",
                        "timezone": "Asia/Ho_Chi_Minh",
                        "locale": "vi",
                        "settings": {},
                        "created_at": PLAN_NOW,
                    }
                    for o in ids
                ],
            )
            s.execute(
                insert(Plan),
                [
                    {
                        "id": o,
                        "org_id": o,
                        "source_name": "",
                        "source_hash": "",
                        "settings": {},
                        "imported_at": PLAN_NOW - timedelta(days=30),
                    }
                    for o in ids
                ],
            )
            s.execute(
                insert(Unit),
                [
                    {
                        "id": o,
                        "org_id": o,
                        "key": "vh",
                        "name": "Phòng Văn hóa - Xã hội",
                        "aliases": [],
                        "created_at": PLAN_NOW,
                    }
                    for o in ids
                ],
            )
            officials = []
            for o in ids:
                for _ in range(1 + o % 2):  # one or two officials per unit
                    people += 1
                    officials.append(
                        {
                            "id": people,
                            "org_id": o,
                            "name": f"CB {people}",
                            "unit_id": o,
                            "role": "official",
                            "is_chair": False,
                            "locale": "vi",
                            "active": True,
                            "created_at": PLAN_NOW,
                        }
                    )
            s.execute(insert(Official), officials)
            s.execute(
                insert(ChatLink),
                [
                    {
                        "channel": "telegram",
                        "chat_id": str(p["id"]),
                        "official_id": p["id"],
                        "is_group": False,
                        "reachable": True,
                        "linked_at": PLAN_NOW,
                    }
                    for p in officials
                ],
            )
            s.execute(
                insert(Task),
                [
                    {
                        "plan_id": o,
                        "org_id": o,
                        "title": f"Nhiệm vụ {n}",
                        "stt": str(n),
                        "section": "I",
                        "lead_unit_id": o,
                        "coord_unit_ids": [],
                        "deadline_kind": (kind := rng.choice(KINDS)),
                        "due_date": PLAN_NOW.date() + timedelta(days=rng.randint(-30, 400))
                        if kind == "once"
                        else None,
                        "status": "not_started",
                        "created_at": PLAN_NOW,
                    }
                    for o in ids
                    for n in range(1, tasks_per_org + 1)
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # explicit ids: move the sequences past them
            for table in ("organization", "plan", "unit", "official"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            conn.exec_driver_sql("ANALYZE")
    return round(time.perf_counter() - t0, 1)


def _time_planner(engine: Any, horizon_days: int) -> dict[str, Any]:
    """The daily job on a fresh outbox, then the same job again (it must write nothing)."""
    import resource

    from sqlalchemy import func
    from sqlmodel import select

    from models.db import session_scope
    from models.tables import OutboxMessage
    from scheduler.planner import plan_reminders

    until = PLAN_NOW + timedelta(days=horizon_days)
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        written = plan_reminders(session=s, now=PLAN_NOW, until=until)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    with session_scope(engine) as s:
        again = plan_reminders(session=s, now=PLAN_NOW, until=until)
    replan = time.perf_counter() - t1
    with session_scope(engine, readonly=True) as s:
        rows = s.exec(select(func.count()).select_from(OutboxMessage)).one()
    return {
        "rows_written": written,
        "rows": rows,
        "seconds": round(seconds, 1),
        "replan_rows_written": again,
        "replan_seconds": round(replan, 1),
        "process_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _trace_planner(engine: Any, horizon_days: int) -> float:
    """The planner's peak of Python allocations (MB), traced in a pass of its own."""
    from models.db import session_scope
    from scheduler.planner import plan_reminders

    tracemalloc.start()
    with session_scope(engine) as s:
        plan_reminders(session=s, now=PLAN_NOW, until=PLAN_NOW + timedelta(days=horizon_days))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 2**20, 1)
