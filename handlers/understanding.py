"""Understanding of an official's free-text reply: status, percent, blocker, dates, KPI value.

Officials answer a reminder the way they would answer a colleague, on a phone, often without
diacritics and with abbreviations ("xong r", "ko vuong mac gi", "dang th 70%", "xin gia han
den 30/6"). ``understand`` turns such a reply into an ``Understanding``. The reporting handler
shows it back with buttons to confirm or fix before anything is stored, so when the words do
not say something this module leaves the field empty rather than guess.

How: the reply is cleaned (quoted lines, markup and emoji dropped, at most ``MAX_CHARS``
analysed) and folded character for character, so a match on the folded text points at the
same span of the original and a blocker comes back as written, with its diacritics.
Abbreviations are alternatives inside the patterns rather than expanded, for the same reason.
Document numbers ("45/KH-UBND", "57-NQ/TW", "Quyết định số 12") and phone numbers are masked
before any number is read. Words around a cue decide what it means: "chưa" / "không" before
it negate it, "sẽ" / "dự kiến" make it a plan, "đang" / "gần" make it work in progress.

Decisions where the wording leaves a choice (pinned by tests/handlers/test_understanding.py):
- "chưa xong" / "chưa hoàn thành" with nothing else is in_progress: "not finished yet" is
  what one says of work under way; "chưa làm" / "chưa triển khai" is not_started. A bare
  "rồi" / "dạ rồi ạ" (answering "xong chưa?") is done and a bare "chưa ạ" is in_progress.
- A blocker makes the status blocked, unless the text also says work goes on ("đang ...",
  "đã triển khai", a percent under 100), then in_progress; a reason given for not starting
  ("chưa làm được vì ...") is blocked; a done task keeps done and its blocker text (a report
  of difficulties met on the way).
- Done together with ongoing work ("đang làm phần 2, đã xong phần 1") or with a plan to
  finish the rest ("dự kiến tuần sau xong phần còn lại") is in_progress; done with a percent
  under 100 ("hoàn thành 80%") is in_progress; 100% is done, 0% not_started. "Đã trình" is
  not done (submitted, not yet issued). A lone ✅ is done.
- "cơ bản hoàn thành" / "gần xong" / "sắp xong" are in_progress with no percent. "sẽ xong",
  "dự kiến hoàn thành 15/12" are in_progress (a plan for finishing means work under way)
  unless something says it has not started.
- An extension request alone sets no status. Questions ("xong chưa?", "... phải không ạ?")
  set nothing, except that an extension asked as a question is still a request.
- "sáng nay" is not read as a date (in a reply it is mostly a morning already past); "hạn
  30/11" restates the deadline and only counts as a future date, while "hẹn 30/11" is a plan.
- "n/d" is a fraction when "được / đạt / khoảng / tầm / xong / tiến độ ..." comes before it
  and d <= 10, or when a unit of work follows ("2/3 khối lượng", "15/20 hồ sơ"); a date
  when "ngày / đến / trước / hạn / hẹn ..." comes before it; written alone it is a date.
- A day and month without a year fall in [today - 31 days, today + 334 days) (see
  handlers.dates): past by more than a month means next year.
- "đầu tháng" is the 5th, "giữa tháng" the 15th, "đầu năm" 31 January; "tuần sau" is the
  Friday of next week, "cuối tuần" this Friday (today at a weekend), "thứ 2" the next Monday
  after today. Holidays do not move these dates (the reminder planner knows the calendar).
- Which date is the expected one: a date after an extension request, then one after a plan
  word ("dự kiến", "sẽ", "trước", "đến", "hẹn", "trong" ...), then any future date that is
  not a date of issue and not something done ("đã gửi ngày 10/11"). A bare "năm 2026" is
  context, never a plan; "trong năm 2027" is.
- "xin thêm 1 tuần" is an extension with no date (a week from which deadline is not said).
- A percent read as a KPI figure is not progress: with ``expects_value`` (the task is an
  indicator) "đạt 85%" or a bare "85%" is the value and only explicit progress ("hoàn thành
  70%", "70% khối lượng") is the percent; without it "đạt 85%" is progress and only a figure
  after an indicator noun ("tỷ lệ ... đạt 92,5%", "số hồ sơ đạt 1.250") is a value.
- "70-80%" is 70 (the lower bound); "còn 30%" (remaining) is 70.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Literal

from handlers.dates import DateMention, find_dates
from plans.vntext import nfc, strip_accents

Status = Literal["done", "in_progress", "not_started", "blocked"]

# Only the first MAX_CHARS characters of a reply are analysed: a progress report fits in far
# less, and every pattern below then runs on a bounded string whatever is pasted (a
# 10,000-line forward, a whole plan). _RAW_CAP bounds the cleaning that comes before.
MAX_CHARS = 2000
_RAW_CAP = 100_000
MAX_BLOCKER = 300


@dataclass(frozen=True, slots=True)
class Understanding:
    """What a reply says about a task; None / False / () where it says nothing."""

    status: Status | None = None
    percent: float | None = None
    blocker: str | None = None
    expected_date: date | None = None
    extension: bool = False
    value: str | None = None
    task_refs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """Return the contract dict shared with the CLI and the benchmark."""
        return {
            "status": self.status,
            "percent": self.percent,
            "blocker": self.blocker,
            "expected_date": self.expected_date.isoformat() if self.expected_date else None,
            "extension": self.extension,
        }


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- cleaning and folding ------------------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,60}>")
_MARKUP = re.compile(r"[*_`~]+")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe00-\ufe0f\u200b-\u200f"
    "\u2060-\u2064\U000e0000-\U000e007f]"
)
_DONE_MARK = re.compile("[\u2705\u2714\u2611]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_FRACTION_SLASH = str.maketrans({"\u2044": "/", "\u2215": "/"})


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in chain(range(0x41, 0x5B), range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        ch = chr(cp)
        folded = strip_accents(ch).lower()
        if len(folded) == 1 and folded != ch:
            table[cp] = folded
    return table


_FOLD = _fold_table()


def fold_same_length(text: str) -> str:
    """Fold like ``plans.vntext.fold`` but one character for one, so offsets carry over."""
    folded = text.translate(_FOLD)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


def clean(text: str) -> tuple[str, bool]:
    """Return the reply as analysed (NFC, one space, lines kept) and whether it had a ✅.

    Lines quoted from an earlier message (Telegram / Zalo "> ..." quotes) are dropped: they
    repeat the reminder, with its deadline, not the official's answer.
    """
    lines: list[str] = []
    total = 0
    done_mark = False
    for raw in text[:_RAW_CAP].splitlines():
        if raw.lstrip().startswith((">", "»")):
            continue
        line = raw[: MAX_CHARS + 200]
        if "&" in line:
            line = html.unescape(line)
        if "<" in line:
            line = _TAG.sub(" ", line)
        if _DONE_MARK.search(line):
            done_mark = True
        line = _EMOJI.sub(" ", line)
        line = _MARKUP.sub(" ", _CONTROL.sub(" ", line))
        line = nfc(unicodedata.normalize("NFKC", line).translate(_FRACTION_SLASH))
        line = _COMBINING.sub("", line)
        if line:
            lines.append(line)
            total += len(line) + 1
            if total >= MAX_CHARS:
                break
    return "\n".join(lines)[:MAX_CHARS], done_mark


_MASKS = (
    # 45/KH-UBND, 12/QĐ-UBND, 01/2025/TT-BTTTT, 256/UBND-VHXH
    re.compile(r"\b\d{1,6}\s*/\s*(?:\d{2,4}\s*/\s*)?[a-z][a-z0-9]*(?:[-/][a-z0-9]+)*"),
    # 57-NQ/TW, 05-CT/TU
    re.compile(r"\b\d{1,4}\s*-\s*[a-z]{1,8}(?:/[a-z]{1,10})+"),
    # phone numbers: 0912 345 678, 0912.345.678, +84 912345678
    re.compile(r"(?<![\d#])(?:\+\s?84|84|0)(?:[\s.-]?\d){8,10}(?!\d)"),
    re.compile(r"\d{7,}"),
)
# "Quyết định 1234", "Kế hoạch số 45", "NQ57", "báo cáo số 15": the number names a document.
_DOC_TYPE_NUMBER = re.compile(
    r"\b(?:nghi quyet|quyet dinh|ke hoach|cong van|thong tu|nghi dinh|chi thi|thong bao"
    r"|to trinh|huong dan|van ban|qd|kh|nq|nd|tt|tb|ct|vb|hd|(?:bao cao|bc|cv)\s+so)"
    r"\s*(?:so\s*)?(?P<n>\d{1,6})\b(?!\s*(?:%|phan tram)|[.,/]\d)"
)


def _mask(folded: str) -> str:
    chars: list[str] | None = None
    for pattern in _MASKS:
        for m in pattern.finditer(folded):
            chars = chars or list(folded)
            chars[m.start() : m.end()] = "#" * (m.end() - m.start())
    for m in _DOC_TYPE_NUMBER.finditer(folded):
        chars = chars or list(folded)
        chars[m.start("n") : m.end("n")] = "#" * (m.end("n") - m.start("n"))
    return "".join(chars) if chars else folded


# --- the text being read -------------------------------------------------------------------

_SENTENCE_SEP = re.compile(r"[;!?\n]|\.(?=\s|$)|\.{2,}")
_SUBCLAUSE_SEP = re.compile(r"[,;!?\n]|\.(?=\s|$)|\.{2,}")
_WORD = re.compile(r"\S+")
_QUESTION_WORDS = re.compile(
    r"\b(?:la gi|lam gi|nhu the nao|the nao|ra sao|lam sao|bao gio|khi nao|o dau|bao nhieu"
    r"|tai sao|vi sao|phai khong|phai ko|co phai|duoc khong|duoc ko|dc ko|dc khong|dc k"
    r"|duoc k|hay khong|hay chua|what|how|when|why|which)\b"
)
_ENDS_LIKE_QUESTION = re.compile(r"\b(?:khong|ko|k|chua)\s*(?:a|ah|anh|chi|nhi|vay|nhe|the)?\s*$")


class _Reply:
    """The original text, its folded and masked twin, and where sentences and questions are."""

    def __init__(self, original: str) -> None:
        self.o = original
        self.f = _mask(fold_same_length(original))
        self.sentence_bounds = [m.start() for m in _SENTENCE_SEP.finditer(self.f)]
        self.clause_bounds = [m.start() for m in _SUBCLAUSE_SEP.finditer(self.f)]
        self.questions = self._question_spans()

    def sentence_start(self, pos: int) -> int:
        i = bisect_right(self.sentence_bounds, pos - 1)
        return self.sentence_bounds[i - 1] + 1 if i else 0

    def sentence_end(self, pos: int) -> int:
        i = bisect_right(self.sentence_bounds, pos)
        return self.sentence_bounds[i] if i < len(self.sentence_bounds) else len(self.f)

    def clause_start(self, pos: int) -> int:
        i = bisect_right(self.clause_bounds, pos - 1)
        return self.clause_bounds[i - 1] + 1 if i else 0

    def in_question(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.questions)

    def tail(
        self, pos: int, words: int = 4, width: int = 48, *, clause: bool = False
    ) -> tuple[int, str]:
        """Return (offset, text) of the last ``words`` words before pos in its sentence.

        With ``clause``, in its comma-separated clause only.
        """
        start = self.clause_start(pos) if clause else self.sentence_start(pos)
        lo = max(start, pos - width)
        seg = self.f[lo:pos]
        found = list(_WORD.finditer(seg))
        cut = found[-words].start() if len(found) > words else (found[0].start() if found else 0)
        return lo + cut, seg[cut:]

    def word_at(self, start: int, end: int) -> str:
        return self.o[start:end].lower()

    def _question_spans(self) -> list[tuple[int, int]]:
        if "?" not in self.f and not _QUESTION_WORDS.search(self.f) and " co " not in self.f:
            return []
        spans = []
        start = 0
        bounds = [(m.start(), m.group()) for m in _SUBCLAUSE_SEP.finditer(self.f)]
        for end, sep in [*bounds, (len(self.f), "")]:
            part = self.f[start:end]
            if (
                sep == "?"
                or _QUESTION_WORDS.search(part)
                or (" co " in f" {part} " and _ENDS_LIKE_QUESTION.search(part))
            ):
                spans.append((start, end))
            start = end + 1
        return spans


# --- cues ----------------------------------------------------------------------------------

# The word nearest before a cue decides what the cue means.
_CUE_CONTEXT = re.compile(
    r"\b(?:(?P<neg>chua|chx|khong|ko|k|kg|khg|hok|hong|chang|not|never)"
    r"|(?P<near>gan|sap|co ban|hau nhu|almost|nearly|nua la|nua thi|nua moi)"
    r"|(?P<fut>se|du kien|dk|du tinh|phan dau|co gang|hy vong|hi vong|mong|ke hoach|de|nham"
    r"|truoc khi|den khi|tien toi|chac chan|phai|muon|chuan bi|dam bao|bao dam|co the|will"
    r"|han|thoi han|muc tieu|yeu cau|de nghi|chi dao|ty le|ti le|tinh hinh|ket qua|bao gio"
    r"|khi nao|lich|neu|khi|sau khi|cho den)"
    r"|(?P<dang>dang|dg)"
    r"|(?P<past>da|vua|moi))\b"
)

_DONE = re.compile(
    r"(?<![-/])\b(?:hoan\s*thanh|hoan tat|ht|xong|xog|done|finished|completed|complete)\b(?![-/])"
)
_DONE_QUESTION_AFTER = re.compile(
    r"\s*(?:chua|hay chua|hay khong|chx|khong|ko|k)\s*(?:a|ah|anh|chi|em|vay|nhi|nhe|the|ha)?"
    r"\s*(?:$|[?.,;!\n])"
)
# "giải quyết xong vướng mắc": finished with the blocker, not with the task.
_DONE_NOT_TASK_AFTER = re.compile(r"\s*(?:cac\s+)?(?:vuong mac|kho khan|tro ngai)\b")
_PERCENT_AFTER = re.compile(
    r"\s*(?:(?:duoc|dc|khoang|tam|gan|hon|dat|tren|duoi|~|:|=)\s*){0,4}"
    r"(?:\d{1,3}(?:[.,]\d+)?\s*(?:%|phan tram)|\d{1,3}\s*/\s*\d{1,3}(?!\s*/)|(?:mot|1) nua"
    r"|(?:mot|hai|ba)\s+phan\s+(?:hai|ba|tu|bon|muoi))"
)
_PARTIAL_AFTER = re.compile(
    r"\s*(?:duoc\s+|dc\s+)?(?:phan(?!\s+(?:viec|cua|duoc giao|minh))|buoc|giai doan|dot"
    r"|hang muc|ban du thao|du thao|khau|so bo|mot phan|mot so|1 phan|1 so|mot vai|vong)\b"
)
_DATE_GAP = re.compile(
    r"\s*(?:(?:truoc|trong|vao|den|toi|cham nhat|muon nhat|khoang|tam|ngay|luc|dip|la|:)\s*)"
    r"{0,4}$"
)
_DONE_VERB = re.compile(
    r"\b(?:da|vua|moi)\s+(?:gui|nop|ban hanh|ky|phe duyet|to chuc|cap nhat|nhap"
    r"|bao cao|bc|dang tai|hoan tat|upload|submit|phat hanh|thuc hien xong|lam xong)\b"
)
_VERB_ROI = re.compile(
    r"\b(?P<v>gui|nop|trinh|lam|bao cao|bc|ban hanh|ky|cap nhat|nhap|to chuc|trien khai"
    r"|thuc hien|bat dau)\s+(?:[a-z]+\s+){0,3}?(?:roi|r)\b"
)
_DANG = re.compile(r"\b(?P<d>dang|dg)\s+(?P<w>[a-z]+)")
# "đang" + these is a blocker or not about the task ("Đảng ủy", "đăng ký", "đáng kể").
_DANG_NOT_PROGRESS = _words(
    "cho doi vuong gap bi thieu tam dung ket tac kho can xin treo loi hop ban di nghi "
    "om o tren phep"
)
_DANG_UNACCENTED_NOT = _words("uy u vien bo doan cong ky phi ta toan tai tin bai ke lo chu nhap")
_DATA_ENTRY = re.compile(r"\s+(?:du\s+|so\s+)?lieu\b")
_DA_PROGRESS = re.compile(
    r"\b(?:da|vua|moi)\s+(?:duoc\s+|dc\s+)?(?:trien khai|bat dau|khoi dong|tien hanh"
    r"|thuc hien|xay dung|soan|soan thao|du thao|co du thao|phoi hop|tong hop|ra soat"
    r"|thu thap|khao sat|lap|hoan thien|trinh)\b"
)
_START = re.compile(
    r"\b(?:bat dau|khoi dong|tiep tuc|khoi cong|(?:lam|trien khai|thuc hien) tiep)\b"
)
_PARTIAL_WORK = re.compile(
    r"\b(?:duoc|dc|xong|hoan thanh|ht)\s+(?:mot phan|1 phan|phan lon|mot so|1 so|mot vai"
    r"|nhieu phan)\b"
)
_EN_PROGRESS = re.compile(
    r"\b(?:in progress|inprogress|on going|ongoing|doing|wip|processing|working on)\b"
)
_BEHIND = re.compile(
    r"\b(?:cham tien do|tre tien do|bi cham|bi tre|dang cham|qua han|tre han|cham so voi)\b"
)
_NOT_STARTED = re.compile(
    r"\b(?:chua|chx|not yet|van chua|con chua)\s+(?:duoc\s+|dc\s+|co\s+)?"
    r"(?:trien khai|thuc hien|th|lam|bat dau|tien hanh|to chuc|khoi dong|dong den|dong toi"
    r"|dung den|bat tay(?: vao)?|xay dung|co ke hoach|ke hoach|started|start)\b"
    r"(?!\s+(?:xong|het|hoan thanh|ht|xog)\b|\s+(?:duoc|dc)\s+(?:\d|mot|nhieu|phan|het))"
)
_NOT_STARTED_PLAN = re.compile(
    r"\b(?:se|sap|du kien|dk|chuan bi|moi chuan bi)\s+(?:trien khai|thuc hien|bat dau|to chuc"
    r"|khoi dong|lam|tien hanh)\b"
)
_NOT_STARTED_EN = re.compile(r"\bnot\s+(?:yet\s+)?started\b")
_CANNOT = re.compile(
    r"\b(?:khong|ko|k|chua)\s+the\s+(?:trien khai|thuc hien|lam|tien hanh)\b"
    r"|\b(?:khong|ko|k)\s+(?:trien khai|thuc hien|lam|tien hanh)\s+(?:duoc|dc)\b"
)
_DOUBLE_NEGATION = re.compile(r"\b(?:khong|ko|k|chang)\s+phai(?:\s+la)?\s*$")
_BARE_DONE = re.compile(
    r"(?:(?:da|vang|u|uh|ok|oke|okay|em|e|anh|a|chi|c|minh|toi|thua|bao cao)\s+)*"
    r"(?:da\s+)?(?:roi|r)(?:\s+(?:a|ah|ak|anh|chi|nhe|nha|em|luon|do|a))*"
)
_BARE_NOT_YET = re.compile(
    r"(?:(?:da|vang|thua|em|e|anh|chi|bao cao)\s+)*(?:van\s+|con\s+)?(?:chua|chx)"
    r"(?:\s+(?:a|ah|ak|anh|chi|nhe|em|duoc|dc|het))*"
)
_NON_WORD = re.compile(r"[^a-z0-9]+")

# --- blockers ------------------------------------------------------------------------------

_BLOCK_LABEL = re.compile(
    r"\b(?P<core>kho khan|vuong mac|vuong|tro ngai|bat cap|blocked by|blocked|blocker|stuck"
    r"|(?:bi|dang|van)\s+(?:ket|tac)|(?:ton tai|han che)(?=\s*(?::|-|la\b))"
    r"|(?:ly do|nguyen nhan)(?=\s*(?::|-|la\b|do\b|vi\b)))\b"
)
_BLOCK_DELAY = re.compile(
    r"\b(?:bi\s+)?(?:cham|tre|muon)\s+(?:(?:tien do|han|so voi ke hoach|so voi tien do"
    r"|mot chut|mot it|nhieu|la)\s+){0,2}(?P<core>do|vi|boi|tai|la do|vi ly do|do ly do"
    r"|because)\b"
)
_BLOCK_REASON = re.compile(
    r"\b(?:chua|khong|ko|k|chx)\s+(?:the\s+)?(?:(?:lam|thuc hien|th|trien khai|hoan thanh|ht"
    r"|xong|tien hanh|to chuc|bat dau|nop|gui|bao cao|bc|dat|kip|duoc|dc|het)\s+){1,3}"
    r"(?:la\s+)?(?P<core>do|vi|boi|tai|vi ly do|do ly do|la do|because)\b"
)
_BLOCK_CONTENT = re.compile(
    r"\b(?P<core>(?:chua|khong|ko|k|chx)\s+(?:co|du|duoc|dc)\s+"
    r"(?:(?:cap|phan bo|bo tri|bo sung|giao|ho tro)\s+)?(?:kinh phi|ngan sach|von"
    r"|huong dan|van ban huong dan|chi dao|y kien|nhan luc|nhan su|can bo|nguoi|may tinh|may"
    r"|thiet bi|trang thiet bi|phan mem|tai khoan|du lieu|so lieu|mat bang|dia diem"
    r"|co so vat chat|ha tang|duong truyen|mang|internet|quyet dinh|phe duyet|bien che"
    r"|kinh nghiem|thong tin|tai lieu|bieu mau|mau|chu ky so)"
    r"|(?:chua|khong|ko)\s+(?:duoc|dc)\s+(?:cap|phe duyet|duyet|bo tri|phan bo|giao|huong dan"
    r"|tap huan|bo sung|ho tro|ky)"
    r"|(?<!toi )(?:thieu|het)\s+(?:kinh phi|ngan sach|von|nhan luc|nhan su|can bo|nguoi|may"
    r"|thiet bi|trang thiet bi|tai lieu|du lieu|so lieu|thoi gian|huong dan|co so vat chat"
    r"|mat bang|kinh nghiem|chuyen mon|ky nang|phan mem|tai khoan)"
    r"|(?:loi|mat)\s+(?:he thong|phan mem|mang|ket noi|dien|du lieu|internet|duong truyen)"
    r"|(?:he thong|phan mem|may chu|mang|duong truyen|website|cong dich vu)\s+(?:bi\s+)?"
    r"(?:loi|hong|treo|sap|gian doan|cham)"
    r"|(?:bi\s+)?tam dung|(?:bi\s+)?dung lai)\b"
)
# "Do sáp nhập xã nên chưa triển khai", "cán bộ nghỉ sinh nên chậm tiến độ": the cause first.
_BLOCK_CAUSE = re.compile(
    r"(?<![a-z])(?:do|vi|boi vi|tai vi|boi)\s+(?P<text>[^,.;!?\n]{2,120}?)\s+nen\s+"
    r"(?:(?:bi|van|con|xa|em|don vi|phong)\s+)?(?:cham|chua|tre|khong|ko|k|bi|phai|tam)\b"
)
_SO_BEHIND = re.compile(r"\s+nen\s+(?:bi\s+|van\s+|con\s+)?(?:cham|tre)\b")
_BLOCK_WAIT = re.compile(r"\b(?P<core>cho(?:\s+doi)?|doi)\s+(?=[a-z])")
_WAIT_BEFORE = re.compile(r"\b(?:dang|van|con|phai|hien)\s*$")
_BLOCK_NEG_BEFORE = re.compile(
    r"\b(?:khong|ko|k|kg|khg|hok|hong|chua|chang|het|not|no|(?:da\s+)?(?:thao go|giai quyet"
    r"|xu ly|khac phuc)(?:\s+(?:xong|het|duoc|dc))?)\s+"
    r"(?:(?:co|gap|bi|phat sinh|thay|con|gi|phai|la|kho khan|vuong mac|vuong|tro ngai|va|hay"
    r"|hoac|,|/)\s*){0,6}$"
)
_BLOCK_CONDITION_BEFORE = re.compile(r"\b(?:neu|truong hop|phong khi|if|co gi)\b[^.;!?\n]{0,30}$")
_AFTER_LABEL_NONE = re.compile(
    r"(?:\s|[:\-,./]|\b(?:gi|thi|la|hien|hien tai|va|kho khan|vuong mac|tro ngai)\b){0,12}"
    r"(?:khong co gi|ko co gi|chua co gi|khong co|ko co|chua phat sinh|khong phat sinh|khong"
    r"|ko|k|none|no|0)\s*(?:gi|a|ah|nhe|ca|het)?\s*(?:$|[.;,!?\n])"
)
_LABEL_LEAD = re.compile(
    r"(?:\s|[:\-,.()]|\b(?:la|do|vi|ve|boi|o|tai|trong|chu yeu|chinh|cu the|nhu sau|gi"
    r"|hien nay|hien tai|hien|phat sinh|gap phai|lon nhat|voi|of|is|by|on|ve viec"
    r"|trong viec|khi)\b){0,16}"
)
_BLOCK_CUT = re.compile(
    r",\s*(?=(?:du kien|dk|xin|de nghi|kien nghi|de xuat|em|e|anh|chi|toi|minh|chung em|se"
    r"|nhung|tuy nhien|hien|mong|rat mong|kinh|con|vi vay|do do|nen|khi|neu|da|dang|tien do"
    r"|phan|hen|dam bao|cam on|thanks)\b)"
    r"|\s+(?=(?:nen(?!\s+(?:tang|kinh))|nhung|tuy nhien|do do|vi vay|vi the|cho nen|de nghi"
    r"|kien nghi|xin|mong|rat mong|kinh mong|du kien|dk|em se|em xin|se|hen|nho anh"
    r"|nho chi)\b)"
    r"|\s-\s"
)
_TRAIL_CHARS = " \t\n.,;:!?)(-"
_TRAIL_WORD = re.compile(r"\s(?:a|ah|ak|nhe|nha|anh|chi|oi|luon|roi|r|em|vay|day|ca)$")

# --- extension -----------------------------------------------------------------------------

_EXTENSION = re.compile(
    r"\b(?:gia\s*han|gia hn"
    r"|lui\s+(?:lai\s+)?(?:thoi\s+)?(?:han|gian|tien do|sang|den|toi|ngay)"
    r"|(?:dieu chinh|keo dai|doi|hoan|gian)\s+(?:lai\s+)?(?:thoi\s+)?(?:han|gian|tien do)"
    r"|(?:xin|can|cho\s+(?:em|e|toi|minh|chung em|don vi)|de nghi|xin phep)\s+(?:them\s+)?"
    r"(?:thoi gian|\d{1,2}\s+(?:ngay|tuan|thang)|(?:mot|hai|ba|bon|nam|vai)\s+(?:ngay|tuan|thang))"
    r"|them\s+thoi\s+gian|khat|extension|extend|more time)\b"
)
_EXTENSION_NEG_BEFORE = re.compile(
    r"\b(?:khong|ko|k|chua|chang)\s+(?:(?:can|xin|phai|de nghi|co|muon)\s+)*$"
    r"|\bda\s+(?:duoc|dc)\s+$"
)

# --- percent, fractions, values ------------------------------------------------------------

_PERCENT = re.compile(
    r"(?<![\w.,/#])(?P<n>\d{1,3}(?:[.,]\d{1,2})?)\s*(?:%|(?:phan\s*tram|percent)\b)"
)
_PERCENT_RANGE = re.compile(
    r"(?<![\w.,/#])(?P<a>\d{1,3})\s*%?\s*(?:-|den|toi|~)\s*(?P<b>\d{1,3})\s*"
    r"(?:%|(?:phan\s*tram)\b)"
)
# "linh" / "lẻ" are matched (and refused) so that "một trăm linh năm phần trăm" is not 5%.
_NUMBER_WORD = r"(?:mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi|chuc|tram|linh|le)"
_PERCENT_WORDS = re.compile(rf"\b(?P<w>(?:{_NUMBER_WORD}\s+){{1,5}})phan\s*tram\b")
_FRACTION_WORDS = re.compile(
    r"\b(?P<n>mot|hai|ba|bon)\s+phan\s+(?P<d>hai|ba|tu|bon|muoi)\b"
    r"(?!\s*(?:\d|nay|sau|toi|truoc|nua|tram))"
)
_HALF = re.compile(r"\bnua\b")
_HALF_BEFORE = _words("mot 1 duoc dc dat khoang tam xong hon gan qua non chung ht thanh lam")
_HALF_NOT_AFTER = re.compile(
    r"\s+(?:thang|nam|tuan|ngay|dau|cuoi|gio|buoi|thoi|ky|quy|con|kia|sau|dem|so|la)\b"
)
_THOUSANDS = r"\d{1,3}(?:[.,]\d{3})+|\d{1,5}"
_FRACTION = re.compile(
    rf"(?<![\w.,/#-])(?P<n>{_THOUSANDS})\s*/\s*(?P<d>{_THOUSANDS})"
    r"(?![\d/#]|[.,]\d|\s*/\s*\d)"
)
_FRACTION_DATE_BEFORE = re.compile(
    r"\b(?:ngay|den|truoc|han|toi|hen|vao|tu|sau|trong|het|du kien|dk|cham nhat|muon nhat"
    r"|hom|thu|tuan|mung|by|tu ngay|lui|sang)\s*$"
)
_DAY_BEFORE = re.compile(r"\b(?:ngay|hom|mung|thu)\s*$")
_FRACTION_QTY_BEFORE = re.compile(
    r"(?:\b(?:duoc|dc|dat|khoang|tam|chung|hon|gan|xong|hoan thanh|ht|lam|trien khai"
    r"|thuc hien|len|con|tien do|progress|xu ly)|[~=:])\s*$"
)
_WORK_NOUN_AFTER = re.compile(
    r"\s*(?:cong viec|khoi luong|kl|cv|viec|nhiem vu|nv|phan|hang muc|chi tieu|ho so"
    r"|ho\b(?!\s+tro)|thon|to\b(?!\s+chuc)|xa|phuong|don vi|lop|buoi|muc|so\b|can bo|nguoi"
    r"|tai khoan|diem|co quan|khu|tin|bai|van ban|vb|ke hoach)"
)
_WORK_UNIT = re.compile(r"(?:nhiem vu|hang muc|chi tieu|cong trinh|du an)\b")
_PERCENT_CONTEXT = re.compile(
    r"\b(?:(?P<neg>chua|khong|ko|k|chx)"
    r"|(?P<target>du kien|dk|se|phan dau|muc tieu|ke hoach|chi tieu|target|yeu cau|can dat"
    r"|phai dat|toi thieu|it nhat|tang|giam|tu|so voi)"
    r"|(?P<remain>con|con lai|con thieu|con khoang)"
    r"|(?P<prog>hoan thanh|ht|tien do|trien khai|thuc hien|lam|xong|khoi luong|progress|done"
    r"|complete|completed|da)"
    r"|(?P<gen>duoc|dc|dat|khoang|tam|len|gan|toi|den|chung|xap xi|hien|nay|hon))\b"
)
_NEGATED_FIGURE = re.compile(r"\b(?:chua|khong|ko|k|chx)\s+(?:[a-z]+\s+){0,2}$")
_PROGRESS_NOUN_AFTER = re.compile(
    r"\s*(?:cong viec|khoi luong|kl\b|cv\b|ke hoach|tien do|nhiem vu|viec|chi tieu|so viec)"
)
_INDICATOR = re.compile(
    r"\b(?:ty le|ti le|chi tieu|so luong|tong so|kpi|muc do|so ho so|so nguoi|so ho|so luot"
    r"|so tai khoan|so thue bao|so xa|so thon|so don vi|so doanh nghiep|so hoc sinh"
    r"|bao phu|so lieu)\b"
)
_VALUE_LEAD = re.compile(
    r"(?:\b(?:dat|la|duoc|dc|tong|tong cong|gom|co|cap|xu ly|tiep nhan|len|toi|khoang)|[:=])"
    r"\s*$"
)
_COUNT = re.compile(
    r"(?<![\w.,/#-])(?P<n>\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d{1,6}(?:[.,]\d{1,2})?)"
    r"(?![\w/%#]|[.,]\d|\s*-\s*\d|\s+nua\b)"
)
# A number after these names a part, a level or a time, not a figure of the indicator.
_NOT_FIGURE_BEFORE = re.compile(
    r"\b(?:phan|muc|buoc|dot|giai doan|lan|thu|lop|khoa|do|level|phien ban|version|tuan"
    r"|quy|thang|nam|ngay|(?<!tong )so|nv|nhiem vu|viec|stt|dieu|khoan|diem|chuong|thon|to|khu"
    r"|ap)\s*$"
)
_TIME_UNIT_AFTER = re.compile(r"\s*(?:ngay|hom|tuan|thang|nam\b|gio|phut|h\b|tieng|lan|dot|quy)\b")
# Units a KPI figure is counted in, longest first when matched.
_UNITS = (
    "ho so truc tuyen|ho so|ho gia dinh|ho ngheo|ho|nguoi dan|nguoi|can bo cong chuc|"
    "can bo|cong chuc|tin bai|tin|bai viet|bai|lop tap huan|lop|luot truy cap|luot|"
    "tai khoan dinh danh|tai khoan|thue bao|diem|xa|phuong|thon|to dan pho|to|don vi|"
    "co quan|doanh nghiep|hop tac xa|may tinh|may|thiet bi|camera|km|buoi|cuoc hop|cuoc|"
    "van ban|vb|dich vu cong truc tuyen|dich vu cong|dich vu|thu tuc hanh chinh|thu tuc|"
    "tthc|giao dich|trieu dong|trieu|ty dong|ty|nghin|dong|hoc sinh|hoi nghi|video|clip|"
    "san pham|mo hinh|ung dung|trang|chu ky so|cks|chung thu so|ban|giay|the|nhiem vu|to chuc|"
    "chi tieu|hang muc|cong trinh|du an|doi tuong|hoc vien|thanh vien|to cong nghe so|"
    "ho kinh doanh|cua hang|diem wifi"
)
_UNIT_AFTER = re.compile(
    r"\s+(?P<u>" + "|".join(sorted(_UNITS.split("|"), key=len, reverse=True)) + r")\b"
    r"(?!(?<=ho)\s+tro)"  # "hỗ trợ" is not "hộ"
)

# --- task references -----------------------------------------------------------------------

_ROMAN = r"(?:viii|vii|iii|xii|xi|ix|iv|vi|ii|x|v|i)"
_REF_NUMBER = rf"(?P<ref>{_ROMAN}(?:\.\d{{1,2}}){{0,3}}|\d{{1,3}}(?:\.\d{{1,2}}){{0,3}})"
_REF_END = (
    r"(?![\w%/#]|[.,]\d)(?!\s*(?:%|phan tram|/)|\s+(?:ngay|thang|nam|tuan|nguoi|ho\b|lop|tin"
    r"|bai|lan|xa|thon|ho so|don vi|trieu|ty\b|buoi|cai))"
)
_TASK_REF = re.compile(
    r"\b(?P<kw>nhiem\s*vu|nvu|nv|cong\s+viec|cv|viec|muc|stt|task|item)\s*(?:so\s*|thu\s*)?"
    r"(?:#\s*)?" + _REF_NUMBER + _REF_END
)
_REF_MORE = re.compile(
    r"\s*(?:,|va|&|\+|;)\s*(?:(?:nhiem\s*vu|nv|muc|viec)\s*(?:so\s*)?)?" + _REF_NUMBER + _REF_END
)
_ROMAN_REF = re.compile(
    rf"(?<![\w./#])(?P<ref>{_ROMAN}\.\d{{1,2}}(?:\.\d{{1,2}}){{0,2}})(?![\w/#%]|[.,]\d)"
)

# --- dates ---------------------------------------------------------------------------------

_DATE_CONTEXT = re.compile(
    r"\b(?:(?P<fut>du kien|dk|du tinh|se|truoc|den|toi|hen|trong|cham nhat|muon nhat"
    r"|tre nhat|phan dau|co gang|xin|gia han|lui|khoang|tam|kip|de nghi|by|until|before"
    r"|sang|han)"
    r"|(?P<past>da|vua|moi|hom qua|tu|ke tu|luc|hoi|from|since))\b"
)
_PRONOUN_AFTER = re.compile(r"\s+(?:em|e|anh|chi|vang|a)\b")
_PAST_AFTER = re.compile(
    r"\s*,?\s*(?:(?:em|e|minh|toi|chung em|xa|phong|don vi|ubnd|ban)\s+)?(?:da|vua|moi)\b"
)
_ISSUE_BEFORE = re.compile(
    r"#\s*[(,]?\s*(?:(?:ban hanh|ky|duoc ky|ky ban hanh|phat hanh)\s+)?(?:vao\s+)?"
    r"(?:ngay ky|ngay ban hanh|ngay)?\s*:?\s*$"
    r"|\b(?:ban hanh|ky|phat hanh|ky ban hanh|ngay ky|ngay ban hanh|ky ngay|ban hanh ngay)"
    r"\s*(?:vao\s+)?(?:ngay\s*)?:?\s*$"
)
_IMMEDIATE_PLAN = re.compile(
    r"\b(?:trong|den|toi|het|truoc|vao|hoan thanh|xong|ht|du kien|dk|cuoi|nop|gui)\s*$"
)


@dataclass(frozen=True, slots=True)
class _Cue:
    # done | ongoing | started | not_started | weak (a plan to finish, "chưa xong") | behind
    # | percent / ignored (a done word that the percent after it, or a question, decides)
    kind: str
    pos: int


@dataclass(frozen=True, slots=True)
class _Number:
    start: int
    end: int
    value: float
    role: str  # progress | value
    score: int
    text: str = ""


def understand(text: str, *, today: date, expects_value: bool = False) -> Understanding:
    """Return what the reply ``text`` says, reading dates relative to ``today``.

    ``expects_value`` is True when the reply is about an indicator (a KPI): a bare figure is
    then the indicator's value rather than progress.
    """
    cleaned, done_mark = clean(text)
    if not cleaned:
        return Understanding(status="done" if done_mark else None)
    r = _Reply(cleaned)
    refs, ref_spans = _task_refs(r)
    numbers, number_spans = _numbers(r, expects_value, ref_spans)
    dates_text = _masked(r.f, number_spans)
    dates = find_dates(dates_text, r.o, today)
    extension_at = _extension(r)
    blockers = _blockers(r)
    percent = _pick_percent(numbers)
    value = _pick_value(r, numbers, expects_value, dates, ref_spans, number_spans)
    status = _status(r, today, dates, number_spans, percent, blockers, done_mark)
    expected = _expected_date(r, dates, today, extension_at)
    blocker = _shorten("; ".join(dict.fromkeys(blockers))) if blockers else None
    return Understanding(
        status=status,
        percent=percent,
        blocker=blocker,
        expected_date=expected,
        extension=extension_at is not None,
        value=value,
        task_refs=refs,
    )


def _masked(folded: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return folded
    chars = list(folded)
    for a, b in spans:
        chars[a:b] = "#" * (b - a)
    return "".join(chars)


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < y and x < b for x, y in spans)


# --- status --------------------------------------------------------------------------------


def _context(r: _Reply, pos: int, words: int = 4) -> str | None:
    """Return the kind of the nearest context word before ``pos`` ("neg", "fut", ...)."""
    offset, seg = r.tail(pos, words)
    kind = None
    for m in _CUE_CONTEXT.finditer(seg):
        group = m.lastgroup
        written = r.word_at(offset + m.start(), offset + m.end())
        if group == "past" and written == "dạ":
            continue  # "Dạ" is politeness, not "đã"
        if group == "dang" and written not in ("đang", "dang", "dg"):
            continue  # "Đảng", "đáng", "dạng"
        kind = group
    return kind


def _status(
    r: _Reply,
    today: date,
    dates: list[DateMention],
    number_spans: list[tuple[int, int]],
    percent: float | None,
    blockers: list[str],
    done_mark: bool,
) -> Status | None:
    cues = [c for c in _cues(r, today, dates, number_spans) if not r.in_question(c.pos)]
    kinds = {c.kind for c in cues}
    done = "done" in kinds
    ongoing = "ongoing" in kinds
    started = "started" in kinds
    not_started = "not_started" in kinds
    weak = "weak" in kinds
    behind = "behind" in kinds
    if percent is not None:
        if percent >= 100:
            done = done or not (ongoing or not_started)
        elif percent <= 0:
            not_started = True
        else:
            ongoing = True
            done = False
    if not cues and percent is None:
        core = _NON_WORD.sub(" ", r.f).strip()
        if _BARE_DONE.fullmatch(core):
            done = True
        elif _BARE_NOT_YET.fullmatch(core):
            weak = True
        elif done_mark:
            done = True
    if blockers:
        if done and not ongoing:
            return "done"
        return "in_progress" if ongoing or started else "blocked"
    if done and not (ongoing or not_started or weak):
        return "done"
    if ongoing or started or done:
        return "in_progress"
    if not_started:
        return "not_started"
    if weak or behind:
        return "in_progress"
    return None


def _cues(
    r: _Reply, today: date, dates: list[DateMention], number_spans: list[tuple[int, int]]
) -> list[_Cue]:
    f = r.f
    cues: list[_Cue] = []
    add = cues.append
    for m in _DONE.finditer(f):
        add(_Cue(_done_kind(r, m, today, dates, number_spans), m.start()))
    for m in _DONE_VERB.finditer(f):
        if r.word_at(m.start(), m.start() + 2) == "dạ":
            continue
        add(_Cue("ongoing" if _PARTIAL_AFTER.match(f, m.end()) else "done", m.start()))
    for m in _VERB_ROI.finditer(f):
        ctx = _context(r, m.start())
        if ctx in ("neg", "fut"):
            continue
        if m["v"] == "lam" and (
            r.word_at(m.start(), m.start() + 3) == "lăm" or f.endswith("muoi ", 0, m.start())
        ):
            continue  # "bảy mươi lăm phần trăm rồi": a number, not "làm rồi"
        if ctx == "dang":
            add(_Cue("ongoing", m.start()))
        elif m["v"] in ("trien khai", "thuc hien", "bat dau"):
            add(_Cue("started", m.start()))
        else:
            add(_Cue("done", m.start()))
    for m in _DANG.finditer(f):
        written = r.word_at(m.start("d"), m.end("d"))
        w = m["w"]
        if written not in ("đang", "dang", "dg") or w in _DANG_NOT_PROGRESS:
            continue
        if written == "dang" and w in _DANG_UNACCENTED_NOT and not _DATA_ENTRY.match(f, m.end()):
            continue  # "dang ky", "dang uy" without accents; but "dang nhap lieu" is work
        add(_Cue("ongoing", m.start()))
    for m in _DA_PROGRESS.finditer(f):
        if r.word_at(m.start(), m.start() + 2) != "dạ":
            add(_Cue("started", m.start()))
    for m in _START.finditer(f):
        ctx = _context(r, m.start())
        add(_Cue("not_started" if ctx in ("neg", "fut") else "started", m.start()))
    for pattern in (_PARTIAL_WORK, _EN_PROGRESS):
        for m in pattern.finditer(f):
            add(_Cue("ongoing", m.start()))
    for m in _BEHIND.finditer(f):
        add(_Cue("behind", m.start()))
    for m in _NOT_STARTED.finditer(f):
        _, before = r.tail(m.start(), 3)
        if not _DOUBLE_NEGATION.search(before):
            add(_Cue("not_started", m.start()))
    for pattern in (_NOT_STARTED_PLAN, _NOT_STARTED_EN, _CANNOT):
        for m in pattern.finditer(f):
            add(_Cue("not_started", m.start()))
    return cues


def _done_kind(
    r: _Reply,
    m: re.Match[str],
    today: date,
    dates: list[DateMention],
    number_spans: list[tuple[int, int]],
) -> str:
    f = r.f
    if _DONE_QUESTION_AFTER.match(f, m.end()) or _DONE_NOT_TASK_AFTER.match(f, m.end()):
        return "ignored"
    ctx = _context(r, m.start())
    if ctx == "neg":
        return "weak"  # "chưa xong": not done, but under way (see the module docstring)
    after = _PERCENT_AFTER.match(f, m.end())
    if after and any(m.end() <= a < after.end() for a, _ in number_spans):
        return "percent"  # "hoàn thành 80%": the percent decides
    if ctx in ("near", "dang"):
        return "ongoing"
    if ctx == "fut":
        return "weak"
    if _PARTIAL_AFTER.match(f, m.end()):
        return "ongoing"
    clause = r.clause_start(m.start())
    for d in dates:
        if clause <= d.start and d.end <= m.start() and d.value > today and ctx != "past":
            return "weak"  # "15/12 xong", "đến 20/12 hỗ trợ xong": a plan, not a report
    for d in dates:
        if m.end() <= d.start <= m.end() + 25:
            gap = f[m.end() : d.start]
            if _DATE_GAP.match(gap):
                planned = d.value > today or (
                    d.value == today and ("trong" in gap or "truoc" in gap)
                )
                return "weak" if planned and ctx != "past" else "done"
            break
    return "done"


# --- blockers ------------------------------------------------------------------------------


def _blockers(r: _Reply) -> list[str]:
    f = r.f
    found: list[tuple[int, int, int, str]] = []  # (trigger start, text start, text end, text)
    for m in _BLOCK_LABEL.finditer(f):
        if _AFTER_LABEL_NONE.match(f, m.end()) or _negated_blocker(r, m.start()):
            continue
        lead = _LABEL_LEAD.match(f, m.end())
        start = lead.end() if lead else m.end()
        _add_blocker(r, found, m.start(), start, (m.start("core"), m.end("core")))
    for pattern in (_BLOCK_DELAY, _BLOCK_REASON):
        for m in pattern.finditer(f):
            if r.in_question(m.start()):
                continue
            lead = _LABEL_LEAD.match(f, m.end())
            start = lead.end() if lead else m.end()
            _add_blocker(r, found, m.start(), start, (m.start(), m.start("core")))
    for m in _BLOCK_CONTENT.finditer(f):
        if _negated_blocker(r, m.start()):
            continue
        _add_blocker(r, found, m.start(), m.start("core"), (m.start(), m.end()))
    for m in _BLOCK_CAUSE.finditer(f):
        if not r.in_question(m.start()):
            _add_blocker(r, found, m.start(), m.start("text"), (0, 0), end=m.end("text"))
    if " nen " in f:
        for m in _SO_BEHIND.finditer(f):
            start = r.clause_start(m.start())
            lead = _LABEL_LEAD.match(f, start)
            start = lead.end() if lead else start
            if start < m.start() and not r.in_question(m.start()):
                _add_blocker(r, found, start, start, (0, 0), end=m.start())
    for m in _BLOCK_WAIT.finditer(f):
        written = r.word_at(m.start(), m.start() + 3)
        _, before = r.tail(m.start(), 2)
        if not (written in ("chờ", "đợi") or _WAIT_BEFORE.search(before)):
            continue
        if _negated_blocker(r, m.start()):
            continue
        _add_blocker(r, found, m.start(), m.start("core"), (m.start(), m.end()))
    found.sort()
    texts: list[str] = []
    covered_until = -1
    for trigger, start, end, text in found:
        if trigger < covered_until:
            continue  # "vướng mắc: chưa có kinh phí" is one blocker, not two
        texts.append(text)
        covered_until = max(end, start + 1)
    return texts


def _negated_blocker(r: _Reply, pos: int) -> bool:
    if r.in_question(pos):
        return True
    _, before = r.tail(pos, 8, width=64)
    return bool(_BLOCK_NEG_BEFORE.search(before) or _BLOCK_CONDITION_BEFORE.search(before))


def _add_blocker(
    r: _Reply,
    found: list[tuple[int, int, int, str]],
    trigger: int,
    start: int,
    fallback: tuple[int, int],
    end: int | None = None,
) -> None:
    """Add the blocker text from ``start`` to the end of its clause (or ``end``)."""
    if end is None:
        end = r.sentence_end(max(start, trigger))
        cut = _BLOCK_CUT.search(r.f, start, end) if start < end else None
        if cut:
            end = cut.start()
    end = _trim_end(r.f, start, end)
    if end - start < 2:
        start, end = fallback
        end = _trim_end(r.f, start, end)
    text = _shorten(" ".join(r.o[start:end].split()))
    if text:
        found.append((trigger, start, end, text))


def _shorten(text: str) -> str:
    if len(text) <= MAX_BLOCKER:
        return text
    return text[: MAX_BLOCKER - 1].rsplit(" ", 1)[0] + "…"


def _trim_end(f: str, start: int, end: int) -> int:
    """Return ``end`` moved back over trailing punctuation and particles ("ạ", "nhé", "anh")."""
    for _ in range(6):
        end = start + len(f[start:end].rstrip(_TRAIL_CHARS))
        m = _TRAIL_WORD.search(f, max(start, end - 12), end)
        if not m:
            break
        end = m.start()
    return end


# --- extension -----------------------------------------------------------------------------


def _extension(r: _Reply) -> int | None:
    """Return where an extension is requested, or None."""
    for m in _EXTENSION.finditer(r.f):
        _, before = r.tail(m.start(), 3)
        if _EXTENSION_NEG_BEFORE.search(before):
            continue
        if m.group() == "khat" and r.word_at(m.start(), m.end()) not in ("khất", "khat"):
            continue
        return m.start()
    return None


# --- numbers -------------------------------------------------------------------------------


def _numbers(
    r: _Reply, expects_value: bool, ref_spans: list[tuple[int, int]]
) -> tuple[list[_Number], list[tuple[int, int]]]:
    """Return percents, fractions and halves, each as progress or as a KPI value."""
    f = r.f
    numbers: list[_Number] = []
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int, value: float, text: str, counted: bool = False) -> None:
        spans.append((start, end))
        if r.in_question(start) or _overlaps(start, end, ref_spans):
            return
        role = _percent_role(r, start, end, expects_value)
        if role is None:
            return
        kind, score, remaining = role
        if counted and expects_value:
            # "15/20 hồ sơ" for an indicator is its figure, not the task's progress.
            kind, score = "value", max(score, 2)
        if remaining:
            value = 100 - value
        if kind == "progress" and not 0 <= value <= 100:
            return
        numbers.append(_Number(start, end, round(value, 1), kind, score, text))

    if "%" in f or "phan" in f or "percent" in f:
        for m in _PERCENT_RANGE.finditer(f):
            add(m.start(), m.end(), float(m["a"]), _percent_text(r, m.start("a"), m.end("a")))
        for m in _PERCENT.finditer(f):
            if not _overlaps(m.start(), m.end(), spans):
                n = float(m["n"].replace(",", "."))
                add(m.start(), m.end(), n, _percent_text(r, m.start("n"), m.end("n")))
        for m in _PERCENT_WORDS.finditer(f):
            n_words = _words_to_number(m["w"].split())
            if n_words is not None:
                add(m.start(), m.end(), float(n_words), " ".join(r.o[m.start() : m.end()].split()))
        for m in _FRACTION_WORDS.finditer(f):
            num, den = _SMALL[m["n"]], _SMALL[m["d"]]
            if num < den:
                add(m.start(), m.end(), 100 * num / den, r.o[m.start() : m.end()])
    if "/" in f:
        for m in _FRACTION.finditer(f):
            _fraction(r, m, add)
    if "nua" in f:
        for m in _HALF.finditer(f):
            if _is_half(r, m):
                spans.append((m.start(), m.end()))
                if not r.in_question(m.start()):
                    numbers.append(_Number(m.start(), m.end(), 50.0, "progress", 2))
    return numbers, spans


_SMALL = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "muoi": 10}
_DIGIT_WORDS = {
    "khong": 0,
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}


def _words_to_number(words: list[str]) -> int | None:
    """Return the value of a Vietnamese number in words up to 100 ("bảy mươi lăm" = 75)."""
    if words in (["tram"], ["mot", "tram"]):
        return 100
    tens = 0
    i = 0
    if len(words) >= 2 and words[0] in _DIGIT_WORDS and words[1] in ("muoi", "chuc"):
        tens = _DIGIT_WORDS[words[0]] * 10
        i = 2
        if tens < 20:
            return None
    elif words and words[0] == "muoi":
        tens, i = 10, 1
    rest = words[i:]
    if not rest:
        return tens or None
    if len(rest) != 1:
        return None
    word = rest[0]
    if tens == 0:
        return None if word in ("lam", "khong") else _DIGIT_WORDS.get(word)
    ones = {"mot": 1, "lam": 5, "nam": 5, "tu": 4, "bon": 4}.get(word, _DIGIT_WORDS.get(word))
    return None if ones is None or ones == 0 else tens + ones


def _percent_text(r: _Reply, start: int, end: int) -> str:
    return r.o[start:end] + "%"


def _percent_role(
    r: _Reply, start: int, end: int, expects_value: bool
) -> tuple[str, int, bool] | None:
    """Return (role, score, is_remaining) for a figure, or None when it is not reported."""
    offset, seg = r.tail(start, 4)
    kind = None
    seen = set()
    for m in _PERCENT_CONTEXT.finditer(seg):
        kind = m.lastgroup
        if (
            kind == "prog"
            and m.group() == "da"
            and r.word_at(offset + m.start(), offset + m.end()) == "dạ"
        ):
            kind = None
        seen.add(kind)
    if kind == "gen" and "prog" in seen:
        kind = "prog"  # "triển khai được 70%": the verb says it is progress
    if kind in ("neg", "target") or _NEGATED_FIGURE.search(seg):
        return None
    if kind == "remain":
        return "progress", 2, True
    if kind == "prog" or _PROGRESS_NOUN_AFTER.match(r.f, end):
        return "progress", 2, False
    sentence = r.f[max(r.sentence_start(start), start - 80) : start]
    if _INDICATOR.search(sentence):
        return "value", 3, False
    if expects_value:
        return "value", 2 if kind == "gen" else 1, False
    return "progress", 1, False


def _fraction(
    r: _Reply, m: re.Match[str], add: Callable[[int, int, float, str, bool], None]
) -> None:
    num, den = (int(m[g].replace(".", "").replace(",", "")) for g in ("n", "d"))
    if den == 0 or num > den:
        return
    _, before = r.tail(m.start(), 2)
    noun = _WORK_NOUN_AFTER.match(r.f, m.end())
    if _DAY_BEFORE.search(before) or (_FRACTION_DATE_BEFORE.search(before) and not noun):
        return
    qty = _FRACTION_QTY_BEFORE.search(before)
    if not noun and not (qty and den <= 10):
        return
    text = r.o[m.start() : m.end()]
    unit = _UNIT_AFTER.match(r.f, m.end()) if noun else None
    if unit:
        text = " ".join(r.o[m.start() : unit.end()].split())
    counted = unit is not None and not _WORK_UNIT.match(unit["u"])
    add(m.start(), m.end(), 100 * num / den, text, counted)


def _is_half(r: _Reply, m: re.Match[str]) -> bool:
    written = r.word_at(m.start(), m.end())
    if written == "nữa" or (written != "nua" and written != "nửa"):
        return False
    if _HALF_NOT_AFTER.match(r.f, m.end()):
        return False
    _, before = r.tail(m.start(), 1)
    return written == "nửa" or before.strip() in _HALF_BEFORE


def _pick_percent(numbers: list[_Number]) -> float | None:
    progress = [n for n in numbers if n.role == "progress"]
    if not progress:
        return None
    best = max(progress, key=lambda n: (n.score, -n.start))
    return best.value


def _pick_value(
    r: _Reply,
    numbers: list[_Number],
    expects_value: bool,
    dates: list[DateMention],
    ref_spans: list[tuple[int, int]],
    number_spans: list[tuple[int, int]],
) -> str | None:
    candidates = [(n.score, -n.start, n.text) for n in numbers if n.role == "value" and n.text]
    taken = number_spans + ref_spans + [(d.start, d.end) for d in dates]
    for m in _COUNT.finditer(r.f):
        start, end = m.start(), m.end()
        if _overlaps(start, end, taken) or r.in_question(start):
            continue
        if _TIME_UNIT_AFTER.match(r.f, end):
            continue
        n = m["n"]
        unit = _UNIT_AFTER.match(r.f, end)
        if not unit and len(n) == 4 and n[:2] in ("19", "20"):
            continue  # a year said as context
        _, before = r.tail(start, 2)
        if _NOT_FIGURE_BEFORE.search(before):
            continue
        lead = bool(_VALUE_LEAD.search(before))
        sentence = r.f[max(r.sentence_start(start), start - 80) : start]
        indicator = bool(_INDICATOR.search(sentence)) and lead
        if not (expects_value or indicator):
            continue
        score = 3 if indicator else (2 if lead else 1)
        if unit:
            end = unit.end()
            score += 1 if not indicator else 0
        candidates.append((score, -start, " ".join(r.o[start:end].split())))
    if not candidates:
        return None
    return max(candidates)[2]


# --- task references -----------------------------------------------------------------------


def _task_refs(r: _Reply) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    f = r.f
    refs: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _TASK_REF.finditer(f):
        kw = m["kw"]
        if kw == "muc" and r.word_at(m.start("kw"), m.end("kw")) == "mức":
            continue  # "mức 4": a level, not a section
        if not _ref_ok(r, m):
            continue
        refs.append(_format_ref(m["ref"]))
        spans.append((m.start("ref"), m.end("ref")))
        pos = m.end()
        while more := _REF_MORE.match(f, pos):
            refs.append(_format_ref(more["ref"]))
            spans.append((more.start("ref"), more.end("ref")))
            pos = more.end()
    for m in _ROMAN_REF.finditer(f):
        if _overlaps(m.start(), m.end(), spans) or not _ref_ok(r, m):
            continue
        refs.append(_format_ref(m["ref"]))
        spans.append((m.start(), m.end()))
    return tuple(dict.fromkeys(refs)), spans


def _ref_ok(r: _Reply, m: re.Match[str]) -> bool:
    head = m["ref"].split(".")[0]
    if head.isdigit() or len(head) > 1:
        return True
    # A one-letter Roman numeral only when written in capitals ("I.2", not "i" or "v").
    return r.o[m.start("ref") : m.start("ref") + 1].isupper()


def _format_ref(ref: str) -> str:
    parts = ref.split(".")
    head = parts[0].upper() if not parts[0].isdigit() else str(int(parts[0]))
    return ".".join([head, *(str(int(p)) for p in parts[1:])])


# --- the expected date ---------------------------------------------------------------------


def _expected_date(
    r: _Reply, dates: list[DateMention], today: date, extension_at: int | None
) -> date | None:
    best: tuple[int, int, date] | None = None
    for d in dates:
        priority = _date_priority(r, d, today, extension_at)
        if priority and (best is None or (priority, -d.start) > best[:2]):
            best = (priority, -d.start, d.value)
    return best[2] if best else None


def _date_priority(r: _Reply, d: DateMention, today: date, extension_at: int | None) -> int:
    """Return how surely ``d`` is the expected date: 3 requested, 2 planned, 1 future, 0 not."""
    f = r.f
    same_sentence_extension = extension_at is not None and (
        r.sentence_start(extension_at) == r.sentence_start(d.start) and extension_at < d.start
    )
    if r.in_question(d.start) and not same_sentence_extension:
        return 0
    before = f[max(r.sentence_start(d.start), d.start - 30) : d.start]
    if _ISSUE_BEFORE.search(before):
        return 0  # the date of a document, not a plan
    # Within the comma clause: in "đã gửi, phần còn lại tuần sau" the "đã" is another clause.
    offset, seg = r.tail(d.start, 6, width=64, clause=True)
    nearest = None
    past_seen = False
    for m in _DATE_CONTEXT.finditer(seg):
        written = r.word_at(offset + m.start(), offset + m.end())
        group = m.lastgroup
        if group == "past":
            if written == "dạ" or (m.group() == "da" and _pronoun_after(f, offset + m.end())):
                continue
            past_seen = True
        elif m.group() == "han" and written == "hạn":
            continue  # "hạn 30/11" restates the deadline; "hẹn 30/11" promises a date
        nearest = group
    if same_sentence_extension:
        return 3
    if nearest == "past" or (past_seen and d.value < today):
        return 0
    if _PAST_AFTER.match(f, d.end) and nearest != "fut":
        return 0
    if d.kind == "year":
        _, near = r.tail(d.start, 2)
        return 2 if _IMMEDIATE_PLAN.search(near) else 0
    if nearest == "fut":
        return 2
    if d.kind == "relative" or d.value >= today:
        return 1
    return 0


def _pronoun_after(f: str, pos: int) -> bool:
    """Return whether a pronoun follows: "Da em ..." is "Dạ, em ...", not "đã"."""
    return bool(_PRONOUN_AFTER.match(f, pos))
