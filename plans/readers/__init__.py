"""Readers: one per document format, each turning a document into raw tables and its text.

``docx``, ``xlsx``, ``delimited`` (csv/tsv and tab-separated text dumps) and ``markdown``
(pipe tables) live here; the two hard text dumps (``pdf_dump``, ``ocr_dump``) expose
``read_tables_with_report(text) -> (tables, unreadable rows)``. A reader undoes layout only
where the layout says so (merged cells, header rows marked to repeat) and leaves meaning to
``plans.interpret``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from plans.tables import RawRow, RawTable


@dataclass
class ReadDocument:
    """What a reader found: the tables in document order and the text around them."""

    tables: list[RawTable] = field(default_factory=list)
    text: str = ""  # the prose and layout text, for the plan's number, date, issuer and title
    guessed: bool = False  # the tables were guessed from plain text (PDF/OCR dumps)
    text_lines: bool = False  # row numbers are lines of a text file
    # Rows a guessing reader found but could not read whole: (line, excerpt as printed).
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def caption(lines: list[str], *, max_chars: int = 300) -> str:
    """Return the caption of a table from the non-empty lines just above it, or ""."""
    for line in reversed(lines):
        text = " ".join(line.split())
        if text:
            return text if len(text) <= max_chars else ""
    return ""


def line_tables(text: str, cells_of: Callable[[str], list[str] | None]) -> list[RawTable]:
    """Return each run of table lines of a text as a raw table, captioned by the line above.

    ``cells_of`` gives a line's cells, ``None`` for a line outside any table, or ``[]`` for a
    table line that carries no row (a markdown separator).
    """
    tables: list[RawTable] = []
    caption_line = ""
    block: list[RawRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = cells_of(line)
        if cells is not None:
            if cells:
                block.append(RawRow(cells, line=number))
            continue
        if block:
            tables.append(RawTable(header=block[0].cells, rows=block[1:], title=caption_line))
            block = []
            caption_line = ""
        if line.strip():
            caption_line = caption([line])
    if block:
        tables.append(RawTable(header=block[0].cells, rows=block[1:], title=caption_line))
    return tables
