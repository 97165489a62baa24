"""Checking rows against the mapping and the import's choices before anything is written (the preview
and the first pass of the run)."""

from __future__ import annotations

import json

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.clients.models import CustomFieldDef
from fieldcrm.imports import N_, vocab
from fieldcrm.imports.mapping import CUSTOM_PREFIX, IGNORE, TARGETS, apply_mapping
from fieldcrm.imports.models import UPDATE_MODES, ImportJob
from fieldcrm.imports.purchases import PURCHASE_TARGETS, PurchaseChecker
from fieldcrm.imports.validation import EXTRA_CELLS, CellError, RowCheck, normalise_row
from fieldcrm.timeutil import utcnow

UNKNOWN_OWNER = N_("Unknown sales rep, or one outside your team: the card goes to the rep chosen for the import")
_DATE_LABELS = {"client_since": N_("Client since"), "birth_date": N_("Birth date")}


def custom_fields(db: Session) -> list[CustomFieldDef]:
    return list(db.exec(select(CustomFieldDef).where(CustomFieldDef.active)
                        .order_by(CustomFieldDef.position, CustomFieldDef.id)).all())


def valid_targets(db: Session, kind: str = "clients") -> set[str]:
    if kind == "purchases":
        return {IGNORE, *PURCHASE_TARGETS}
    return {IGNORE, *TARGETS, *(f"{CUSTOM_PREFIX}{f.key}" for f in custom_fields(db))}


def mapping_of(job: ImportJob) -> dict[int, str]:
    return {int(k): v for k, v in json.loads(job.mapping or "{}").items()}


def options_of(job: ImportJob) -> dict:
    """The import's choices: value_maps, update_mode, owner_id (the rep new cards go to), title_case."""
    options = json.loads(job.options or "{}")
    options.setdefault("value_maps", {})
    if options.get("update_mode") not in UPDATE_MODES:
        options["update_mode"] = "fill_empty"
    return options


def checker_for(db: Session, actor: User, job: ImportJob, mapping: dict[int, str], options: dict | None = None):
    if job.kind == "purchases":
        return PurchaseChecker(db, actor, mapping, utcnow().date())
    return RowChecker(db, actor, mapping, options_of(job) if options is None else options)


def default_owner_id(db: Session, actor: User, options: dict) -> int:
    """The rep the import's new cards go to: the one chosen, if the actor may give cards to them."""
    chosen = options.get("owner_id")
    if chosen and any(u.id == chosen for u in assignable_owners(db, actor)):
        return int(chosen)
    return actor.id


class RowChecker:
    """Validates rows against the mapping and the value mappings; finds the sales rep a row names among
    the users the actor may give cards to."""

    def __init__(self, db: Session, actor: User, mapping: dict[int, str], options: dict | None = None):
        options = options or {}
        self.mapping = mapping
        fields = custom_fields(db)
        self.custom_types = {f.key: ("number" if f.field_type == "number" else
                                     "date" if f.field_type == "date" else "text") for f in fields}
        owners = assignable_owners(db, actor)
        self.owner_ids = {u.id for u in owners}
        self.owner_keys = vocab.owner_guesses((u.id, u.name, u.email) for u in owners)
        maps = options.get("value_maps") or {}
        self.owner_map = maps.get("owner_email") or {}
        self.value_maps = {t: m for t, m in maps.items() if t != "owner_email"}
        self.title_case = bool(options.get("title_case"))
        self.locale = actor.locale or "fr"
        self.today = utcnow().date()

    def check(self, number: int, values: tuple, extra: tuple = ()) -> RowCheck:
        raw = apply_mapping(values, self.mapping)
        clean, errors = normalise_row(raw, custom_types=self.custom_types, today=self.today,
                                      value_maps=self.value_maps, title_case=self.title_case)
        named = clean.pop("owner_email", None)
        if named is not None:
            self._owner(clean, errors, named, raw.get("owner_email"))
        partial = clean.pop("partial_dates", None)
        if partial:
            with force_locale(self.locale):
                lines = [_("%(field)s (as written in the file): %(value)s", field=_(_DATE_LABELS[t]), value=v)
                         for t, v in partial]
            clean["notes"] = "\n".join([clean["notes"], *lines] if clean.get("notes") else lines)
        if extra:
            errors.append(CellError("extra_cells", " | ".join(str(v) for v in extra), EXTRA_CELLS, "warning"))
        return RowCheck(number, values, clean, errors)

    def _owner(self, clean: dict, errors: list, named: str, written: object) -> None:
        key = vocab.fold(named)
        if key in self.owner_map:
            chosen = self.owner_map[key]
            if chosen == "":
                return  # the user chose: to the rep of the import
        else:
            found = self.owner_keys.get(key)
            chosen = "" if found is None else str(found)
        if chosen.isdigit() and int(chosen) in self.owner_ids:
            clean["owner_id"] = int(chosen)
        else:
            errors.append(CellError("owner_email", written, UNKNOWN_OWNER, "warning"))
