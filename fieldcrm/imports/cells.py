"""Repairs and splits of single cells, for the files people really have: damaged accents, two numbers in
one phone cell, a full name in one column, a year where a date was expected, names in capitals, total rows.

Plain functions (no Flask, no database). Each says what it did, so the caller can flag it: nothing is
changed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ftfy
import phonenumbers

from fieldcrm.imports.mapping import normalise_header

# ---------------------------------------------------------------- damaged text

_MOJIBAKE_HINTS = re.compile("[ÃÂâ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ©«®°±²³´µ¶·¸¹º»¼½¾]|Ã.|â€")
REPLACEMENT_CHAR = "\ufffd"


def repair_text(text: str) -> tuple[str, str | None]:
    """(text, what happened): "repaired" when ftfy undid a double encoding ("CafÃ©" -> "Café"),
    "damaged" when characters are lost for good ("Caf�"), None when the text looks sound."""
    if _MOJIBAKE_HINTS.search(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text and not _MOJIBAKE_HINTS.search(fixed):
            return fixed, "repaired"
    if REPLACEMENT_CHAR in text:
        return text, "damaged"
    return text, None


# ---------------------------------------------------------------- phones

_PHONE_SPLIT = re.compile(r"\s*(?:/|\||;|,|\bou\b|\bor\b|\bet\b|\n|\s-\s|\s{3,})\s*", re.IGNORECASE)


def split_phones(text: str, region: str = "FR") -> list[str]:
    """The separate numbers of a cell holding several ("04 78 00 00 01 / 06 12 34 56 78"), as written;
    [] unless there are at least two that each parse on their own."""
    parts = [p for p in _PHONE_SPLIT.split(text) if p and re.search(r"\d", p)]
    if len(parts) < 2:
        return []
    for part in parts:
        try:
            if not phonenumbers.is_possible_number(phonenumbers.parse(part, region)):
                return []
        except phonenumbers.NumberParseException:
            return []
    return parts


def is_mobile(e164: str) -> bool:
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


# ---------------------------------------------------------------- full names

_CIVILITIES = {"m": "M", "mr": "M", "monsieur": "M", "mme": "MME", "madame": "MME", "mlle": "MME",
               "mademoiselle": "MME", "mrs": "MME", "ms": "MME", "miss": "MME", "dr": None, "me": None}


@dataclass(frozen=True)
class FullName:
    civility: str | None
    first_name: str | None
    last_name: str | None


def split_full_name(text: str) -> FullName:
    """ "M. Jean Dupont" / "DUPONT Jean" / "Dupont, Jean" / "Mme Marie-Claire de la Tour" -> parts.

    A word in capitals is the last name wherever it stands (the French way of writing a name); else the
    last name follows the first word; "Last, First" is read as written.
    """
    text = " ".join(text.replace("\u00a0", " ").split())
    civility = None
    words = text.split(" ")
    key = words[0].rstrip(".").lower() if words else ""
    if key in _CIVILITIES and len(words) > 1:
        civility = _CIVILITIES[key]
        words = words[1:]
    text = " ".join(words)
    if "," in text:
        last, first = (p.strip() for p in text.split(",", 1))
        return FullName(civility, first or None, last or None)
    if len(words) == 1:
        return FullName(civility, None, words[0])
    capitals = [i for i, w in enumerate(words) if _is_capitals(w)]
    if capitals and len(capitals) < len(words):
        last = " ".join(words[i] for i in capitals)
        first = " ".join(w for i, w in enumerate(words) if i not in capitals)
        return FullName(civility, first, last)
    return FullName(civility, words[0], " ".join(words[1:]))


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


# ---------------------------------------------------------------- capitals

_KEEP_UPPER = {"sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "gie", "sca", "selarl", "ets", "ehpad",
               "bnp", "sncf", "edf", "gdf", "cic", "lcl", "ca", "mma", "maif", "macif", "pmu", "ii", "iii", "iv"}
_LOWER_INSIDE = {"de", "du", "des", "la", "le", "les", "et", "en", "sur", "sous", "aux", "au", "à", "l", "d"}


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_case(text: str) -> str:
    """ "BOULANGERIE DE L'ÉGLISE SARL" -> "Boulangerie de l'Église SARL"; only called on all-caps text."""
    out = []
    for index, word in enumerate(text.split(" ")):
        parts = re.split(r"([-'’])", word)
        cased = []
        for part in parts:
            low = part.lower()
            if part in "-'’" or not part:
                cased.append(part)
            elif low in _KEEP_UPPER and len(parts) == 1:
                cased.append(part)
            elif index > 0 and low in _LOWER_INSIDE and (len(parts) == 1 or cased == []):
                cased.append(low)
            else:
                cased.append(low[:1].upper() + low[1:])
        out.append("".join(cased))
    return " ".join(out)


# ---------------------------------------------------------------- partial dates

_MONTHS = {"janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "mars": 3, "mar": 3,
           "avril": 4, "avr": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "jun": 6, "juillet": 7, "juil": 7,
           "jul": 7, "aout": 8, "aug": 8, "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10,
           "novembre": 11, "nov": 11, "decembre": 12, "dec": 12, "january": 1, "february": 2, "march": 3,
           "april": 4, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
           "december": 12}


def partial_date(value: object) -> str | None:
    """The text of a date given only as a year or a month ("2016", "03/2016", "mars 2016"), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() and 1900 <= value <= 2100 else None
    text = " ".join(str(value).split())
    if re.fullmatch(r"(19|20)\d\d", text) or re.fullmatch(r"(0?[1-9]|1[0-2])[/.\-](19|20)\d\d", text):
        return text
    folded = normalise_header(text)
    words = folded.split()
    if len(words) == 2 and words[0] in _MONTHS and re.fullmatch(r"(19|20)\d\d", words[1]):
        return text
    return None


# ---------------------------------------------------------------- totals

_FOOTER = re.compile(r"(sous |grand )?(total|totaux|totals|subtotal)( general| ht| ttc)?( \d.*)?")


def is_footer_row(values: tuple) -> bool:
    """A totals line at the bottom of an export ("TOTAL", "Sous-total", "Total général : 12 clients")."""
    first = next((v for v in values if v is not None and str(v).strip()), None)
    return isinstance(first, str) and _FOOTER.fullmatch(normalise_header(first)) is not None
