"""The rules of the fields a client card carries: phone, e-mail, SIRET, postal code, website, date.

One function per field takes what a person typed or a spreadsheet cell gave (str, int, float, date) and
returns the value as stored, or raises InvalidField whose message is an English msgid marked with N_ and
translated by the caller (the form by the field, the import in its preview and report). The client and
contact-person forms, the purchase form, the import and the demo generator all use these functions, so a
value one of them stores is a value the others accept.

The module sits in the kernel, not in clients/: forms of several capabilities need it (clients and their
custom fields, sales, imports), and a capability only imports from its own floor or below. Pure: no Flask.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from fieldcrm import timeutil
from fieldcrm.geo import communes


def N_(message: str) -> str:
    """Mark a user-facing English string for extraction (pybabel extract -k N_) without translating it."""
    return message


INVALID_EMAIL = N_("Invalid email address")
INVALID_PHONE = N_("Invalid phone number")
INVALID_DATE = N_("Invalid date (expected dd/mm/yyyy)")
INVALID_SIRET = N_("Invalid SIRET number (14 digits)")
SIREN_NOT_SIRET = N_("This is a SIREN (9 digits): the SIRET of the establishment has 14 digits.")
INVALID_POSTAL_CODE = N_("Invalid postal code")
UNKNOWN_POSTAL_CODE = N_("This postal code does not exist in the chosen country.")
INVALID_WEBSITE = N_("Invalid website address")
INVALID_NUMBER = N_("Invalid number")
NOT_A_DAY = N_("“%(value)s” is not a date that exists.")
NOT_A_TIME = N_("“%(value)s” is not a time of day (hh:mm).")
NOT_A_MOMENT = N_("“%(value)s” is not a date and time that exist.")
DAY_OUT_OF_RANGE = N_("This date is out of range.")

# Overseas départements and collectivities in the French numbering plan: 0262, 0690, 0594... are dialled
# as such from mainland France, but their numbers carry their own country codes (+262, +590, +594...).
FRENCH_NUMBERING_REGIONS = ("RE", "YT", "GP", "MQ", "GF", "BL", "MF", "PM")
# Countries whose postal codes are French five-digit codes (New Caledonia, Polynesia, Wallis and Futuna too).
FRENCH_POSTAL_COUNTRIES = {"FR", "MC", *FRENCH_NUMBERING_REGIONS, "NC", "PF", "WF"}
# Days between two visits a card may ask for (a spreadsheet's "annuel" is 365).
VISIT_CADENCE_DAYS = (1, 3650)
# Separators people put inside identifiers and numbers: spaces (incl. non-breaking), dots, dashes.
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]")


class InvalidField(ValueError):
    """A value a field cannot store; `message` is the English msgid to translate for the user, with
    `params` filled in (what was typed, when the message quotes it)."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.params = params

    @property
    def message(self) -> str:
        return self.args[0]


def as_text(value: object) -> str:
    """A cell or typed value as trimmed text: 12.0 -> "12", a date -> "dd/mm/yyyy"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.strftime("%d/%m/%Y")
    return str(value).strip()


# ---------------------------------------------------------------- phone

def _valid_e164(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 33:
        # 0693 12 34 56 is a Réunion mobile written the French way: read it for each overseas region.
        national = "0" + str(number.national_number)
        for overseas in FRENCH_NUMBERING_REGIONS:
            found = _valid_e164(national, overseas)
            if found:
                return found
    return None


def phone(value: object, region: str = "FR", fallback_region: str | None = None) -> str:
    """Any national or international writing -> E.164 (+33612345678).

    National numbers are read for `region` (the card's country, France by default; overseas numbers
    written the French way are recognised), then for `fallback_region`; a spreadsheet number that lost
    its leading "+" (33612345678) still works. Foreign numbers in international form are kept when valid.
    """
    text = as_text(value)
    region = region if region in phonenumbers.SUPPORTED_REGIONS else "FR"
    candidates = [(text, region)]
    if fallback_region and fallback_region != region:
        candidates.append((text, fallback_region))
    if text.isdigit() and not text.startswith("0"):
        candidates.append(("+" + text, region))
    for candidate, candidate_region in candidates:
        found = _valid_e164(candidate, candidate_region)
        if found:
            return found
    raise InvalidField(INVALID_PHONE)


# ---------------------------------------------------------------- e-mail, SIRET, website

def email(value: object) -> str:
    """A deliverable-looking address, without any DNS look-up; the domain is lower-cased."""
    text = as_text(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidField(INVALID_EMAIL) from exc


def siret(value: object) -> str:
    """14 digits with a valid check digit, spaces, dots and dashes dropped; a SIREN gets its own message."""
    text = _SEPARATORS.sub("", as_text(value))
    if stdnum_siret.is_valid(text):
        return stdnum_siret.compact(text)
    raise InvalidField(SIREN_NOT_SIRET if stdnum_siren.is_valid(text) else INVALID_SIRET)


def website(value: object) -> str:
    """http(s) only (a javascript: link must never reach an href); "www.x.fr" -> "https://www.x.fr"."""
    text = as_text(value)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", text) and not re.match(r"^https?://", text, re.IGNORECASE):
        raise InvalidField(INVALID_WEBSITE)
    url = text if re.match(r"^https?://", text, re.IGNORECASE) else "https://" + text
    try:
        host = urlsplit(url).hostname or ""
    except ValueError as exc:
        raise InvalidField(INVALID_WEBSITE) from exc
    if re.search(r"\s", text) or "." not in host.strip("."):
        raise InvalidField(INVALID_WEBSITE)
    return url


# ---------------------------------------------------------------- postal code

def postal_code(value: object, country: str = "FR", city: str | None = None) -> str:
    """The code as stored for `country` ("SW1A 1AA", "1000", "75001"); a French code must serve a commune.

    A French code that lost its leading 0 in a spreadsheet (1000) gets it back; Corsica's codes are
    digits (20000, 20200: "2A"/"2B" are département numbers, not postal codes). CEDEX codes serve
    businesses, not communes: they are accepted when the city says CEDEX.
    """
    country = (country or "FR").upper()
    text = as_text(value).upper()
    if country in FRENCH_POSTAL_COUNTRIES:
        text = re.sub(r"^FR?-?\s*", "", _SEPARATORS.sub("", text))
        if re.fullmatch(r"\d{4}", text):
            text = "0" + text
        if not re.fullmatch(r"\d{5}", text):
            raise InvalidField(INVALID_POSTAL_CODE)
    code = communes.normalise_postal_code(country, text)
    problem = communes.validate_postal_code(country, code)
    if problem == communes.POSTAL_CODE_UNKNOWN and "cedex" in (city or "").lower():
        problem = None
    if problem == communes.POSTAL_CODE_UNKNOWN:
        raise InvalidField(UNKNOWN_POSTAL_CODE)
    if problem:
        raise InvalidField(INVALID_POSTAL_CODE)
    return code


# ---------------------------------------------------------------- numbers and dates

def parse_decimal(value: object) -> Decimal:
    """ "1 234,56", "1\u202f234,56 €", "1.234,56", "1,234.56", 12.5 -> Decimal."""
    if isinstance(value, bool):
        raise InvalidField(INVALID_NUMBER)
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
        raise InvalidField(INVALID_NUMBER)
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise InvalidField(INVALID_NUMBER) from exc


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T]\d{1,2}[:h]\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object, today: date | None = None, allow_year_only: bool = False) -> date:
    """dd/mm/yyyy, dd/mm/yy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd (date pickers), Excel date cells and serials."""
    today = today or timeutil.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        raise InvalidField(INVALID_DATE)
    if isinstance(value, int | float) or re.fullmatch(r"\d{4,5}(?:[.,]\d+)?", str(value).strip()):
        number = float(str(value).strip().replace(",", "."))
        if allow_year_only and number.is_integer() and 1900 <= number <= today.year:
            return date(int(number), 1, 1)  # "Client depuis : 2015"
        # Excel serial day (1900 system): numbers from cells, 5-digit text from a CSV export.
        lowest = 61 if isinstance(value, int | float) else 10_000
        if not lowest <= number < 2_958_466:
            raise InvalidField(INVALID_DATE)
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
        raise InvalidField(INVALID_DATE) from exc
    raise InvalidField(INVALID_DATE)


# ---------------------------------------------------------------- days and times picked in a form

# A day planned or logged in the app (a follow-up, an appointment, a visit) falls in this range.
PICKED_DAYS = (date(2000, 1, 1), date(2100, 12, 31))


def picked_day(value: object) -> date:
    """A day sent by a date picker (yyyy-mm-dd), within PICKED_DAYS."""
    text = as_text(value)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidField(NOT_A_DAY, value=text[:20]) from None
    if not PICKED_DAYS[0] <= day <= PICKED_DAYS[1]:
        raise InvalidField(DAY_OUT_OF_RANGE)
    return day


def picked_time(value: object) -> time:
    """A time of day sent by a time picker (hh:mm)."""
    text = as_text(value)
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidField(NOT_A_TIME, value=text[:20]) from None


def picked_moment(value: object) -> datetime:
    """A date and time sent by a datetime-local picker (yyyy-mm-ddThh:mm), within PICKED_DAYS; naive
    (in the user's zone) unless it carries its offset."""
    text = as_text(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(NOT_A_MOMENT, value=text[:30]) from None
    if not PICKED_DAYS[0] <= moment.date() <= PICKED_DAYS[1]:
        raise InvalidField(DAY_OUT_OF_RANGE)
    return moment
