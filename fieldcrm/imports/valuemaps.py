"""The value-mapping step: for each mapped column with a vocabulary, the distinct values of the file with
their counts, each mapped to a target value (pre-filled with the user's choices for files with the same
headers, else with guesses), and the choices remembered for the next file of that kind."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.imports import vocab
from fieldcrm.imports.header import ParsedSheet
from fieldcrm.imports.mapping import normalise_header
from fieldcrm.imports.models import ImportValueMap
from fieldcrm.imports.validation import InvalidValue, normalise_country
from fieldcrm.timeutil import utcnow

VALUE_SCAN_ROWS = 20_000  # rows read to list the distinct values (the guesses cover the rest)
COLUMNS = "_columns"  # the remembered column mapping of a kind of file: {folded header: target}


@dataclass
class ValueColumn:
    """One vocabulary column on the value-mapping screen."""

    target: str
    header: str
    values: list[tuple[str, int, str, str]] = field(default_factory=list)  # value, rows, folded, chosen


def _country(value: str) -> str | None:
    try:
        return normalise_country(value)
    except InvalidValue:
        return None


def scan_values(sheet: ParsedSheet, columns: dict[str, int]) -> dict[str, list[tuple[str, int]]]:
    return vocab.distinct_values((row.values for row in itertools.islice(sheet.rows(), VALUE_SCAN_ROWS)), columns)


def vocabulary_columns(mapping: dict[int, str]) -> dict[str, int]:
    """{target: column} for the mapped columns whose values are mapped one by one."""
    return {target: index for index, target in sorted(mapping.items()) if target in vocab.VOCABULARY_TARGETS}


def value_columns(db: Session, actor: User, headers: list[str], mapping: dict[int, str],
                  found: dict[str, list[tuple[str, int]]], chosen: dict[str, dict[str, str]]) -> list[ValueColumn]:
    """The screen's columns: each distinct value with the user's choice, else the remembered one, else
    the guess ("" = leave empty)."""
    owners = vocab.owner_guesses((u.id, u.name, u.email) for u in assignable_owners(db, actor))
    remembered = remembered_maps(db, actor, headers)
    columns = []
    for target, index in vocabulary_columns(mapping).items():
        column = ValueColumn(target, headers[index])
        for value, count in found.get(target, []):
            key = vocab.fold(value)
            pick = chosen.get(target, {}).get(key)
            if pick is None:
                pick = remembered.get(target, {}).get(key)
            if pick is None:
                pick = vocab.guess_value(target, value, owners, _country) or ""
            column.values.append((value, count, key, pick))
        columns.append(column)
    return columns


def default_maps(columns: list[ValueColumn]) -> dict[str, dict[str, str]]:
    """The value mappings as the screen pre-fills them (used when the user runs without looking). A value
    with no guess is left out: the row then gets the field's own checks, and a flag if it fails."""
    return {c.target: {key: pick for _value, _count, key, pick in c.values if pick} for c in columns}


def read_value_maps(form, columns: list[ValueColumn], valid: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """The choices posted for each value: vk-<target>-<n> names the value (folded), vm-<target>-<n> its
    target value, checked against `valid` per target (free-text targets take any short text). Values the
    form did not post (the mapping changed since) keep their pre-filled choice."""
    maps = default_maps(columns)
    for column in columns:
        known, shown = maps[column.target], {key for _value, _count, key, _pick in column.values}
        for n in range(2 * vocab.MAX_DISTINCT):
            key, posted = form.get(f"vk-{column.target}-{n}"), form.get(f"vm-{column.target}-{n}")
            if key is None or posted is None or key not in shown:
                continue
            posted = " ".join(posted.split())[:120]
            if column.target in vocab.FREE_TEXT or posted == "" or posted in valid.get(column.target, set()):
                known[key] = posted
    return maps


def remembered_maps(db: Session, actor: User, headers: list[str]) -> dict[str, dict[str, str]]:
    rows = db.exec(select(ImportValueMap).where(ImportValueMap.user_id == actor.id,
                                                ImportValueMap.header_key == vocab.header_key(headers))).all()
    return {row.target: json.loads(row.values) for row in rows}


def remember_maps(db: Session, actor: User, headers: list[str], maps: dict[str, dict[str, str]]) -> None:
    """Keep the user's value mappings for the next file with the same headers (in the caller's
    transaction; an existing row for the same kind of file is merged with the new choices)."""
    key = vocab.header_key(headers)
    for target, values in maps.items():
        if values:
            for attempt in (1, 2):  # the same user starting two imports of one kind at once: the loser merges
                try:
                    with db.begin_nested():
                        _merge_map(db, actor, key, target, values)
                    break
                except IntegrityError:
                    if attempt == 2:
                        raise


def _merge_map(db: Session, actor: User, key: str, target: str, values: dict[str, str]) -> None:
    row = db.exec(select(ImportValueMap).where(ImportValueMap.user_id == actor.id, ImportValueMap.header_key == key,
                                               ImportValueMap.target == target)).first()
    if row is None:
        row = ImportValueMap(user_id=actor.id, header_key=key, target=target)
    merged = {**json.loads(row.values or "{}"), **values}
    row.values, row.updated_at = json.dumps(merged, ensure_ascii=False), utcnow()
    db.add(row)
    db.flush()



def with_choices(columns: list[ValueColumn], maps: dict[str, dict[str, str]]) -> list[ValueColumn]:
    """The same columns showing the choices in `maps` (after a post, without reading the file again)."""
    for column in columns:
        chosen = maps.get(column.target, {})
        column.values = [(value, count, key, chosen.get(key, pick)) for value, count, key, pick in column.values]
    return columns


def remembered_mapping(db: Session, actor: User, headers: list[str], valid: set[str]) -> dict[int, str] | None:
    """The column mapping the user chose last time for a file with these headers, if any."""
    columns = remembered_maps(db, actor, headers).get(COLUMNS)
    if not columns:
        return None
    return {i: columns.get(normalise_header(h), "ignore") if columns.get(normalise_header(h)) in valid else "ignore"
            for i, h in enumerate(headers)}


def remember_columns(db: Session, actor: User, headers: list[str], mapping: dict[int, str]) -> None:
    remember_maps(db, actor, headers, {COLUMNS: {normalise_header(h): mapping.get(i, "ignore")
                                                 for i, h in enumerate(headers)}})
