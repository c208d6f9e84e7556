"""People and posts named in plan cells: "Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch UBND phường".

A plan names whoever directs or leads a task either by name and post, or by post alone
("Phó Chủ tịch Ủy ban nhân dân phường phụ trách Văn hóa – Xã hội"): the post is filled later
by a registered official, so a ``PersonRef`` without a name is normal, not an error.
"""

from __future__ import annotations

import re
import unicodedata

from plans.draft import PersonRef
from plans.vntext import fold_key

_HONORIFIC = re.compile(
    r"^\s*(?:đồng\s+chí|đ\s*/\s*c|đ\.c|ông|bà)(?=[\s.:]|$)[.:]?\s*", re.IGNORECASE
)
# The first words of a post, folded: a cell that starts with one names a post, not a person.
_POST_HEADS: tuple[str, ...] = (
    "chu tich",
    "pho chu tich",
    "bi thu",
    "pho bi thu",
    "truong",
    "pho",
    "chanh",
    "giam doc",
    "chu nhiem",
    "chi huy",
    "uy vien",
    "thuong truc",
    "can bo",
    "cong chuc",
    "vien chuc",
    "chuyen vien",
    "lanh dao",
    "thu truong",
    "nguoi dung dau",
    "ke toan",
    "tong bien tap",
    "ban ",
    "phong ",
    "van phong",
    "uy ban",
    "ubnd",
    "hdnd",
    "dang uy",
    "cac ",
)
_PERSON_HEADS = ("truong ", "pho ", "chanh ", "giam doc", "chu tich", "bi thu", "chu nhiem")
_NAME_SPLIT = re.compile(r"\s*(?:,|\s[-–—]\s|\()\s*")
_TRAILING = " \t;,.:"
_WORD = re.compile(r"^[^\W\d_]+$")


def _post_like(text: str) -> bool:
    key = fold_key(text) + " "
    return any(key.startswith(head if head.endswith(" ") else head + " ") for head in _POST_HEADS)


def looks_like_name(text: str) -> bool:
    """Return whether ``text`` reads as a Vietnamese personal name ("Nguyễn Khánh Chi")."""
    words = text.split()
    if not 2 <= len(words) <= 6 or _post_like(text):
        return False
    return all(_WORD.match(w) and w[0].isupper() for w in words)


def looks_like_person(text: str) -> bool:
    """Return whether a cell names a person or a post rather than a body."""
    text = text.strip()
    if _HONORIFIC.match(text):
        return True
    key = fold_key(text)
    if key.startswith(_PERSON_HEADS):
        return True
    first = _NAME_SPLIT.split(text, maxsplit=1)[0]
    return looks_like_name(first)


def parse_person(cell: str) -> PersonRef | None:
    """Return the person or post a cell names; None for an empty cell.

    "Đồng chí Đinh Thị Thu Hà, Phó Chủ tịch Ủy ban nhân dân phường" gives the name and the
    post; "Đồng chí Bí thư Đảng ủy" gives the post "Bí thư Đảng ủy" and no name.
    """
    raw = re.sub(r"\s+", " ", unicodedata.normalize("NFC", cell)).strip(_TRAILING)
    if not raw or not re.search(r"\w", raw):
        return None
    # Several people in one cell: the first is read, the cell is kept whole in ``raw``.
    first = re.split(r"\s*;\s*|\n", unicodedata.normalize("NFC", cell).strip())[0]
    body = _HONORIFIC.sub("", re.sub(r"\s+", " ", first).strip(_TRAILING)).strip(_TRAILING)
    if not body:
        return PersonRef(name=None, post=None, raw=raw)
    if _post_like(body):
        return PersonRef(name=None, post=body, raw=raw)
    parts = _NAME_SPLIT.split(body, maxsplit=1)
    name = parts[0].strip(_TRAILING)
    post = parts[1].strip(_TRAILING + ")") if len(parts) > 1 else ""
    if looks_like_name(name):
        return PersonRef(name=name, post=post or None, raw=raw)
    return PersonRef(name=None, post=body, raw=raw)
