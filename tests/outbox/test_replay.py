"""An action a phone queued is done once per action id, whatever the replays: the second send answers
what the first one did; a refused action (the form's errors) is not remembered, so it can be sent again
corrected; another person's identical id is another action."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.outbox import replay
from fieldcrm.outbox.models import QueuedAction
from fieldcrm.tours.models import TourStop
from tests.factories import logged_in_http, make_client, make_followup, make_tour, make_user

JSON = {"Accept": "application/json"}


def queued(http, url, data, action_id=None):
    headers = {**JSON, "X-Action-Id": action_id or str(uuid.uuid4())}
    return http.post(url, data=data, headers=headers)


def followups_of(db, client):
    db.expire_all()
    return db.exec(select(FollowUp).where(FollowUp.client_id == client.id).order_by(FollowUp.id)).all()


def test_a_replayed_follow_up_is_created_once_and_gets_the_first_answer(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    action = str(uuid.uuid4())
    form = {"due_date": (timeutil.today() + timedelta(days=3)).isoformat(), "reason": "Relancer le devis",
            "assignee_id": str(rep.id)}
    first = queued(http, f"/clients/{shop.id}/followups/new", form, action)
    again = queued(http, f"/clients/{shop.id}/followups/new", form, action)
    assert first.status_code == again.status_code == 200
    assert first.json["done"] and not first.json["replayed"] and again.json["replayed"]
    assert first.json["location"] == again.json["location"] == f"/clients/{shop.id}"
    assert [f.reason for f in followups_of(db, shop)] == ["Relancer le devis"]
    stored = db.exec(select(QueuedAction)).all()
    assert [(q.user_id, q.action_id, q.endpoint, q.status) for q in stored] == [
        (rep.id, action, "followups.new", 303)]


def test_without_an_action_id_the_form_works_as_before(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    answer = http.post(f"/clients/{shop.id}/followups/new",
                       data={"due_date": timeutil.today().isoformat(), "reason": "Rappeler", "assignee_id": str(rep.id)})
    assert answer.status_code == 303 and len(followups_of(db, shop)) == 1
    assert db.exec(select(QueuedAction)).all() == []


def test_a_refused_action_is_not_remembered_and_can_be_sent_again_corrected(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    action = str(uuid.uuid4())
    refused = queued(http, f"/clients/{shop.id}/followups/new", {"due_date": "31/02/2026", "reason": "x"}, action)
    assert refused.status_code == 422 and followups_of(db, shop) == []
    assert db.exec(select(QueuedAction)).all() == []
    fixed = queued(http, f"/clients/{shop.id}/followups/new",
                   {"due_date": timeutil.today().isoformat(), "reason": "x", "assignee_id": str(rep.id)}, action)
    assert fixed.status_code == 200 and not fixed.json["replayed"] and len(followups_of(db, shop)) == 1


def test_done_snooze_stop_and_appointment_are_each_done_once(app, db):
    rep = make_user(db)
    shop, bakery = make_client(db, rep), make_client(db, rep)
    due = make_followup(db, rep, shop, timeutil.today(), reason="Devis")
    later = make_followup(db, rep, bakery, timeutil.today(), reason="Catalogue")
    _tour, stops = make_tour(db, rep, [shop, bakery], day=timeutil.today())
    http = logged_in_http(app, rep)
    start = (timeutil.today() + timedelta(days=2)).isoformat()
    sends = [(f"/followups/{due.id}/done", {}), (f"/followups/{later.id}/snooze", {"days": "7"}),
             (f"/tours/{stops[0].tour_id}/stops/{stops[0].id}/state", {"state": "done"}),
             (f"/clients/{shop.id}/appointments/new", {"starts_at": f"{start}T10:00", "ends_at": f"{start}T11:00",
                                                      "assignee_id": str(rep.id)})]
    for url, form in sends:
        action = str(uuid.uuid4())
        answers = [queued(http, url, form, action) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200], url
        assert [a.json["replayed"] for a in answers] == [False, True, True]
    db.expire_all()
    assert db.get(FollowUp, due.id).status == "done"
    moved = db.get(FollowUp, later.id)
    assert moved.snoozed_count == 1 and moved.due_date >= timeutil.today() + timedelta(days=7)  # snoozed once
    assert db.get(TourStop, stops[0].id).state == "done"
    assert len(db.exec(select(Appointment).where(Appointment.client_id == shop.id)).all()) == 1


def test_the_same_action_id_from_someone_else_is_their_own_action(app, db):
    rep, other = make_user(db), make_user(db)
    shop, garage = make_client(db, rep), make_client(db, other)
    action = str(uuid.uuid4())
    for user, client in ((rep, shop), (other, garage)):
        answer = queued(logged_in_http(app, user), f"/clients/{client.id}/followups/new",
                        {"due_date": timeutil.today().isoformat(), "reason": "Rappeler", "assignee_id": str(user.id)},
                        action)
        assert answer.status_code == 200 and not answer.json["replayed"]
    assert len(followups_of(db, shop)) == len(followups_of(db, garage)) == 1


def test_an_action_id_that_is_not_one_is_refused(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    answer = queued(logged_in_http(app, rep), f"/clients/{shop.id}/followups/new",
                    {"due_date": timeutil.today().isoformat(), "reason": "x"}, "'; drop table x; --")
    assert answer.status_code == 400 and followups_of(db, shop) == []


def test_signed_out_the_action_waits_for_the_login_and_nothing_is_remembered(client, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    answer = queued(client, f"/clients/{shop.id}/followups/new", {"due_date": timeutil.today().isoformat()})
    assert answer.status_code in (302, 303, 401) and "/login" in answer.headers.get("Location", "/login")
    assert followups_of(db, shop) == [] and db.exec(select(QueuedAction)).all() == []


def test_an_authors_records_older_than_the_keeping_time_go_when_they_act_again(app, db):
    rep, other = make_user(db), make_user(db)
    shop = make_client(db, rep)
    long_ago = timeutil.utcnow() - timedelta(days=replay.KEPT_DAYS + 1)
    old_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    db.add(QueuedAction(user_id=rep.id, action_id=old_ids[0], endpoint="followups.new", status=303,
                        created_at=long_ago))
    db.add(QueuedAction(user_id=other.id, action_id=old_ids[1], endpoint="followups.new", status=303,
                        created_at=long_ago))
    db.commit()
    answer = queued(logged_in_http(app, rep), f"/clients/{shop.id}/followups/new",
                    {"due_date": timeutil.today().isoformat(), "reason": "x", "assignee_id": str(rep.id)})
    assert answer.status_code == 200
    db.expire_all()
    kept = {(q.user_id, q.action_id) for q in db.exec(select(QueuedAction)).all()}
    assert (rep.id, old_ids[0]) not in kept and (other.id, old_ids[1]) in kept and len(kept) == 2
