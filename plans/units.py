"""Bodies named in plan cells: one ``UnitRef`` per real body, however it is spelled.

The same division appears as "Phòng Văn hoá - Xã hội", "phòng Văn hóa – Xã hội phường",
"Phòng VH-XH" and "VHXH" in one document; reminders and summaries must treat them as one.
Names are compared through ``unit_key`` (folded, abbreviations expanded, "phường"/"xã" and
honorifics dropped) against a vocabulary of the bodies a commune or ward has.

A cell may name several bodies ("Công an phường/Văn phòng HĐND và UBND phường"), yet
"Văn phòng HĐND và UBND" and "Phòng Kinh tế, Hạ tầng và Đô thị" are one body each despite
their "và" and commas. So a cell is cut only where the cut leaves known bodies; text that is
not a known body (vague wording such as "Các phòng, ban, đơn vị có liên quan") is kept as it
is written, as one unit, and no body is invented from it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

from plans.draft import UnitRef
from plans.people import looks_like_person
from plans.vntext import fold, fold_key

# Canonical display name -> other spellings (abbreviations are also expanded by unit_key).
KNOWN_BODIES: dict[str, tuple[str, ...]] = {
    "Phòng Văn hóa - Xã hội": (
        "Phòng Văn hóa và Xã hội",
        "Phòng VH-XH",
        "VH-XH",
        "Văn hóa - Xã hội",
    ),
    "Phòng Kinh tế, Hạ tầng và Đô thị": (
        "Phòng Kinh tế - Hạ tầng - Đô thị",
        "Phòng KT-HT-ĐT",
        "KT-HT-ĐT",
        "Phòng KT, HT và ĐT",
        "Phòng KTHT&ĐT",
        "Phòng Kinh tế, Hạ tầng, Đô thị",
    ),
    "Phòng Kinh tế": ("Phòng KT",),
    "Văn phòng HĐND và UBND": (
        "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
        "VP HĐND và UBND",
        "Văn phòng HĐND - UBND",
    ),
    "Trung tâm Phục vụ hành chính công": (
        "Trung tâm Phục vụ HCC",
        "TT Phục vụ HCC",
        "TT PVHCC",
        "TTPVHCC",
        "Trung tâm PVHCC",
        "Trung tâm HCC",
        "HCC",
    ),
    "Trung tâm Dịch vụ sự nghiệp công": ("TT Dịch vụ sự nghiệp công", "Trung tâm DVSNC"),
    "Công an": ("Công an",),
    "Ban Chỉ huy Quân sự": ("Ban CHQS", "BCHQS"),
    "Văn phòng Đảng ủy": ("VP Đảng ủy", "VPĐU"),
    "Ban Xây dựng Đảng": ("Ban Xây dựng Đảng Đảng ủy", "Ban XDĐ"),
    "Ủy ban Kiểm tra Đảng ủy": ("Ủy ban Kiểm tra", "UBKT Đảng ủy", "UBKT"),
    "Ủy ban Mặt trận Tổ quốc Việt Nam": (
        "Ủy ban Mặt trận Tổ quốc",
        "Ủy ban MTTQ Việt Nam",
        "Ủy ban MTTQ",
        "UBMTTQ",
        "UBMTTQVN",
        "UBMTTQ Việt Nam",
        "MTTQ",
        "Mặt trận Tổ quốc",
        "Mặt trận Tổ quốc Việt Nam",
    ),
    "Ủy ban nhân dân": ("UBND",),
    "Hội đồng nhân dân": ("HĐND",),
    "Đảng ủy": ("ĐU",),
    "Ban Thường vụ Đảng ủy": ("BTV Đảng ủy", "Ban Thường vụ"),
    "Ban Chỉ đạo": ("BCĐ",),
    "Tổ dân phố": ("TDP",),
    "Tổ công nghệ số cộng đồng": ("Tổ CNSCĐ",),
    "Trạm Y tế": ("Trạm y tế",),
    "Đoàn Thanh niên": ("Đoàn TNCS Hồ Chí Minh", "Đoàn Thanh niên Cộng sản Hồ Chí Minh"),
    "Hội Liên hiệp Phụ nữ": ("Hội LHPN", "Hội Phụ nữ"),
    "Hội Cựu chiến binh": ("Hội CCB",),
    "Hội Nông dân": ("Hội ND",),
}

# Abbreviations as folded token sequences -> their folded expansion.
_ABBREVIATIONS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("ubnd",): ("uy", "ban", "nhan", "dan"),
    ("hdnd",): ("hoi", "dong", "nhan", "dan"),
    ("vp",): ("van", "phong"),
    ("hcc",): ("hanh", "chinh", "cong"),
    ("pvhcc",): ("phuc", "vu", "hanh", "chinh", "cong"),
    ("ttpvhcc",): ("trung", "tam", "phuc", "vu", "hanh", "chinh", "cong"),
    ("mttq",): ("mat", "tran", "to", "quoc"),
    ("ubmttq",): ("uy", "ban", "mat", "tran", "to", "quoc"),
    ("ubmttqvn",): ("uy", "ban", "mat", "tran", "to", "quoc", "viet", "nam"),
    ("vhxh",): ("van", "hoa", "xa", "hoi"),
    ("vh", "xh"): ("van", "hoa", "xa", "hoi"),
    ("kt", "ht", "dt"): ("kinh", "te", "ha", "tang", "do", "thi"),
    ("ktht", "dt"): ("kinh", "te", "ha", "tang", "do", "thi"),
    ("kthtdt",): ("kinh", "te", "ha", "tang", "do", "thi"),
    ("chqs",): ("chi", "huy", "quan", "su"),
    ("bchqs",): ("ban", "chi", "huy", "quan", "su"),
    ("ubkt",): ("uy", "ban", "kiem", "tra"),
    ("btv",): ("ban", "thuong", "vu"),
    ("vpdu",): ("van", "phong", "dang", "uy"),
    ("xdd",): ("xay", "dung", "dang"),
}
_MAX_ABBREV = max(len(k) for k in _ABBREVIATIONS)

# "ĐU" folds to "du", which is also a common syllable ("du lịch"): expand it before folding.
_DU = re.compile(r"\bĐU\b")
_LEADING_FILLERS: tuple[tuple[str, ...], ...] = (
    ("dong", "chi"),
    ("d", "c"),
    ("co", "quan"),
    ("cac",),
)
_PLACE_WORDS = frozenset({"phuong", "xa"})
# A body name starts with one of these words; used to tidy names outside the vocabulary.
_BODY_HEADS: tuple[tuple[str, ...], ...] = (
    ("van", "phong"),
    ("phong",),
    ("trung", "tam"),
    ("ban",),
    ("cong", "an"),
    ("tram",),
    ("truong",),
    ("uy", "ban"),
    ("hoi",),
    ("doan",),
    ("to",),
    ("doi",),
    ("chi", "bo"),
    ("dang", "uy"),
)
_HONORIFIC = re.compile(r"^\s*(?:đồng\s+chí|đ\s*/\s*c|đ\.c)\b[.:]?\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-+•*▪◦–]|\d+[.)])\s+")
# Separators inside one line of a cell, weakest last; a known body may span any of them.
_SEPARATORS = re.compile(r"\s*(?:;|/|,|\s(?:và|cùng)\s|&)\s*")
_TRAILING_JUNK = " \t;,.:-–"


def _expand(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_ABBREV, len(tokens) - i), 0, -1):
            expansion = _ABBREVIATIONS.get(tuple(tokens[i : i + size]))
            if expansion:
                out.extend(expansion)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _strip_place(tokens: list[str]) -> list[str]:
    """Drop a trailing "phường"/"xã" (and a place name after it, "phường Nam Đồng")."""
    for i in range(len(tokens) - 1, 0, -1):
        if tokens[i] not in _PLACE_WORDS:
            continue
        tail = tokens[i + 1 :]
        # "Văn hóa - Xã hội" has a "xã" that is no place.
        if tail and (tail[0] == "hoi" or len(tail) > 3):
            continue
        cut = tokens[:i]
        while cut and cut[-1] in ("cua", "thuoc", "tai"):
            cut = cut[:-1]
        return cut or tokens
    return tokens


def unit_key(text: str) -> str:
    """Return the key that every spelling of one body shares ("phong van hoa xa hoi")."""
    text = _DU.sub("Đảng ủy", unicodedata.normalize("NFC", text)).replace("&", " và ")
    tokens = _expand(fold_key(text).split())
    changed = True
    while changed and tokens:
        changed = False
        for filler in _LEADING_FILLERS:
            if len(tokens) > len(filler) and tuple(tokens[: len(filler)]) == filler:
                tokens = tokens[len(filler) :]
                changed = True
    tokens = _strip_place(tokens)
    tokens = [tok for tok in tokens if tok != "va"]
    return " ".join(tokens)


_ALIAS_INDEX: dict[str, str] = {}
for _name, _aliases in KNOWN_BODIES.items():
    for _alias in (_name, *_aliases):
        _ALIAS_INDEX.setdefault(unit_key(_alias), _name)
_CANONICAL_KEY: dict[str, str] = {name: unit_key(name) for name in KNOWN_BODIES}
_FUZZY_MIN_LENGTH = 12
_FUZZY_CUTOFF = 0.9
_FUZZY_KEYS = [key for key in _ALIAS_INDEX if len(key) >= _FUZZY_MIN_LENGTH]


def known_body(text: str) -> str | None:
    """Return the canonical name of the body ``text`` names entirely, or None.

    A long name that differs from a known one by a letter or two (an OCR scan's "Phong Vin
    héa - Xa hoi", a missing space) is that body too; short names must match exactly, since
    one letter tells "Công an" from other bodies.
    """
    key = unit_key(text)
    if not key:
        return None
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    if len(key) >= _FUZZY_MIN_LENGTH:
        close = difflib.get_close_matches(key, _FUZZY_KEYS, n=1, cutoff=_FUZZY_CUTOFF)
        if close and close[0].split()[0] == key.split()[0]:
            return _ALIAS_INDEX[close[0]]
    return None


def _tidy(text: str) -> str:
    """Return ``text`` as it should be shown: spacing, honorific and stray punctuation fixed."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\s+", " ", text).strip(_TRAILING_JUNK)
    text = _HONORIFIC.sub("", text).strip(_TRAILING_JUNK)
    words = text.split(" ")
    folded = [fold_key(w) for w in words]
    looks_like_body = any(
        tuple(folded[: len(head)]) == head for head in _BODY_HEADS if len(folded) > len(head)
    )
    if looks_like_body:
        # "Phòng Tư pháp phường" is shown as "Phòng Tư pháp", like the known bodies are.
        while len(words) > 1 and folded[-1] in _PLACE_WORDS:
            words, folded = words[:-1], folded[:-1]
            while len(words) > 1 and folded[-1] in ("cua", "thuoc"):
                words, folded = words[:-1], folded[:-1]
        text = " ".join(words).strip(_TRAILING_JUNK)
        if text and text[0].islower():
            text = text[0].upper() + text[1:]
    return text


def make_unit(text: str) -> UnitRef | None:
    """Return the UnitRef for one body name: canonical when known, tidied text otherwise."""
    raw = re.sub(r"\s+", " ", text).strip(_TRAILING_JUNK)
    if not raw or not re.search(r"\w", raw):
        return None
    name = known_body(raw)
    if name:
        return UnitRef(name=name, key=_CANONICAL_KEY[name], raw=raw)
    shown = _tidy(raw)
    key = unit_key(shown)
    if not key:
        return None
    return UnitRef(name=shown, key=key, raw=raw)


def _pieces(cell: str) -> list[str]:
    """Cut a cell into lines and bulleted items; a wrapped line joins its bullet."""
    lines = [line for line in cell.replace("\r", "\n").split("\n") if line.strip()]
    bulleted = any(_BULLET.match(line) for line in lines)
    pieces: list[str] = []
    for line in lines:
        if bulleted and not _BULLET.match(line) and pieces:
            pieces[-1] += " " + line.strip()
        else:
            pieces.append(_BULLET.sub("", line).strip())
    return pieces


def _split_piece(piece: str) -> list[str]:
    """Cut one line at separators, but only where the cut leaves known bodies."""
    fragments: list[str] = []
    separators: list[str] = []
    pos = 0
    for match in _SEPARATORS.finditer(piece):
        if match.start() == 0:
            continue
        fragments.append(piece[pos : match.start()])
        separators.append(match.group(0))
        pos = match.end()
    fragments.append(piece[pos:])

    def joined(i: int, j: int) -> str:
        parts = [fragments[i]]
        for k in range(i + 1, j):
            parts.extend((separators[k - 1], fragments[k]))
        return "".join(parts)

    found: list[tuple[bool, int, int]] = []  # (is known body, first fragment, end fragment)
    i = 0
    while i < len(fragments):
        for j in range(len(fragments), i, -1):
            if known_body(joined(i, j)):
                found.append((True, i, j))
                i = j
                break
        else:
            found.append((False, i, i + 1))
            i += 1
    if not any(known for known, _, _ in found):
        return [piece]
    # Unknown neighbours stay together as written: "Các phòng chuyên môn, đơn vị sự nghiệp".
    out: list[str] = []
    run_start: int | None = None
    for known, start, end in found:
        if known:
            if run_start is not None:
                out.append(joined(run_start, start))
                run_start = None
            out.append(joined(start, end))
        elif run_start is None:
            run_start = start
    if run_start is not None:
        out.append(joined(run_start, len(fragments)))
    return out


def parse_units(cell: str) -> list[UnitRef]:
    """Return the bodies a cell names, in order, one UnitRef per distinct body."""
    units: dict[str, UnitRef] = {}
    for piece in _pieces(cell):
        for part in _split_piece(piece):
            # "Đ/c Trưởng Phòng Văn hóa – Xã hội" in a unit column means that division.
            unit = (unit_from_post(part) if looks_like_person(part) else None) or make_unit(part)
            if unit and not _is_filler(unit.key):
                units.setdefault(unit.key, unit)
    return list(units.values())


def _is_filler(key: str) -> bool:
    return key in {"", "cac", "co lien quan", "lien quan", "phuong", "xa"}


_POST_TITLES: tuple[tuple[str, ...], ...] = (
    ("pho", "truong", "ban"),
    ("truong", "ban"),
    ("pho", "truong"),
    ("truong",),
    ("pho", "chanh"),
    ("chanh",),
    ("pho", "giam", "doc"),
    ("giam", "doc"),
    ("pho", "chu", "nhiem"),
    ("chu", "nhiem"),
    ("chi", "huy", "truong"),
    ("pho", "chu", "tich"),
    ("chu", "tich"),
    ("pho", "bi", "thu"),
    ("bi", "thu"),
    ("pho",),
    ("can", "bo"),
    ("cong", "chuc"),
    ("chuyen", "vien"),
)


def unit_from_post(post: str) -> UnitRef | None:
    """Return the body a post belongs to: "Trưởng Phòng Văn hóa – Xã hội" -> that division.

    A post that only directs ("Phó Chủ tịch UBND phụ trách ...") names no lead body and gives
    None; so does a post whose body is not recognisable.
    """
    text = _HONORIFIC.sub("", re.sub(r"\s+", " ", post).strip())
    words = text.split(" ")
    folded = [fold_key(w) for w in words]
    if not words or "phu trach" in fold(text) or "kiem nhiem" in fold(text):
        return None
    for title in _POST_TITLES:
        n = len(title)
        if tuple(folded[:n]) != title or len(words) <= n:
            continue
        rest = " ".join(words[n:])
        if known_body(rest):
            return make_unit(rest)
        rest_folded = folded[n:]
        if any(tuple(rest_folded[: len(head)]) == head for head in _BODY_HEADS):
            return make_unit(rest)
    return None


def dedupe(units: Iterable[UnitRef]) -> list[UnitRef]:
    """Return ``units`` without repeats of the same body, first mention kept."""
    seen: dict[str, UnitRef] = {}
    for unit in units:
        seen.setdefault(unit.key, unit)
    return list(seen.values())
