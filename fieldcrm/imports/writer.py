"""Writes validated import rows as clients, inside the caller's transaction (it never commits).
Every row it writes is journaled in the same transaction (imports.undo), so the import can be undone.

A row updates the client it matches — same SIRET, same email, same E.164 phone, or same name in the
same postal code — among the clients the importing user may see, else creates one. Rows of the same
file that match each other end up on one client. New clients are inserted in batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client, ClientTag, CustomFieldDef, CustomFieldValue, Tag
from fieldcrm.clients.normalise import build_search_text, fold, phone_search_forms
from fieldcrm.clients.queries import scope
from fieldcrm.clients.settings import org_settings
from fieldcrm.imports.mapping import CUSTOM_PREFIX
from fieldcrm.imports.undo import card_before, created_entry, updated_entry, write_journal
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


def _phone_forms(e164: str | None) -> str:
    """clients.normalise.phone_search_forms, without re-parsing French numbers (the import's hot path:
    the number was just validated). tests/imports checks both give the same text."""
    if e164 and len(e164) == 12 and e164.startswith("+33") and e164[1:].isdigit():
        return f"0{e164[3:]} {e164[1:]}"
    return phone_search_forms(e164)


def search_text_for(d: dict) -> str:
    """The maintained search column of a new client, as clients.normalise.build_search_text builds it."""
    words = [d.get(k) for k in ("company_name", "first_name", "last_name", "city", "postal_code", "email",
                                "sector", "segment")] + list(d.get("tags", []))
    text = build_search_text(words, [])
    digits = " ".join(_phone_forms(p) for p in (d.get("phone"), d.get("mobile")) if p)
    return f"{text[:-1]}{digits} "


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
    def __init__(self, db: Session, actor: User, import_id: int | None = None, batch: int = 1000):
        self.db, self.actor, self.batch, self.import_id = db, actor, batch, import_id
        self.index: dict[tuple, _Ref] = {}
        stmt = scope(select(Client.id, Client.siret, Client.email, Client.phone, Client.mobile,
                            Client.company_name, Client.first_name, Client.last_name,
                            Client.postal_code), actor).order_by(Client.id)
        for row in db.exec(stmt).all():
            ref = _Ref(id=row.id)
            for key in match_keys(row._mapping):
                self.index.setdefault(key, ref)
        self.pending: list[_Ref] = []
        self.updates: dict[int, dict] = {}
        self.created = self.updated = self.skipped = 0
        self.new_ids: list[int] = []
        self.created_ids: set[int] = set()  # a later row updating one of them needs no journal entry
        self.journal: list[dict] = []
        self.geocode_ids: list[int] = []
        self.custom_ids = {f.key: f.id for f in db.exec(select(CustomFieldDef)).all()}
        settings = org_settings(db)
        self.dropped = set() if settings.collect_birth_date else {"birth_date"}
        self.tag_ids: dict[str, int] = {}

    def upsert(self, clean: dict, kind_given: bool = False) -> None:
        values = {k: v for k, v in clean.items() if k not in self.dropped}
        ref = next((self.index[k] for k in match_keys(values) if k in self.index), None)
        if ref is None:
            ref = _Ref(data=values)
            self.pending.append(ref)
            self.created += 1
        else:
            if not kind_given:
                values.pop("kind", None)
            target = ref.data if ref.id is None else self.updates.setdefault(ref.id, {})
            tags = list(dict.fromkeys([*target.get("tags", []), *values.get("tags", [])]))
            target.update(values)
            if tags:
                target["tags"] = tags
            self.updated += 1
        for key in match_keys(values):
            self.index.setdefault(key, ref)
        if len(self.pending) >= self.batch or len(self.updates) >= self.batch:
            self.flush()

    def flush(self) -> None:
        self._insert_pending()
        self._apply_updates()
        write_journal(self.db, self.journal)
        self.journal = []
        self.db.flush()

    def finish(self) -> WriteResult:
        self.flush()
        return WriteResult(self.created, self.updated, self.skipped, self.new_ids + self.geocode_ids)

    # ---------------------------------------------------------------- internals

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
        if not self.pending:
            return
        now, actor = utcnow(), self.actor
        rows = []
        for ref in self.pending:
            d = ref.data
            name = client_services.display_name(d)
            row = {f: d.get(f) for f in client_services.CLIENT_FIELDS}
            row.update(
                kind=d.get("kind") or "company", status=d.get("status") or "prospect",
                country=d.get("country") or "FR", owner_id=d.get("owner_id") or actor.id,
                do_not_contact=False, display_name=name[:220], sort_name=fold(name)[:220],
                search_text=search_text_for(d),
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
            ref.data = {}
        if tag_rows:
            self.db.execute(insert(ClientTag), tag_rows)
        if custom_rows:
            self.db.execute(insert(CustomFieldValue), custom_rows)
        self.pending = []

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
            for key in client_services.CLIENT_FIELDS:
                if key in values:
                    setattr(client, key, values[key])
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
                existing = existing or CustomFieldValue(client_id=client.id, field_id=row["field_id"])
                if existing.value != row["value"]:
                    custom_changed[row["field_id"]] = [existing.value, row["value"]]
                existing.value = row["value"]
                self.db.add(existing)
            client.version += 1
            client.updated_at, client.updated_by_id = now, self.actor.id
            self.db.flush()
            client_services.refresh_search_text(self.db, client)
            self.db.add(client)
            if self.import_id is not None and client.id not in self.created_ids:
                self.journal.append(updated_entry(self.import_id, client, card, tags_added, custom_changed))
        self.updates = {}
