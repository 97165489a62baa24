"""Before an import runs: which existing cards its rows would change, and how, so that nothing is
overwritten without the user having seen it ("N cards will be updated", with a sample of the changes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.clients.services import CLIENT_FIELDS
from fieldcrm.imports.writer import changes_for, strong_keys

SAMPLE_CARDS = 5


@dataclass
class CardChange:
    client_id: int
    name: str
    row_number: int
    fields: list[tuple[str, object, object]]  # (field, value on the card, value from the file)


@dataclass
class MatchReview:
    """Counts what the rows would do to the actor's existing cards, under the chosen update mode."""

    db: Session
    actor: User
    mode: str
    matched: set[int] = field(default_factory=set)  # cards some row matches (SIRET or e-mail)
    changed: set[int] = field(default_factory=set)  # ... and would change, under the mode
    sample: list[CardChange] = field(default_factory=list)
    _index: dict[tuple, int] = field(default_factory=dict)
    _cards: dict[int, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.db.exec(scope(select(Client.id, Client.siret, Client.email), self.actor)
                                .order_by(Client.id)).all():
            for key in strong_keys(row._mapping):
                self._index.setdefault(key, row.id)

    def add(self, number: int, clean: dict) -> None:
        client_id = next((self._index[k] for k in strong_keys(clean) if k in self._index), None)
        if client_id is None:
            return
        self.matched.add(client_id)
        if self.mode in ("skip", "create"):
            return
        card = self._card(client_id)
        changes = changes_for(card, clean, self.mode)
        if not changes:
            return
        self.changed.add(client_id)
        if len(self.sample) < SAMPLE_CARDS and all(c.client_id != client_id for c in self.sample):
            self.sample.append(CardChange(client_id, card["display_name"], number,
                                          [(k, card.get(k), v) for k, v in changes.items()]))

    def _card(self, client_id: int) -> dict:
        if client_id not in self._cards:
            client = self.db.get(Client, client_id)
            self._cards[client_id] = {**{f: getattr(client, f) for f in CLIENT_FIELDS},
                                      "display_name": client.display_name}
        return self._cards[client_id]
