"""The filters a segment is made of, applied to any select over Client (pure SQL, SQLite and PostgreSQL).

A filter set is a plain dict (stored as JSON on the segment, or read from the builder's form):
  status [list], sector, segment, tag, loyalty ("any"/"none"/text), departments ("69, 01"), city,
  near_lat/near_lon/near_km, no_contact_days, purchase_within_months, no_purchase_months,
  revenue_min, revenue_max, product, consent_channel, owner_id, custom_field_id + custom_value, q.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, exists, func, not_, or_
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.clients.models import (
    CHANNELS,
    STATUSES,
    ChannelConsent,
    Client,
    ClientTag,
    CustomFieldValue,
    Tag,
)
from fieldcrm.clients.normalise import fold, search_tokens
from fieldcrm.clients.search import search_clients
from fieldcrm.web.boundary import MAX_DB_INTEGER
from fieldcrm.web.templating import N_

KEYS = ("status", "sector", "segment", "tag", "loyalty", "departments", "city", "near_lat", "near_lon", "near_km",
        "no_contact_days", "purchase_within_months", "no_purchase_months", "revenue_min", "revenue_max",
        "product", "consent_channel", "owner_id", "custom_field_id", "custom_value", "q")
KM_PER_DEGREE = 111.2
# Past these a number means nothing here, and would overflow a date or a database integer.
LARGEST = {"near_km": 20_000, "near_lat": 90, "near_lon": 180, "no_contact_days": 36_500,
           "purchase_within_months": 1_200, "no_purchase_months": 1_200, "revenue_min": 10**12,
           "revenue_max": 10**12, "owner_id": MAX_DB_INTEGER, "custom_field_id": MAX_DB_INTEGER}


class FilterError(ValueError):
    """A filter value that cannot be used; args = (key, message) with an English message key."""


def _finite(value) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return not isinstance(value, float) or math.isfinite(value)


def _number(filters: dict, key: str, cast=Decimal):
    raw = filters.get(key)
    if raw in (None, ""):
        return None
    try:
        value = cast(str(raw).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        raise FilterError(key, N_("Enter a number.")) from None
    if not _finite(value):  # "nan", "inf" parse, and compare with nothing
        raise FilterError(key, N_("Enter a number."))
    if value < 0:
        raise FilterError(key, N_("Enter a positive number."))
    if value > LARGEST[key]:
        raise FilterError(key, N_("This number is too large."))
    return value


def clean(raw) -> tuple[dict, dict[str, str]]:
    """A form or a stored dict -> (usable filters, {key: error message}). Unknown keys are dropped."""
    filters, errors = {}, {}
    get_list = raw.getlist if hasattr(raw, "getlist") else lambda k: raw.get(k) or []
    statuses = [s for s in get_list("status") if s in STATUSES]
    if statuses:
        filters["status"] = statuses
    # The form asks the loyalty programme in words (a choice, and a name to look for); stored
    # filters keep "any", "none" or the name under "loyalty".
    form_loyalty = raw.get("loyalty_mode")
    if form_loyalty is not None:
        name = (raw.get("loyalty_name") or "").strip()[:120]
        loyalty = form_loyalty if form_loyalty in ("any", "none") else name
        if loyalty:
            filters["loyalty"] = loyalty
    for key in KEYS:
        if key == "status" or (key == "loyalty" and form_loyalty is not None):
            continue
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()[:120]
        if value not in (None, ""):
            filters[key] = value
    for key, cast in (("near_km", float), ("near_lat", float), ("near_lon", float), ("no_contact_days", int),
                      ("purchase_within_months", int), ("no_purchase_months", int), ("revenue_min", Decimal),
                      ("revenue_max", Decimal), ("owner_id", int), ("custom_field_id", int)):
        try:
            value = _number(filters, key, cast)
        except FilterError as exc:
            errors[exc.args[0]] = exc.args[1]
            filters.pop(key, None)
            continue
        if value is not None:
            filters[key] = str(value) if isinstance(value, Decimal) else value
    if "near_km" in filters and not {"near_lat", "near_lon"} <= filters.keys():
        errors["near_km"] = N_("Choose the point: latitude and longitude.")
    if filters.get("consent_channel") and filters["consent_channel"] not in CHANNELS:
        filters.pop("consent_channel")
    return filters, errors


def months_ago(today: date, months: int) -> date:
    return today - timedelta(days=round(months * 30.44))


# Conditions on data of capabilities that sit beside segments (sales: purchases, revenue), each
# `condition(stmt, filters, today) -> stmt`; sales registers its own from its init_app (segments does not
# import sales, whose campaigns are sent to a segment).
_conditions: dict[str, Callable] = {}


def register_condition(name: str, condition: Callable) -> None:
    _conditions[name] = condition


def apply(stmt, filters: dict, today: date | None = None):
    """Narrow a select over Client by `filters` (already cleaned). Never widens the actor's scope."""
    today = today or timeutil.today()
    f = filters
    if f.get("status"):
        stmt = stmt.where(Client.status.in_(f["status"]))
    for key in ("sector", "segment", "city"):
        if f.get(key):
            stmt = stmt.where(func.lower(getattr(Client, key)).contains(f[key].lower(), autoescape=True))
    if f.get("tag"):
        stmt = stmt.where(exists(select(ClientTag.client_id).join(Tag, Tag.id == ClientTag.tag_id)
                                 .where(ClientTag.client_id == Client.id, func.lower(Tag.name) == f["tag"].lower())))
    if f.get("loyalty") == "any":
        stmt = stmt.where(Client.loyalty_programme.is_not(None))
    elif f.get("loyalty") == "none":
        stmt = stmt.where(Client.loyalty_programme.is_(None))
    elif f.get("loyalty"):
        stmt = stmt.where(func.lower(Client.loyalty_programme).contains(f["loyalty"].lower(), autoescape=True))
    if f.get("departments"):
        codes = [c.strip() for c in str(f["departments"]).replace(";", ",").split(",") if c.strip()]
        stmt = stmt.where(or_(*[Client.postal_code.startswith(c, autoescape=True) for c in codes]))
    if f.get("near_km") is not None and f.get("near_lat") is not None and f.get("near_lon") is not None:
        lat, lon, km = float(f["near_lat"]), float(f["near_lon"]), float(f["near_km"])
        scale = math.cos(math.radians(lat))
        dlat = (Client.latitude - lat) * KM_PER_DEGREE
        dlon = (Client.longitude - lon) * (KM_PER_DEGREE * scale)
        stmt = stmt.where(Client.latitude.is_not(None), dlat * dlat + dlon * dlon <= km * km)
    if f.get("no_contact_days") is not None:
        since = datetime.combine(today - timedelta(days=int(f["no_contact_days"])), time.min, tzinfo=UTC)
        stmt = stmt.where(or_(Client.last_contact_at.is_(None), Client.last_contact_at < since))
    for condition in _conditions.values():  # plugged in by the capabilities that own the data (purchases)
        stmt = condition(stmt, f, today)
    if f.get("consent_channel"):
        stmt = stmt.where(*reachable_on(f["consent_channel"]))
    if f.get("owner_id") is not None:
        stmt = stmt.where(Client.owner_id == int(f["owner_id"]))
    if f.get("custom_field_id") is not None:
        cond = [CustomFieldValue.client_id == Client.id, CustomFieldValue.field_id == int(f["custom_field_id"])]
        if f.get("custom_value"):
            cond.append(func.lower(CustomFieldValue.value) == str(f["custom_value"]).lower())
        stmt = stmt.where(exists(select(CustomFieldValue.id).where(and_(*cond))))
    return search_clients(stmt, search_tokens(f.get("q")))


def reachable_on(channel: str) -> list:
    """Conditions for clients who may be contacted on `channel`: not opposed to all contact, and not
    opposed to this channel (no refusal recorded for it)."""
    refused = exists(select(ChannelConsent.id).where(
        ChannelConsent.client_id == Client.id, ChannelConsent.channel == channel,
        or_(not_(ChannelConsent.allowed), ChannelConsent.consent == "refused")))
    return [Client.do_not_contact.is_(False), not_(refused)]


def summary_words(filters: dict) -> str:
    return fold(" ".join(f"{k}={v}" for k, v in filters.items()))
