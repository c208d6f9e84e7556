"""Working days and hours: Vietnamese holidays, make-up Saturdays, and where a reminder moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.workcalendar import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(y: int, m: int, d: int, hh: int = 8, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# ---- which days are closed --------------------------------------------------------------------


def test_closed_weekdays_2026(cal: WorkCalendar) -> None:
    assert cal.closed_days(date(2026, 1, 1), date(2026, 12, 31)) == [
        date(2026, 1, 1),  # New Year
        date(2026, 2, 16),  # Tết: Mon-Fri, with the weekends around it 14-22 February
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 4, 27),  # Hùng Kings' day falls on Sunday 26 April: off on the Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),  # bridge day, worked back on Saturday 22 August
        date(2026, 9, 1),  # the day beside National Day
        date(2026, 9, 2),
        date(2026, 11, 24),  # Vietnam Culture Day, a holiday from 2026 in the package
    ]


def test_closed_weekdays_2027_tet_is_thursday_4_to_wednesday_10_february(
    cal: WorkCalendar,
) -> None:
    # Lunar new year is Saturday 6 February 2027. The package closes the Eve (Fri 5) and
    # the first four days (Sat 6 - Tue 9), and gives the Saturday and Sunday back on Thu 4 and
    # Wed 10, so offices are closed from Thursday 4 to Wednesday 10 February inclusive.
    assert cal.closed_days(date(2027, 1, 1), date(2027, 12, 31)) == [
        date(2027, 1, 1),
        date(2027, 2, 4),
        date(2027, 2, 5),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 2, 10),
        date(2027, 4, 16),  # Hùng Kings' day
        date(2027, 4, 30),
        date(2027, 5, 3),  # 1 May is a Saturday: off on the Monday
        date(2027, 9, 2),
        date(2027, 9, 3),
        date(2027, 11, 24),
    ]
    assert not any(cal.is_working_day(date(2027, 2, d)) for d in range(4, 11))
    assert cal.is_working_day(date(2027, 2, 3))
    assert cal.is_working_day(date(2027, 2, 11))


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1),
        date(2025, 1, 27),  # Tết 2025: 27-31 January
        date(2025, 1, 31),
        date(2025, 4, 7),  # Hùng Kings
        date(2025, 4, 30),
        date(2025, 5, 1),
        date(2025, 5, 2),  # bridge day, worked back on Saturday 26 April
        date(2025, 9, 1),
        date(2025, 9, 2),
        date(2028, 1, 3),  # New Year falls on Saturday 1 January 2028
        date(2028, 1, 24),  # Tết 2028: 24-28 January
        date(2028, 1, 28),
        date(2028, 4, 4),
        date(2028, 5, 1),
        date(2028, 5, 2),  # 30 April 2028 is a Sunday
        date(2028, 9, 1),
        date(2028, 9, 4),  # 2 September 2028 is a Saturday
    ],
)
def test_holidays_2025_and_2028_are_closed(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() < 5
    assert not cal.is_working_day(day)


def test_make_up_saturdays_from_the_package_are_working_days(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2025, 4, 26))
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 29))  # an ordinary Saturday
    assert not cal.is_working_day(date(2026, 8, 30))  # an ordinary Sunday


def test_weekends_are_closed_and_weekdays_open(cal: WorkCalendar) -> None:
    week = [cal.is_working_day(date(2026, 3, d)) for d in range(9, 16)]  # Mon 9 - Sun 15
    assert week == [True, True, True, True, True, False, False]


def test_organization_closed_and_make_up_days() -> None:
    own = WorkCalendar(extra_closed=[date(2026, 3, 10)], extra_working=[date(2026, 3, 14)])
    assert not own.is_working_day(date(2026, 3, 10))
    assert own.is_working_day(date(2026, 3, 14))  # a Saturday worked back
    assert own.next_working_day(date(2026, 3, 9)) == date(2026, 3, 11)
    assert own.next_working_day(date(2026, 3, 13)) == date(2026, 3, 14)
    # Another organization's calendar is not affected.
    assert WorkCalendar().is_working_day(date(2026, 3, 10))
    assert not WorkCalendar().is_working_day(date(2026, 3, 14))


def test_a_day_cannot_be_both_closed_and_working() -> None:
    with pytest.raises(ValueError, match="both closed and working"):
        WorkCalendar(extra_closed=[date(2026, 3, 10)], extra_working=[date(2026, 3, 10)])


def test_an_organization_may_open_on_a_public_holiday() -> None:
    own = WorkCalendar(extra_working=[date(2026, 9, 1)])
    assert own.is_working_day(date(2026, 9, 1))
    assert not own.is_working_day(date(2026, 9, 2))


def test_without_country_holidays_only_the_week_counts() -> None:
    plain = WorkCalendar(country=None)
    assert plain.is_working_day(date(2027, 2, 8))
    assert not plain.is_working_day(date(2027, 2, 6))


def test_a_six_day_week() -> None:
    six = WorkCalendar(working_weekdays=range(6))
    assert six.is_working_day(date(2026, 3, 14))
    assert not six.is_working_day(date(2026, 3, 15))
    with pytest.raises(ValueError, match="working weekdays"):
        WorkCalendar(working_weekdays=())


# ---- day arithmetic --------------------------------------------------------------------------


def test_next_and_previous_working_day_over_a_weekend(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 3, 27)) == date(2026, 3, 30)  # Fri -> Mon
    assert cal.next_working_day(date(2026, 3, 27), 3) == date(2026, 4, 1)
    assert cal.next_working_day(date(2026, 3, 28)) == date(2026, 3, 30)  # Sat -> Mon
    assert cal.previous_working_day(date(2026, 3, 30)) == date(2026, 3, 27)  # Mon -> Fri
    assert cal.previous_working_day(date(2026, 3, 29), 2) == date(2026, 3, 26)


def test_tet_2027_is_skipped_in_both_directions(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)
    assert cal.previous_working_day(date(2027, 2, 11)) == date(2027, 2, 3)
    assert cal.previous_working_day(date(2027, 2, 8)) == date(2027, 2, 3)
    assert cal.working_days_between(date(2027, 2, 1), date(2027, 2, 15)) == 5


def test_add_working_days_goes_both_ways_and_crosses_the_year(cal: WorkCalendar) -> None:
    # 1 January 2027 (Friday) is closed.
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert cal.add_working_days(date(2027, 1, 4), -1) == date(2026, 12, 31)
    assert cal.add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)  # 27/4, 30/4, 1/5
    assert cal.add_working_days(date(2026, 3, 10), 0) == date(2026, 3, 10)
    with pytest.raises(ValueError, match="not a working day"):
        cal.add_working_days(date(2026, 3, 14), 0)
    with pytest.raises(ValueError, match="at least 1"):
        cal.next_working_day(date(2026, 3, 14), 0)


def test_working_days_between_is_half_open_and_signed(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 5)) == 2
    for n in (1, 7, 14, 40, -3, -25):
        start = date(2027, 1, 20)
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_far_years_are_indexed_on_demand(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2035, 12, 31)) == date(2036, 1, 2)
    assert cal.previous_working_day(date(2019, 1, 7)) == date(2019, 1, 5)  # a make-up Saturday
    assert cal.working_days_between(date(2026, 1, 1), date(2036, 1, 1)) > 2400


def test_day_methods_refuse_datetimes(cal: WorkCalendar) -> None:
    # 20:00 UTC on the 9th is already the 10th in Hà Nội; a silent .date() would be wrong.
    with pytest.raises(TypeError, match="a date is needed"):
        cal.is_working_day(datetime(2026, 3, 9, 20, 0, tzinfo=UTC))


# ---- hours and placing a moment ------------------------------------------------------------


def test_is_open_within_hours_on_working_days(cal: WorkCalendar) -> None:
    assert cal.is_open(vn(2026, 3, 10, 8, 0))
    assert cal.is_open(vn(2026, 3, 10, 16, 59))
    assert not cal.is_open(vn(2026, 3, 10, 7, 59))
    assert not cal.is_open(vn(2026, 3, 10, 17, 0))
    assert not cal.is_open(vn(2026, 3, 14, 10, 0))  # Saturday
    assert not cal.is_open(vn(2026, 2, 18, 10, 0))  # Tết
    # 01:30 UTC is 08:30 in Hà Nội.
    assert cal.is_open(datetime(2026, 3, 10, 1, 30, tzinfo=UTC))
    assert not cal.is_open(datetime(2026, 3, 10, 0, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    "method", ["is_open", "next_open", "previous_open", "local"], ids=lambda m: m
)
def test_naive_datetimes_are_refused(cal: WorkCalendar, method: str) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        getattr(cal, method)(datetime(2026, 3, 10, 9, 0))


def test_place_refuses_naive_datetimes(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        cal.place(datetime(2026, 3, 10, 9, 0), before_deadline=False)


def test_next_open(cal: WorkCalendar) -> None:
    assert cal.next_open(vn(2026, 3, 10, 7, 0)) == vn(2026, 3, 10, 8, 0)
    assert cal.next_open(vn(2026, 3, 10, 9, 15)) == vn(2026, 3, 10, 9, 15)
    assert cal.next_open(vn(2026, 3, 13, 17, 0)) == vn(2026, 3, 16, 8, 0)  # Fri evening
    assert cal.next_open(vn(2026, 3, 14, 10, 0)) == vn(2026, 3, 16, 8, 0)  # Saturday
    assert cal.next_open(vn(2027, 2, 5, 9, 0)) == vn(2027, 2, 11, 8, 0)  # Tết


def test_previous_open_is_the_last_minute_before_closing(cal: WorkCalendar) -> None:
    assert cal.previous_open(vn(2026, 3, 10, 18, 0)) == vn(2026, 3, 10, 16, 59)
    assert cal.previous_open(vn(2026, 3, 16, 7, 0)) == vn(2026, 3, 13, 16, 59)  # Mon -> Fri
    assert cal.previous_open(vn(2026, 3, 10, 9, 15)) == vn(2026, 3, 10, 9, 15)
    assert cal.previous_open(vn(2027, 2, 8, 10, 0)) == vn(2027, 2, 3, 16, 59)  # Tết


def test_place_before_a_deadline_moves_earlier_after_it_later(cal: WorkCalendar) -> None:
    monday_7 = vn(2026, 3, 16, 7, 0)
    assert cal.place(monday_7, before_deadline=True) == vn(2026, 3, 13, 16, 59)
    assert cal.place(monday_7, before_deadline=False) == vn(2026, 3, 16, 8, 0)
    holiday = vn(2026, 4, 30, 8, 30)  # Thursday 30 April, then 1 May, then the weekend
    assert cal.place(holiday, before_deadline=True) == vn(2026, 4, 29, 16, 59)
    assert cal.place(holiday, before_deadline=False) == vn(2026, 5, 4, 8, 0)
    inside = vn(2026, 3, 17, 10, 45)
    assert cal.place(inside, before_deadline=True) == inside
    assert cal.place(inside, before_deadline=False) == inside


def test_placed_moments_are_in_the_local_zone(cal: WorkCalendar) -> None:
    placed = cal.place(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), before_deadline=False)
    assert placed.tzinfo == VN
    assert (placed.hour, placed.minute) == (10, 0)
    moved = cal.place(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), before_deadline=False)
    assert moved.tzinfo == VN
    assert moved == vn(2026, 3, 11, 8, 0)  # 19:00 local -> next morning


def test_other_hours_share_the_closed_days(cal: WorkCalendar) -> None:
    early = cal.with_hours(time(7, 30), time(16, 30))
    assert early.is_open(vn(2026, 3, 10, 7, 45))
    assert not early.is_open(vn(2026, 3, 10, 16, 30))
    assert early.place(vn(2026, 3, 10, 7, 0), before_deadline=False) == vn(2026, 3, 10, 7, 30)
    assert early.place(vn(2026, 3, 10, 7, 0), before_deadline=True) == vn(2026, 3, 9, 16, 29)
    assert not early.is_working_day(date(2027, 2, 8))
    assert cal.with_hours(cal.opens, cal.closes) is cal
    assert early == cal.with_hours(time(7, 30), time(16, 30))
    assert early != cal


def test_hours_must_leave_a_minute_open(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="no minute open"):
        cal.with_hours(time(17, 0), time(8, 0))
    with pytest.raises(ValueError, match="no minute open"):
        WorkCalendar(opens=time(9, 0), closes=time(9, 0))


def test_calendars_with_the_same_days_are_equal() -> None:
    assert WorkCalendar() == WorkCalendar()
    assert hash(WorkCalendar()) == hash(WorkCalendar())
    assert WorkCalendar(extra_closed=[date(2026, 3, 10)]) != WorkCalendar()


def test_every_open_moment_of_a_year_is_on_a_working_day(cal: WorkCalendar) -> None:
    # next_open and previous_open agree with is_open on every hour of 2027.
    moment = vn(2027, 1, 1, 0, 0)
    while moment.year == 2027:
        after = cal.next_open(moment)
        before = cal.previous_open(moment)
        assert cal.is_open(after)
        assert cal.is_open(before)
        assert before <= moment <= after
        assert (after == moment) == cal.is_open(moment) == (before == moment)
        moment += timedelta(hours=1)
