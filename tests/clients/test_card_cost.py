"""What opening a card costs the database: a fixed number of statements, however much the client holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from fieldcrm.clients.models import ContactPerson
from fieldcrm.sales.models import Purchase
from tests.factories import make_appointment, make_client, make_followup, make_interaction, make_user

# The session's user, the card, its view in the audit trail, its own details (contacts, hours, consents,
# tags, custom fields) and the panels built on it (merges, history, purchases, campaigns).
CARD_STATEMENTS = 17


def _statements(app, http, url: str) -> tuple[int, str]:
    seen = []

    def count(*_args):
        seen.append(1)

    engine = app.extensions["fieldcrm.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = http.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def _add_history(db, rep, shop, n: int, start: int) -> None:
    for i in range(start, start + n):
        make_interaction(db, rep, shop, note=f"Passage {i}", occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC) + timedelta(days=i))
        make_followup(db, rep, shop, date(2026, 4, 1) + timedelta(days=i), reason=f"Relance {i}")
        make_appointment(db, rep, shop, datetime(2026, 5, 1, 9, tzinfo=UTC) + timedelta(days=i))
        db.add(Purchase(client_id=shop.id, purchased_on=date(2026, 2, 1) + timedelta(days=i),
                        amount=Decimal("10.00") + i, product=f"Produit {i}"))
        db.add(ContactPerson(client_id=shop.id, last_name=f"Contact {i}"))
    db.commit()


def test_card_statements_do_not_grow_with_its_history(app, db, login, client):
    rep = make_user(db)
    shop = make_client(db, rep, company_name="Épicerie du coin")
    login(rep)
    url = f"/clients/{shop.id}"
    _add_history(db, rep, shop, 1, 0)
    few, page = _statements(app, client, url)
    assert "Passage 0" in page and "Produit 0" in page and "Contact 0" in page
    _add_history(db, rep, shop, 8, 1)
    many, page = _statements(app, client, url)
    assert "Relance 8" in page and "Produit 8" in page and "Contact 8" in page
    assert "Older entries" in page  # the history is longer than its first page
    assert many == few
    assert many <= CARD_STATEMENTS
