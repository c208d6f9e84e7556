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
KINDS = ("once", "once", "once", "once", "ongoing", "monthly", "yearly", "conditional",
         "per_guidance", "unknown")


def sample_replies(n: int) -> list[str]:
    lines = [line for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(itertools.islice(itertools.cycle(lines), n))


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(q[49] * 1000, 3), "p99_ms": round(q[98] * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3), "n": len(ordered)}


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
    from sqlmodel import select

    from bot.inbox import process_pending, store
    from models import migrate
    from models.db import make_engine, session_scope
    from models.messages import Inbound
    from models.tables import ChatLink, Official, Organization, Unit
    from plans.draft import Deadline, DraftPlan, DraftTask
    from plans.store import store_plan
    from plans.units import make_unit

    replies = sample_replies(n)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=VN)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        units = [unit for name in (
            "Phòng Văn hóa - Xã hội", "Phòng Kinh tế, Hạ tầng và Đô thị",
            "Văn phòng HĐND và UBND", "Trung tâm Phục vụ hành chính công", "Công an phường")
            if (unit := make_unit(name)) is not None]
        rng = random.Random(57)
        tasks = [DraftTask(section=["I", "II", "III"][i % 3], stt=str(i // 3 + 1),
                           title=f"Nhiệm vụ chuyển đổi số số {i + 1} về "
                                 f"{rng.choice(['dữ liệu', 'tập huấn', 'hạ tầng', 'tuyên truyền'])}",
                           lead_units=[units[i % len(units)]],
                           deadline=Deadline("once", date(2026, 12, 31), "Tháng 12/2026"))
                 for i in range(40)]
        chats = []
        with session_scope(engine) as s:
            org = Organization(code="bench", name="Phường Bench")
            s.add(org)
            s.flush()
            store_plan(session=s, org_id=org.id or 0,
                       draft=DraftPlan(source_name="b", source_hash="b", tasks=tasks), now=now)
            unit_rows = s.exec(select(Unit)).all()
            for k in range(200):
                official = Official(org_id=org.id or 0, name=f"Cán bộ {k}",
                                    unit_id=unit_rows[k % len(unit_rows)].id)
                s.add(official)
                s.flush()
                chat = f"bench-{official.id}"
                s.add(ChatLink(channel="console", chat_id=chat, official_id=official.id))
                chats.append(chat)
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


def bench_planning(orgs: int = 3300, tasks_per_org: int = 100, *, db_orgs: int | None = None,
                   horizon_days: int = 14) -> dict[str, Any]:
    """The policy for a nation, then the real planner writing outbox rows for ``db_orgs``."""
    from scheduler.policy import ReminderPolicy, TaskFacts, plan_task
    from scheduler.workcalendar import WorkCalendar

    cal = WorkCalendar()
    policy = ReminderPolicy()
    start, end = date(2026, 11, 20), date(2026, 11, 20) + timedelta(days=horizon_days)
    rng = random.Random(3300)
    facts = [
        TaskFacts(task_id=n, kind=rng.choice(KINDS),  # type: ignore[arg-type]
                  due_date=start + timedelta(days=rng.randint(-30, 400)))
        for n in range(orgs * tasks_per_org)
    ]
    tracemalloc.start()
    t0 = time.perf_counter()
    planned = sum(len(plan_task(f, policy, cal, start=start, end=end)) for f in facts)
    policy_seconds = time.perf_counter() - t0
    _, policy_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result: dict[str, Any] = {
        "tasks": len(facts), "reminders": planned, "policy_seconds": round(policy_seconds, 2),
        "policy_peak_mb": round(policy_peak / 2**20, 1),
    }
    if db_orgs:
        result.update(_bench_planner_db(db_orgs, tasks_per_org, horizon_days))
    return result


def _bench_planner_db(orgs: int, tasks_per_org: int, horizon_days: int) -> dict[str, Any]:
    from sqlalchemy import func, insert
    from sqlmodel import select

    from models import migrate
    from models.db import make_engine, session_scope
    from models.tables import ChatLink, Official, Organization, OutboxMessage, Plan, Task, Unit
    from scheduler.planner import plan_reminders

    now = datetime(2026, 11, 20, 6, 0, tzinfo=VN)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'nation.db'}")
        migrate.upgrade(engine)
        with session_scope(engine) as s:
            for o in range(orgs):
                org = Organization(code=f"org{o}", name=f"Xã {o}", created_at=now)
                s.add(org)
                s.flush()
                plan = Plan(org_id=org.id or 0, imported_at=now - timedelta(days=30))
                unit = Unit(org_id=org.id or 0, key=f"u{o}", name="Phòng Văn hóa - Xã hội")
                s.add_all([plan, unit])
                s.flush()
                people = [Official(org_id=org.id or 0, name=f"CB {o}.{k}", unit_id=unit.id)
                          for k in range(3)]
                s.add_all(people)
                s.flush()
                s.add_all([ChatLink(channel="telegram", chat_id=str(p.id), official_id=p.id)
                           for p in people])
                s.execute(insert(Task), [{
                    "plan_id": plan.id, "org_id": org.id, "title": f"Nhiệm vụ {n}", "stt": str(n),
                    "section": "I", "lead_unit_id": unit.id, "coord_unit_ids": [],
                    "deadline_kind": (kind := rng.choice(KINDS)),
                    "due_date": now.date() + timedelta(days=rng.randint(-30, 400))
                    if kind == "once" else None,
                    "status": "not_started", "created_at": now,
                } for n in range(tasks_per_org)])
        tracemalloc.start()
        t0 = time.perf_counter()
        with session_scope(engine) as s:
            written = plan_reminders(session=s, now=now, until=now + timedelta(days=horizon_days))
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t1 = time.perf_counter()
        with session_scope(engine) as s:
            again = plan_reminders(session=s, now=now, until=now + timedelta(days=horizon_days))
        replan = time.perf_counter() - t1
        with session_scope(engine, readonly=True) as s:
            rows = s.exec(select(func.count()).select_from(OutboxMessage)).one()
        engine.dispose()
    return {"db_orgs": orgs, "db_tasks": orgs * tasks_per_org, "db_rows_written": written,
            "db_rows": rows, "db_seconds": round(seconds, 1), "db_peak_mb": round(peak / 2**20, 1),
            "replan_rows_written": again, "replan_seconds": round(replan, 1)}
