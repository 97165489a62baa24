"""Two managers' screens confirm hand-overs of the same portfolio at once, to two different reps, on a
served app (gunicorn, 2 workers × 4 threads): one goes through whole, the others move nothing and
show the new figures; every client ends with one rep, with its follow-ups and appointments. Then
several undos at once give everything back once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import requests
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.handover.models import HandOver, HandOverItem
from tests.factories import PASSWORD, make_appointment, make_client, make_followup, make_team, make_user
from tests.served import csrf_token, in_parallel, serve

CLIENTS = 30
SENDERS = 6


def test_parallel_hand_overs_of_the_same_clients_do_not_interleave(database_url, db, tmp_path):
    team = make_team(db, "Ouest")
    manager = make_user(db, "manager", team, name="Manon")
    yann, marc, lea = (make_user(db, "rep", team, name=n) for n in ("Yann", "Marc", "Léa"))
    soon = timeutil.today() + timedelta(days=3)
    clients = [make_client(db, yann, company_name=f"Client {i}") for i in range(CLIENTS)]
    followups = [make_followup(db, yann, c, soon, reason="Relance") for c in clients]
    appointments = [make_appointment(db, yann, c, datetime.combine(soon, time(9), tzinfo=UTC))
                    for c in clients[:5]]
    base = {"source": yann.id, "mode": "all", "sent": "1", "carry_followup": "1", "carry_appointment": "1",
            "carry_tour_stop": "1", "expected_clients": CLIENTS, "expected_followups": CLIENTS,
            "expected_appointments": 5, "expected_tour_stops": 0}
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, manager.email, PASSWORD).status_code == 303
        preview = http.get(f"{served.url}/handover/preview", params={**base, "target": marc.id}, timeout=10).text
        for key, n in (("clients", CLIENTS), ("followups", CLIENTS), ("appointments", 5), ("tour_stops", 0)):
            assert f'name="expected_{key}" value="{n}"' in preview
        token = csrf_token(preview)

        def confirm(i: int):
            browser = requests.Session()
            browser.cookies.update(http.cookies)
            target = marc if i % 2 else lea
            return browser.post(f"{served.url}/handover/", data={**base, "target": target.id, "csrf_token": token},
                                allow_redirects=False, timeout=30)

        answers = in_parallel(confirm, SENDERS)
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {303: 1, 409: SENDERS - 1}, (statuses, served.log()[-3000:])
        refused = next(a for a in answers if a.status_code == 409).text
        assert 'role="alert"' in refused and 'action="/handover/"' not in refused  # nothing left to confirm

        db.expire_all()
        handover = db.exec(select(HandOver)).one()
        winner = handover.to_user_id
        assert {c.owner_id for c in db.exec(select(Client).where(Client.id.in_([c.id for c in clients])))} == {winner}
        assert {f.assignee_id for f in db.exec(select(FollowUp).where(
            FollowUp.id.in_([f.id for f in followups])))} == {winner}
        assert {a.owner_id for a in db.exec(select(Appointment).where(
            Appointment.id.in_([a.id for a in appointments])))} == {winner}
        assert len(db.exec(select(HandOverItem)).all()) == CLIENTS * 2 + 5

        undo_url = f"{served.url}/handover/{handover.id}/undo"
        undo_token = csrf_token(http.get(f"{served.url}/handover/{handover.id}", timeout=10).text)

        def undo(_i: int):
            browser = requests.Session()
            browser.cookies.update(http.cookies)
            return browser.post(undo_url, data={"csrf_token": undo_token}, allow_redirects=False, timeout=30)

        undos = in_parallel(undo, 4)
        assert {a.status_code for a in undos} == {303}
        log = served.log()
    db.expire_all()
    assert {c.owner_id for c in db.exec(select(Client).where(Client.id.in_([c.id for c in clients])))} == {yann.id}
    assert {f.assignee_id for f in db.exec(select(FollowUp).where(
        FollowUp.id.in_([f.id for f in followups])))} == {yann.id}
    assert db.exec(select(HandOver)).one().undone_at is not None
    assert all(item.restored for item in db.exec(select(HandOverItem)).all())
    assert "Traceback" not in log
