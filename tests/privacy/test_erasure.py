"""Erasure that works: every dependant of a client leaves with it (ON DELETE CASCADE), the audit trail
about it is anonymised, each client is purged in its own transaction, daily through the job queue."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, inspect
from sqlalchemy import select as sa_select
from sqlmodel import select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients import erasure
from fieldcrm.clients import services as clients
from fieldcrm.clients.erasure import ERASED, client_foreign_keys, on_client_purge
from fieldcrm.clients.models import Client, ContactPerson, CustomFieldDef, CustomFieldValue
from fieldcrm.dedupe.models import QueuedPair
from fieldcrm.dedupe.services import merge_clients, undo_merge
from fieldcrm.models import metadata
from fieldcrm.privacy.erasure import purge_deleted
from fieldcrm.privacy.retention_models import ClientAnonymisation
from fieldcrm.sales.models import Campaign, CampaignRecipient, Purchase
from fieldcrm.tours.models import TourStop
from fieldcrm.visits import services as visits
from fieldcrm.visits.models import Interaction
from tests.factories import (
    in_app_context,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_tour,
    make_user,
)

LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)
CUTOFF = datetime(2026, 6, 1, tzinfo=UTC)


def _references_to(table_name: str):
    return [(table, fk) for table in metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == table_name]


@pytest.mark.parametrize("parent", ["client", "contact_person"])
def test_every_foreign_key_to_a_client_or_its_contacts_says_what_happens_on_delete(app, parent):
    """A table added later that points at a client without an ondelete rule fails here, in the models
    and in the migrated database alike."""
    declared = _references_to(parent)
    assert declared, parent
    assert [f"{t.name}.{fk.parent.name}" for t, fk in declared if fk.ondelete not in ("CASCADE", "SET NULL")] == []
    database = inspect(app.extensions["fieldcrm.engine"])
    for table, fk in declared:
        migrated = [r for r in database.get_foreign_keys(table.name) if r["constrained_columns"] == [fk.parent.name]]
        assert [r["options"].get("ondelete") for r in migrated] == [fk.ondelete], table.name


@in_app_context
def _client_with_every_dependant(db, rep, admin):
    """A client with contacts, tags, consents, hours, a custom value, logs (one deleted), a follow-up,
    an appointment, a tour stop, purchases, a campaign, and a merge into it, then deleted long ago."""
    client = make_client(db, rep, company_name="Boulangerie Hélène", email="helene@example.fr",
                         phone="+33478000001", tags=["fidèle"],
                         contacts=[{"first_name": "Hélène", "last_name": "Durand", "email": "hd@example.fr"}],
                         hours={0: [("08:00", "12:00")]},
                         consents={"email": {"allowed": True, "consent": "granted", "source": "salon"}})
    contact = db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)).one()
    field = CustomFieldDef(key="fournil", label="Fournil")
    db.add(field)
    db.flush()
    db.add(CustomFieldValue(client_id=client.id, field_id=field.id, value="four à bois"))
    logged = make_interaction(db, rep, client, contact_id=contact.id, note="Mme Durand veut du seigle")
    visits.delete_interaction(db, rep, make_interaction(db, rep, client, note="Note supprimée"))
    make_followup(db, rep, client, date(2026, 12, 1), interaction_id=logged.id)
    make_appointment(db, rep, client, datetime(2026, 12, 2, 9, tzinfo=UTC))
    make_tour(db, rep, [client])
    campaign = Campaign(name="Noël", channel="email", sent_on=date(2026, 12, 1), owner_id=rep.id)
    db.add(campaign)
    db.flush()
    db.add(CampaignRecipient(campaign_id=campaign.id, client_id=client.id))
    db.add(Purchase(client_id=client.id, purchased_on=date(2026, 3, 1), amount=Decimal("120.50")))
    db.add(ClientAnonymisation(client_id=client.id, rule="retention"))  # a mark a retention rule leaves
    neighbour = make_client(db, rep, company_name="Boulangerie du Marché", phone="+33478000001")
    db.add(QueuedPair(first_id=client.id, second_id=neighbour.id, reason="phone"))  # an import's look-alike
    db.commit()
    twin = make_client(db, rep, company_name="Boulangerie H. Durand", email="h.durand@example.fr",
                       mobile="+33612345678")
    merge_clients(db, admin, client, twin, {"mobile"})
    clients.soft_delete(db, admin, db.get(Client, client.id))
    client = db.get(Client, client.id)
    client.deleted_at = LONG_AGO
    db.add(client)
    db.commit()
    return client.id


def _hanging_on(db, client_id: int) -> dict[str, int]:
    """Rows of each table that point to the client, through any of its columns (a look-alike pair has two)."""
    counts: dict[str, int] = {}
    for table, column in client_foreign_keys():
        found = db.execute(sa_select(func.count()).select_from(table).where(column == client_id)).scalar()
        counts[table.name] = counts.get(table.name, 0) + found
    return counts


def test_a_deleted_client_is_erased_with_everything_that_hangs_on_it(app, db):
    rep, admin = make_user(db, "rep"), make_user(db, "admin")
    erased = _client_with_every_dependant(db, rep, admin)
    kept = make_client(db, rep, company_name="Garage Bernard")
    db.add(Purchase(client_id=kept.id, purchased_on=date(2026, 3, 1), amount=Decimal("10")))
    db.commit()
    dependants = _hanging_on(db, erased)
    assert [name for name, count in dependants.items() if count == 0] == []  # every kind, as built above

    report = purge_deleted(db, CUTOFF)

    assert report.purged == [erased] and report.failed == {}
    db.expire_all()
    assert db.get(Client, erased) is None
    assert _hanging_on(db, erased) == dict.fromkeys(dependants, 0)
    assert db.exec(select(func.count()).select_from(Interaction)).one() == 0
    assert db.exec(select(func.count()).select_from(TourStop)).one() == 0
    trail = db.exec(select(AuditEvent).where((AuditEvent.subject_id == erased) | (AuditEvent.other_id == erased))
                    .order_by(AuditEvent.id)).all()
    # Who merged and deleted what, when: kept; the deleted log's copy gone.
    assert [e.action for e in trail] == ["merge", "client.deleted"]
    payload = trail[0].payload
    for personal in ("Hélène", "helene@example.fr", "hd@example.fr", "h.durand@example.fr", "Durand", "+33478000001",
                     "+33612345678", "seigle", "four à bois"):
        assert personal not in payload
    assert json.loads(payload)["other_name"] == ERASED
    assert db.get(Client, kept.id) is not None  # the merged-away twin and other clients stay
    assert db.exec(select(func.count()).select_from(Purchase)).one() == 1


def test_one_client_that_cannot_be_erased_does_not_stop_the_others(app, db):
    rep = make_user(db, "rep")
    ids = []
    for name in ("Alpha", "Bravo", "Charlie"):
        client = make_client(db, rep, company_name=name)
        db.add(Purchase(client_id=client.id, purchased_on=date(2026, 3, 1), amount=Decimal("5")))
        client.deleted_at = LONG_AGO
        db.add(client)
        db.commit()
        ids.append(client.id)
    refused = ids[1]

    @on_client_purge
    def refuse_bravo(session, client_id):
        session.execute(sa_select(Client.id))  # the failure happens mid-transaction, after some work
        if client_id == refused:
            raise OSError("disque plein")

    try:
        result = app.test_cli_runner().invoke(args=["purge-deleted"])
    finally:
        erasure._purge_hooks.remove(refuse_bravo)
    assert result.exit_code == 1
    assert "Clients erased: 2." in result.output
    assert f"client {refused}: OSError: disque plein" in result.output
    db.expire_all()
    assert [c.company_name for c in db.exec(select(Client)).all()] == ["Bravo"]
    assert db.exec(select(Purchase.client_id)).all() == [refused]  # nothing of Bravo erased half


def test_a_client_restored_meanwhile_is_not_erased(app, db):
    rep = make_user(db, "rep")
    client = make_client(db, rep, company_name="Restaurée")
    client.deleted_at = LONG_AGO
    db.add(client)
    db.commit()
    assert clients.purge_client(db, client.id, deleted_before=LONG_AGO - timedelta(days=1)) is False
    db.rollback()
    assert db.get(Client, client.id) is not None


def test_the_purge_is_a_daily_task_of_the_job_queue(app, db):
    """The daily run of the retention rules erases them (its "deleted items" rule, always on)."""
    from huey.api import PeriodicTask

    from fieldcrm import jobs
    from fieldcrm.privacy.tasks import RETENTION_TASK
    from fieldcrm.privacy.tasks import retention_task as purge_deleted_task

    periodic = {type(t).__name__: type(t) for t in jobs.queue_for(app).huey._registry.periodic_tasks}
    task_class = periodic[RETENTION_TASK]  # the consumer schedules it
    assert issubclass(task_class, PeriodicTask)
    runs = [m for m in range(24 * 60) if task_class().validate_datetime(datetime(2026, 1, 1, m // 60, m % 60))]
    assert len(runs) == 1  # once a day
    rep = make_user(db, "rep")
    old, recent = make_client(db, rep, company_name="Ancien"), make_client(db, rep, company_name="Récent")
    old.deleted_at = datetime.now(UTC) - timedelta(days=app.config["UNDO_DELETE_DAYS"] + 1)
    recent.deleted_at = datetime.now(UTC) - timedelta(days=1)
    db.add_all([old, recent])
    db.commit()
    old, recent = old.id, recent.id
    with app.app_context():
        purge_deleted_task()
    db.expire_all()
    assert db.get(Client, old) is None
    assert db.get(Client, recent) is not None  # still within its undo period


def test_an_admin_erases_a_client_now_after_a_page_that_names_what_goes(app, db, login, client):
    rep, admin = make_user(db, "rep"), make_user(db, "admin", locale="fr")
    erased = make_client(db, rep, company_name="Cave Castagné", email="cave@example.fr",
                         contacts=[{"last_name": "Castagné"}])
    make_interaction(db, rep, erased, note="Aime le rouge")
    make_interaction(db, rep, erased)
    make_followup(db, rep, erased, date(2026, 12, 1))
    db.add(Purchase(client_id=erased.id, purchased_on=date(2026, 3, 1), amount=Decimal("12")))
    db.commit()
    erased_id = erased.id
    login(admin)
    card = client.get(f"/clients/{erased.id}").get_data(as_text=True)
    assert "Effacer (demande RGPD)" in card

    page = client.get(f"/clients/{erased.id}/erase").get_data(as_text=True)
    assert "Effacer définitivement Cave Castagné\xa0?" in page
    for line in ("Échanges (visites, appels, notes…) : <strong>2</strong>", "Relances : <strong>1</strong>",
                 "Achats : <strong>1</strong>", "Interlocuteurs : <strong>1</strong>"):
        assert line in page

    unconfirmed = client.post(f"/clients/{erased.id}/erase", data={})
    assert unconfirmed.status_code == 422
    assert "Cochez la case pour confirmer l'effacement. Rien n'a été effacé." in unconfirmed.get_data(as_text=True)
    db.expire_all()
    assert db.get(Client, erased.id) is not None

    done = client.post(f"/clients/{erased_id}/erase", data={"confirm": "yes"})
    assert done.status_code == 303
    assert "a été effacé" in client.get(done.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    assert db.get(Client, erased_id) is None
    assert db.exec(select(func.count()).select_from(Interaction)).one() == 0
    record = db.exec(select(AuditEvent).where(AuditEvent.action == clients.ERASE)).one()
    assert (record.actor_id, record.subject_id, record.payload) == (admin.id, erased_id, "{}")
    assert client.get(f"/clients/{erased_id}").status_code == 404
    # A confirmation arriving just after another admin's (tested served in test_erasure_parallel):
    assert clients.erase_client(db, admin, Client(id=erased_id, display_name="", sort_name="")) is False
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == clients.ERASE)).all()) == 1


def test_an_erasure_request_takes_the_duplicates_merged_into_the_card_from_the_trash(app, db, login, client):
    """Merged-away cards wait in the trash for the daily purge; the person asking to be erased is erased
    now, with them (and with what an undone merge gave back, which is no longer theirs to take: it stays)."""
    rep, admin = make_user(db, "rep"), make_user(db, "admin", locale="fr")
    person = make_client(db, rep, company_name="Cave Castagné", email="cave@example.fr")
    twin = make_client(db, rep, company_name="Cave Castagne", email="j.castagne@example.fr", mobile="+33611223344")
    older = make_client(db, rep, company_name="Castagné J.", email="jc@example.fr")
    kept = make_client(db, rep, company_name="Cave du Port", email="port@example.fr")
    with app.test_request_context():
        merge_clients(db, admin, twin, older, set())  # older → twin, then twin → person
        merge_clients(db, admin, person, twin, {"mobile"})
        undo_merge(db, admin, merge_clients(db, admin, person, kept, set()))
        ids = person.id, twin.id, older.id, kept.id
        assert clients.merged_into(db, person.id) == [twin.id, older.id]
    login(admin)
    page = client.get(f"/clients/{person.id}/erase").get_data(as_text=True)
    assert "Doublons fusionnés dans cette fiche (à la corbeille) : <strong>2</strong>" in page
    with app.test_request_context():
        assert clients.erase_client(db, admin, db.get(Client, person.id)) is True
    db.expire_all()
    assert [db.get(Client, i) is None for i in ids] == [True, True, True, False]
    payloads = " ".join(e.payload for e in db.exec(select(AuditEvent)).all())
    for personal in ("Castagn", "cave@example.fr", "j.castagne@example.fr", "jc@example.fr", "+33611223344"):
        assert personal not in payloads


def test_the_erasure_is_not_offered_to_reps(app, db, login, client):
    rep = make_user(db, "rep", locale="fr")
    mine = make_client(db, rep, company_name="Garage Bernard")
    login(rep)
    assert "demande RGPD" not in client.get(f"/clients/{mine.id}").get_data(as_text=True)
    assert client.post(f"/clients/{mine.id}/erase", data={"confirm": "yes"}).status_code == 404
    db.expire_all()
    assert db.get(Client, mine.id) is not None


def test_the_migration_keeps_every_row_and_link_of_an_existing_database(app, db):
    """Rebuilding the tables (SQLite) must not cascade or null anything: a log keeps the person met, a
    follow-up its log, a tour its stop."""
    from fieldcrm.migrate import downgrade, upgrade

    engine = app.extensions["fieldcrm.engine"]
    # The rows are made through the app (today's models), then the schema goes back to 0009 with them:
    # a later migration adding a column does not stop the app from writing them.
    rep = make_user(db, "rep")
    client = make_client(db, rep, contacts=[{"last_name": "Durand"}], tags=["fidèle"])
    contact = db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)).one()
    logged = make_interaction(db, rep, client, contact_id=contact.id)
    followup = make_followup(db, rep, client, date(2026, 12, 1), interaction_id=logged.id)
    make_tour(db, rep, [client])
    followup_type = type(followup)
    db.close()
    downgrade(engine, "0009")
    existing = set(inspect(engine).get_table_names())  # tables made by later migrations are gone
    before = {t.name: db.execute(sa_select(func.count()).select_from(t)).scalar() for t, _c in client_foreign_keys()
              if t.name in existing}
    db.close()

    upgrade(engine)

    assert {t.name: db.execute(sa_select(func.count()).select_from(t)).scalar()
            for t, _c in client_foreign_keys() if t.name in existing} == before
    assert db.get(Interaction, logged.id).contact_id == contact.id
    assert db.exec(select(followup_type.interaction_id)).all() == [logged.id]
    assert [fk["options"].get("ondelete") for fk in inspect(engine).get_foreign_keys("purchase")
            if fk["referred_table"] == "client"] == ["CASCADE"]
