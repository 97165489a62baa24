"""Password rules (CNIL 2022 / OWASP ASVS) and hashing with scrypt."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 128
DATA = Path(__file__).parent / "data"
DEFAULT_METHOD = "scrypt:32768:8:1"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    words: set[str] = set()
    bundled = DATA / "common-passwords.txt.gz"
    if bundled.exists():
        with gzip.open(bundled, "rt", encoding="utf-8") as fh:
            words.update(line.strip().lower() for line in fh if line.strip())
    french = DATA / "common-passwords-fr.txt"
    if french.exists():
        words.update(w.strip().lower() for w in french.read_text("utf-8").splitlines() if w.strip())
    return frozenset(words)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Messages for a password that breaks the rules; empty when acceptable.

    No composition rules: length, not a common password, not the user's own name or email."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("At least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("At most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        problems.append(_("This password is too common. Choose another one, e.g. a short phrase."))
    personal = {p.lower() for p in (email, email.split("@")[0], name) if p and len(p) >= 4}
    if lowered in personal:
        problems.append(_("The password must not be your name or email address."))
    return problems


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


@lru_cache(maxsize=4)
def dummy_hash(method: str) -> str:
    """A hash to check against when the login is unknown, so both cases take the same time."""
    return generate_password_hash("not-a-real-password-for-timing", method=method)
