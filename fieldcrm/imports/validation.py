"""Turn one imported row's raw cells into clean client values, with per-cell errors.

Every normaliser takes what a spreadsheet gives (str, int, float, date, datetime) and returns the stored
form or raises InvalidValue(message_key). Message keys are short English strings, all defined below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from fieldcrm.imports import N_
from fieldcrm.imports.mapping import CUSTOM_PREFIX, normalise_header

# ---- message keys (translated by the caller); the only user-facing strings of this module
INVALID_EMAIL = N_("Invalid email address")
INVALID_PHONE = N_("Invalid phone number")
INVALID_DATE = N_("Invalid date (expected dd/mm/yyyy)")
DATE_IN_FUTURE = N_("Date is in the future")
INVALID_SIRET = N_("Invalid SIRET number (14 digits)")
SIREN_NOT_SIRET = N_("SIREN given (9 digits) where a SIRET (14 digits) is expected: not imported")
INVALID_POSTAL_CODE = N_("Invalid postal code")
INVALID_COUNTRY = N_("Unknown country")
INVALID_STATUS = N_("Unknown status (expected suspect, lead, prospect, client or former client)")
INVALID_CIVILITY = N_("Unknown civility (expected M. or Mme)")
INVALID_KIND = N_("Unknown type (expected company or person)")
INVALID_NUMBER = N_("Invalid number")
INVALID_BOOLEAN = N_("Invalid yes/no value")
INVALID_WEBSITE = N_("Invalid website address")
INVALID_CADENCE = N_("Invalid visit frequency (number of days expected)")
OWNER_NOT_EMAIL = N_("The sales rep must be given by e-mail address")
NAME_REQUIRED = N_("A company name or a last name is required")
FORMULA_AS_TEXT = N_("Looks like a spreadsheet formula: imported as plain text")

STATUSES = ("suspect", "lead", "prospect", "client", "former_client")
FRENCH_POSTAL_COUNTRIES = {"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"}


class InvalidValue(ValueError):
    """A cell value that cannot be stored; args[0] is the message key."""


@dataclass(frozen=True)
class CellError:
    target: str
    value: object
    message_key: str
    level: str = "error"  # "error": the value is not imported; "warning": imported, but worth a look


def _fold(value: object) -> str:
    return normalise_header(str(value))


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.strftime("%d/%m/%Y")
    return str(value).strip()


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


def spreadsheet_safe(value: object) -> object:
    """For EXPORT: prefix with ' a text cell starting with = + - @ tab or CR (OWASP CSV injection).

    Numbers, and text that is just a signed number ("-12,5", "+33 6 12 34 56 78"), are left alone.
    Needed for openpyxl too: it writes any str starting with "=" as a formula.
    """
    if not isinstance(value, str) or not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")):
        return value
    return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value


# ---------------------------------------------------------------- numbers and dates

def parse_decimal(value: object) -> Decimal:
    """ "1 234,56", "1\u202f234,56 €", "1.234,56", "1,234.56", 12.5 -> Decimal."""
    if isinstance(value, bool):
        raise InvalidValue(INVALID_NUMBER)
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = re.sub(r"[\s\u00a0\u202f'’]|€|EUR|\$", "", str(value), flags=re.IGNORECASE)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text):
        raise InvalidValue(INVALID_NUMBER)
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise InvalidValue(INVALID_NUMBER) from exc


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object, today: date | None = None, allow_year_only: bool = False) -> date:
    """dd/mm/yyyy, dd/mm/yy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd, Excel date cells and serial numbers."""
    today = today or date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        raise InvalidValue(INVALID_DATE)
    if isinstance(value, int | float) or re.fullmatch(r"\d{4,5}(?:[.,]\d+)?", str(value).strip()):
        number = float(str(value).strip().replace(",", "."))
        if allow_year_only and number.is_integer() and 1900 <= number <= today.year:
            return date(int(number), 1, 1)  # "Client depuis: 2015"
        # Excel serial day (1900 system): numbers from cells, 5-digit text from a CSV export.
        lowest = 61 if isinstance(value, int | float) else 10_000
        if not lowest <= number < 2_958_466:
            raise InvalidValue(INVALID_DATE)
        return _EXCEL_EPOCH + timedelta(days=int(number))
    text = str(value).strip()
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year += 2000 if year <= today.year % 100 else 1900
            return date(year, month, day)
        if match := _YMD.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise InvalidValue(INVALID_DATE) from exc
    raise InvalidValue(INVALID_DATE)


# ---------------------------------------------------------------- contact details

def normalise_phone(value: object, region: str = "FR", fallback_region: str | None = None) -> str:
    """Any national or international writing -> E.164; a number cell that lost its 0 or + still works.

    National numbers are read for `region` (the row's country), then for `fallback_region`.
    """
    text = _text(value)
    candidates = [(text, region)]
    if fallback_region and fallback_region != region:
        candidates.append((text, fallback_region))
    if text.isdigit() and not text.startswith("0"):
        candidates.append(("+" + text, region))  # 33612345678: Excel ate the "+"
    for candidate, candidate_region in candidates:
        try:
            number = phonenumbers.parse(candidate, candidate_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidValue(INVALID_PHONE)


def normalise_email(value: object) -> str:
    text = _text(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(INVALID_EMAIL) from exc


def normalise_siret(value: object) -> str:
    """14 digits checked by stdnum (spaces, dots, dashes allowed); a valid SIREN raises SIREN_NOT_SIRET."""
    text = re.sub(r"[\s.\-\u00a0]", "", _text(value))
    if stdnum_siret.is_valid(text):
        return stdnum_siret.compact(text)
    raise InvalidValue(SIREN_NOT_SIRET if stdnum_siren.is_valid(text) else INVALID_SIRET)


def normalise_postal_code(value: object, country: str = "FR") -> str:
    """French codes are 5 digits: an Excel number 1000 becomes "01000"."""
    text = re.sub(r"[\s\u00a0]", "", _text(value)).upper()
    if country not in FRENCH_POSTAL_COUNTRIES:
        if not re.fullmatch(r"[A-Z0-9\-]{2,10}", text):
            raise InvalidValue(INVALID_POSTAL_CODE)
        return text
    text = re.sub(r"^(?:FR?-?)", "", text)
    if re.fullmatch(r"\d{4}", text):
        text = "0" + text
    if not re.fullmatch(r"\d{5}", text) or not "01000" <= text <= "98999":
        raise InvalidValue(INVALID_POSTAL_CODE)
    return text


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


def normalise_website(value: object) -> str:
    """http(s) only (a javascript: link must never reach an href); "www.x.fr" -> "https://www.x.fr"."""
    text = _text(value)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", text) and not re.match(r"^https?://", text, re.IGNORECASE):
        raise InvalidValue(INVALID_WEBSITE)
    url = text if re.match(r"^https?://", text, re.IGNORECASE) else "https://" + text
    try:
        host = urlsplit(url).hostname or ""
    except ValueError as exc:
        raise InvalidValue(INVALID_WEBSITE) from exc
    if re.search(r"\s", text) or "." not in host.strip("."):
        raise InvalidValue(INVALID_WEBSITE)
    return url


# ---------------------------------------------------------------- words to keys

_STATUS_WORDS = {
    "suspect": "suspect", "suspects": "suspect",
    "lead": "lead", "leads": "lead", "piste": "lead",
    "prospect": "prospect", "prospects": "prospect", "prospect chaud": "prospect", "prospect froid": "prospect",
    "client": "client", "clients": "client", "cliente": "client", "client actif": "client", "actif": "client",
    "customer": "client", "active customer": "client",
    "ancien client": "former_client", "ancienne cliente": "former_client", "ex client": "former_client",
    "client perdu": "former_client", "client inactif": "former_client", "inactif": "former_client",
    "perdu": "former_client", "former client": "former_client", "former customer": "former_client",
    "lost customer": "former_client", "churned": "former_client",
}
_CIVILITY_WORDS = {
    "m": "M", "mr": "M", "monsieur": "M", "mister": "M",
    "mme": "MME", "madame": "MME", "mrs": "MME", "ms": "MME", "miss": "MME", "mlle": "MME",
    "mademoiselle": "MME",
}
_KIND_WORDS = {
    "societe": "company", "entreprise": "company", "professionnel": "company", "pro": "company",
    "personne morale": "company", "morale": "company", "company": "company", "business": "company",
    "b2b": "company", "organisation": "company", "organization": "company",
    "particulier": "person", "personne physique": "person", "physique": "person", "person": "person",
    "individual": "person", "b2c": "person", "part": "person", "private": "person",
}
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
    return str(_lookup(_STATUS_WORDS, value, INVALID_STATUS))


def normalise_civility(value: object) -> str:
    return str(_lookup(_CIVILITY_WORDS, value, INVALID_CIVILITY))


def normalise_kind(value: object) -> str:
    return str(_lookup(_KIND_WORDS, value, INVALID_KIND))


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
    if days is None or not 1 <= days <= 3650:
        raise InvalidValue(INVALID_CADENCE)
    return round(days)


# ---------------------------------------------------------------- one row

_SIMPLE = {
    "kind": normalise_kind, "civility": normalise_civility, "status": normalise_status,
    "siret": normalise_siret, "email": normalise_email, "website": normalise_website,
    "tags": split_tags, "visit_cadence_days": parse_cadence_days,
}
_TEXT = {"company_name", "first_name", "last_name", "street", "street2", "city", "sector", "segment", "source",
         "loyalty_programme"}
_WARNINGS = {SIREN_NOT_SIRET, FORMULA_AS_TEXT}


def normalise_row(
    raw: Mapping[str, object],
    default_country: str = "FR",
    custom_types: Mapping[str, str] | None = None,
    today: date | None = None,
) -> tuple[dict[str, object], list[CellError]]:
    """{target: raw cell} -> ({target: clean value}, errors); empty cells and invalid values are left out.

    `custom_types` gives "text" (default), "number", "date" or "boolean" per custom field key.
    """
    today = today or date.today()
    values = {t: v for t, v in raw.items() if t != "ignore" and v is not None and _text(v) != ""}
    clean: dict[str, object] = {}
    errors = [CellError(t, v, FORMULA_AS_TEXT, "warning") for t, v in values.items() if detect_formula(v)]
    country = default_country
    if "country" in values:
        try:
            country = clean["country"] = normalise_country(values["country"])
        except InvalidValue as exc:
            errors.append(CellError("country", values["country"], exc.args[0]))
    for target, value in values.items():
        if target == "country":
            continue
        try:
            clean[target] = _normalise_value(target, value, country, default_country, today, custom_types or {})
        except InvalidValue as exc:
            level = "warning" if exc.args[0] in _WARNINGS else "error"
            errors.append(CellError(target, value, exc.args[0], level))
    if "kind" not in clean:
        clean["kind"] = "company" if clean.get("company_name") or clean.get("siret") else "person"
    if not clean.get("company_name") and not clean.get("last_name"):
        errors.append(CellError("company_name", None, NAME_REQUIRED))
    return clean, errors


def _normalise_value(
    target: str, value: object, country: str, default_country: str, today: date, custom_types: Mapping[str, str]
) -> object:
    if target in _SIMPLE:
        return _SIMPLE[target](value)
    if target in ("phone", "mobile"):
        region = country if country in phonenumbers.SUPPORTED_REGIONS else default_country
        return normalise_phone(value, region, fallback_region=default_country)
    if target == "postal_code":
        return normalise_postal_code(value, country)
    if target == "owner_email":
        try:
            return normalise_email(value)
        except InvalidValue:
            raise InvalidValue(OWNER_NOT_EMAIL) from None
    if target in ("client_since", "birth_date"):
        day = parse_date(value, today, allow_year_only=target == "client_since")
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
