"""Vietnamese text folding shared by every matcher of the bot.

Officials type without diacritics, documents mix the two Unicode forms of "hoá/hóa",
hyphens and en dashes, and OCR adds its own noise. Everything that *compares* text
(column headers, unit names, status words) compares folded text.
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-"
)
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return ``text`` in NFC with dashes unified and whitespace collapsed (keeps accents)."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES)
    return _SPACES.sub(" ", text).strip()


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics, including the stroke of đ/Đ; keep case."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Return the comparison form: no accents, lower case, one kind of dash, single spaces."""
    return strip_accents(nfc(text)).lower()


def fold_key(text: str) -> str:
    """Return a folded key with punctuation removed, for matching names and headers."""
    return _SPACES.sub(" ", re.sub(r"[^0-9a-z]+", " ", fold(text))).strip()
