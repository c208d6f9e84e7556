"""Raw tables as the readers find them, before any cell is interpreted.

Every reader (docx, xlsx, csv/tsv, markdown, the text dumps) turns its document into a
list of ``RawTable``; ``plans.interpret`` maps the header wording to fields and turns the
rows into tasks and indicators. Readers keep cells as printed and only undo layout
(merged cells, repeated headers, page breaks) where the layout itself says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawRow:
    """One table row: its cells in header order and where it came from."""

    cells: list[str]
    line: int | None = None  # 1-based line (text) or row number (sheets, tables) for reports
    continuation: bool = False  # the reader knows this row continues the previous one


@dataclass
class RawTable:
    """A table found in a document: its header cells and its body rows."""

    header: list[str]
    rows: list[RawRow] = field(default_factory=list)
    source: str = ""  # where in the document: "bảng 2", "sheet KPI", "dòng 709"
    title: str = ""  # the caption or appendix heading just above the table, if any
