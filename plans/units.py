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

A scanned plan spells bodies as OCR read them ("Lhong Van hoa - Xa hoi", "PIONOKITNE,
Hating va Do thi"): text that lost its diacritics is also compared letter by letter, with
the care described at ``scanned_name``; the scan's spelling stays in ``UnitRef.raw``.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from plans.draft import UnitRef
from plans.people import looks_like_person
from plans.vntext import fold, fold_key, strip_accents

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
# "va" and "VA": a scan loses the accent and keeps the case as printed.
_SEPARATORS = re.compile(r"\s*(?:;|/|,|\s(?:và|va|cùng|cung)\s|&)\s*", re.IGNORECASE)
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


# --- names read from a scan -----------------------------------------------------------------
# An OCR scan loses the diacritics and misreads letters: "Lhong Van hoa - Xa hoi", "Phéne Vin
# héa-gXé hoi", "Trung tdm phuc vu hanh chinh", "con an hugn PPond". Such a name is compared
# with the vocabulary by its letters, vowels aside (the scan's "é" is as often "ò" as "ê"),
# and taken for a body only when
#   - the letters of the scan that read as Vietnamese words are (almost) all the body's, in
#     order, so "Phong Van hoa Thong tin" (another division) and "Cong an thanh pho" are not
#     taken for "Phòng Văn hóa - Xã hội" and "Công an";
#   - most of the body's name is legible, its distinctive words weighing most ("Phone Vi"
#     names nothing yet);
#   - a head the scan shows ("Phòng", "Văn phòng", "Trung tâm", ...) is that body's head;
#   - no other body, nor a vague phrase such as "Các phòng, ban, đơn vị", fits nearly as well.
# Text typed with its diacritics never comes here: its letters are not misread.

# A vague phrase is matched too, so that it is never taken for a body and is shown once.
VAGUE_PHRASES: tuple[str, ...] = (
    "Các phòng, ban, đơn vị",
    "Các phòng, ban, đơn vị có liên quan",
    "Các phòng, đơn vị liên quan",
    "Các cơ quan, đơn vị",
    "Các cơ quan, đơn vị liên quan",
    "Các đơn vị liên quan",
    "Các phòng chuyên môn",
)
_SCAN_MAX_ACCENTED = 0.15  # a name keeping more of its accents was typed, not scanned
_SCAN_MIN_LETTERS = 5
# "Coverage": how much of the name is legible; "precision": how much of the scan's words
# belong to the name; "fit": their harmonic mean. Tuned on seed 004 and on the names of the
# other seeds with their accents stripped (none of which may change).
_SCAN_MIN_FIT = 0.78
_SCAN_MIN_PRECISION = 0.75
_SCAN_MIN_COVERAGE = 0.55
_SCAN_ALL_WORDS = 0.95  # precision at which a lost middle word is forgiven ...
_SCAN_MIN_FIT_ALL_WORDS = 0.7  # ... down to this fit, if the name's last word is legible
_SCAN_MARGIN = 0.1  # over the next body or phrase
_SCAN_SHORT_NAME = 10  # letters; a shorter name, and a vague phrase, must fit at least:
_SCAN_MIN_FIT_SHORT = 0.9
# What OCR reads for a letter: "s6" (số), "1ý" (lý), "X4 hoi" / "X&hoi" (Xã hội), "¢" (ệ).
_SCAN_LETTERS = str.maketrans(
    {"0": "o", "6": "o", "1": "l", "4": "a", "&": "a", "@": "a", "¢": "e", "€": "e"}
)
_SCAN_VOWELS = str.maketrans("eiouy", "aaaaa")
_SCAN_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?"
    r"(?:ieu|yeu|oai|oay|oao|oeo|uay|uoi|uou|uya|uye|uyu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|"
    r"oo|ua|ue|ui|uo|uu|uy|ye|a|e|i|o|u|y)(?:ch|ng|nh|[cmnpt])?$"
)


@dataclass(frozen=True)
class ScannedName:
    """A body (``body``) or a vague phrase a scanned cell was recognised as, and how well."""

    shown: str
    body: bool
    fit: float


@dataclass(frozen=True)
class _Known:
    shown: str
    body: bool
    words: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def letters(self) -> int:
        return sum(map(len, self.words))


def _scan_words(text: str) -> list[str]:
    """Return the folded words of ``text`` with OCR's digits read as letters, "và" dropped."""
    folded = fold(_DU.sub("Đảng ủy", text)).translate(_SCAN_LETTERS)
    words = _expand([w for w in re.split(r"[^a-z]+", folded) if w])
    return [w for w in words if w != "va"]


def _head(words: Iterable[str]) -> tuple[str, ...]:
    words = tuple(words)
    return next((h for h in _BODY_HEADS if words[: len(h)] == h), ())


def _scan_vocabulary() -> list[_Known]:
    known: list[_Known] = []
    for name, aliases in KNOWN_BODIES.items():
        head = _head(unit_key(name).split())
        for alias in (name, *aliases):
            words = tuple(w for w in unit_key(alias).split() if w != "va")
            if sum(map(len, words)) >= _SCAN_MIN_LETTERS:
                known.append(_Known(name, True, words, head))
    for phrase in VAGUE_PHRASES:
        known.append(_Known(phrase, False, tuple(_scan_words(phrase)), ()))
    return known


_SCAN_KNOWN = _scan_vocabulary()
_SCAN_DF: dict[str, set[str]] = {}
for _known in _SCAN_KNOWN:
    for _word in _known.words:
        _SCAN_DF.setdefault(_word, set()).add(_known.shown)
# A word most names share ("phòng", "ban") tells little; one name's own word tells most.
_SCAN_WEIGHT = {
    word: math.log(1 + len({k.shown for k in _SCAN_KNOWN}) / len(names))
    for word, names in _SCAN_DF.items()
}


def _lost_diacritics(text: str) -> bool:
    """Return whether ``text`` reads as scanned: few accents, or only the OCR's "é"."""
    letters = [c for c in unicodedata.normalize("NFC", text) if c.isalpha()]
    if len(letters) < _SCAN_MIN_LETTERS:
        return False
    # OCR reads most marked vowels as "é" ("Nguyén", "héa", "Céc"); typed text varies its marks.
    accented = sum(1 for c in letters if c not in "éÉ" and (c in "đĐ" or strip_accents(c) != c))
    return accented / len(letters) <= _SCAN_MAX_ACCENTED


def _is_syllable(word: str) -> bool:
    return bool(_SCAN_SYLLABLE.match(word))


def _scan_head(words: list[str]) -> tuple[str, ...]:
    """Return the head a scan's name plainly starts with ("Trung tdm" is "Trung tâm"), or ()."""
    for head in sorted(_BODY_HEADS, key=len, reverse=True):
        if len(words) <= len(head) or words[0] != head[0]:
            continue
        if all(
            difflib.SequenceMatcher(None, w, h).ratio() >= 0.6
            for w, h in zip(words[1:], head[1:], strict=False)
        ):
            return head
    return ()


def _scan_fit(words: list[str], known: _Known) -> tuple[float, float, bool]:
    """Return (coverage, precision, end): how much of the name is legible in the scan's words,
    how much of the scan's Vietnamese-looking words belong to the name, and whether the name's
    last word is legible (a name cut short may go on as another body's)."""
    text = "".join(words).translate(_SCAN_VOWELS)
    name = "".join(known.words).translate(_SCAN_VOWELS)
    owner = [i for i, w in enumerate(known.words) for _ in w]
    spans: list[tuple[int, int]] = []
    start = 0
    for w in known.words:
        spans.append((start, start + len(w)))
        start += len(w)
    in_text = [i for i, w in enumerate(words) for _ in w]
    counted = [_is_syllable(w) for w in words]
    hit_name = [False] * len(name)
    hit_text = [False] * len(text)
    matcher = difflib.SequenceMatcher(None, text, name, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        # Letters in common are chance unless two consonants agree or they make a whole word
        # ("an" of "Công an"); vowels alone ("thao" against "hội") say nothing.
        consonants = sum(1 for ch in name[b : b + size] if ch != "a")
        if consonants >= 2 or (size and any(s >= b and e <= b + size for s, e in spans)):
            hit_name[b : b + size] = [True] * size
            hit_text[a : a + size] = [True] * size
    legible = [0] * len(known.words)
    for pos, hit in enumerate(hit_name):
        legible[owner[pos]] += hit
    weights = [_SCAN_WEIGHT.get(w, 1.0) for w in known.words]
    coverage = sum(
        wt * legible[i] / len(w)
        for i, (w, wt) in enumerate(zip(known.words, weights, strict=True))
    ) / sum(weights)
    # Garbled words ("PIONOKITNE", "hugn") are neither for nor against the name.
    real = [pos for pos in range(len(text)) if counted[in_text[pos]]] or list(range(len(text)))
    precision = sum(hit_text[pos] for pos in real) / len(real)
    return coverage, precision, 2 * legible[-1] >= len(known.words[-1])


@functools.lru_cache(maxsize=4096)
def scanned_name(text: str) -> ScannedName | None:
    """Return the body or vague phrase a scanned, diacritic-less cell names, or None.

    Only text that lost its diacritics is read this way; see the rules above.
    """
    if not _lost_diacritics(text):
        return None
    words = _scan_words(text)
    if sum(map(len, words)) < _SCAN_MIN_LETTERS:
        return None
    head = _scan_head(words)
    # The scan may run on past the name: a misspelt "phường" ("phuang") or debris ("PPond").
    variants = [words]
    while len(variants[-1]) > 1:
        last = variants[-1][-1]
        place = last == "xa" or difflib.SequenceMatcher(None, last, "phuong").ratio() >= 0.65
        if _is_syllable(last) and not place:
            break
        variants.append(variants[-1][:-1])
    # Letters of the words that read as Vietnamese: a name shorter than most of them cannot
    # explain them, which spares the comparison (a long list of bodies in one cell).
    real = [sum(len(w) for w in variant if _is_syllable(w)) for variant in variants]
    best: dict[str, tuple[float, float, float]] = {}  # name -> (fit, coverage, precision)
    ends: dict[str, bool] = {}  # the last word of the name is legible
    letters_of: dict[str, int] = {}  # the length of the spelling that fit best
    for known in _SCAN_KNOWN:
        if head and known.head and head != known.head:
            continue
        for variant, letters in zip(variants, real, strict=True):
            if known.letters < _SCAN_MIN_PRECISION * letters:
                continue
            coverage, precision, end = _scan_fit(variant, known)
            fit = 2 * coverage * precision / (coverage + precision or 1.0)
            if fit > best.get(known.shown, (-1.0, 0.0, 0.0))[0]:
                best[known.shown] = (fit, coverage, precision)
                ends[known.shown] = end
                letters_of[known.shown] = known.letters
    ranked = sorted(best.items(), key=lambda item: -item[1][0])
    if not ranked:
        return None
    shown, (fit, coverage, precision) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    # All of the scan's words being the name's makes up for a word it lost ("Trung tam
    # nghiép céng": "Dịch vụ sự" went missing).
    needed = _SCAN_MIN_FIT
    if precision >= _SCAN_ALL_WORDS and ends[shown]:
        needed = _SCAN_MIN_FIT_ALL_WORDS
    body = shown in KNOWN_BODIES
    if letters_of[shown] < _SCAN_SHORT_NAME:
        # Once vowels are set aside a short name is easily met by chance: "Hai Phong" has
        # the consonants of "Hội Phụ nữ".
        needed = max(needed, _SCAN_MIN_FIT_SHORT)
    if not body:
        # A phrase is shown instead of the cell: only when the cell is that phrase, all of it.
        needed = max(needed, _SCAN_MIN_FIT_SHORT)
    if (
        fit < needed
        or coverage < _SCAN_MIN_COVERAGE
        or precision < (_SCAN_MIN_PRECISION if body else _SCAN_ALL_WORDS)
        or fit - runner_up < _SCAN_MARGIN
    ):
        return None
    return ScannedName(shown, body, fit)


def _typed_fit(text: str) -> float:
    """Return 1 when ``text`` names a known body as typed, else 0."""
    return 1.0 if known_body(text, scanned=False) else 0.0


def _scanned_fit(text: str) -> float:
    """Return how well ``text`` names a known body as a scan spells it; 0 when it names none."""
    found = scanned_name(text)
    return found.fit if found is not None and found.body else 0.0


def known_body(text: str, *, scanned: bool = True) -> str | None:
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
    if not scanned:
        return None
    found = scanned_name(text)
    return found.shown if found is not None and found.body else None


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
    """Return the UnitRef for one body name: canonical when known (a scan's vague phrase as
    that phrase), tidied text otherwise."""
    raw = re.sub(r"\s+", " ", text).strip(_TRAILING_JUNK)
    if not raw or not re.search(r"\w", raw):
        return None
    name = known_body(raw)
    if name:
        return UnitRef(name=name, key=_CANONICAL_KEY[name], raw=raw)
    phrase = scanned_name(raw)
    if phrase is not None:
        # A scan's "Céc phong, ban, don vi" is shown as the phrase it is, still no body.
        return UnitRef(name=phrase.shown, key=unit_key(phrase.shown), raw=raw)
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

    def bodies(lo: int, hi: int, fit: Callable[[str], float]) -> list[tuple[bool, int, int]]:
        """Return (is a body, first fragment, end fragment) runs covering ``lo:hi``.

        At each fragment the longest run that names a body is taken, unless a shorter one
        names it better: a scan's "Trung tam Phuc vu Hanh chinh cong va cac phong" is the
        centre and vague wording, not the centre misspelt.
        """
        runs: list[tuple[bool, int, int]] = []
        i = lo
        while i < hi:
            best_end, best_fit = i, 0.0
            for j in range(hi, i, -1):
                score = fit(joined(i, j))
                if score > best_fit:
                    best_end, best_fit = j, score
                if score == 1.0:
                    break
            runs.append((best_end > i, i, max(best_end, i + 1)))
            i = max(best_end, i + 1)
        return runs

    # Bodies as typed first; then, between them, bodies as a scan spells them, so that a
    # near match never swallows a typed neighbour ("don vi; To cong nghe so cong dong").
    found: list[tuple[bool, int, int]] = []
    gap: int | None = None
    for known, start, end in [*bodies(0, len(fragments), _typed_fit), (True, len(fragments), 0)]:
        if not known:
            gap = start if gap is None else gap
            continue
        if gap is not None:
            found += bodies(gap, start, _scanned_fit)
            gap = None
        if start < len(fragments):
            found.append((True, start, end))
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
