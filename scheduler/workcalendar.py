"""Working days and working hours of a Vietnamese commune: when a reminder may arrive.

A ``WorkCalendar`` knows the zone (Asia/Ho_Chi_Minh), the working week (Monday to Friday),
the working hours (08:00-17:00) and the closed days: the public holidays of the ``holidays``
package's Vietnam calendar (Tết Nguyên đán with the days it gives in lieu of the Tết days that
fall on a weekend, Hùng Kings' day, 30/4, 1/5, 2/9 and the day beside it, the government's
bridge days) plus the days an organization closes itself. Make-up working Saturdays (the
package's ``weekend_workdays`` and the organization's own) count as working days.

Day arithmetic is done on a sorted array of the ordinals of working days, built per year and
kept for the calendar's lifetime, so "the 14th working day before" is a binary search, not a
loop over days. A calendar never changes after it is built; ``with_hours`` makes a calendar
with other hours that shares the day index.

Times of day use a half-open window: open from ``opens`` (inclusive) to ``closes``
(exclusive). The last slot of a day is one minute before closing (16:59 by default): the
outbox tick runs every minute, so that is the latest minute a message can be sent in hours.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import compress
from zoneinfo import ZoneInfo

import holidays

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(17, 0)
MON_TO_FRI = frozenset(range(5))

# A calendar that needs more than this many years of days to answer a question is misbuilt
# (no working weekday, say); stop instead of growing the index forever.
_MAX_SPAN_YEARS = 200


@lru_cache(maxsize=512)
def _country_year(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return the public holidays and the make-up working days of ``country`` in ``year``.

    Cached per year for the whole process: every calendar of every organization shares it.
    """
    table = holidays.country_holidays(country, years=year)
    closed = frozenset(d for d in table if d.year == year)
    makeup = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return closed, makeup


def _check_date(d: date) -> int:
    # A datetime is a date too; taking its calendar date silently would read a UTC evening as
    # the wrong local day, so day methods accept plain dates only.
    if isinstance(d, datetime):
        raise TypeError(
            f"a date is needed, not the datetime {d!r}; use WorkCalendar.local(dt).date()"
        )
    return d.toordinal()


class _Index:
    """The working days of the years ``lo``..``hi``: flags per day and sorted ordinals."""

    __slots__ = ("days", "first", "flags", "hi", "last", "lo")

    def __init__(
        self, lo: int, hi: int, first: int, last: int, flags: bytearray, days: array[int]
    ) -> None:
        self.lo, self.hi = lo, hi
        self.first, self.last = first, last
        self.flags = flags
        self.days = days


# Covers nothing, so the first question grows it around the year asked about.
_EMPTY = _Index(0, -1, 1, 0, bytearray(), array("l"))


class _DayRules:
    """Which days are working days; shared by calendars that differ only in their hours."""

    def __init__(
        self,
        *,
        country: str | None,
        weekdays: frozenset[int],
        extra_closed: frozenset[date],
        extra_working: frozenset[date],
    ) -> None:
        self.country = country
        self.weekdays = weekdays
        self.extra_closed = extra_closed
        self.extra_working = extra_working
        self._lock = threading.Lock()
        # Built on first use; readers take the current index without the lock and a grown
        # index replaces it whole, so a reader never sees a half-built one.
        self.index = _EMPTY

    def _build(self, lo: int, hi: int) -> _Index:
        first = date(lo, 1, 1).toordinal()
        last = date(hi, 12, 31).toordinal()
        size = last - first + 1
        # Ordinal 1 (1 January of year 1) is a Monday, so weekday == (ordinal - 1) % 7.
        week = bytes(1 if (first + i - 1) % 7 in self.weekdays else 0 for i in range(7))
        flags = bytearray((week * (size // 7 + 1))[:size])
        for year in range(lo, hi + 1):
            if self.country is not None:
                closed, makeup = _country_year(self.country, year)
                for d in closed:
                    flags[d.toordinal() - first] = 0
                for d in makeup:
                    flags[d.toordinal() - first] = 1
        # The organization's own days win over the package's, in both directions.
        for d in self.extra_closed:
            if lo <= d.year <= hi:
                flags[d.toordinal() - first] = 0
        for d in self.extra_working:
            if lo <= d.year <= hi:
                flags[d.toordinal() - first] = 1
        days = array("l", compress(range(first, last + 1), flags))
        return _Index(lo, hi, first, last, flags, days)

    def grow(self, year: int) -> _Index:
        """Return an index that covers ``year`` and a year of margin on each side."""
        with self._lock:
            idx = self.index
            if idx.lo < year < idx.hi:
                return idx
            if idx is _EMPTY:
                lo, hi = year - 1, year + 2
            else:
                lo, hi = min(idx.lo, year - 1), max(idx.hi, year + 1)
            if hi - lo > _MAX_SPAN_YEARS or lo < 2 or hi > 9998:
                raise ValueError(f"no working day found near the year {year}")
            self.index = self._build(lo, hi)
            return self.index


@lru_cache(maxsize=4096)
def _day_rules(
    country: str | None,
    weekdays: frozenset[int],
    extra_closed: frozenset[date],
    extra_working: frozenset[date],
) -> _DayRules:
    # Organizations with the same closed days share one index (and compare equal).
    return _DayRules(
        country=country, weekdays=weekdays, extra_closed=extra_closed, extra_working=extra_working
    )


class WorkCalendar:
    """The working days and hours of one organization, in its local zone."""

    def __init__(
        self,
        *,
        zone: str | tzinfo = DEFAULT_ZONE,
        opens: time = DEFAULT_OPENS,
        closes: time = DEFAULT_CLOSES,
        working_weekdays: Iterable[int] = MON_TO_FRI,
        extra_closed: Iterable[date] = (),
        extra_working: Iterable[date] = (),
        country: str | None = "VN",
    ) -> None:
        """Build a calendar.

        ``working_weekdays`` uses Monday == 0. ``extra_closed`` are the organization's own
        closed days; ``extra_working`` its make-up working days (a Saturday worked to bridge a
        holiday), on top of those the ``holidays`` package knows. ``country=None`` leaves
        public holidays out (for tests of the plain week).
        """
        weekdays = frozenset(working_weekdays)
        if not weekdays or not weekdays <= set(range(7)):
            raise ValueError(f"working weekdays must be a non-empty subset of 0..6: {weekdays}")
        closed = frozenset(extra_closed)
        working = frozenset(extra_working)
        both = closed & working
        if both:
            raise ValueError(f"days both closed and working: {sorted(both)}")
        for d in closed | working:
            _check_date(d)
        rules = _day_rules(country, weekdays, closed, working)
        self._init(rules, ZoneInfo(zone) if isinstance(zone, str) else zone, opens, closes)

    def _init(self, rules: _DayRules, zone: tzinfo, opens: time, closes: time) -> None:
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("working hours are local wall-clock times, without a zone")
        last = datetime.combine(date(2000, 1, 1), closes) - timedelta(minutes=1)
        if last.time() < opens or last.date() != date(2000, 1, 1):
            raise ValueError(f"working hours {opens}-{closes} leave no minute open")
        self._rules = rules
        self.zone = zone
        self.opens = opens
        self.closes = closes
        self.last_slot = last.time()

    def with_hours(self, opens: time, closes: time) -> WorkCalendar:
        """Return this calendar with other working hours; the closed days are shared."""
        if (opens, closes) == (self.opens, self.closes):
            return self
        other = WorkCalendar.__new__(WorkCalendar)
        other._init(self._rules, self.zone, opens, closes)
        return other

    # Equal calendars share their day rules; this lets planners cache per calendar.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return (self._rules, self.zone, self.opens, self.closes) == (
            other._rules,
            other.zone,
            other.opens,
            other.closes,
        )

    def __hash__(self) -> int:
        return hash((id(self._rules), self.zone, self.opens, self.closes))

    def __repr__(self) -> str:
        r = self._rules
        return (
            f"WorkCalendar(zone={self.zone}, hours={self.opens:%H:%M}-{self.closes:%H:%M}, "
            f"country={r.country}, extra_closed={len(r.extra_closed)}, "
            f"extra_working={len(r.extra_working)})"
        )

    # ---- days -------------------------------------------------------------------------------

    def _index_for(self, o: int) -> _Index:
        idx = self._rules.index
        if idx.first <= o <= idx.last:
            return idx
        return self._rules.grow(date.fromordinal(o).year)

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` is a working day."""
        o = _check_date(d)
        idx = self._index_for(o)
        return bool(idx.flags[o - idx.first])

    def next_working_day(self, d: date, n: int = 1) -> date:
        """Return the ``n``-th working day after ``d`` (``d`` itself never counts)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        o = _check_date(d)
        idx = self._index_for(o)
        while True:
            i = bisect_right(idx.days, o) + n - 1
            if i < len(idx.days):
                return date.fromordinal(idx.days[i])
            idx = self._rules.grow(idx.hi + 1)

    def previous_working_day(self, d: date, n: int = 1) -> date:
        """Return the ``n``-th working day before ``d`` (``d`` itself never counts)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        o = _check_date(d)
        idx = self._index_for(o)
        while True:
            i = bisect_left(idx.days, o) - n
            if i >= 0:
                return date.fromordinal(idx.days[i])
            idx = self._rules.grow(idx.lo - 1)

    def add_working_days(self, d: date, n: int) -> date:
        """Return the day ``n`` working days after ``d``, or before it when ``n`` is negative.

        ``n == 0`` returns ``d`` when it is a working day and raises ValueError otherwise,
        since rolling a closed day forward or back is a choice the caller has to make (see
        ``working_day_on_or_after`` and ``working_day_on_or_before``).
        """
        if n > 0:
            return self.next_working_day(d, n)
        if n < 0:
            return self.previous_working_day(d, -n)
        if not self.is_working_day(d):
            raise ValueError(f"{d} is not a working day; adding 0 working days is ambiguous")
        return d

    def working_day_on_or_after(self, d: date) -> date:
        """Return ``d`` if it is a working day, else the next working day."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def working_day_on_or_before(self, d: date) -> date:
        """Return ``d`` if it is a working day, else the previous working day."""
        return d if self.is_working_day(d) else self.previous_working_day(d)

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days in ``[a, b)``: ``a`` counts, ``b`` does not.

        Negative when ``b`` is before ``a``, so that
        ``working_days_between(a, add_working_days(a, n)) == n`` for a working day ``a``.
        """
        oa, ob = _check_date(a), _check_date(b)
        if ob < oa:
            return -self.working_days_between(b, a)
        self._index_for(oa)
        idx = self._index_for(ob)  # an index only grows, so this one still covers ``a``
        return bisect_left(idx.days, ob) - bisect_left(idx.days, oa)

    def closed_days(self, a: date, b: date) -> list[date]:
        """Return the days in ``[a, b]`` that are closed although their weekday is a working one.

        These are the holidays, bridge days and the organization's own closed days; weekends
        are not listed.
        """
        oa, ob = _check_date(a), _check_date(b)
        weekdays = self._rules.weekdays
        return [
            date.fromordinal(o)
            for o in range(oa, ob + 1)
            if (o - 1) % 7 in weekdays and not self.is_working_day(date.fromordinal(o))
        ]

    # ---- moments ----------------------------------------------------------------------------

    def local(self, dt: datetime) -> datetime:
        """Return ``dt`` in the calendar's zone; a naive datetime is refused."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(
                f"naive datetime {dt.isoformat()}: attach a zone (e.g. Asia/Ho_Chi_Minh) first"
            )
        return dt.astimezone(self.zone)

    def at(self, d: date, t: time) -> datetime:
        """Return the local moment ``t`` on ``d`` in the calendar's zone."""
        return datetime.combine(d, t, tzinfo=self.zone)

    def is_open(self, dt: datetime) -> bool:
        """Return whether ``dt`` is on a working day and within working hours."""
        local = self.local(dt)
        t = local.time()
        return self.opens <= t < self.closes and self.is_working_day(local.date())

    def next_open(self, dt: datetime) -> datetime:
        """Return ``dt`` if it is open, else the opening of the next open period after it."""
        local = self.local(dt)
        d, t = local.date(), local.time()
        if self.is_working_day(d):
            if t < self.opens:
                return self.at(d, self.opens)
            if t < self.closes:
                return local
        return self.at(self.next_working_day(d), self.opens)

    def previous_open(self, dt: datetime) -> datetime:
        """Return ``dt`` if it is open, else the last slot of the open period before it.

        The last slot is one minute before closing (16:59 for 08:00-17:00).
        """
        local = self.local(dt)
        d, t = local.date(), local.time()
        if self.is_working_day(d):
            if t >= self.closes:
                return self.at(d, self.last_slot)
            if t >= self.opens:
                return local
        return self.at(self.previous_working_day(d), self.last_slot)

    def place(self, dt: datetime, *, before_deadline: bool) -> datetime:
        """Move a send time into working hours on a working day.

        A reminder that warns of a deadline goes to the previous open slot, so it never arrives
        later than planned (07:00 on a Monday becomes 16:59 on the Friday before); any other
        reminder goes to the next one (07:00 becomes 08:00 the same day). An open ``dt`` is
        returned unchanged, in the calendar's zone.
        """
        return self.previous_open(dt) if before_deadline else self.next_open(dt)
