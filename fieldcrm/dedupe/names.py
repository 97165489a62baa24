"""Company names compared the way people read them: without the legal form ("SARL", "Ets", "& Fils"...),
so that "Boulangerie Martin SARL" and "Ets Martin" are seen as one business. The lists are data
(dedupe/data/legal_forms.txt, trade_words.txt), to be completed without touching the code.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from rapidfuzz import fuzz

from fieldcrm.clients.normalise import fold

SUBSET_SCORE = 95  # one name's distinctive words all found in the other: "Ets Martin" in "Boulangerie Martin"


def _read_list(name: str) -> list[str]:
    text = resources.files("fieldcrm.dedupe").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text).replace("&", " et ")).split())


@cache
def _legal_forms() -> re.Pattern:
    forms = sorted({_words(f) for f in _read_list("legal_forms.txt")} - {""}, key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\S)")


@cache
def trade_words() -> frozenset[str]:
    return frozenset(_words(w) for w in _read_list("trade_words.txt"))


def company_key(name: str | None) -> str:
    """The name without legal forms, folded: "Boulangerie Martin S.A.R.L." -> "boulangerie martin"."""
    words = _words((name or "").replace(".", ""))
    stripped = " ".join(_legal_forms().sub(" ", words).split())
    return stripped or words


def distinctive_words(key: str) -> set[str]:
    """The words of a key that say who the business is (not what it does, not a little word)."""
    return {w for w in key.split() if len(w) >= 4 and w not in trade_words()}


def name_score(first: str | None, second: str | None) -> int:
    """0-100: the best of the names compared whole and without legal forms, and 95 when one name's words
    (with a distinctive one among them) are all in the other."""
    a, b = company_key(first), company_key(second)
    if not a or not b:
        return 0
    score = max(fuzz.token_sort_ratio(fold(first or ""), fold(second or "")), fuzz.token_sort_ratio(a, b))
    small, large = sorted((set(a.split()), set(b.split())), key=len)
    if small <= large and distinctive_words(" ".join(small)):
        score = max(score, SUBSET_SCORE)
    return int(score)
