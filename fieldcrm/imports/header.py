"""An opened sheet, whatever its format: the header row found under title lines and merged group
headers, and the data rows streamed below it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl.utils.cell import get_column_letter

from fieldcrm.imports import limits
from fieldcrm.imports.cells import is_footer_row
from fieldcrm.imports.limits import CellValue, ImportFileError


@dataclass(frozen=True)
class SheetRow:
    number: int  # row number as the user sees it in Excel/LibreOffice (CSV: record number)
    values: tuple[CellValue, ...]  # aligned with ParsedSheet.headers
    extra: tuple[CellValue, ...] = ()  # non-empty cells right of the last header (shown, never imported)

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
    footer_rows: int = 0  # totals lines left out by the last rows() pass
    formula_rows: frozenset[int] = frozenset()  # xlsx rows holding a SUM/SUBTOTAL formula: totals
    _raw: Callable[[], Iterator[tuple[int, Sequence[CellValue]]]] = field(default=lambda: iter(()), repr=False)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)

    def rows(self) -> Iterator[SheetRow]:
        """Stream the non-empty data rows; raises ImportFileError past limits.MAX_ROWS or limits.MAX_CELL_CHARS."""
        width, count = len(self.headers), 0
        self.ignored_cells = self.footer_rows = 0
        for number, raw in self._raw():
            if number <= self.header_row:
                continue
            cells = [clean_cell(value) for value in raw]
            if all(cell is None for cell in cells):
                continue
            if number in self.formula_rows or is_footer_row(cells):
                self.footer_rows += 1
                continue
            count += 1
            if count > limits.MAX_ROWS:
                raise ImportFileError("too_many_rows", {"max": limits.MAX_ROWS})
            extra = tuple(cell for cell in cells[width:] if cell is not None)
            self.ignored_cells += len(extra)
            cells = cells[:width] + [None] * (width - len(cells))
            for index, cell in enumerate(cells):
                if isinstance(cell, str) and len(cell) > limits.MAX_CELL_CHARS:
                    raise ImportFileError(
                        "cell_too_long", {"row": number, "column": self.headers[index], "max": limits.MAX_CELL_CHARS}
                    )
            yield SheetRow(number, tuple(cells), extra)

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


# ---------------------------------------------------------------- header detection (both formats)

def clean_cell(value: CellValue) -> CellValue:
    if isinstance(value, str):
        return value.strip() or None
    return value


def find_header(
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
    if len(names) > limits.MAX_COLUMNS:
        raise ImportFileError("too_many_columns", {"max": limits.MAX_COLUMNS})
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


def first_rows(raw: Iterator[tuple[int, Sequence[CellValue]]]) -> list[tuple[int, list[CellValue]]]:
    rows = []
    for number, values in raw:
        cells = [clean_cell(v) for v in values]
        if any(c is not None for c in cells):
            rows.append((number, cells))
            if len(rows) >= limits.HEADER_SCAN_ROWS:
                break
    return rows


def data_row_count(total_non_empty: int, first: list[tuple[int, list[CellValue]]], header_row: int) -> int:
    return max(0, total_non_empty - sum(1 for number, _ in first if number <= header_row))

