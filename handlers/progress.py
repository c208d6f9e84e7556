"""Storing confirmed progress: the update, the task's state, and what follows from it.

These are the plain functions the reporting handlers call once an official has confirmed
what the bot understood. A done task stops reminding; an undo restores the task as the
previous update left it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models.queries import audit
from models.tables import Evidence, Indicator, Official, ProgressUpdate, Task
from scheduler.outbox import cancel_pending


def record_update(
    *,
    session: Session,
    official: Official,
    now: datetime,
    raw_text: str,
    channel: str,
    task: Task | None = None,
    indicator: Indicator | None = None,
    status: str | None = None,
    percent: float | None = None,
    blocker: str | None = None,
    expected_date: date | None = None,
    extension: bool = False,
    value: str | None = None,
    evidence: list[dict[str, Any]] | None = None,
) -> ProgressUpdate:
    """Store one confirmed update and apply it to its task or indicator."""
    if percent is not None and percent >= 100 and status in (None, "in_progress"):
        status = "done"
    if status is None and percent is not None:
        status = "in_progress"
    update = ProgressUpdate(
        org_id=official.org_id,
        official_id=official.id or 0,
        task_id=task.id if task else None,
        indicator_id=indicator.id if indicator else None,
        status=status,
        percent=percent,
        value=value,
        blocker=blocker,
        expected_date=expected_date,
        extension_requested=extension,
        raw_text=raw_text[:4000],
        channel=channel,
        created_at=now,
    )
    session.add(update)
    session.flush()
    if task is not None:
        if status is not None:
            task.status = status
        if percent is not None:
            task.percent = percent
        elif status == "done":
            task.percent = 100.0
        task.last_update_at = now
        session.add(task)
        if task.status == "done":
            cancel_pending(session, task_id=task.id or 0)
    if indicator is not None:
        if value is not None:
            indicator.current_value = value[:255]
        indicator.last_update_at = now
        session.add(indicator)
    for item in evidence or []:
        session.add(Evidence(update_id=update.id or 0, created_at=now, **item))
    audit(
        session=session,
        action="update.confirmed",
        at=now,
        org_id=official.org_id,
        actor_id=official.id,
        subject=_subject(task, indicator),
        status=status,
        percent=percent,
        extension=extension,
    )
    return update


def undo_update(*, session: Session, update: ProgressUpdate, now: datetime) -> Task | None:
    """Withdraw ``update`` and put its task back as the previous update left it."""
    update.undone_at = now
    session.add(update)
    session.flush()
    task = session.get(Task, update.task_id) if update.task_id else None
    if task is not None:
        previous = session.exec(
            select(ProgressUpdate)
            .where(ProgressUpdate.task_id == task.id, col(ProgressUpdate.undone_at).is_(None))
            .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
        ).first()
        task.status = previous.status if previous and previous.status else "not_started"
        task.percent = previous.percent if previous else None
        task.last_update_at = previous.created_at if previous else None
        session.add(task)
    if update.indicator_id:
        kpi = session.get(Indicator, update.indicator_id)
        if kpi is not None:
            previous_kpi = session.exec(
                select(ProgressUpdate)
                .where(
                    ProgressUpdate.indicator_id == kpi.id, col(ProgressUpdate.undone_at).is_(None)
                )
                .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
            ).first()
            kpi.current_value = previous_kpi.value if previous_kpi else None
            session.add(kpi)
    audit(
        session=session,
        action="update.undone",
        at=now,
        org_id=update.org_id,
        actor_id=update.official_id,
        subject=f"update:{update.id}",
    )
    return task


def _subject(task: Task | None, indicator: Indicator | None) -> str | None:
    if task is not None:
        return f"task:{task.id}"
    if indicator is not None:
        return f"indicator:{indicator.id}"
    return None
