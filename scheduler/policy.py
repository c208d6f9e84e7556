"""Reminder policy: which reminders a task or an indicator gets, when, and for whom.

Everything here is a pure function of (facts, policy, calendar, window): no database, no clock.
The planner returns ``PlannedReminder`` values; the outbox stores each under its idempotency
key (subject, subject id, recipient, reason, period), so planning the same window twice writes
nothing twice. Reminder wording is rendered elsewhere from the reason code.

Reason codes (stable; they are stored):

======================  ==========================================================  ========
reason                  when                                                        audience
======================  ==========================================================  ========
``due_14`` … ``due_1``  N working days before the due day (``due_offsets``)         lead
``due_today``           on the due day                                              lead
``overdue``             the first working day after the due date                    lead
``overdue_weekly``      every 7 calendar days after ``overdue``, on a working day   lead
``escalation``          the 7th working day after the due date, once                directing
``overdue_weekly``      copies of the weekly ones that come after the escalation    directing
``monthly``             the 20th, or the working day before it                      lead
``yearly_nov`` …        the first working day of November and December              lead
``kpi_period``          N working days before the end of each reporting period      lead
======================  ==========================================================  ========

With ``notify_coordinating_units`` the coordinating units get a copy of the ``due_*`` ladder
and of ``overdue`` (audience ``coordinating``): they are told the deadline, but progress is
asked of the lead unit only. For an indicator, ``lead`` is its monitoring unit.

Decisions where the rules leave a choice:

- The *due day* of a due date that is not a working day (a Saturday, a day of Tết) is the last
  working day before it: nobody is at work on the Saturday to finish the task. ``due_today``
  goes out on that day and the ladder counts back from it, so a task due on the first day of
  Tết gets ``due_today`` on the last working day before Tết and ``due_1`` the day before that.
  ``overdue`` is still the first working day after the real due date.
- Rules pick a working *day* first (the 20th moves back to a working day; a weekly overdue
  reminder that falls on a closed day moves forward to the next working day, and when two of
  them meet on one day after a long closure only the first is kept); then the send time of
  day is placed in working hours with ``WorkCalendar.place``: reminders that warn of a date
  (``due_*``, ``monthly``, ``yearly_*``, ``kpi_period``) move to the previous open slot (a send
  time of 07:00 becomes 16:59 of the previous working day), the others (``overdue*``,
  ``escalation``) to the next one (07:00 becomes 08:00 the same day).
- The window ``[start, end]`` (both included) selects reminders by that rule day, as does
  ``active_from``: nothing is planned retroactively. A monthly nudge whose day is already
  before ``start`` is not planned for that month; a task created after its ``due_14`` day does
  not get ``due_14``. The planner runs early in the day (or for tomorrow onwards): a reminder
  planned for a moment already past is simply due at once.
- Escalation happens once, on the 7th working day after the due date; from then on each weekly
  overdue reminder also goes to the directing leader (same reason and period, another
  recipient, so its own key). Snoozes never delay the directing leader's copies.
- Periods (the idempotency part that says *which* occurrence): the due date (ISO) for the
  ``due_*`` ladder, ``due_today``, ``overdue`` and ``escalation`` (the reason carries the
  offset; a new due date after an extension makes new keys); the ISO week of the rule's own
  date (before moving it off a closed day) for ``overdue_weekly`` ("2026-W15"); the month for
  ``monthly`` ("2026-12"); the year for ``yearly_*`` ("2026"); the reporting period for
  ``kpi_period`` ("2026-03", "2026-Q1", "2026-H1", "2026").
- Snooze changes ``send_at``, never the key. A task's ``snoozed_until`` moves each of its
  ``lead`` reminders that would go out earlier to the snooze slot (the first open moment at
  or after it, on the whole minute). A ``due_*`` reminder whose snooze slot is after its due
  date is dropped: it would arrive after the date it warns about, and ``overdue`` takes over.
  The reminder the official snoozed is moved with ``snooze()``; the outbox resets that row.
- Catch-up after downtime: whatever fell due while the bot was down goes out once, at the
  first open slot from now; what is more than ``max_age`` (a day) late is folded into one
  catch-up message per recipient; ``due_*`` warnings whose due date has passed by then are
  dropped (``overdue`` covers them). ``send_at`` moves, keys do not.
- Bundling groups by (recipient, exact ``send_at``); rules put most reminders on the same
  send time, so one official's tasks of a morning become one message.
- A ``once`` task without a due date is planned as ``unknown``. ``once`` tasks get the monthly
  nudge too by default: the plans require every task to be updated every month (Nam Đồng:
  at least 90%), and a task due in six months would otherwise not be asked for half a year.
  Remove ``"once"`` from ``monthly_kinds`` to leave them to their ladder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Generic, Literal, TypeVar

from plans.draft import DEADLINE_KINDS, DeadlineKind
from plans.periods import month_end
from scheduler.workcalendar import WorkCalendar

Audience = Literal["lead", "directing", "coordinating"]
Subject = Literal["task", "indicator"]
Cadence = Literal["monthly", "quarterly", "half_yearly", "yearly"]
TaskId = int | str
R = TypeVar("R", bound=Hashable)

CADENCES: tuple[str, ...] = ("monthly", "quarterly", "half_yearly", "yearly")
# Months that end a reporting period, per cadence.
_PERIOD_END_MONTHS: dict[str, tuple[int, ...]] = {
    "monthly": tuple(range(1, 13)),
    "quarterly": (3, 6, 9, 12),
    "half_yearly": (6, 12),
    "yearly": (12,),
}
# Fixed English month abbreviations for reason codes; ``calendar.month_abbr`` follows the
# process locale and a stored code must not.
_MONTH_CODES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

OVERDUE = "overdue"
OVERDUE_WEEKLY = "overdue_weekly"
ESCALATION = "escalation"
DUE_TODAY = "due_today"
MONTHLY = "monthly"
KPI_PERIOD = "kpi_period"

_AUDIENCE_ORDER = {"lead": 0, "directing": 1, "coordinating": 2}


def due_reason(offset: int) -> str:
    """Return the reason code of the reminder ``offset`` working days before the due day."""
    return f"due_{offset}"


def yearly_reason(month: int) -> str:
    """Return the reason code of the yearly nudge in ``month`` ("yearly_nov" for 11)."""
    return f"yearly_{_MONTH_CODES[month - 1]}"


def warns_before_due(reason: str) -> bool:
    """Return whether the reminder warns of a coming due date (and is stale after it)."""
    return reason.startswith("due_")


def before_deadline(reason: str) -> bool:
    """Return whether the reminder precedes a date, so it may only move earlier, never later."""
    return reason.startswith(("due_", "yearly_")) or reason in (MONTHLY, KPI_PERIOD)


def urgency(reason: str) -> tuple[int, int]:
    """Sort key: most urgent first (escalation, overdue, due today, due_1 … due_14, nudges)."""
    if reason == ESCALATION:
        return (0, 0)
    if reason == OVERDUE:
        return (1, 0)
    if reason == OVERDUE_WEEKLY:
        return (2, 0)
    if reason == DUE_TODAY:
        return (3, 0)
    if reason.startswith("due_"):
        return (4, int(reason[4:]))
    if reason == KPI_PERIOD:
        return (5, 0)
    if reason.startswith("yearly_"):
        return (6, 0)
    return (7, 0)


# ---- policy ---------------------------------------------------------------------------------


def _time_to_str(t: time) -> str:
    return t.strftime("%H:%M")


def _parse_time(name: str, value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name}: expected a time like '08:30', got {value!r}")


_TIME_FIELDS = ("send_time", "opens", "closes")
_TUPLE_FIELDS = ("due_offsets", "monthly_kinds", "yearly_months")


@dataclass(frozen=True)
class ReminderPolicy:
    """How an organization (or one plan) wants its officials reminded.

    Stored as a dict (``to_dict``/``from_dict``); a plan stores only what it changes
    (``overrides_from``) and ``resolve`` merges the plan's overrides over the organization's.
    """

    # N working days before the due day; stored most distant first.
    due_offsets: tuple[int, ...] = (14, 7, 3, 1)
    remind_on_due_date: bool = True
    # Calendar days between overdue reminders after the first; 0 sends only the first.
    overdue_repeat_days: int = 7
    # Working days after the due date when the directing leader is told; 0 never.
    escalate_after_working_days: int = 7
    # After escalating, copy each later weekly overdue reminder to the directing leader.
    escalation_repeats: bool = True
    monthly_day: int = 20
    monthly_kinds: tuple[str, ...] = (
        "once",
        "yearly",
        "ongoing",
        "monthly",
        "conditional",
        "per_guidance",
        "unknown",
    )
    yearly_months: tuple[int, ...] = (11, 12)
    # The yearly nudge goes out on this working day of each of ``yearly_months`` (1 = first).
    yearly_working_day: int = 1
    kpi_cadence: str = "quarterly"
    kpi_lead_working_days: int = 5
    send_time: time = time(8, 30)
    opens: time = time(8, 0)
    closes: time = time(17, 0)
    notify_coordinating_units: bool = False

    def __post_init__(self) -> None:
        offsets = self.due_offsets
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in offsets):
            raise ValueError(f"due_offsets must be positive whole numbers: {offsets!r}")
        if len(set(offsets)) != len(offsets):
            raise ValueError(f"due_offsets repeat a value: {offsets!r}")
        # Normalised so that equal policies compare (and cache) equal.
        object.__setattr__(self, "due_offsets", tuple(sorted(offsets, reverse=True)))
        for name in (
            "overdue_repeat_days",
            "escalate_after_working_days",
            "monthly_day",
            "yearly_working_day",
            "kpi_lead_working_days",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        for name in ("remind_on_due_date", "escalation_repeats", "notify_coordinating_units"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not 1 <= self.monthly_day <= 31:
            raise ValueError(f"monthly_day must be 1..31, got {self.monthly_day}")
        if not 1 <= self.yearly_working_day <= 20:
            raise ValueError(f"yearly_working_day must be 1..20, got {self.yearly_working_day}")
        if not all(isinstance(m, int) and 1 <= m <= 12 for m in self.yearly_months):
            raise ValueError(f"yearly_months must be months 1..12: {self.yearly_months!r}")
        object.__setattr__(self, "yearly_months", tuple(sorted(set(self.yearly_months))))
        unknown = set(self.monthly_kinds) - set(DEADLINE_KINDS)
        if unknown:
            raise ValueError(f"monthly_kinds: unknown deadline kinds {sorted(unknown)}")
        if self.kpi_cadence not in CADENCES:
            raise ValueError(f"kpi_cadence must be one of {CADENCES}, got {self.kpi_cadence!r}")
        for name in _TIME_FIELDS:
            if not isinstance(getattr(self, name), time):
                raise ValueError(f"{name} must be a time, got {getattr(self, name)!r}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opens and closes are local wall-clock times, without a zone")
        if not self.opens < self.closes:
            raise ValueError(f"opens ({self.opens}) must be before closes ({self.closes})")

    def calendar(self, cal: WorkCalendar) -> WorkCalendar:
        """Return ``cal`` with this policy's working hours.

        The planners apply it themselves; pass its result to ``snooze`` and ``catch_up`` too,
        so that they place moments in the same hours.
        """
        return cal.with_hours(self.opens, self.closes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every setting."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, time):
                value = _time_to_str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ReminderPolicy:
        """Build a policy from a (possibly partial) dict; missing settings take the defaults."""
        return cls().merged(data)

    def merged(self, *overrides: Mapping[str, Any] | None) -> ReminderPolicy:
        """Return this policy with each of ``overrides`` applied in turn (later ones win).

        An unknown setting is an error rather than ignored: a misspelt key in a stored policy
        would otherwise silently keep the default.
        """
        names = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for data in overrides:
            if not data:
                continue
            unknown = set(data) - names
            if unknown:
                raise ValueError(f"unknown reminder policy settings: {sorted(unknown)}")
            for name, value in data.items():
                if name in _TIME_FIELDS:
                    value = _parse_time(name, value)
                elif name in _TUPLE_FIELDS:
                    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                        raise ValueError(f"{name} must be a list, got {value!r}")
                    value = tuple(value)
                changes[name] = value
        return dataclasses.replace(self, **changes) if changes else self

    def overrides_from(self, base: ReminderPolicy) -> dict[str, Any]:
        """Return the settings where this policy differs from ``base``, as stored overrides."""
        mine, theirs = self.to_dict(), base.to_dict()
        return {k: v for k, v in mine.items() if theirs[k] != v}

    @classmethod
    def resolve(
        cls, organization: Mapping[str, Any] | None, plan: Mapping[str, Any] | None = None
    ) -> ReminderPolicy:
        """Return the policy for a plan: defaults, then the organization's, then the plan's."""
        return cls().merged(organization, plan)


# ---- facts in, reminders out ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the planner needs to know about a task."""

    task_id: TaskId
    kind: DeadlineKind
    due_date: date | None = None
    done: bool = False
    # The lead official asked not to be reminded before this moment.
    snoozed_until: datetime | None = None
    # The day the task (or its plan) came into force: nothing is planned before it.
    active_from: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in DEADLINE_KINDS:
            raise ValueError(f"unknown deadline kind {self.kind!r}")
        if self.snoozed_until is not None and self.snoozed_until.utcoffset() is None:
            raise ValueError("snoozed_until must be a zone-aware datetime")
        if isinstance(self.due_date, datetime) or isinstance(self.active_from, datetime):
            raise TypeError("due_date and active_from are dates, not datetimes")


@dataclass(frozen=True, slots=True)
class IndicatorFacts:
    """What the planner needs to know about an indicator (KPI)."""

    indicator_id: TaskId
    # The indicator's own reporting cadence; None takes the policy's ``kpi_cadence``.
    cadence: str | None = None
    active_from: date | None = None

    def __post_init__(self) -> None:
        if self.cadence is not None and self.cadence not in CADENCES:
            raise ValueError(f"cadence must be one of {CADENCES}, got {self.cadence!r}")


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One reminder to send: why, when, to whom (by role) and which occurrence it is."""

    subject: Subject
    subject_id: TaskId
    reason: str
    send_at: datetime  # aware, on a working day within working hours
    period: str
    audience: Audience
    due_date: date | None = None  # the task's due date, or the end of a KPI period

    def key(self, recipient: Hashable) -> str:
        """Return the idempotency key of this reminder for ``recipient``.

        ``send_at`` is not part of it: a snoozed or caught-up reminder keeps its key.
        """
        return f"{self.subject}:{self.subject_id}:{recipient}:{self.reason}:{self.period}"


def _sort_key(r: PlannedReminder) -> tuple[datetime, int, tuple[int, int]]:
    return (r.send_at, _AUDIENCE_ORDER[r.audience], urgency(r.reason))


# A reminder before it is bound to a subject: (rule day, send_at, reason, period, audience,
# due date). Shared by every task with the same kind and due date in one planning window.
_Template = tuple[date, datetime, str, str, Audience, date | None]


def _send_at(cal: WorkCalendar, policy: ReminderPolicy, day: date, reason: str) -> datetime:
    return cal.place(cal.at(day, policy.send_time), before_deadline=before_deadline(reason))


def _iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _due_templates(
    cal: WorkCalendar, policy: ReminderPolicy, due: date, start: date, end: date
) -> list[_Template]:
    out: list[_Template] = []
    coord = policy.notify_coordinating_units
    period = due.isoformat()

    def add(day: date, reason: str, audience: Audience, week: str | None = None) -> None:
        if start <= day <= end:
            at = _send_at(cal, policy, day, reason)
            out.append((day, at, reason, week or period, audience, due))
            if coord and (reason == OVERDUE or warns_before_due(reason)):
                out.append((day, at, reason, week or period, "coordinating", due))

    due_day = cal.working_day_on_or_before(due)
    for n in policy.due_offsets:
        add(cal.previous_working_day(due_day, n), due_reason(n), "lead")
    if policy.remind_on_due_date:
        add(due_day, DUE_TODAY, "lead")
    first = cal.next_working_day(due)
    add(first, OVERDUE, "lead")
    escalation = None
    if policy.escalate_after_working_days:
        escalation = cal.next_working_day(due, policy.escalate_after_working_days)
        add(escalation, ESCALATION, "directing")
    step = policy.overdue_repeat_days
    if step:
        # Start a few steps before the window: a rule date before ``start`` can move forward
        # into it (Tết closes up to nine days in a row).
        k = max(1, (start - first).days // step - 2)
        previous = cal.working_day_on_or_after(first + timedelta(days=step * (k - 1)))
        while True:
            nominal = first + timedelta(days=step * k)
            if nominal > end:
                break
            day = cal.working_day_on_or_after(nominal)
            if day != previous:
                week = _iso_week(nominal)
                add(day, OVERDUE_WEEKLY, "lead", week)
                if escalation is not None and policy.escalation_repeats and day > escalation:
                    add(day, OVERDUE_WEEKLY, "directing", week)
            previous = day
            k += 1
    return out


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _monthly_templates(
    cal: WorkCalendar, policy: ReminderPolicy, due: date | None, start: date, end: date
) -> list[_Template]:
    out: list[_Template] = []
    # The month after ``end`` too: with an early nudge day its day may move back into ``end``.
    for y, m in _months(start, end + timedelta(days=31)):
        last = month_end(y, m)
        nominal = last.replace(day=min(policy.monthly_day, last.day))
        day = cal.working_day_on_or_before(nominal)
        if start <= day <= end:
            out.append(
                (day, _send_at(cal, policy, day, MONTHLY), MONTHLY, f"{y}-{m:02d}", "lead", due)
            )
    return out


def _yearly_templates(
    cal: WorkCalendar, policy: ReminderPolicy, start: date, end: date
) -> list[_Template]:
    out: list[_Template] = []
    for y in range(start.year, end.year + 1):
        for m in policy.yearly_months:
            first_of_month = date(y, m, 1)
            day = cal.next_working_day(
                first_of_month - timedelta(days=1), policy.yearly_working_day
            )
            if start <= day <= end:
                reason = yearly_reason(m)
                out.append((day, _send_at(cal, policy, day, reason), reason, str(y), "lead", None))
    return out


@lru_cache(maxsize=16384)
def _task_templates(
    cal: WorkCalendar,
    policy: ReminderPolicy,
    kind: str,
    due: date | None,
    start: date,
    end: date,
) -> tuple[_Template, ...]:
    out: list[_Template] = []
    if kind == "once" and due is not None:
        out += _due_templates(cal, policy, due, start, end)
    if kind == "yearly":
        out += _yearly_templates(cal, policy, start, end)
    if kind in policy.monthly_kinds:
        out += _monthly_templates(cal, policy, due, start, end)
    out.sort(key=lambda t: (t[1], _AUDIENCE_ORDER[t[4]], urgency(t[2])))
    return tuple(out)


def _check_window(start: date, end: date) -> None:
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise TypeError("start and end are dates, not datetimes")
    if end < start:
        raise ValueError(f"the planning window ends ({end}) before it starts ({start})")


def plan_task(
    task: TaskFacts, policy: ReminderPolicy, cal: WorkCalendar, *, start: date, end: date
) -> list[PlannedReminder]:
    """Return the reminders of ``task`` whose rule day falls in ``[start, end]``, by send time.

    Done tasks get none. The calendar supplies the days; the policy's hours override the
    calendar's.
    """
    _check_window(start, end)
    if task.done:
        return []
    cal = policy.calendar(cal)
    kind: str = task.kind
    due = task.due_date if kind == "once" else None
    if kind == "once" and due is None:
        kind = "unknown"
    lo = start if task.active_from is None or task.active_from < start else task.active_from
    tid = task.task_id
    out = [
        PlannedReminder("task", tid, reason, send_at, period, audience, due_date)
        for day, send_at, reason, period, audience, due_date in _task_templates(
            cal, policy, kind, due, start, end
        )
        if day >= lo
    ]
    if task.snoozed_until is not None and out:
        out = _apply_snooze(out, task.snoozed_until, cal)
    return out


@lru_cache(maxsize=1024)
def _kpi_templates(
    cal: WorkCalendar, policy: ReminderPolicy, cadence: str, start: date, end: date
) -> tuple[_Template, ...]:
    out: list[_Template] = []
    lead = policy.kpi_lead_working_days
    ends = _PERIOD_END_MONTHS[cadence]
    # A nudge comes up to ``lead`` working days (plus a Tết) before its period's end.
    horizon = end + timedelta(days=2 * lead + 21)
    for y, m in _months(start, horizon):
        if m not in ends:
            continue
        period_end = month_end(y, m)
        anchor = cal.working_day_on_or_before(period_end)
        day = cal.previous_working_day(anchor, lead) if lead else anchor
        if not start <= day <= end:
            continue
        if cadence == "monthly":
            label = f"{y}-{m:02d}"
        elif cadence == "quarterly":
            label = f"{y}-Q{m // 3}"
        elif cadence == "half_yearly":
            label = f"{y}-H{m // 6}"
        else:
            label = str(y)
        at = _send_at(cal, policy, day, KPI_PERIOD)
        out.append((day, at, KPI_PERIOD, label, "lead", period_end))
    return tuple(out)


def plan_indicator(
    kpi: IndicatorFacts,
    policy: ReminderPolicy,
    cal: WorkCalendar,
    *,
    start: date,
    end: date,
) -> list[PlannedReminder]:
    """Return the period nudges of an indicator whose day falls in ``[start, end]``.

    Each asks the monitoring unit for the indicator's current value ``kpi_lead_working_days``
    working days before the end of a reporting period (counted back from the period's last
    working day); ``due_date`` is the period's last day.
    """
    _check_window(start, end)
    cal = policy.calendar(cal)
    cadence = kpi.cadence or policy.kpi_cadence
    lo = start if kpi.active_from is None or kpi.active_from < start else kpi.active_from
    return [
        PlannedReminder("indicator", kpi.indicator_id, reason, send_at, period, audience, due)
        for day, send_at, reason, period, audience, due in _kpi_templates(
            cal, policy, cadence, start, end
        )
        if day >= lo
    ]


# ---- snooze, bundling, catch-up -------------------------------------------------------------


def _ceil_minute(dt: datetime) -> datetime:
    if dt.second or dt.microsecond:
        return dt.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return dt


def snooze_slot(until: datetime, cal: WorkCalendar) -> datetime:
    """Return the first open whole minute at or after ``until``."""
    return cal.next_open(_ceil_minute(cal.local(until)))


def _moved(r: PlannedReminder, slot: datetime) -> PlannedReminder | None:
    if r.due_date is not None and warns_before_due(r.reason) and slot.date() > r.due_date:
        return None
    return dataclasses.replace(r, send_at=slot)


def snooze(
    reminder: PlannedReminder, until: datetime, cal: WorkCalendar
) -> PlannedReminder | None:
    """Return ``reminder`` moved to the snooze slot, same key; None when it would be stale.

    A ``due_*`` reminder snoozed past its due date is not sent at all (``overdue`` follows).
    A snooze that ends before the reminder's own time leaves it where it was.
    """
    slot = snooze_slot(until, cal)
    if reminder.send_at >= slot:
        return reminder
    return _moved(reminder, slot)


def _apply_snooze(
    planned: list[PlannedReminder], until: datetime, cal: WorkCalendar
) -> list[PlannedReminder]:
    slot = snooze_slot(until, cal)
    out: list[PlannedReminder] = []
    changed = False
    for r in planned:
        if r.audience != "lead" or r.send_at >= slot:
            out.append(r)
            continue
        changed = True
        moved = _moved(r, slot)
        if moved is not None:
            out.append(moved)
    if changed:
        out.sort(key=_sort_key)
    return out


def bundle(
    planned: Iterable[tuple[R, PlannedReminder]],
) -> dict[tuple[R, datetime], list[PlannedReminder]]:
    """Group reminders by (recipient, send_at): each group goes out as one message.

    Groups come in order of send time; inside a group the most urgent comes first, then the
    earliest due date. A reminder given twice for the same recipient (same key) is kept once.
    Several reminders of one task may share a group (after a snooze); each keeps its key so
    the outbox can mark it sent, and the renderer may show the task once, by its first.
    """
    groups: dict[tuple[R, datetime], list[PlannedReminder]] = {}
    seen: set[tuple[R, str, TaskId, str, str]] = set()
    for recipient, r in planned:
        ident = (recipient, r.subject, r.subject_id, r.reason, r.period)
        if ident in seen:
            continue
        seen.add(ident)
        groups.setdefault((recipient, r.send_at), []).append(r)
    ordered = sorted(groups.items(), key=lambda item: item[0][1])
    for _, items in ordered:
        items.sort(key=lambda r: (urgency(r.reason), r.due_date or date.max, str(r.subject_id)))
    return dict(ordered)


@dataclass
class CatchUp(Generic[R]):
    """What to do with reminders that fell due while the bot was down."""

    # The open slot at or after ``now`` where everything below goes out.
    slot: datetime
    # Missed by at most ``max_age``: sent as they are, with ``send_at`` moved to ``slot``.
    send: list[tuple[R, PlannedReminder]] = field(default_factory=list)
    # Missed by more: one catch-up message per recipient; ``send_at`` is when it was due.
    fold: dict[R, list[PlannedReminder]] = field(default_factory=dict)
    # ``due_*`` warnings whose due date is past by ``slot``: not sent (``overdue`` follows).
    dropped: list[tuple[R, PlannedReminder]] = field(default_factory=list)
    # Not due yet at ``now``: left as they are.
    later: list[tuple[R, PlannedReminder]] = field(default_factory=list)


def catch_up(
    due_items: Iterable[tuple[R, PlannedReminder]],
    now: datetime,
    cal: WorkCalendar,
    *,
    max_age: timedelta = timedelta(days=1),
) -> CatchUp[R]:
    """Sort unsent reminders after downtime into send now, fold, drop and not yet due.

    Each reminder goes out once, at the first open slot from ``now``: those due within
    ``max_age`` before ``now`` as themselves, older ones folded into one catch-up message per
    recipient (a long outage must not flood an official with a week of reminders at once).
    """
    now = cal.local(now)
    slot = cal.next_open(_ceil_minute(now))
    result: CatchUp[R] = CatchUp(slot=slot)
    for recipient, r in due_items:
        if r.send_at > now:
            result.later.append((recipient, r))
        elif r.due_date is not None and warns_before_due(r.reason) and slot.date() > r.due_date:
            result.dropped.append((recipient, r))
        elif now - r.send_at <= max_age:
            result.send.append((recipient, dataclasses.replace(r, send_at=slot)))
        else:
            result.fold.setdefault(recipient, []).append(r)
    for items in result.fold.values():
        items.sort(key=lambda r: (r.send_at, urgency(r.reason)))
    return result


__all__ = [
    "CADENCES",
    "Audience",
    "Cadence",
    "CatchUp",
    "IndicatorFacts",
    "PlannedReminder",
    "ReminderPolicy",
    "TaskFacts",
    "before_deadline",
    "bundle",
    "catch_up",
    "due_reason",
    "plan_indicator",
    "plan_task",
    "snooze",
    "snooze_slot",
    "urgency",
    "warns_before_due",
    "yearly_reason",
]
