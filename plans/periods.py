"""Vietnamese calendar periods ("Quý I/2026", "tháng 9/2025", "năm 2027") and their last day.

Deadlines in plans and dates in officials' replies both name periods; a task due "Quý I/2026"
is due on 31 March 2026. The phrases are matched on folded text (see ``plans.vntext``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from plans.vntext import fold

ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}


def roman_to_int(token: str) -> int | None:
    """Return the value of a Roman numeral up to XII, or None."""
    return ROMAN.get(token.strip().strip(".").lower())


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def quarter_end(year: int, quarter: int) -> date:
    return month_end(year, quarter * 3)


def half_end(year: int, half: int) -> date:
    return month_end(year, 6 * half)


def year_end(year: int) -> date:
    return date(year, 12, 31)


@dataclass(frozen=True)
class Period:
    """A named period found in text: its kind, its last day and where it was found."""

    kind: str  # "month" | "quarter" | "half" | "year"
    end: date
    start_index: int
    end_index: int


_QUARTER = re.compile(
    r"\bquy\s+(?P<q>iv|iii|ii|i|[1-4])\b(?:\s*(?:/|-|nam)\s*(?P<year>(?:19|20)\d\d))?"
)
_MONTH = re.compile(
    r"\bthang\s+(?P<m>1[0-2]|0?[1-9])\b(?:\s*(?:/|-|nam)\s*(?P<year>(?:19|20)\d\d))?"
)
_HALF = re.compile(
    r"\b(?:(?P<n>6|06|sau)\s+thang\s+(?P<which>dau|cuoi)\s+nam|nua\s+(?P<which2>dau|cuoi)\s+nam)"
    r"(?:\s*(?:/|-)?\s*(?P<year>(?:19|20)\d\d))?"
)
_YEAR_ONLY = re.compile(r"\bnam\s+(?P<year>(?:19|20)\d\d)\b")


def find_period(text: str, default_year: int | None = None) -> Period | None:
    """Return the first month, quarter, half-year or year named in ``text``.

    ``default_year`` fills in a period written without its year ("quý I", "tháng 12");
    without it such a period is not a match.
    """
    folded = fold(text)
    found: list[Period] = []

    def year_of(match: re.Match[str]) -> int | None:
        y = match.group("year")
        return int(y) if y else default_year

    for m in _QUARTER.finditer(folded):
        q = roman_to_int(m.group("q")) or int(m.group("q"))
        y = year_of(m)
        if y is not None:
            found.append(Period("quarter", quarter_end(y, q), m.start(), m.end()))
    for m in _HALF.finditer(folded):
        which = m.group("which") or m.group("which2")
        y = year_of(m)
        if y is not None:
            found.append(
                Period("half", half_end(y, 1 if which == "dau" else 2), m.start(), m.end())
            )
    for m in _MONTH.finditer(folded):
        y = year_of(m)
        if y is not None:
            found.append(Period("month", month_end(y, int(m.group("m"))), m.start(), m.end()))
    if not found:
        for m in _YEAR_ONLY.finditer(folded):
            found.append(Period("year", year_end(int(m.group("year"))), m.start(), m.end()))
    if not found:
        return None
    # The earliest mention wins; for the same start the longer (more specific) match wins.
    return min(found, key=lambda p: (p.start_index, -(p.end_index - p.start_index)))
