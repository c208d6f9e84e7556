"""The periodic jobs, and their APScheduler schedule.

APScheduler only fires: a tick every minute wakes the sender, a daily job plans the next
weeks of reminders into the outbox, a weekly job queues the leaders' digest, and a job
fetches evidence files. The database holds every reminder, so the jobs live in memory and
are re-added at each start (explicit ids, ``replace_existing``).

``coalesce`` and ``misfire_grace_time`` are set on purpose: the default grace of one second
silently skips a job that fell due while the process was down. Planning and the digest run
once on start-up if their time passed while down (coalesced to one run).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import col, or_, select

from models.db import session_scope
from models.messages import Outbound
from models.tables import Evidence, Official
from reports.summary import build_summary, render_summary
from scheduler.clock import Clock
from scheduler.notify import notify_official
from scheduler.planner import DEFAULT_HORIZON_DAYS, plan_reminders

log = logging.getLogger(__name__)


def plan_job(engine: Engine, clock: Clock, *, horizon_days: int = DEFAULT_HORIZON_DAYS) -> int:
    """Plan every organization's reminders for the coming weeks (idempotent)."""
    now = clock.now()
    with session_scope(engine) as session:
        written = plan_reminders(
            session=session, now=now, until=now + timedelta(days=horizon_days)
        )
    log.info("planned %d new reminders", written)
    return written


def digest_job(engine: Engine, clock: Clock, zone: ZoneInfo) -> int:
    """Queue this week's summary for every chair and admin (once per person and week)."""
    now = clock.now()
    year, week, _ = now.astimezone(zone).isocalendar()
    queued = 0
    with session_scope(engine) as session:
        readers = session.exec(
            select(Official).where(
                col(Official.active), or_(Official.role == "admin", col(Official.is_chair))
            )
        ).all()
        for reader in readers:
            summary = build_summary(session=session, viewer=reader, now=now, zone=zone)
            if not summary.total:
                continue
            text = render_summary(summary, reader.locale)
            if notify_official(
                session=session,
                official=reader,
                outbound=Outbound(text=text),
                now=now,
                key=f"{year}-W{week:02d}",
                kind="digest",
            ):
                queued += 1
    return queued


async def fetch_evidence_job(
    engine: Engine, fetch: Callable[[str], Awaitable[bytes]], *, limit: int = 20
) -> int:
    """Download evidence files the channel only gave an id for, so nothing depends on it."""
    import asyncio
    import hashlib

    def pending() -> list[tuple[int, str]]:
        with session_scope(engine, readonly=True) as session:
            rows = session.exec(
                select(Evidence)
                .where(col(Evidence.content).is_(None), col(Evidence.channel_file_id).is_not(None))
                .limit(limit)
            ).all()
            return [(r.id or 0, r.channel_file_id or "") for r in rows]

    done = 0
    for evidence_id, file_id in await asyncio.to_thread(pending):
        try:
            content = await fetch(file_id)
        except Exception:  # the file may be gone or too big; keep the id, try later
            log.warning("could not fetch evidence %s", evidence_id, exc_info=True)
            continue

        def save(evidence_id: int = evidence_id, content: bytes = content) -> None:
            with session_scope(engine) as session:
                row = session.get(Evidence, evidence_id)
                if row is not None:
                    row.content, row.size = content, len(content)
                    row.sha256 = hashlib.sha256(content).hexdigest()
                    session.add(row)

        await asyncio.to_thread(save)
        done += 1
    return done


def build_scheduler(
    *,
    zone: ZoneInfo,
    tick: Callable[[], object],
    plan: Callable[[], object],
    digest: Callable[[], object],
    evidence: Callable[[], object] | None = None,
    now: Callable[[], datetime] | None = None,
) -> AsyncIOScheduler:
    """The schedule: tick each minute, plan daily at 06:00, digest on Monday mornings."""
    scheduler = AsyncIOScheduler(timezone=zone)
    scheduler.add_job(
        tick,
        IntervalTrigger(minutes=1),
        id="tick",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=50,
        max_instances=1,
    )
    scheduler.add_job(
        plan,
        CronTrigger(hour=6, minute=0, timezone=zone),
        id="plan",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=18 * 3600,
        max_instances=1,
        next_run_time=(now() if now else datetime.now(zone)),
    )
    scheduler.add_job(
        digest,
        CronTrigger(day_of_week="mon", hour=8, minute=30, timezone=zone),
        id="digest",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=8 * 3600,
        max_instances=1,
    )
    if evidence is not None:
        scheduler.add_job(
            evidence,
            IntervalTrigger(minutes=5),
            id="evidence",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=240,
            max_instances=1,
        )
    return scheduler
