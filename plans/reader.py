"""Read a plan document of any supported format into a ``DraftPlan``, or refuse it.

``read_plan`` checks the bytes before any parser sees them: the size, what the content
really is (a renamed file is read as what it is), a password-protected or legacy Office file
(both OLE compound files), and for .docx/.xlsx the zip directory (entry count, total
uncompressed size and compression ratio, so a zip bomb is refused before it is inflated).
Then the format's reader finds the tables, ``plans.interpret`` reads them, and
``plans.metadata`` fills in the plan's number, date, issuer and title.

Whatever goes wrong ends in ``ImportRefused`` with one Vietnamese sentence; nothing is half
imported. A row a text-dump reader found but could not read whole becomes a warning that
asks for it to be entered by hand.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
import io
import zipfile
from pathlib import Path

from locales import N_
from plans.draft import DraftPlan, ImportWarning
from plans.errors import (
    CORRUPT,
    EMPTY,
    ENCRYPTED,
    LEGACY_FORMAT,
    PDF,
    TOO_BIG,
    UNSUPPORTED,
    ZIP_BOMB,
    ImportRefused,
)
from plans.interpret import interpret_tables
from plans.metadata import extract_metadata
from plans.readers import ReadDocument
from plans.tables import RawTable

MAX_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000  # a real .docx has tens of parts, a workbook a few hundred at most
MAX_UNCOMPRESSED = 150 * 1024 * 1024
MAX_RATIO = 100  # deflated XML rarely exceeds 30:1; bombs reach thousands
RATIO_FLOOR = 1024 * 1024  # tiny parts may compress absurdly well without harm
STREAM_XLSX_ABOVE = 25 * 1024 * 1024  # past this much sheet XML, stream without merged cells

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OFFICE_EXTENSIONS = (".docx", ".xlsx", ".docm", ".xlsm", ".doc", ".xls")
DUMP_READERS = ("plans.readers.pdf_dump", "plans.readers.ocr_dump")

W_UNREADABLE_ROW = N_("Dòng {line}: không đọc được đầy đủ, cần nhập tay: {excerpt}")


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def read_plan(
    path: Path | None = None,
    *,
    data: bytes | None = None,
    name: str = "",
    max_bytes: int = MAX_BYTES,
) -> DraftPlan:
    """Return the draft plan in a document given by ``path`` or by its bytes ``data``.

    ``name`` is the file name as the user sent it (it decides the format when the content
    does not); raise ``ImportRefused`` when the document cannot or must not be imported.
    """
    if path is None and data is None:
        raise TypeError("read_plan needs a path or data")
    name = name or (path.name if path is not None else "")
    shown = name or "?"
    if data is None:
        assert path is not None
        size = path.stat().st_size
        _check_size(size, max_bytes, shown)
        data = path.read_bytes()
    _check_size(len(data), max_bytes, shown)
    if not data.strip():
        raise ImportRefused(EMPTY, name=shown)

    document = _read(data, Path(name).suffix.lower(), shown)
    meta = extract_metadata(document.text)
    plan_year = meta.year
    result = interpret_tables(
        document.tables,
        plan_year=plan_year,
        name=shown,
        guessed=document.guessed,
        text_lines=document.text_lines,
    )
    return DraftPlan(
        source_name=name,
        source_hash=hashlib.sha256(data).hexdigest(),
        number=meta.number,
        issued_on=meta.issued_on,
        issuer=meta.issuer,
        title=meta.title,
        tasks=result.tasks,
        indicators=result.indicators,
        warnings=_with_unreadable(result.warnings, document.unreadable),
    )


def _with_unreadable(
    warnings: list[ImportWarning], unreadable: list[tuple[int, str]]
) -> list[ImportWarning]:
    """Add a warning per row the reader could not read whole; order them by line.

    Such a row is to be checked whole by hand, so another warning about the same line ("no
    deadline") would only say part of it twice: it is left out.
    """
    if not unreadable:
        return warnings
    lines = {line for line, _ in unreadable}
    merged = [w for w in warnings if w.line is None or w.line not in lines]
    merged += [
        ImportWarning(W_UNREADABLE_ROW, {"line": line, "excerpt": excerpt}, line=line)
        for line, excerpt in sorted(dict(unreadable).items())
    ]
    # Warnings without a line (a whole table) come last, as they came.
    return sorted(merged, key=lambda w: (w.line is None, w.line or 0))


def _check_size(size: int, max_bytes: int, shown: str) -> None:
    if size > max_bytes:
        mb = 1024 * 1024
        raise ImportRefused(
            TOO_BIG, name=shown, size=round(size / mb, 1), limit=round(max_bytes / mb, 1)
        )


def _read(data: bytes, ext: str, shown: str) -> ReadDocument:
    if data.startswith(OLE_MAGIC):
        _refuse_ole(data, shown)
    if data.startswith(ZIP_MAGIC):
        return _read_office(data, ext, shown)
    if data.startswith(b"%PDF"):
        raise ImportRefused(PDF, name=shown)
    if data.lstrip().startswith(b"{\\rtf"):
        raise ImportRefused(LEGACY_FORMAT, name=shown)
    if ext in OFFICE_EXTENSIONS:
        raise ImportRefused(CORRUPT, name=shown)
    text = _decode(data)
    if text is None:
        raise ImportRefused(UNSUPPORTED, name=shown)
    return _read_text(text, ext)


def _refuse_ole(data: bytes, shown: str) -> None:
    """Refuse an OLE compound file: an encrypted OOXML package or a legacy .doc/.xls."""
    if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
        raise ImportRefused(ENCRYPTED, name=shown)
    for stream in ("WordDocument", "Workbook", "Book"):
        if _utf16(stream) in data:
            raise ImportRefused(LEGACY_FORMAT, name=shown)
    raise ImportRefused(UNSUPPORTED, name=shown)


def _inspect_zip(data: bytes, shown: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportRefused(CORRUPT, name=shown) from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ImportRefused(ZIP_BOMB, name=shown)
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise ImportRefused(ZIP_BOMB, name=shown)
    if total > MAX_UNCOMPRESSED:
        raise ImportRefused(ZIP_BOMB, name=shown)
    return archive


def _read_office(data: bytes, ext: str, shown: str) -> ReadDocument:
    archive = _inspect_zip(data, shown)
    names = set(archive.namelist())
    sheet_bytes = sum(
        e.file_size for e in archive.infolist() if e.filename.startswith("xl/worksheets/")
    )
    archive.close()
    if "word/document.xml" in names:
        kind = "docx"
    elif "xl/workbook.xml" in names:
        kind = "xlsx"
    elif ext in (".docx", ".xlsx"):
        raise ImportRefused(CORRUPT, name=shown)
    else:
        raise ImportRefused(UNSUPPORTED, name=shown)
    try:
        if kind == "docx":
            from plans.readers import docx as docx_reader

            return docx_reader.read(data)
        from plans.readers import xlsx as xlsx_reader

        return xlsx_reader.read(data, read_only=sheet_bytes > STREAM_XLSX_ABOVE)
    except ImportRefused:
        raise
    except Exception as exc:
        # python-docx, openpyxl, lxml and zipfile raise many kinds of errors on a damaged
        # package (KeyError for a missing part, XMLSyntaxError, ValueError, ...): all of them
        # mean the same thing to the user.
        raise ImportRefused(CORRUPT, name=shown) from exc


def _decode(data: bytes) -> str | None:
    """Return the text of a text file: UTF-8 (with or without BOM), UTF-16, or cp1258."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if data.count(b"\x00") > len(data) // 4:
            for encoding in ("utf-16-le", "utf-16-be"):
                try:
                    return _plausible(data.decode(encoding))
                except UnicodeDecodeError:
                    continue
            return None
        try:
            text = data.decode("cp1258")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
    return _plausible(text)


def _plausible(text: str | None) -> str | None:
    """Return ``text`` unless it is binary data that happened to decode."""
    if text is None:
        return None
    sample = text[:20_000]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    return None if control > len(sample) // 50 + 1 else text


def _read_text(text: str, ext: str) -> ReadDocument:
    from plans.readers import delimited, markdown

    doc = ReadDocument(text=text, text_lines=True)
    if ext in (".csv", ".tsv"):
        doc.tables = delimited.read_csv(text, delimiter="\t" if ext == ".tsv" else None)
    elif ext in (".md", ".markdown") or markdown.has_tables(text):
        doc.tables = markdown.read_tables(text)
    elif delimited.has_tab_tables(text):
        doc.tables = delimited.read_tables(text)
    else:
        doc.tables, doc.unreadable = _read_dump(text)
        doc.guessed = True
    return doc


def _read_dump(text: str) -> tuple[list[RawTable], list[tuple[int, str]]]:
    """Try the PDF-dump reader, then the OCR-dump reader, on a text with no visible grid.

    Return the tables of the first that finds any, and the rows it could not read whole.
    """
    for module_name in DUMP_READERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # a reader still being written is simply not tried
        tables, unreadable = module.read_tables_with_report(text)
        if tables:
            return list(tables), list(unreadable)
    return [], []
