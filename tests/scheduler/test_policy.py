"""Reminder planning: the exact moments an official would see, from frozen dates."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.policy import (
    IndicatorFacts,
    PlannedReminder,
    ReminderPolicy,
    TaskFacts,
    bundle,
    catch_up,
    plan_indicator,
    plan_task,
    snooze,
)
from scheduler.workcalendar import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Most tests look at one rule at a time, so their policy leaves the monthly nudge of ``once``
# tasks (on by default) out; it is tested on its own with the real default.
DEFAULT = ReminderPolicy().merged(
    {"monthly_kinds": [k for k in ReminderPolicy().monthly_kinds if k != "once"]}
)


def vn(y: int, m: int, d: int, hh: int = 8, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def make_task(task_id: int = 1, kind: str = "once", due: date | None = None, **kw) -> TaskFacts:
    return TaskFacts(task_id, kind, due, **kw)  # type: ignore[arg-type]


def seen(planned: list[PlannedReminder]) -> list[tuple[str, str, str, str]]:
    """What each reminder looks like to its reader: reason, audience, local time, period."""
    return [
        (r.reason, r.audience, r.send_at.astimezone(VN).strftime("%Y-%m-%d %H:%M"), r.period)
        for r in planned
    ]


def plan(
    cal: WorkCalendar,
    task: TaskFacts,
    start: date,
    end: date,
    policy: ReminderPolicy = DEFAULT,
) -> list[tuple[str, str, str, str]]:
    return seen(plan_task(task, policy, cal, start=start, end=end))


# ---- once tasks: the due ladder, overdue, escalation ----------------------------------------


def test_task_due_31_march(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31))
    assert plan(cal, task, date(2026, 3, 1), date(2026, 4, 30)) == [
        ("due_14", "lead", "2026-03-11 08:30", "2026-03-31"),
        ("due_7", "lead", "2026-03-20 08:30", "2026-03-31"),
        ("due_3", "lead", "2026-03-26 08:30", "2026-03-31"),
        ("due_1", "lead", "2026-03-30 08:30", "2026-03-31"),
        ("due_today", "lead", "2026-03-31 08:30", "2026-03-31"),
        ("overdue", "lead", "2026-04-01 08:30", "2026-03-31"),
        ("overdue_weekly", "lead", "2026-04-08 08:30", "2026-W15"),
        ("escalation", "directing", "2026-04-09 08:30", "2026-03-31"),
        ("overdue_weekly", "lead", "2026-04-15 08:30", "2026-W16"),
        ("overdue_weekly", "directing", "2026-04-15 08:30", "2026-W16"),
        ("overdue_weekly", "lead", "2026-04-22 08:30", "2026-W17"),
        ("overdue_weekly", "directing", "2026-04-22 08:30", "2026-W17"),
        # Wednesday 29 April, the day before the 30/4 - 1/5 holidays.
        ("overdue_weekly", "lead", "2026-04-29 08:30", "2026-W18"),
        ("overdue_weekly", "directing", "2026-04-29 08:30", "2026-W18"),
    ]


def test_reminders_carry_their_task_and_due_date_in_the_local_zone(cal: WorkCalendar) -> None:
    planned = plan_task(
        make_task(42, due=date(2026, 3, 31)),
        DEFAULT,
        cal,
        start=date(2026, 3, 30),
        end=date(2026, 3, 30),
    )
    assert planned == [
        PlannedReminder(
            "task", 42, "due_1", vn(2026, 3, 30), "2026-03-31", "lead", date(2026, 3, 31)
        )
    ]
    assert planned[0].send_at.tzinfo == VN
    assert planned[0].key(7) == "task:42:7:due_1:2026-03-31"


def test_escalation_counts_working_days_over_the_april_holidays(cal: WorkCalendar) -> None:
    # Due Friday 24 April 2026; 27/4, 30/4 and 1/5 are closed. Working days after it:
    # 28/4, 29/4, 4/5, 5/5, 6/5, 7/5, 8/5 -> the leader is told on Friday 8 May.
    task = make_task(due=date(2026, 4, 24))
    assert plan(cal, task, date(2026, 4, 25), date(2026, 5, 20)) == [
        ("overdue", "lead", "2026-04-28 08:30", "2026-04-24"),
        ("overdue_weekly", "lead", "2026-05-05 08:30", "2026-W19"),
        ("escalation", "directing", "2026-05-08 08:30", "2026-04-24"),
        ("overdue_weekly", "lead", "2026-05-12 08:30", "2026-W20"),
        ("overdue_weekly", "directing", "2026-05-12 08:30", "2026-W20"),
        ("overdue_weekly", "lead", "2026-05-19 08:30", "2026-W21"),
        ("overdue_weekly", "directing", "2026-05-19 08:30", "2026-W21"),
    ]


def test_due_on_a_saturday_28_february_after_tet(cal: WorkCalendar) -> None:
    # 28 February 2026 is a Saturday: the due day is Friday 27. Counting back skips Tết
    # (16-20 February), so due_7 is 11 February and due_14 is 2 February.
    task = make_task(due=date(2026, 2, 28))
    assert plan(cal, task, date(2026, 1, 1), date(2026, 3, 3)) == [
        ("due_14", "lead", "2026-02-02 08:30", "2026-02-28"),
        ("due_7", "lead", "2026-02-11 08:30", "2026-02-28"),
        ("due_3", "lead", "2026-02-24 08:30", "2026-02-28"),
        ("due_1", "lead", "2026-02-26 08:30", "2026-02-28"),
        ("due_today", "lead", "2026-02-27 08:30", "2026-02-28"),
        ("overdue", "lead", "2026-03-02 08:30", "2026-02-28"),
    ]


def test_due_29_february_in_a_leap_year(cal: WorkCalendar) -> None:
    task = make_task(due=date(2028, 2, 29))
    assert plan(cal, task, date(2028, 2, 1), date(2028, 3, 1)) == [
        ("due_14", "lead", "2028-02-09 08:30", "2028-02-29"),
        ("due_7", "lead", "2028-02-18 08:30", "2028-02-29"),
        ("due_3", "lead", "2028-02-24 08:30", "2028-02-29"),
        ("due_1", "lead", "2028-02-28 08:30", "2028-02-29"),
        ("due_today", "lead", "2028-02-29 08:30", "2028-02-29"),
        ("overdue", "lead", "2028-03-01 08:30", "2028-02-29"),
    ]


def test_due_31_december_crosses_into_the_new_year(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 12, 31))
    assert plan(cal, task, date(2026, 12, 1), date(2027, 1, 20)) == [
        ("due_14", "lead", "2026-12-11 08:30", "2026-12-31"),
        ("due_7", "lead", "2026-12-22 08:30", "2026-12-31"),
        ("due_3", "lead", "2026-12-28 08:30", "2026-12-31"),
        ("due_1", "lead", "2026-12-30 08:30", "2026-12-31"),
        ("due_today", "lead", "2026-12-31 08:30", "2026-12-31"),
        # 1 January 2027 is a Friday holiday.
        ("overdue", "lead", "2027-01-04 08:30", "2026-12-31"),
        ("overdue_weekly", "lead", "2027-01-11 08:30", "2027-W02"),
        ("escalation", "directing", "2027-01-12 08:30", "2026-12-31"),
        ("overdue_weekly", "lead", "2027-01-18 08:30", "2027-W03"),
        ("overdue_weekly", "directing", "2027-01-18 08:30", "2027-W03"),
    ]


def test_due_inside_tet_2027_is_reminded_before_tet(cal: WorkCalendar) -> None:
    # Due Monday 8 February 2027, inside Tết (closed 4-10 February): the last working day
    # before Tết, Wednesday 3 February, is the due day.
    task = make_task(due=date(2027, 2, 8))
    assert plan(cal, task, date(2027, 1, 1), date(2027, 2, 26)) == [
        ("due_14", "lead", "2027-01-14 08:30", "2027-02-08"),
        ("due_7", "lead", "2027-01-25 08:30", "2027-02-08"),
        ("due_3", "lead", "2027-01-29 08:30", "2027-02-08"),
        ("due_1", "lead", "2027-02-02 08:30", "2027-02-08"),
        ("due_today", "lead", "2027-02-03 08:30", "2027-02-08"),
        ("overdue", "lead", "2027-02-11 08:30", "2027-02-08"),
        ("overdue_weekly", "lead", "2027-02-18 08:30", "2027-W07"),
        ("escalation", "directing", "2027-02-19 08:30", "2027-02-08"),
        ("overdue_weekly", "lead", "2027-02-25 08:30", "2027-W08"),
        ("overdue_weekly", "directing", "2027-02-25 08:30", "2027-W08"),
    ]


def test_weekly_overdue_that_falls_in_tet_moves_after_it(cal: WorkCalendar) -> None:
    # Due Thursday 28 January 2027; the weekly reminder of Friday 5 February (Tết) goes out
    # on Thursday 11 February and keeps its week as period.
    task = make_task(due=date(2027, 1, 28))
    got = plan(cal, task, date(2027, 1, 29), date(2027, 2, 12))
    assert [g for g in got if g[1] == "lead"] == [
        ("overdue", "lead", "2027-01-29 08:30", "2027-01-28"),
        ("overdue_weekly", "lead", "2027-02-11 08:30", "2027-W05"),
        ("overdue_weekly", "lead", "2027-02-12 08:30", "2027-W06"),
    ]


def test_two_weekly_reminders_meeting_after_tet_2025_are_sent_once(cal: WorkCalendar) -> None:
    # Due Friday 17 January 2025; overdue from Monday 20. Tết closes 25 January - 2 February,
    # so the weekly reminder of 27 January moves to 3 February, where the next one already
    # is: one message, not two. Escalation: 20-24 January, 3 and 4 February -> 4 February.
    task = make_task(due=date(2025, 1, 17))
    assert plan(cal, task, date(2025, 1, 18), date(2025, 2, 12)) == [
        ("overdue", "lead", "2025-01-20 08:30", "2025-01-17"),
        ("overdue_weekly", "lead", "2025-02-03 08:30", "2025-W05"),
        ("escalation", "directing", "2025-02-04 08:30", "2025-01-17"),
        ("overdue_weekly", "lead", "2025-02-10 08:30", "2025-W07"),
        ("overdue_weekly", "directing", "2025-02-10 08:30", "2025-W07"),
    ]


def test_a_long_closure_keeps_the_weekly_reminder_planned_before_it() -> None:
    # The organization closes for two weeks, 9-20 March 2026. Overdue since Monday 2 March,
    # the weekly reminders of 9, 16 and 23 March all fall on Monday 23: one is sent, keyed by
    # the first week, whichever window plans it.
    closed = WorkCalendar(
        extra_closed=[date(2026, 3, d) for d in (9, 10, 11, 12, 13)]
        + [date(2026, 3, d) for d in (16, 17, 18, 19, 20)]
    )
    task = make_task(due=date(2026, 2, 27))
    expected = [
        ("overdue_weekly", "lead", "2026-03-23 08:30", "2026-W11"),
        ("escalation", "directing", "2026-03-24 08:30", "2026-02-27"),
        ("overdue_weekly", "lead", "2026-03-30 08:30", "2026-W14"),
        ("overdue_weekly", "directing", "2026-03-30 08:30", "2026-W14"),
    ]
    assert plan(closed, task, date(2026, 3, 17), date(2026, 4, 1)) == expected
    assert plan(closed, task, date(2026, 3, 3), date(2026, 4, 1)) == expected


def test_no_reminder_lands_in_tet_and_warnings_never_come_late(cal: WorkCalendar) -> None:
    tet = {date(2027, 2, d) for d in range(4, 11)}
    policy = DEFAULT.merged({"monthly_kinds": ["once", "ongoing"], "monthly_day": 5})
    count = 0
    for offset in range(120):
        due = date(2026, 12, 1) + timedelta(days=offset)
        for task in (make_task(offset, due=due), make_task(offset, "ongoing")):
            for r in plan_task(task, policy, cal, start=date(2026, 12, 1), end=date(2027, 4, 30)):
                count += 1
                local = r.send_at.astimezone(VN)
                assert local.date() not in tet
                assert cal.is_open(r.send_at)
                if r.reason.startswith("due_"):
                    assert local.date() <= due
                if r.reason in ("overdue", "overdue_weekly", "escalation"):
                    assert local.date() > due
    assert count > 1000


def test_window_is_inclusive_and_planning_is_idempotent(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31))
    once = plan(cal, task, date(2026, 3, 26), date(2026, 3, 30))
    assert [g[0] for g in once] == ["due_3", "due_1"]
    assert plan(cal, task, date(2026, 3, 26), date(2026, 3, 30)) == once


@pytest.mark.parametrize(
    "due", [date(2025, 1, 17), date(2026, 3, 31), date(2026, 12, 31), date(2027, 2, 8)]
)
def test_consecutive_windows_plan_exactly_what_one_long_window_does(
    cal: WorkCalendar, due: date
) -> None:
    task = make_task(due=due, kind="once")
    whole = plan(cal, task, due - timedelta(days=40), due + timedelta(days=120))
    pieces: list[tuple[str, str, str, str]] = []
    day = due - timedelta(days=40)
    while day <= due + timedelta(days=120):
        last = min(day + timedelta(days=9), due + timedelta(days=120))
        pieces += plan(cal, task, day, last)
        day = last + timedelta(days=1)
    assert pieces == whole
    assert len(whole) > 20


def test_nothing_before_the_task_existed(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31), active_from=date(2026, 3, 21))
    got = plan(cal, task, date(2026, 3, 1), date(2026, 3, 31))
    assert [g[0] for g in got] == ["due_3", "due_1", "due_today"]


def test_done_tasks_plan_nothing(cal: WorkCalendar) -> None:
    for kind in ("once", "ongoing", "yearly", "monthly", "conditional"):
        task = make_task(kind=kind, due=date(2026, 3, 31), done=True)
        assert plan(cal, task, date(2026, 1, 1), date(2026, 12, 31)) == []


def test_send_time_before_opening_moves_back_before_and_forward_after_the_deadline(
    cal: WorkCalendar,
) -> None:
    early = DEFAULT.merged({"send_time": "07:00"})
    task = make_task(due=date(2026, 3, 31))
    assert plan(cal, task, date(2026, 3, 26), date(2026, 4, 1), early) == [
        ("due_3", "lead", "2026-03-25 16:59", "2026-03-31"),  # rule day Thu 26
        ("due_1", "lead", "2026-03-27 16:59", "2026-03-31"),  # rule day Mon 30 -> Fri
        ("due_today", "lead", "2026-03-30 16:59", "2026-03-31"),
        ("overdue", "lead", "2026-04-01 08:00", "2026-03-31"),
    ]


def test_policy_hours_override_the_calendars(cal: WorkCalendar) -> None:
    dawn = DEFAULT.merged({"send_time": "07:00", "opens": "06:30", "closes": "11:30"})
    task = make_task(due=date(2026, 3, 31))
    assert plan(cal, task, date(2026, 3, 30), date(2026, 4, 1), dawn) == [
        ("due_1", "lead", "2026-03-30 07:00", "2026-03-31"),
        ("due_today", "lead", "2026-03-31 07:00", "2026-03-31"),
        ("overdue", "lead", "2026-04-01 07:00", "2026-03-31"),
    ]


def test_coordinating_units_get_the_ladder_only_when_asked(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31))
    told = DEFAULT.merged({"notify_coordinating_units": True})
    without = plan(cal, task, date(2026, 3, 30), date(2026, 4, 15))
    assert all(g[1] != "coordinating" for g in without)
    got = plan(cal, task, date(2026, 3, 30), date(2026, 4, 15), told)
    assert [g for g in got if g[1] == "coordinating"] == [
        ("due_1", "coordinating", "2026-03-30 08:30", "2026-03-31"),
        ("due_today", "coordinating", "2026-03-31 08:30", "2026-03-31"),
        ("overdue", "coordinating", "2026-04-01 08:30", "2026-03-31"),
    ]
    assert [g for g in got if g[1] != "coordinating"] == without


def test_a_once_task_without_a_date_is_nudged_monthly_like_unknown(cal: WorkCalendar) -> None:
    assert plan(cal, make_task(due=None), date(2026, 3, 1), date(2026, 3, 31)) == [
        ("monthly", "lead", "2026-03-20 08:30", "2026-03"),
    ]


def test_once_tasks_get_monthly_nudges_unless_configured_out(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 6, 30))
    real_default = ReminderPolicy()
    planned = plan_task(task, real_default, cal, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert seen(planned) == [("monthly", "lead", "2026-03-20 08:30", "2026-03")]
    assert planned[0].due_date == date(2026, 6, 30)
    assert plan_task(task, DEFAULT, cal, start=date(2026, 3, 1), end=date(2026, 3, 31)) == []


# ---- nudges ----------------------------------------------------------------------------------


def test_monthly_nudge_on_the_20th_or_the_working_day_before(cal: WorkCalendar) -> None:
    task = make_task(kind="ongoing")
    got = plan(cal, task, date(2026, 1, 1), date(2026, 12, 31))
    assert [g[2] for g in got] == [
        "2026-01-20 08:30",
        "2026-02-13 08:30",  # 20 February is in Tết (16-20); 14-15 is a weekend
        "2026-03-20 08:30",
        "2026-04-20 08:30",
        "2026-05-20 08:30",
        "2026-06-19 08:30",  # Saturday 20 June
        "2026-07-20 08:30",
        "2026-08-20 08:30",
        "2026-09-18 08:30",  # Sunday 20 September
        "2026-10-20 08:30",
        "2026-11-20 08:30",
        "2026-12-18 08:30",  # Sunday 20 December
    ]
    assert {g[0] for g in got} == {"monthly"}
    assert [g[3] for g in got] == [f"2026-{m:02d}" for m in range(1, 13)]


def test_a_monthly_nudge_already_past_is_not_planned(cal: WorkCalendar) -> None:
    task = make_task(kind="monthly")
    # The December nudge moved to Friday 18; planning from the 19th skips December.
    assert plan(cal, task, date(2026, 12, 19), date(2027, 1, 31)) == [
        ("monthly", "lead", "2027-01-20 08:30", "2027-01"),
    ]
    assert plan(cal, task, date(2026, 12, 18), date(2026, 12, 31)) == [
        ("monthly", "lead", "2026-12-18 08:30", "2026-12"),
    ]


@pytest.mark.parametrize("kind", ["conditional", "per_guidance", "unknown", "ongoing", "monthly"])
def test_kinds_without_dates_only_get_the_monthly_nudge(cal: WorkCalendar, kind: str) -> None:
    task = make_task(kind=kind, due=date(2026, 3, 31))  # a stray date is ignored
    assert plan(cal, task, date(2026, 3, 1), date(2026, 4, 30)) == [
        ("monthly", "lead", "2026-03-20 08:30", "2026-03"),
        ("monthly", "lead", "2026-04-20 08:30", "2026-04"),
    ]


def test_yearly_tasks_are_nudged_in_early_november_and_december(cal: WorkCalendar) -> None:
    task = make_task(kind="yearly")
    assert plan(cal, task, date(2026, 10, 1), date(2026, 12, 31)) == [
        ("monthly", "lead", "2026-10-20 08:30", "2026-10"),
        ("yearly_nov", "lead", "2026-11-02 08:30", "2026"),  # 1 November is a Sunday
        ("monthly", "lead", "2026-11-20 08:30", "2026-11"),
        ("yearly_dec", "lead", "2026-12-01 08:30", "2026"),
        ("monthly", "lead", "2026-12-18 08:30", "2026-12"),
    ]


def test_yearly_nudge_months_and_day_are_configurable(cal: WorkCalendar) -> None:
    policy = DEFAULT.merged({"yearly_months": [9], "yearly_working_day": 2, "monthly_kinds": []})
    # September 2026: 1 and 2 are holidays, so the working days are 3, 4, 7 ...
    assert plan(cal, make_task(kind="yearly"), date(2026, 1, 1), date(2026, 12, 31), policy) == [
        ("yearly_sep", "lead", "2026-09-04 08:30", "2026"),
    ]


# ---- indicators ------------------------------------------------------------------------------


def kpi_seen(planned: list[PlannedReminder]) -> list[tuple[str, str, str, date | None]]:
    return [
        (r.reason, r.send_at.astimezone(VN).strftime("%Y-%m-%d %H:%M"), r.period, r.due_date)
        for r in planned
    ]


def test_kpi_nudged_five_working_days_before_each_quarter_end(cal: WorkCalendar) -> None:
    got = plan_indicator(
        IndicatorFacts(9), DEFAULT, cal, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert kpi_seen(got) == [
        ("kpi_period", "2026-03-24 08:30", "2026-Q1", date(2026, 3, 31)),
        ("kpi_period", "2026-06-23 08:30", "2026-Q2", date(2026, 6, 30)),
        ("kpi_period", "2026-09-23 08:30", "2026-Q3", date(2026, 9, 30)),
        ("kpi_period", "2026-12-24 08:30", "2026-Q4", date(2026, 12, 31)),
    ]
    assert {(r.subject, r.subject_id, r.audience) for r in got} == {("indicator", 9, "lead")}


def test_kpi_monthly_cadence_skips_tet(cal: WorkCalendar) -> None:
    got = plan_indicator(
        IndicatorFacts(9, cadence="monthly"),
        DEFAULT,
        cal,
        start=date(2026, 2, 1),
        end=date(2026, 3, 31),
    )
    assert kpi_seen(got) == [
        # 28 February is a Saturday; from Friday 27 back five working days crosses Tết.
        ("kpi_period", "2026-02-13 08:30", "2026-02", date(2026, 2, 28)),
        ("kpi_period", "2026-03-24 08:30", "2026-03", date(2026, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("cadence", "expected"),
    [
        ("half_yearly", [("2026-06-23 08:30", "2026-H1"), ("2026-12-24 08:30", "2026-H2")]),
        ("yearly", [("2026-12-24 08:30", "2026")]),
    ],
)
def test_kpi_other_cadences(
    cal: WorkCalendar, cadence: str, expected: list[tuple[str, str]]
) -> None:
    policy = DEFAULT.merged({"kpi_cadence": cadence})
    got = plan_indicator(
        IndicatorFacts(9), policy, cal, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert [(g[1], g[2]) for g in kpi_seen(got)] == expected


def test_kpi_lead_time_and_window_across_a_year_end(cal: WorkCalendar) -> None:
    policy = DEFAULT.merged({"kpi_lead_working_days": 10})
    # Q1 2027 ends on Wednesday 31 March; ten working days back is Wednesday 17 March.
    got = plan_indicator(
        IndicatorFacts(9, active_from=date(2027, 1, 1)),
        policy,
        cal,
        start=date(2026, 12, 20),
        end=date(2027, 3, 31),
    )
    assert kpi_seen(got) == [("kpi_period", "2027-03-17 08:30", "2027-Q1", date(2027, 3, 31))]


# ---- snooze ----------------------------------------------------------------------------------


def test_snooze_moves_lead_reminders_and_keeps_their_keys(cal: WorkCalendar) -> None:
    plain = make_task(due=date(2026, 3, 31))
    until = vn(2026, 3, 25, 14, 0) + timedelta(seconds=30)  # rounded up to the minute
    snoozed = make_task(due=date(2026, 3, 31), snoozed_until=until)
    start, end = date(2026, 3, 16), date(2026, 4, 2)
    assert plan(cal, snoozed, start, end) == [
        ("due_7", "lead", "2026-03-25 14:01", "2026-03-31"),  # 20 March, snoozed
        ("due_3", "lead", "2026-03-26 08:30", "2026-03-31"),
        ("due_1", "lead", "2026-03-30 08:30", "2026-03-31"),
        ("due_today", "lead", "2026-03-31 08:30", "2026-03-31"),
        ("overdue", "lead", "2026-04-01 08:30", "2026-03-31"),
    ]
    before = plan_task(plain, DEFAULT, cal, start=start, end=end)
    after = plan_task(snoozed, DEFAULT, cal, start=start, end=end)
    assert [r.key(5) for r in after] == [r.key(5) for r in before]


def test_snooze_past_the_due_date_drops_warnings_but_not_the_leader(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31), snoozed_until=vn(2026, 4, 10, 9, 0))
    assert plan(cal, task, date(2026, 3, 26), date(2026, 4, 16)) == [
        ("escalation", "directing", "2026-04-09 08:30", "2026-03-31"),
        ("overdue", "lead", "2026-04-10 09:00", "2026-03-31"),
        ("overdue_weekly", "lead", "2026-04-10 09:00", "2026-W15"),
        ("overdue_weekly", "lead", "2026-04-15 08:30", "2026-W16"),
        ("overdue_weekly", "directing", "2026-04-15 08:30", "2026-W16"),
    ]


def test_snooze_into_a_weekend_waits_for_monday_morning(cal: WorkCalendar) -> None:
    task = make_task(kind="ongoing", snoozed_until=datetime(2026, 3, 19, 13, 0, tzinfo=UTC))
    # 13:00 UTC on Thursday 19 March is 20:00 in Hà Nội: the snooze ends at the opening on
    # Friday 20 (08:00), before the nudge's own 08:30, so the nudge does not move.
    assert plan(cal, task, date(2026, 3, 1), date(2026, 3, 31)) == [
        ("monthly", "lead", "2026-03-20 08:30", "2026-03"),
    ]
    later = make_task(kind="ongoing", snoozed_until=vn(2026, 3, 21, 10, 0))  # Saturday
    assert plan(cal, later, date(2026, 3, 1), date(2026, 3, 31)) == [
        ("monthly", "lead", "2026-03-23 08:00", "2026-03"),
    ]


def test_snoozing_the_reminder_just_sent(cal: WorkCalendar) -> None:
    sent = PlannedReminder(
        "task", 1, "due_7", vn(2026, 3, 20), "2026-03-31", "lead", date(2026, 3, 31)
    )
    again = snooze(sent, vn(2026, 3, 23, 10, 0), cal)
    assert again is not None
    assert again.send_at == vn(2026, 3, 23, 10, 0)
    assert again.key(5) == sent.key(5)
    assert snooze(sent, vn(2026, 4, 1, 10, 0), cal) is None  # would come after the due date
    assert snooze(sent, vn(2026, 3, 19, 10, 0), cal) is sent  # snooze already over
    with pytest.raises(ValueError, match="naive"):
        snooze(sent, datetime(2026, 3, 23, 10, 0), cal)


def test_task_facts_refuse_a_naive_snooze_and_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="zone-aware"):
        make_task(due=date(2026, 3, 31), snoozed_until=datetime(2026, 3, 25, 14, 0))
    with pytest.raises(ValueError, match="unknown deadline kind"):
        make_task(kind="sometimes")


# ---- bundling --------------------------------------------------------------------------------


def test_several_tasks_for_one_official_in_one_slot_are_one_message(cal: WorkCalendar) -> None:
    window = {"start": date(2026, 3, 30), "end": date(2026, 3, 30)}
    a = plan_task(make_task(1, due=date(2026, 3, 31)), DEFAULT, cal, **window)  # due_1
    b = plan_task(make_task(2, due=date(2026, 4, 2)), DEFAULT, cal, **window)  # due_3
    c = plan_task(make_task(3, due=date(2026, 4, 8)), DEFAULT, cal, **window)  # due_7
    assert [r.reason for r in a + b + c] == ["due_1", "due_3", "due_7"]
    groups = bundle([("thu", c[0]), ("thu", a[0]), ("lan", b[0]), ("thu", b[0]), ("thu", a[0])])
    assert list(groups) == [("thu", vn(2026, 3, 30)), ("lan", vn(2026, 3, 30))]
    assert [(r.subject_id, r.reason) for r in groups["thu", vn(2026, 3, 30)]] == [
        (1, "due_1"),
        (2, "due_3"),
        (3, "due_7"),
    ]
    assert [r.subject_id for r in groups["lan", vn(2026, 3, 30)]] == [2]


def test_bundles_follow_send_time_and_put_the_urgent_first(cal: WorkCalendar) -> None:
    overdue = PlannedReminder(
        "task", 8, "overdue", vn(2026, 4, 1), "2026-03-31", "lead", date(2026, 3, 31)
    )
    monthly = PlannedReminder("task", 9, "monthly", vn(2026, 4, 1), "2026-04", "lead")
    early = PlannedReminder("task", 10, "monthly", vn(2026, 3, 20), "2026-03", "lead")
    groups = bundle([(1, monthly), (1, overdue), (1, early)])
    assert list(groups) == [(1, vn(2026, 3, 20)), (1, vn(2026, 4, 1))]
    assert [r.subject_id for r in groups[1, vn(2026, 4, 1)]] == [8, 9]


# ---- catch-up after downtime -----------------------------------------------------------------


def reminder(task_id: int, reason: str, at: datetime, due: date | None) -> PlannedReminder:
    period = due.isoformat() if due else at.strftime("%Y-%m")
    return PlannedReminder("task", task_id, reason, at, period, "lead", due)


def test_one_hour_down_sends_what_was_missed_now(cal: WorkCalendar) -> None:
    missed = reminder(1, "due_1", vn(2026, 3, 30, 8, 30), date(2026, 3, 31))
    upcoming = reminder(1, "due_today", vn(2026, 3, 31, 8, 30), date(2026, 3, 31))
    result = catch_up([(7, missed), (7, upcoming)], vn(2026, 3, 30, 9, 30), cal)
    assert result.slot == vn(2026, 3, 30, 9, 30)
    assert result.send == [(7, dataclasses.replace(missed, send_at=vn(2026, 3, 30, 9, 30)))]
    assert result.send[0][1].key(7) == missed.key(7)
    assert result.fold == {}
    assert result.dropped == []
    assert result.later == [(7, upcoming)]


def test_three_days_down_folds_the_old_and_drops_stale_warnings(cal: WorkCalendar) -> None:
    # Down from Friday 27 March 08:00 to Monday 30 March 11:00.
    now = vn(2026, 3, 30, 11, 0)
    old_warning = reminder(1, "due_3", vn(2026, 3, 27), date(2026, 4, 1))
    old_nudge = reminder(2, "monthly", vn(2026, 3, 27), None)
    stale = reminder(3, "due_today", vn(2026, 3, 27), date(2026, 3, 27))
    fresh = reminder(3, "overdue", vn(2026, 3, 30), date(2026, 3, 27))
    other_old = reminder(4, "due_7", vn(2026, 3, 27), date(2026, 4, 7))
    result = catch_up(
        [(7, old_warning), (7, stale), (7, fresh), (8, other_old), (7, old_nudge)], now, cal
    )
    assert result.slot == now
    assert [(who, r.subject_id, r.reason, r.send_at) for who, r in result.send] == [
        (7, 3, "overdue", now)
    ]
    assert result.fold == {7: [old_warning, old_nudge], 8: [other_old]}
    assert result.dropped == [(7, stale)]
    assert result.later == []


def test_catch_up_at_night_waits_for_the_morning(cal: WorkCalendar) -> None:
    missed = reminder(1, "overdue", vn(2026, 3, 30, 16, 30), date(2026, 3, 27))
    result = catch_up([(7, missed)], vn(2026, 3, 31, 6, 45), cal)
    assert result.slot == vn(2026, 3, 31, 8, 0)
    assert [(w, r.send_at) for w, r in result.send] == [(7, vn(2026, 3, 31, 8, 0))]
    # The same reminder found a day and a half late is folded instead.
    late = catch_up([(7, missed)], vn(2026, 4, 1, 4, 30), cal, max_age=timedelta(days=1))
    assert late.fold == {7: [missed]}
    assert late.slot == vn(2026, 4, 1, 8, 0)


def test_catch_up_refuses_a_naive_now(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        catch_up([], datetime(2026, 3, 30, 9, 0), cal)


# ---- the policy as stored settings -----------------------------------------------------------


def test_policy_round_trips_through_json() -> None:
    custom = ReminderPolicy(
        due_offsets=(1, 10, 5),
        send_time=time(9, 15),
        kpi_cadence="monthly",
        notify_coordinating_units=True,
    )
    stored = json.loads(json.dumps(custom.to_dict()))
    assert stored["due_offsets"] == [10, 5, 1]
    assert stored["send_time"] == "09:15"
    assert ReminderPolicy.from_dict(stored) == custom
    assert ReminderPolicy.from_dict({}) == ReminderPolicy()
    assert ReminderPolicy.from_dict(None) == ReminderPolicy()
    assert DEFAULT.to_dict()["monthly_day"] == 20


def test_plan_overrides_merge_over_the_organization(cal: WorkCalendar) -> None:
    org = {"monthly_day": 25, "send_time": "09:00", "due_offsets": [5, 2]}
    plan_overrides = {"monthly_day": 15, "escalate_after_working_days": 0}
    policy = ReminderPolicy.resolve(org, plan_overrides)
    assert (policy.monthly_day, policy.send_time, policy.due_offsets) == (15, time(9, 0), (5, 2))
    assert policy.overrides_from(ReminderPolicy.resolve(org)) == plan_overrides
    # 15 March 2026 is a Sunday.
    assert plan(cal, make_task(kind="ongoing"), date(2026, 3, 1), date(2026, 3, 31), policy) == [
        ("monthly", "lead", "2026-03-13 09:00", "2026-03"),
    ]
    assert plan(
        cal, make_task(due=date(2026, 3, 31)), date(2026, 3, 20), date(2026, 4, 20), policy
    ) == [
        ("due_5", "lead", "2026-03-24 09:00", "2026-03-31"),
        ("due_2", "lead", "2026-03-27 09:00", "2026-03-31"),
        ("due_today", "lead", "2026-03-31 09:00", "2026-03-31"),
        ("overdue", "lead", "2026-04-01 09:00", "2026-03-31"),
        ("overdue_weekly", "lead", "2026-04-08 09:00", "2026-W15"),
        ("overdue_weekly", "lead", "2026-04-15 09:00", "2026-W16"),
        # The default nudges open ``once`` tasks monthly too; the plan moved it to the 15th.
        ("monthly", "lead", "2026-04-15 09:00", "2026-04"),
    ]


def test_overdue_repeats_can_be_switched_off(cal: WorkCalendar) -> None:
    policy = DEFAULT.merged({"overdue_repeat_days": 0, "escalation_repeats": False})
    assert plan(
        cal, make_task(due=date(2026, 3, 31)), date(2026, 4, 1), date(2026, 4, 30), policy
    ) == [
        ("overdue", "lead", "2026-04-01 08:30", "2026-03-31"),
        ("escalation", "directing", "2026-04-09 08:30", "2026-03-31"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"monthly_dya": 20}, "unknown reminder policy settings"),
        ({"monthly_day": 0}, "monthly_day"),
        ({"monthly_day": "20"}, "monthly_day"),
        ({"kpi_cadence": "weekly"}, "kpi_cadence"),
        ({"send_time": "25:00"}, "send_time"),
        ({"due_offsets": [7, 7]}, "repeat"),
        ({"due_offsets": [0]}, "positive"),
        ({"due_offsets": "7"}, "must be a list"),
        ({"opens": "17:00", "closes": "08:00"}, "before closes"),
        ({"monthly_kinds": ["weekly"]}, "unknown deadline kinds"),
        ({"notify_coordinating_units": "yes"}, "true or false"),
        ({"yearly_months": [13]}, "yearly_months"),
    ],
)
def test_bad_settings_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReminderPolicy.from_dict(data)


def test_windows_and_dates_are_checked(cal: WorkCalendar) -> None:
    task = make_task(due=date(2026, 3, 31))
    with pytest.raises(ValueError, match="before it starts"):
        plan_task(task, DEFAULT, cal, start=date(2026, 4, 1), end=date(2026, 3, 1))
    with pytest.raises(TypeError, match="dates, not datetimes"):
        plan_task(task, DEFAULT, cal, start=vn(2026, 3, 1), end=date(2026, 4, 1))
