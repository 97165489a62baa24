"""The same queued actions sent by two tabs (or a phone that retried) at once, to a served app
(gunicorn, 2 workers × 4 threads): each action is done once and every answer says "done"."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import requests
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.followups.models import FollowUp
from fieldcrm.outbox.models import QueuedAction
from tests.factories import PASSWORD, make_client, make_followup, make_user
from tests.served import csrf_token, in_parallel, serve

SENDERS = 12


def test_twelve_identical_sends_of_each_action_do_it_once(database_url, db, tmp_path):
    rep = make_user(db)
    shop = make_client(db, rep)
    due = make_followup(db, rep, shop, timeutil.today(), reason="Devis")
    create, snooze = str(uuid.uuid4()), str(uuid.uuid4())
    in_a_week = timeutil.today() + timedelta(days=7)
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code == 303
        token = csrf_token(http.get(f"{served.url}/clients/{shop.id}", timeout=10).text)
        sends = [(f"/clients/{shop.id}/followups/new", create,
                  {"due_date": in_a_week.isoformat(), "reason": "Rappeler", "assignee_id": str(rep.id)}),
                 (f"/followups/{due.id}/snooze", snooze, {"days": "3"})]

        def send(index: int):
            path, action, form = sends[index % 2]
            browser = requests.Session()
            browser.cookies.update(http.cookies)
            headers = {"X-CSRFToken": token, "X-Action-Id": action, "Accept": "application/json"}
            try:
                answer = browser.post(served.url + path, data=form, headers=headers, timeout=30)
                return answer.status_code, answer.json().get("replayed")
            except (requests.RequestException, ValueError) as error:
                return type(error).__name__, None

        answers = in_parallel(send, SENDERS)
        log = served.log()
    print(f"\n{SENDERS} sends of 2 actions on {db.bind.dialect.name}: {Counter(answers)}")
    assert Counter(answers) == {(200, False): 2, (200, True): SENDERS - 2}, log[-3000:]
    db.expire_all()
    mine = db.exec(select(FollowUp).where(FollowUp.client_id == shop.id).order_by(FollowUp.id)).all()
    assert [(f.reason, f.snoozed_count, f.due_date) for f in mine] == [
        ("Devis", 1, mine[0].due_date), ("Rappeler", 0, in_a_week)]  # snoozed once, created once
    assert mine[0].due_date >= timeutil.today() + timedelta(days=3)
    assert sorted(q.action_id for q in db.exec(select(QueuedAction)).all()) == sorted([create, snooze])
    assert "Traceback" not in log
