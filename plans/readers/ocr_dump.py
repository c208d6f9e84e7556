"""Appendix tables of an OCR scan that lost its diacritics and most of its table grid.

A scanned plan run through OCR comes out as text without most accents ("Phong Van hoa - Xa
hoi"), with the table's vertical rules turned into stray pipes, diacritics read as separate
lines of noise ("A s Xy yr o4 il X"), digits and letters swapped ("1o" for 10, "s6" for
"số") and the cells of one printed line run together: the task's text first, then the lead
unit, the coordinating units and the deadline, each of those broken over two or three lines.

The two appendix tables such plans carry are read here: the KPI table ("Chỉ tiêu" with the
targets of 2025 ... 2045, the leader who directs and the unit that monitors) and the task
table (task, lead unit, coordinating units, time). Rows are found at their numbers, which
run in sequence, so a number the OCR broke ("o |", "1o |", "1 |" for 18) is restored where
the sequence and the row's own cells make it certain; sections are found at their Roman
numerals, restored the same way ("| |", "Il", "I11"). The cells on the right of each line
are recognised by the words they are made of (unit names, deadline words) in the spellings
OCR gives them; the rest of the line is the task's or indicator's text.

Cells keep the OCR's text (only whitespace and table debris at a cell's edges are dropped).
A cell that cannot be read is left empty and the row is listed in the report of
``read_tables_with_report`` with its line, so the importer can show "rows it could not
read"; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from locales import N_
from plans.deadlines import parse_deadline
from plans.tables import RawRow, RawTable
from plans.vntext import fold, strip_accents

# Where a table starts, for the import report: the line of its header.
LINE_LABEL = N_("dòng {n}")

KPI_HEADER: list[str] = [
    "STT",
    "Chỉ tiêu",
    "Năm 2025",
    "Năm 2030",
    "Năm 2035",
    "Năm 2040",
    "Năm 2045",
    "Phân công chỉ đạo",
    "Cơ quan chủ trì theo dõi, đánh giá",
]
TASK_HEADER: list[str] = [
    "STT",
    "Tên nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian thực hiện",
]
_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# Below this share of accented letters a text has lost its diacritics: an OCR dump.
_MAX_ACCENTED = 0.15

# --- tokens ----------------------------------------------------------------------------

_NUCLEI = (
    "ieu|yeu|oai|oay|oao|oeo|uay|uoi|uou|uya|uye|uyu|"
    "ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uu|uy|ye|a|e|i|o|u|y"
)
_SYLLABLE = re.compile(
    rf"^(?P<onset>ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
    rf"(?P<nucleus>{_NUCLEI})(?:ch|ng|nh|[cmnpt])?$"
)
_NUMBERISH = re.compile(r"^[<>=≥≤]?\d+(?:[.,/-]\d+)*%?$|^\d+-[A-Za-z]+/[A-Za-z]+$")
_EDGE_PUNCT = "|.,;:!?\"'“”‘’()[]{}-–_&*/\\"
# OCR reads "ố" as 6, "o" as 0, "l" as 1: for telling words from noise only.
_DIGIT_AS_LETTER = str.maketrans(
    {"6": "o", "0": "o", "1": "l", "4": "a", "¢": "e", "€": "e", "&": "e", "(": "", ")": ""}
)
_CODE = re.compile(r"^[A-Za-z]+/[A-Za-z]+$")  # NQ/TW, Gbps/s
_WEIRD = re.compile(r"[‘’'`°©¢€\[\]{}<>_=?!@#$^*~\\]")  # never inside a word
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def _fold_aligned(text: str) -> str:
    """Return ``text`` folded character by character, so positions stay the same."""
    out = []
    for ch in text:
        bare = "-" if ch in _DASHES else strip_accents(ch).lower()
        out.append(bare if len(bare) == 1 else " ")
    return "".join(out)


def _is_syllable(core: str) -> bool:
    """Return True when ``core`` spells a Vietnamese syllable (OCR digits read as letters)."""
    bare = strip_accents(core).lower().translate(_DIGIT_AS_LETTER)
    m = _SYLLABLE.match(bare) if len(bare) > 1 or bare in "aeiouy" else None
    if m is None:
        return False
    onset, first = m.group("onset") or "", m.group("nucleus")[0]
    # Vietnamese spelling: "gh", "ngh", "k" before e/i/y; "g", "ng", "c" before the rest.
    if onset in ("g", "ng", "c") and first in "eiy" and bare != "gi":
        return False
    return not (onset in ("gh", "ngh", "k") and first not in "eiy")


def _is_number(token: str) -> bool:
    return bool(_NUMBERISH.match(token.rstrip(".,;:)")))


def _is_word(token: str) -> bool:
    """Return True for a token that reads as text (a word, even OCR-garbled, or a number)."""
    core = token.strip(_EDGE_PUNCT)
    if len(core) <= 1:
        return False  # a lone letter or digit is the debris of a rule or an accent
    if _is_number(token) or (_is_number(core) and not token.startswith("/")):
        return True
    if _CODE.match(core):
        return True
    if core.isalpha() and core.isupper():
        return len(core) >= 3  # an acronym (UBND, CNTT); "LA", "YN" are debris
    bare = strip_accents(core).lower().translate(_DIGIT_AS_LETTER)
    if len(bare) >= 4 and bare.isalpha():
        return True  # a word the OCR misspelt ("Lhong", "dudng")
    return _is_syllable(core)


def _is_debris(token: str) -> bool:
    """Return True for a token that is surely not text: rules, specks, stray symbols."""
    core = token.strip(_EDGE_PUNCT)
    if len(core) <= 1 or _WEIRD.search(token) or token.startswith("."):
        return True
    if re.search(r"[^\w%/&-]", core):
        return True
    return len(core) <= 2 and not _is_number(core) and not _is_syllable(core)


def _strip_debris(text: str, *, numbers: bool = False) -> str:
    """Drop debris tokens at both edges of a fragment (and numbers, if asked); keep the rest."""

    def debris(token: str) -> bool:
        return _is_debris(token) or (numbers and _is_number(token.strip(_EDGE_PUNCT)))

    tokens = text.split()
    while tokens and debris(tokens[-1]):
        tokens.pop()
    while tokens and debris(tokens[0]):
        tokens.pop(0)
    return " ".join(tokens)


def _trim(text: str) -> str:
    """Drop table debris at both edges of a text fragment: runs that are mostly noise."""
    tokens = text.split()

    def cut_suffix(tokens: list[str]) -> list[str]:
        # From the end, find the start of the noisy tail: the leftmost debris token beyond
        # which at least 60% of the tokens are noise; two words in a row are text again.
        keep = len(tokens)
        noise = 0
        for i in range(len(tokens) - 1, -1, -1):
            if not _is_word(tokens[i]):
                noise += 1
                if noise / (len(tokens) - i) >= 0.6:
                    keep = i
            elif noise == 0 or (i + 1 < len(tokens) and _is_word(tokens[i + 1])):
                break
        return tokens[:keep]

    tokens = cut_suffix(tokens)
    tokens = cut_suffix(tokens[::-1])[::-1]
    return " ".join(tokens).strip(" |;:")


def _is_noise_line(text: str) -> bool:
    tokens = text.split()
    if not tokens:
        return True
    good = sum(1 for t in tokens if _is_word(t))
    return good / len(tokens) < 0.5


# --- lines -----------------------------------------------------------------------------


@dataclass
class _Line:
    no: int
    text: str


@dataclass
class _Fragment:
    role: str  # "lead" | "coord" | "time" | "name" | "post" | "tail" | "unit"
    start: bool  # the first fragment of its cell ("Phong Van hoa -") or a later one
    text: str


@dataclass
class _Parsed:
    line: _Line
    left: str  # the task's or indicator's part of the line, trimmed
    raw_left: str = ""  # the same before trimming
    fragments: list[_Fragment] = field(default_factory=list)


def _accented_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 1.0
    return sum(1 for c in letters if strip_accents(c) != c) / len(letters)


_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
_APPENDIX = re.compile(r"^\W*phu\s+luc\b")
_KPI_HEAD = re.compile(r"\bstt\b.*\b2025\b.*\b2030\b")
_KPI_HEAD_AROUND = re.compile(r"^(?:co quan|danh gia)\W*$|\bnam\s*\|\s*n[a-z]m\b|cha tri")
_TASK_HEAD_MORE = re.compile(
    r"^[\W\d]*(?:(?:co|quan|chu|tri|phoi|hop|thoi|gian|thuc|hien|hoan|thanh|ket|qua)\b\W*)+$"
)
_TASK_HEAD = re.compile(r"\bstt\b.*\bnhi[a-z]m\s+vu\b.*\bco\s+quan\b")


def _clean(text: str) -> str:
    """Return ``text`` in NFC on one line with single spaces; dashes stay as printed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def read_tables(text: str) -> list[RawTable]:
    """Return the appendix tables of an OCR text dump, [] when it has none."""
    return read_tables_with_report(text)[0]


def read_tables_with_report(text: str) -> tuple[list[RawTable], list[tuple[int, str]]]:
    """Return the tables and the rows that could not be read (line, excerpt)."""
    lines = [_Line(i + 1, _clean(raw)) for i, raw in enumerate(text.splitlines())]
    folded = [_fold_aligned(line.text) for line in lines]
    kpi_at = next((i for i, f in enumerate(folded) if _KPI_HEAD.search(f)), None)
    task_at = next((i for i, f in enumerate(folded) if _TASK_HEAD.search(f)), None)
    tables: list[RawTable] = []
    unreadable: list[tuple[int, str]] = []
    starts = sorted(i for i in (kpi_at, task_at) if i is not None)
    for start in starts:
        if "\t" in lines[start].text or lines[start].text.lstrip().startswith("|"):
            continue  # a tab-separated or markdown table: not an OCR dump
        end = next((s for s in starts if s > start), len(lines))
        # The region ends at the next appendix heading ("Phu luc s6 02 ...").
        end = next(
            (i for i in range(start + 1, end) if _APPENDIX.match(folded[i])),
            end,
        )
        region = lines[start:end]
        if _accented_share(" ".join(line.text for line in region)) > _MAX_ACCENTED:
            continue
        title = _title_above(lines, folded, start)
        if start == kpi_at:
            table, bad = _read_kpis(region, title)
        else:
            table, bad = _read_tasks(region, title)
        if table.rows:
            tables.append(table)
            unreadable.extend(bad)
    return tables, unreadable


def _title_above(lines: list[_Line], folded: list[str], start: int) -> str:
    for i in range(start - 1, max(-1, start - 12), -1):
        if _APPENDIX.match(folded[i]):
            return lines[i].text.strip()
    return ""


def _body(region: list[_Line], kpi: bool) -> list[_Line]:
    """Return the region's lines without blank lines, headers (repeated at page breaks),
    page numbers (a number alone between blank lines) and file paths."""

    def blank(k: int) -> bool:
        return not (0 <= k < len(region)) or not region[k].text.strip()

    body: list[_Line] = []
    skip_until = -1
    for i, line in enumerate(region):
        text = line.text.strip()
        f = _fold_aligned(text)
        if i <= skip_until or not text or "file:/" in f:
            continue
        if _PAGE_NUMBER.match(text) and blank(i - 1) and blank(i + 1):
            continue
        if kpi and _KPI_HEAD.search(f):
            # The repeated header: "Co quan" / "Nam | Nam ... cha tri" / STT ... / "danh gia".
            while body and _KPI_HEAD_AROUND.search(_fold_aligned(body[-1].text)):
                body.pop()
            if i + 1 < len(region) and _KPI_HEAD_AROUND.search(_fold_aligned(region[i + 1].text)):
                skip_until = i + 1
            continue
        if not kpi and (i == 0 or (not body and i <= 3 and _TASK_HEAD_MORE.match(f))):
            continue  # the header and the rest of its wrapped titles ("hop thuc hién")
        body.append(_Line(line.no, text))
    return body


# --- row numbers and sections -------------------------------------------------------------

_LEAD_TOKEN = re.compile(r"^\s*(?P<tok>[^\s|]{1,3})\s*(?P<pipe>\|)?\s*")
_OCR_DIGITS = str.maketrans({"o": "0", "O": "0", "l": "1", "I": "1", "i": "1", "|": "1"})
# A section row: its Roman numeral as OCR left it ("| |", "Il |", "I11 |", "II.") and a title.
_SECTION = re.compile(
    r"^\s*(?:(?:[|Il1i]\s*){1,4}\||[IVX]{1,4}\.)\s*(?P<title>[A-Za-zÀ-ỹĐđ][^|%\d]*)$"
)


def _number_token(text: str, expected: int) -> tuple[str, str]:
    """Return how this line's leading token reads as row ``expected``, and the text after it.

    "exact": the number as printed; "ocr": the number with OCR's letters for digits ("1o");
    "split": one digit of a two-digit number split over two lines ("1" above, "8 ..."
    below); "garbled": a token of one or two characters before a rule ("o |", "e |"), which
    only the sequence and the row's cells can confirm; "" when it is not that row.
    """
    m = _LEAD_TOKEN.match(text)
    if not m:
        return "", text
    raw = m.group("tok")
    rest = text[m.end() :]
    want = str(expected)
    if raw.isdigit():
        if raw == want:
            return "exact", rest
        if len(want) == 2 and raw in (want[0], want[1]):
            return "split", rest
        return "", text
    if raw.translate(_OCR_DIGITS) == want:
        return "ocr", rest
    if m.group("pipe") and len(raw) <= 2:
        return "garbled", rest
    return "", text


def _section(text: str) -> str | None:
    m = _SECTION.match(text)
    if not m or len(m.group("title").split()) > 8:
        return None
    return m.group("title").strip()


# --- KPI table ---------------------------------------------------------------------------

# The directing leader, in three printed lines: "Đ/c Nguyễn Khánh" / "Chi - Phó Chủ tịch" /
# "UBND phường", as OCR spells them ("P/c Nguyén Khanh", "Chi-Phd Chatich").
_NAME = re.compile(
    r"(?:\b[a-z]{1,2}\s?/\s?[a-z]\s+(?:[a-z]+\s+)?[a-z]{2,7}"
    r"|(?:\b[a-z]{1,2}\s+)?nguy[a-z]{0,2}n\s+[a-z]{3,6})\b"
)
_POST = re.compile(
    r"\b[a-z]{2,7}\s*-\s*(?:ph[a-z0-9]{1,2}\s*)?"
    r"(?:ch[a-z]{0,3}\s*tich|bi\s*thu|truong\s+[a-z]{3,6}|giam\s+doc)\b"
)
_TAIL = re.compile(r"\bubnd\s+ph[a-z]{2,4}\b")
_TARGET_DEBRIS = re.compile(r"(?:\s+[\d.,]+\s*%?){2,}\s*\|?\s*$")  # "304 304 0 3% 3,5% |"
_TARGET = re.compile(r"^(?:[<>=≥≤]\s*)?\d{1,3}(?:[.,]\d{1,2})?\s*%$|^-$")
_KPI_UNIT_END = re.compile(
    r"(?:\S{0,3}on[ge]\s+v[a-z]{1,2}n|h[a-z]a\s*-\s*\S{0,4}\s*hoi|trung\s+t[a-z]m|"
    r"\S*g\s+tam|(?:p?h)?uc\s+vu|hanh\s+chinh|c\S{1,2}ng\s+va\s+cac|phong,\s*don|"
    r"vi\s+lien\s+quan|cong\s+an|phong\s+kinh|te,\s*ha\s+tang|va\s+do\s+thi)\s*$"
)
# Specks inside a unit's words ("héa-%(é hoi" for "hóa - Xã hội"): dropped, the letters kept.
_UNIT_SYMBOLS = re.compile(r"[%()]")
_UNITS = (
    "phong van hoa xa hoi",
    "phong kinh te ha tang va do thi",
    "trung tam phuc vu hanh chinh cong va cac phong don vi lien quan",
    "cong an phuong",
    "van phong hdnd va ubnd",
    "trung tam dich vu su nghiep cong",
)


@dataclass
class _Block:
    kind: str  # "section" | "row"
    label: str  # the Roman numeral or the row number, restored
    main: _Line  # the line with the number (and, for a KPI, the targets)
    lines: list[_Line]
    title: str = ""  # a section's title


def _read_kpis(region: list[_Line], title: str) -> tuple[RawTable, list[tuple[int, str]]]:
    table = RawTable(
        header=list(KPI_HEADER), source=LINE_LABEL.format(n=region[0].no), title=title
    )
    unreadable: list[tuple[int, str]] = []
    body = _body(region, kpi=True)
    blocks: list[_Block] = []
    expected = 1
    for line in body:
        section = _section(line.text)
        if section is not None:
            roman = _ROMANS[sum(1 for b in blocks if b.kind == "section")]
            blocks.append(_Block("section", roman, line, [line], section))
            continue
        how, _ = _number_token(line.text, expected)
        # A main line carries the row's number and its targets; a number the OCR garbled
        # is taken only on a line that has the targets.
        if how in ("exact", "ocr") or (how and len(_targets_in(line.text)) >= 2):
            blocks.append(_Block("row", str(expected), line, []))
            expected += 1
    _kpi_lines(body, blocks)
    for block in blocks:
        if block.kind == "section":
            cells = [block.label, block.title] + [""] * (len(KPI_HEADER) - 2)
            table.rows.append(RawRow(cells, block.main.no))
            continue
        cells, sure = _kpi_row(block.lines, block.main, block.label)
        table.rows.append(RawRow(cells, block.main.no))
        if not sure:
            unreadable.append((block.main.no, _excerpt(block.main.text)))
    return table, unreadable


def _targets_in(text: str) -> list[str]:
    return list(re.findall(r"[<>=≥≤]?\s?\d{1,4}(?:[.,]\d+)?\s?%", text))


def _kpi_lines(body: list[_Line], blocks: list[_Block]) -> None:
    """Give each row block its lines.

    A row's cells are printed around its main line, so a row begins a few lines above it,
    right after the previous row's last line; a row ends after its leader's "UBND phường"
    line and the lower-case lines that finish its cells.
    """
    index = {id(line): i for i, line in enumerate(body)}
    start = 0
    for n, block in enumerate(blocks):
        i = index[id(block.main)]
        if block.kind == "section":
            start = i + 1
            continue
        following = blocks[n + 1] if n + 1 < len(blocks) else None
        nxt = index[id(following.main)] if following else len(body)
        end = nxt
        if following is not None and following.kind == "row":
            tail = next((k for k in range(i, nxt) if _TAIL.search(_fold_aligned(body[k].text))), i)
            end = tail + 1
            while end < nxt and _continues(body[end].text):
                end += 1
        block.lines = body[start:end]
        start = end


def _continues(text: str) -> bool:
    """Return True when a line after a row's last full line still belongs to that row."""
    f = _fold_aligned(text)
    if _NAME.search(f):
        return False  # the next row's leader
    tokens = [t for t in text.split() if _is_word(t)]
    if not tokens:
        return True
    return tokens[0][0].islower()


def _kpi_row(lines: list[_Line], main: _Line, label: str) -> tuple[list[str], bool]:
    """Return the cells of one KPI row and whether every cell was read."""
    indicator: list[str] = []
    unit: list[str] = []
    name = post = tail = ""
    targets: list[str] = []
    for line in lines:
        text = line.text
        if line is main:
            _, text = _number_token(text, int(label))
        f = _fold_aligned(text)
        cut = len(text)
        right_from = -1
        for pattern, slot in ((_NAME, "name"), (_POST, "post"), (_TAIL, "tail")):
            m = pattern.search(f)
            if m is None:
                continue
            piece = text[m.start() : m.end()].strip()
            if slot == "name" and not name:
                name = piece
            elif slot == "post" and not post:
                post = piece
            elif slot == "tail" and not tail:
                tail = piece
            cut = min(cut, m.start())
            right_from = max(right_from, m.end())
        # Right of the leader's column is the monitoring unit's.
        right = text[right_from:] if right_from >= 0 else ""
        if right_from >= 0:
            unit.append(_strip_debris(_UNIT_SYMBOLS.sub("", right), numbers=True))
        else:
            m = _KPI_UNIT_END.search(f[:cut])
            if m:
                unit.append(_strip_debris(text[m.start() : cut], numbers=True))
                cut = m.start()
        left = text[:cut]
        if line is main:
            left, targets = _split_targets(left)
        left = _trim(left)
        if line is not main:
            left = _trim(_TARGET_DEBRIS.sub("", left))
        if left and not _is_noise_line(left):
            indicator.append(left)
    directing = _clean(" ".join((name, post, tail))) if name and post and tail else ""
    unit_text = _clean(" ".join(u for u in unit if u))
    unit_read = _unit_matches(unit_text)
    if not unit_read and not _unit_begins(unit_text):
        unit_text = ""  # nothing recognisable: leave the cell empty rather than guess
    indicator_text = _clean(" ".join(indicator))
    if len(targets) != 5:
        targets = [""] * 5
    sure = (
        bool(directing)
        and unit_read
        and all(targets)
        and bool(indicator_text)
        and _readable(indicator_text)
    )
    return [label, indicator_text, *targets, directing, unit_text], sure


def _split_targets(text: str) -> tuple[str, list[str]]:
    """Split a KPI main line (number taken off) into the indicator's part and 5 targets.

    The targets follow the indicator, each between rules ("| 100% |"); where the OCR lost
    a rule the first targets stick to the indicator ("... dia ban - - 50% | 80%"). A target
    the OCR garbled ("10005") is kept empty; unless exactly five are found none is kept.
    """
    parts = [p.strip() for p in text.split("|")]
    first = parts[0].split()
    stuck: list[str] = []
    while first and _TARGET.match(first[-1]):
        stuck.insert(0, first.pop())
    items = stuck + [p for p in parts[1:] if p]
    values = [p if _TARGET.match(p.replace(" ", "")) else "" for p in items]
    if len(values) != 5:
        return " ".join(first), []
    return " ".join(first), [v.replace(" ", "") for v in values]


def _unit_matches(text: str) -> bool:
    """Return True when the OCR'd unit text is recognisably one of the plan's units."""
    key = re.sub(r"[^a-z ]+", " ", fold(text))
    key = " ".join(key.split())
    if len(key) < 6:
        return False
    return any(SequenceMatcher(None, key, unit).ratio() >= 0.6 for unit in _UNITS)


def _garbled(token: str) -> bool:
    core = token.strip(_EDGE_PUNCT)
    if not core or _is_number(token) or _is_number(core) or _CODE.match(core):
        return False
    if re.search(r"[^\w&]", core) or _WEIRD.search(token):
        return True  # "du?1", "irg)n", "k¥"
    bare = strip_accents(core).lower().translate(_DIGIT_AS_LETTER)
    return len(bare) <= 3 and not _is_syllable(core)


def _unit_begins(text: str) -> bool:
    """Return True when the OCR'd text is the recognisable start of a unit ("Phone Vin")."""
    key = " ".join(re.sub(r"[^a-z ]+", " ", fold(text)).split())
    if len(key) < 8:
        return False
    return any(SequenceMatcher(None, key, unit[: len(key)]).ratio() >= 0.75 for unit in _UNITS)


def _readable(text: str) -> bool:
    """Return True when a text cell reads as text: no three garbled words among five."""
    flags = [_garbled(token) for token in text.split()]
    return not any(sum(flags[i : i + 5]) >= 3 for i in range(len(flags)))


def _excerpt(text: str) -> str:
    text = _clean(text)
    return text if len(text) <= 60 else text[:57] + "..."


# --- task table --------------------------------------------------------------------------

_LEAD_START = re.compile(
    r"(?:ph[a-z0-9¢]{1,3}\s*v[a-z]{1,2}n\s*h[a-z]a\s*-?|ph[a-z]{2,3}\s+kinh\s+t[a-z],?|"
    r"trung\s+t[a-z]m(?:\s+(?:su|phuc))?|van\s+phong)\s*$"
)
_LEAD_MORE = re.compile(
    r"(?:x[a-z0-9&]{0,2}\s*hoi|h[a-z]\s*t[a-z]ng\s+va\s+[bd]o\s+thi|nghiep\s+c[a-z0-9]ng|"
    r"hdnd\s+va\s+ubnd|vu\s+h\S{2,4}\s+ch\S{3,8}|^cong)\s*$"
)
_COORD_START = re.compile(
    r"(?:\b\S{0,2}[ae]?c\s*p[hr][a-z]{0,3}\s?g?[,.']?(?:\s+ban,)?|t[a-z]\s+cong\s+ngh[a-z])\s*$"
)
_COORD_MORE = re.compile(r"(?:(?:ban,\s*)?don\s+vi;?|s[o6]\s+cong\s+dong)\s*$")
_TIME_START = re.compile(r"(?:\bh[a-z]n[a-z]?\s+n[a-z]m|\bthuon[a-z]?|\bthang)\s*$")
_TIME_MORE = re.compile(r"(?:\bx[a-z]{2,4}n|\d{1,2}/\d{4}|\bang\s+nam)\s*$")
_RIGHT = (
    ("time", _TIME_START, _TIME_MORE),
    ("coord", _COORD_START, _COORD_MORE),
    ("lead", _LEAD_START, _LEAD_MORE),
)


def _read_tasks(region: list[_Line], title: str) -> tuple[RawTable, list[tuple[int, str]]]:
    table = RawTable(
        header=list(TASK_HEADER), source=LINE_LABEL.format(n=region[0].no), title=title
    )
    unreadable: list[tuple[int, str]] = []
    parsed = [_parse_task_line(line) for line in _body(region, kpi=False)]
    mains = _task_mains(parsed)
    for label, block, main in _task_blocks(parsed, mains):
        cells: dict[str, list[str]] = {"content": [], "lead": [], "coord": [], "time": []}
        for p in block:
            left = p.left
            if p is main:
                left = _trim(_number_token(p.raw_left, int(label))[1])
            if left and not _is_noise_line(p.raw_left) and not _is_noise_line(left):
                cells["content"].append(left)
            for frag in p.fragments:
                cells[frag.role].append(frag.text)
        content, lead, coord, time = (
            _clean(" ".join(cells[k])) for k in ("content", "lead", "coord", "time")
        )
        table.rows.append(RawRow([label, content, lead, coord, time], main.line.no))
        time_ok = parse_deadline(time).kind != "unknown"
        if not (content and _readable(content) and lead and coord and time_ok):
            unreadable.append((main.line.no, _excerpt(main.line.text)))
    return table, unreadable


def _parse_task_line(line: _Line) -> _Parsed:
    """Peel the right-hand cells off a task line: time, then coordinating units, then lead."""
    text = line.text
    fragments: list[_Fragment] = []
    for role, start, more in _RIGHT:
        text = _trim_right(text)
        f = _fold_aligned(text)
        m_start = start.search(f)
        m_more = more.search(f)
        m = m_start or m_more
        if m_start and m_more:
            m = m_start if m_start.start() <= m_more.start() else m_more
        if m is None:
            continue
        fragments.insert(0, _Fragment(role, m is m_start, text[m.start() :].strip(" |")))
        text = text[: m.start()]
    text = _trim_right(text)
    roles = {f.role for f in fragments}
    if "lead" not in roles and roles & {"coord", "time"} and "|" in text:
        # A lead unit the OCR garbled still sits between two rules: "... | PIONOKITNE, |".
        before, _, last = text.rpartition("|")
        if before.strip() and 0 < len(last.split()) <= 2:
            fragments.insert(0, _Fragment("lead", True, last.strip()))
            text = before
    return _Parsed(line, _trim(text), text, fragments)


def _trim_right(text: str) -> str:
    """Drop the debris after the last word of a line ("... don vi g", "Hane nim &")."""
    tokens = text.split()
    while tokens and _is_debris(tokens[-1]) and tokens[-1] != "-":
        tokens.pop()
    return " ".join(tokens).rstrip(" |")


def _task_mains(parsed: list[_Parsed]) -> list[tuple[int, str]]:
    """Return (index, number) of each row's main line: its number and its right cells."""
    mains: list[tuple[int, str]] = []
    expected = 1
    i = 0
    while i < len(parsed):
        p = parsed[i]
        how, _ = _number_token(p.line.text, expected)
        if how in ("exact", "ocr") or (how and p.fragments):
            # Of two lines holding the split digits of one number, the fuller one is main.
            if (
                i + 1 < len(parsed)
                and _number_token(parsed[i + 1].line.text, expected)[0]
                and parsed[i + 1].fragments
                and len(parsed[i + 1].left) > len(p.left)
            ):
                i += 1
            mains.append((i, str(expected)))
            expected += 1
        i += 1
    return mains


def _task_blocks(
    parsed: list[_Parsed], mains: list[tuple[int, str]]
) -> list[tuple[str, list[_Parsed], _Parsed]]:
    """Split the task lines into rows around their main lines.

    After a row's main line its cells go on below; the next row begins at a line whose text
    opens with a capitalised word (a bulleted cell goes on with more bullets), or at a unit
    or deadline that opens a cell the current row already has.
    """
    out: list[tuple[str, list[_Parsed], _Parsed]] = []
    start = 0
    for n, (i, label) in enumerate(mains):
        nxt = mains[n + 1][0] if n + 1 < len(mains) else len(parsed)
        end = i + 1
        if n + 1 < len(mains):
            opened = {f.role for p in parsed[start : i + 1] for f in p.fragments if f.start}
            bulleted = _first_left(parsed[start : i + 1]).lstrip().startswith("-")
            while end < nxt and not _opens_row(parsed[end], opened, bulleted):
                opened |= {f.role for f in parsed[end].fragments if f.start}
                end += 1
        else:
            end = nxt
        out.append((label, parsed[start:end], parsed[i]))
        start = end
    return out


def _first_left(block: list[_Parsed]) -> str:
    return next((p.raw_left for p in block if p.left and not _is_noise_line(p.left)), "")


def _opens_row(p: _Parsed, opened: set[str], bulleted: bool) -> bool:
    if any(not f.start for f in p.fragments):
        return False  # it finishes a cell of the current row
    if any(f.start and f.role in opened for f in p.fragments):
        return True
    if not p.left or _is_noise_line(p.left):
        return False
    if bulleted and p.raw_left.lstrip().startswith("-"):
        return False  # the next bullet of a bulleted cell
    words = p.raw_left.lstrip(" -|,.;:").split()
    first = words[0] if words else ""
    # A garbled first word ("Ctru" for "Cứu") is not trusted to open a row.
    return bool(first) and first[0].isupper() and _is_syllable(first.strip(_EDGE_PUNCT))
