"""Delimited plans: .csv/.tsv files, and text dumps whose tables are tab-separated lines.

A CSV or TSV file is one table read by the ``csv`` module (quoted cells may hold line
breaks); its delimiter is sniffed. A text dump (seed 000: a Word document saved as text) is
prose with the appendix as runs of tab-separated lines: each run between blank or prose lines
is returned as its own raw table, with the prose line just above as its caption, because the
header repeats at every page break and ``plans.interpret`` joins the pages again.
"""

from __future__ import annotations

import csv
import io

from plans.readers import line_tables
from plans.tables import RawRow, RawTable

_DELIMITERS = ",;\t|"
_MIN_TAB_LINES = 2


def sniff_delimiter(text: str) -> str:
    """Return the delimiter of a CSV-like text: comma, semicolon, tab or pipe."""
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in sample.splitlines() if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
        return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(text: str, *, delimiter: str | None = None) -> list[RawTable]:
    """Return a CSV/TSV text as one raw table; the interpreter finds its header row."""
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    first_line = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append(RawRow(cells, line=first_line))
        first_line = reader.line_num + 1
    if not rows:
        return []
    return [RawTable(header=[], rows=rows)]


def has_tab_tables(text: str) -> bool:
    """Return whether a text holds tab-separated table lines."""
    count = 0
    for line in text.splitlines():
        if line.count("\t") >= 2:
            count += 1
            if count >= _MIN_TAB_LINES:
                return True
    return False


def read_tables(text: str) -> list[RawTable]:
    """Return each run of tab-separated lines of a text dump as a raw table."""

    def cells(line: str) -> list[str] | None:
        return line.rstrip("\r\n").split("\t") if "\t" in line and line.strip() else None

    return line_tables(text, cells)
