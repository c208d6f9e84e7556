"""Markdown plans: pipe tables (seed 003), one raw table per run of ``|`` lines.

Converters write one table per page, each with the same header and a ``|---|`` separator,
cells sometimes wrapped in ``<p>``; ``plans.interpret`` cleans the cells and joins the pages.
A row the converter cut short (no closing ``|``) keeps only the cells it has, and its last
cell is marked as cut, so the interpreter can warn instead of inventing the missing cells.
"""

from __future__ import annotations

import itertools
import re

from plans.interpret import BROKEN
from plans.readers import line_tables
from plans.tables import RawTable

_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PIPE = re.compile(r"(?<!\\)\|")


def is_table_line(line: str) -> bool:
    return line.lstrip().startswith("|")


def has_tables(text: str) -> bool:
    """Return whether a text holds a markdown pipe table (a row and a separator)."""
    lines = text.splitlines()
    return any(
        is_table_line(a) and _SEPARATOR.match(b.strip()) for a, b in itertools.pairwise(lines)
    )


def split_row(line: str) -> list[str]:
    """Return the cells of one pipe-table line; a line cut short marks its last cell."""
    body = line.strip()
    closed = body.endswith("|") and not body.endswith("\\|")
    if body.startswith("|"):
        body = body[1:]
    if closed:
        body = body[:-1]
    cells = [c.strip().replace("\\|", "|") for c in _PIPE.split(body)]
    if not closed and cells and BROKEN not in cells[-1]:
        cells[-1] += BROKEN
    return cells


def read_tables(text: str) -> list[RawTable]:
    """Return each pipe table of a markdown text, with the line above it as its caption."""

    def cells(line: str) -> list[str] | None:
        if not is_table_line(line):
            return None
        return [] if _SEPARATOR.match(line.strip()) else split_row(line)

    return line_tables(text, cells)
