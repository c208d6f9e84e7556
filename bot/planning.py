"""``python -m bot plan-reminders``: the reminders a plan would get, without storing anything.

The plan is imported into an in-memory database and the real planner runs on it, so what
this prints is what the bot would plan: recipients are the units (nobody is registered yet)
and, for escalations, the directing leaders the plan names.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import col, select

from bot.importing import read_draft
from bot.settings import Settings
from locales import fmt_datetime, t
from models import migrate
from models.db import make_engine, session_scope
from models.queries import task_label
from models.tables import Indicator, Official, Organization, OutboxMessage, Task, Unit
from plans.store import store_plan
from scheduler.planner import plan_reminders


def planned_sends(path: Path, *, today: date, until: date) -> list[dict[str, object]]:
    settings = Settings()
    draft = read_draft(path, max_bytes=settings.max_upload_mb * 1024 * 1024)
    engine = make_engine("sqlite://")
    migrate.upgrade(engine)
    zone = settings.zone
    start = datetime.combine(today, time(0, 0), tzinfo=zone)
    with session_scope(engine) as session:
        org = Organization(
            code="preview", name="preview", timezone=settings.timezone, created_at=start
        )
        session.add(org)
        session.flush()
        store_plan(session=session, org_id=org.id or 0, draft=draft, now=start)
        plan_reminders(
            session=session, now=start, until=datetime.combine(until, time(23, 59), tzinfo=zone)
        )
        rows = session.exec(
            select(OutboxMessage).order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        ).all()
        tasks = {x.id: x for x in session.exec(select(Task))}
        kpis = {x.id: x for x in session.exec(select(Indicator))}
        units = {u.id: u.name for u in session.exec(select(Unit))}
        people = {o.id: o.name for o in session.exec(select(Official))}
        grouped: dict[tuple[str, str, str], dict[str, object]] = {}
        for row in rows:
            subject: Task | Indicator | None = (
                tasks.get(row.task_id) if row.task_id else kpis.get(row.indicator_id)
            )
            if subject is None:
                continue
            recipient = _recipient(row, subject, units, people)
            key = (
                str(row.task_id or f"k{row.indicator_id}"),
                row.reason or "",
                row.due_at.isoformat(),
            )
            entry = grouped.setdefault(
                key,
                {
                    "stt": subject.stt,
                    "section": subject.section,
                    "label": task_label(subject),
                    "kind": subject.deadline_kind if isinstance(subject, Task) else "kpi",
                    "reason": row.reason,
                    "send_at": row.due_at.astimezone(zone)
                    .replace(tzinfo=None)
                    .isoformat(timespec="minutes"),
                    "due_date": (row.payload or {}).get("due_date"),
                    "recipients": [],
                },
            )
            recipients = entry["recipients"]
            assert isinstance(recipients, list)
            if recipient not in recipients:
                recipients.append(recipient)
    engine.dispose()
    return list(grouped.values())


def _recipient(
    row: OutboxMessage,
    subject: Task | Indicator,
    units: dict[int | None, str],
    people: dict[int | None, str],
) -> str:
    if row.official_id:
        return people.get(row.official_id, "?")
    if (row.payload or {}).get("audience") == "directing":
        return subject.directing_text or "?"
    unit_id = subject.lead_unit_id if isinstance(subject, Task) else subject.monitoring_unit_id
    return units.get(unit_id, "?")


def run_plan_reminders(path: Path, *, today: date, until: date, as_json: bool, locale: str) -> int:
    sends = planned_sends(path, today=today, until=until)
    if as_json:
        print(json.dumps(sends, ensure_ascii=False, indent=1))
        return 0
    zone = Settings().zone
    for item in sends:
        when = datetime.fromisoformat(str(item["send_at"])).replace(tzinfo=zone)
        print(
            t(
                locale,
                "{when} · {label} · {reason} → {who}",
                when=fmt_datetime(when, locale),
                label=item["label"],
                reason=item["reason"],
                who=", ".join(str(r) for r in item["recipients"]),  # type: ignore[attr-defined]
            )
        )
    return 0
