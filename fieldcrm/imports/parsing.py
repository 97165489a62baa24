"""Read uploaded .xlsx and .csv files as French users really have them, safely and as a stream.

The file type is sniffed from the content, never from the name. Limits are checked before the heavy
readers run: zip sizes and ratio before openpyxl opens the workbook, columns and rows from a cheap byte
scan of the sheet XML (or a first CSV pass). openpyxl parses XML with defusedxml when it is installed
(`openpyxl.DEFUSEDXML`); we refuse to run otherwise, and parse the workbook index ourselves with defusedxml.
The readers: imports.csvfile and imports.xlsxfile; what they give: imports.header.ParsedSheet.
"""

from __future__ import annotations

from pathlib import Path

from fieldcrm.imports import limits
from fieldcrm.imports.csvfile import open_csv
from fieldcrm.imports.header import ParsedSheet, SheetRow
from fieldcrm.imports.limits import FILE_ERRORS, CellValue, ImportFileError
from fieldcrm.imports.xlsxfile import open_xlsx

__all__ = ["FILE_ERRORS", "CellValue", "ImportFileError", "ParsedSheet", "SheetRow", "open_sheet"]


def open_sheet(path: str | Path, sheet: str | None = None) -> ParsedSheet:
    """Sniff, check and open an uploaded file; `sheet` picks an xlsx sheet (default: first visible)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("empty_file")
    if size > limits.MAX_FILE_BYTES:
        raise ImportFileError("file_too_large", {"max_mb": limits.MAX_FILE_BYTES // (1024 * 1024)})
    with path.open("rb") as fh:
        head = fh.read(limits.SNIFF_BYTES)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        _refuse_ole2(path.read_bytes())
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return open_xlsx(path, sheet)
    return open_csv(path, head)


def _refuse_ole2(data: bytes) -> None:
    """OLE2 compound file: an encrypted xlsx, an old .xls, or something else (a .doc)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise ImportFileError("password_protected")
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        raise ImportFileError("old_xls")
    raise ImportFileError("not_a_spreadsheet")
