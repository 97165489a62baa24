"""Weak keys at import: a created card that shares a phone with another card (a switchboard may be shared)
or has the same name in the same postal code is never merged into it; the pair is queued among the
probable duplicates (dedupe.services.queue_pairs) for a person to decide. Cards of the file are compared
with the importing user's cards and with each other."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.dedupe.names import company_key
from fieldcrm.dedupe.queries import MAX_GROUP, shared_switchboard


@dataclass
class _Card:
    """A card as the weak keys see it; `holder` gives its id (a new card has one once inserted)."""

    holder: object
    display_name: str
    postal_code: str | None


@dataclass
class _Known:
    id: int


class Lookalikes:
    def __init__(self, db: Session, actor: User):
        self.index: dict[tuple, _Card] = {}
        self.seen: dict[tuple, int] = {}  # pairs queued per key: a number shared by many is a head office
        self.waiting: list[tuple[_Card, _Card, str]] = []
        for row in db.exec(scope(select(Client.id, Client.display_name, Client.phone, Client.mobile,
                                        Client.postal_code), actor).order_by(Client.id)).all():
            card = _Card(_Known(row.id), row.display_name or "", row.postal_code)
            for key in self._keys(row.phone, row.mobile, card):
                self.index.setdefault(key, card)

    @staticmethod
    def _keys(phone: str | None, mobile: str | None, card: _Card) -> list[tuple]:
        keys = [("phone", p) for p in dict.fromkeys((phone, mobile)) if p]
        if card.postal_code and card.display_name:
            keys.append(("name", company_key(card.display_name), card.postal_code))
        return keys

    def created(self, holder: object, values: dict) -> None:
        """A row that creates a card: pair it with the first card seen on each of its weak keys."""
        card = _Card(holder, client_services.display_name(values), values.get("postal_code"))
        paired = set()
        for key in self._keys(values.get("phone"), values.get("mobile"), card):
            other = self.index.setdefault(key, card)
            if other is card or id(other) in paired or self.seen.get(key, 0) >= MAX_GROUP:
                continue
            if key[0] == "phone" and shared_switchboard(card, other, {"phone": 1}):
                continue
            self.seen[key] = self.seen.get(key, 0) + 1
            paired.add(id(other))
            self.waiting.append((other, card, key[0]))

    def ready(self) -> list[tuple[int, int, str]]:
        """The pairs whose two cards have an id (both inserted), taken off the waiting list."""
        done = [(a.holder.id, b.holder.id, reason) for a, b, reason in self.waiting
                if a.holder.id is not None and b.holder.id is not None]
        self.waiting = [w for w in self.waiting if w[0].holder.id is None or w[1].holder.id is None]
        return done
