"""Handing a portfolio over: preview, confirmation, what moves with the clients, undo, the card's
history, who may do it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from fieldcrm.clients.models import Client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.handover.models import HandOver
from fieldcrm.tours.models import Tour, TourStop
from tests.factories import (
    make_appointment,
    make_client,
    make_followup,
    make_tour,
    make_user,
)

TODAY = date(2026, 11, 23)  # the clock of tests.daily_fixtures


def make_segment(db, owner, name, filters):
    from fieldcrm.segments.services import save_segment

    return save_segment(db, owner, filters, name, False, "")


@pytest.fixture
def yann(db, world):
    """Yann (team A) with three clients in Lyon, one in Villeurbanne, and what hangs on them."""
    rep = world["rep_a"]
    lyon = [make_client(db, rep, company_name=f"Lyon {i}", postal_code="69003", city="Lyon") for i in range(3)]
    villeurbanne = make_client(db, rep, company_name="Villeurbanne", postal_code="69100", city="Villeurbanne")
    clients = [*lyon, villeurbanne]
    followups = [make_followup(db, rep, c, date(2026, 11, 25), reason=f"Rappel {c.display_name}") for c in clients]
    done = make_followup(db, rep, lyon[0], date(2026, 11, 20), reason="Déjà fait")
    with db.info["app"].test_request_context():
        from fieldcrm.followups.services import complete_followup

        complete_followup(db, rep, done)
    coming = make_appointment(db, rep, lyon[1], datetime(2026, 11, 26, 9, tzinfo=UTC))
    past = make_appointment(db, rep, lyon[1], datetime(2026, 11, 20, 9, tzinfo=UTC))
    tour, stops = make_tour(db, rep, [lyon[0], villeurbanne], day=date(2026, 11, 27))
    old_tour, _old = make_tour(db, rep, [lyon[2]], day=date(2026, 11, 16))
    return {"rep": rep, "lyon": lyon, "villeurbanne": villeurbanne, "followups": followups, "done": done,
            "coming": coming, "past": past, "tour": tour, "stops": stops, "old_tour": old_tour}


@pytest.fixture
def as_manager(app, world, login):
    http = app.test_client()
    login(world["manager_a"], http=http)
    return http


def form(world, **extra):
    data = {"source": world["rep_a"].id, "target": world["rep_b"].id, "mode": "all", "sent": "1",
            "carry_followup": "1", "carry_appointment": "1", "carry_tour_stop": "1"}
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def confirm_data(preview_html: str) -> MultiDict:
    """The confirmation form's fields as the preview page sends them."""
    confirm = preview_html[preview_html.index('action="/handover/"'):]
    confirm = confirm[:confirm.index("</form>")]
    return MultiDict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm))


def owners(db, model, ids, column):
    db.expire_all()
    return {getattr(r, column) for r in db.exec(select(model).where(model.id.in_(ids))).all()}


def test_preview_counts_what_will_move_and_writes_nothing(as_manager, db, world, yann):
    page = as_manager.get("/handover/preview", query_string=form(world))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    summary = re.sub(r"\s+", " ", html[html.index('id="handover-summary"'):html.index("</p>", html.index(
        'id="handover-summary"'))])
    # 5 clients (Rémi's Boulangerie too), 4 open follow-ups (not the done one), 1 coming appointment (not the past one), the
    # 2 stops of the coming tour (not last week's).
    assert "5 clients, 4 open follow-ups, 1 appointment, 2 tour stops will go to Bea Rep." in summary
    # Where those stops go, against the cap on a tour's stops.
    assert "Friday 27 November: 2 to Bea Rep’s tour, 2 stops then (at most 100)." in re.sub(r"\s+", " ", html)
    assert owners(db, Client, [c.id for c in yann["lyon"]], "owner_id") == {yann["rep"].id}
    assert db.exec(select(HandOver)).first() is None


def test_confirm_moves_clients_and_what_hangs_on_them(as_manager, db, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(world)).get_data(as_text=True)
    response = as_manager.post("/handover/", data=confirm_data(html))
    assert response.status_code == 303
    rep_a, rep_b = world["rep_a"], world["rep_b"]
    clients = [c.id for c in [*yann["lyon"], yann["villeurbanne"]]]
    assert owners(db, Client, clients, "owner_id") == {rep_b.id}
    assert owners(db, FollowUp, [f.id for f in yann["followups"]], "assignee_id") == {rep_b.id}
    assert owners(db, FollowUp, [yann["done"].id], "assignee_id") == {rep_a.id}  # history stays as it was
    assert owners(db, Appointment, [yann["coming"].id], "owner_id") == {rep_b.id}
    assert owners(db, Appointment, [yann["past"].id], "owner_id") == {rep_a.id}
    new_tour = db.exec(select(Tour).where(Tour.owner_id == rep_b.id, Tour.day == date(2026, 11, 27))).one()
    assert {s.client_id for s in db.exec(select(TourStop).where(TourStop.tour_id == new_tour.id))} == {
        yann["lyon"][0].id, yann["villeurbanne"].id}
    assert db.exec(select(TourStop).where(TourStop.tour_id == yann["old_tour"].id)).one()  # the past tour stays
    # Bea's Today shows the follow-ups and her week the appointment.
    http = db.info["app"].test_client()
    from tests.factories import PASSWORD
    http.post("/login", data={"email": rep_b.email, "password": PASSWORD})
    week = http.get("/week?start=2026-11-23").get_data(as_text=True)
    assert "Rappel Lyon 0" in week and "Lyon 1" in week
    # The record says what moved and offers the undo.
    detail = as_manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 clients" in detail and "Undo this hand-over" in detail


def test_unticked_items_stay_with_the_former_owner(as_manager, db, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(
        world, carry_appointment=None, carry_tour_stop=None)).get_data(as_text=True)
    assert "5 clients, 4 open follow-ups will go to Bea Rep." in re.sub(r"\s+", " ", html)
    assert "Stay with Rémi Rep: Coming appointments, Tour stops still to do." in html
    assert as_manager.post("/handover/", data=confirm_data(html)).status_code == 303
    assert owners(db, Appointment, [yann["coming"].id], "owner_id") == {world["rep_a"].id}
    assert db.exec(select(Tour).where(Tour.owner_id == world["rep_b"].id)).first() is None


@pytest.mark.parametrize("extra, moved", [
    ({"mode": "places", "places": "villeurbanne"}, {"villeurbanne"}),
    ({"mode": "places", "places": "69003"}, {"lyon"}),
    ({"mode": "places", "places": "69"}, {"lyon", "villeurbanne", "boulangerie"}),
    ({"mode": "places", "places": "LYON, 69100"}, {"lyon", "villeurbanne", "boulangerie"}),
])
def test_part_of_a_portfolio_by_communes(as_manager, db, world, yann, extra, moved):
    html = as_manager.get("/handover/preview", query_string=form(world, **extra)).get_data(as_text=True)
    assert as_manager.post("/handover/", data=confirm_data(html)).status_code == 303
    named = {"lyon": yann["lyon"], "villeurbanne": [yann["villeurbanne"]], "boulangerie": [world["client_a"]]}
    expected = {c.id for key in moved for c in named[key]}
    db.expire_all()
    mine = {c.id for c in db.exec(select(Client).where(Client.owner_id == world["rep_b"].id)).all()}
    assert mine - {world["client_b"].id} == expected


def test_part_of_a_portfolio_chosen_clients_and_segment(as_manager, db, world, yann):
    chosen = [yann["lyon"][1].id, yann["villeurbanne"].id]
    html = as_manager.get("/handover/preview", query_string=form(world, mode="clients", client=chosen)
                          ).get_data(as_text=True)
    assert "2 clients, 2 open follow-ups, 1 appointment, 1 tour stop will go to Bea Rep." in re.sub(r"\s+", " ", html)
    as_manager.post("/handover/", data=confirm_data(html))
    assert owners(db, Client, chosen, "owner_id") == {world["rep_b"].id}
    assert owners(db, Client, [yann["lyon"][0].id], "owner_id") == {world["rep_a"].id}
    segment = make_segment(db, world["manager_a"], "Lyon", {"q": "lyon"})
    html = as_manager.get("/handover/preview", query_string=form(world, mode="segment", segment=segment.id)
                          ).get_data(as_text=True)
    # Lyon 0, Lyon 2 and the Boulangerie in Lyon: the others left already.
    assert "3 clients, 2 open follow-ups, 0 appointments, 1 tour stop will go" in re.sub(r"\s+", " ", html)


def test_target_is_never_preselected_and_only_reps_and_managers_in_reach(app, db, world, login):
    http = app.test_client()
    login(world["admin"], http=http)
    html = http.get("/handover/").get_data(as_text=True)
    target = html[html.index('id="target"'):html.index("</select>", html.index('id="target"'))]
    assert "selected" not in target
    assert world["admin"].name not in target and world["rep_c"].name in target
    http = app.test_client()
    login(world["manager_a"], http=http)
    html = http.get("/handover/").get_data(as_text=True)
    target = html[html.index('id="target"'):html.index("</select>", html.index('id="target"'))]
    assert world["rep_b"].name in target and world["rep_c"].name not in target and "Ada Admin" not in target
    # A client of another team cannot be forged into the selection, nor someone out of reach as target.
    page = http.get("/handover/preview", query_string=form(world, target=world["rep_c"].id))
    assert page.status_code == 422 and "Choose who receives" in page.get_data(as_text=True)
    page = http.get("/handover/preview", query_string=form(world, source=world["rep_c"].id))
    assert page.status_code == 422


def test_reps_cannot_hand_over(as_rep, world, yann):
    assert as_rep.get("/handover/").status_code == 404
    assert as_rep.get("/handover/preview", query_string=form(world)).status_code == 404
    assert as_rep.post("/handover/", data=form(world)).status_code == 404


def test_undo_gives_back_what_nobody_changed_since(as_manager, app, db, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(world)).get_data(as_text=True)
    detail_url = as_manager.post("/handover/", data=confirm_data(html)).headers["Location"]
    rep_b, manager = world["rep_b"], world["manager_a"]
    # Since: Bea completes one follow-up, the manager gives one client on to himself.
    with app.test_request_context():
        from fieldcrm.followups.services import complete_followup

        complete_followup(db, rep_b, db.get(FollowUp, yann["followups"][0].id))
    moved_on = db.get(Client, yann["lyon"][2].id)
    moved_on.owner_id = manager.id
    db.add(moved_on)
    db.commit()
    assert as_manager.post(detail_url + "/undo").status_code == 303
    rep_a = world["rep_a"]
    assert owners(db, Client, [yann["lyon"][0].id, yann["lyon"][1].id, yann["villeurbanne"].id],
                  "owner_id") == {rep_a.id}
    assert owners(db, Client, [moved_on.id], "owner_id") == {manager.id}  # the later change stands
    assert owners(db, FollowUp, [f.id for f in yann["followups"][1:]], "assignee_id") == {rep_a.id}
    assert owners(db, FollowUp, [yann["followups"][0].id], "assignee_id") == {rep_b.id}
    assert owners(db, Appointment, [yann["coming"].id], "owner_id") == {rep_a.id}
    assert {s.tour_id for s in db.exec(select(TourStop).where(TourStop.id.in_([s.id for s in yann["stops"]])))} \
        == {yann["tour"].id}
    detail = as_manager.get(detail_url).get_data(as_text=True)
    assert "1 client (given to someone else or deleted)" in detail
    assert "1 follow-up (done, cancelled or reassigned)" in detail
    # A second undo changes nothing and says so.
    as_manager.post(detail_url + "/undo")
    assert "already undone" in as_manager.get(detail_url).get_data(as_text=True)


def test_the_card_history_keeps_the_hand_over(as_manager, db, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(world)).get_data(as_text=True)
    detail_url = as_manager.post("/handover/", data=confirm_data(html)).headers["Location"]
    card = as_manager.get(f"/clients/{yann['lyon'][0].id}").get_data(as_text=True)
    assert "Handed over" in card and "from Rémi Rep to Bea Rep" in card
    as_manager.post(detail_url + "/undo")
    card = as_manager.get(f"/clients/{yann['lyon'][0].id}").get_data(as_text=True)
    assert "Hand-over undone" in card and "from Bea Rep to Rémi Rep" in card


def test_confirmation_with_stale_figures_moves_nothing(as_manager, db, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(world)).get_data(as_text=True)
    make_client(db, world["rep_a"], company_name="Arrivé entre-temps")
    response = as_manager.post("/handover/", data=confirm_data(html))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed since the preview" in page and "6 clients" in page
    assert db.exec(select(HandOver)).first() is None
    assert owners(db, Client, [c.id for c in yann["lyon"]], "owner_id") == {world["rep_a"].id}


def test_a_manager_never_sees_another_teams_hand_over(app, db, world, yann, as_manager, login):
    html = as_manager.get("/handover/preview", query_string=form(world)).get_data(as_text=True)
    detail_url = as_manager.post("/handover/", data=confirm_data(html)).headers["Location"]
    from fieldcrm.accounts.models import Team

    other = make_user(db, "manager", db.get(Team, world["rep_c"].team_id), name="Manager Sud-Est")
    http = app.test_client()
    login(other, http=http)
    assert http.get(detail_url).status_code == 404
    assert http.post(detail_url + "/undo").status_code == 404


@pytest.mark.parametrize("fragment", [False, True], ids=["page", "htmx"])
def test_hand_over_records_are_for_the_team_manager_and_admins(app, db, world, login, fragment):
    from fieldcrm.accounts.models import Team
    from tests.factories import hand_over

    record = hand_over(db, world["manager_a"], world["rep_a"], world["rep_b"])
    headers = {"HX-Request": "true"} if fragment else {}
    url = f"/handover/{record.id}"
    anonymous = app.test_client().get(url, headers=headers)
    assert anonymous.status_code in (204, 302)  # to the login page (HX-Redirect for htmx)
    other_manager = make_user(db, "manager", db.get(Team, world["rep_c"].team_id))
    for who, status in (("rep_a", 404), ("rep_b", 404), ("rep_c", 404), ("other", 404),
                        ("manager_a", 200), ("admin", 200)):
        http = app.test_client()
        login(other_manager if who == "other" else world[who], http=http)
        response = http.get(url, headers=headers)
        assert response.status_code == status, who
        if status == 200:
            assert (b"<html" in response.data) != fragment
        else:
            assert http.post(url + "/undo", headers=headers).status_code == 404
    db.expire_all()
    assert db.get(HandOver, record.id).undone_at is None


def test_the_preview_names_the_clients_and_the_list_leads_to_it(as_manager, world, yann):
    html = as_manager.get("/handover/preview", query_string=form(world, mode="places", places="Villeurbanne")
                          ).get_data(as_text=True)
    names = html[html.index('id="handover-names"'):html.index("</ul>", html.index('id="handover-names"'))]
    assert "Villeurbanne" in names and "Lyon 0" not in names
    listed = as_manager.get(f"/clients?owner={world['rep_a'].id}").get_data(as_text=True)
    assert f'href="/handover/?source={world["rep_a"].id}"' in listed


def test_stops_that_would_overfill_the_receivers_tour_are_shown_and_refused(as_manager, db, world, yann):
    """Bea's tour on Friday 27 already holds as many stops as a tour may, less one: Rémi's two stops
    that day cannot join it. The preview says which day and how many, offers no confirmation, and a
    confirmation sent anyway moves nothing; without the tour stops the hand-over goes through."""
    from fieldcrm.tours.services import MAX_TOUR_STOPS
    from tests.factories import copy_located_clients

    rep_b = world["rep_b"]
    model = make_client(db, rep_b, company_name="Modèle")
    copy_located_clients(db, model, [(rep_b.id, 45.7, 4.8)] * (MAX_TOUR_STOPS - 2), name="Plein")
    full = db.exec(select(Client).where(Client.owner_id == rep_b.id, Client.id != world["client_b"].id)).all()
    assert len(full) == MAX_TOUR_STOPS - 1
    make_tour(db, rep_b, full, day=date(2026, 11, 27))
    page = as_manager.get("/handover/preview", query_string=form(world))
    html = re.sub(r"\s+", " ", page.get_data(as_text=True))
    assert page.status_code == 200
    assert "5 clients, 4 open follow-ups, 1 appointment, 2 tour stops will go to Bea Rep." in html
    assert "Bea Rep’s tours cannot take these stops: a tour holds at most 100 stops." in html
    assert "Friday 27 November: 99 stops already, 2 more would make 101." in html
    assert 'action="/handover/"' not in html  # nothing to confirm
    forged = MultiDict(form(world))
    forged.update({"expected_clients": "5", "expected_followups": "4", "expected_appointments": "1",
                   "expected_tour_stops": "2"})
    refused = as_manager.post("/handover/", data=forged)
    assert refused.status_code == 422 and "cannot take these stops" in refused.get_data(as_text=True)
    assert db.exec(select(HandOver)).first() is None
    assert owners(db, Client, [c.id for c in yann["lyon"]], "owner_id") == {world["rep_a"].id}
    html = as_manager.get("/handover/preview", query_string=form(world, carry_tour_stop=None)).get_data(as_text=True)
    assert "cannot take these stops" not in html
    assert as_manager.post("/handover/", data=confirm_data(html)).status_code == 303
    assert owners(db, Client, [c.id for c in yann["lyon"]], "owner_id") == {rep_b.id}
    assert {s.tour_id for s in db.exec(select(TourStop).where(TourStop.id.in_([s.id for s in yann["stops"]])))} \
        == {yann["tour"].id}  # the stops stayed on Rémi's tour
