"""The sample plan the demo imports: a small markdown source turned into a real Word file.

The demo goes through the same import path as a commune's own .docx, so the source is
written out the way plans are: centred headings, appendix tables whose header row repeats
on every page, and section rows merged across the table (``<<`` in the source).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

SAMPLE_SOURCE = Path(__file__).resolve().parents[1] / "samples" / "ke_hoach_mau.md"


def build_sample_docx(target: Path, source: Path = SAMPLE_SOURCE) -> Path:
    """Write the sample plan as a .docx at ``target`` and return it."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    table_rows: list[list[str]] = []
    for raw in [*source.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("|"):
            table_rows.append([cell.strip() for cell in line.strip("|").split("|")])
            continue
        if table_rows:
            _add_table(document, table_rows)
            table_rows = []
        if not line:
            continue
        if line.startswith("# "):
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.add_run(line[2:]).bold = True
        else:
            document.add_paragraph(line)
    document.save(str(target))
    return target


def _add_table(document: object, rows: list[list[str]]) -> None:
    width = len(rows[0])
    table = document.add_table(rows=len(rows), cols=width)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        cells = table.rows[r].cells
        start = 0
        for c in range(width):
            value = values[c] if c < len(values) else ""
            if value == "<<":
                cells[start].merge(cells[c])  # a section row spans the whole table
                continue
            start = c
            cells[c].text = value
        if r == 0:
            _repeat_as_header(table.rows[r])
            for cell in cells:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def _repeat_as_header(row: object) -> None:
    """Mark a row as the table header Word repeats at the top of every page."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)
