"""Read uploaded .xlsx and .csv files as French users really have them, safely and as a stream.

The file type is sniffed from the content, never from the name. Limits are checked before the heavy
readers run: zip sizes and ratio before openpyxl opens the workbook, columns and rows from a cheap byte
scan of the sheet XML (or a first CSV pass). openpyxl parses XML with defusedxml when it is installed
(`openpyxl.DEFUSEDXML`); we refuse to run otherwise, and parse the workbook index ourselves with defusedxml.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import get_column_letter, range_boundaries

from fieldcrm.imports import N_

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # whole xlsx once unzipped
MAX_COMPRESSION_RATIO = 100  # real sheets compress 5-20x; only checked on members over 1 MB
MAX_ZIP_MEMBERS = 10_000
MAX_ROWS = 200_000  # data rows, header excluded
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
HEADER_SCAN_ROWS = 20  # rows looked at to find the header under a title line
SNIFF_BYTES = 64 * 1024
_SNIFFER_CHARS = 2048
_CHUNK = 1024 * 1024

CellValue = str | int | float | bool | datetime | date | time | timedelta | None

FILE_ERRORS: dict[str, str] = {
    "empty_file": N_("The file is empty."),
    "file_too_large": N_("The file is too large (maximum %(max_mb)s MB)."),
    "not_a_spreadsheet": N_("This file is not a spreadsheet: upload an .xlsx or .csv file."),
    "old_xls": N_("This is an old Excel file (.xls): open it in Excel or LibreOffice and save it as .xlsx or .csv."),
    "unsupported_format": N_("%(format)s files are not supported: save the file as .xlsx or .csv."),
    "password_protected": N_("The file is password-protected: save a copy without a password and try again."),
    "zip_bomb": N_("The file is abnormally large once decompressed and cannot be imported."),
    "corrupt_file": N_("The file is damaged or could not be read."),
    "malformed_csv": N_("The CSV file could not be read near line %(line)s."),
    "too_many_columns": N_("Too many columns (maximum %(max)s)."),
    "too_many_rows": N_("Too many rows (maximum %(max)s): split the file."),
    "cell_too_long": N_("Row %(row)s, column “%(column)s”: the cell is too long (maximum %(max)s characters)."),
    "sheet_not_found": N_("Sheet “%(sheet)s” was not found in the file."),
    "file_gone": N_("The uploaded file is no longer kept (it is deleted when an import ends, or after "
                    "%(hours)s hours): upload it again."),
    "expired": N_("This import was not finished within %(hours)s hours, so its file was deleted and nothing "
                  "was imported. Upload the file again to import it."),
}


class ImportFileError(Exception):
    """The whole file is refused; `code` is a FILE_ERRORS key, `message_params` fill its placeholders."""

    def __init__(self, code: str, message_params: dict | None = None):
        self.code = code
        self.message_params = message_params or {}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return FILE_ERRORS[self.code] % self.message_params


@dataclass(frozen=True)
class SheetRow:
    number: int  # row number as the user sees it in Excel/LibreOffice (CSV: record number)
    values: tuple[CellValue, ...]  # aligned with ParsedSheet.headers

    def as_dict(self, headers: Sequence[str]) -> dict[str, CellValue]:
        return dict(zip(headers, self.values, strict=True))


@dataclass
class ParsedSheet:
    """An opened sheet: headers known, data rows streamed on demand by `rows()` (re-iterable)."""

    kind: str  # "csv" or "xlsx"
    headers: list[str]
    header_row: int  # number of the last header row; data starts after it
    row_count: int  # non-empty data rows (exact for CSV, from the XML scan for xlsx)
    encoding: str | None = None
    delimiter: str | None = None
    sheet_name: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    ignored_cells: int = 0  # non-empty cells right of the last header, found by the last rows() pass
    _raw: Callable[[], Iterator[tuple[int, Sequence[CellValue]]]] = field(default=lambda: iter(()), repr=False)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def rows(self) -> Iterator[SheetRow]:
        """Stream the non-empty data rows; raises ImportFileError past MAX_ROWS or MAX_CELL_CHARS."""
        width, count = len(self.headers), 0
        self.ignored_cells = 0
        for number, raw in self._raw():
            if number <= self.header_row:
                continue
            cells = [_clean(value) for value in raw]
            if all(cell is None for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError("too_many_rows", {"max": MAX_ROWS})
            self.ignored_cells += sum(cell is not None for cell in cells[width:])
            cells = cells[:width] + [None] * (width - len(cells))
            for index, cell in enumerate(cells):
                if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                    raise ImportFileError(
                        "cell_too_long", {"row": number, "column": self.headers[index], "max": MAX_CELL_CHARS}
                    )
            yield SheetRow(number, tuple(cells))

    __iter__ = rows

    def preview(self, n: int = 10) -> list[SheetRow]:
        """The first `n` data rows, for the mapping screen."""
        return list(itertools.islice(self.rows(), n))

    def close(self) -> None:
        self._close()

    def __enter__(self) -> ParsedSheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_sheet(path: str | Path, sheet: str | None = None) -> ParsedSheet:
    """Sniff, check and open an uploaded file; `sheet` picks an xlsx sheet (default: first visible)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("empty_file")
    if size > MAX_FILE_BYTES:
        raise ImportFileError("file_too_large", {"max_mb": MAX_FILE_BYTES // (1024 * 1024)})
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        _refuse_ole2(path.read_bytes())
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _open_xlsx(path, sheet)
    return _open_csv(path, head)


# ---------------------------------------------------------------- header detection (both formats)

def _clean(value: CellValue) -> CellValue:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _find_header(
    first_rows: list[tuple[int, list[CellValue]]], merges: Sequence[tuple[int, int, int, int]] = ()
) -> tuple[list[str], int]:
    """Pick the header row (skipping a title line), fill merged header cells, dedupe names."""
    filled = [(n, cells) for n, cells in first_rows if any(c is not None for c in cells)]
    if not filled:
        raise ImportFileError("empty_file")
    widest = max(sum(c is not None for c in cells) for _, cells in filled)
    position = next(i for i, (_, cells) in enumerate(filled) if 2 * sum(c is not None for c in cells) > widest)
    number, cells = filled[position]
    names = [_header_text(c) for c in cells]
    spans = [(c1, c2) for c1, r1, c2, r2 in merges if r1 <= number <= r2 and c2 > c1]
    for c1, c2 in spans:
        names += [""] * (c2 - len(names))
        for column in range(c1, c2):  # 0-based positions c1 .. c2-1 are covered after c1-1
            names[column] = names[column] or names[c1 - 1]
    last = number
    below = filled[position + 1] if position + 1 < len(filled) else None
    if spans and below and below[0] == number + 1:
        # A two-line header: a merged group title ("Adresse") over sub-titles ("Rue", "CP", "Ville").
        covered = {col for c1, c2 in spans for col in range(c1 - 1, c2)}
        used = {i for i, c in enumerate(below[1]) if c is not None}
        if used and used <= covered and all(isinstance(below[1][i], str) for i in used):
            for i in used:
                names += [""] * (i + 1 - len(names))
                names[i] = _header_text(below[1][i])
            last = below[0]
    while names and not names[-1]:
        names.pop()
    if len(names) > MAX_COLUMNS:
        raise ImportFileError("too_many_columns", {"max": MAX_COLUMNS})
    return _dedupe([name or f"({get_column_letter(i + 1)})" for i, name in enumerate(names)]), last


def _header_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        value = value.strftime("%d/%m/%Y")
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name} {n}"
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique


def _first_rows(raw: Iterator[tuple[int, Sequence[CellValue]]]) -> list[tuple[int, list[CellValue]]]:
    rows = []
    for number, values in raw:
        cells = [_clean(v) for v in values]
        if any(c is not None for c in cells):
            rows.append((number, cells))
            if len(rows) >= HEADER_SCAN_ROWS:
                break
    return rows


def _data_row_count(total_non_empty: int, first: list[tuple[int, list[CellValue]]], header_row: int) -> int:
    return max(0, total_non_empty - sum(1 for number, _ in first if number <= header_row))


# ---------------------------------------------------------------- CSV

def _open_csv(path: Path, head: bytes) -> ParsedSheet:
    encoding = _detect_encoding(path, head)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    lowered = sample.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html", "<table")):
        raise ImportFileError("unsupported_format", {"format": "HTML"})
    if lowered.startswith("<?xml"):
        raise ImportFileError("unsupported_format", {"format": "XML"})
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f")
    if "\x00" in sample or control > len(sample) // 100:
        raise ImportFileError("not_a_spreadsheet")
    if not sample.strip():
        raise ImportFileError("empty_file")
    delimiter, skip_first_line = _detect_delimiter(sample)

    def raw() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=encoding, newline="", errors="strict") as fh:
            if skip_first_line:
                fh.readline()
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                yield from enumerate(reader, start=1)
            except csv.Error as exc:
                raise ImportFileError("malformed_csv", {"line": reader.line_num}) from exc

    try:
        non_empty = _prescan_csv(raw())
        first = _first_rows(raw())
    except UnicodeDecodeError as exc:
        raise ImportFileError("not_a_spreadsheet") from exc
    headers, header_row = _find_header(first)
    return ParsedSheet(
        kind="csv", headers=headers, header_row=header_row,
        row_count=_data_row_count(non_empty, first, header_row),
        encoding=encoding, delimiter=delimiter, _raw=raw,
    )


def _detect_encoding(path: Path, head: bytes) -> str:
    """BOM first; else UTF-8 if the whole file decodes strictly (streamed), else Windows-1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Texte Unicode" export
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _detect_delimiter(sample: str) -> tuple[str, bool]:
    """Excel's `sep=;` line, else the most consistent field count (`;` first, as French Excel writes)."""
    first_line = sample.split("\n", 1)[0].strip()
    if re.fullmatch(r"sep=[;,\t|]", first_line):
        return first_line[4], True
    lines = sample.splitlines(keepends=True)
    text = "".join(lines[:-1] if len(lines) > 1 and len(sample) >= SNIFF_BYTES else lines)
    scores = {d: _consistency(text, d) for d in ";\t,"}  # dict order = French preference on ties
    best = [d for d, score in scores.items() if score == max(scores.values())]
    if len(best) > 1:
        # Sniffer only breaks ties, on a short sample: its regexes are quadratic on crafted input.
        try:
            sniffed = csv.Sniffer().sniff(text[:_SNIFFER_CHARS], delimiters="".join(best)).delimiter
        except csv.Error:
            sniffed = None
        if sniffed in best:
            return sniffed, False
    return best[0], False


def _consistency(text: str, delimiter: str) -> tuple[bool, float]:
    records = csv.reader(io.StringIO(text), delimiter=delimiter)
    widths = [len(r) for r in records if len(r) > 1 or r and r[0].strip()][:200]
    if not widths:
        return (False, 0.0)
    mode = max(set(widths), key=widths.count)
    return (mode > 1, widths.count(mode) / len(widths))


def _prescan_csv(raw: Iterator[tuple[int, list[str]]]) -> int:
    """Whole-file pass before anything is shown: decoding, widths, cell sizes, row count."""
    non_empty = 0
    for number, record in raw:
        while record and not record[-1].strip():
            record.pop()
        if not record or not any(f.strip() for f in record):
            continue
        non_empty += 1
        if len(record) > MAX_COLUMNS:
            raise ImportFileError("too_many_columns", {"max": MAX_COLUMNS})
        if non_empty > MAX_ROWS + HEADER_SCAN_ROWS:
            raise ImportFileError("too_many_rows", {"max": MAX_ROWS})
        for index, value in enumerate(record):
            if len(value) > MAX_CELL_CHARS:
                column = get_column_letter(index + 1)
                raise ImportFileError("cell_too_long", {"row": number, "column": column, "max": MAX_CELL_CHARS})
    return non_empty


# ---------------------------------------------------------------- binary formats

def _refuse_ole2(data: bytes) -> None:
    """OLE2 compound file: an encrypted xlsx, an old .xls, or something else (a .doc)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise ImportFileError("password_protected")
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        raise ImportFileError("old_xls")
    raise ImportFileError("not_a_spreadsheet")


def _check_zip(zf: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the declared sizes (zipfile stops reading a member at its declared size)."""
    members = zf.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportFileError("zip_bomb")
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError("zip_bomb")
    for m in members:
        if m.file_size > _CHUNK and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
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


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)"')


def _scan_sheet_xml(zf: zipfile.ZipFile, member: str) -> _SheetScan:
    """Stream the raw sheet XML once, without parsing it: values per row, rows, merged ranges.

    Cheap (byte counts per row) and bounded, so a 1-million-cell row is refused before openpyxl
    builds it. <mergeCells> comes after <sheetData>, which read-only openpyxl never exposes.
    """
    scan, pending, prefix, in_data, in_row, tail = _SheetScan(), b"", None, True, 0, bytearray()
    with zf.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            data = pending + chunk
            cut = data.rfind(b">") + 1  # only complete tags are counted; the rest waits
            data, pending = data[:cut], data[cut:]
            if prefix is None:
                found = re.search(rb"<(\w+:)?worksheet\b", data)
                prefix = found.group(1) or b"" if found else b""
                row_end, sheet_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
                value_tags = (b"<" + prefix + b"v>", b"<" + prefix + b"is>")
            if not in_data:
                if len(tail) < 8 * _CHUNK:
                    tail += data
                continue
            end = data.find(sheet_end)
            body = data if end < 0 else data[:end]
            parts = body.split(row_end)
            for index, part in enumerate(parts):
                in_row += part.count(value_tags[0]) + part.count(value_tags[1])
                if in_row > MAX_COLUMNS:
                    raise ImportFileError("too_many_columns", {"max": MAX_COLUMNS})
                if index < len(parts) - 1:  # this part ended with </row>
                    scan.rows_with_values += in_row > 0
                    in_row = 0
            if scan.rows_with_values > MAX_ROWS + HEADER_SCAN_ROWS:
                raise ImportFileError("too_many_rows", {"max": MAX_ROWS})
            if end >= 0:
                in_data = False
                tail += data[end:]
    for ref in _MERGE_RE.findall(bytes(tail)):
        scan.merges.append(range_boundaries(ref.decode()))
    return scan


def _open_xlsx(path: Path, sheet: str | None) -> ParsedSheet:
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
        first = _first_rows(raw())
        headers, header_row = _find_header(first, scan.merges)
    except ImportFileError:
        book.close()
        raise
    return ParsedSheet(
        kind="xlsx", headers=headers, header_row=header_row,
        row_count=_data_row_count(scan.rows_with_values, first, header_row),
        sheet_name=chosen[0], sheet_names=[s[0] for s in sheets], _raw=raw, _close=book.close,
    )
