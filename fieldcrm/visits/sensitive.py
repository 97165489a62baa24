"""Spot health data, other sensitive data and insults in a note (a warning, never a block). Pure."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

DEFAULT_TERMS_FILE = Path(__file__).resolve().parent / "data" / "sensitive_terms.txt"


def fold(text: str) -> str:
    """Lower-case, accent-free text (the same folding as the browser's check in visits.js)."""
    decomposed = unicodedata.normalize("NFD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=8)
def load_terms(path: str | None = None) -> tuple[str, ...]:
    """Terms from a file, one a line, '#' comments ignored, folded."""
    lines = Path(path or DEFAULT_TERMS_FILE).read_text(encoding="utf-8").splitlines()
    return tuple(fold(t.strip()) for t in lines if t.strip() and not t.strip().startswith("#"))


def _pattern(term: str) -> re.Pattern:
    prefix = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
    return re.compile(r"(?<![\w])" + body + (r"\w*" if prefix else r"(?![\w])"))


def find_sensitive_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """The words of `text` that match the list, as the user typed them, in order, without repeats."""
    if not text:
        return []
    folded = fold(text)
    if not any_term_pattern(tuple(terms)).search(folded):  # most notes: one pass, no term to name
        return []
    # NFD folding can change lengths; map matches back on the folded text (good enough for a warning).
    found: list[tuple[int, str]] = []
    for term in terms:
        for match in _pattern(term).finditer(folded):
            found.append((match.start(), match.group(0)))
    seen, words = set(), []
    for _, word in sorted(found):
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


@lru_cache(maxsize=8)
def any_term_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """One pattern matching any of `terms` in folded text: to sift many texts fast (the minimisation
    review); find_sensitive_terms then names the words."""
    return re.compile("|".join(f"(?:{_pattern(term).pattern})" for term in terms) or r"(?!)")
