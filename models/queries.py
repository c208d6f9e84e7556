"""Queries shared by handlers, the scheduler and reports (keyword-only arguments)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from models.tables import (
    AuditEvent,
    ChatLink,
    Indicator,
    Official,
    Organization,
    ProgressUpdate,
    Task,
    Unit,
)

OPEN_STATUSES: tuple[str, ...] = ("not_started", "in_progress", "blocked")
_ROMAN = {
    r: i
    for i, r in enumerate(
        [
            "I",
            "II",
            "III",
            "IV",
            "V",
            "VI",
            "VII",
            "VIII",
            "IX",
            "X",
            "XI",
            "XII",
            "XIII",
            "XIV",
            "XV",
        ],
        start=1,
    )
}


def task_label(task: Task | Indicator) -> str:
    """Return how people name a row: "II.3" within a section, "3" without one, "CT5" for a KPI.

    Indicators are numbered through the whole appendix, so their number alone names them.
    """
    stt = task.stt or "?"
    if isinstance(task, Indicator):
        return f"CT{stt}"
    return f"{task.section}.{stt}" if task.section else stt


def official_by_chat(*, session: Session, channel: str, chat_id: str) -> Official | None:
    link = session.exec(
        select(ChatLink).where(ChatLink.channel == channel, ChatLink.chat_id == chat_id)
    ).first()
    if link is None or link.official_id is None:
        return None
    official = session.get(Official, link.official_id)
    return official if official is not None and official.active else None


def chat_links(*, session: Session, official_ids: Sequence[int]) -> dict[int, list[ChatLink]]:
    """Return each official's reachable chats, newest link first."""
    if not official_ids:
        return {}
    rows = session.exec(
        select(ChatLink)
        .where(col(ChatLink.official_id).in_(official_ids), col(ChatLink.reachable))
        .order_by(col(ChatLink.linked_at).desc())
    ).all()
    links: dict[int, list[ChatLink]] = {}
    for row in rows:
        assert row.official_id is not None
        links.setdefault(row.official_id, []).append(row)
    return links


def org_by_code(*, session: Session, code: str) -> Organization | None:
    return session.exec(select(Organization).where(Organization.code == code)).first()


def officials_of_unit(*, session: Session, unit_id: int) -> list[Official]:
    return list(
        session.exec(
            select(Official).where(
                Official.unit_id == unit_id, col(Official.active), Official.role == "official"
            )
        )
    )


def tasks_for_official(
    *, session: Session, official: Official, open_only: bool = True
) -> list[Task]:
    """Return the tasks an official reports on: their unit's, or those naming them."""
    conditions: list[Any] = [Task.lead_official_id == official.id]
    if official.unit_id is not None:
        conditions.append(Task.lead_unit_id == official.unit_id)
    query = select(Task).where(
        Task.org_id == official.org_id, col(Task.removed_at).is_(None), or_(*conditions)
    )
    if open_only:
        query = query.where(col(Task.status).in_(OPEN_STATUSES))
    return sort_by_due(session.exec(query).all())


def indicators_for_official(*, session: Session, official: Official) -> list[Indicator]:
    if official.unit_id is None:
        return []
    return list(
        session.exec(
            select(Indicator).where(
                Indicator.org_id == official.org_id,
                Indicator.monitoring_unit_id == official.unit_id,
                col(Indicator.removed_at).is_(None),
            )
        )
    )


def tasks_visible_to(*, session: Session, official: Official) -> list[Task]:
    """Return the tasks a person may see: all for an admin or the chair, else their own."""
    query = select(Task).where(Task.org_id == official.org_id, col(Task.removed_at).is_(None))
    if official.role == "admin" or official.is_chair:
        return sort_by_due(session.exec(query).all())
    if official.role == "leader":
        return sort_by_due(
            session.exec(query.where(Task.directing_official_id == official.id)).all()
        )
    return tasks_for_official(session=session, official=official, open_only=False)


def sort_by_due(tasks: Sequence[Task]) -> list[Task]:
    """Order tasks by due date (undated last), then by section and number."""

    def key(task: Task) -> tuple[Any, ...]:
        return (task.due_date is None, task.due_date, _natural(task.section), _natural(task.stt))

    return sorted(tasks, key=key)


def _natural(value: str | None) -> tuple[int, int, str]:
    if value is None:
        return (1, 0, "")
    roman = _ROMAN.get(value.upper())
    if roman is not None:
        return (0, roman, "")
    digits = "".join(ch for ch in value if ch.isdigit())
    return (0, int(digits) if digits else 0, value)


def find_task_by_label(*, session: Session, tasks: Sequence[Task], label: str) -> Task | None:
    """Return the task among ``tasks`` named by ``label`` ("II.3", "3", "ii 3")."""
    wanted = label.strip().upper().replace(" ", ".").rstrip(".")
    for task in tasks:
        if task_label(task).upper() == wanted:
            return task
    matches = [t for t in tasks if (t.stt or "").upper() == wanted]
    return matches[0] if len(matches) == 1 else None


def last_update(*, session: Session, official_id: int) -> ProgressUpdate | None:
    return session.exec(
        select(ProgressUpdate)
        .where(ProgressUpdate.official_id == official_id, col(ProgressUpdate.undone_at).is_(None))
        .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
    ).first()


def task_history(*, session: Session, task_id: int, limit: int = 5) -> list[ProgressUpdate]:
    return list(
        session.exec(
            select(ProgressUpdate)
            .where(ProgressUpdate.task_id == task_id, col(ProgressUpdate.undone_at).is_(None))
            .order_by(col(ProgressUpdate.created_at).desc(), col(ProgressUpdate.id).desc())
            .limit(limit)
        )
    )


def units_by_id(*, session: Session, org_id: int) -> dict[int, Unit]:
    return {u.id: u for u in session.exec(select(Unit).where(Unit.org_id == org_id)) if u.id}


def audit(
    *,
    session: Session,
    action: str,
    at: datetime,
    org_id: int | None = None,
    actor_id: int | None = None,
    subject: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            org_id=org_id, actor_id=actor_id, action=action, subject=subject, detail=detail, at=at
        )
    )
