"""The opposition list: people who objected to the processing of their data, or asked to be erased,
recognised again for three years without keeping who they are.

Each way to recognise a person is kept as a keyed hash: HMAC-SHA256 over "kind:value" with
OPPOSITION_KEY (FIELDCRM_OPPOSITION_KEY; SECRET_KEY when it is empty), of
  - the e-mail address, lower-cased,
  - each phone number in E.164 (fieldrules.phone, read for the card's country),
  - the name (company name, or last + first name; accent-free, lower-case, words sorted) with the
    postal code.
A match on any one of them is a match. The list cannot be read back into names: without the key a
digest says nothing, and with it one can only test a known value.

Creating a card, an import, a campaign and the exports ask `fieldcrm.clients.objections`, into which
this module plugs `_check`; `matches` answers for one person."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func
from sqlmodel import Session, select

from fieldcrm import fieldrules
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.clients.normalise import fold
from fieldcrm.clients.objections import on_objection_check
from fieldcrm.db import dialect_insert
from fieldcrm.privacy.request_models import OppositionFingerprint
from fieldcrm.timeutil import utcnow

OPPOSITION, ERASURE = "opposition", "erasure"
_CHUNK = 500


def _key() -> bytes:
    config = current_app.config
    return (config.get("OPPOSITION_KEY") or config["SECRET_KEY"]).encode("utf-8")


def _digest(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def normalised_email(value) -> str | None:
    text = fieldrules.as_text(value)
    if not text:
        return None
    try:
        text = fieldrules.email(text)
    except fieldrules.InvalidField:
        pass  # an address the form would refuse is still recognised as typed
    return text.strip().lower() or None


def normalised_phone(value, country: str | None = None) -> str | None:
    if not fieldrules.as_text(value):
        return None
    try:
        return fieldrules.phone(value, (country or "FR").upper())
    except fieldrules.InvalidField:
        return None


def normalised_name(name, postal_code) -> str | None:
    words = sorted(fold(fieldrules.as_text(name)).split())
    code = "".join(fieldrules.as_text(postal_code).upper().split())
    return f"{' '.join(words)}|{code}" if words and code else None


def fingerprints(values: dict) -> set[tuple[str, str]]:
    """(kind, normalised value) for every way the card values recognise a person."""
    found = set()
    if email := normalised_email(values.get("email")):
        found.add(("email", email))
    for number in (values.get("phone"), values.get("mobile")):
        if phone := normalised_phone(number, values.get("country")):
            found.add(("phone", phone))
    person = " ".join(p for p in (values.get("last_name"), values.get("first_name")) if p)
    for name in (person, values.get("company_name"), values.get("name")):
        if key := normalised_name(name, values.get("postal_code")):
            found.add(("name", key))
    return found


def digests(values: dict, key: bytes | None = None) -> dict[str, str]:
    """{digest: kind} of the person's fingerprints."""
    key = key or _key()
    return {_digest(key, kind, value): kind for kind, value in fingerprints(values)}


def record(db: Session, values: dict, reason: str = OPPOSITION) -> int:
    """Put the person on the list for OPPOSITION_YEARS (inside the caller's transaction). Recording
    someone already listed only pushes the expiry back: one atomic statement per fingerprint, so two
    objections recorded at once neither fail nor duplicate. Returns how many fingerprints were kept."""
    now = utcnow()
    expires = now + timedelta(days=365 * current_app.config.get("OPPOSITION_YEARS", 3) + 1)
    table = OppositionFingerprint.__table__
    kept = digests(values)
    for digest, kind in kept.items():
        db.execute(dialect_insert(db, table)
                   .values(kind=kind, digest=digest, reason=reason, recorded_at=now, expires_at=expires)
                   .on_conflict_do_update(index_elements=[table.c.digest],
                                          set_={"expires_at": expires, "recorded_at": now}))
    return len(kept)


def record_client(db: Session, client: Client, reason: str = OPPOSITION) -> int:
    """List the person of a card: for a company, the company's own details (its contact people are
    listed one by one with `record`)."""
    return record(db, client.model_dump(), reason)


def record_contact(db: Session, contact: ContactPerson, client: Client, reason: str = OPPOSITION) -> int:
    """List a contact person at a company: their e-mail, phones, and their name at the company's
    postal code."""
    values = {"email": contact.email, "phone": contact.direct_line, "mobile": contact.mobile,
              "first_name": contact.first_name, "last_name": contact.last_name,
              "postal_code": client.postal_code, "country": client.country}
    return record(db, values, reason)


def matches(db: Session, email=None, phone=None, name=None, postal_code=None, country: str = "FR",
            **names) -> bool:
    """Whether a person with these details is on the opposition list (entries not expired).
    `name` is a full name or a company name; first_name/last_name/company_name/mobile are accepted too."""
    values = {"email": email, "phone": phone, "name": name, "postal_code": postal_code, "country": country,
              **names}
    return _check(db, [values])[0]


def _check(db: Session, people: list[dict]) -> list[bool]:
    if not people or db.exec(select(OppositionFingerprint.id).limit(1)).first() is None:
        return [False] * len(people)  # nobody listed: nothing to hash (an import's usual case)
    key = _key()
    wanted = [digests(values, key) for values in people]
    every = sorted({d for found in wanted for d in found})
    listed = set()
    now = utcnow()
    for start in range(0, len(every), _CHUNK):
        chunk = every[start:start + _CHUNK]
        listed |= set(db.exec(select(OppositionFingerprint.digest).where(
            OppositionFingerprint.digest.in_(chunk), OppositionFingerprint.expires_at > now)).all())
    return [bool(listed & found.keys()) for found in wanted]


def init_app(app) -> None:
    """Creating a card, an import, a campaign and the exports ask the opposition list."""
    on_objection_check(_check)


def purge_expired(db: Session, now: datetime | None = None) -> int:
    """Forget the fingerprints kept longer than their period (the daily privacy task). Commits."""
    gone = db.execute(delete(OppositionFingerprint).where(
        OppositionFingerprint.expires_at <= (now or utcnow()))).rowcount
    db.commit()
    return gone


def listed_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(OppositionFingerprint)).one()
