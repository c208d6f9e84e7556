"""Word (.docx) plans: every table in body order, with the paragraphs around them.

python-docx gives each layout-grid position its cell, so a merged cell comes back several
times. Horizontally merged copies are blanked (the text stays in the first column of the
span). A vertically merged cell is kept once in header rows; in body rows it is shared by
every row that has its own number (a unit or leader merged down several tasks applies to
each), while a row whose number cell itself is merged from above is the same task going on,
and is returned as a continuation with the merged copies blanked.

Header rows marked to repeat on every page (``w:tblHeader``) are joined into the table's
header; copies of them further down (documents converted from PDF) are dropped.
"""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from locales import N_
from plans.interpret import flat, join_header_rows, locate_header
from plans.readers import ReadDocument, caption
from plans.tables import RawRow, RawTable

TABLE_LABEL = N_("bảng {n}")
_LAYOUT_MAX_COLUMNS = 3  # page-layout tables (letterhead, signature) have two or three


def read(data: bytes) -> ReadDocument:
    """Return the tables and text of a .docx document."""
    document = docx.Document(io.BytesIO(data))
    out = ReadDocument()
    text: list[str] = []
    above: list[str] = []
    count = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text.append(block.text)
            above.append(block.text)
            continue
        count += 1
        grid, vertical, repeat = _grid(block)
        if grid and max(len(r) for r in grid) <= _LAYOUT_MAX_COLUMNS:
            # Letterhead and signature tables carry the number, date and issuer.
            for row in grid:
                text.extend(cell for cell in row if cell)
        table = _table(grid, vertical, repeat)
        table.source = TABLE_LABEL.format(n=count)
        table.title = table.title or caption(above)
        above = []
        out.tables.append(table)
    out.text = "\n".join(text)
    return out


def _is_repeat_header(row: _Row) -> bool:
    tr_pr = row._tr.trPr
    if tr_pr is None:
        return False
    flag = tr_pr.find(qn("w:tblHeader"))
    return flag is not None and flag.get(qn("w:val"), "true") not in ("false", "0", "off")


def _grid(table: Table) -> tuple[list[list[str]], list[list[bool]], list[bool]]:
    """Return the cell texts per grid position, which are vertical merge copies, and flags."""
    texts: list[list[str]] = []
    vertical: list[list[bool]] = []
    repeat: list[bool] = []
    above: list[Any] = []
    for row in table.rows:
        cells = _row_cells(table, row)
        slots: list[Any] = [None] * row.grid_cols_before + cells + [None] * row.grid_cols_after
        row_text: list[str] = []
        row_vertical: list[bool] = []
        for i, cell in enumerate(slots):
            if cell is None:
                row_text.append("")
                row_vertical.append(False)
                continue
            tc = cell._tc
            if i > 0 and slots[i - 1] is not None and slots[i - 1]._tc is tc:
                row_text.append("")  # a copy of a horizontally merged cell
                row_vertical.append(row_vertical[-1])
                continue
            row_text.append(cell.text)
            row_vertical.append(i < len(above) and above[i] is tc)
        above = [cell._tc if cell is not None else None for cell in slots]
        texts.append(row_text)
        vertical.append(row_vertical)
        repeat.append(_is_repeat_header(row))
    width = max((len(r) for r in texts), default=0)
    for row_text, row_vertical in zip(texts, vertical, strict=True):
        row_text.extend([""] * (width - len(row_text)))
        row_vertical.extend([False] * (width - len(row_vertical)))
    return texts, vertical, repeat


def _row_cells(table: Table, row: _Row) -> list[Any]:
    try:
        return list(row.cells)
    except (ValueError, IndexError, AttributeError):
        # A vertical merge with nothing above it (hand-edited XML): read each cell as itself.
        cells: list[Any] = []
        for tc in row._tr.tc_lst:
            cells.extend([_Cell(tc, table)] * tc.grid_span)
        return cells


def _blank(row: list[str], vertical: list[bool]) -> list[str]:
    return ["" if v else text for text, v in zip(row, vertical, strict=True)]


def _table(grid: list[list[str]], vertical: list[list[bool]], repeat: list[bool]) -> RawTable:
    blanked = [_blank(row, v) for row, v in zip(grid, vertical, strict=True)]
    marked = 0
    while marked < len(repeat) and repeat[marked]:
        marked += 1
    found = locate_header(blanked)
    if marked:
        start, end = 0, marked
    elif found is not None:
        start, end = found.start, found.end
    else:
        start = end = 0
    header_rows = blanked[start:end]
    head = join_header_rows(header_rows) if header_rows else []
    located = locate_header([head]) if head else None
    stt_col = located.column("stt") if located is not None else None

    rows: list[RawRow] = []
    for r in range(end, len(grid)):
        if repeat[r] and blanked[r] in header_rows:
            continue  # a header row repeated further down the table
        if stt_col is not None and vertical[r][stt_col]:
            rows.append(RawRow(blanked[r], line=r + 1, continuation=True))
        else:
            rows.append(RawRow(list(grid[r]), line=r + 1))
    above = [" ".join(flat(c) for c in row if flat(c)) for row in blanked[:start]]
    return RawTable(header=head, rows=rows, title=caption(above))
