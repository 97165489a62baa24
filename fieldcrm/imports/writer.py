"""Writes validated import rows as clients, inside the caller's transaction (it never commits).
Every row it writes is journaled in the same transaction (imports.undo), so the import can be undone.

A row updates the client it matches on a strong key — same SIRET or same e-mail — among the clients the
importing user may see, as the user chose (fill the empty fields only, overwrite, skip the card, or create
a new card anyway); else it creates one. Weak keys never merge: a shared switchboard number or the same
name in the same postal code creates the card, and the pair is queued among the probable duplicates
(imports.lookalikes) for a person to decide. Rows of the same file that share a strong
key end up on one client. New clients are inserted in batches. A row that is a person at a company also
creates (or completes) that contact person, with the function the file gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients import objections
from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client, ClientTag, ContactPerson, CustomFieldDef, CustomFieldValue, Tag
from fieldcrm.clients.normalise import build_search_text, fold, phone_search_forms
from fieldcrm.clients.queries import scope
from fieldcrm.clients.settings import org_settings
from fieldcrm.dedupe.services import queue_pairs
from fieldcrm.imports.consents import write_consents
from fieldcrm.imports.lookalikes import Lookalikes
from fieldcrm.imports.mapping import CUSTOM_PREFIX
from fieldcrm.imports.undo import card_before, contact_entry, created_entry, updated_entry, write_journal
from fieldcrm.timeutil import utcnow

ADDRESS = ("street", "postal_code", "city", "country")


@dataclass
class _Ref:
    """A client a row goes to: an existing id, or a new client still waiting for its insert."""

    id: int | None = None
    data: dict = field(default_factory=dict)


@dataclass
class WriteResult:
    created: int
    updated: int
    skipped: int
    new_ids: list[int]
    objected: int = 0


def search_text_for(d: dict, people: list[dict] = ()) -> str:
    """The maintained search column of a new client with its contact `people` (as they will be inserted),
    as clients.services.search_columns builds it."""
    words = [d.get(k) for k in ("company_name", "first_name", "last_name", "city", "postal_code", "email",
                                "sector", "segment")] + list(d.get("tags", []))
    for person in people:
        words += [person.get("first_name"), person.get("last_name"), None, person.get("function")]
    text = build_search_text(words, [])
    digits = " ".join(phone_search_forms(p) for p in (d.get("phone"), d.get("mobile")) if p)
    return f"{text[:-1]}{digits} "


def strong_keys(values: dict) -> list[tuple]:
    """The keys that identify a client for sure: the SIRET, the e-mail."""
    keys = []
    if values.get("siret"):
        keys.append(("siret", values["siret"]))
    if values.get("email"):
        keys.append(("email", values["email"].lower()))
    return keys


def changes_for(card: dict, values: dict, mode: str) -> dict:
    """What a row changes on a matched card: in "fill_empty", only the fields the card has empty; in
    "overwrite", every field the row gives a different value for."""
    out = {}
    for key, value in values.items():
        if key not in client_services.CLIENT_FIELDS or key == "kind":
            continue
        current = card.get(key)
        if mode == "overwrite" and current != value or current in (None, ""):
            out[key] = value
    return out


def match_keys(values: dict) -> list[tuple]:
    """The keys a row or a client is found by, strongest first."""
    keys = []
    if values.get("siret"):
        keys.append(("siret", values["siret"]))
    if values.get("email"):
        keys.append(("email", values["email"].lower()))
    for phone in (values.get("phone"), values.get("mobile")):
        if phone:
            keys.append(("phone", phone))
    name = values.get("company_name") if values.get("company_name") else \
        " ".join(p for p in (values.get("last_name"), values.get("first_name")) if p)
    if name and values.get("postal_code"):
        keys.append(("name", fold(name), values["postal_code"]))
    return keys


class ClientWriter:
    def __init__(self, db: Session, actor: User, import_id: int | None = None, batch: int = 1000,
                 update_mode: str = "fill_empty", owner_id: int | None = None):
        self.db, self.actor, self.batch, self.import_id = db, actor, batch, import_id
        self.mode, self.owner_id = update_mode, owner_id or actor.id
        self.index: dict[tuple, _Ref] = {}
        if update_mode != "create":
            for row in db.exec(scope(select(Client.id, Client.siret, Client.email), actor)
                               .order_by(Client.id)).all():
                ref = _Ref(id=row.id)
                for key in strong_keys(row._mapping):
                    self.index.setdefault(key, ref)
        self.pending: list[_Ref] = []
        self.updates: dict[int, dict] = {}
        self.created = self.updated = self.skipped = self.objected = 0
        self.to_check: list[tuple[dict, dict]] = []  # (row values, what they are written with)
        self.new_ids: list[int] = []
        self.created_ids: set[int] = set()  # a later row updating one of them needs no journal entry
        self.journal: list[dict] = []
        self.geocode_ids: list[int] = []
        self.custom_ids = {f.key: f.id for f in db.exec(select(CustomFieldDef)).all()}
        settings = org_settings(db)
        self.dropped = set() if settings.collect_birth_date else {"birth_date"}
        self.tag_ids: dict[str, int] = {}
        self.contacts: list[tuple[_Ref, dict]] = []  # people at a company, written once the card has an id
        self.rows_on: dict[int, int] = {}  # rows of the file matching each existing card
        self.lookalikes = Lookalikes(db, actor)
        self.consents: list[tuple[_Ref, str]] = []  # e-mail consents, written once the card has an id
        self.texts_done: set[int] = set()  # cards inserted by this batch, their people in their search text

    def upsert(self, clean: dict, kind_given: bool = False) -> None:
        values = {k: v for k, v in clean.items() if k not in self.dropped}
        contact = _contact_of(values)
        ref = next((self.index[k] for k in strong_keys(values) if k in self.index), None)
        if ref is not None and ref.id is not None and ref.id not in self.created_ids and self.mode == "skip":
            self.skipped += 1
            return
        if ref is None:
            ref = _Ref(data=values)
            self.pending.append(ref)
            self.created += 1
            self.lookalikes.created(ref, values)
        else:
            if not kind_given:
                values.pop("kind", None)
            pending = ref.id is None or ref.id in self.created_ids
            if not pending:
                self.rows_on[ref.id] = self.rows_on.get(ref.id, 0) + 1
            target = ref.data if ref.id is None else self.updates.setdefault(ref.id, {})
            tags = list(dict.fromkeys([*target.get("tags", []), *values.get("tags", [])]))
            for key, value in values.items():  # a later row of the file completes, or overwrites
                if self.mode == "overwrite" and not pending or target.get(key) in (None, ""):
                    target[key] = value
            if tags:
                target["tags"] = tags
            self.updated += 1
        # Checked against the opposition list a batch at a time, before the batch is written.
        self.to_check.append((values, ref.data if ref.id is None else self.updates[ref.id]))
        if contact:
            self.contacts.append((ref, contact))
        if values.get("consent"):
            self.consents.append((ref, values["consent"]))
        for key in strong_keys(values):
            self.index.setdefault(key, ref)
        if len(self.pending) >= self.batch or len(self.updates) >= self.batch:
            self.flush()

    def flush(self) -> None:
        self._mark_objectors()
        self._insert_pending()
        self._apply_updates()
        self._write_contacts()
        queue_pairs(self.db, self.lookalikes.ready(), self.import_id)
        given = {ref.id: consent for ref, consent in self.consents}  # the file's last word on a card
        self.journal += write_consents(self.db, given, self.created_ids, self.import_id, self.mode == "overwrite")
        self.consents = []
        write_journal(self.db, self.journal)
        self.journal = []
        self.db.flush()

    def finish(self) -> WriteResult:
        self.flush()
        return WriteResult(self.created, self.updated, self.skipped, self.new_ids + self.geocode_ids,
                           self.objected)

    # ---------------------------------------------------------------- internals

    def _mark_objectors(self) -> None:
        """Rows of people on the opposition list are written do-not-contact: an objector is never made
        contactable again by an import (counted for the report)."""
        rows, self.to_check = self.to_check, []
        for (_values, target), objected in zip(rows, objections.objecting(self.db, [v for v, _t in rows]),
                                               strict=True):
            if objected:
                target["do_not_contact"] = True
                self.objected += 1

    def _journal_created(self, table_name: str, row_id: int) -> None:
        if self.import_id is not None:
            self.journal.append(created_entry(self.import_id, table_name, row_id))

    def _tag_id(self, name: str) -> int:
        if name not in self.tag_ids:
            tag = self.db.exec(select(Tag).where(Tag.name == name)).first()
            if tag is None:
                tag = Tag(name=name)
                self.db.add(tag)
                self.db.flush()
                self._journal_created("tag", tag.id)
            self.tag_ids[name] = tag.id
        return self.tag_ids[name]

    def _custom_rows(self, client_id: int, values: dict) -> list[dict]:
        rows = []
        for key, value in values.items():
            if key.startswith(CUSTOM_PREFIX) and key.removeprefix(CUSTOM_PREFIX) in self.custom_ids:
                text = value.isoformat() if isinstance(value, date) else \
                    format(value, "f") if isinstance(value, Decimal) else str(value)
                rows.append({"client_id": client_id, "field_id": self.custom_ids[key.removeprefix(CUSTOM_PREFIX)],
                             "value": text[:500]})
        return rows

    def _insert_pending(self) -> None:
        self.texts_done = set()
        if not self.pending:
            return
        now, actor = utcnow(), self.actor
        people = self._people_of_pending()
        rows = []
        for ref in self.pending:
            d = ref.data
            name = client_services.display_name(d)
            row = {f: d.get(f) for f in client_services.CLIENT_FIELDS}
            row.update(
                kind=d.get("kind") or "company", status=d.get("status") or "prospect",
                country=d.get("country") or "FR", owner_id=d.get("owner_id") or self.owner_id,
                do_not_contact=bool(d.get("do_not_contact")),
                do_not_contact_at=now if d.get("do_not_contact") else None,
                display_name=name[:220], sort_name=fold(name)[:220],
                search_text=search_text_for(d, people.get(id(ref), [])),
                created_at=now, updated_at=now, created_by_id=actor.id, updated_by_id=actor.id, version=1,
            )
            rows.append(row)
        ids = self.db.execute(insert(Client).returning(Client.id, sort_by_parameter_order=True), rows).scalars().all()
        tag_rows, custom_rows = [], []
        for ref, client_id in zip(self.pending, ids, strict=True):
            ref.id = client_id
            self.created_ids.add(client_id)
            self._journal_created("client", client_id)
            for name in ref.data.get("tags", []):
                tag_rows.append({"client_id": client_id, "tag_id": self._tag_id(name)})
            custom_rows += self._custom_rows(client_id, ref.data)
            self.new_ids.append(client_id)
        if tag_rows:
            self.db.execute(insert(ClientTag), tag_rows)
        if custom_rows:
            self.db.execute(insert(CustomFieldValue), custom_rows)
        self.texts_done = {ref.id for ref in self.pending}  # their people are in the text already
        for ref in self.pending:
            ref.data = {}
        self.pending = []

    def _people_of_pending(self) -> dict[int, list[dict]]:
        """The contact people each new card will get in this batch, as _write_contacts inserts them (a
        person named twice once, with the first function given), so the card's search text is right at
        its insert and needs no second write."""
        people: dict[int, dict[str, dict]] = {}
        for ref, person in self.contacts:
            if ref.id is None:
                key = fold(f"{person.get('first_name') or ''} {person['last_name']}")
                known = people.setdefault(id(ref), {})
                if key in known:
                    known[key]["function"] = known[key].get("function") or person.get("function")
                else:
                    known[key] = dict(person)
        return {ref: list(named.values()) for ref, named in people.items()}

    def _apply_updates(self) -> None:
        if not self.updates:
            return
        clients = self.db.exec(select(Client).where(Client.id.in_(list(self.updates)))).all()
        now = utcnow()
        for client in clients:
            values = self.updates[client.id]
            card = card_before(client)
            tags_added, custom_changed = [], {}
            before = tuple(getattr(client, f) for f in ADDRESS)
            mode = "overwrite" if client.id in self.created_ids else self.mode
            changes = changes_for(card, values, mode)
            if "kind" in values and values["kind"] != client.kind and (mode == "overwrite" or not client.kind):
                changes["kind"] = values["kind"]
            for key, value in changes.items():
                setattr(client, key, value)
            if values.get("do_not_contact") and not client.do_not_contact:
                client.do_not_contact = True  # an objector: whatever the update mode
            if client.do_not_contact and client.do_not_contact_at is None:
                client.do_not_contact_at = now
            if before != tuple(getattr(client, f) for f in ADDRESS):
                # The old position belongs to the old address: located again after the import.
                client.latitude = client.longitude = client.geo_precision = client.geocoded_at = None
                self.geocode_ids.append(client.id)
            have = set(client_services.tag_names(self.db, client.id))
            for name in values.get("tags", []):
                if name not in have:
                    tags_added.append(self._tag_id(name))
                    self.db.add(ClientTag(client_id=client.id, tag_id=tags_added[-1]))
            for row in self._custom_rows(client.id, values):
                existing = self.db.exec(select(CustomFieldValue).where(
                    CustomFieldValue.client_id == client.id, CustomFieldValue.field_id == row["field_id"])).first()
                if existing is not None and existing.value and mode != "overwrite":
                    continue
                existing = existing or CustomFieldValue(client_id=client.id, field_id=row["field_id"])
                if existing.value != row["value"]:
                    custom_changed[row["field_id"]] = [existing.value, row["value"]]
                existing.value = row["value"]
                self.db.add(existing)
            if not (changes or tags_added or custom_changed):
                # Matched, nothing to change: the card keeps its version; its rows count as skipped.
                unchanged = self.rows_on.pop(client.id, 0)
                self.updated -= unchanged
                self.skipped += unchanged
                continue
            client.version += 1
            client.updated_at, client.updated_by_id = now, self.actor.id
            self.db.flush()
            client_services.refresh_search_text(self.db, client)
            self.db.add(client)
            if self.import_id is not None and client.id not in self.created_ids:
                self.journal.append(updated_entry(self.import_id, client, card, tags_added, custom_changed))
        self.updates = {}

    def _write_contacts(self) -> None:
        """The people at a company the rows named: created (in one insert), or their function completed.
        Only what the import did to cards that existed before is journaled: a card it created takes its
        contact people with it when undone."""
        if not self.contacts:
            return
        ids = {ref.id for ref, _ in self.contacts}
        known: dict[tuple, ContactPerson | dict] = {
            (c.client_id, fold(f"{c.first_name or ''} {c.last_name}")): c for c in self.db.exec(
                select(ContactPerson).where(ContactPerson.client_id.in_(ids))).all()}
        new_rows: list[dict] = []
        changed: set[int] = set()
        for ref, person in self.contacts:
            key = (ref.id, fold(f"{person.get('first_name') or ''} {person['last_name']}"))
            existing = known.get(key)
            if existing is None:
                known[key] = {"client_id": ref.id, **person}
                new_rows.append(known[key])
                if ref.id not in self.texts_done:
                    changed.add(ref.id)
                continue
            function = person.get("function")
            if isinstance(existing, dict):  # named twice in this batch
                existing["function"] = existing.get("function") or function
                continue
            overwrite = self.mode == "overwrite" or ref.id in self.created_ids
            if function and function != existing.function and (overwrite or not existing.function):
                if self.import_id is not None and ref.id not in self.created_ids:
                    self.journal.append(contact_entry(self.import_id, existing.id, existing.function, function))
                existing.function = function
                self.db.add(existing)
                changed.add(ref.id)
        if new_rows:
            now = utcnow()
            created = self.db.execute(insert(ContactPerson).returning(ContactPerson.id, sort_by_parameter_order=True),
                                      [dict(r, created_at=now, updated_at=now) for r in new_rows]).scalars().all()
            for row, contact_id in zip(new_rows, created, strict=True):
                if row["client_id"] not in self.created_ids:
                    self._journal_created("contact_person", contact_id)
        self.db.flush()
        # A card's search text holds its contact people too: rebuilt the card form's way, for the cards
        # whose people changed, in a few statements per batch (one per card doubled the import's time).
        client_services.refresh_search_texts(self.db, sorted(changed))
        self.contacts = []


def _contact_of(values: dict) -> dict | None:
    """A row that is a person at a company names a contact person (with the function the file gives)."""
    function = values.pop("contact_function", None)
    if not (values.get("company_name") and values.get("last_name")):
        return None
    return {"civility": values.get("civility"), "first_name": values.get("first_name"),
            "last_name": values["last_name"][:100], "function": function[:120] if function else None}
