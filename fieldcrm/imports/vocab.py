"""Columns with a vocabulary (status, civility, sales rep, segment, sector, e-mail consent, country, kind): the distinct
values a file holds, the target value each is mapped to, and good first guesses for that mapping.

A value mapping is {folded value: target value}; "" means "leave the field empty". Plain functions: the
users a rep column may name are passed in as (id, name, e-mail) tuples.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from fieldcrm.imports.mapping import normalise_header

# Targets whose values are mapped one by one on the value-mapping screen.
VOCABULARY_TARGETS = ("status", "civility", "kind", "owner_email", "segment", "sector", "consent", "country")
# Free-text targets: a value maps to a (possibly renamed) text, not to a fixed list.
FREE_TEXT = ("segment", "sector")
MAX_DISTINCT = 60  # values shown per column; rarer ones go through the guesses alone
STATUSES = ("suspect", "lead", "prospect", "client", "former_client")
CIVILITIES = ("M", "MME")
KINDS = ("company", "person")

STATUS_WORDS = {
    "suspect": "suspect", "suspects": "suspect", "prospect froid": "suspect", "froid": "suspect",
    "a qualifier": "suspect", "non qualifie": "suspect",
    "lead": "lead", "leads": "lead", "piste": "lead", "contact entrant": "lead",
    "prospect": "prospect", "prospects": "prospect", "prospect chaud": "prospect", "chaud": "prospect",
    "tiede": "prospect", "prospect tiede": "prospect", "en negociation": "prospect", "negociation": "prospect",
    "client": "client", "clients": "client", "cliente": "client", "client actif": "client", "actif": "client",
    "client vip": "client", "vip": "client", "client fidele": "client", "customer": "client",
    "active customer": "client",
    "ancien client": "former_client", "ancienne cliente": "former_client", "ex client": "former_client",
    "client perdu": "former_client", "client inactif": "former_client", "inactif": "former_client",
    "perdu": "former_client", "former client": "former_client", "former customer": "former_client",
    "lost customer": "former_client", "churned": "former_client",
    # The lifecycle stages of online CRMs (HubSpot and alike), with and without spaces.
    "subscriber": "suspect", "other": "suspect", "autre": "suspect",
    "marketingqualifiedlead": "lead", "marketing qualified lead": "lead", "mql": "lead",
    "salesqualifiedlead": "prospect", "sales qualified lead": "prospect", "sql": "prospect",
    "opportunity": "prospect", "opportunite": "prospect", "evangelist": "client",
    # Lead statuses.
    "new": "lead", "nouveau": "lead", "open": "lead", "attempted to contact": "lead",
    "in progress": "prospect", "connected": "prospect", "open deal": "prospect",
    "unqualified": "suspect", "bad timing": "suspect",
}
CIVILITY_WORDS = {
    "m": "M", "mr": "M", "monsieur": "M", "mister": "M",
    "mme": "MME", "madame": "MME", "mrs": "MME", "ms": "MME", "miss": "MME", "mlle": "MME",
    "mademoiselle": "MME",
}
# An e-mail consent column (opt-in, newsletter): given or refused; anything else stays unknown.
CONSENT_WORDS = {
    "granted": "granted", "refused": "refused",
    "oui": "granted", "yes": "granted", "o": "granted", "y": "granted", "x": "granted", "1": "granted",
    "true": "granted", "vrai": "granted", "opt in": "granted", "optin": "granted", "opted in": "granted",
    "abonne": "granted", "abonnee": "granted", "inscrit": "granted", "inscrite": "granted", "subscribed": "granted",
    "accepte": "granted", "acceptee": "granted", "consentement donne": "granted", "donne": "granted",
    "d accord": "granted", "accord": "granted", "given": "granted", "consented": "granted",
    "non": "refused", "no": "refused", "n": "refused", "0": "refused", "false": "refused", "faux": "refused",
    "opt out": "refused", "optout": "refused", "opted out": "refused", "desabonne": "refused",
    "desabonnee": "refused", "desinscrit": "refused", "unsubscribed": "refused", "refuse": "refused",
    "refusee": "refused", "pas d accord": "refused", "ne pas contacter": "refused", "denied": "refused",
}
KIND_WORDS = {
    "societe": "company", "entreprise": "company", "professionnel": "company", "pro": "company",
    "personne morale": "company", "morale": "company", "company": "company", "business": "company",
    "b2b": "company", "organisation": "company", "organization": "company",
    "particulier": "person", "personne physique": "person", "physique": "person", "person": "person",
    "individual": "person", "b2c": "person", "part": "person", "private": "person",
}


def fold(value: object) -> str:
    """The key a value is mapped by: case, accents and punctuation ignored."""
    return normalise_header(str(value)).replace("_", " ")


def header_key(headers: Sequence[str]) -> str:
    """One kind of file: the same headers, whatever their order, case or accents."""
    text = "\n".join(sorted(normalise_header(h) for h in headers))
    return hashlib.sha256(text.encode()).hexdigest()[:64]


def distinct_values(rows: Iterable[Sequence[object]], columns: Mapping[str, int]) -> dict[str, list[tuple[str, int]]]:
    """{target: [(value as first written, rows)]}, most frequent first, for the columns given."""
    counts: dict[str, Counter] = {target: Counter() for target in columns}
    first_seen: dict[str, dict[str, str]] = {target: {} for target in columns}
    for values in rows:
        for target, index in columns.items():
            value = values[index] if index < len(values) else None
            if value is None or str(value).strip() == "":
                continue
            key = fold(value)
            first_seen[target].setdefault(key, " ".join(str(value).split()))
            counts[target][key] += 1
    return {target: [(first_seen[target][key], n) for key, n in counts[target].most_common(MAX_DISTINCT)]
            for target in columns}


def _initials(name: str) -> set[str]:
    words = [w for w in re.split(r"[\s\-.]+", normalise_header(name)) if w]
    if not words:
        return set()
    found = {"".join(w[0] for w in words)}
    if len(words) >= 2:
        found.add(words[0][0] + words[-1][:2])  # "JDU"
        found.add(words[0][:2] + words[-1][0])
    return found


def owner_guesses(users: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """{folded initials, name, first name, last name, e-mail, e-mail's local part: user id}; a key two
    users share is left out (it names nobody for sure)."""
    seen: dict[str, set[int]] = {}
    for user_id, name, email in users:
        keys = {fold(name), fold(email), fold(email.split("@")[0])} | _initials(name)
        words = fold(name).split()
        if len(words) >= 2:
            keys |= {words[0], words[-1], f"{words[-1]} {words[0]}", f"{words[0][0]} {words[-1]}",
                     f"{words[-1]} {words[0][0]}"}
        for key in keys - {""}:
            seen.setdefault(key, set()).add(user_id)
    return {key: next(iter(ids)) for key, ids in seen.items() if len(ids) == 1}


def guess_value(target: str, value: str, owners: Mapping[str, int] | None = None,
                country_of=None) -> str | None:
    """The target value a file's value most likely means, or None when there is no good guess."""
    key = fold(value)
    if target == "status":
        return STATUS_WORDS.get(key) or STATUS_WORDS.get(key.replace(" ", ""))
    if target == "civility":
        return CIVILITY_WORDS.get(key)
    if target == "kind":
        return KIND_WORDS.get(key)
    if target == "consent":
        return CONSENT_WORDS.get(key)
    if target == "owner_email":
        owner = (owners or {}).get(key)
        return None if owner is None else str(owner)
    if target == "country":
        return country_of(value) if country_of else None
    if target in FREE_TEXT:
        return " ".join(value.split())
    return None


def share_reading_as(target: str, values: Iterable[tuple[str, int]]) -> float:
    """The share of a column's rows whose value reads as a `target` value ("status", "kind"): tells a
    status column from a segment or a kind column."""
    total = hits = 0
    for value, count in values:
        total += count
        hits += count if guess_value(target, value) else 0
    return hits / total if total else 0.0


_CATEGORY_LIKE = {normalise_header(h) for h in (
    "type", "catégorie", "category", "type client", "type de client", "catégorie client", "lifecycle stage",
    "lead status", "statut", "status", "statut client", "segment", "typologie", "classification", "classe",
    "état", "stade", "cycle de vie")}
_CONVINCING = 0.6


def category_columns(headers: Sequence[str], mapping: Mapping[int, str]) -> dict[int, str]:
    """Columns whose values decide what they feed: a category-like header, or mapped to status or kind."""
    return {i: h for i, h in enumerate(headers)
            if normalise_header(h) in _CATEGORY_LIKE or mapping.get(i) in ("status", "kind")}


def refine_mapping(mapping: dict[int, str], headers: Sequence[str],
                   values: Mapping[int, list[tuple[str, int]]]) -> dict[int, str]:
    """Let the values of category-like columns decide: the column whose values read best as statuses
    feeds the status ("Catégorie" holding "Client VIP", "Prospect froid"), one holding Particulier /
    Professionnel feeds the kind; a column that loses the status to a better one is not imported
    rather than mapped to a wrong field. `values`: {column: distinct values with counts}."""
    refined = dict(mapping)
    scored = {i: (share_reading_as("status", v), share_reading_as("kind", v)) for i, v in values.items() if v}
    for target, pick in (("status", 0), ("kind", 1)):
        convincing = [i for i, s in scored.items() if s[pick] >= _CONVINCING]
        if not convincing:
            continue
        best = max(convincing, key=lambda i: (scored[i][pick], -i))
        for i, current in list(refined.items()):
            if i != best and current == target:
                refined[i] = "segment" if "segment" not in refined.values() and scored.get(i, (0, 0))[pick] \
                    < _CONVINCING else "ignore"
        if refined.get(best) in ("status", "kind") and refined[best] != target:
            continue  # already the best column for the other vocabulary
        if refined.get(best) == "segment" or refined.get(best) in (None, "ignore", target):
            refined[best] = target
    return refined
