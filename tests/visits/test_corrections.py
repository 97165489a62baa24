"""Correcting or deleting a logged interaction: who may, the same checks as the quick log, the client's
last contact and last visit recomputed, and a deletion that can be undone with nothing lost."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel import func, select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp
from fieldcrm.visits import services
from fieldcrm.visits.models import NOTE_MAX, Interaction
from tests.daily_fixtures import NOW
from tests.factories import make_client, make_followup, make_interaction, make_user

HTMX = {"HX-Request": "true"}
LAST_WEEK = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # 10:00 in Paris
YESTERDAY = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)  # 15:30 in Paris


def fresh(db, model, id_):
    db.expire_all()
    return db.get(model, id_)


def form_of(http, interaction):
    """What the edit form holds right now, as the browser would send it back."""
    page = http.get(f"/interactions/{interaction.id}/edit").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    return page, {"kind": interaction.kind, "outcome": interaction.outcome, "note": interaction.note or "",
                  "occurred_at": page.split('id="occurred_at" name="occurred_at" type="datetime-local" value="')[1]
                  .split('"')[0], "contact_id": "", "duration_minutes": "", "version": version}


def test_the_author_corrects_a_log_and_the_client_dates_follow(as_rep, world, db, set_now):
    client = world["client_a"]
    older = make_interaction(db, world["rep_a"], client, occurred_at=LAST_WEEK)
    latest = make_interaction(db, world["rep_a"], client, occurred_at=YESTERDAY, note="Vu le gérant")
    assert fresh(db, Client, client.id).last_visit_at == YESTERDAY

    page, values = form_of(as_rep, latest)
    assert values["occurred_at"] == "2026-11-22T15:30"  # shown in Paris time
    assert "Vu le gérant" in page and 'value="visit" checked' in page and 'value="reached" checked' in page
    # Yesterday's "visit" was in fact a phone call that reached nobody, 20 minutes long.
    values.update(kind="phone", outcome="not_reached", note="Messagerie, rappeler lundi", duration_minutes="20")
    response = as_rep.post(f"/interactions/{latest.id}/edit", data=values)
    assert response.status_code == 303 and response.headers["Location"] == f"/clients/{client.id}"

    saved = fresh(db, Interaction, latest.id)
    assert (saved.kind, saved.outcome, saved.note, saved.duration_minutes) == (
        "phone", "not_reached", "Messagerie, rappeler lundi", 20)
    assert saved.occurred_at == YESTERDAY  # untouched field: the exact time it was logged at
    assert saved.updated_at == NOW  # the app's clock, stored in UTC
    assert saved.updated_by_id == world["rep_a"].id and saved.uid == latest.uid
    row = fresh(db, Client, client.id)
    assert row.last_visit_at == row.last_contact_at == LAST_WEEK  # recomputed, not only moved forward

    timeline = as_rep.get(f"/clients/{client.id}/timeline", headers=HTMX).get_data(as_text=True)
    assert timeline.count('class="tl-edited"') == 1 and ">edited<" in timeline
    assert f"/interactions/{latest.id}/edit" in timeline and f"/interactions/{older.id}/edit" in timeline


def test_a_correction_can_move_the_date_and_saves_nothing_when_nothing_changed(as_rep, world, db):
    client = world["client_a"]
    logged = make_interaction(db, world["rep_a"], client, occurred_at=LAST_WEEK)
    _page, values = form_of(as_rep, logged)
    assert as_rep.post(f"/interactions/{logged.id}/edit", data=values).status_code == 303
    assert fresh(db, Interaction, logged.id).updated_at is None  # same values: not marked as edited

    values["occurred_at"] = "2026-11-20T08:15"
    assert as_rep.post(f"/interactions/{logged.id}/edit", data=values).status_code == 303
    moved = datetime(2026, 11, 20, 7, 15, tzinfo=UTC)
    assert fresh(db, Interaction, logged.id).occurred_at == moved
    assert fresh(db, Client, client.id).last_visit_at == moved


def test_bad_input_gets_the_quick_log_messages_and_keeps_the_typing(app, db, login, set_now):
    rep = make_user(db, "rep", locale="fr")
    other = make_user(db, "rep")
    mine = make_client(db, rep, contacts=[{"last_name": "Durand"}])
    theirs = make_client(db, other, contacts=[{"last_name": "Martin"}])
    from fieldcrm.clients.models import ContactPerson

    foreign = db.exec(select(ContactPerson).where(ContactPerson.client_id == theirs.id)).one()
    logged = make_interaction(db, rep, mine, occurred_at=LAST_WEEK, note="Première version")
    http = app.test_client()
    login(rep, http=http)
    _page, values = form_of(http, logged)
    typed = "Vu la gérante, très intéressée par la gamme bio"
    cases = {
        "occurred_at": ({"occurred_at": "2026-02-30T10:00"}, "2026-02-30T10:00"),
        "future": ({"occurred_at": "2027-01-01T10:00"}, "2027-01-01T10:00"),
        "empty date": ({"occurred_at": ""}, typed),
        "note": ({"note": "x" * (NOTE_MAX + 1)}, "x" * 50),
        "contact": ({"contact_id": str(foreign.id)}, typed),
        "duration": ({"duration_minutes": "deux heures"}, "deux heures"),
        "outcome": ({"outcome": "brilliant"}, typed),
    }
    for name, (change, kept) in cases.items():
        response = http.post(f"/interactions/{logged.id}/edit", data={**values, "note": typed, **change})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert kept in body, name  # what was typed is still in the form
        assert "Rien n'a encore été enregistré" in body, name
    saved = fresh(db, Interaction, logged.id)
    assert saved.note == "Première version" and saved.updated_at is None  # nothing saved half
    impossible = http.post(f"/interactions/{logged.id}/edit", data={**values, "occurred_at": "2026-02-30T10:00"})
    assert "n&#39;est pas une date et une heure existantes" in impossible.get_data(as_text=True)


def test_sensitive_words_warn_on_the_form_and_after_saving_without_blocking(as_rep, world, db):
    logged = make_interaction(db, world["rep_a"], world["client_a"], note="RAS")
    page, values = form_of(as_rep, logged)
    assert "data-note-check" in page and "diabete*" in page  # the phone checks as the rep types
    values["note"] = "Le gérant est en dépression, repasser en janvier"
    response = as_rep.post(f"/interactions/{logged.id}/edit", data=values, follow_redirects=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Changes saved." in body and "It mentions: depression" in body
    assert fresh(db, Interaction, logged.id).note == values["note"]
    again = as_rep.get(f"/interactions/{logged.id}/edit").get_data(as_text=True)
    assert 'class="warn" role="status"' in again and "depression" in again


def test_a_correction_made_meanwhile_is_not_overwritten_silently(app, world, db, login, as_rep):
    logged = make_interaction(db, world["rep_a"], world["client_a"], note="Version du commercial")
    _page, mine = form_of(as_rep, logged)
    manager = app.test_client()
    login(world["manager_a"], http=manager)
    _page, theirs = form_of(manager, logged)
    theirs["note"] = "Corrigé par la responsable"
    assert manager.post(f"/interactions/{logged.id}/edit", data=theirs).status_code == 303

    mine["note"] = "Ma correction tardive"
    stale = as_rep.post(f"/interactions/{logged.id}/edit", data=mine)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Ma correction tardive" in body and "while you were typing" in body
    assert fresh(db, Interaction, logged.id).note == "Corrigé par la responsable"
    fresh_version = body.split('name="version" value="')[1].split('"')[0]
    assert as_rep.post(f"/interactions/{logged.id}/edit", data={**mine, "version": fresh_version}).status_code == 303
    assert fresh(db, Interaction, logged.id).note == "Ma correction tardive"


def test_managers_and_admins_correct_their_reps_logs(app, world, db, login):
    logged = make_interaction(db, world["rep_a"], world["client_a"], note="Commande 12 cartons")
    for who in ("manager_a", "admin"):
        http = app.test_client()
        login(world[who], http=http)
        _page, values = form_of(http, logged)
        values["note"] = f"Commande 12 cartons (vu par {who})"
        assert http.post(f"/interactions/{logged.id}/edit", data=values).status_code == 303, who
        saved = fresh(db, Interaction, logged.id)
        assert saved.updated_by_id == world[who].id and saved.author_id == world["rep_a"].id
        logged = saved


def test_reps_correct_only_their_own_logs_on_clients_they_see(app, world, db, login, as_rep):
    client = world["client_a"]
    by_manager = make_interaction(db, world["manager_a"], client, note="Passage de la responsable")
    own = make_interaction(db, world["rep_a"], client, note="Mon passage")
    # rep_a sees the manager's log on their client but does not rewrite a colleague's words.
    for url in (f"/interactions/{by_manager.id}/edit", f"/interactions/{by_manager.id}/delete"):
        assert as_rep.get(url).status_code == 404
        assert as_rep.post(url, data={"note": "réécrit", "version": "new"}).status_code == 404
    timeline = as_rep.get(f"/clients/{client.id}/timeline").get_data(as_text=True)
    assert "Passage de la responsable" in timeline and f"/interactions/{by_manager.id}/edit" not in timeline
    assert f"/interactions/{own.id}/edit" in timeline
    # Other reps (same team or not) cannot reach rep_a's logs at all.
    for stranger in ("rep_b", "rep_c"):
        http = app.test_client()
        login(world[stranger], http=http)
        for url in (f"/interactions/{own.id}/edit", f"/interactions/{own.id}/delete"):
            assert http.get(url).status_code == 404
            assert http.post(url, data={"note": "x", "version": "new", "outcome": "reached",
                                        "occurred_at": "2026-11-20T10:00"}).status_code == 404
    assert fresh(db, Interaction, own.id).note == "Mon passage"


def test_delete_asks_first_then_offers_the_undo_and_nothing_is_lost(as_rep, world, db, set_now):
    client = world["client_a"]
    older = make_interaction(db, world["rep_a"], client, occurred_at=LAST_WEEK)
    uid = str(uuid.uuid4())
    latest = make_interaction(db, world["rep_a"], client, uid=uid, occurred_at=YESTERDAY,
                              note="Commande de Noël", duration_minutes=30)
    followup = make_followup(db, world["rep_a"], client, date(2026, 11, 30), interaction_id=latest.id)
    assert fresh(db, Client, client.id).last_visit_at == YESTERDAY

    confirm = as_rep.get(f"/interactions/{latest.id}/delete").get_data(as_text=True)
    assert "Delete this log?" in confirm and "Commande de Noël" in confirm and 'method="post"' in confirm
    response = as_rep.post(f"/interactions/{latest.id}/delete", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "The log was deleted." in body
    event = db.exec(select(AuditEvent).where(AuditEvent.action == services.DELETED_LOG)).one()
    assert f"/interactions/deleted/{event.id}/restore" in body  # the undo, right there
    assert fresh(db, Interaction, latest.id) is None
    row = fresh(db, Client, client.id)
    assert row.last_visit_at == row.last_contact_at == LAST_WEEK
    kept = fresh(db, FollowUp, followup.id)
    assert kept.status == "open" and kept.interaction_id is None  # the follow-up it set stays
    assert json.loads(event.payload)["interaction"]["note"] == "Commande de Noël"

    undo = as_rep.post(f"/interactions/deleted/{event.id}/restore", follow_redirects=True)
    assert "The log is back in the history." in undo.get_data(as_text=True)
    back = fresh(db, Interaction, latest.id)
    assert (back.uid, back.note, back.duration_minutes, back.occurred_at, back.author_id) == (
        uid, "Commande de Noël", 30, YESTERDAY, world["rep_a"].id)
    assert fresh(db, FollowUp, followup.id).interaction_id == latest.id
    assert fresh(db, Client, client.id).last_visit_at == YESTERDAY
    assert fresh(db, AuditEvent, event.id).undone_by_id == world["rep_a"].id

    twice = as_rep.post(f"/interactions/deleted/{event.id}/restore", follow_redirects=True)
    assert "already back" in twice.get_data(as_text=True)
    assert db.exec(select(func.count(Interaction.id))).one() == 2
    # The offline queue re-sending the same uid still finds the one row, and new logs get new ids.
    resent = as_rep.post(f"/clients/{client.id}/log", data={"uid": uid, "outcome": "reached"},
                         headers={"Accept": "application/json"})
    assert resent.status_code == 200 and resent.get_json()["id"] == latest.id
    new = as_rep.post(f"/clients/{client.id}/log", data={"uid": str(uuid.uuid4()), "outcome": "reached"},
                      headers={"Accept": "application/json"})
    assert new.status_code == 201 and new.get_json()["id"] not in (older.id, latest.id)


def test_the_undo_is_for_who_could_delete_and_for_a_while(app, world, db, login, as_rep, set_now):
    logged = make_interaction(db, world["rep_a"], world["client_a"], note="À supprimer")
    as_rep.post(f"/interactions/{logged.id}/delete")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == services.DELETED_LOG)).one()
    for stranger in ("rep_b", "rep_c"):
        http = app.test_client()
        login(world[stranger], http=http)
        assert http.post(f"/interactions/deleted/{event.id}/restore").status_code == 404
    assert as_rep.post(f"/interactions/deleted/{event.id + 999}/restore").status_code == 404
    set_now(NOW + timedelta(days=app.config["UNDO_DELETE_DAYS"] + 1))
    late = as_rep.post(f"/interactions/deleted/{event.id}/restore", follow_redirects=True)
    assert "too long ago" in late.get_data(as_text=True)
    assert fresh(db, Interaction, logged.id) is None


def test_deleted_logs_are_forgotten_after_the_undo_period_and_with_their_client(app, world, db, as_rep):
    client = world["client_a"]
    for logged in [make_interaction(db, world["rep_a"], client, note=note) for note in ("Premier", "Second")]:
        as_rep.post(f"/interactions/{logged.id}/delete")
    first, second = db.exec(select(AuditEvent).where(AuditEvent.action == services.DELETED_LOG)
                            .order_by(AuditEvent.id)).all()
    first.created_at = datetime(2026, 9, 1, tzinfo=UTC)
    db.add(first)
    db.commit()
    assert services.purge_deleted_logs(db, datetime(2026, 10, 24, tzinfo=UTC)) == 1
    db.commit()
    assert fresh(db, AuditEvent, first.id).payload == "{}"
    assert "Second" in fresh(db, AuditEvent, second.id).payload
    from fieldcrm.clients.services import purge_client

    purge_client(db, client.id)
    db.commit()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == services.DELETED_LOG)).all() == []


def test_the_edit_and_delete_pages_are_fragments_for_htmx_and_fit_the_french_phone(app, db, login, set_now):
    rep = make_user(db, "rep", locale="fr")
    mine = make_client(db, rep)
    logged = make_interaction(db, rep, mine, note="Note")
    http = app.test_client()
    login(rep, http=http)
    for url in (f"/interactions/{logged.id}/edit", f"/interactions/{logged.id}/delete"):
        full, fragment = http.get(url), http.get(url, headers=HTMX)
        assert full.status_code == fragment.status_code == 200
        assert "<html" in full.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    page = http.get(f"/interactions/{logged.id}/edit").get_data(as_text=True)
    assert "Corriger" in page and "Supprimer" in page


def test_an_undo_keeps_the_uid_even_when_sqlite_gave_the_id_to_a_newer_log(as_rep, world, db):
    client = world["client_a"]
    uid = str(uuid.uuid4())
    deleted = make_interaction(db, world["rep_a"], client, uid=uid, note="Supprimé puis rétabli")
    as_rep.post(f"/interactions/{deleted.id}/delete")
    db.expunge(deleted)  # the test's session still holds the deleted row
    newer = make_interaction(db, world["rep_a"], client, note="Noté après")  # may reuse the freed id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == services.DELETED_LOG)).one()
    assert as_rep.post(f"/interactions/deleted/{event.id}/restore").status_code == 303
    db.expire_all()
    notes = dict(db.exec(select(Interaction.uid, Interaction.note)).all())
    assert notes == {uid: "Supprimé puis rétabli", newer.uid: "Noté après"}
