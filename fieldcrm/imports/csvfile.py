"""CSV files as French users have them: encoding, delimiter, Excel's `sep=` line, read as a stream."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

from fieldcrm.imports import limits
from fieldcrm.imports.header import ParsedSheet, data_row_count, find_header, first_rows
from fieldcrm.imports.limits import ImportFileError


def open_csv(path: Path, head: bytes) -> ParsedSheet:
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
            reader = csv.reader(fh, delimiter=delimiter, skipinitialspace=True)
            try:
                yield from enumerate(reader, start=1)
            except csv.Error as exc:
                raise ImportFileError("malformed_csv", {"line": reader.line_num}) from exc

    try:
        non_empty = _prescan_csv(raw())
        first = first_rows(raw())
    except UnicodeDecodeError as exc:
        raise ImportFileError("not_a_spreadsheet") from exc
    headers, header_row = find_header(first)
    return ParsedSheet(
        kind="csv", headers=headers, header_row=header_row,
        row_count=data_row_count(non_empty, first, header_row),
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
            while chunk := fh.read(limits.CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _detect_delimiter(sample: str) -> tuple[str, bool]:
    """Excel's `sep=;` line, else the most consistent field count (`;` first, as French Excel writes)."""
    first_line = sample.split("\n", 1)[0].strip("\r\n ")
    excel_hint = re.fullmatch(r'"?sep=([;,\t|])"?[;,\t|]*', first_line)
    if excel_hint:
        return excel_hint.group(1), True
    lines = sample.splitlines(keepends=True)
    text = "".join(lines[:-1] if len(lines) > 1 and len(sample) >= limits.SNIFF_BYTES else lines)
    scores = {d: _consistency(text, d) for d in ";\t,"}  # dict order = French preference on ties
    best = [d for d, score in scores.items() if score == max(scores.values())]
    if len(best) > 1:
        # Sniffer only breaks ties, on a short sample: its regexes are quadratic on crafted input.
        try:
            sniffed = csv.Sniffer().sniff(text[:limits.SNIFFER_CHARS], delimiters="".join(best)).delimiter
        except csv.Error:
            sniffed = None
        if sniffed in best:
            return sniffed, False
    return best[0], False


def _consistency(text: str, delimiter: str) -> tuple[bool, float]:
    """(more than one column, share of records with the usual width). A candidate the csv module cannot
    read the sample with (a quoted new line or quote it takes for an unquoted one) scores nothing: the
    next candidate gets its chance, instead of the error refusing the whole file."""
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    try:
        widths = [len(r) for r in itertools.islice(records, 400) if len(r) > 1 or r and r[0].strip()][:200]
    except csv.Error:
        return (False, -1.0)
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
        if len(record) > limits.MAX_COLUMNS:
            raise ImportFileError("too_many_columns", {"max": limits.MAX_COLUMNS})
        if non_empty > limits.MAX_ROWS + limits.HEADER_SCAN_ROWS:
            raise ImportFileError("too_many_rows", {"max": limits.MAX_ROWS})
        for index, value in enumerate(record):
            if len(value) > limits.MAX_CELL_CHARS:
                column = get_column_letter(index + 1)
                raise ImportFileError("cell_too_long", {"row": number, "column": column, "max": limits.MAX_CELL_CHARS})
    return non_empty
