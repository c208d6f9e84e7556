"""The plan's own particulars from its text: number, date of issue, issuer and title.

A Vietnamese administrative document opens with a letterhead (the issuing body in capitals,
"Số 07-KH/ĐU", "Dương Kinh, ngày 22 tháng 9 năm 2025") and a title block ("KẾ HOẠCH ...").
Its appendix caption repeats the number, date and issuer ("(Kèm theo Kế hoạch số ..., ngày
22/9/2025 của Ban Thường vụ Đảng ủy Dương Kinh)"), which fills in what the letterhead left
blank. Anything not shown stays None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from plans.vntext import fold

_HEAD_LINES = 60  # the letterhead and title are within the first lines of the document
_NUMBER = re.compile(
    r"\bS[ốố]\s*:?\s*(\d{1,5})\s*([-/])\s*([A-ZĐ]{1,8}(?:\s*[-/]\s*[A-ZĐ0-9]{1,10}){0,3})"
)
_DATED = re.compile(
    r"ngày\s+(\d{1,2})\s*(?:tháng\s+|/|-|\.)\s*(\d{1,2})\s*(?:năm\s+|/|-|\.)\s*((?:19|20)\d\d)",
    re.IGNORECASE,
)
# The place opens its line, or follows the number on the same line ("Số: 24 /KH-UBND Hải Dương,").
_PLACE_DATE = re.compile(
    r"^(?:S[ốố]\b.{0,30}?\s)?[^\W\d_]+(?:\s+[^\W\d_]+){0,4},\s*(ngày)\b", re.IGNORECASE
)
_ANNEX = re.compile(r"^\(?\s*kèm\s+theo\b", re.IGNORECASE)
_ISSUER_HEADS = (
    "uy ban nhan dan",
    "ubnd",
    "dang uy",
    "ban thuong vu",
    "ban chi dao",
    "hoi dong nhan dan",
    "ban chap hanh",
)
_NOT_ISSUER = ("cong hoa", "dang cong san", "doc lap")
_PLACE_HEADS = ("phuong", "xa", "thi tran", "dac khu")
_TITLE_STOP = re.compile(r"^(?:[IVX]+\.|\d+\.|\(|phụ lục|căn cứ|kính gửi)", re.IGNORECASE)
_TITLE_LINES = 5
_TITLE_MAX = 600


@dataclass
class PlanMeta:
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    title: str | None = None

    @property
    def year(self) -> int | None:
        return self.issued_on.year if self.issued_on else None


def _clean(line: str) -> str:
    return " ".join(line.replace("**", "").replace("__", "").split()).strip("* ")


def _is_upper(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _date(match: re.Match[str]) -> date | None:
    day, month, year = (int(match.group(i)) for i in (1, 2, 3))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _annex_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if _ANNEX.search(line) and len(line) < 400]


def find_number(head: list[str], annex: list[str]) -> str | None:
    for line in (*head, *annex):
        match = _NUMBER.search(line)
        if match:
            suffix = re.sub(r"\s+", "", match.group(3))
            return f"{match.group(1)}{match.group(2)}{suffix}"
    return None


def find_date(head: list[str], annex: list[str]) -> date | None:
    for line in head:
        # The place-and-date line: "Dương Kinh, ngày 22 tháng 9 năm 2025".
        place = _PLACE_DATE.search(line)
        if place:
            match = _DATED.match(line, place.start(1))
            if match and _date(match):
                return _date(match)
    for line in annex:
        match = _DATED.search(line)
        if match and _date(match):
            return _date(match)
    return None


def find_issuer(head: list[str], annex: list[str]) -> str | None:
    for i, line in enumerate(head):
        if not _is_upper(line):
            continue
        folded = fold(line)
        cut = min((folded.find(w) for w in _NOT_ISSUER if w in folded[1:]), default=-1)
        if cut > 0:
            line, folded = line[:cut].strip(), folded[:cut].strip()
        if any(folded.startswith(w) for w in _NOT_ISSUER):
            continue
        if not folded.startswith(_ISSUER_HEADS):
            continue
        if folded in ("uy ban nhan dan", "ubnd", "hoi dong nhan dan"):
            # The body's name goes on in the next line: "PHƯỜNG NAM ĐỒNG".
            for nxt in head[i + 1 : i + 3]:
                if _is_upper(nxt) and fold(nxt).startswith(_PLACE_HEADS):
                    return f"{line} {nxt}"
            continue  # "ỦY BAN NHÂN DÂN" alone names no commune
        return line
    for line in annex:
        match = re.search(r"\bcủa\s+([^()]+?)\s*\)?\s*$", line)
        if match:
            return match.group(1).strip(" .;")
    return None


def _stops_title(line: str) -> bool:
    return bool(_TITLE_STOP.match(line))


def find_title(head: list[str]) -> str | None:
    """Return the "KẾ HOẠCH ..." heading and its subject, joined on one line.

    The subject is the sentence under the heading; its wrapped lines start in lower case, so a
    line that starts with a capital, a bracket or a numbered heading begins the body.
    """
    for i, line in enumerate(head):
        if not (_is_upper(line) and fold(line).startswith("ke hoach")):
            continue
        parts = [line]
        j = i + 1
        while j < len(head) and head[j] and _is_upper(head[j]) and not _stops_title(head[j]):
            parts.append(head[j])
            j += 1
        while j < len(head) and not head[j]:
            j += 1
        subject: list[str] = []
        while j < len(head) and len(subject) < _TITLE_LINES:
            text = head[j]
            if not text:
                # A blank line inside a wrapped subject (PDF dumps): go on only mid-sentence.
                if subject and j + 1 < len(head) and head[j + 1][:1].islower():
                    j += 1
                    continue
                break
            if _stops_title(text) or (subject and not text[:1].islower()):
                break
            subject.append(text)
            j += 1
        title = " ".join(parts + subject)
        return title if len(title) <= _TITLE_MAX else " ".join(parts)
    return None


def extract_metadata(text: str) -> PlanMeta:
    """Return the number, date, issuer and title the text shows."""
    lines = [_clean(line) for line in unicodedata.normalize("NFC", text).splitlines()]
    head: list[str] = []
    for line in lines:
        if len(head) >= _HEAD_LINES:
            break
        if line or (head and head[-1]):
            head.append(line)
    annex = _annex_lines(lines)
    return PlanMeta(
        number=find_number(head, annex),
        issued_on=find_date(head, annex),
        issuer=find_issuer(head, annex),
        title=find_title(head),
    )
