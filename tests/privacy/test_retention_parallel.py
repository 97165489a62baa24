"""Two admins confirming the same retention batch at once: it is applied once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import ERASE
from fieldcrm.privacy import retention
from fieldcrm.privacy.retention_models import RetentionRun
from fieldcrm.timeutil import utcnow
from tests.factories import PASSWORD, make_client, make_user
from tests.served import in_parallel, serve


@pytest.mark.fault
def test_parallel_confirmations_apply_a_batch_once(app, database_url, tmp_path, db):
    rep, admin = make_user(db, "rep"), make_user(db, "admin")
    for name in ("Prospect A", "Prospect B", "Prospect C"):
        make_client(db, rep, company_name=name, status="prospect")
    with app.test_request_context():  # made today: due three years and a day from now
        run = retention.run_rule(db, "prospects", trigger="manual", now=utcnow() + timedelta(days=3 * 365 + 1))
    assert run.status == "pending" and run.found == 3
    # The batch's cutoff is in the future: at apply time, each card is still due against it.
    page = f"/admin/retention/batches/{run.id}"
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, admin.email, PASSWORD).status_code == 303
        browsers = served.browsers(6, page, http)

        def confirm(i):
            browser, token = browsers[i]
            return browser.post(served.url + page + "/apply", data={"csrf_token": token, "confirm": "yes"},
                                allow_redirects=False, timeout=60)

        answers = in_parallel(confirm, 6)
        log = served.log()
    assert {a.status_code for a in answers} == {303}
    assert "Traceback" not in log
    db.expire_all()
    assert db.exec(select(func.count()).select_from(Client)).one() == 0
    assert db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == ERASE)).one() == 3
    applied = db.get(RetentionRun, run.id)
    assert (applied.status, applied.applied, applied.reviewed_by_id) == ("applied", 3, admin.id)
