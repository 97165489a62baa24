"""Stored keys in the user's words: a client's status, and any field value shown back to the user
(previews, exports). Every screen and file that shows a status calls this, never the key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fieldcrm.clients.normalise import format_phone

MONEY_KEYS = ("amount", "revenue", "average_basket", "revenue_min", "revenue_max")
PHONE_KEYS = ("phone", "mobile")


def status_labels() -> dict[str, str]:
    return {
        "suspect": _l("Suspect"), "lead": _l("Lead"), "prospect": _l("Prospect"),
        "client": _l("Client"), "former_client": _l("Former client"),
    }


def gender_labels() -> dict[str, str]:
    return {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}


def civility_labels() -> dict[str, str]:
    """"MME" -> "Mme", "M" -> "M." (the form's choices say the same)."""
    return {"MME": _l("Ms"), "M": _l("Mr")}


def status_label(key: str | None) -> str:
    """A status in the user's language ("former_client" -> "Ancien client"); "" for none."""
    if not key:
        return ""
    return str(status_labels().get(key, key))


def display_value(key: str, value) -> str:
    """A field's value as the user reads it, in their language: a status by its name, an amount in
    euros, a number with the locale's separators ("4 652,19", never "4652.19"), a date in words, a
    phone number in groups, a list joined."""
    if value is None or value == "":
        return ""
    if key == "status":
        return status_label(value)
    if key == "gender":
        return str(gender_labels().get(value, value))
    if key == "civility":
        return str(civility_labels().get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in MONEY_KEYS and isinstance(value, int | float | Decimal):
        return format_currency(value, "EUR")
    if isinstance(value, int | float | Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    if isinstance(value, date):
        return format_date(value, "medium")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(display_value(key, item) for item in value)
    if key in PHONE_KEYS:
        return format_phone(str(value))
    return str(value)
