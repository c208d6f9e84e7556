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
    return WorkCalendar(zone=zone, extra_closed=[date.fromisoformat(d) for d in closed],
                        extra_working=[date.fromisoformat(d) for d in working])


def calendar_for(org: Organization) -> WorkCalendar:
    """The organization's working calendar: Vietnam's holidays plus its own closed/working days."""
    cal = org.settings.get("calendar", {}) if org.settings else {}
    return _calendar(org.timezone, tuple(cal.get("closed", ())), tuple(cal.get("working", ())))


def policy_for(org: Organization, plan: Plan | None) -> ReminderPolicy:
    return ReminderPolicy.resolve((org.settings or {}).get("reminders"),
                                  (plan.settings or {}).get("reminders") if plan else None)


class _Directory:
    """Who is registered where, loaded once per organization."""

    def __init__(self, session: Session, org: Organization) -> None:
        officials = list(session.exec(
            select(Official).where(Official.org_id == org.id, col(Official.active))))
        self.by_id = {o.id: o for o in officials}
        self.by_unit: dict[int, list[Official]] = defaultdict(list)
        for o in officials:
            if o.unit_id is not None and o.role == "official":
                self.by_unit[o.unit_id].append(o)
        self.chairs = [o for o in officials if o.is_chair]
        ids = [o.id for o in officials if o.id is not None]
        self.chat: dict[int, ChatLink] = {}
        if ids:
            links = session.exec(
                select(ChatLink).where(col(ChatLink.official_id).in_(ids), col(ChatLink.reachable))
                .order_by(col(ChatLink.linked_at))
            ).all()
            for link in links:  # the newest link wins
                assert link.official_id is not None
                self.chat[link.official_id] = link
        self.snoozes: dict[tuple[int, int], datetime] = {}

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


_TASK_COLUMNS = (Task.id, Task.org_id, Task.plan_id, Task.deadline_kind, Task.due_date,
                 Task.status, Task.lead_official_id, Task.lead_unit_id,
                 Task.directing_official_id, Task.coord_unit_ids)
_KPI_COLUMNS = (Indicator.id, Indicator.org_id, Indicator.plan_id, Indicator.monitoring_unit_id,
                Indicator.directing_official_id, Indicator.coord_unit_ids)
# Keys planned again are looked for among the organization's rows due since this long before
# now: a reminder moves back from its rule day by at most a closure (Tết) and a weekend.
_KEY_LOOKBACK = timedelta(days=31)


def plan_reminders(
    *, session: Session, now: datetime, until: datetime, org_ids: Sequence[int] | None = None,
) -> int:
    """Plan every reminder whose day falls between ``now`` and ``until``; return new rows.

    One organization at a time, in a few queries each, reading plain rows rather than ORM
    objects: the daily job plans a nation's tasks, and memory stays that of one organization.
    """
    orgs = session.exec(select(Organization)).all() if org_ids is None else [
        o for o in (session.get(Organization, i) for i in org_ids) if o is not None]
    written = 0
    for org in orgs:
        tasks = session.execute(select(*_TASK_COLUMNS).where(
            Task.org_id == org.id, col(Task.removed_at).is_(None), Task.status != "done")).all()
        kpis = session.execute(select(*_KPI_COLUMNS).where(
            Indicator.org_id == org.id, col(Indicator.removed_at).is_(None))).all()
        written += _plan_org(session, org, tasks, kpis, now=now, until=until)
    return written


def plan_for_tasks(*, session: Session, tasks: Sequence[Task], now: datetime,
                   horizon_days: int = DEFAULT_HORIZON_DAYS) -> int:
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
        if org is not None:
            written += _plan_org(session, org, items, [], now=now,
                                 until=now + timedelta(days=horizon_days), revive=True)
    return written


def _plan_org(
    session: Session, org: Organization, tasks: Sequence[Any], kpis: Sequence[Any],
    *, now: datetime, until: datetime, revive: bool = False,
) -> int:
    """Plan one organization's ``tasks`` and ``kpis`` (Task/Indicator objects or plain rows)."""
    cal = calendar_for(org)
    start, end = cal.local(now).date(), cal.local(until).date()
    if end < start or not (tasks or kpis):
        return 0
    people = _Directory(session, org)
    if tasks:
        for row in session.exec(select(Snooze).where(
                col(Snooze.task_id).in_([t.id for t in tasks]), col(Snooze.until) > now)):
            people.snoozes[(row.task_id, row.official_id)] = row.until
    plans = {p.id: p for p in session.exec(select(Plan).where(Plan.org_id == org.id))}
    policies: dict[int | None, ReminderPolicy] = {}
    actives: dict[int | None, date | None] = {}

    def policy(plan_id: int | None) -> tuple[ReminderPolicy, WorkCalendar, date | None]:
        if plan_id not in policies:
            plan = plans.get(plan_id)
            policies[plan_id] = policy_for(org, plan)
            actives[plan_id] = cal.local(plan.imported_at).date() if plan else None
        pol = policies[plan_id]
        return pol, pol.calendar(cal), actives[plan_id]

    rows: list[dict[str, Any]] = []
    for task in tasks:
        pol, pcal, active = policy(task.plan_id)
        facts = TaskFacts(task_id=task.id or 0, kind=task.deadline_kind,
                          due_date=task.due_date, done=task.status == "done", active_from=active)
        for planned in plan_task(facts, pol, pcal, start=start, end=end):
            rows += _rows_for(org, task, True, planned, people, pol, pcal)
    for kpi in kpis:
        pol, pcal, active = policy(kpi.plan_id)
        kfacts = IndicatorFacts(indicator_id=kpi.id or 0, active_from=active)
        for planned in plan_indicator(kfacts, pol, pcal, start=start, end=end):
            rows += _rows_for(org, kpi, False, planned, people, pol, pcal)
    if not rows:
        return 0
    if revive:
        _revive_cancelled(session, rows)
    # Most keys of a re-plan exist already (yesterday's run planned all but one day of the
    # window): read the organization's recent keys once instead of offering every row to the
    # database again. A key this misses still meets ON CONFLICT DO NOTHING.
    existing = set(session.execute(select(OutboxMessage.idempotency_key).where(
        OutboxMessage.org_id == org.id,
        col(OutboxMessage.due_at) >= now - _KEY_LOOKBACK)).scalars())
    return enqueue(session, [r for r in rows if r["idempotency_key"] not in existing])


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
        found = session.exec(select(OutboxMessage).where(
            col(OutboxMessage.idempotency_key).in_(keys[start : start + 500]),
            OutboxMessage.state == "cancelled", col(OutboxMessage.sent_at).is_(None)))
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
    org: Organization, subject: Any, is_task: bool, planned: PlannedReminder,
    people: _Directory, pol: ReminderPolicy, cal: WorkCalendar,
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
        "org_id": org.id, "kind": "reminder", "reason": planned.reason,
        "task_id": subject.id if is_task else None,
        "indicator_id": None if is_task else subject.id,
        "payload": {"due_date": planned.due_date.isoformat() if planned.due_date else None,
                    "audience": planned.audience, "period": planned.period},
    }
    if planned.audience == "directing" and not recipients:
        # Nobody to escalate to: keep the row so the admins hear of it instead of silence.
        recipients = -1
    if isinstance(recipients, int):  # a unit with nobody registered: keep it visible
        who = "leader" if recipients < 0 else f"unit{recipients}"
        return [{**base, "official_id": None, "channel": "telegram", "chat_id": None,
                 "due_at": planned.send_at, "idempotency_key": planned.key(who)}]
    out = []
    for official in recipients:
        send_at = planned.send_at
        until = people.snoozes.get((subject.id or 0, official.id or 0)) if is_task else None
        if until is not None and planned.audience == "lead":
            moved = snooze(planned, until, cal)
            if moved is None:
                continue
            send_at = moved.send_at
        link = people.chat.get(official.id or 0)
        out.append({**base, "official_id": official.id,
                    "channel": link.channel if link else "telegram",
                    "chat_id": link.chat_id if link else None, "due_at": send_at,
                    "idempotency_key": planned.key(official.id)})
    return out
