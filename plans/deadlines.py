"""Deadline cells ("Quý I/2026", "Thường xuyên", "Hằng năm", ...) normalised to a Deadline.

A plan's "Thời gian thực hiện" cell is either a date (written out, or the month, quarter,
half-year or year it falls in), a cadence (every month, every year, ongoing), a condition
("Nếu có thay đổi nhân sự") or a pointer to someone else's schedule ("Theo hướng dẫn của
thành phố"). The scheduler needs the kind and, for one-off tasks, the last day. Nothing here
guesses: a date that is not written (and no ``plan_year`` for a month without its year)
leaves the kind "unknown" with the text kept, so the importer can list it.

Matching runs on folded text (``plans.vntext.fold``): no accents, lower case, one dash.
"""

from __future__ import annotations

import re
from datetime import date

from plans.draft import Deadline, DeadlineKind
from plans.periods import half_end, month_end, quarter_end, roman_to_int, year_end
from plans.vntext import fold, nfc

_YEAR = r"(?:19|20)\d\d"
# "/2026", "-2026", " năm 2026", "/ năm 2026" after a month or quarter.
_YEAR_TAIL = rf"(?:\s*(?:/|-)?\s*(?:nam\s+)?(?P<year>{_YEAR})\b)?"
_JOIN = r"\s*(?:-|,|;|\+|den|toi|va|hoac)\s*"

_FULL_DATE = re.compile(
    # The same separator twice: "3-6/2026" is a range of months, not the 3rd of June.
    rf"\b(?P<d>[0-3]?\d)\s*(?P<sep>[/.-])\s*(?P<m>[01]?\d)\s*(?P=sep)\s*(?P<year>{_YEAR})\b"
)
_WORDY_DATE = re.compile(
    rf"\bngay\s+(?P<d>[0-3]?\d)\s+thang\s+(?P<m>[01]?\d)(?:\s+nam\s+(?P<year>{_YEAR}))?\b"
)
# "trước 15/12", "ngày 30/6": a day and a month with no year, only after a word that says
# it is a date (a bare "3/6" could be anything).
_SHORT_DATE = re.compile(
    r"\b(?:ngay|truoc|den|han)\s+(?P<d>[0-3]?\d)\s*/\s*(?P<m>[01]?\d)\b(?!\s*/)"
)
_ROMAN_Q = r"(?:iv|iii|ii|i|[1-4])"
_QUARTERS = re.compile(
    rf"\bquy\s+(?P<qs>{_ROMAN_Q}(?:{_JOIN}(?:quy\s+)?{_ROMAN_Q})*)\b{_YEAR_TAIL}"
)
_MONTH_NUM = r"(?:1[0-2]|0?[1-9])"
_MONTHS = re.compile(
    rf"\bthang\s+(?P<ms>{_MONTH_NUM}(?:{_JOIN}(?:thang\s+)?{_MONTH_NUM})*)\b{_YEAR_TAIL}"
)
_HALF = re.compile(
    r"\b(?:(?:6|06|sau)\s+thang\s+(?P<which>dau|cuoi)|nua\s+(?P<which2>dau|cuoi))"
    rf"(?:\s+nam)?{_YEAR_TAIL}"
)
_YEARS = re.compile(rf"\b(?P<ys>{_YEAR}(?:{_JOIN}(?:nam\s+)?{_YEAR})*)\b")

# Cadences, checked in this order: a monthly report inside an ongoing task makes it monthly,
# a yearly cadence inside "thường xuyên, hằng năm" makes it yearly.
_CADENCES: tuple[tuple[DeadlineKind, re.Pattern[str]], ...] = (
    ("monthly", re.compile(r"\b(?:hang\s+thang|(?<!doi )moi\s+thang|dinh\s+ky\s+thang)\b")),
    (
        "yearly",
        re.compile(r"\b(?:hang\s+nam|(?<!doi )moi\s+nam|dinh\s+ky\s+nam|thuong\s+nien)\b"),
    ),
    (
        "ongoing",
        re.compile(
            r"\b(?:thuong\s+xuyen|lien\s+tuc|hang\s+quy|hang\s+tuan|(?<!doi )moi\s+quy"
            r"|dinh\s+ky\s+quy)\b"
        ),
    ),
)
# The same phrases as OCR spells them in a short cell ("Thuong xuyén", "Hane nim").
_FUZZY_PHRASES: tuple[tuple[DeadlineKind, tuple[str, ...]], ...] = (
    ("monthly", ("hang", "thang")),
    ("yearly", ("hang", "nam")),
    ("ongoing", ("thuong", "xuyen")),
)
_CONDITIONAL = re.compile(
    r"^(?:(?:chi\s+)?(?:ngay\s+)?(?:sau\s+)?khi|neu|trong\s+truong\s+hop|truong\s+hop)\b"
)
_GUIDANCE_LEAD = re.compile(r"^(?:thuc\s+hien\s+|trien\s+khai\s+)?theo\b")
_GUIDANCE = re.compile(
    r"\btheo\s+(?:huong\s+dan|yeu\s+cau|chi\s+dao|ke\s+hoach|lo\s+trinh|thong\s+bao|"
    r"van\s+ban|quy\s+dinh|tien\s+do|lich|de\s+nghi)\b"
)


def parse_deadline(text: str, *, plan_year: int | None = None) -> Deadline:
    """Return the kind and due date of a deadline cell; unknown wording keeps kind "unknown".

    ``plan_year`` is the year of the plan, used for a period written without a year.
    """
    raw = nfc(text)
    folded = fold(raw)
    words = re.sub(r"[^0-9a-z/]+", " ", folded).strip()
    if not words:
        return Deadline("unknown", None, raw)
    for kind, pattern in _CADENCES:
        if pattern.search(words):
            return Deadline(kind, None, raw)
    fuzzy = _fuzzy_cadence(words)
    if fuzzy is not None:
        return Deadline(fuzzy, None, raw)
    if _CONDITIONAL.search(words):
        return Deadline("conditional", None, raw)
    # "Theo Kế hoạch số 12-KH/TU ngày 26/8/2025" points at a schedule; its date is the
    # schedule's, not the task's.
    if _GUIDANCE_LEAD.search(words):
        return Deadline("per_guidance", None, raw)
    due = due_date(folded, plan_year=plan_year)
    if due is not None:
        return Deadline("once", due, raw)
    if _GUIDANCE.search(words):
        return Deadline("per_guidance", None, raw)
    return Deadline("unknown", None, raw)


def due_date(folded: str, *, plan_year: int | None = None) -> date | None:
    """Return the last day named in folded text: the end of a range, None when none is written.

    Explicit dates are read first and blanked, so "ngày 15 tháng 12 năm 2026" is not read
    again as "tháng 12"; a bare year counts only when nothing finer is written.
    """
    text = folded
    ends: list[date] = []

    def blank(match: re.Match[str]) -> None:
        nonlocal text
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]

    for pattern in (_FULL_DATE, _WORDY_DATE, _SHORT_DATE):
        for m in list(pattern.finditer(text)):
            year_text = m.groupdict().get("year")
            year = int(year_text) if year_text else plan_year
            found = _safe_date(year, int(m.group("m")), int(m.group("d")))
            if found is not None:
                ends.append(found)
                blank(m)
    # Periods written without a year take the year written nearest after them in the cell
    # ("từ tháng 3 đến tháng 6/2026"), else the plan's year.
    periods: list[tuple[int, str, int, int | None]] = []  # start, kind, number, year
    for m in list(_HALF.finditer(text)):
        which = m.group("which") or m.group("which2")
        periods.append((m.start(), "half", 1 if which == "dau" else 2, _int(m.group("year"))))
        blank(m)
    for m in list(_QUARTERS.finditer(text)):
        last = re.findall(_ROMAN_Q, m.group("qs").replace("quy", " "))[-1]
        quarter = roman_to_int(last) or int(last)
        periods.append((m.start(), "quarter", quarter, _int(m.group("year"))))
        blank(m)
    for m in list(_MONTHS.finditer(text)):
        month = int(re.findall(r"\d+", m.group("ms"))[-1])
        periods.append((m.start(), "month", month, _int(m.group("year"))))
        blank(m)
    periods.sort()
    for i, (_, kind, number, year) in enumerate(periods):
        if year is None:
            later = [y for _, _, _, y in periods[i + 1 :] if y is not None]
            year = later[0] if later else plan_year
        if year is None:
            continue
        if kind == "half":
            ends.append(half_end(year, number))
        elif kind == "quarter":
            ends.append(quarter_end(year, number))
        else:
            ends.append(month_end(year, number))
    if not ends:
        for m in _YEARS.finditer(text):
            ends.append(year_end(max(int(y) for y in re.findall(_YEAR, m.group("ys")))))
    return max(ends) if ends else None


def _fuzzy_cadence(words: str) -> DeadlineKind | None:
    """Return the cadence an OCR'd short cell spells with one slip per word, or None."""
    tokens = words.split()
    if not 2 <= len(tokens) <= 3:
        return None
    for kind, phrase in _FUZZY_PHRASES:
        for start in range(len(tokens) - len(phrase) + 1):
            window = tokens[start : start + len(phrase)]
            if all(_within_one_edit(a, b) for a, b in zip(window, phrase, strict=True)):
                return kind
    return None


def _within_one_edit(a: str, b: str) -> bool:
    """Return True when ``a`` becomes ``b`` with at most one insertion, deletion or change."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 3:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _safe_date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
