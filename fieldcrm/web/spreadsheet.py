"""Text cells made safe for spreadsheets (CSV formula injection, OWASP), shared by every export.

A spreadsheet runs a cell that starts with = + - @ (or a tab or a carriage return before one) as a
formula. Such a cell gets a leading ' — except where no spreadsheet would compute anything: a plain
signed number ("-12,5", "+33 6 12 34 56 78": numbers and phone numbers stay as they are) and a dash or a
plus followed by a space and words ("- livraison le mardi", a note written as a list), which is text.
"""

from __future__ import annotations

import re

_PLAIN_NUMBER = re.compile(r"[+-]?[\d \u00a0\u202f]*\d(?:[.,]\d+)?")
_SIGN_THEN_WORDS = re.compile(r"[+-][ \u00a0]+[^\W\d_][^=@+\-*/^&(]*", re.UNICODE)
_ALWAYS = ("=", "@", "\t", "\r", "\n", "\uff1d", "\ufe66")  # full-width "=" forms too


def needs_quote(text: str) -> bool:
    """True for a text a spreadsheet would evaluate (or strip into something it evaluates)."""
    stripped = text.lstrip(" \u00a0")
    if not stripped:
        return False
    if text.startswith(_ALWAYS) or stripped.startswith(("=", "@")):
        return True
    if stripped.startswith(("+", "-")):
        return not (_PLAIN_NUMBER.fullmatch(stripped) or _SIGN_THEN_WORDS.fullmatch(stripped))
    return False


def spreadsheet_safe(value: object) -> object:
    """The value as a spreadsheet must receive it: a text it would evaluate gets a leading '; numbers,
    dates and other values are returned unchanged. Needed for openpyxl too: it writes any str starting
    with "=" as a formula."""
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value
