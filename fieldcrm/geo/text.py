"""Accent- and case-insensitive text keys for search and matching."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Letters that NFKD does not decompose into "base letter + accent".
_SPECIAL_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def normalise_text(value: str | None) -> str:
    """Lower-case, strip accents, turn punctuation into spaces and collapse whitespace.

    ``normalise_text("  Saint-Étienne (Loire) ")`` → ``"saint etienne loire"``.
    """
    if not value:
        return ""
    lowered = value.casefold().translate(_SPECIAL_LETTERS)
    # NFKD splits "é" into "e" + accent; dropping non-ASCII then removes the accents (and any other
    # non-Latin character, which the next step would turn into a space anyway).
    ascii_only = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub(" ", ascii_only).strip()
