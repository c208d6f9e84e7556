"""Planning: from the tasks in the database to reminder rows in the outbox.

For every open task and indicator the pure policy (``scheduler.policy``) says which reminders
fall in the planning window; this module finds who receives each one and writes one outbox
row per (subject, recipient, reason, period). Rows are keyed, so planning again (the daily
job, a restart, a second worker) writes nothing twice; the sender bundles the rows due for
one chat into one message.

Recipients: the named lead person, or else every registered official of the lead unit; the
directing leader (or else the chair) on escalation; coordinating units only when the plan's
policy asks. A unit nobody has registered for still gets its row, without a chat: the sender
reports it to the admins as unreachable instead of losing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from models.tables import (
    ChatLink,
    Indicator,
    Official,
    Organization,
    OutboxMessage,
    Plan,
    Snooze,
    Task,
)
from scheduler.outbox import enqueue
from scheduler.policy import (
    IndicatorFacts,
    PlannedReminder,
    ReminderPolicy,
    TaskFacts,
    plan_indicator,
    plan_task,
    snooze,
)
from scheduler.workcalendar import WorkCalendar

DEFAULT_HORIZON_DAYS = 14  # planned daily; two weeks cover the longest Tết closure


@lru_cache(maxsize=256)
def _calendar(zone: str, closed: tuple[str, ...], working: tuple[str, ...]) -> WorkCalendar:
    return WorkCalendar(
        zone=zone,
        extra_closed=[date.fromisoformat(d) for d in closed],
        extra_working=[date.fromisoformat(d) for d in working],
    )


def calendar_for(org: Organization) -> WorkCalendar:
    """The organization's working calendar: Vietnam's holidays plus its own closed/working days."""
    cal = org.settings.get("calendar", {}) if org.settings else {}
    return _calendar(org.timezone, tuple(cal.get("closed", ())), tuple(cal.get("working", ())))


def policy_for(org: Organization, plan: Plan | None) -> ReminderPolicy:
    return ReminderPolicy.resolve(
        (org.settings or {}).get("reminders"),
        (plan.settings or {}).get("reminders") if plan else None,
    )


class _Directory:
    """Who is registered where in one organization, and who snoozed which task."""

    def __init__(
        self,
        officials: Iterable[Official],
        links: Iterable[ChatLink],
        snoozes: dict[tuple[int, int], datetime],
    ) -> None:
        officials = [o for o in officials if o.active]
        self.by_id = {o.id: o for o in officials}
        self.by_unit: dict[int, list[Official]] = defaultdict(list)
        for o in officials:
            if o.unit_id is not None and o.role == "official":
                self.by_unit[o.unit_id].append(o)
        self.chairs = [o for o in officials if o.is_chair]
        self.chat: dict[int, ChatLink] = {}
        for link in sorted(links, key=lambda k: k.linked_at):  # the newest link wins
            if link.official_id is not None and link.official_id in self.by_id and link.reachable:
                self.chat[link.official_id] = link
        self.snoozes = snoozes

    def lead(self, task: Any) -> list[Official] | int | None:
        """The officials who report on ``task``, or its unit id when none is registered."""
        if task.lead_official_id and task.lead_official_id in self.by_id:
            return [self.by_id[task.lead_official_id]]
        if task.lead_unit_id is None:
            return None
        return self.by_unit.get(task.lead_unit_id) or task.lead_unit_id

    def units(self, unit_ids: Iterable[int]) -> list[Official]:
        return [o for uid in unit_ids for o in self.by_unit.get(uid, [])]

    def directing(self, subject: Any) -> list[Official]:
        leader = self.by_id.get(subject.directing_official_id or -1)
        return [leader] if leader else list(self.chairs)


# The columns planning reads: plain rows cost a tenth of ORM objects, and a nation has many.
_TASK_COLUMNS: tuple[Any, ...] = (
    Task.id,
    Task.org_id,
    Task.plan_id,
    Task.deadline_kind,
    Task.due_date,
    Task.status,
    Task.lead_official_id,
    Task.lead_unit_id,
    Task.directing_official_id,
    Task.coord_unit_ids,
)
_KPI_COLUMNS: tuple[Any, ...] = (
    Indicator.id,
    Indicator.org_id,
    Indicator.plan_id,
    Indicator.monitoring_unit_id,
    Indicator.directing_official_id,
    Indicator.coord_unit_ids,
)
# Keys planned again are looked for among the organization's rows due since this long before
# now: a reminder moves back from its rule day by at most a closure (Tết) and a weekend.
_KEY_LOOKBACK = timedelta(days=31)
# Organizations read together: one query per table for all of them instead of one each.
_CHUNK = 100


class _Chunk:
    """What planning a few organizations reads, in one query per table."""

    def __init__(
        self,
        session: Session,
        org_ids: Sequence[int],
        now: datetime,
        task_ids: Sequence[int] | None = None,
    ) -> None:
        officials = session.exec(select(Official).where(col(Official.org_id).in_(org_ids))).all()
        self.officials: dict[int, list[Official]] = defaultdict(list)
        for o in officials:
            self.officials[o.org_id].append(o)
        ids = [o.id for o in officials]
        self.links: dict[int | None, list[ChatLink]] = defaultdict(list)
        for link in (
            session.exec(select(ChatLink).where(col(ChatLink.official_id).in_(ids))) if ids else ()
        ):
            self.links[link.official_id].append(link)
        self.plans = {
            p.id: p for p in session.exec(select(Plan).where(col(Plan.org_id).in_(org_ids)))
        }
        snoozed = select(Snooze).where(col(Snooze.until) > now)
        snoozed = (
            snoozed.where(col(Snooze.task_id).in_(task_ids))
            if task_ids is not None
            else snoozed.where(
                col(Snooze.task_id).in_(
                    select_columns(col(Task.id)).where(col(Task.org_id).in_(org_ids))
                )
            )
        )
        self.snoozes = {(z.task_id, z.official_id): z.until for z in session.exec(snoozed)}
        # Most keys of a re-plan exist already (yesterday's run planned all but one day of
        # the window): they are read once and their rows not even built. A key this misses
        # still meets ON CONFLICT DO NOTHING.
        keys = select_columns(col(OutboxMessage.idempotency_key)).where(
            col(OutboxMessage.org_id).in_(org_ids),
            col(OutboxMessage.due_at) >= now - _KEY_LOOKBACK,
        )
        self.existing = set(session.execute(keys).scalars())

    def directory(self, org_id: int) -> _Directory:
        officials = self.officials.get(org_id, [])
        links = [k for o in officials for k in self.links.get(o.id, [])]
        return _Directory(officials, links, self.snoozes)


def plan_reminders(
    *,
    session: Session,
    now: datetime,
    until: datetime,
    org_ids: Sequence[int] | None = None,
) -> int:
    """Plan every reminder whose day falls between ``now`` and ``until``; return new rows.

    A hundred organizations at a time, one query per table for all of them, plain rows
    rather than ORM objects, and no row built for a key that exists: the daily job plans a
    nation's tasks, and memory stays that of a hundred organizations.
    """
    orgs = (
        session.exec(select(Organization)).all()
        if org_ids is None
        else [o for o in (session.get(Organization, i) for i in org_ids) if o is not None]
    )
    written = 0
    for first in range(0, len(orgs), _CHUNK):
        chunk = orgs[first : first + _CHUNK]
        ids = [o.id or 0 for o in chunk]
        tasks: dict[int, list[Any]] = defaultdict(list)
        for task in session.execute(
            select_columns(*_TASK_COLUMNS).where(
                col(Task.org_id).in_(ids),
                col(Task.removed_at).is_(None),
                col(Task.status) != "done",
            )
        ):
            tasks[task.org_id].append(task)
        kpis: dict[int, list[Any]] = defaultdict(list)
        for kpi in session.execute(
            select_columns(*_KPI_COLUMNS).where(
                col(Indicator.org_id).in_(ids), col(Indicator.removed_at).is_(None)
            )
        ):
            kpis[kpi.org_id].append(kpi)
        loaded = _Chunk(session, ids, now)
        rows: list[dict[str, Any]] = []
        for org in chunk:
            rows += _plan_org(
                org,
                tasks.get(org.id or 0, []),
                kpis.get(org.id or 0, []),
                loaded,
                loaded.existing,
                now=now,
                until=until,
            )
        written += enqueue(session, rows)
    return written


def plan_for_tasks(
    *,
    session: Session,
    tasks: Sequence[Task],
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> int:
    """Re-plan a few tasks at once (after an extension or a re-import).

    The caller has cancelled their pending reminders; the ones planned again under the same
    key (the month's nudge does not depend on the due date) are planned again rather than
    skipped. Removed and done tasks get nothing.
    """
    by_org: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.removed_at is None and task.status != "done":
            by_org[task.org_id].append(task)
    written = 0
    for org_id, items in by_org.items():
        org = session.get(Organization, org_id)
        if org is None:
            continue
        loaded = _Chunk(session, [org_id], now, task_ids=[t.id or 0 for t in items])
        rows = _plan_org(
            org, items, [], loaded, set(), now=now, until=now + timedelta(days=horizon_days)
        )
        _revive_cancelled(session, rows)
        written += enqueue(
            session, [r for r in rows if r["idempotency_key"] not in loaded.existing]
        )
    return written


def _plan_org(
    org: Organization,
    tasks: Sequence[Any],
    kpis: Sequence[Any],
    loaded: _Chunk,
    existing: set[str],
    *,
    now: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """The outbox rows of one organization's ``tasks`` and ``kpis`` (Task/Indicator objects
    or plain rows) whose key is not in ``existing``."""
    cal = calendar_for(org)
    start, end = cal.local(now).date(), cal.local(until).date()
    if end < start or not (tasks or kpis):
        return []
    people = loaded.directory(org.id or 0)
    plans = loaded.plans
    policies: dict[int | None, tuple[ReminderPolicy, WorkCalendar, date | None]] = {}

    def policy(plan_id: int | None) -> tuple[ReminderPolicy, WorkCalendar, date | None]:
        if plan_id not in policies:
            plan = plans.get(plan_id)
            pol = policy_for(org, plan)
            active = cal.local(plan.imported_at).date() if plan else None
            policies[plan_id] = (pol, pol.calendar(cal), active)
        return policies[plan_id]

    rows: list[dict[str, Any]] = []
    for task in tasks:
        pol, pcal, active = policy(task.plan_id)
        facts = TaskFacts(
            task_id=task.id or 0,
            kind=task.deadline_kind,
            due_date=task.due_date,
            done=task.status == "done",
            active_from=active,
        )
        for planned in plan_task(facts, pol, pcal, start=start, end=end):
            rows += _rows_for(org, task, True, planned, people, pol, pcal, existing)
    for kpi in kpis:
        pol, pcal, active = policy(kpi.plan_id)
        kfacts = IndicatorFacts(indicator_id=kpi.id or 0, active_from=active)
        for planned in plan_indicator(kfacts, pol, pcal, start=start, end=end):
            rows += _rows_for(org, kpi, False, planned, people, pol, pcal, existing)
    return rows


def _revive_cancelled(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Plan again, with their new values, the cancelled and never sent reminders of ``rows``.

    Re-planning after a change cancels a task's pending reminders first; those whose key does
    not depend on the change (the month's nudge keys on the month) would otherwise stay
    cancelled, their key taken.
    """
    by_key = {row["idempotency_key"]: row for row in rows}
    keys = list(by_key)
    revived = 0
    for start in range(0, len(keys), 500):
        found = session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.idempotency_key).in_(keys[start : start + 500]),
                OutboxMessage.state == "cancelled",
                col(OutboxMessage.sent_at).is_(None),
            )
        )
        for message in found:
            new = by_key[message.idempotency_key]
            for name in ("official_id", "channel", "chat_id", "payload", "due_at"):
                setattr(message, name, new.get(name))
            message.state, message.attempts, message.last_error = "pending", 0, None
            message.next_attempt_at = message.claimed_until = message.claimed_by = None
            session.add(message)
            revived += 1
    if revived:
        session.flush()
    return revived


def _rows_for(
    org: Organization,
    subject: Any,
    is_task: bool,
    planned: PlannedReminder,
    people: _Directory,
    pol: ReminderPolicy,
    cal: WorkCalendar,
    existing: set[str],
) -> list[dict[str, Any]]:
    recipients: list[Official] | int | None
    if planned.audience == "directing":
        recipients = people.directing(subject)
    elif planned.audience == "coordinating":
        recipients = people.units(subject.coord_unit_ids) if pol.notify_coordinating_units else []
    elif is_task:
        recipients = people.lead(subject)
    else:
        unit = subject.monitoring_unit_id
        recipients = (people.by_unit.get(unit) or unit) if unit else None
    if recipients is None:
        return []
    base = {
        "org_id": org.id,
        "kind": "reminder",
        "reason": planned.reason,
        "task_id": subject.id if is_task else None,
        "indicator_id": None if is_task else subject.id,
        "payload": {
            "due_date": planned.due_date.isoformat() if planned.due_date else None,
            "audience": planned.audience,
            "period": planned.period,
        },
    }
    if planned.audience == "directing" and not recipients:
        # Nobody to escalate to: keep the row so the admins hear of it instead of silence.
        recipients = -1
    if isinstance(recipients, int):  # a unit with nobody registered: keep it visible
        key = planned.key("leader" if recipients < 0 else f"unit{recipients}")
        if key in existing:
            return []
        return [
            {
                **base,
                "official_id": None,
                "channel": "telegram",
                "chat_id": None,
                "due_at": planned.send_at,
                "idempotency_key": key,
            }
        ]
    out = []
    for official in recipients:
        key = planned.key(official.id)
        if key in existing:
            continue
        send_at = planned.send_at
        until = people.snoozes.get((subject.id or 0, official.id or 0)) if is_task else None
        if until is not None and planned.audience == "lead":
            moved = snooze(planned, until, cal)
            if moved is None:
                continue
            send_at = moved.send_at
        link = people.chat.get(official.id or 0)
        out.append(
            {
                **base,
                "official_id": official.id,
                "channel": link.channel if link else "telegram",
                "chat_id": link.chat_id if link else None,
                "due_at": send_at,
                "idempotency_key": key,
            }
        )
    return out
