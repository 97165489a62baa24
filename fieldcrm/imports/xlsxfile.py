"""xlsx workbooks, checked before openpyxl opens them: zip sizes and ratio, columns and rows from a cheap
byte scan of the sheet XML, the workbook index parsed with defusedxml."""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import range_boundaries

from fieldcrm.imports import limits
from fieldcrm.imports.header import ParsedSheet, data_row_count, find_header, first_rows
from fieldcrm.imports.limits import CellValue, ImportFileError


def _check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the declared sizes (zipfile stops reading a member at its declared size)."""
    members = zf.infolist()
    if len(members) > limits.MAX_ZIP_MEMBERS:
        raise ImportFileError("zip_bomb")
    if sum(m.file_size for m in members) > limits.MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError("zip_bomb")
    for m in members:
        if m.file_size > limits.CHUNK and m.file_size > limits.MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise ImportFileError("zip_bomb")
    names = set(zf.namelist())
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise ImportFileError("unsupported_format", {"format": "XLSB"})
    if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument"):
        raise ImportFileError("unsupported_format", {"format": "OpenDocument (.ods)"})
    raise ImportFileError("not_a_spreadsheet")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _list_sheets(zf: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, zip member, visible) of each worksheet, read with defusedxml, namespace-agnostic."""
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {
        r.get("Id"): (r.get("Target", ""), r.get("Type", "")) for r in rels.iter() if _local(r.tag) == "Relationship"
    }
    sheets = []
    for node in book.iter():
        if _local(node.tag) != "sheet":
            continue
        rel_id = next((v for k, v in node.attrib.items() if _local(k) == "id"), None)
        target, rel_type = targets.get(rel_id, ("", ""))
        if target and rel_type.endswith("/worksheet"):
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            sheets.append((node.get("name", ""), member, node.get("state", "visible") == "visible"))
    return sheets


@dataclass
class _SheetScan:
    rows_with_values: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, max_col, max_row
    total_rows: set[int] = field(default_factory=set)  # rows with a SUM/SUBTOTAL formula: totals, not data


_ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_TOTAL_FORMULA_RE = re.compile(rb"<(?:\w+:)?f\b[^>]*>[^<]*\b(?:SUM|SUBTOTAL|AGGREGATE)\(", re.IGNORECASE)
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)"')


def _scan_sheet_xml(zf: zipfile.ZipFile, member: str) -> _SheetScan:
    """Stream the raw sheet XML once, without parsing it: values per row, rows, merged ranges.

    Cheap (byte counts per row) and bounded, so a 1-million-cell row is refused before openpyxl
    builds it. <mergeCells> comes after <sheetData>, which read-only openpyxl never exposes.
    """
    scan, pending, prefix, in_data, in_row, tail = _SheetScan(), b"", None, True, 0, bytearray()
    row_number = 0
    with zf.open(member) as fh:
        while chunk := fh.read(limits.CHUNK):
            data = pending + chunk
            cut = data.rfind(b">") + 1  # only complete tags are counted; the rest waits
            data, pending = data[:cut], data[cut:]
            if prefix is None:
                found = re.search(rb"<(\w+:)?worksheet\b", data)
                prefix = found.group(1) or b"" if found else b""
                row_end, sheet_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
                value_tags = (b"<" + prefix + b"v>", b"<" + prefix + b"is>")
            if not in_data:
                if len(tail) < 8 * limits.CHUNK:
                    tail += data
                continue
            end = data.find(sheet_end)
            body = data if end < 0 else data[:end]
            parts = body.split(row_end)
            for index, part in enumerate(parts):
                if opened := _ROW_RE.search(part):
                    row_number = int(opened.group(1))
                if _TOTAL_FORMULA_RE.search(part):
                    scan.total_rows.add(row_number)
                in_row += part.count(value_tags[0]) + part.count(value_tags[1])
                if in_row > limits.MAX_COLUMNS:
                    raise ImportFileError("too_many_columns", {"max": limits.MAX_COLUMNS})
                if index < len(parts) - 1:  # this part ended with </row>
                    scan.rows_with_values += in_row > 0
                    in_row = 0
            if scan.rows_with_values > limits.MAX_ROWS + limits.HEADER_SCAN_ROWS:
                raise ImportFileError("too_many_rows", {"max": limits.MAX_ROWS})
            if end >= 0:
                in_data = False
                tail += data[end:]
    for ref in _MERGE_RE.findall(bytes(tail)):
        scan.merges.append(range_boundaries(ref.decode()))
    return scan


def open_xlsx(path: Path, sheet: str | None) -> ParsedSheet:
    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("openpyxl must parse with defusedxml: install it and unset OPENPYXL_DEFUSEDXML")
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(zf)
            sheets = _list_sheets(zf)
            if sheet is not None:
                chosen = next((s for s in sheets if s[0] == sheet), None)
                if chosen is None:
                    raise ImportFileError("sheet_not_found", {"sheet": sheet})
            else:
                chosen = next((s for s in sheets if s[2]), sheets[0] if sheets else None)
            if chosen is None:
                raise ImportFileError("empty_file")
            scan = _scan_sheet_xml(zf, chosen[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "extension not supported" noise about parts we don't read
            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        worksheet = book[chosen[0]]
    except ImportFileError:
        raise
    except Exception as exc:  # BadZipFile, KeyError, XML errors, defusedxml refusals, bad refs...
        raise ImportFileError("corrupt_file") from exc
    worksheet.reset_dimensions()  # the declared <dimension> is often wrong; rows come as they are

    def raw() -> Iterator[tuple[int, Sequence[CellValue]]]:
        try:
            yield from enumerate(worksheet.iter_rows(values_only=True), start=1)
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError("corrupt_file") from exc

    try:
        first = first_rows(raw())
        headers, header_row = find_header(first, scan.merges)
    except ImportFileError:
        book.close()
        raise
    return ParsedSheet(
        kind="xlsx", headers=headers, header_row=header_row,
        row_count=data_row_count(scan.rows_with_values, first, header_row),
        sheet_name=chosen[0], sheet_names=[s[0] for s in sheets], formula_rows=frozenset(scan.total_rows),
        _raw=raw, _close=book.close,
    )
