"""A follow-up made on a phone without network can be done or moved there before it is sent: the phone
names it by the id it gave it (the creation's action id, sent as the follow-up's uid), and the queue sends
the creation first. Each is done once; only its maker reaches a follow-up by that id."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.followups.models import FollowUp
from tests.factories import logged_in_http, make_client, make_user

JSON = {"Accept": "application/json"}


def queued(http, url, data, action_id=None):
    return http.post(url, data=data, headers={**JSON, "X-Action-Id": action_id or str(uuid.uuid4())})


def made_offline(http, rep, client, made, reason="Rappeler pour le devis", in_days=2):
    """The creation as the phone sends it: its action id is the follow-up's uid."""
    form = {"due_date": (timeutil.today() + timedelta(days=in_days)).isoformat(), "reason": reason,
            "assignee_id": str(rep.id), "uid": made}
    return queued(http, f"/clients/{client.id}/followups/new", form, made)


def followups_of(db, client):
    db.expire_all()
    return db.exec(select(FollowUp).where(FollowUp.client_id == client.id).order_by(FollowUp.id)).all()


def test_made_then_done_in_order_each_once(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    made, done = str(uuid.uuid4()), str(uuid.uuid4())
    for _replay in range(2):  # the whole queue sent twice (a second tab): nothing twice
        assert made_offline(http, rep, shop, made).status_code == 200
        answer = queued(http, f"/followups/made/{made}/done", {}, done)
        assert answer.status_code == 200, answer.data
    assert answer.json["replayed"]
    assert answer.json["location"].startswith(f"/clients/{shop.id}/log")  # then the log sheet, as online
    assert [(f.reason, f.status, f.uid) for f in followups_of(db, shop)] == [("Rappeler pour le devis", "done", made)]


def test_made_then_moved_to_tomorrow(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    made = str(uuid.uuid4())
    assert made_offline(http, rep, shop, made, in_days=0).status_code == 200  # due today
    moved = str(uuid.uuid4())
    for _replay in range(2):
        assert queued(http, f"/followups/made/{made}/snooze", {"days": "1"}, moved).status_code == 200
    [followup] = followups_of(db, shop)
    assert followup.status == "open" and followup.snoozed_count == 1
    assert followup.due_date > timeutil.today()


def test_done_before_its_creation_arrived_is_not_found_and_can_be_sent_again(app, db):
    rep = make_user(db)
    shop = make_client(db, rep)
    http = logged_in_http(app, rep)
    made, done = str(uuid.uuid4()), str(uuid.uuid4())
    assert queued(http, f"/followups/made/{made}/done", {}, done).status_code == 404
    assert made_offline(http, rep, shop, made).status_code == 200
    assert queued(http, f"/followups/made/{made}/done", {}, done).status_code == 200  # not remembered as done
    assert [f.status for f in followups_of(db, shop)] == ["done"]


def test_only_its_maker_reaches_a_follow_up_by_its_phone_id(app, db):
    rep, other, manager = make_user(db), make_user(db), make_user(db, "admin")
    shop = make_client(db, rep)
    made = str(uuid.uuid4())
    assert made_offline(logged_in_http(app, rep), rep, shop, made).status_code == 200
    for stranger in (other, manager):
        http = logged_in_http(app, stranger)
        assert queued(http, f"/followups/made/{made}/done", {}).status_code == 404
        assert http.post(f"/followups/made/{made}/snooze", data={"days": "1"}).status_code == 404
    assert [f.status for f in followups_of(db, shop)] == ["open"]
    assert logged_in_http(app, rep).post("/followups/made/not-a-uuid/done").status_code == 404
