"""Excel (.xlsx) plans: every visible sheet is a table whose header may sit below a caption.

openpyxl keeps a merged cell's value in its top-left cell only. For finding the header the
value is spread over the whole range (a "Mục tiêu" merged over the year columns heads each of
them); in body rows a horizontal merge keeps the value once (a section title across the
row), a vertical merge is shared by the rows that have their own number, and a row whose
number cell is merged from above continues the row above it.

Cell values are printed the way Excel shows them: whole numbers without ".0", percentages
formatted as percentages, dates day first.
"""

from __future__ import annotations

import io
import warnings
from datetime import date, datetime, time
from typing import Any

import openpyxl

from locales import N_
from plans.interpret import flat, locate_header
from plans.readers import ReadDocument, caption
from plans.tables import RawRow, RawTable

SHEET_LABEL = N_("trang tính {name}")
SHEET_TITLE = N_("Trang tính {name}")
_MAX_ROWS = 20_000  # an appendix has tens of rows; anything far beyond is not a plan


def read(data: bytes, *, read_only: bool = False) -> ReadDocument:
    """Return the tables and caption text of an .xlsx workbook.

    ``read_only`` streams big workbooks; openpyxl then knows no merged cells.
    """
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it ignores; none of them matter here.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    out = ReadDocument()
    text: list[str] = []
    try:
        for sheet in book.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            table, above = _sheet(sheet)
            text.extend(above)
            if table is not None:
                out.tables.append(table)
    finally:
        book.close()
    out.text = "\n".join(text)
    return out


def format_value(value: Any, number_format: str = "General") -> str:
    """Return a cell value as Excel shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return _number(value * 100) + "%"
        return _number(value)
    return str(value)


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    # Vietnamese writes a decimal comma, as the plans themselves do ("3,5%").
    return f"{value:.6g}".replace(".", ",")


def _sheet(sheet: Any) -> tuple[RawTable | None, list[str]]:
    values: list[list[str]] = []
    for count, row in enumerate(sheet.iter_rows()):
        if count >= _MAX_ROWS:
            break
        values.append(
            [
                format_value(getattr(c, "value", None), getattr(c, "number_format", "General"))
                for c in row
            ]
        )
    while values and not any(v.strip() for v in values[-1]):
        values.pop()
    if not values:
        return None, []
    width = max(len(line) for line in values)
    for line in values:
        line.extend([""] * (width - len(line)))
    while width and not any(line[width - 1].strip() for line in values):
        width -= 1
        for line in values:
            line.pop()
    if not width:
        return None, []

    origin: dict[tuple[int, int], tuple[int, int]] = {}  # merged child -> top-left, 0-based
    merged_ranges = sheet.merged_cells.ranges if hasattr(sheet, "merged_cells") else ()
    for merged in merged_ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        for r in range(top, min(merged.max_row, len(values))):
            for c in range(left, min(merged.max_col, width)):
                if (r, c) != (top, left):
                    origin[(r, c)] = (top, left)

    filled = [
        [
            values[origin[(r, c)][0]][origin[(r, c)][1]] if (r, c) in origin else values[r][c]
            for c in range(width)
        ]
        for r in range(len(values))
    ]
    header = locate_header(filled)
    start, end = (header.start, header.end) if header is not None else (0, 0)
    stt_col = header.column("stt") if header is not None else None

    rows: list[RawRow] = []
    for r in range(end, len(values)):
        if stt_col is not None and _from_above(origin, r, stt_col):
            cells = ["" if (r, c) in origin else values[r][c] for c in range(width)]
            rows.append(RawRow(cells, line=r + 1, continuation=True))
            continue
        cells = []
        for c in range(width):
            if (r, c) not in origin:
                cells.append(values[r][c])
            elif origin[(r, c)][1] == c:
                cells.append(filled[r][c])  # shared down rows that have their own number
            else:
                cells.append("")
        rows.append(RawRow(cells, line=r + 1))
    above = [" ".join(flat(c) for c in dict.fromkeys(row) if flat(c)) for row in filled[:start]]
    head = list(filled[start]) if header is not None else []
    if header is not None:
        head = header.cells
    table = RawTable(
        header=head,
        rows=rows,
        source=SHEET_LABEL.format(name=sheet.title),
        title=caption(above) or SHEET_TITLE.format(name=sheet.title),
    )
    return table, [a for a in above if a]


def _from_above(origin: dict[tuple[int, int], tuple[int, int]], r: int, c: int) -> bool:
    top = origin.get((r, c))
    return top is not None and top[0] < r and top[1] == c
