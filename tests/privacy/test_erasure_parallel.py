"""Two admins confirming the same erasure at once: it happens once, and both get an answer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import ERASE
from fieldcrm.visits.models import Interaction
from tests.factories import PASSWORD, make_client, make_followup, make_interaction, make_user
from tests.served import in_parallel, serve


@pytest.mark.fault
def test_parallel_confirmations_erase_the_client_once(database_url, tmp_path, db):
    rep, admin = make_user(db, "rep"), make_user(db, "admin", locale="fr")
    target = make_client(db, rep, company_name="Cave Castagné", contacts=[{"last_name": "Castagné"}])
    for _ in range(3):
        make_followup(db, rep, target, date(2026, 12, 1), interaction_id=make_interaction(db, rep, target).id)
    target_id = target.id
    page = f"/clients/{target_id}/erase"
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, admin.email, PASSWORD).status_code == 303
        browsers = served.browsers(6, page, http)

        def confirm(i):
            browser, token = browsers[i]
            return browser.post(served.url + page, data={"csrf_token": token, "confirm": "yes"},
                                allow_redirects=False, timeout=60)

        answers = in_parallel(confirm, 6)
        log = served.log()
    # Late ones find the card gone already (404) or erased meanwhile (303): never an error page.
    assert {a.status_code for a in answers} <= {303, 404}, [(a.status_code, a.text[:200]) for a in answers]
    assert 303 in {a.status_code for a in answers}
    assert "Traceback" not in log
    db.expire_all()
    assert db.get(Client, target_id) is None
    assert db.exec(select(func.count()).select_from(Interaction)).one() == 0
    assert db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == ERASE)).one() == 1
