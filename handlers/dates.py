"""Dates named in officials' replies: "15/12", "cuối tháng 12", "quý I/2027", "thứ 6 tuần sau".

``find_dates`` lists every date a reply names, with where it was named and what kind of
expression named it; deciding which of them is the *expected* date (and which are dates of
issue or of something already done) is left to ``handlers.understanding``, which knows the
words around them.

Everything is matched on folded text (``plans.vntext.fold``: no accents, lower case), so the
same rules cover "thứ sáu tuần sau" and "thu 6 tuan sau". Day-first throughout; all dates are
local calendar dates (Asia/Ho_Chi_Minh), computed from the ``today`` the caller passes.

dateparser is used only where it adds something: month names in words ("15 tháng mười hai")
and English dates ("Dec 15", "next friday"). Checked against dateparser 1.5 (languages "vi"):
it does not find a date inside a sentence ("dự kiến 15/12" gives None), reads "15.12" as the
time 15:12, moves "ngày 15" into the past despite PREFER_DATES_FROM=future, misreads
"30 tháng sáu năm 2027" as 30 December 2026, and knows none of "cuối tháng", "tuần tới",
"ngày kia", "3 ngày nữa", "thứ 6 tuần sau". It also costs about 1 ms a call warm and 100 ms
for the first call. So numeric dates and the government phrasing are our own small rules,
and dateparser only sees short tokens that a cheap regex has already found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from plans.periods import half_end, month_end, quarter_end, roman_to_int, year_end
from plans.vntext import strip_accents

Kind = Literal["explicit", "period", "year", "relative"]

# A date given without its year is taken in the window [today - 31 days, today + 334 days):
# "15/12" said on 28/12 is the 15th just past (probably something done), "5/1" said on 28/12
# is next January, and "28/12" said on 5/1 is the December just past.
PAST_WINDOW = timedelta(days=31)
FUTURE_WINDOW = timedelta(days=334)

# "Đầu tháng" is read as the 5th, "giữa tháng" as the 15th, "đầu năm" as the end of January
# and "giữa năm" as 30 June: a reminder can then be planned for a definite day.
EARLY_DAY = 5
MID_DAY = 15

# Counts beyond these in "N ngày nữa" are typing slips, not plans.
_MAX_AHEAD = {"ngay": 400, "hom": 400, "tuan": 60, "thang": 24}

SMALL_NUMBERS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
}
WEEKDAY_WORDS = {
    "2": 0,
    "hai": 0,
    "3": 1,
    "ba": 1,
    "4": 2,
    "tu": 2,
    "5": 3,
    "nam": 3,
    "6": 4,
    "sau": 4,
    "7": 5,
    "bay": 5,
}
_MONTH_WORDS = {
    "mot": 1,
    "gieng": 1,
    "hai": 2,
    "ba": 3,
    "tu": 4,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoi mot": 11,
    "muoi hai": 12,
    "chap": 12,
}


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date named in the text, where it was named and what kind of expression named it.

    kind: "explicit" (a day: "15/12", "ngày 15 tháng 12"), "period" (the end of a named
    period: "cuối tháng 12", "quý I/2027", "tháng sau"), "year" (a bare year or "năm nay",
    usually context rather than a plan) or "relative" (counted from today: "mai", "tuần sau",
    "thứ 6", "3 ngày nữa").
    """

    start: int
    end: int
    value: date
    kind: Kind


# --- calendar arithmetic -------------------------------------------------------------------


def safe_date(year: int, month: int, day: int) -> date | None:
    """Return the date, or None when the day does not exist (31/4, 29/2/2027, 0/5)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def in_window(candidates: list[date], today: date) -> date | None:
    """Return the candidate inside the year-inference window, else the nearest future one."""
    for d in candidates:
        if today - PAST_WINDOW <= d < today + FUTURE_WINDOW:
            return d
    future = [d for d in candidates if d >= today]
    return min(future) if future else None


def infer_day_month(day: int, month: int, today: date) -> date | None:
    """Return "day/month" said on ``today`` as a full date (see PAST_WINDOW)."""
    years = (today.year - 1, today.year, today.year + 1, today.year + 2, today.year + 3)
    return in_window([d for y in years if (d := safe_date(y, month, day))], today)


def infer_month_day(month: int, which: str | None, today: date) -> date:
    """Return the end (or the 5th / 15th for "đầu" / "giữa") of a month named without year."""
    years = (today.year - 1, today.year, today.year + 1)
    found = in_window([month_day(y, month, which) for y in years], today)
    return found or month_day(today.year + 1, month, which)


def month_day(year: int, month: int, which: str | None) -> date:
    if which == "dau":
        return date(year, month, EARLY_DAY)
    if which == "giua":
        return date(year, month, MID_DAY)
    return month_end(year, month)


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def add_months_to(day: date, n: int) -> date:
    y, m = add_months(day.year, day.month, n)
    return date(y, m, min(day.day, month_end(y, m).day))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_weekday(today: date, weekday: int) -> date:
    """Return the next ``weekday`` (0 = Monday) strictly after today."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def end_of_working_week(today: date) -> date:
    """Return this week's Friday; at the weekend "cuối tuần" is today."""
    friday = monday_of(today) + timedelta(days=4)
    return friday if friday >= today else today


def expand_year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


# --- patterns (all on folded text; "#" marks masked document numbers) ----------------------

_Y = r"(?P<y>(?:19|20)\d\d)"
_YEAR_TAIL = rf"(?:\s*,?\s*(?:nam\s+|/\s*|-\s*){_Y})?"
_PRE = r"(?:\b(?P<pre>cuoi|dau|giua|trong|het)\s+)?"

_ISO = re.compile(r"(?<![\w/.#-])(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/#])")
_DMY = re.compile(
    r"(?<![\w/.,#-])(?P<d>[0-3]?\d)\s*(?P<sep>[/.-])\s*(?P<m>[01]?\d)"
    r"(?:\s*(?P=sep)\s*(?P<y>(?:19|20)?\d\d)|\s+nam\s+(?P<y2>(?:19|20)\d\d))?"
    r"(?![\w/#%]|[.,]\d|\s*(?:%|phan tram))"
)
_DAY_MONTH = re.compile(
    r"\b(?:(?:ngay|mung|mong)\s+)?(?P<d>[0-3]?\d)\s+(?:thang|thg)\s*(?P<m>1[0-2]|0?[1-9])\b"
    + _YEAR_TAIL
)
_DAY_ONLY = re.compile(
    r"\b(?:ngay|mung|mong)\s+(?P<d>[0-3]?\d)\b"
    r"(?!\s*(?:[/.-]\s*\d|thang|thg|ngay|hom|tuan|nam\b|gio|h\b|lan|dot|%|phan|lien|nua))"
)
_MONTH = re.compile(
    _PRE
    + r"\b(?:thang|thg)\s*(?P<m>1[0-2]|0?[1-9])\b(?!\s*(?:ngay|tuan|thang|nguoi|[.,]\d))"
    + _YEAR_TAIL
)
_T_MONTH = re.compile(
    r"\b(?:(?P<pre>cuoi|dau|giua|trong|het|den|truoc|han|vao)\s+)?t\.?(?P<n>1[0-2]|0?[1-9])\b"
    r"(?:\s*/\s*(?P<y>(?:19|20)\d\d))?(?!\s*[/.]\s*\d)"
    r"(?:\s*,?\s*(?:tuan\s+)?(?P<w>sau\s+nua|sau|toi|nay))?"
)
_MONTH_YEAR = re.compile(r"(?<![\w/.,#-])(?P<m>1[0-2]|0?[1-9])\s*[/-]\s*(?P<y>(?:19|20)\d\d)\b")
_QUARTER = re.compile(_PRE + r"\b(?:quy\s*(?P<q>iv|iii|ii|i|[1-4])|q(?P<q2>[1-4]))\b" + _YEAR_TAIL)
_HALF = re.compile(
    r"\b(?:(?:6|06|sau)\s+thang\s+(?P<w>dau|cuoi)\s+nam|nua\s+(?P<w2>dau|cuoi)\s+nam)"
    r"(?:\s+nay|\s*(?:/|-)?\s*(?P<y>(?:19|20)\d\d))?"
)
_YEAR = re.compile(r"\b(?:(?P<pre>cuoi|dau|giua|het|trong)\s+)?nam\s+(?P<y>(?:19|20)\d\d)\b")
_REL_YEAR = re.compile(
    _PRE + r"\bnam\s+(?P<w>sau|toi|nay)\b"
    r"|\b(?P<pre2>cuoi|het|giua)\s+nam\b(?!\s*(?:\d|sau|toi|nay|hoc|tai chinh|ngoai))"
)
_REL_QUARTER = re.compile(
    _PRE + r"\bquy\s+(?P<w>sau|toi|nay)\b|\b(?P<pre2>cuoi|het|trong)\s+quy\b(?!\s*(?:i|v|\d))"
)
_REL_MONTH = re.compile(
    _PRE + r"\bthang\s+(?P<w>sau\s+nua|sau|toi|nay)\b"
    r"|\b(?P<pre2>cuoi|dau|giua|trong|het)\s+thang\b(?!\s*(?:\d|sau|toi|nay|truoc|t\d))"
)
_REL_WEEK = re.compile(
    r"\b(?:(?P<pre>cuoi|dau|giua|trong)\s+)?tuan\s+(?P<w>sau\s+nua|sau|toi|nay)\b"
    r"|\b(?P<pre2>cuoi|trong)\s+tuan\b(?!\s*(?:sau|toi|nay|truoc|\d))"
)
_WEEKDAY = re.compile(
    r"\b(?:thu\s*(?P<d>[2-7]|hai|ba|tu|nam|sau|bay)|(?P<cn>chu\s*nhat|cn))\b"
    r"(?:\s*,?\s*(?:tuan\s+)?(?P<w>sau\s+nua|sau|toi|nay))?"
)
# "Sáng nay" is left out: said in a reply it is mostly a morning already past.
_TODAY = re.compile(
    r"(?<!may )(?<!vai )(?<!cac )(?<!nhung )\b(?:ngay\s+)?hom\s+nay\b|\bhnay\b"
    r"|\btrong\s+ngay\b(?!\s*\d)|\b(?:chieu|toi|trua)\s+nay\b"
)
_TOMORROW = re.compile(r"\b(?:(?P<part>ngay|sang|chieu|toi|trua)\s+)?mai\b")
_DAY_AFTER = re.compile(r"\bngay\s+(?:kia|mot)\b|\bmot\b")
_IN_N = re.compile(
    r"\b(?P<n>\d{1,3}|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)\s+"
    r"(?P<u>ngay|hom|tuan|thang)\s+(?:nua|toi)\b"
)
_WORD_MONTH = re.compile(
    r"\b(?:(?:ngay|mung)\s+)?(?P<d>[0-3]?\d)\s+thang\s+"
    r"(?P<mw>muoi\s+mot|muoi\s+hai|mot|gieng|hai|ba|tu|bon|nam|sau|bay|tam|chin|muoi|chap)\b"
    r"(?!\s*(?:ngay|tuan|thang|nguoi|\d))"
    r"(?:\s*,?\s*(?:nam\s+)?(?P<y>(?:19|20)\d\d))?"
)
_EN_MONTHS = (
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|may)"
)
_EN_DATE = re.compile(
    rf"\b(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_EN_MONTHS})\.?"
    rf"|(?P<m2>{_EN_MONTHS})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?)"
    r"(?:,?\s+(?P<y>(?:19|20)\d\d))?(?![\w/])"
)
_EN_RELATIVE = re.compile(
    r"\b(?:tomorrow|day after tomorrow|next\s+(?:monday|tuesday|wednesday|thursday|friday)"
    r"|in\s+\d{1,2}\s+days?)\b"
)

# Words before a number that make it an ordinal or a section number, not a day or weekday.
_ORDINAL_BEFORE = re.compile(
    r"\b(?:lan|dot|buoc|giai doan|phan|muc|nguoi|hang|ky|khoa|nhiem vu|nv|bai|lop|cau|y|tiet"
    r"|vong|dieu|khoan|chuong|tap|so|cap|theo|dung|xep|nam|tuan|dem|version|v)\s*$"
)
_SECTION_BEFORE = re.compile(
    r"\b(?:muc|nv|nhiem vu|stt|viec|dieu|khoan|diem|chuong|phan|buoc|phien ban|version|v)"
    r"\s*(?:so\s*)?$"
)
# A number then one of these is a range or a count ("3-4 ngày", "2/3 số hộ"), not a date.
_UNIT_AFTER = re.compile(
    r"\s*(?:ngay|hom|tuan|thang|nam\b|nguoi|lop|buoi|tin|bai|ho\b(?!\s+tro)|ho so|xa|thon"
    r"|to\b(?!\s+chuc)|cai|chiec"
    r"|may\b|bo\b|phan|lan|dot|gio|h\b|tieng|trieu|ty\b|nghin|ngan|dong|cong viec|khoi luong"
    r"|kl\b|cv\b|so\b|viec|nhiem vu|nv\b|hang muc|chi tieu|don vi|muc\b|can bo|tai khoan|diem)"
)
_NUMBER_BEFORE = re.compile(r"(?:\d|\b(?:mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|vai))\s*$")
_CN_TRIGGER = re.compile(r"\b(?:den|truoc|vao|hen|toi|trong|sang|chieu|ngay)\s*$")
_TOMORROW_NOT = re.compile(r"\b(?:thuong|khuyen|nay|ban|chao)\s*$")
_NAME_TITLE = re.compile(r"\b(?:chi|c|anh|a|em|e|co|ong|ba|dc|d/c|dong chi|ban|chu|bac)\s*$")


def find_dates(folded: str, original: str, today: date) -> list[DateMention]:
    """Return the dates named in ``folded``, earliest first, without overlaps.

    ``folded`` is ``original`` folded character for character (same length, same offsets),
    possibly with spans masked by "#"; ``original`` is used only to tell words apart that
    fold alike ("mai" / "mãi", "thứ tư" / "thứ tự", "Mai" the name).
    """
    found: list[DateMention] = []
    add = found.append

    def word(start: int, end: int) -> str:
        return original[start:end]

    def before(pos: int, width: int = 24) -> str:
        return folded[max(0, pos - width) : pos]

    if "-" in folded:
        for m in _ISO.finditer(folded):
            d = safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
            if d:
                add(DateMention(m.start(), m.end(), d, "explicit"))

    if any(sep in folded for sep in "/.-"):
        for m in _DMY.finditer(folded):
            day, month = int(m["d"]), int(m["m"])
            year = m["y"] or m["y2"]
            if not year and _UNIT_AFTER.match(folded, m.end()):
                continue
            if _SECTION_BEFORE.search(before(m.start())):
                continue
            if m["sep"] == "." and not year and (month > 12 or day > 31):
                continue
            d = (
                safe_date(expand_year(year), month, day)
                if year
                else infer_day_month(day, month, today)
            )
            if d:
                add(DateMention(m.start(), m.end(), d, "explicit"))
        for m in _MONTH_YEAR.finditer(folded):
            add(DateMention(m.start(), m.end(), month_end(int(m["y"]), int(m["m"])), "period"))

    has_thang = "thang" in folded or "thg" in folded
    if has_thang:
        for m in _DAY_MONTH.finditer(folded):
            day, month = int(m["d"]), int(m["m"])
            d = (
                safe_date(int(m["y"]), month, day)
                if m["y"]
                else infer_day_month(day, month, today)
            )
            if d:
                add(DateMention(m.start(), m.end(), d, "explicit"))
        for m in _MONTH.finditer(folded):
            month = int(m["m"])
            which = m["pre"] if m["pre"] in ("dau", "giua") else None
            d = (
                month_day(int(m["y"]), month, which)
                if m["y"]
                else infer_month_day(month, which, today)
            )
            add(DateMention(m.start(), m.end(), d, "period"))
        for m in _WORD_MONTH.finditer(folded):
            word_date = _word_month_date(word(m.start(), m.end()), m, today)
            if word_date:
                add(DateMention(m.start(), m.end(), word_date, "explicit"))
        for m in _REL_MONTH.finditer(folded):
            pre = m["pre"] or m["pre2"]
            if _NUMBER_BEFORE.search(before(m.start(), 8)):
                continue  # "6 tháng sau" is a duration
            add(DateMention(m.start(), m.end(), _relative_month(pre, m["w"], today), "period"))

    if "ngay" in folded or "mung" in folded or "mong" in folded:
        for m in _DAY_ONLY.finditer(folded):
            day = int(m["d"])
            if 1 <= day <= 31:
                d = _day_of_month(day, today)
                if d:
                    add(DateMention(m.start(), m.end(), d, "explicit"))

    if "t" in folded:
        for m in _T_MONTH.finditer(folded):
            n = int(m["n"])
            pre = m["pre"]
            is_month = (
                m["y"] is not None
                or pre in ("cuoi", "dau", "giua", "trong", "het")
                or not 2 <= n <= 7
            )
            if is_month and m["w"] is None:
                which = pre if pre in ("dau", "giua") else None
                d = (
                    month_day(int(m["y"]), n, which)
                    if m["y"]
                    else infer_month_day(n, which, today)
                )
                add(DateMention(m.start(), m.end(), d, "period"))
            elif not is_month:
                add(DateMention(m.start(), m.end(), _weekday(n - 2, m["w"], today), "relative"))

    if "quy" in folded or "q" in folded:
        for m in _QUARTER.finditer(folded):
            if m["q"]:
                at = folded.rfind("quy", m.start(), m.start("q"))
                if word(at, at + 3).lower() == "quỹ":
                    continue  # "quỹ 1": a fund, not a quarter
            q = roman_to_int(m["q"] or "") or int(m["q"] or m["q2"])
            year = int(m["y"]) if m["y"] else None
            d = quarter_end(year, q) if year else _infer_quarter(q, today)
            add(DateMention(m.start(), m.end(), d, "period"))
        for m in _REL_QUARTER.finditer(folded):
            add(DateMention(m.start(), m.end(), _relative_quarter(m["w"], today), "period"))

    if "nam" in folded:
        for m in _HALF.finditer(folded):
            which = m["w"] or m["w2"]
            year = int(m["y"]) if m["y"] else today.year
            add(
                DateMention(
                    m.start(), m.end(), half_end(year, 1 if which == "dau" else 2), "period"
                )
            )
        for m in _YEAR.finditer(folded):
            year = int(m["y"])
            pre = m["pre"]
            d, kind = _year_date(year, pre)
            add(DateMention(m.start(), m.end(), d, kind))
        for m in _REL_YEAR.finditer(folded):
            pre = m["pre"] or m["pre2"]
            w = m["w"]
            year = today.year + (1 if w in ("sau", "toi") else 0)
            d, kind = _year_date(year, pre)
            if w is None or w in ("sau", "toi"):
                kind = "period" if kind == "year" else kind
            add(DateMention(m.start(), m.end(), d, kind))

    if "tuan" in folded:
        for m in _REL_WEEK.finditer(folded):
            add(
                DateMention(
                    m.start(),
                    m.end(),
                    _relative_week(m["pre"] or m["pre2"], m["w"], today),
                    "relative",
                )
            )

    if "thu" in folded or "chu nhat" in folded or "cn" in folded:
        for m in _WEEKDAY.finditer(folded):
            if not _weekday_ok(m, folded, original, before(m.start())):
                continue
            wd = 6 if m["cn"] else WEEKDAY_WORDS[m["d"]]
            add(DateMention(m.start(), m.end(), _weekday(wd, m["w"], today), "relative"))

    if "nay" in folded or "hnay" in folded or "trong ngay" in folded:
        for m in _TODAY.finditer(folded):
            add(DateMention(m.start(), m.end(), today, "relative"))

    if "mai" in folded:
        for m in _TOMORROW.finditer(folded):
            if _tomorrow_ok(m, folded, original, before(m.start())):
                add(DateMention(m.start(), m.end(), today + timedelta(days=1), "relative"))

    if "kia" in folded or "mot" in folded:
        for m in _DAY_AFTER.finditer(folded):
            last = word(m.end() - 3, m.end()).lower()
            # "mốt" only when written so, or "ngay mot" ending a clause; "một" is a number.
            if (
                m.group().endswith("mot")
                and last != "mốt"
                and (m.group() == "mot" or last == "một" or not _at_clause_end(folded, m.end()))
            ):
                continue
            add(DateMention(m.start(), m.end(), today + timedelta(days=2), "relative"))

    if "nua" in folded or "toi" in folded:
        for m in _IN_N.finditer(folded):
            n = int(m["n"]) if m["n"].isdigit() else SMALL_NUMBERS[m["n"]]
            unit = m["u"]
            if n == 0 or n > _MAX_AHEAD[unit]:
                continue
            if unit == "thang":
                d = add_months_to(today, n)
            else:
                d = today + timedelta(days=n * (7 if unit == "tuan" else 1))
            add(DateMention(m.start(), m.end(), d, "relative"))

    if _ascii_letters_hint(folded):
        for m in _EN_DATE.finditer(folded):
            month_text = word(m.start("m1" if m["m1"] else "m2"), m.end("m1" if m["m1"] else "m2"))
            if len(month_text) <= 4 and not month_text[:1].isupper():
                continue  # "may", "sep" (sếp), "dec": English only when capitalised
            ed = _dateparser_date(word(m.start(), m.end()), today, "en", has_year=bool(m["y"]))
            if ed:
                add(DateMention(m.start(), m.end(), ed, "explicit"))
        for m in _EN_RELATIVE.finditer(folded):
            ed = _dateparser_date(m.group(), today, "en", has_year=True)
            if ed:
                add(DateMention(m.start(), m.end(), ed, "relative"))

    return _without_overlaps(found)


# --- helpers -------------------------------------------------------------------------------


def _without_overlaps(found: list[DateMention]) -> list[DateMention]:
    """Keep the earliest mention; at the same start the longer (more specific) one."""
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    kept: list[DateMention] = []
    last_end = -1
    for d in found:
        if d.start >= last_end:
            kept.append(d)
            last_end = d.end
    return kept


_CLAUSE_END = re.compile(r"\s*(?:$|[.,;!?\n]|(?:a|nhe|em|anh|chi|se|xong|gui|nop)\b)")


def _at_clause_end(folded: str, pos: int) -> bool:
    return bool(_CLAUSE_END.match(folded, pos))


def _ascii_letters_hint(folded: str) -> bool:
    # Cheap gate: the English patterns need a month or relative word; most replies have none.
    return bool(_EN_GATE.search(folded))


_EN_GATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|tomorrow|next|in\s+\d)", re.ASCII
)


def _day_of_month(day: int, today: date) -> date | None:
    """Return "ngày 20" as this month's 20th, or next month's when it is already past."""
    this = safe_date(today.year, today.month, day)
    if this and this >= today:
        return this
    for n in (1, 2):
        y, m = add_months(today.year, today.month, n)
        d = safe_date(y, m, day)
        if d:
            return d
    return None


def _infer_quarter(q: int, today: date) -> date:
    years = (today.year - 1, today.year, today.year + 1)
    return in_window([quarter_end(y, q) for y in years], today) or quarter_end(today.year + 1, q)


def _relative_month(pre: str | None, w: str | None, today: date) -> date:
    shift = {"sau": 1, "toi": 1, "sau nua": 2}.get(w or "", 0)
    y, m = add_months(today.year, today.month, shift)
    which = pre if pre in ("dau", "giua") else None
    if w is None and which:
        # Bare "đầu tháng" / "giữa tháng": the next such day.
        d = month_day(y, m, which)
        if d < today:
            y, m = add_months(y, m, 1)
    return month_day(y, m, which)


def _relative_quarter(w: str | None, today: date) -> date:
    q = (today.month - 1) // 3 + 1
    if w in ("sau", "toi"):
        q += 1
    year = today.year + (q - 1) // 4
    return quarter_end(year, (q - 1) % 4 + 1)


def _year_date(year: int, pre: str | None) -> tuple[date, Kind]:
    if pre == "dau":
        return month_end(year, 1), "period"
    if pre == "giua":
        return half_end(year, 1), "period"
    if pre in ("cuoi", "het", "trong"):
        return year_end(year), "period"
    # "năm 2026" / "trong năm 2027": a plan only when the words around say so.
    return year_end(year), "year"


def _relative_week(pre: str | None, w: str | None, today: date) -> date:
    weeks = {"sau": 1, "toi": 1, "sau nua": 2}.get(w or "", 0)
    if weeks == 0:
        if pre == "dau":
            return max(monday_of(today), today)
        if pre == "giua":
            return max(monday_of(today) + timedelta(days=2), today)
        return end_of_working_week(today)
    monday = monday_of(today) + timedelta(days=7 * weeks)
    offset = {"dau": 0, "giua": 2}.get(pre or "", 4)
    return monday + timedelta(days=offset)


def _weekday(wd: int, w: str | None, today: date) -> date:
    if w == "nay":
        return monday_of(today) + timedelta(days=wd)
    if w in ("sau", "sau nua"):
        weeks = 2 if w == "sau nua" else 1
        return monday_of(today) + timedelta(days=7 * weeks + wd)
    return next_weekday(today, wd)


def _weekday_ok(m: re.Match[str], folded: str, original: str, before: str) -> bool:
    if m["cn"]:
        return m["cn"].startswith("chu") or m["w"] is not None or bool(_CN_TRIGGER.search(before))
    if _ORDINAL_BEFORE.search(before):
        return False  # "lần thứ hai", "đợt thứ 3", "theo thứ tự"
    thu = original[m.start() : m.start() + 3].lower()
    if thu not in ("thứ", "thu"):
        return False  # "thư", "thu" with other marks
    d = m["d"]
    if not d.isdigit():
        if re.match(r"\s*(?:\d|uu tien|tu\b)", folded[m.end("d") : m.end("d") + 10]):
            return False  # "thu năm 2026", "thứ tự ưu tiên"
        written = original[m.start("d") : m.end("d")].lower()
        if written != strip_accents(written) and written not in (
            "hai",
            "ba",
            "tư",
            "năm",
            "sáu",
            "bảy",
            "bốn",
        ):
            return False  # "thứ tự"
    return True


def _tomorrow_ok(m: re.Match[str], folded: str, original: str, before: str) -> bool:
    written = original[m.end() - 3 : m.end()]
    if written.lower() != "mai":
        return False  # "mãi", "mại"
    if re.match(r"\s*(?:mot|sau|nay)\b", folded[m.end() : m.end() + 6]):
        return False  # "mai mốt", "mai sau", "mai này": some day
    if m["part"]:
        return True
    if _TOMORROW_NOT.search(before):
        return False  # "thương mại", "khuyến mại", "nay mai"
    # "chị Mai", "đ/c Mai": a name
    return not (written == "Mai" and m.start() > 0 and _NAME_TITLE.search(before))


def _word_month_date(token: str, m: re.Match[str], today: date) -> date | None:
    """Return "15 tháng mười hai" as a date, asking dateparser for the day and month."""
    if m["mw"] == "sau" and not m["y"] and token[m.end("mw") - m.start() - 3 :][:3] != "sáu":
        # "ngày 15 tháng sau" is the 15th of next month, not of June.
        y, mo = add_months(today.year, today.month, 1)
        return safe_date(y, mo, int(m["d"]))
    if m["mw"] in ("gieng", "chap"):
        day_month = (int(m["d"]), _MONTH_WORDS[m["mw"]])
    else:
        # The year goes on separately: dateparser reads "30 tháng sáu năm 2027" as 2026-12-30.
        head = token[: m.end("mw") - m.start()]
        parsed = _dateparser_day_month(head, "vi")
        day_month = parsed or (int(m["d"]), _MONTH_WORDS[m["mw"]])
    day, month = day_month
    if m["y"]:
        return safe_date(int(m["y"]), month, day)
    return infer_day_month(day, month, today)


def _dateparser_date(token: str, today: date, language: str, *, has_year: bool) -> date | None:
    parsed = _dateparser_parse(token, language, today)
    if parsed is None:
        return None
    if has_year:
        return parsed
    return infer_day_month(parsed.day, parsed.month, today)


def _dateparser_day_month(token: str, language: str) -> tuple[int, int] | None:
    # A fixed base: only the day and the month are read, so the cache is shared across days.
    parsed = _dateparser_parse(token, language, date(2001, 1, 1))
    return (parsed.day, parsed.month) if parsed else None


@lru_cache(maxsize=2048)
def _dateparser_parse(token: str, language: str, base: date) -> date | None:
    import dateparser  # imported on first use: it takes a while to load its language data

    settings: Any = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime(base.year, base.month, base.day),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(token, languages=[language], settings=settings)
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None  # a third-party parser on user text: a refusal, never a crash
    return parsed.date() if parsed else None
