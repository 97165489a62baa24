"""Pareto on a data set whose answer is known, RFM groups, dormant clients, data quality, scoping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldcrm.analyses import queries
from fieldcrm.sales.models import Purchase
from tests.factories import make_client, make_team, make_user


def test_pareto_knows_its_answer(app, db, login, client):
    team = make_team(db)
    rep = make_user(db, "rep", team, locale="en")
    other = make_user(db, "rep", locale="en")
    # 10 clients: 2 make 800 of 1,000 (80%), the 8 others 25 each.
    amounts = [500, 300] + [25] * 8
    clients = [make_client(db, rep, company_name=f"C{i:02d}") for i in range(10)]
    for c, amount in zip(clients, amounts, strict=True):
        half = Decimal(amount) / 2
        for month in (1, 2):
            db.add(Purchase(client_id=c.id, purchased_on=date(2026, month, 1), amount=half))
    hidden = make_client(db, other, company_name="Hidden Big")
    db.add(Purchase(client_id=hidden.id, purchased_on=date(2026, 1, 1), amount=Decimal(100000)))
    db.commit()
    with app.test_request_context():
        result = queries.pareto(db, rep)
    assert result.total == Decimal("1000.00") and result.clients == 10
    assert [name for _id, name, _a, _s in result.top] == ["C00", "C01"]
    assert result.share_for_80 == 0.2
    assert result.curve[0] == (0.0, 0.0) and result.curve[-1] == (1.0, 1.0)
    login(rep)
    page = client.get("/analyses/pareto").get_data(as_text=True)
    assert "C00" in page and "C01" in page and "C02" not in page and "Hidden" not in page
    assert "<svg" in page and 'role="img"' in page and "style=" not in page
    assert "2 clients out of 10 make 80% of your revenue" in page


def test_rfm_dormant_and_quality(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    today = date(2026, 11, 23)
    specs = {"fresh_big": [(date(2026, 11, 1), 900), (date(2026, 10, 1), 900), (date(2026, 9, 1), 900)],
             "old_frequent": [(date(2025, 1, 1), 300), (date(2024, 12, 1), 300), (date(2024, 11, 1), 300)],
             "new_small": [(date(2026, 11, 10), 20)],
             "lost_small": [(date(2024, 1, 1), 10)],
             "mid": [(date(2026, 5, 1), 100), (date(2026, 4, 1), 100)],
             "mid2": [(date(2026, 6, 1), 50)]}
    made = {}
    for name, purchases in specs.items():
        made[name] = make_client(db, rep, company_name=name, phone="+33478000001" if name == "mid" else None,
                                 email="x@ex.fr" if name == "mid" else None)
        for day, amount in purchases:
            db.add(Purchase(client_id=made[name].id, purchased_on=day, amount=Decimal(amount)))
    db.commit()
    with app.test_request_context():
        groups = queries.rfm(db, rep, today)
        no_purchase, _no_contact = queries.dormant(db, rep, today, months=12)
        quality = queries.quality(db, rep, today)
    found = {group: {item[1] for item in items} for group, items in groups.items()}
    assert "fresh_big" in found["champions"]
    assert "old_frequent" in found["at_risk"]
    assert "lost_small" in found["lost"]
    assert {c.company_name for c, _last in no_purchase} == {"old_frequent", "lost_small"}
    assert quality["total"] == 6 and quality["no_phone"] == 5 and quality["no_email"] == 5
    assert quality["no_position"] == 6 and quality["stale"] == 0
    login(rep)
    assert "old_frequent" in client.get("/analyses/dormant?months=12").get_data(as_text=True)
    page = client.get("/analyses").get_data(as_text=True)
    assert "83% without a phone" in page
