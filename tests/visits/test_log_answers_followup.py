"""A log opened from a follow-up (Today, /followups, a tour stop) closes it in the log's transaction,
its next step replaces it, a replay changes nothing, and another rep's follow-up is never touched."""

from __future__ import annotations

import re
import uuid
from datetime import date
from html import unescape

from sqlmodel import select

from fieldcrm.followups.models import FollowUp
from fieldcrm.visits.models import Interaction
from tests.factories import make_client, make_followup, make_interaction, make_tour

HTMX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


def open_followups(db, client) -> list[FollowUp]:
    db.expire_all()
    return list(db.exec(select(FollowUp).where(FollowUp.client_id == client.id, FollowUp.status == "open")))


def log_link(page: str, followup: FollowUp) -> str:
    """The "Log" link of the follow-up's line, as the rep taps it."""
    links = [unescape(href) for href in re.findall(r'class="act act-log" href="([^"]+)"', page)]
    return next(link for link in links if f"followup_id={followup.id}" in link)


def sheet_fields(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}


# --- the use case ------------------------------------------------------------------------------------

def test_the_log_closes_the_followup_and_its_call_back_replaces_it(app, db, world):
    client = world["client_a"]
    overdue = make_followup(db, world["rep_a"], client, date(2026, 11, 18), reason="Devis")
    make_interaction(db, world["rep_a"], client, kind="phone", outcome="call_back",
                     follow_up_on=date(2026, 11, 30), followup_id=overdue.id)
    remaining = open_followups(db, client)
    assert [f.due_date for f in remaining] == [date(2026, 11, 30)]
    closed = db.get(FollowUp, overdue.id)
    assert closed.status == "done" and closed.closed_at is not None


def test_a_replayed_log_closes_and_creates_nothing_twice(app, db, world):
    client = world["client_a"]
    overdue = make_followup(db, world["rep_a"], client, date(2026, 11, 18))
    uid = str(uuid.uuid4())
    fields = {"uid": uid, "kind": "phone", "outcome": "call_back", "follow_up_on": date(2026, 11, 30),
              "followup_id": overdue.id}
    make_interaction(db, world["rep_a"], client, **fields)
    first_closed_at = db.get(FollowUp, overdue.id).closed_at
    make_interaction(db, world["rep_a"], client, **fields)
    db.expire_all()
    assert len(db.exec(select(Interaction)).all()) == 1
    assert len(open_followups(db, client)) == 1
    assert db.get(FollowUp, overdue.id).closed_at == first_closed_at


def test_a_followup_out_of_reach_or_on_another_client_stays_open(app, db, world):
    theirs = make_followup(db, world["rep_b"], world["client_b"], date(2026, 11, 18))
    other_client = make_client(db, world["rep_a"], company_name="Menuiserie Étienne")
    elsewhere = make_followup(db, world["rep_a"], other_client, date(2026, 11, 18))
    for followup in (theirs, elsewhere):
        make_interaction(db, world["rep_a"], world["client_a"], followup_id=followup.id)
    db.expire_all()
    assert {db.get(FollowUp, f.id).status for f in (theirs, elsewhere)} == {"open"}


# --- each place the sheet opens from ------------------------------------------------------------------

def test_from_today_the_sheet_carries_the_followup_and_the_log_closes_it(as_rep, db, world):
    client = world["client_a"]
    overdue = make_followup(db, world["rep_a"], client, date(2026, 11, 18), reason="Devis")
    sheet = as_rep.get(log_link(as_rep.get("/").get_data(as_text=True), overdue))
    assert sheet.status_code == 200
    fields = sheet_fields(sheet.get_data(as_text=True))
    assert fields["followup_id"] == str(overdue.id)
    response = as_rep.post(f"/clients/{client.id}/log", headers=HTMX,
                           data={**fields, "kind": "phone", "outcome": "call_back", "follow_up_on": "2026-11-30"})
    assert response.status_code == 201
    assert [f.due_date for f in open_followups(db, client)] == [date(2026, 11, 30)]
    assert "Devis" not in as_rep.get("/").get_data(as_text=True)


def test_from_the_followups_list_and_replayed_from_the_offline_queue(as_rep, db, world):
    client = world["client_a"]
    due = make_followup(db, world["rep_a"], client, date(2026, 11, 23), reason="Relance")
    sheet = as_rep.get(log_link(as_rep.get("/followups").get_data(as_text=True), due))
    fields = sheet_fields(sheet.get_data(as_text=True))
    assert fields["followup_id"] == str(due.id)
    queued = {**fields, "outcome": "reached"}  # the outbox replays the form data as it was
    answers = [as_rep.post(f"/clients/{client.id}/log", headers=JSON, data=queued) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 200]
    assert open_followups(db, client) == []
    assert len(db.exec(select(Interaction)).all()) == 1


def test_from_a_tour_stop_the_log_answers_the_followup_due_that_day(as_rep, db, world):
    client = world["client_a"]
    client.latitude, client.longitude, client.geo_precision = 45.76, 4.83, "street"
    db.add(client)
    db.commit()
    followup = make_followup(db, world["rep_a"], client, date(2026, 11, 23))
    tour, stops = make_tour(db, world["rep_a"], [client])
    done = as_rep.post(f"/tours/{tour.id}/stops/{stops[0].id}/state", data={"state": "done"})
    assert done.status_code == 303 and f"followup_id={followup.id}" in done.headers["Location"]
    fields = sheet_fields(as_rep.get(done.headers["Location"]).get_data(as_text=True))
    assert as_rep.post(f"/clients/{client.id}/log", data={**fields, "outcome": "reached"}).status_code == 303
    assert open_followups(db, client) == []


def test_another_reps_followup_is_404_to_open_and_a_log_naming_it_closes_nothing(as_rep, db, world):
    theirs = make_followup(db, world["rep_b"], world["client_b"], date(2026, 11, 18))
    mine_elsewhere = make_followup(db, world["rep_a"], make_client(db, world["rep_a"], company_name="Vincent & Fils"),
                                   date(2026, 11, 18))
    url = f"/clients/{world['client_a'].id}/log"
    for followup in (theirs, mine_elsewhere):
        assert as_rep.get(url, query_string={"followup_id": followup.id}).status_code == 404
        # A log queued offline is kept even if its follow-up left the rep's reach meanwhile; it closes
        # nothing that is not on this client and within reach, and says nothing about it.
        posted = as_rep.post(url, data={"uid": str(uuid.uuid4()), "outcome": "reached", "followup_id": followup.id})
        assert posted.status_code == 303
    db.expire_all()
    assert len(db.exec(select(Interaction).where(Interaction.client_id == world["client_a"].id)).all()) == 2
    assert {db.get(FollowUp, f.id).status for f in (theirs, mine_elsewhere)} == {"open"}
