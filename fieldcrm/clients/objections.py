"""Whether a person objected to the processing of their data: the question the client file and the
capabilities built on it ask, answered by whichever higher capability keeps the opposition list
(privacy registers with `on_objection_check` from its init_app). With nothing registered, nobody has objected.

A person is described by a plain dict of card values (email, phone, mobile, company_name, first_name,
last_name, postal_code, country), as a form, an import row or a Client row gives them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session

ObjectionCheck = Callable[[Session, list[dict]], list[bool]]
_checks: list[ObjectionCheck] = []
PERSON_FIELDS = ("email", "phone", "mobile", "company_name", "first_name", "last_name", "postal_code", "country")


def on_objection_check(check: ObjectionCheck) -> ObjectionCheck:
    """Register `check(db, people) -> [objected, …]` (one answer per person, in order)."""
    if check not in _checks:
        _checks.append(check)
    return check


def person_values(row) -> dict:
    """The values that recognise a person, from a dict, a Client or a select row."""
    mapping = row if isinstance(row, dict) else getattr(row, "_mapping", None)
    if mapping is not None:
        return {key: mapping.get(key) for key in PERSON_FIELDS}
    return {key: getattr(row, key, None) for key in PERSON_FIELDS}


def objected(db: Session, values) -> bool:
    """Whether the person these card values describe is on the opposition list."""
    return bool(objecting(db, [values])[0])


def objecting(db: Session, people: Iterable) -> list[bool]:
    """For each person (dict, Client or select row), whether they are on the opposition list."""
    people = [person_values(p) for p in people]
    answers = [False] * len(people)
    for check in _checks:
        answers = [a or b for a, b in zip(answers, check(db, people), strict=True)]
    return answers


def objecting_ids(db: Session, rows) -> set[int]:
    """The ids of the rows (each with an `id` and the person fields) whose person objected."""
    rows = list(rows)
    return {row.id for row, flag in zip(rows, objecting(db, rows), strict=True) if flag}


def person_columns(model) -> list:
    """The columns of `model` (Client) a check needs, to add to a select."""
    return [getattr(model, key) for key in PERSON_FIELDS]
