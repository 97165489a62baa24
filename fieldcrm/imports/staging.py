"""Plain-JSON files an import keeps between its passes (no pickle: nothing read back can run code).

Staged rows: one JSON array per line, [row number, {target: clean value}], written by the validation pass
and read by the write pass. Clean values are str, int, bool, None, lists of str, dates and Decimals;
dates and Decimals are tagged ({"$date": "2026-03-01"}, {"$dec": "12.50"}) so they come back typed.

Error report: {"headers": [...], "rows": [[number, [cell, ...], [[target, message key], ...]], ...]}, the
original cells of the rows that were not imported, so the report no longer needs the uploaded file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


def _tag(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": format(value, "f")}
    raise TypeError(f"cannot stage a {type(value).__name__}")


def _untag(obj: dict):
    if len(obj) == 1:
        (key, value), = obj.items()
        if key == "$date":
            return date.fromisoformat(value)
        if key == "$datetime":
            return datetime.fromisoformat(value)
        if key == "$dec":
            return Decimal(value)
    return obj


def dumps_values(obj) -> str:
    """JSON of plain values, dates, datetimes and Decimals (tagged so that they come back typed)."""
    return json.dumps(obj, default=_tag, ensure_ascii=False, separators=(",", ":"))


def loads_values(text: str):
    return json.loads(text, object_hook=_untag)


def dumps_row(number: int, clean: dict) -> str:
    return dumps_values([number, clean])


def loads_row(line: str) -> tuple[int, dict]:
    number, clean = loads_values(line)
    if not isinstance(number, int) or not isinstance(clean, dict):
        raise ValueError("not a staged row")
    return number, clean


def write_rows(path: Path, rows: Iterable[tuple[int, dict]]) -> None:
    with path.open("a", encoding="utf-8") as out:
        for number, clean in rows:
            out.write(dumps_row(number, clean) + "\n")


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as staged:
        for line in staged:
            if line.strip():
                yield loads_row(line)


def report_cell(value):
    """A cell of the original file as the error report writes it (JSON-safe, same text as before)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write_report(path: Path, headers: list[str], rows: list[tuple[int, list, list[tuple[str, str]]]],
                 warned: list[tuple[int, list, list[tuple[str, str]]]] = ()) -> None:
    """`rows`: the rows refused; `warned`: rows imported with a field left empty or flagged (same shape;
    their cells may run past the headers: the extra cells of a row with too many)."""
    data = {"headers": list(headers),
            "rows": [[number, [report_cell(v) for v in values], [list(e) for e in errors]]
                     for number, values, errors in rows],
            "warnings": [[number, [report_cell(v) for v in values], [list(e) for e in problems]]
                         for number, values, problems in warned]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def read_report(path: Path) -> tuple[list[str], list[tuple[int, list, list[tuple[str, str]]]]]:
    """(headers, [(row number, original cells, [(target, message key)])]); ([], []) if there is none."""
    if not path.exists():
        return [], []
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):  # written before the report kept the cells: reasons only
        return [], [(n, [], [tuple(e) for e in errs]) for n, errs in data]
    return list(data["headers"]), [(n, list(values), [tuple(e) for e in errs]) for n, values, errs in data["rows"]]


def read_warnings(path: Path) -> list[tuple[int, list, list[tuple[str, str]]]]:
    """The rows imported with a flag: (row number, original cells, [(target, message key)])."""
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return []
    return [(n, list(values), [tuple(e) for e in problems]) for n, values, problems in data.get("warnings", [])]
