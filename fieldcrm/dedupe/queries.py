"""Probable duplicates among the clients an actor may see.

Clients are grouped by blocking keys (SIRET, email, phone, postal code) so only plausible pairs are
compared; names are compared with rapidfuzz inside a postal code, with and without their legal forms
(dedupe.names). 10,000 clients take well under a second.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, func, or_
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import registry as client_registry
from fieldcrm.clients.models import (
    CHANNELS,
    ChannelConsent,
    Client,
    ClientTag,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    Tag,
)
from fieldcrm.clients.normalise import fold
from fieldcrm.clients.queries import get_client_or_404, scope
from fieldcrm.dedupe.choices import default_consent, default_custom, same_consent
from fieldcrm.dedupe.models import QueuedPair
from fieldcrm.dedupe.names import SUBSET_SCORE, company_key, distinctive_words, name_score

NAME_CUTOFF = 88  # token_sort_ratio on folded names within one postal code
SWITCHBOARD_NAME_SCORE = 80  # a phone shared across towns pairs two cards only with names this close
MAX_GROUP = 12  # an email or phone shared by more cards is a head office or a switchboard, not a duplicate
REASONS = {"siret": (100, _l("same SIRET")), "email": (95, _l("same email")), "phone": (90, _l("same phone")),
           "name": (0, _l("similar name, same postal code")),
           "same_name": (85, _l("same name, one card without a postal code")),
           "queued": (90, _l("queued at import: same phone or same name"))}


@dataclass
class DuplicatePair:
    first: object
    second: object
    score: int
    reasons: list[str] = field(default_factory=list)


def _columns():
    return (Client.id, Client.display_name, Client.siret, Client.email, Client.phone, Client.mobile,
            Client.postal_code, Client.city, Client.owner_id)


def dismissed_pairs(db: Session) -> set[tuple[int, int]]:
    rows = db.exec(select(AuditEvent.subject_id, AuditEvent.other_id)
                   .where(AuditEvent.action == "not_duplicate", AuditEvent.undone_at.is_(None))).all()
    return {tuple(sorted(r)) for r in rows}


def queued_pairs(db: Session) -> list[tuple[int, int]]:
    """Pairs an import queued for a person to look at (a merge may have made one a card with itself)."""
    return db.exec(select(QueuedPair.first_id, QueuedPair.second_id)
                   .where(QueuedPair.first_id != QueuedPair.second_id)).all()


def find_duplicates(db: Session, actor: User, limit: int | None = 200) -> list[DuplicatePair]:
    """Probable duplicate pairs among the actor's clients, best score first."""
    rows = db.exec(scope(select(*_columns()), actor)).all()
    by_id = {r.id: r for r in rows}
    groups: dict[tuple, list[int]] = defaultdict(list)
    by_postal: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r.siret:
            groups[("siret", r.siret)].append(r.id)
        if r.email:
            groups[("email", r.email.lower())].append(r.id)
        for phone in {r.phone, r.mobile} - {None, ""}:
            groups[("phone", phone)].append(r.id)
        if r.postal_code:
            by_postal[r.postal_code].append(r.id)
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for (kind, _value), ids in groups.items():
        ids = sorted(set(ids))
        if 1 < len(ids) <= MAX_GROUP:
            for a, b in itertools.combinations(ids, 2):
                found[(a, b)][kind] = REASONS[kind][0]
    for ids in by_postal.values():
        if len(ids) < 2:
            continue
        ids.sort()
        for (x, y), score in _similar_names([by_id[i].display_name for i in ids]).items():
            found[(ids[x], ids[y])]["name"] = int(score * 0.9)
    for ids in _same_name_without_postal_code(rows):
        for a, b in itertools.combinations(sorted(ids), 2):
            if not (by_id[a].postal_code and by_id[b].postal_code):
                found[(a, b)]["same_name"] = REASONS["same_name"][0]
    for a, b in queued_pairs(db):
        if a in by_id and b in by_id:
            found[(a, b)]["queued"] = REASONS["queued"][0]
    skip = dismissed_pairs(db)
    pairs = []
    for (a, b), reasons in found.items():
        if (a, b) in skip or shared_switchboard(by_id[a], by_id[b], reasons):
            continue
        score = min(100, max(reasons.values()) + 3 * (len(reasons) - 1))
        labels = [str(REASONS[k][1]) for k in ("siret", "email", "phone", "name", "same_name") if k in reasons] \
            or [str(REASONS["queued"][1])]
        pairs.append(DuplicatePair(by_id[a], by_id[b], score, labels))
    pairs.sort(key=lambda p: (-p.score, p.first.id, p.second.id))
    return pairs[:limit] if limit else pairs


def shared_switchboard(first, second, reasons: dict) -> bool:
    """Only the phone in common, in two towns, under names that differ: a head office's or a shared
    switchboard's number, not one business twice."""
    if set(reasons) != {"phone"} or not (first.postal_code and second.postal_code):
        return False
    return first.postal_code != second.postal_code and \
        name_score(first.display_name, second.display_name) < SWITCHBOARD_NAME_SCORE


def _same_name_without_postal_code(rows) -> list[list[int]]:
    """Cards with the same name once legal forms are left out, when some of them have no postal code (an
    online CRM's export may have none): names of two words or more only, a lone surname says too little
    ("Ets Michel" may be the garage or the wine shop)."""
    by_key: dict[str, list] = defaultdict(list)
    for r in rows:
        key = company_key(r.display_name)
        if len(key.split()) >= 2:
            by_key[key].append(r)
    return [[r.id for r in group] for group in by_key.values()
            if 1 < len(group) <= MAX_GROUP and any(not r.postal_code for r in group)]


def _similar_names(names: list[str]) -> dict[tuple[int, int], float]:
    """{(x, y): score} for the pairs of names (positions, x < y) at NAME_CUTOFF or above: compared whole
    and without their legal forms, or one's distinctive words all in the other (dedupe.names)."""
    full = [fold(n) for n in names]
    keys = [company_key(n) for n in names]
    out: dict[tuple[int, int], float] = {}
    for texts in (full, keys):
        matrix = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_CUTOFF)
        for x, y in zip(*matrix.nonzero(), strict=True):
            if x < y:
                out[(x, y)] = max(out.get((x, y), 0), float(matrix[x][y]))
    by_word: dict[str, list[int]] = defaultdict(list)
    for position, key in enumerate(keys):
        for word in distinctive_words(key):
            by_word[word].append(position)
    for positions in by_word.values():
        if len(positions) > MAX_GROUP:  # a word many names share names nobody in particular
            continue
        for x, y in itertools.combinations(positions, 2):
            if (x, y) not in out or out[(x, y)] < SUBSET_SCORE:
                score = name_score(names[x], names[y])
                if score >= NAME_CUTOFF:
                    out[(x, y)] = max(out.get((x, y), 0), score)
    return out


def similar_clients(db: Session, actor: User, data: dict, exclude_id: int | None = None,
                    limit: int = 5) -> list[DuplicatePair]:
    """Existing clients that look like the one about to be saved (for the warning before creating)."""
    conditions = []
    if data.get("siret"):
        conditions.append(Client.siret == data["siret"])
    if data.get("email"):
        conditions.append(Client.email == data["email"])
    for phone in {data.get("phone"), data.get("mobile")} - {None, ""}:
        conditions += [Client.phone == phone, Client.mobile == phone]
    if data.get("postal_code"):
        conditions.append(Client.postal_code == data["postal_code"])
    if not conditions:
        return []
    stmt = scope(select(*_columns()), actor).where(or_(*conditions)).limit(2000)
    name = fold(data.get("company_name") or " ".join(
        p for p in (data.get("last_name"), data.get("first_name")) if p))
    out = []
    for r in db.exec(stmt).all():
        if r.id == exclude_id:
            continue
        reasons, score = [], 0
        for kind, same in (("siret", data.get("siret") and r.siret == data.get("siret")),
                           ("email", data.get("email") and (r.email or "").lower() == data["email"].lower()),
                           ("phone", {data.get("phone"), data.get("mobile")} & ({r.phone, r.mobile} - {None, ""}))):
            if same:
                reasons.append(str(REASONS[kind][1]))
                score = max(score, REASONS[kind][0])
        if name and r.postal_code and r.postal_code == data.get("postal_code"):
            ratio = name_score(name, r.display_name)
            if ratio >= NAME_CUTOFF:
                reasons.append(str(REASONS["name"][1]))
                score = max(score, int(ratio * 0.9))
        if reasons:
            out.append(DuplicatePair(r, None, score, reasons))
    out.sort(key=lambda p: -p.score)
    return out[:limit]


def recent_merges(db: Session, actor: User, limit: int = 20) -> list[AuditEvent]:
    """Merges whose surviving client the actor can see."""
    visible = scope(select(Client.id), actor, include_deleted=True)
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "merge", AuditEvent.subject_id.in_(visible))
                        .order_by(AuditEvent.created_at.desc()).limit(limit)).all())


# Built once: every card asks it (run with the card's id).
_UNDOABLE_MERGES = (select(AuditEvent).where(AuditEvent.action == "merge", AuditEvent.subject_id == bindparam("client_id"),
                                             AuditEvent.undone_at.is_(None))
                    .order_by(AuditEvent.created_at.desc()))


def undoable_merges(db: Session, client) -> list[AuditEvent]:
    return list(db.exec(_UNDOABLE_MERGES, params={"client_id": client.id}).all())


@dataclass
class MergeSides:
    """What each card holds beyond its own fields, for the merge screen (only what differs is offered)."""

    tags: list[tuple[int, str, bool, bool]]  # (tag id, name, on the survivor, on the other)
    consents: list[dict]  # channel, mine, theirs (rows or None), default (mine/other), why
    custom: list[dict]  # field (definition), mine, theirs (values or None), default
    contacts: tuple[int, int]  # contact people on each card (all end up on the survivor)

    @property
    def tags_differ(self) -> bool:
        return any(mine != theirs for _id, _name, mine, theirs in self.tags)


def merge_sides(db: Session, survivor: Client, other: Client) -> MergeSides:
    ids = (survivor.id, other.id)
    tag_rows = db.exec(select(ClientTag.client_id, Tag.id, Tag.name).join(Tag, Tag.id == ClientTag.tag_id)
                       .where(ClientTag.client_id.in_(ids)).order_by(Tag.name)).all()
    names: dict[int, str] = {}
    holders: dict[int, set[int]] = defaultdict(set)
    for client_id, tag_id, name in tag_rows:
        names[tag_id] = name
        holders[tag_id].add(client_id)
    tags = [(tag_id, name, survivor.id in holders[tag_id], other.id in holders[tag_id])
            for tag_id, name in names.items()]
    consents_by = defaultdict(dict)
    for row in db.exec(select(ChannelConsent).where(ChannelConsent.client_id.in_(ids))).all():
        consents_by[row.channel][row.client_id] = row
    consents = []
    for channel in CHANNELS:
        mine, theirs = consents_by[channel].get(survivor.id), consents_by[channel].get(other.id)
        if not same_consent(mine, theirs):
            choice, why = default_consent(mine, theirs)
            consents.append({"channel": channel, "mine": mine, "theirs": theirs, "default": choice, "why": why})
    values = defaultdict(dict)
    for row in db.exec(select(CustomFieldValue).where(CustomFieldValue.client_id.in_(ids))).all():
        values[row.field_id][row.client_id] = row.value
    custom = []
    for definition in db.exec(select(CustomFieldDef).order_by(CustomFieldDef.position, CustomFieldDef.id)).all():
        mine, theirs = values[definition.id].get(survivor.id), values[definition.id].get(other.id)
        if (mine or None) != (theirs or None):
            custom.append({"field": definition, "mine": mine, "theirs": theirs,
                           "default": default_custom(mine, theirs)})
    counts = dict(db.exec(select(ContactPerson.client_id, func.count()).where(ContactPerson.client_id.in_(ids))
                          .group_by(ContactPerson.client_id)).all())
    return MergeSides(tags, consents, custom, (counts.get(survivor.id, 0), counts.get(other.id, 0)))


def get_merge_or_404(db: Session, actor: User, merge_id: int) -> AuditEvent:
    """A merge is in reach when its surviving client is (deleted or not)."""
    event = db.get(AuditEvent, merge_id)
    if event is None or event.action != "merge" or event.subject_id is None:
        raise access.NotVisible()
    get_client_or_404(db, actor, event.subject_id, include_deleted=True)
    return event


def init_app(app) -> None:
    """Warn about look-alikes before a new client card is saved."""
    client_registry.register_similar_finder("dedupe", similar_clients)
