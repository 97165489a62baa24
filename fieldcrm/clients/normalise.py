"""Pure text and phone normalisation for storage and accent-free search (no Flask)."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_NON_WORD = re.compile(r"[^0-9a-z@.+]+")
_PHONE_LIKE = re.compile(r"^[\d\s.\-/()+]{4,}$")


def fold(text: str | None) -> str:
    """Lower-case, accents stripped, punctuation (but @ . +) folded to single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_WORD.sub(" ", stripped).strip()


def format_phone(e164: str | None, viewer_region: str = "FR") -> str:
    """National format for numbers of the viewer's country, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == viewer_region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_search_forms(e164: str | None) -> str:
    """Digits a user may type for this number: national (0612345678) and international (33612345678)."""
    if not e164:
        return ""
    if len(e164) == 12 and e164.startswith("+33") and e164[1:].isdigit():
        return f"0{e164[3:]} {e164[1:]}"  # a French number: no parsing (an import builds thousands)
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", e164)
    national = re.sub(r"\D", "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    international = re.sub(r"\D", "", e164)
    return f"{national} {international}"


def search_tokens(query: str | None) -> list[str]:
    """Tokens to match against search_text. A phone-like query becomes one run of digits,
    with +33 / 0033 turned into the national leading 0."""
    if not query or not query.strip():
        return []
    q = query.strip()
    if _PHONE_LIKE.match(q) and sum(c.isdigit() for c in q) >= 4:
        digits = re.sub(r"\D", "", q)
        if q.lstrip().startswith("+") or digits.startswith("00"):
            digits = digits[2:] if digits.startswith("00") else digits
            if digits.startswith("33"):
                digits = "0" + digits[2:]
        return [digits]
    return [t for t in fold(q).split() if t]


def build_search_text(parts: list[str | None], phones: list[str | None]) -> str:
    """The maintained search column: folded words, then every phone's digit forms."""
    words = " ".join(fold(p) for p in parts if p)
    digits = " ".join(phone_search_forms(p) for p in phones if p)
    return f" {words} {digits} "
