"""Follow-ups (relances) and appointments: create, done → log, snooze, cancel, assign, overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.followups.services import flag_overlaps
from tests.factories import make_appointment, make_client, make_followup, make_user


def test_create_a_follow_up_with_bad_input_kept(as_rep, world, db):
    url = f"/clients/{world['client_a'].id}/followups/new"
    bad = as_rep.post(url, data={"due_date": "2026-11-31", "reason": "Relancer le devis"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "is not a date that exists" in body and "Relancer le devis" in body
    past = as_rep.post(url, data={"due_date": "2026-11-20", "reason": "x"})
    assert past.status_code == 422 and "already past" in past.get_data(as_text=True)
    too_long = as_rep.post(url, data={"due_date": "2026-11-25", "reason": "x" * 201})
    assert too_long.status_code == 422
    ok = as_rep.post(url, data={"due_date": "2026-11-25", "due_time": "09:15", "reason": "Relancer le devis"})
    assert ok.status_code == 303
    followup = db.exec(select(FollowUp)).one()
    assert (followup.due_date, followup.assignee_id, followup.status) == (date(2026, 11, 25), world["rep_a"].id,
                                                                          "open")


def test_done_offers_to_log_the_interaction(as_rep, world, db):
    followup = make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 23), reason="Rappeler")
    response = as_rep.post(f"/followups/{followup.id}/done", data={"next": "/"})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/clients/{world['client_a'].id}/log?kind=phone")
    db.expire_all()
    assert db.get(FollowUp, followup.id).status == "done"
    sheet = as_rep.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="kind" value="phone" checked' in sheet


def test_snooze_and_cancel(as_rep, world, db):
    followup = make_followup(db, world["rep_a"], world["client_a"], date(2026, 11, 20), reason="Rappeler")
    assert as_rep.post(f"/followups/{followup.id}/snooze", data={"days": "1"}).status_code == 303
    db.expire_all()
    snoozed = db.get(FollowUp, followup.id)
    assert snoozed.due_date == date(2026, 11, 24) and snoozed.snoozed_count == 1  # from today, not from the old date
    assert as_rep.post(f"/followups/{followup.id}/snooze", data={"until": "2026-12-02"}).status_code == 303
    db.expire_all()
    assert db.get(FollowUp, followup.id).due_date == date(2026, 12, 2)
    assert as_rep.post(f"/followups/{followup.id}/cancel").status_code == 303
    db.expire_all()
    assert db.get(FollowUp, followup.id).status == "cancelled"


def test_a_manager_assigns_follow_ups_to_a_rep_but_not_outside_the_team(app, world, db, login):
    manager = app.test_client()
    login(world["manager_a"], http=manager)
    url = f"/clients/{world['client_a'].id}/followups/new"
    form = manager.get(url).get_data(as_text=True)
    assert world["rep_a"].name in form and world["rep_c"].name not in form
    assert manager.post(url, data={"due_date": "2026-11-23", "reason": "Voir le stock",
                                   "assignee_id": str(world["rep_a"].id)}).status_code == 303
    assert db.exec(select(FollowUp.assignee_id)).one() == world["rep_a"].id
    # rep_b is in the team but cannot see rep_a's client: not a valid assignee for it
    refused = manager.post(url, data={"due_date": "2026-11-24", "assignee_id": str(world["rep_b"].id)})
    assert refused.status_code == 422
    rep = app.test_client()
    login(world["rep_a"], http=rep)
    today = rep.get("/").get_data(as_text=True)
    assert "Voir le stock" in today


def test_a_rep_cannot_assign_to_someone_else(as_rep, world, db):
    url = f"/clients/{world['client_a'].id}/followups/new"
    response = as_rep.post(url, data={"due_date": "2026-11-24", "assignee_id": str(world["rep_b"].id)})
    assert response.status_code == 422
    assert db.exec(select(FollowUp)).first() is None


def test_appointment_end_before_start_and_overlaps(as_rep, world, db):
    url = f"/clients/{world['client_a'].id}/appointments/new"
    backwards = as_rep.post(url, data={"starts_at": "2026-11-25T10:00", "ends_at": "2026-11-25T09:00",
                                       "place": "Au magasin"})
    body = backwards.get_data(as_text=True)
    assert backwards.status_code == 422 and "The end must come after the start." in body and "Au magasin" in body
    impossible = as_rep.post(url, data={"starts_at": "2026-11-31T10:00", "ends_at": "2026-11-31T11:00"})
    assert impossible.status_code == 422
    first = as_rep.post(url, data={"starts_at": "2026-11-25T10:00", "ends_at": "2026-11-25T11:00"})
    assert first.status_code == 303
    second = as_rep.post(url, data={"starts_at": "2026-11-25T10:30", "ends_at": "2026-11-25T11:30"},
                         follow_redirects=True)
    assert "overlaps another one" in second.get_data(as_text=True)
    starts = sorted(a.starts_at for a in db.exec(select(Appointment)).all())
    assert starts == [datetime(2026, 11, 25, 9, tzinfo=UTC), datetime(2026, 11, 25, 9, 30, tzinfo=UTC)]


def test_flag_overlaps():
    def appt(i, start, end):
        return Appointment(id=i, client_id=1, owner_id=1, starts_at=datetime(2026, 1, 1, start, tzinfo=UTC),
                           ends_at=datetime(2026, 1, 1, end, tzinfo=UTC))

    assert flag_overlaps([appt(1, 9, 10), appt(2, 10, 11)]) == set()  # back to back is fine
    assert flag_overlaps([appt(1, 9, 12), appt(2, 10, 11), appt(3, 11, 13), appt(4, 14, 15)]) == {1, 2, 3}


def test_edit_and_cancel_an_appointment(as_rep, world, db):
    appointment = make_appointment(db, world["rep_a"], world["client_a"], datetime(2026, 11, 26, 9, tzinfo=UTC))
    form = as_rep.get(f"/appointments/{appointment.id}/edit").get_data(as_text=True)
    assert 'value="2026-11-26T10:00"' in form  # shown in Paris time
    response = as_rep.post(f"/appointments/{appointment.id}/edit",
                           data={"starts_at": "2026-11-26T14:00", "ends_at": "2026-11-26T15:30", "place": "Dépôt"})
    assert response.status_code == 303
    assert as_rep.post(f"/appointments/{appointment.id}/cancel").status_code == 303
    db.expire_all()
    saved = db.get(Appointment, appointment.id)
    assert saved.starts_at == datetime(2026, 11, 26, 13, tzinfo=UTC) and saved.cancelled_at is not None


def test_the_appointment_form_limits_the_place_as_html_not_as_text(app, db, login):
    """The place field carries a real maxlength attribute (it used to be escaped into `&quot;200&quot;`)."""
    rep = make_user(db)
    card = make_client(db, rep, company_name="Menuiserie Étienne")
    http = app.test_client()
    login(rep, http=http)
    body = http.get(f"/clients/{card.id}/appointments/new").get_data(as_text=True)
    assert 'maxlength="200"' in body and "&quot;200&quot;" not in body


def test_the_forms_answer_in_french_with_the_typing_kept(app, world, db, login):
    rep = make_user(db, locale="fr")
    client = make_client(db, rep, company_name="Fromagerie Lucas")
    http = app.test_client()
    login(rep, http=http)
    followup = http.post(f"/clients/{client.id}/followups/new",
                         data={"due_date": "   ", "due_time": "25:00", "reason": "Rappeler Mme Lucas"})
    body = followup.get_data(as_text=True)
    assert followup.status_code == 422
    assert "Choisissez une date." in body and "25:00\u00a0» n&#39;est pas une heure (hh:mm)." in body  # by each field
    assert 'value="25:00"' in body and 'value="Rappeler Mme Lucas"' in body
    appointment = http.post(f"/clients/{client.id}/appointments/new",
                            data={"starts_at": "2026-11-31T10:00", "ends_at": "", "place": "Au marché",
                                  "notes": "n" * 5001})
    body = appointment.get_data(as_text=True)
    assert appointment.status_code == 422
    assert "2026-11-31T10:00" in body and "Au marché" in body and "Choisissez une date et une heure." in body
    assert "La note est trop longue\u00a0: 5001 caractères, 4000 au maximum." in body
    assert db.exec(select(FollowUp).where(FollowUp.client_id == client.id)).first() is None
    assert db.exec(select(Appointment).where(Appointment.client_id == client.id)).first() is None
