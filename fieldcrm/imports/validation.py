"""Turn one imported row's raw cells into clean client values, with per-cell errors.

Every normaliser takes what a spreadsheet gives (str, int, float, date, datetime) and returns the stored
form or raises InvalidValue(message_key). The field rules (phone, e-mail, SIRET, postal code, website,
dates, numbers) are fieldcrm.fieldrules, the ones the client form applies, so an imported card can be saved
again unchanged; the words of spreadsheets (statuses, civilities, countries...) are read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from fieldcrm import fieldrules, timeutil
from fieldcrm.fieldrules import (  # noqa: F401 - the message keys and rules other import modules use
    FRENCH_POSTAL_COUNTRIES,
    INVALID_DATE,
    INVALID_EMAIL,
    INVALID_NUMBER,
    INVALID_PHONE,
    INVALID_POSTAL_CODE,
    INVALID_SIRET,
    INVALID_WEBSITE,
    SIREN_NOT_SIRET,
    UNKNOWN_POSTAL_CODE,
    parse_date,
    parse_decimal,
)
from fieldcrm.fieldrules import InvalidField as InvalidValue
from fieldcrm.geo import communes
from fieldcrm.imports import N_, cells, vocab
from fieldcrm.imports.mapping import CUSTOM_PREFIX, normalise_header

# ---- message keys (translated by the caller); the only user-facing strings of this module
DATE_IN_FUTURE = N_("Date is in the future")
INVALID_COUNTRY = N_("Unknown country")
INVALID_STATUS = N_("Unknown status (expected suspect, lead, prospect, client or former client)")
INVALID_CIVILITY = N_("Unknown civility (expected M. or Mme)")
INVALID_CONSENT = N_("Unknown consent (expected yes or no)")
INVALID_KIND = N_("Unknown type (expected company or person)")
INVALID_BOOLEAN = N_("Invalid yes/no value")
INVALID_CADENCE = N_("Invalid visit frequency (number of days expected)")
NAME_REQUIRED = N_("A company name or a last name is required")
PARTIAL_DATE = N_("Only part of a date: kept as written in the notes, not stored as a date")
TWO_PHONES = N_("Two numbers in one cell: the second one went to the other phone field")
POSTAL_CITY_MISMATCH = N_("The postal code does not match this city: check the address")
TEXT_REPAIRED = N_("Damaged accents were repaired: check the text")
TEXT_DAMAGED = N_("Characters were lost in this text (�): check it")
EXTRA_CELLS = N_("More cells than columns (a separator inside a cell?): the extra cells were not imported")
FORMULA_AS_TEXT = N_("Looks like a spreadsheet formula: imported as plain text")

STATUSES = ("suspect", "lead", "prospect", "client", "former_client")

@dataclass(frozen=True)
class CellError:
    target: str
    value: object
    message_key: str
    level: str = "error"  # "error": the value is not imported; "warning": imported, but worth a look


@dataclass
class RowCheck:
    number: int
    values: tuple
    clean: dict
    errors: list[CellError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(e.level == "error" for e in self.errors)


def _fold(value: object) -> str:
    return normalise_header(str(value))


_text = fieldrules.as_text


# ---------------------------------------------------------------- spreadsheet formulas

_PLAIN_NUMBER = re.compile(r"[+-]?[\d \u00a0\u202f]*\d(?:[.,]\d+)?")
_FUNCTION_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(")


def detect_formula(value: object) -> bool:
    """True for a cell a spreadsheet would run as a formula: =HYPERLINK(...), =cmd|' /C calc'!A0, @SUM(...)."""
    if not isinstance(value, str):
        return False
    text = value.lstrip(" \t\r\n")
    if text.startswith("="):
        return True
    if not text.startswith(("+", "-", "@")) or _PLAIN_NUMBER.fullmatch(text):
        return False
    return bool(_FUNCTION_CALL.search(text)) or "|" in text or "!" in text


# ---------------------------------------------------------------- contact details (the shared field rules)

normalise_phone = fieldrules.phone
normalise_email = fieldrules.email
normalise_siret = fieldrules.siret
normalise_postal_code = fieldrules.postal_code
normalise_website = fieldrules.website

_COUNTRIES = {
    "france": "FR", "fra": "FR", "belgique": "BE", "belgium": "BE", "suisse": "CH", "switzerland": "CH",
    "luxembourg": "LU", "monaco": "MC", "allemagne": "DE", "germany": "DE", "espagne": "ES", "spain": "ES",
    "italie": "IT", "italy": "IT", "royaume uni": "GB", "united kingdom": "GB", "uk": "GB",
    "angleterre": "GB", "pays bas": "NL", "netherlands": "NL", "portugal": "PT", "andorre": "AD",
    "andorra": "AD", "autriche": "AT", "irlande": "IE", "canada": "CA", "etats unis": "US", "usa": "US",
    "united states": "US", "guadeloupe": "GP", "martinique": "MQ", "guyane": "GF", "reunion": "RE",
    "mayotte": "YT", "maroc": "MA", "tunisie": "TN", "algerie": "DZ",
}


def normalise_country(value: object) -> str:
    """Country name (French or English) or ISO code -> ISO 3166 alpha-2."""
    folded = _fold(value)
    if folded in _COUNTRIES:
        return _COUNTRIES[folded]
    if len(folded) == 2 and folded.upper() in phonenumbers.SUPPORTED_REGIONS:
        return folded.upper()
    raise InvalidValue(INVALID_COUNTRY)


# ---------------------------------------------------------------- words to keys

_BOOLEAN_WORDS = {"oui": True, "o": True, "yes": True, "y": True, "x": True, "1": True, "vrai": True,
                  "true": True, "non": False, "n": False, "no": False, "0": False, "faux": False, "false": False}
_CADENCE_WORDS = {"hebdomadaire": 7, "weekly": 7, "quinzaine": 14, "bimensuel": 15, "mensuel": 30,
                  "mensuelle": 30, "monthly": 30, "bimestriel": 61, "trimestriel": 91, "quarterly": 91,
                  "semestriel": 182, "annuel": 365, "annuelle": 365, "yearly": 365, "annual": 365}


def _lookup(table: Mapping[str, object], value: object, message_key: str) -> object:
    folded = _fold(value).replace("_", " ")
    if folded in table:
        return table[folded]
    raise InvalidValue(message_key)


def normalise_status(value: object) -> str:
    folded = vocab.fold(value)
    status = vocab.STATUS_WORDS.get(folded) or vocab.STATUS_WORDS.get(folded.replace(" ", ""))
    if folded in ("former client", "former_client"):
        status = "former_client"
    if status is None:
        raise InvalidValue(INVALID_STATUS)
    return status


def normalise_civility(value: object) -> str:
    return str(_lookup(vocab.CIVILITY_WORDS, value, INVALID_CIVILITY))


def normalise_consent(value: object) -> str:
    """An e-mail consent cell: "granted" or "refused"."""
    return str(_lookup(vocab.CONSENT_WORDS, value, INVALID_CONSENT))


def normalise_kind(value: object) -> str:
    return str(_lookup(vocab.KIND_WORDS, value, INVALID_KIND))


def parse_boolean(value: object) -> bool:
    return bool(_lookup(_BOOLEAN_WORDS, value, INVALID_BOOLEAN))


def split_tags(value: object) -> list[str]:
    """Split on , ; | and new lines; trimmed, de-duplicated (case-insensitively), order kept."""
    tags: dict[str, str] = {}
    for tag in re.split(r"[,;|\n]", _text(value)):
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in tags:
            tags[tag.casefold()] = tag
    return list(tags.values())


def parse_cadence_days(value: object) -> int:
    """30, "30 jours", "4 semaines", "2 mois", "mensuel" -> days between visits."""
    text = _text(value).lower().replace(",", ".")
    days: float | None = _CADENCE_WORDS.get(_fold(text))
    unit_days = {"j": 1, "d": 1, "s": 7, "w": 7, "m": 30}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(j|jours?|days?|d|sem|semaines?|weeks?|mois|months?)?", text)
    if days is None and match:
        days = float(match.group(1)) * unit_days[(match.group(2) or "j")[0]]
    low, high = fieldrules.VISIT_CADENCE_DAYS
    if days is None or not low <= days <= high:
        raise InvalidValue(INVALID_CADENCE)
    return round(days)


# ---------------------------------------------------------------- one row

_SIMPLE = {
    "kind": normalise_kind, "civility": normalise_civility, "status": normalise_status, "consent": normalise_consent,
    "siret": normalise_siret, "website": normalise_website,
    "tags": split_tags, "visit_cadence_days": parse_cadence_days,
}
_TEXT = {"company_name", "first_name", "last_name", "street", "street2", "city", "sector", "segment", "source",
         "loyalty_programme", "contact_function"}
_NAMES = ("company_name", "first_name", "last_name", "city", "street", "street2", "contact_function")
_DATES = ("client_since", "birth_date")
REQUIRED = {NAME_REQUIRED}  # the only reasons a row is refused; any other bad cell costs its field


def normalise_row(
    raw: Mapping[str, object],
    default_country: str = "FR",
    custom_types: Mapping[str, str] | None = None,
    today: date | None = None,
    value_maps: Mapping[str, Mapping[str, str]] | None = None,
    title_case: bool = False,
) -> tuple[dict[str, object], list[CellError]]:
    """{target: raw cell} -> ({target: clean value}, problems). An invalid value is left out and flagged
    (level "warning"): the row is still imported. Only a row with no name and no company is refused.

    `custom_types` gives "text" (default), "number", "date" or "boolean" per custom field key;
    `value_maps` {target: {folded value: target value, "" = leave empty}} (imports.vocab) come first for
    the vocabulary columns; `title_case` turns names written in capitals into title case. Partial dates
    come back in clean["partial_dates"] as [(target, text as written)], for the caller to note.
    """
    today = today or timeutil.today()
    values = {t: v for t, v in raw.items() if t != "ignore" and v is not None and _text(v) != ""}
    errors = [CellError(t, v, FORMULA_AS_TEXT, "warning") for t, v in values.items() if detect_formula(v)]
    for target, value in list(values.items()):
        if isinstance(value, str):
            fixed, what = cells.repair_text(value)
            if what:
                errors.append(CellError(target, value, TEXT_REPAIRED if what == "repaired" else TEXT_DAMAGED,
                                        "warning"))
            values[target] = fixed
    if "full_name" in values:
        parts = cells.split_full_name(_text(values.pop("full_name")))
        for target in ("civility", "first_name", "last_name"):
            if getattr(parts, target) and target not in values:
                values[target] = getattr(parts, target)
    for target, mapping in (value_maps or {}).items():
        if target in values and mapping:
            mapped = mapping.get(vocab.fold(values[target]))
            if mapped == "":
                del values[target]  # the user chose to leave it empty
            elif mapped is not None:
                values[target] = mapped
    clean: dict[str, object] = {}
    country = default_country
    if "country" in values:
        try:
            country = clean["country"] = normalise_country(values["country"])
        except InvalidValue as exc:
            errors.append(CellError("country", values["country"], exc.args[0], "warning"))
    for target, value in values.items():
        if target != "country":
            _normalise_into(clean, errors, target, value, country, default_country, today, custom_types or {},
                            values.get("city"))
    if title_case:
        for target in _NAMES:
            if isinstance(clean.get(target), str) and cells.is_all_caps(clean[target]):
                clean[target] = cells.title_case(clean[target])
    if "kind" not in clean:
        clean["kind"] = "company" if clean.get("company_name") or clean.get("siret") else "person"
    if not clean.get("company_name") and not clean.get("last_name"):
        errors.append(CellError("company_name", None, NAME_REQUIRED))
    return clean, errors


def _normalise_into(clean: dict, errors: list, target: str, value: object, country: str, default_country: str,
                    today: date, custom_types: Mapping[str, str], city: object) -> None:
    """One cell into `clean`, or a flag into `errors` (the field then stays empty)."""
    try:
        clean[target] = _normalise_value(target, value, country, default_country, today, custom_types, city)
    except InvalidValue as exc:
        if target in ("phone", "mobile") and _two_phones(clean, target, value, country, default_country):
            errors.append(CellError(target, value, TWO_PHONES, "warning"))
        elif target in _DATES and (written := cells.partial_date(value)):
            clean.setdefault("partial_dates", []).append((target, written))
            errors.append(CellError(target, value, PARTIAL_DATE, "warning"))
        elif target == "postal_code" and exc.args[0] == UNKNOWN_POSTAL_CODE:
            clean[target] = _compact_postal_code(value)  # kept as written, flagged
            errors.append(CellError(target, value, UNKNOWN_POSTAL_CODE, "warning"))
        else:
            errors.append(CellError(target, value, exc.args[0], "warning"))
        return
    if target == "postal_code" and country in FRENCH_POSTAL_COUNTRIES and _text(city or ""):
        if communes.communes_for_postal_code(clean[target]) and not communes.find_commune(clean[target], _text(city)):
            errors.append(CellError("city", city, POSTAL_CITY_MISMATCH, "warning"))


def _two_phones(clean: dict, target: str, value: object, country: str, default_country: str) -> bool:
    """Two numbers in one cell: the first where it was mapped, the other to the free phone field."""
    region = country if country in phonenumbers.SUPPORTED_REGIONS else default_country
    parts = cells.split_phones(_text(value), region)
    if len(parts) != 2:
        return False
    try:
        numbers = [normalise_phone(p, region, fallback_region=default_country) for p in parts]
    except InvalidValue:
        return False
    other = "mobile" if target == "phone" else "phone"
    if target == "phone" and cells.is_mobile(numbers[0]) and not cells.is_mobile(numbers[1]):
        numbers.reverse()
    clean[target] = numbers[0]
    clean.setdefault(other, numbers[1])
    return True


def _compact_postal_code(value: object) -> str:
    text = re.sub(r"[\s.\-\u00a0\u202f]", "", _text(value)).upper()
    return ("0" + text if re.fullmatch(r"\d{4}", text) else text)[:12]


def _normalise_value(
    target: str, value: object, country: str, default_country: str, today: date, custom_types: Mapping[str, str],
    city: object = None,
) -> object:
    if target in _SIMPLE:
        return _SIMPLE[target](value)
    if target in ("phone", "mobile"):
        region = country if country in phonenumbers.SUPPORTED_REGIONS else default_country
        return normalise_phone(value, region, fallback_region=default_country)
    if target == "postal_code":
        return normalise_postal_code(value, country, city=_text(city or ""))
    if target == "email":
        return normalise_email(value).lower()
    if target == "owner_email":
        return " ".join(_text(value).split())  # an e-mail, initials or a name: the checker finds the user
    if target in _DATES:
        if cells.partial_date(value) and not isinstance(value, date):
            raise InvalidValue(PARTIAL_DATE)
        day = parse_date(value, today)
        if day > today:
            raise InvalidValue(DATE_IN_FUTURE)
        return day
    if target == "notes":
        return _text(value).replace("\r\n", "\n")
    if target.startswith(CUSTOM_PREFIX):
        field_type = custom_types.get(target.removeprefix(CUSTOM_PREFIX), "text")
        if field_type == "number":
            return parse_decimal(value)
        if field_type == "date":
            return parse_date(value, today)
        if field_type == "boolean":
            return parse_boolean(value)
    elif target not in _TEXT:
        raise ValueError(f"unknown import target {target!r}")
    return " ".join(_text(value).split())
