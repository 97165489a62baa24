"""Retention rules: dry runs, the daily run in the job queue, review before applying, the log of runs.
The clock is replaced (fieldcrm.timeutil.now) to make cards, contacts and logs years old."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import func, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import AuthEvent, UserSession
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.privacy import retention
from fieldcrm.privacy.retention_models import ClientAnonymisation, RetentionRun
from fieldcrm.sales.models import Purchase
from fieldcrm.visits.models import Interaction
from tests.factories import make_client, make_interaction, make_user

LONG_AGO = datetime(2022, 3, 1, 9, tzinfo=UTC)
TODAY = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment):
        monkeypatch.setattr(timeutil, "now", lambda: moment)
        return moment

    set_to(LONG_AGO)
    return set_to


@pytest.fixture
def file(db, clock):
    """Cards made in 2022: a prospect never reached, one reached last year, a client whose last purchase
    and contact are old, one who bought this year; and an admin."""
    rep, admin = make_user(db, "rep"), make_user(db, "admin")
    silent = make_client(db, rep, company_name="Prospect muet", status="prospect", email="muet@example.fr")
    reached = make_client(db, rep, company_name="Prospect relancé", status="lead")
    old_client = make_client(db, rep, kind="person", first_name="Jeanne", last_name="Martin", status="client",
                             email="jeanne.martin@example.fr", phone="+33478000009", postal_code="69001",
                             city="Lyon", notes="Préfère le matin", contacts=[{"last_name": "Martin"}])
    buyer = make_client(db, rep, company_name="Client fidèle", status="client")
    make_interaction(db, rep, old_client, note="Jeanne Martin a commandé")
    db.add_all([Purchase(client_id=old_client.id, purchased_on=date(2022, 3, 1), amount=Decimal("80")),
                Purchase(client_id=buyer.id, purchased_on=date(2026, 10, 2), amount=Decimal("40"))])
    db.commit()
    clock(datetime(2025, 6, 1, 9, tzinfo=UTC))
    make_interaction(db, rep, reached, outcome="reached")
    clock(TODAY)
    return {"rep": rep, "admin": admin, "silent": silent.id, "reached": reached.id, "old_client": old_client.id,
            "buyer": buyer.id}


def test_dry_runs_count_and_sample_what_is_due_without_changing_anything(app, db, file):
    with app.app_context():
        prospects = retention.dry_run(db, "prospects")
        former = retention.dry_run(db, "former_clients")
    assert prospects.count == 1 and "Prospect muet" in prospects.sample[0]
    assert former.count == 1 and "Martin Jeanne" in former.sample[0]
    assert prospects.cutoff == TODAY - timedelta(days=3 * 365)
    assert db.exec(select(func.count()).select_from(RetentionRun)).one() == 0


def test_the_daily_task_prepares_batches_and_an_admin_applies_them(app, db, file, login, client):
    from fieldcrm.privacy.tasks import RETENTION_TASK, retention_task

    with app.app_context():
        done = retention_task()
    assert done["prospects"] == "pending:1/0" and done["former_clients"] == "pending:1/0"
    db.expire_all()
    assert db.get(Client, file["silent"]) is not None  # nothing happens before the review
    login(file["admin"])
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "Batches to review" in page and "Prospects without contact" in page
    batch = db.exec(select(RetentionRun).where(RetentionRun.rule == "prospects")).one()
    review = client.get(f"/admin/retention/batches/{batch.id}").get_data(as_text=True)
    assert "Prospect muet" in review and "Prospect relancé" not in review
    unconfirmed = client.post(f"/admin/retention/batches/{batch.id}/apply", data={})
    assert unconfirmed.status_code == 303
    db.expire_all()
    assert db.get(Client, file["silent"]) is not None  # the box was not ticked
    assert client.post(f"/admin/retention/batches/{batch.id}/apply", data={"confirm": "yes"}).status_code == 303
    db.expire_all()
    assert db.get(Client, file["silent"]) is None  # erased (the prospects' default)
    assert db.get(Client, file["reached"]) is not None
    run = db.get(RetentionRun, batch.id)
    assert (run.status, run.found, run.applied, run.reviewed_by_id) == ("applied", 1, 1, file["admin"].id)
    # Twice is once: the batch was applied.
    assert client.post(f"/admin/retention/batches/{batch.id}/apply", data={"confirm": "yes"}).status_code == 303
    assert "already reviewed" in client.get(f"/admin/retention/batches/{batch.id}").get_data(as_text=True)
    assert RETENTION_TASK in {type(t).__name__ for t in __import__("fieldcrm.jobs").jobs.queue_for(app).huey._registry.periodic_tasks}


def test_a_former_client_is_anonymised_and_kept_for_the_sales_figures(app, db, file):
    with app.test_request_context():
        run = retention.run_rule(db, "former_clients", trigger="manual")
        retention.apply_batch(db, file["admin"], run)
    db.expire_all()
    card = db.get(Client, file["old_client"])
    assert card.display_name == f"Client anonymisé n° {card.id}"
    assert (card.first_name, card.last_name, card.email, card.phone, card.notes) == (None,) * 5
    assert (card.postal_code, card.city, card.status, card.do_not_contact) == ("69001", "Lyon", "client", True)
    assert "martin" not in card.search_text
    assert db.exec(select(func.count()).select_from(Purchase).where(Purchase.client_id == card.id)).one() == 1
    assert db.exec(select(ContactPerson).where(ContactPerson.client_id == card.id)).all() == []
    [log] = db.exec(select(Interaction).where(Interaction.client_id == card.id)).all()
    assert log.note is None and log.outcome == "reached"
    assert db.get(ClientAnonymisation, card.id) is not None
    for event in db.exec(select(AuditEvent).where(AuditEvent.subject_id == card.id)).all():
        assert "Martin" not in event.payload and "jeanne" not in event.payload
    with app.app_context():
        assert retention.dry_run(db, "former_clients").count == 0  # not found again


def test_a_prospect_contacted_after_the_batch_was_made_stays(app, db, file):
    with app.test_request_context():
        run = retention.run_rule(db, "prospects", trigger="manual")
    make_interaction(db, file["rep"], db.get(Client, file["silent"]), outcome="reached")  # the rep calls them today
    with app.test_request_context():
        retention.apply_batch(db, file["admin"], run)
    db.expire_all()
    assert db.get(Client, file["silent"]) is not None
    assert db.get(RetentionRun, run.id).applied == 0


def test_automatic_rules_apply_at_once_and_log_what_they_did(app, db, file):
    with app.test_request_context():
        retention.save_settings(db, file["admin"], "prospects", days=3 * 365, enabled=True, auto_apply=True,
                                action="anonymise")
        retention.run_enabled_rules(db)
    db.expire_all()
    silent = db.get(Client, file["silent"])
    assert silent.email is None and db.get(ClientAnonymisation, silent.id).rule == "retention"
    run = db.exec(select(RetentionRun).where(RetentionRun.rule == "prospects")).one()
    assert (run.status, run.action, run.found, run.applied, run.trigger) == ("applied", "anonymise", 1, 1, "daily")
    assert json.loads(run.item_ids) == [silent.id]


def test_logins_sessions_and_audit_entries_go_after_their_period(app, db, clock):
    clock(TODAY)
    admin = make_user(db, "admin")
    clock(datetime(2025, 1, 10, tzinfo=UTC))
    db.add_all([AuthEvent(event="login", login="old@example.fr"),
                UserSession(token_hash="a" * 64, user_id=admin.id),
                AuditEvent(action="client.viewed", actor_id=admin.id, subject_id=1),
                AuditEvent(action="not_duplicate", actor_id=admin.id, subject_id=1, other_id=2)])
    db.commit()
    clock(TODAY)
    db.add_all([AuthEvent(event="login_failed", login="new@example.fr"),
                AuditEvent(action="client.viewed", actor_id=admin.id, subject_id=1)])
    db.commit()
    with app.test_request_context():
        assert retention.dry_run(db, "auth_log").count == 2  # the old login and the old session
        assert retention.dry_run(db, "audit_trail").count == 1  # "not a duplicate" is a decision: kept
        for key in ("auth_log", "audit_trail"):
            retention.save_settings(db, admin, key, days=365, enabled=True, auto_apply=True, action="delete")
        retention.run_enabled_rules(db)
    db.expire_all()
    assert [e.event for e in db.exec(select(AuthEvent).order_by(AuthEvent.id)).all()] == ["user_created", "login_failed"]
    assert db.exec(select(UserSession).where(UserSession.token_hash == "a" * 64)).first() is None
    assert sorted(e.action for e in db.exec(select(AuditEvent)).all()) == ["client.viewed", "not_duplicate"]


def test_deleted_clients_go_after_their_undo_period_automatically(app, db, file):
    from fieldcrm.clients import services as clients

    with app.test_request_context():
        clients.soft_delete(db, file["rep"], db.get(Client, file["buyer"]))
    deleted = db.get(Client, file["buyer"])
    deleted.deleted_at = TODAY - timedelta(days=app.config["UNDO_DELETE_DAYS"] + 1)
    db.add(deleted)
    db.commit()
    with app.test_request_context():
        assert retention.dry_run(db, "deleted_items").count == 1
        done = retention.run_enabled_rules(db)
    assert done["deleted_items"] == "applied:1/1"
    db.expire_all()
    assert db.get(Client, file["buyer"]) is None


def test_settings_out_of_bounds_are_refused_with_the_typing_kept(app, db, file, login, client):
    login(file["admin"], http=client)
    for days, rule in (("0", "prospects"), ("abc", "prospects"), ("10", "deleted_items"), ("30", "import_reports")):
        response = client.post(f"/admin/retention/rules/{rule}", data={"days": days, "action": "delete",
                                                                       "enabled": "1"})
        assert response.status_code == 422, (rule, days)
        assert f'value="{days}"' in response.get_data(as_text=True)
    assert client.post("/admin/retention/rules/prospects", data={"days": "400", "action": "anonymise",
                                                                 "enabled": "1"}).status_code == 303
    with app.test_request_context():
        settings = retention.settings_of(db, "prospects")
    assert (settings.days, settings.action, settings.enabled, settings.auto_apply) == (400, "anonymise", True, False)
    assert client.get("/admin/retention/rules/nothing").status_code == 404


def test_the_rule_page_shows_the_dry_run_and_the_runs(app, db, file, login, client):
    login(file["admin"], http=client)
    page = client.get("/admin/retention/rules/prospects").get_data(as_text=True)
    assert "1 item is due now" in page and "Prospect muet" in page and "has not run yet" in page
    assert client.post("/admin/retention/rules/prospects/run").status_code == 303
    page = client.get("/admin/retention/rules/prospects").get_data(as_text=True)
    assert "Run by an admin" in page and "To review" in page
