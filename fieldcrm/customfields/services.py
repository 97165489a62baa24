"""Custom fields an admin defines on client cards (typed: text, number, date, choice)."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import CUSTOM_FIELD_TYPES, CustomFieldDef
from fieldcrm.clients.normalise import fold
from fieldcrm.fieldrules import InvalidField, parse_date, parse_decimal

VALUE_MAX = 500


class CustomFieldError(ValueError):
    """A refused definition, with a message for the admin."""


def active_fields(db: Session) -> list[CustomFieldDef]:
    return list(db.exec(select(CustomFieldDef).where(CustomFieldDef.active)
                        .order_by(CustomFieldDef.position, CustomFieldDef.id)).all())


def all_fields(db: Session) -> list[CustomFieldDef]:
    return list(db.exec(select(CustomFieldDef).order_by(CustomFieldDef.position, CustomFieldDef.id)).all())


def get_field_or_404(db: Session, actor: User, field_id: int) -> CustomFieldDef:
    """A field definition, for an admin only (anyone else, or no such field, is NotVisible: 404)."""
    return access.get_for_admin(db, actor, CustomFieldDef, field_id)


def choices_of(field: CustomFieldDef) -> list[str]:
    return [c.strip() for c in (field.choices or "").splitlines() if c.strip()]


def define_field(db: Session, label: str, field_type: str, choices: str = "") -> CustomFieldDef:
    label = label.strip()
    if not label:
        raise CustomFieldError(_("Give the field a name."))
    if field_type not in CUSTOM_FIELD_TYPES:
        raise CustomFieldError(_("Unknown field type."))
    key = re.sub(r"\W+", "_", fold(label)).strip("_")[:40] or "field"
    if db.exec(select(CustomFieldDef).where(CustomFieldDef.key == key)).first():
        raise CustomFieldError(_("A field with this name already exists."))
    options = "\n".join(dict.fromkeys(c.strip()[:80] for c in choices.splitlines() if c.strip()))
    if field_type == "choice" and not options:
        raise CustomFieldError(_("A choice field needs at least one choice, one per line."))
    position = db.exec(select(func.coalesce(func.max(CustomFieldDef.position), 0))).one() + 1
    field = CustomFieldDef(key=key, label=label[:80], field_type=field_type,
                           choices=options or None, position=position)
    db.add(field)
    db.commit()
    return field


def set_active(db: Session, field: CustomFieldDef, active: bool) -> None:
    """Hiding a field keeps its values (it can come back); nothing is erased."""
    field.active = active
    db.add(field)
    db.commit()


def clean_value(field: CustomFieldDef, raw: str | None) -> str | None:
    """The stored text for a typed value; ValueError with a message when it does not fit."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > VALUE_MAX:
        raise ValueError(_("At most %(n)d characters.", n=VALUE_MAX))
    try:
        # The import's rules, so that a value it stored is one this form takes back.
        if field.field_type == "number":
            return format(parse_decimal(value), "f")
        if field.field_type == "date":
            return parse_date(value).isoformat()
    except InvalidField as exc:
        raise ValueError(_(exc.message)) from None
    if field.field_type == "choice" and value not in choices_of(field):
        raise ValueError(_("Pick one of the proposed values."))
    return value
