"""The demo shows the app: purchases behind the 20/80 analysis, RFM and the average basket; each card
its own e-mail; follow-ups, appointments and purchases on working days (also when the demo is loaded on
a weekend); each card at its commune's town hall and marked approximate (the offline data holds no
street)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.analyses import queries as analyses
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from fieldcrm.demo.calendar import is_working_day, working_day_on_or_after, working_day_on_or_before
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.geo.communes import all_communes
from fieldcrm.sales.models import Purchase

SATURDAY = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo(app, db, set_now):
    with app.test_request_context():
        return load_demo(db, clients_per_rep=40)


def _user(db, email):
    return db.exec(select(User).where(User.email == email)).one()


def test_purchases_fill_the_analyses_on_first_start(app, db, demo, login):
    purchases = db.exec(select(Purchase)).all()
    assert len(purchases) > 200
    assert all(p.amount > 0 and p.product and p.product_family for p in purchases)
    admin = _user(db, f"admin@{DEMO_DOMAIN}")
    with app.app_context():
        pareto = analyses.pareto(db, admin)
        groups = analyses.rfm(db, admin, timeutil.today())
    # Revenue concentrated as in a real portfolio: well under half the buyers make 80 % of it.
    assert pareto.clients > 60 and 0.1 < pareto.share_for_80 < 0.5
    assert sum(len(v) for v in groups.values()) == pareto.clients
    assert len([g for g, members in groups.items() if members]) >= 4  # champions, loyal, at risk, lost…
    http = app.test_client()
    login(_user(db, f"yann@{DEMO_DOMAIN}"), password=DEMO_PASSWORD, http=http)
    page = http.get("/analyses/pareto", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "80" in page and "€" in page
    with app.app_context():
        no_purchase, _no_contact = analyses.dormant(db, _user(db, f"yann@{DEMO_DOMAIN}"), timeutil.today(), 12, 90)
    assert no_purchase  # former clients who stopped buying: the list to win back
    card = http.get(f"/clients/{no_purchase[0][0].id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Panier moyen" in card


def test_no_two_cards_share_an_e_mail(db, demo):
    cards = db.exec(select(Client)).all()
    emails = Counter(c.email for c in cards if c.email)
    assert emails and emails.most_common(1)[0][1] == 1, emails.most_common(3)
    contacts = Counter(p.email for p in db.exec(select(ContactPerson)).all() if p.email)
    assert contacts.most_common(1)[0][1] == 1, contacts.most_common(3)
    pharmacies = [c for c in cards if c.company_name == "Pharmacie du Centre"]
    assert len({c.email for c in pharmacies if c.email}) == len([c for c in pharmacies if c.email])
    assert len({c.website for c in cards if c.website}) == len([c for c in cards if c.website])


def test_cards_sit_at_their_commune_and_say_it_is_approximate(app, db, demo, login):
    halls = {(c.postal_code, c.name): (c.lat, c.lon) for c in all_communes()}
    for card in db.exec(select(Client)).all():
        assert (card.latitude, card.longitude) == halls[(card.postal_code, card.city)], card.display_name
        assert card.geo_precision == "city"
    http = app.test_client()
    login(_user(db, f"claire@{DEMO_DOMAIN}"), password=DEMO_PASSWORD, http=http)
    pins = http.get("/map/pins.json").get_json()["pins"]
    assert pins and all(p["a"] == 1 for p in pins)  # dashed pins: "position approximate"


def _plans_on_working_days(db):
    open_followups = db.exec(select(FollowUp)).all()
    assert open_followups and all(is_working_day(f.due_date) for f in open_followups)
    starts = [timeutil.to_local(a.starts_at).date() for a in db.exec(select(Appointment)).all()]
    assert starts and all(is_working_day(day) for day in starts)
    assert all(is_working_day(p.purchased_on) for p in db.exec(select(Purchase)).all())
    return starts


def test_follow_ups_and_appointments_fall_on_working_days(app, db, demo):
    with app.app_context():
        _plans_on_working_days(db)


def test_loaded_on_a_saturday_the_plans_start_on_monday(app, db, set_now):
    set_now(SATURDAY)
    with app.test_request_context():
        load_demo(db, clients_per_rep=20)
        starts = _plans_on_working_days(db)
        monday = timeutil.today() + timedelta(days=2)
        assert min(starts) == monday  # "today's" appointments are Monday's
        due = {f.due_date for f in db.exec(select(FollowUp).where(FollowUp.status == "open")).all()}
        assert monday in due and timeutil.today() not in due


def test_working_days_skip_the_weekend():
    friday, saturday, sunday = (datetime(2026, 11, d).date() for d in (27, 28, 29))
    assert working_day_on_or_after(saturday) == working_day_on_or_after(sunday) == friday + timedelta(days=3)
    assert working_day_on_or_before(sunday) == friday and working_day_on_or_after(friday) == friday
