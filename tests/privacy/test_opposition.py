"""The opposition list: an objector or an erased person is recognised again by keyed hashes of their
e-mail, phone, or name + postal code for three years, and never made contactable again: not by a card
created by hand, an import, a campaign, or an export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import objections
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from fieldcrm.imports.models import ImportJob
from fieldcrm.privacy import opposition
from fieldcrm.privacy.request_models import OppositionFingerprint, PrivacyRequest
from fieldcrm.privacy.requests import object_to_processing
from fieldcrm.sales.models import CampaignRecipient
from fieldcrm.sales.services import create_campaign
from tests.factories import PASSWORD, in_app_context, logged_in_http, make_client, make_user
from tests.served import in_parallel, serve

PERSON = {"kind": "person", "company_name": None, "first_name": "Hélène", "last_name": "Dupré", "postal_code": "69001",
          "city": "Lyon", "email": "Helene.Dupre@Example.FR", "mobile": "+33612345678"}


@in_app_context
def _object(db, admin, client, contact=None):
    return object_to_processing(db, admin, client, contact)


@in_app_context
def _matches(db, **values):
    return opposition.matches(db, **values)


def test_objecting_records_the_request_marks_the_card_and_keeps_only_hashes(app, db, login, client):
    admin, rep = make_user(db, "admin"), make_user(db, "rep")
    card = make_client(db, rep, **PERSON)
    login(admin)
    unconfirmed = client.post(f"/clients/{card.id}/object", data={"details": "Appel du 3 <mars>"})
    assert unconfirmed.status_code == 422  # not confirmed: nothing, and what was typed is still there
    assert "Appel du 3 &lt;mars&gt;</textarea>" in unconfirmed.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(OppositionFingerprint)).one() == 0
    response = client.post(f"/clients/{card.id}/object", data={"confirm": "yes"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Client, card.id).do_not_contact
    request = db.exec(select(PrivacyRequest)).one()
    assert (request.kind, request.status, request.client_id) == ("opposition", "done", card.id)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "client.objected")).one().subject_id == card.id
    digests = db.exec(select(OppositionFingerprint.digest, OppositionFingerprint.kind)).all()
    assert sorted(kind for _d, kind in digests) == ["email", "name", "phone"]
    stored = " ".join(d for d, _k in digests)
    for clear in ("helene", "dupre", "Dupré", "612345678", "example.fr", "69001"):
        assert clear.lower() not in stored.lower()
    # Recognised by any one of the three, whatever the writing.
    assert _matches(db, email="  helene.dupre@example.fr ")
    assert _matches(db, phone="06 12 34 56 78")
    assert _matches(db, name="DUPRE Helene", postal_code="69 001")
    assert not _matches(db, name="Dupré Hélène", postal_code="69002")
    assert not _matches(db, email="someone@example.fr", phone="0698765432")


def test_the_key_is_the_dedicated_setting_else_the_secret_key(make_app, db):
    app = make_app(OPPOSITION_KEY="a-dedicated-key-that-never-changes")
    with app.app_context():
        with_dedicated = opposition.digests({"email": "a@b.fr"})
        app.config["OPPOSITION_KEY"] = ""
        with_secret = opposition.digests({"email": "a@b.fr"})
    assert with_dedicated != with_secret and all(len(d) == 64 for d in with_dedicated)


def test_a_card_created_by_hand_for_an_objector_warns_and_is_do_not_contact(app, db, login, client):
    admin, rep = make_user(db, "admin"), make_user(db, "rep", locale="en")
    _object(db, admin, make_client(db, rep, **PERSON))
    login(rep)
    response = client.post("/clients/new", data={
        "kind": "person", "last_name": "Dupre", "first_name": "Helene", "postal_code": "69001", "city": "Lyon",
        "country": "FR", "status": "prospect", "owner_id": rep.id, "confirm_duplicate": "1"},
        follow_redirects=True)
    assert response.status_code == 200
    assert "objected to the processing of their data" in response.get_data(as_text=True)
    newest = db.exec(select(Client).order_by(Client.id.desc())).first()
    assert newest.do_not_contact and newest.do_not_contact_at is not None
    # Someone else is created as usual, without the warning.
    response = client.post("/clients/new", data={"kind": "company", "company_name": "Autre", "country": "FR",
                                                 "status": "prospect", "owner_id": rep.id}, follow_redirects=True)
    assert "objected" not in response.get_data(as_text=True)
    assert not db.exec(select(Client).order_by(Client.id.desc())).first().do_not_contact


def test_an_erased_objector_reimported_comes_back_do_not_contact_and_the_report_says_so(app, db, login, client):
    admin, rep = make_user(db, "admin"), make_user(db, "rep", locale="en")
    card_id = make_client(db, rep, **PERSON).id
    login(admin)
    assert client.post(f"/clients/{card_id}/erase", data={"confirm": "yes"}).status_code == 303
    db.expire_all()
    assert db.exec(select(Client).where(Client.id == card_id)).first() is None
    http = logged_in_http(app, rep)
    data = ("Nom;Prénom;CP;Ville;E-mail;Portable\n"
            "Dupré;Hélène;69001;Lyon;helene.dupre@example.fr;\n"
            "Martin;Zoé;33000;Bordeaux;zoe@example.fr;06 11 22 33 44\n").encode()
    http.post("/imports", data={"file": (io.BytesIO(data), "retour.csv")}, content_type="multipart/form-data")
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    mapping = {f"col-{i}": t for i, t in json.loads(job.mapping).items()}
    http.post(f"/imports/{job.id}/mapping", data={**mapping, "action": "run"})
    db.expire_all()
    job = db.get(ImportJob, job.id)
    assert (job.status, job.created_count, job.objected_count) == ("done", 2, 1)
    back = db.exec(select(Client).where(Client.last_name == "Dupré")).one()
    other = db.exec(select(Client).where(Client.last_name == "Martin")).one()
    assert back.do_not_contact and not other.do_not_contact
    page = http.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "1 person had objected to the processing of their data" in page


def test_campaigns_and_exports_leave_out_or_flag_objectors(app, db, login, client):
    admin, rep = make_user(db, "admin"), make_user(db, "rep", locale="en")
    objector = make_client(db, rep, **PERSON)
    _object(db, admin, objector)
    # The card was later made contactable again by hand: the list still holds.
    objector.do_not_contact = False
    db.add(objector)
    db.commit()
    twin = make_client(db, rep, kind="company", company_name="Autre nom", email="helene.dupre@example.fr")
    db.exec(select(Client).where(Client.id == twin.id)).one().do_not_contact = False
    db.commit()
    other = make_client(db, rep, company_name="Garage Bernard", email="garage@example.fr")
    with app.test_request_context():
        campaign = create_campaign(db, rep, {"name": "Noël", "channel": "email", "sent_on": date(2026, 12, 1)})
    recipients = set(db.exec(select(CampaignRecipient.client_id).where(
        CampaignRecipient.campaign_id == campaign.id)).all())
    assert recipients == {other.id}
    login(rep)
    rows = list(csv.DictReader(io.StringIO(client.get("/exports/clients.csv").data.decode("utf-8-sig")),
                               delimiter=";"))
    flags = {row["Company name"] or row["Last name"]: row["Objected (do not contact)"] for row in rows}
    assert flags == {"Dupré": "yes", "Autre nom": "yes", "Garage Bernard": ""}


def test_expired_entries_are_purged_by_the_daily_task(app, db, monkeypatch):
    admin, rep = make_user(db, "admin"), make_user(db, "rep")
    _object(db, admin, make_client(db, rep, **PERSON))
    later = timeutil.now() + timedelta(days=3 * 365 + 2)
    assert _matches(db, email=PERSON["email"])
    monkeypatch.setattr(timeutil, "now", lambda: later)
    assert not _matches(db, email=PERSON["email"])  # expired: no longer counts, even before the purge
    from fieldcrm import jobs
    from fieldcrm.privacy.opposition_tasks import EXPIRY_TASK, opposition_expiry_task

    periodic = {type(t).__name__ for t in jobs.queue_for(app).huey._registry.periodic_tasks}
    assert EXPIRY_TASK in periodic  # the consumer runs it every day
    with app.app_context():
        result = opposition_expiry_task()
    assert result["expired"] == 3
    assert db.exec(select(func.count()).select_from(OppositionFingerprint)).one() == 0


@pytest.mark.fault
def test_two_objections_at_once_for_the_same_person_keep_one_entry_each(database_url, tmp_path, db):
    """Two cards of the same person objected at the same moment: both recorded, no error, and the list
    holds each fingerprint once (one atomic insert-or-extend each)."""
    admin, rep = make_user(db, "admin"), make_user(db, "rep")
    cards = [make_client(db, rep, **PERSON) for _ in range(4)]
    with serve(database_url, tmp_path, workers=2, threads=4) as served:
        http = served.session()
        assert served.log_in(http, admin.email, PASSWORD).status_code == 303
        browsers = served.browsers(4, f"/clients/{cards[0].id}/object", http)

        def confirm(i):
            browser, token = browsers[i]
            return browser.post(f"{served.url}/clients/{cards[i].id}/object",
                                data={"csrf_token": token, "confirm": "yes"}, allow_redirects=False, timeout=60)

        answers = in_parallel(confirm, 4)
        log = served.log()
    assert [a.status_code for a in answers] == [303] * 4, [a.text[:300] for a in answers]
    assert "Traceback" not in log
    assert db.exec(select(func.count()).select_from(OppositionFingerprint)).one() == 3
    assert db.exec(select(func.count()).select_from(PrivacyRequest)).one() == 4


def test_objections_hook_answers_no_for_everyone_when_the_list_is_empty(app, db):
    rep = make_user(db, "rep")
    card = make_client(db, rep, **PERSON)
    with app.test_request_context():
        assert objections.objecting_ids(db, [card]) == set()
        assert clients.display_name(PERSON) == "Dupré Hélène"


def test_the_daily_purge_keeps_objectors_on_the_list_and_only_them(app, db):
    from datetime import UTC, datetime

    from fieldcrm.privacy.erasure import purge_deleted

    rep = make_user(db, "rep")
    objector = make_client(db, rep, **{**PERSON, "do_not_contact": True})
    plain = make_client(db, rep, kind="person", company_name=None, first_name="Paul", last_name="Simple",
                        email="paul@example.fr", postal_code="33000")
    for card in (objector, plain):
        card.deleted_at = datetime(2026, 1, 5, tzinfo=UTC)
        db.add(card)
    db.commit()
    with app.test_request_context():
        report = purge_deleted(db, datetime(2026, 6, 1, tzinfo=UTC))
        assert len(report.purged) == 2
        assert opposition.matches(db, email=PERSON["email"])
        assert not opposition.matches(db, email="paul@example.fr")
    assert db.exec(select(func.count()).select_from(OppositionFingerprint)).one() == 3
