"""Twenty phones (or one phone's outbox, twenty times) send the same quick log at once to a served
app (gunicorn, 2 workers × 4 threads): one interaction is saved, every answer says "saved". The log
answers an overdue follow-up and asks for a call back: the follow-up is closed once and exactly one
call back is created (the uid dedupe covers the follow-up too)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.followups.models import FollowUp
from fieldcrm.visits.models import Interaction
from tests.factories import PASSWORD, make_client, make_followup, make_user
from tests.served import csrf_token, serve

SENDERS = 20


def post_in_parallel(url: str, cookies, token: str, form: dict) -> list[requests.Response | Exception]:
    barrier = threading.Barrier(SENDERS)
    answers: list = [None] * SENDERS

    def send(index: int):
        http = requests.Session()
        http.cookies.update(cookies)
        # Half as the outbox sends (JSON), half as the sheet does (htmx).
        accept = {"Accept": "application/json"} if index % 2 else {"HX-Request": "true", "Accept": "text/html"}
        barrier.wait(10)
        try:
            answers[index] = http.post(url, data=form, headers={"X-CSRFToken": token, **accept}, timeout=30)
        except requests.RequestException as error:
            answers[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.fault
def test_twenty_identical_quick_logs_at_once_save_one(database_url, db, tmp_path):
    rep = make_user(db)
    shop = make_client(db, rep)
    overdue = make_followup(db, rep, shop, timeutil.today() - timedelta(days=3), reason="Relancer le devis")
    uid = str(uuid.uuid4())
    call_back_on = timeutil.today() + timedelta(days=7)
    form = {"uid": uid, "outcome": "call_back", "follow_up_on": call_back_on.isoformat(), "note": "Vu le gérant",
            "followup_id": str(overdue.id)}
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, rep.email, PASSWORD).status_code == 303
        url = f"{served.url}/clients/{shop.id}/log"
        token = csrf_token(http.get(url, timeout=10).text)
        answers = post_in_parallel(url, http.cookies, token, form)
        log = served.log()
    statuses = Counter(a.status_code if isinstance(a, requests.Response) else type(a).__name__
                       for a in answers)
    print(f"\n{SENDERS} identical quick logs on {db.bind.dialect.name}: answers {dict(statuses)}")
    assert statuses[201] == 1, statuses  # one request saved it…
    assert statuses[200] == SENDERS - 1, (statuses, log[-3000:])  # …the others found it saved
    saved = db.exec(select(Interaction).where(Interaction.client_id == shop.id)).all()
    assert [(i.uid, i.note) for i in saved] == [(uid, "Vu le gérant")]
    db.expire_all()
    followups = db.exec(select(FollowUp).where(FollowUp.client_id == shop.id).order_by(FollowUp.id)).all()
    assert [(f.id == overdue.id, f.status, f.due_date) for f in followups] == [
        (True, "done", overdue.due_date), (False, "open", call_back_on)]
    assert "Traceback" not in log
