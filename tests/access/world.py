"""The world the access tests walk: three portfolios (rep_a and rep_b in manager_a's team, rep_c in
another team, an admin) and one record of every kind a URL can name, all rep_a's."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from fieldcrm import timeutil
from fieldcrm.clients import services as clients
from fieldcrm.dedupe import services as dedupe
from fieldcrm.handover import services as handover
from fieldcrm.imports import services as imports
from fieldcrm.privacy import requests as privacy_requests
from fieldcrm.sales import services as sales
from fieldcrm.segments import services as segments
from fieldcrm.timeutil import UTC
from fieldcrm.visits import services as visits
from tests.factories import (
    hand_over,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_tour,
    portfolio_world,
)

HTMX = {"HX-Request": "true"}
NAMES = ("Boulangerie Hélène", "Garage Bernard", "Cave Castagné")
# What each user's lists, searches, pins and exports show: their own portfolio, their team's for a manager.
EXPECTED = {"rep_a": {"Boulangerie Hélène"}, "rep_b": {"Garage Bernard"}, "rep_c": {"Cave Castagné"},
            "manager_a": {"Boulangerie Hélène", "Garage Bernard"}, "admin": set(NAMES)}
# Written in rep_a's log: a page shown to anyone else must never carry it.
SECRET_NOTE = "Cave Castagné? no: secret"


def build_world(app, db) -> dict:
    """The portfolios, then rep_a's contact, tour, log, follow-up, appointment, undoable deletion,
    import, purchase, campaign, merge, second card and private segment (rep_b shares one with the team)."""
    w = portfolio_world(db)
    rep = w["rep_a"]
    with app.test_request_context():
        w["contact_a"] = clients.save_contact(db, rep, w["client_a"], {"last_name": "Durand"})
    w["tour_a"], stops = make_tour(db, rep, [w["client_a"]])
    w["stop_a"] = stops[0]
    w["interaction_a"] = make_interaction(db, rep, w["client_a"], note=SECRET_NOTE)
    w["followup_a"] = make_followup(db, rep, w["client_a"], date(2026, 11, 30), reason="Relance",
                                    uid="7d1f2c3a-5b6e-4f70-8a9b-0c1d2e3f4a5b")  # as made on rep_a's phone
    w["appointment_a"] = make_appointment(db, rep, w["client_a"], datetime(2026, 12, 1, 9, tzinfo=UTC))
    removed = make_interaction(db, rep, w["client_a"], note="Cave Castagné, supprimé")
    w["other_a"] = make_client(db, rep, company_name="Boulangerie Hélène bis", postal_code="69001")
    x = make_client(db, rep, company_name="Fusion A")
    y = make_client(db, rep, company_name="Fusion B")
    with app.test_request_context():
        w["deletion_a"] = visits.delete_interaction(db, rep, removed)
        w["import_a"] = imports.upload(db, rep, "mes clients.csv",
                                       io.BytesIO("Raison sociale;CP\nCave Castagné;13002\n".encode()))
        w["purchase_a"] = sales.add_purchase(db, rep, w["client_a"], {
            "purchased_on": date(2026, 10, 1), "amount": Decimal("120.50"), "product": "Four"})
        w["campaign_a"] = sales.create_campaign(db, rep, {"name": "Noël", "channel": "email",
                                                          "sent_on": date(2026, 11, 20), "offer": None})
        w["merge_a"] = dedupe.merge_clients(db, rep, x, y, set())
        w["segment_a"] = segments.save_segment(db, rep, {"city": "lyon"}, "Lyonnais", False, "#0f5e6e")
        w["segment_b"] = segments.save_segment(db, w["rep_b"], {}, "Équipe A", True, "#b3261e")
        # A request of the register about rep_a's client (the register is the admin's alone).
        w["request_a"] = privacy_requests.create_request(db, w["admin"], "access", timeutil.today(),
                                                         client=w["client_a"])
    # A hand-over of one of rep_a's cards to rep_b by their manager, undone: everything is back.
    given = make_client(db, rep, company_name="Transmise puis reprise")
    w["handover_a"] = hand_over(db, w["manager_a"], rep, w["rep_b"], clients=[given])
    with app.test_request_context():
        handover.undo(db, w["manager_a"], w["handover_a"])
    return w


@pytest.fixture
def access_world(app, db):
    """A fresh world per test, for tests that change it."""
    return build_world(app, db)
