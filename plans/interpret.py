"""From raw tables to tasks and indicators: headers, sections, continuation rows, cells.

Every reader hands over ``RawTable``s with cells as printed. This module

- finds the header row by its wording (accent- and case-insensitive, any column order, the
  variants of the glossary), joining a header that spans two or three rows;
- follows one appendix across page breaks: a table that repeats the same header, or that has
  no header but the same width, continues the table before it unless a caption such as
  "Phụ lục 2" opens a new one; a header row repeated inside a table is dropped;
- reads Roman-numeral section rows ("II.", "III. Về khoa học ...") and joins continuation
  rows (an empty number cell: a cell that spilled over a page break) to the row above;
- turns rows into ``DraftTask`` (a task column) or ``DraftIndicator`` (a "Chỉ tiêu" column
  with milestone years), and records an ``ImportWarning`` for anything it had to guess.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from locales import N_
from plans import deadlines
from plans.draft import (
    Deadline,
    DraftIndicator,
    DraftTask,
    ImportWarning,
    PersonRef,
    UnitRef,
)
from plans.errors import NO_HEADER, NO_ROWS, NO_TABLE, ImportRefused
from plans.people import looks_like_person, parse_person
from plans.tables import RawRow, RawTable
from plans.units import dedupe, parse_units, unit_from_post
from plans.vntext import fold_key

W_DEADLINE_UNKNOWN = N_(
    "{where}: chưa hiểu thời hạn “{raw}” của nhiệm vụ {stt}; hãy kiểm tra lại."
)
W_DEADLINE_EMPTY = N_("{where}: nhiệm vụ {stt} chưa ghi thời hạn.")
W_NO_DEADLINE_COLUMN = N_(
    "Bảng “{table}” không có cột thời gian thực hiện; {count} nhiệm vụ chưa có thời hạn."
)
W_TRUNCATED = N_(
    "{where}: hàng bị cắt trong tệp, thiếu các ô từ cột “{column}”; chỉ giữ phần đọc được."
)
W_BROKEN_CELL = N_("{where}: ô “{column}” bị cắt giữa chừng trong tệp; hãy kiểm tra lại nội dung.")
W_NO_TITLE = N_("{where}: không đọc được nội dung của hàng {stt}; hàng này bị bỏ qua.")
W_EXTRA_CELLS = N_("{where}: hàng có nhiều ô hơn dòng tiêu đề; phần thừa được ghép vào cột cuối.")
W_SKIPPED_TABLE = N_("Bỏ qua {table}: không nhận ra dòng tiêu đề.")
WHERE_LINE = N_("dòng {line}")
WHERE_TABLE_ROW = N_("{table}, hàng {line}")
NO_NUMBER = N_("không số")

# Roles a column can play; a target column is "year:2030".
STT, TASK, INDICATOR = "stt", "task", "indicator"
DIRECTING, LEAD_PERSON, LEAD_UNIT, LEAD_ANY = "directing", "lead_person", "lead_unit", "lead_any"
COORD, MONITORING, OUTPUT, DEADLINE, NOTE = "coord", "monitoring", "output", "deadline", "note"
YEAR_PREFIX = "year:"
_MAIN = frozenset({TASK, INDICATOR})

BROKEN = "\ufffd"  # what a dump leaves where it cut a row short
_HEADER_SCAN = 25  # a sheet's header is rarely further down than this
_MAX_HEADER_CELL = 90  # header cells are short; a long cell is data even if it says "nhiệm vụ"


# ---------------------------------------------------------------------------------------
# Cells


_BREAKS = re.compile(r"<\s*br\s*/?\s*>|</\s*(?:p|div|li)\s*>", re.IGNORECASE)
_TAGS = re.compile(r"</?[a-zA-Z][^<>]*>")
_MATH = re.compile(r"\$([^$\n]{1,120})\$")
_LATEX_SYMBOLS = {
    "geq": "≥",
    "ge": "≥",
    "geqslant": "≥",
    "leq": "≤",
    "le": "≤",
    "leqslant": "≤",
    "times": "×",
    "pm": "±",
    "approx": "≈",
    "neq": "≠",
    "sim": "~",
    "cdot": "·",
    "to": "→",
    "rightarrow": "→",
}
_LATEX_COMMAND = re.compile(r"\\([a-zA-Z]+)\s*")
_LATEX_WRAPPERS = re.compile(r"\\(?:text|mathrm|mathbf|textbf|mbox)\s*\{([^{}]*)\}")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>$%&/\"'])")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_SPACES = re.compile(r"[ \t\u00a0\u200b\u202f]+")


def _latex(expr: str) -> str:
    expr = _LATEX_WRAPPERS.sub(r"\1", expr)
    expr = expr.replace(r"\%", "%").replace(r"\,", " ").replace(r"\;", " ").replace(r"\ ", " ")
    expr = _LATEX_COMMAND.sub(lambda m: _LATEX_SYMBOLS.get(m.group(1), m.group(1)) + " ", expr)
    expr = expr.replace("{", "").replace("}", "")
    expr = re.sub(r"\s+", " ", expr).strip()
    return re.sub(r"\s+%", "%", expr)


def clean_cell(text: str | None) -> str:
    """Return a cell's text without markup: HTML tags, LaTeX, markdown escapes, stray spaces.

    Line breaks inside a cell are kept (a list of units is often one per line); use ``flat``
    for display.
    """
    if not text:
        return ""
    text = _BREAKS.sub("\n", text)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    text = _MATH.sub(lambda m: _latex(m.group(1)), text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = unicodedata.normalize("NFC", text.replace(BROKEN, ""))
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def flat(text: str) -> str:
    """Return ``text`` on one line."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------
# Headers


_YEAR = re.compile(r"(?:^|\s)((?:19|20)\d\d)$")
_DEADLINE_WORDS = ("thoi gian", "tien do", "thoi han", "han hoan thanh", "hoan thanh")


def match_role(cell: str) -> str | None:
    """Return the role of a header cell ("Đồng chí được phân công chỉ đạo" -> directing)."""
    text = flat(cell)
    if not text or len(text) > _MAX_HEADER_CELL:
        return None
    key = fold_key(text)
    if key in ("stt", "tt", "so tt", "so thu tu", "thu tu", "stt tt"):
        return STT
    year = _YEAR.search(key)
    if year and len(key) <= 40 and not any(w in key for w in _DEADLINE_WORDS):
        return YEAR_PREFIX + year.group(1)
    if "theo doi" in key or "danh gia" in key:
        return MONITORING
    if "phoi hop" in key:
        return COORD
    if any(w in key for w in ("chi dao", "chu dao", "nguoi dung dau", "chiu trach nhiem")):
        return DIRECTING
    if "lanh dao phu trach" in key:
        return DIRECTING
    if "chu tri" in key or key in ("don vi thuc hien", "co quan thuc hien", "don vi"):
        has_person = "dong chi" in key or "ca nhan" in key or "nguoi" in key
        has_unit = any(w in key for w in ("co quan", "don vi", "to chuc", "phong"))
        if has_person and not has_unit:
            return LEAD_PERSON
        if has_unit and not has_person:
            return LEAD_UNIT
        return LEAD_ANY
    if "san pham" in key or key.startswith("ket qua"):
        return OUTPUT
    if any(w in key for w in _DEADLINE_WORDS) or key in ("han", "thoi diem"):
        return DEADLINE
    if "chi tieu" in key:
        return INDICATOR
    if any(w in key for w in ("nhiem vu", "noi dung", "cong viec", "giai phap", "hoat dong")):
        return TASK
    if key.startswith("ghi chu"):
        return NOTE
    return None


@dataclass
class Header:
    """Where a header was found in a list of rows and what each column means."""

    start: int  # first header row
    end: int  # first row after the header (and after a column-number row under it)
    cells: list[str]  # the joined header text per column
    roles: list[str | None]

    @property
    def signature(self) -> tuple[str | None, ...]:
        return tuple(self.roles)

    def column(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None


def join_header_rows(rows: Sequence[Sequence[str]]) -> list[str]:
    """Join a header spread over rows column by column; text repeated by a merge is kept once."""
    width = max((len(r) for r in rows), default=0)
    out: list[str] = []
    for col in range(width):
        parts: list[str] = []
        for row in rows:
            text = flat(row[col]) if col < len(row) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        out.append(" ".join(parts))
    return out


def _qualifies(cells: Sequence[str]) -> list[str | None] | None:
    roles = [match_role(c) for c in cells]
    found = {r for r in roles if r}
    if not found & _MAIN or not found - _MAIN - {NOTE}:
        return None
    non_empty = sum(1 for c in cells if flat(c))
    recognised = sum(1 for r in roles if r)
    if recognised < 2 or recognised < 0.6 * non_empty:
        return None
    if any(re.fullmatch(r"\d{1,3}\.?", flat(c)) for c in cells):
        return None  # a numbered data row, whatever its words
    return roles


_COLUMN_NUMBER = re.compile(r"\(?\d{1,2}\)?")


def is_column_number_row(cells: Sequence[str]) -> bool:
    """Return whether a row only numbers the columns ("(1) (2) (3)" under a header)."""
    values = [flat(c) for c in cells if flat(c)]
    if len(values) < 3 or not all(_COLUMN_NUMBER.fullmatch(v) for v in values):
        return False
    numbers = [int(v.strip("()")) for v in values]
    return numbers[0] <= 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _extends(top: Sequence[str], roles: Sequence[str | None], row: Sequence[str]) -> bool:
    """Return whether ``row`` continues a header: sub-labels under group labels, nothing else."""
    seen = False
    for col, cell in enumerate(row):
        text = flat(cell)
        if not text:
            continue
        seen = True
        above = flat(top[col]) if col < len(top) else ""
        if text == above:
            continue  # the same label repeated by a vertical merge
        if col < len(roles) and roles[col] is not None:
            return False
        if len(text) > _MAX_HEADER_CELL or (match_role(text) is None and above == ""):
            return False
    return seen


def locate_header(
    rows: Sequence[Sequence[str]], *, start: int = 0, limit: int = _HEADER_SCAN
) -> Header | None:
    """Return the first header at or after ``start`` within ``limit`` rows, or None."""
    stop = min(len(rows), start + limit)
    for i in range(start, stop):
        header = header_at(rows, i)
        if header:
            return header
    return None


def header_at(rows: Sequence[Sequence[str]], i: int) -> Header | None:
    """Return the header that begins at row ``i`` (one to three rows), or None."""
    if i >= len(rows) or not any(flat(c) for c in rows[i]):
        return None
    top = list(rows[i])
    roles = _qualifies(top)
    end = i + 1
    if roles is None:
        top_roles = [match_role(c) for c in top]
        labelled = sum(1 for r in top_roles if r)
        # Group labels over sub-labels ("Nội dung | Phân công thực hiện" over "Chủ trì | ...")
        # still name some columns; a spilled data row above a repeated header names none.
        if labelled == 0 or labelled < 0.5 * sum(1 for c in top if flat(c)):
            return None
        if end >= len(rows) or not _extends(top, top_roles, rows[end]):
            return None
        joined = join_header_rows([top, rows[end]])
        roles = _qualifies(joined)
        if roles is None:
            return None
        end += 1
    cells = join_header_rows(rows[i:end])
    while end < len(rows) and end - i < 3:
        below = rows[end]
        if is_column_number_row(below):
            end += 1
            break
        if not _extends(cells, roles, below):
            break
        candidate = join_header_rows([*rows[i:end], below])
        new_roles = _qualifies(candidate)
        if new_roles is None:
            break
        cells, roles, end = candidate, new_roles, end + 1
    if end < len(rows) and is_column_number_row(rows[end]):
        end += 1
    width = len(cells)
    return Header(start=i, end=end, cells=cells, roles=list(roles) + [None] * (width - len(roles)))


# ---------------------------------------------------------------------------------------
# Rows

_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_ROMAN_TITLE = re.compile(
    r"^((?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))(?:\s*[.):]|\s+[-–])\s+(\S.*)$", re.S
)
_PART_TITLE = re.compile(
    r"^(?:phần|mục)\s+((?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))\b[.:–-]?\s*(.*)$", re.IGNORECASE
)


def normalise_stt(text: str) -> str:
    """Return a row number without decoration: "1." -> "1", "(2)" -> "2", "II." -> "II"."""
    text = flat(text).strip()
    text = text.strip("()[]").rstrip(".):").strip()
    return text


_BULLETS = frozenset({"-", "+", "•", "*", "–", "▪", "o"})


@dataclass
class _Item:
    section: str | None
    section_title: str | None
    stt: str | None
    cells: list[str]
    line: int | None
    source: str
    missing_from: int | None = None  # first column the source cut away
    broken: set[int] = field(default_factory=set)  # columns cut mid-text

    def absorb(self, cells: Sequence[str]) -> None:
        for col, text in enumerate(cells):
            if text and col < len(self.cells):
                self.cells[col] = f"{self.cells[col]} {text}".strip() if self.cells[col] else text


@dataclass
class _Logical:
    """One appendix table, possibly spread over several raw tables (pages)."""

    header: Header
    kind: Literal["task", "kpi"]
    title: str
    source: str
    items: list[_Item] = field(default_factory=list)
    section: str | None = None
    section_title: str | None = None
    current: _Item | None = None

    @property
    def width(self) -> int:
        return len(self.header.roles)

    def columns(self, role: str) -> list[int]:
        return [i for i, r in enumerate(self.header.roles) if r == role]

    def title_column(self) -> int:
        role = INDICATOR if self.kind == "kpi" else TASK
        col = self.header.column(role)
        if col is None:
            col = self.header.column(TASK if role == INDICATOR else INDICATOR)
        assert col is not None  # a header qualifies only with one of the two
        return col


@dataclass
class Interpretation:
    """What the tables held: tasks, indicators and the warnings met on the way."""

    tasks: list[DraftTask] = field(default_factory=list)
    indicators: list[DraftIndicator] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)


def _where(source: str, line: int | None) -> str:
    shown = "?" if line is None else str(line)
    if source and line is not None:
        return WHERE_TABLE_ROW.format(table=source, line=shown)
    return WHERE_LINE.format(line=shown)


_NEW_TABLE_CAPTIONS = ("phu luc", "bieu", "bang", "danh muc", "mau", "kem theo", "trang tinh")


def _looks_new_appendix(title: str) -> bool:
    """Return whether a caption opens a new table rather than a page of the same one.

    Text between two pages of one table (a running header, a page number) is no caption.
    """
    return fold_key(title).startswith(_NEW_TABLE_CAPTIONS)


class _Interpreter:
    def __init__(self, *, plan_year: int | None, text_lines: bool) -> None:
        self.plan_year = plan_year
        self.text_lines = text_lines
        self.logicals: list[_Logical] = []
        self.warnings: list[ImportWarning] = []
        self.unrecognised: list[RawTable] = []

    # -- tables ---------------------------------------------------------------------

    def feed(self, table: RawTable) -> None:
        raw_rows = [RawRow(list(table.header)), *table.rows] if table.header else table.rows
        # Rows of a text document are numbered by line: "dòng 734" is enough to find them.
        source = "" if self.text_lines else table.source
        rows = [[clean_cell(c) for c in r.cells] for r in raw_rows]
        current = self.logicals[-1] if self.logicals else None
        fresh = _looks_new_appendix(table.title)
        # A raw table continues the previous one (a page of the same appendix) unless its
        # caption opens a new one; without a header of its own it must also be as wide.
        if current is None or fresh or (rows and len(rows[0]) != current.width):
            current = None
        found_header = False
        pre: list[str] = []
        i = 0
        while i < len(rows):
            cells = rows[i]
            if not any(cells):
                i += 1
                continue
            header = header_at(rows, i)
            if header is not None:
                found_header = True
                same = current is not None and header.signature == current.header.signature
                if not same:
                    title = table.title or " ".join(pre[-2:])
                    current = self._open(header, title=title, source=source)
                i = header.end
                continue
            if current is None:
                pre.append(flat(" ".join(c for c in cells if c)))
                i += 1
                continue
            self._row(current, raw_rows[i], cells, source)
            i += 1
        if not found_header and (current is None or not rows):
            self.unrecognised.append(table)

    def _open(self, header: Header, *, title: str, source: str) -> _Logical:
        roles = set(header.roles)
        years = any(r and r.startswith(YEAR_PREFIX) for r in roles)
        kind: Literal["task", "kpi"] = (
            "kpi" if INDICATOR in roles and (years or TASK not in roles) else "task"
        )
        logical = _Logical(header=header, kind=kind, title=flat(title), source=source)
        self.logicals.append(logical)
        return logical

    # -- rows -----------------------------------------------------------------------

    def _row(self, table: _Logical, raw: RawRow, cells: list[str], source: str) -> None:
        width = table.width
        where = _where(source, raw.line)
        missing_from: int | None = None
        broken: set[int] = set()
        for col, text in enumerate(raw.cells[:width]):
            if BROKEN in (text or ""):
                broken.add(col)
        # Only a row marked as cut lost cells: exporters drop trailing empty cells too.
        if broken and max(broken) + 1 < width:
            cut = max(broken) + 1
            if not any(clean_cell(c) for c in raw.cells[cut:width]):
                missing_from = cut
        if len(cells) > width:
            extra = [c for c in cells[width:] if c]
            if extra:
                self._warn(W_EXTRA_CELLS, raw.line, where=where)
                cells = [*cells[: width - 1], " ".join([cells[width - 1], *extra]).strip()]
            cells = cells[:width]
        cells = cells + [""] * (width - len(cells))
        if is_column_number_row(cells):
            return

        stt_col = table.header.column(STT)
        title_col = table.title_column()
        stt = normalise_stt(cells[stt_col]) if stt_col is not None else ""

        section = self._section(cells, stt, stt_col, title_col)
        if section is not None:
            table.section, table.section_title = section
            table.current = None
            return

        continues = raw.continuation or (stt_col is not None and not stt)
        if continues and table.current is not None:
            item = table.current
            item.absorb(cells)
            if missing_from is not None:
                item.missing_from = (
                    missing_from
                    if item.missing_from is None
                    else max(item.missing_from, missing_from)
                )
            item.broken |= broken
            return
        item = _Item(
            section=table.section,
            section_title=table.section_title,
            # A bulleted row is an item of its own, without a number.
            stt=None if not stt or stt in _BULLETS else stt,
            cells=list(cells),
            line=raw.line,
            source=source,
            missing_from=missing_from,
            broken=broken,
        )
        table.items.append(item)
        table.current = item

    @staticmethod
    def _section(
        cells: Sequence[str], stt: str, stt_col: int | None, title_col: int
    ) -> tuple[str, str | None] | None:
        filled = [i for i, c in enumerate(cells) if c]
        if stt_col is not None and stt and _ROMAN.fullmatch(stt):
            others = [i for i in filled if i != stt_col]
            title = cells[title_col] if cells[title_col] else (cells[others[0]] if others else "")
            return stt, flat(title) or None
        if len(filled) == 1:
            text = flat(cells[filled[0]])
            match = _ROMAN_TITLE.match(text) or _PART_TITLE.match(text)
            if match and match.group(1):
                return match.group(1).upper(), flat(match.group(2)) or None
        return None

    # -- results --------------------------------------------------------------------

    def _warn(self, msgid: str, line: int | None, **params: object) -> None:
        self.warnings.append(ImportWarning(msgid=msgid, params=dict(params), line=line))

    def result(self) -> Interpretation:
        out = Interpretation()
        for table in self.logicals:
            if table.kind == "kpi":
                out.indicators.extend(self._indicators(table))
            else:
                out.tasks.extend(self._tasks(table))
        out.warnings = self.warnings
        return out

    def _text(self, table: _Logical, item: _Item, role: str) -> str:
        return "\n".join(item.cells[c] for c in table.columns(role) if item.cells[c])

    def _label(self, item: _Item) -> str:
        if item.stt is None:
            return NO_NUMBER
        return f"{item.section}.{item.stt}" if item.section else item.stt

    def _check_cut(self, table: _Logical, item: _Item) -> None:
        where = _where(item.source, item.line)
        header = table.header.cells
        if item.missing_from is not None:
            lost = [c for c in range(item.missing_from, table.width) if not item.cells[c]]
            if lost:
                self._warn(W_TRUNCATED, item.line, where=where, column=header[lost[0]])
                return
        for col in sorted(item.broken):
            self._warn(W_BROKEN_CELL, item.line, where=where, column=header[col])

    def _readable(self, table: _Logical, item: _Item) -> str | None:
        self._check_cut(table, item)
        title = flat(item.cells[table.title_column()])
        if not title:
            where = _where(item.source, item.line)
            self._warn(W_NO_TITLE, item.line, where=where, stt=self._label(item))
            return None
        return title

    def _people(
        self, table: _Logical, item: _Item
    ) -> tuple[PersonRef | None, PersonRef | None, list[UnitRef]]:
        """Return the directing person, the lead person and the lead units of a row."""
        directing = parse_person(self._text(table, item, DIRECTING))
        lead = parse_person(self._text(table, item, LEAD_PERSON))
        units = parse_units(self._text(table, item, LEAD_UNIT))
        mixed = self._text(table, item, LEAD_ANY)
        if mixed:
            if looks_like_person(mixed) and lead is None:
                lead = parse_person(mixed)
            else:
                units.extend(parse_units(mixed))
        if not units and lead is not None and lead.post:
            from_post = unit_from_post(lead.post)
            if from_post:
                units.append(from_post)
        return directing, lead, dedupe(units)

    def _tasks(self, table: _Logical) -> list[DraftTask]:
        tasks: list[DraftTask] = []
        has_deadline = bool(table.columns(DEADLINE))
        for item in table.items:
            title = self._readable(table, item)
            if title is None:
                continue
            directing, lead, units = self._people(table, item)
            output = flat(self._text(table, item, OUTPUT)) or None
            deadline = self._deadline(item, flat(self._text(table, item, DEADLINE)), has_deadline)
            tasks.append(
                DraftTask(
                    section=item.section,
                    stt=item.stt,
                    title=title,
                    directing=directing,
                    lead_person=lead,
                    lead_units=units,
                    coord_units=parse_units(self._text(table, item, COORD)),
                    output=output,
                    deadline=deadline,
                    section_title=item.section_title,
                    line=item.line,
                )
            )
        if not has_deadline and tasks:
            label = table.title or table.source or flat(" | ".join(table.header.cells))
            self._warn(W_NO_DEADLINE_COLUMN, None, table=label, count=len(tasks))
        return tasks

    def _deadline(self, item: _Item, text: str, has_column: bool) -> Deadline:
        if not has_column:
            return Deadline("unknown")
        where = _where(item.source, item.line)
        if not text:
            self._warn(W_DEADLINE_EMPTY, item.line, where=where, stt=self._label(item))
            return Deadline("unknown")
        try:
            deadline = deadlines.parse_deadline(text, plan_year=self.plan_year)
        except ValueError:
            deadline = Deadline("unknown", None, text)
        if deadline.kind == "unknown":
            self._warn(W_DEADLINE_UNKNOWN, item.line, where=where, raw=text, stt=self._label(item))
        return deadline

    def _indicators(self, table: _Logical) -> list[DraftIndicator]:
        years = [
            (col, role[len(YEAR_PREFIX) :])
            for col, role in enumerate(table.header.roles)
            if role and role.startswith(YEAR_PREFIX)
        ]
        out: list[DraftIndicator] = []
        for item in table.items:
            title = self._readable(table, item)
            if title is None:
                continue
            directing, lead, units = self._people(table, item)
            monitoring = parse_units(self._text(table, item, MONITORING)) or units
            targets: dict[str, str | None] = {}
            for col, year in years:
                value = flat(item.cells[col])
                targets[year] = value or None
            out.append(
                DraftIndicator(
                    section=item.section,
                    stt=item.stt,
                    indicator=title,
                    targets=targets,
                    directing=directing,
                    lead=lead,
                    monitoring_unit=monitoring[0] if monitoring else None,
                    coord_units=parse_units(self._text(table, item, COORD)),
                    output=flat(self._text(table, item, OUTPUT)) or None,
                    section_title=item.section_title,
                    line=item.line,
                )
            )
        return out


def _data_like(table: RawTable) -> bool:
    """Return whether an unrecognised table looks like data rather than page layout."""
    rows = [table.header, *(r.cells for r in table.rows)]
    width = max((sum(1 for c in r if clean_cell(c)) for r in rows), default=0)
    return width >= 3 and len([r for r in rows if any(clean_cell(c) for c in r)]) >= 2


def interpret_tables(
    tables: Sequence[RawTable],
    *,
    plan_year: int | None = None,
    name: str = "",
    guessed: bool = False,
    text_lines: bool = False,
) -> Interpretation:
    """Return the tasks and indicators of ``tables``; refuse when there is nothing to import.

    ``guessed`` says the tables come from a reader that guesses structure from plain text
    (the PDF and OCR dumps): an unrecognised table there is no evidence of a table at all, so
    the refusal says that no appendix table was found rather than that a header was missing.
    ``text_lines`` says row numbers are lines of a text file, so warnings cite the line alone.
    """
    interpreter = _Interpreter(plan_year=plan_year, text_lines=text_lines)
    for table in tables:
        interpreter.feed(table)
    if not interpreter.logicals:
        data_like = [t for t in interpreter.unrecognised if _data_like(t)]
        if data_like and not guessed:
            raise ImportRefused(NO_HEADER, name=name)
        raise ImportRefused(NO_TABLE, name=name)
    result = interpreter.result()
    if not result.tasks and not result.indicators:
        raise ImportRefused(NO_ROWS, name=name)
    for table in interpreter.unrecognised:
        if _data_like(table):
            label = table.title or table.source or flat(" | ".join(table.header))[:60]
            result.warnings.append(ImportWarning(W_SKIPPED_TABLE, {"table": label}))
    return result
