"""Appendix tables of a PDF-to-text dump, where every cell is broken over several lines.

A PDF converted to text (``pdftotext`` without ``-layout``) keeps the table's reading order
but not its grid: the header is spread over a dozen short lines, each cell comes out as a
run of short lines (one per printed line, blank lines between), the cells of one row follow
each other column by column, and two cells printed side by side on the same baseline run
together on one line ("Báo cáo rà soát Quý I/2026"). The header repeats at each page break,
and a cell cut by the break goes on after the repeated header.

What is left to read a row by is what the cells say and how wide the printed column is.
Rows start at a line holding only their number, sections at a line that starts with a Roman
numeral. The lines of a row are split into cells by a small dynamic programme that scores
each candidate cell by its first words (a post opens the responsible head, a unit the lead
unit, an output word the result, a deadline phrase the time), by its printed width and by
the document's own hints (a line that follows another without a blank line starts a new
cell; two cells on one line are neighbours). A row whose cells could not be found reliably
is still returned and is listed in the report of ``read_tables_with_report``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from locales import N_
from plans.deadlines import parse_deadline
from plans.periods import roman_to_int
from plans.tables import RawRow, RawTable
from plans.vntext import fold, fold_key

# Where a table starts, for the import report: the line of its header.
LINE_LABEL = N_("dòng {n}")
# The TT cell of a task printed without a number of its own (a number cell merged over two
# rows). An empty TT cell would read as the previous row going on (see plans.interpret);
# a bullet is the mark of an item without a number.
NO_NUMBER = "-"

# Column titles a header can be made of, with the role each plays; the longest match wins.
_TITLES: tuple[tuple[str, str], ...] = (
    ("STT", "stt"),
    ("TT", "stt"),
    ("Nội dung công việc", "content"),
    ("Nội dung nhiệm vụ", "content"),
    ("Tên nhiệm vụ", "content"),
    ("Nhiệm vụ", "content"),
    ("Người đứng đầu chịu trách nhiệm", "head"),
    ("Đồng chí được phân công chỉ đạo", "head"),
    ("Phân công chỉ đạo", "head"),
    ("Chủ trì chỉ đạo", "head"),
    ("Cơ quan chủ trì", "lead"),
    ("Đơn vị chủ trì", "lead"),
    ("Cơ quan phối hợp", "coord"),
    ("Đơn vị phối hợp", "coord"),
    ("Kết quả", "result"),
    ("Sản phẩm đầu ra", "result"),
    ("Sản phẩm", "result"),
    ("Thời gian triển khai và hoàn thành", "time"),
    ("Thời gian thực hiện", "time"),
    ("Thời gian hoàn thành", "time"),
    ("Tiến độ thực hiện", "time"),
    ("Thời gian", "time"),
)
_TITLE_KEYS = sorted(
    ((fold_key(title).split(), title, role) for title, role in _TITLES),
    key=lambda item: -len(item[0]),
)
_HEADER_WORDS = frozenset(word for words, _, _ in _TITLE_KEYS for word in words)

# Widest printed line of each column, in characters, in the layouts seen so far (a cell
# line is at most this wide; a wider line holds two cells run together).
_WIDTH = {"content": 42, "head": 14, "lead": 23, "coord": 25, "result": 19, "time": 13}
# What an empty cell costs: most rows fill every column.
_EMPTY = {"content": -30.0, "head": -5.0, "lead": -5.0, "coord": -4.0, "result": -4.0}
_EMPTY_TIME = -6.0
_NEW_ROW = -6.0  # a numberless row inside a numbered block (a merged number cell)

_POST = (
    r"giam doc|pho giam doc|truong|pho truong|chanh|pho chanh|thu truong|lanh dao|chu tich|"
    r"pho chu tich|bi thu|pho bi thu|dong chi|d c|chu nhiem|chi huy|can bo|cong chuc"
)
_UNIT = (
    r"phong|trung tam|van phong|cong an|ban|uy ban|ubnd|hdnd|dang uy|co quan|doi|tram|"
    r"mat tran|ubmttq|hoi|doan|quan su|thue|to"
)
_PLURAL = r"cac|so|doanh nghiep|vnpt|viettel|nha truong|truong"
_OUTPUT = (
    r"bao cao|ke hoach|quyet dinh|tin|bai|van ban|ho so|noi dung|he thong|chat luong|"
    r"nen tang|co so du lieu|csdl|csgd|ty le|so|hoi nghi|ket qua|hoan thanh|chuong trinh|"
    r"de an|danh sach|bo so lieu|cong van|thong bao|to trinh|du lieu|phan mem|mo hinh|"
    r"tai lieu|video|\d"
)
_TIME_START = (
    r"thuong xuyen|thuong|hang|thang|quy|theo|neu|khi|nam|truoc|dinh ky|hoan thanh|"
    r"nhiem vu|tu|giai doan|trong|\d"
)
_STARTS: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "head": ((re.compile(rf"^(?:{_POST})\b"), 6.0),),
    "lead": ((re.compile(rf"^(?:{_UNIT})\b"), 5.0), (re.compile(r"^cac\b"), 1.0)),
    "coord": ((re.compile(rf"^(?:{_PLURAL}|{_UNIT})\b"), 4.0),),
    "result": ((re.compile(rf"^(?:{_OUTPUT})"), 3.0),),
    "time": ((re.compile(rf"^(?:{_TIME_START})"), 3.0),),
}
_NO_START = {"head": -6.0, "lead": -5.0, "coord": -3.0, "result": -1.0, "time": -2.0}
_BARE_POST = re.compile(rf"^(?:{_POST})(?: (?:van|phong))?$")

_CONNECTIVES = frozenset({"va", "cua", "cac", "voi", "tai", "trong", "theo", "ve", "cho"})
# A cell other than the task's text spans a few printed lines at most.
_MAX_CELL_LINES = 8

_NUMBER_LINE = re.compile(r"^(?P<n>\d{1,2})\s*\.?$")
_ROMAN_LINE = re.compile(r"^(?P<r>[IVX]{1,4})\.?(?:\s+(?P<title>\S.*))?$")
_APPENDIX = re.compile(r"^phu luc\b")
_SPLIT_BEFORE = re.compile(r"\s+(?=[A-ZÀ-ỸĐ0-9])")


@dataclass
class _Line:
    no: int  # 1-based
    text: str  # NFC, one line
    glued: bool  # the line above is not blank: pdftotext puts a new cell there


@dataclass(frozen=True)
class _Atom:
    line: int
    text: str
    line_start: bool
    glued: bool
    words: tuple[str, ...]  # folded words, for matching


@dataclass
class _Block:
    kind: str  # "section" | "row" | "cont"
    line: int
    label: str = ""
    lines: list[_Line] = field(default_factory=list)


def _clean(text: str) -> str:
    """Return ``text`` in NFC on one line with single spaces; dashes stay as printed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def read_tables(text: str) -> list[RawTable]:
    """Return the appendix tables of a PDF-to-text dump, [] when it has none."""
    return read_tables_with_report(text)[0]


def read_tables_with_report(text: str) -> tuple[list[RawTable], list[tuple[int, str]]]:
    """Return the tables and the rows that could not be read reliably: (line, excerpt)."""
    raw_lines = text.splitlines()
    lines: list[_Line] = []
    for index, raw in enumerate(raw_lines):
        if raw.strip():
            glued = index > 0 and bool(raw_lines[index - 1].strip())
            lines.append(_Line(index + 1, _clean(raw), glued))
    tables: list[RawTable] = []
    unreadable: list[tuple[int, str]] = []
    i = 0
    current: tuple[list[str], list[str], int] | None = None  # titles, roles, word count
    blocks: list[_Block] = []
    table: RawTable | None = None
    while i < len(lines):
        header = _header_at(lines, i, current[2] if current else None)
        if header is not None:
            titles, roles, words, end = header
            if current is None or roles != current[1]:
                if table is not None and current is not None:
                    _finish(table, current[1], blocks, unreadable)
                    tables.append(table)
                table = RawTable(
                    header=titles,
                    source=LINE_LABEL.format(n=lines[i].no),
                    title=_caption(lines, i),
                )
                current = (titles, roles, words)
                blocks = []
            blocks.append(_Block("cont", lines[end].no if end < len(lines) else lines[i].no))
            i = end
            continue
        if current is not None and table is not None and _APPENDIX.match(fold(lines[i].text)):
            # A new appendix: the next header opens a new table.
            _finish(table, current[1], blocks, unreadable)
            tables.append(table)
            current, table, blocks = None, None, []
        elif current is not None:
            _take_line(lines[i], blocks)
        i += 1
    if table is not None and current is not None:
        _finish(table, current[1], blocks, unreadable)
        tables.append(table)
    return [t for t in tables if t.rows], unreadable


def _header_at(
    lines: list[_Line], i: int, expected_words: int | None
) -> tuple[list[str], list[str], int, int] | None:
    """Return (titles, roles, word count, index after) when a broken header starts at ``i``."""
    first = fold_key(lines[i].text).split()
    if not first or first[0] not in ("tt", "stt") or "\t" in lines[i].text or "|" in lines[i].text:
        return None
    words: list[str] = []
    j = i
    while j < len(lines):
        line_words = fold_key(lines[j].text).split()
        if not line_words or not set(line_words) <= _HEADER_WORDS or "|" in lines[j].text:
            break
        if expected_words is not None and len(words) + len(line_words) > expected_words:
            break
        words.extend(line_words)
        j += 1
    if j - i < 2:  # a header on one line is not the broken layout this reader is for
        return None
    titles, roles = _match_titles(words)
    if titles is None or roles is None or roles[:2] != ["stt", "content"] or len(roles) < 4:
        return None
    return titles, roles, len(words), j


def _match_titles(words: list[str]) -> tuple[list[str] | None, list[str] | None]:
    titles: list[str] = []
    roles: list[str] = []
    k = 0
    while k < len(words):
        for key, title, role in _TITLE_KEYS:
            if words[k : k + len(key)] == key:
                titles.append(title)
                roles.append(role)
                k += len(key)
                break
        else:
            return None, None
    return titles, roles


def _caption(lines: list[_Line], i: int) -> str:
    """Return the appendix heading above the header at ``i`` ("PHỤ LỤC NHIỆM VỤ ...")."""
    for back in range(i - 1, max(-1, i - 8), -1):
        if _APPENDIX.match(fold(lines[back].text)):
            parts = [line.text for line in lines[back:i] if not line.text.startswith(("(", "["))]
            return _clean(" ".join(parts))
    return ""


def _take_line(line: _Line, blocks: list[_Block]) -> None:
    """Put a body line into the block it belongs to, opening a block at a number or numeral."""
    number = _NUMBER_LINE.match(line.text)
    if number:
        blocks.append(_Block("row", line.no, number.group("n")))
        return
    roman = _ROMAN_LINE.match(line.text)
    if roman and roman_to_int(roman.group("r")) is not None:
        block = _Block("section", line.no, roman.group("r"))
        if roman.group("title"):
            block.lines.append(_Line(line.no, roman.group("title"), False))
        blocks.append(block)
        return
    if not blocks:
        blocks.append(_Block("cont", line.no))
    blocks[-1].lines.append(line)


def _finish(
    table: RawTable, roles: list[str], blocks: list[_Block], unreadable: list[tuple[int, str]]
) -> None:
    """Turn the blocks of one table into its rows."""
    width = len(roles)
    data_roles = roles[1:]
    for block in blocks:
        if block.kind == "section":
            title = _clean(" ".join(line.text for line in block.lines))
            table.rows.append(RawRow([block.label, title] + [""] * (width - 2), block.line))
            continue
        if not block.lines:
            if block.kind == "row":
                unreadable.append((block.line, block.label))
            continue
        atoms = _atoms(block.lines)
        rows = _segment(tuple(atoms), tuple(data_roles), continuation=block.kind == "cont")
        if block.kind == "cont":
            previous = table.rows[-1] if table.rows else None
            if previous is None or _is_section(previous, width):
                unreadable.append((block.line, _excerpt(block.lines)))
                continue
            for role_index, text in enumerate(rows[0][0]):
                if text:
                    cell = previous.cells[role_index + 1]
                    previous.cells[role_index + 1] = _clean(cell + " " + text)
            continue
        for n, (cells, first_line) in enumerate(rows):
            label = block.label if n == 0 else NO_NUMBER
            line = block.line if n == 0 else first_line
            table.rows.append(RawRow([label, *cells], line))
            if not _looks_complete(cells, data_roles):
                unreadable.append((line, _excerpt(block.lines)))


def _is_section(row: RawRow, width: int) -> bool:
    return roman_to_int(row.cells[0]) is not None and not any(row.cells[2:width])


def _looks_complete(cells: list[str], roles: list[str]) -> bool:
    by_role = dict(zip(roles, cells, strict=True))
    if not by_role.get("content"):
        return False
    if "time" in by_role and parse_deadline(by_role["time"]).kind == "unknown":
        return False
    return not ("lead" in by_role and not (by_role["lead"] or by_role.get("coord")))


def _excerpt(lines: list[_Line]) -> str:
    text = _clean(" ".join(line.text for line in lines))
    return text if len(text) <= 60 else text[:57] + "..."


def _atoms(lines: list[_Line]) -> list[_Atom]:
    """Split lines into the pieces a cell boundary may fall between.

    Two cells run together on one line only where the second starts with a capital letter
    or a digit, so a line is cut before each such word (the scoring decides which cuts hold).
    """
    atoms: list[_Atom] = []
    for line in lines:
        pieces = _SPLIT_BEFORE.split(line.text.strip())
        for k, piece in enumerate(pieces):
            atoms.append(_Atom(line.no, piece, k == 0, line.glued, tuple(fold_key(piece).split())))
    return atoms


def _segment(
    atoms: tuple[_Atom, ...], roles: tuple[str, ...], *, continuation: bool
) -> list[tuple[list[str], int]]:
    """Return the rows (cells in ``roles`` order, first line) that best explain ``atoms``.

    A numbered block holds one row, or several when the number cell was merged over rows
    without a number; a continuation block (after a page break) holds parts of one row's
    cells, any of them possibly empty.
    """
    n, k = len(atoms), len(roles)
    empty = [_EMPTY.get(role, _EMPTY_TIME) if not continuation else 0.0 for role in roles]

    @cache
    def seg(col: int, i: int, j: int) -> float:
        return _score(atoms[i:j], roles[col], atoms[i - 1] if i > 0 else None, continuation)

    neg = float("-inf")
    limit = _line_span_limit(atoms)
    # best[(i, c)] = (score, back pointer) for atoms[:i] consumed, last cell in column c.
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None]] = {(0, -1): (0.0, None)}
    for i in range(n):
        for c in range(-1, k):
            state = best.get((i, c))
            if state is None:
                continue
            score = state[0]
            targets: list[tuple[int, float]] = []
            if c == -1:
                targets = [(c2, 0.0) for c2 in range(k)] if continuation else [(0, 0.0)]
            else:
                gap = 0.0
                for c2 in range(c + 1, k):
                    targets.append((c2, gap))
                    gap += empty[c2]
                if not continuation and c >= 1:
                    targets.append((0, sum(empty[c + 1 :]) + _NEW_ROW))
            for c2, cost in targets:
                for j in range(i + 1, n + 1):
                    if roles[c2] != "content" and atoms[j - 1].line - atoms[i].line > limit:
                        break
                    s = seg(c2, i, j)
                    if s == neg:
                        continue
                    # Two cells on one line are neighbours: no empty column between them.
                    if not atoms[i].line_start and c2 != c + 1:
                        s -= 6.0
                    total = score + cost + s
                    if total > best.get((j, c2), (neg, None))[0]:
                        best[(j, c2)] = (total, (i, c))
    end_scores = [(best[(n, c)][0] + sum(empty[c + 1 :]), c) for c in range(k) if (n, c) in best]
    _, last = max(end_scores)
    # Walk back to the cells.
    cuts: list[tuple[int, int, int]] = []  # (start, end, column)
    j, c = n, last
    while c != -1:
        back = best[(j, c)][1]
        assert back is not None
        i, prev = back
        cuts.append((i, j, c))
        j, c = i, prev
    cuts.reverse()
    rows: list[tuple[list[str], int]] = []
    last_col = k
    for i, j, c in cuts:
        if not rows or c <= last_col:
            rows.append(([""] * k, atoms[i].line))
        cells = rows[-1][0]
        cells[c] = _clean(" ".join(a.text for a in atoms[i:j]))
        last_col = c
    return rows


def _line_span_limit(atoms: tuple[_Atom, ...]) -> int:
    """Return how many source lines (blank ones included) a short cell may span."""
    lines = sorted({a.line for a in atoms})
    gaps = [b - a for a, b in pairwise(lines)] or [1]
    return _MAX_CELL_LINES * max(sorted(gaps)[len(gaps) // 2], 1)


def _score(atoms: tuple[_Atom, ...], role: str, before: _Atom | None, continuation: bool) -> float:
    """Return how well ``atoms`` read as one cell of column ``role``."""
    score = 0.0
    if not atoms[0].line_start:
        score -= 1.0
    first = atoms[0].text[0]
    starts_well = first.isupper() or first.isdigit() or first in '(“"-+'
    if not starts_well and not (continuation and before is None):
        score -= 8.0
    words = [word for a in atoms for word in a.words]
    if role != "content":
        head = " ".join(words[:6])
        for pattern, bonus in _STARTS.get(role, ()):
            if pattern.search(head):
                score += bonus
                break
        else:
            score += _NO_START.get(role, 0.0)
        if _has_repeat(words):
            score -= 5.0
    # Lines of one cell are separated by blank lines; a line glued to the one above begins
    # a new cell.
    score -= 4.0 * sum(1 for a in atoms[1:] if a.line_start and a.glued)
    # A cell is no wider than its printed column.
    widths: dict[int, int] = {}
    for a in atoms:
        widths[a.line] = widths.get(a.line, -1) + 1 + len(a.text)
    limit = _WIDTH.get(role, 40) + 1
    score -= 3.0 * sum(1 for w in widths.values() if w > limit)
    # A printed cell does not end on a connective: "Văn phòng HĐND và" goes on below.
    if words and words[-1] in _CONNECTIVES:
        score -= 3.0
    if role == "head" and _BARE_POST.match(" ".join(words)):
        score -= 4.0
    if role == "time":
        text = " ".join(a.text for a in atoms)
        score += 8.0 if parse_deadline(text).kind != "unknown" else -8.0
    return score


def _has_repeat(words: list[str], size: int = 3) -> bool:
    """Return True when a run of ``size`` words comes twice: two cells taken as one."""
    seen: set[tuple[str, ...]] = set()
    for start in range(len(words) - size + 1):
        gram = tuple(words[start : start + size])
        if gram in seen:
            return True
        seen.add(gram)
    return False
