"""Checking rows against the mapping before anything is written (the preview and the first pass)."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import CustomFieldDef
from fieldcrm.imports import N_
from fieldcrm.imports.mapping import CUSTOM_PREFIX, IGNORE, TARGETS, apply_mapping
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.purchases import PURCHASE_TARGETS, PurchaseChecker
from fieldcrm.imports.validation import CellError, RowCheck, normalise_row
from fieldcrm.timeutil import utcnow

UNKNOWN_OWNER = N_("Unknown sales rep, or one outside your team")


def custom_fields(db: Session) -> list[CustomFieldDef]:
    return list(db.exec(select(CustomFieldDef).where(CustomFieldDef.active)
                        .order_by(CustomFieldDef.position, CustomFieldDef.id)).all())


def valid_targets(db: Session, kind: str = "clients") -> set[str]:
    if kind == "purchases":
        return {IGNORE, *PURCHASE_TARGETS}
    return {IGNORE, *TARGETS, *(f"{CUSTOM_PREFIX}{f.key}" for f in custom_fields(db))}


def checker_for(db: Session, actor: User, job: ImportJob, mapping: dict[int, str]):
    if job.kind == "purchases":
        return PurchaseChecker(db, actor, mapping, utcnow().date())
    return RowChecker(db, actor, mapping)



def mapping_of(job: ImportJob) -> dict[int, str]:
    return {int(k): v for k, v in json.loads(job.mapping or "{}").items()}


class RowChecker:
    """Validates rows against the mapping: cell normalisation plus the owner the actor may assign."""

    def __init__(self, db: Session, actor: User, mapping: dict[int, str]):
        self.mapping = mapping
        fields = custom_fields(db)
        self.custom_types = {f.key: ("number" if f.field_type == "number" else
                                     "date" if f.field_type == "date" else "text") for f in fields}
        self.owners = {u.email.lower(): u.id for u in access.assignable_owners(db, actor)}
        self.today = utcnow().date()

    def check(self, number: int, values: tuple) -> RowCheck:
        raw = apply_mapping(values, self.mapping)
        clean, errors = normalise_row(raw, custom_types=self.custom_types, today=self.today)
        email = clean.pop("owner_email", None)
        if email is not None:
            owner_id = self.owners.get(email.lower())
            if owner_id is None:
                errors.append(CellError("owner_email", raw.get("owner_email"), UNKNOWN_OWNER))
            else:
                clean["owner_id"] = owner_id
        return RowCheck(number, values, clean, errors)

