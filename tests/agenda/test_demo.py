"""The demo data (`fieldcrm demo`): a rep logging in finds a day to work with — overdue follow-ups,
today's appointments, clients due for a visit — over months of history whose derived dates are exactly
what the quick log would have left."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.agenda.models import CadenceRule
from fieldcrm.clients.models import Client
from fieldcrm.demo import DEMO_DOMAIN, DEMO_PASSWORD, load_demo
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits.models import Interaction, QuickPhrase
from fieldcrm.visits.services import counts_as_contact, counts_as_visit


@pytest.fixture
def demo(app, db, set_now):
    with app.test_request_context():
        logins = load_demo(db, clients_per_rep=25)
    return logins


def test_the_demo_loads_people_history_and_settings(app, db, demo):
    assert demo[f"yann@{DEMO_DOMAIN}"] == "rep" and demo[f"manager.ouest@{DEMO_DOMAIN}"] == "manager"
    assert len(db.exec(select(Client)).all()) == 4 * 25
    interactions = db.exec(select(Interaction)).all()
    assert len(interactions) > 100
    now = timeutil.now()
    with app.app_context():
        past_days = {timeutil.to_local(i.occurred_at).date() for i in interactions}
    assert all(i.occurred_at < now for i in interactions)  # history only, nothing logged in the future
    assert all(day.weekday() < 5 for day in past_days)  # reps work on weekdays
    assert {i.kind for i in interactions} >= {"visit", "phone", "email"}
    assert len({i.outcome for i in interactions}) >= 5
    notes = [i.note for i in interactions if i.note]
    assert len(notes) > 50 and any("Commande" in n for n in notes)
    assert len(db.exec(select(QuickPhrase)).all()) >= 3
    rules = {(r.field, r.value): r.days for r in db.exec(select(CadenceRule)).all()}
    assert rules[("status", "client")] == 30
    with app.test_request_context(), pytest.raises(RuntimeError):
        load_demo(db)  # only into an empty database


def test_last_contact_and_last_visit_are_what_the_quick_log_keeps(db, demo):
    contact, visit = defaultdict(lambda: None), defaultdict(lambda: None)
    for i in db.exec(select(Interaction)).all():
        if counts_as_contact(i.kind, i.outcome) and (contact[i.client_id] is None or i.occurred_at > contact[i.client_id]):
            contact[i.client_id] = i.occurred_at
        if counts_as_visit(i.kind, i.outcome) and (visit[i.client_id] is None or i.occurred_at > visit[i.client_id]):
            visit[i.client_id] = i.occurred_at
    clients = db.exec(select(Client)).all()
    assert sum(1 for c in clients if c.last_visit_at) > 20
    for c in clients:
        assert (c.last_contact_at, c.last_visit_at) == (contact[c.id], visit[c.id]), c.display_name


def test_each_rep_has_a_day_planned_around_the_real_date(app, db, demo):
    today = timeutil.today()
    reps = [email for email, role in demo.items() if role == "rep"]
    assert len(reps) == 4
    for email in reps:
        from fieldcrm.accounts.models import User

        rep = db.exec(select(User).where(User.email == email)).one()
        open_ones = db.exec(select(FollowUp).where(FollowUp.assignee_id == rep.id, FollowUp.status == "open")).all()
        assert sum(f.due_date < today for f in open_ones) >= 3, email
        assert 1 <= sum(f.due_date == today for f in open_ones) <= 3, email
        assert sum(f.due_date > today for f in open_ones) >= 5, email
        appointments = db.exec(select(Appointment).where(Appointment.owner_id == rep.id)).all()
        with app.app_context():
            starts = [timeutil.to_local(a.starts_at) for a in appointments]
        todays = [s for s in starts if s.date() == today]
        assert 1 <= len(todays) <= 3, email
        assert all(8 <= s.hour < 18 for s in starts), email  # sane hours
        assert all(today <= s.date() <= today + timedelta(days=10) for s in starts), email
        assert all(a.interaction_id for a in appointments)  # each set by a call logged before


def test_today_of_a_demo_rep_is_full(app, db, demo, login):
    from fieldcrm.accounts.models import User

    yann = db.exec(select(User).where(User.email == f"yann@{DEMO_DOMAIN}")).one()
    http = app.test_client()
    login(yann, password=DEMO_PASSWORD, http=http)
    page = http.get("/").get_data(as_text=True)
    assert re.search(r'<h2 id="h-overdue"><span class="count">\d+</span> overdue follow-ups?</h2>', page)
    assert re.search(r'<h2 id="h-appointments"><span class="count">[123]</span> appointments?</h2>', page)
    assert re.search(r'<h2 id="h-due"><span class="count">\d+\+?</span> clients? due for a visit</h2>', page)
    assert page.count("days late") + page.count("day late") >= 3
    assert "Nothing planned today." not in page
    # The manager of the Ouest team follows Yann's and Claire's follow-ups.
    manager = db.exec(select(User).where(User.email == f"manager.ouest@{DEMO_DOMAIN}")).one()
    boss = app.test_client()
    login(manager, password=DEMO_PASSWORD, http=boss)
    team = boss.get("/followups", query_string={"who": "team"}).get_data(as_text=True)
    assert "Yann Le Bihan" in team and "Claire Moreau" in team and "Karim Benali" not in team
    assert "Point stock demandé par Marc" in team


def test_each_rep_drove_a_tour_and_todays_starts_from_the_office(app, db, demo):
    from fieldcrm.accounts.models import User
    from fieldcrm.tours import services as tours
    from fieldcrm.tours.models import Tour

    reps = db.exec(select(User).where(User.role == "rep")).all()
    assert len(reps) == 4
    today = timeutil.today()
    for rep in reps:
        driven = db.exec(select(Tour).where(Tour.owner_id == rep.id)).all()
        assert len(driven) == 1 and driven[0].day < today and driven[0].day.weekday() < 5
        past = driven[0]
        assert past.start_label.startswith("Bureau, ") and past.planned_at is not None and past.distance_m > 0
        stops = tours.stops_of(db, past, rep)
        assert len(stops) == 6 and all(stop.state == "done" for stop, _client in stops)
        assert all(client.owner_id == rep.id for _stop, client in stops)
        with app.test_request_context():
            todays = tours.tour_for_day(db, rep, today)
        assert (todays.start_label, todays.start_lat) == (past.start_label, past.start_lat)


def test_demo_cards_hold_only_values_the_field_rules_keep(db, demo):
    """Mainland French numbers (landlines of the rep's region, 06/07 mobiles), valid SIRETs and e-mails:
    each value is what the shared rule makes of it."""
    from fieldcrm import fieldrules
    from fieldcrm.accounts.models import User
    from fieldcrm.clients.models import ContactPerson
    from fieldcrm.demo import REPS

    region_prefix = {name: "+33" + prefix[1:] for _team, name, _departments, prefix in REPS}
    owners = {u.id: u.name for u in db.exec(select(User)).all()}
    for card in db.exec(select(Client)).all():
        assert card.phone.startswith(region_prefix[owners[card.owner_id]]), card.phone
        assert card.mobile is None or card.mobile[:4] in ("+336", "+337"), card.mobile
        for number in filter(None, (card.phone, card.mobile)):
            assert fieldrules.phone(number) == number
        assert card.siret is None or fieldrules.siret(card.siret) == card.siret
        assert card.email is None or fieldrules.email(card.email) == card.email
        assert card.website is None or fieldrules.website(card.website) == card.website
        assert fieldrules.postal_code(card.postal_code, card.country, city=card.city) == card.postal_code
    for contact in db.exec(select(ContactPerson)).all():
        assert contact.email is None or fieldrules.email(contact.email) == contact.email
