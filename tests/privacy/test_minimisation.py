"""The minimisation review: sensitive terms found across client notes, logs, follow-ups, appointments and
custom text fields (the entry warning's word list), rewritten in place or kept as fine."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client, CustomFieldDef, CustomFieldValue
from fieldcrm.followups.models import FollowUp
from fieldcrm.privacy import minimisation
from fieldcrm.visits.models import Interaction
from tests.factories import (
    logged_in_http,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_user,
)

HTMX = {"HX-Request": "true"}


def _flagged_file(db):
    rep, admin = make_user(db, "rep"), make_user(db, "admin")
    card = make_client(db, rep, company_name="Pharmacie Dupont", notes="Le gérant est diabétique")
    clean = make_client(db, rep, company_name="Garage Bernard", notes="Ouvert le samedi")
    log = make_interaction(db, rep, card, note="Absent: hospitalisé depuis lundi")
    make_interaction(db, rep, clean, note="Commande de pneus")
    followup = make_followup(db, rep, card, date(2026, 12, 1), reason="Rappeler après sa chimio")
    make_appointment(db, rep, clean, datetime(2026, 12, 2, 9, tzinfo=UTC), notes="Catholique pratiquant, pas le vendredi")
    field = CustomFieldDef(key="remarque", label="Remarque", field_type="text")
    db.add(field)
    db.flush()
    db.add(CustomFieldValue(client_id=clean.id, field_id=field.id, value="Un vrai escroc, à éviter"))
    db.commit()
    return {"rep": rep, "admin": admin, "card": card, "clean": clean, "log": log, "followup": followup}


def test_every_free_text_with_a_sensitive_term_is_listed(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    page = http.get("/admin/minimisation").get_data(as_text=True)
    for text in ("Le gérant est diabétique", "hospitalisé depuis lundi", "après sa chimio",
                 "Catholique pratiquant, pas le vendredi", "Un vrai escroc, à éviter"):
        assert text in page, text
    for fine in ("Ouvert le samedi", "Commande de pneus"):
        assert fine not in page
    assert "Terms: diabetique" in page and "Remarque" in page
    only_logs = http.get("/admin/minimisation", query_string={"source": "interaction"}).get_data(as_text=True)
    assert "hospitalisé" in only_logs and "diabétique" not in only_logs


def test_the_word_list_is_the_one_of_the_entry_warning(app, db, tmp_path):
    from fieldcrm.visits.routes import sensitive_terms

    terms_file = tmp_path / "terms.txt"
    terms_file.write_text("samedi\n", encoding="utf-8")
    app.config["SENSITIVE_TERMS_FILE"] = str(terms_file)
    w = _flagged_file(db)
    with app.test_request_context():
        assert minimisation.terms() == sensitive_terms() == ("samedi",)
    page = logged_in_http(app, w["admin"]).get("/admin/minimisation").get_data(as_text=True)
    assert "Ouvert le samedi" in page and "diabétique" not in page


def test_a_text_is_rewritten_in_place_and_the_trail_says_so_without_the_text(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    item = f"/admin/minimisation/interaction/{w['log'].id}"
    form = http.get(f"{item}/edit", headers=HTMX).get_data(as_text=True)
    assert "<html" not in form and "hospitalisé depuis lundi" in form
    seen = minimisation.fingerprint("Absent: hospitalisé depuis lundi")
    answer = http.post(f"{item}/edit", headers=HTMX, data={"seen": seen, "text": "Absent, rappeler lundi"})
    assert answer.status_code == 200 and "Nothing sensitive left" in answer.get_data(as_text=True)
    db.expire_all()
    assert db.get(Interaction, w["log"].id).note == "Absent, rappeler lundi"
    [cleaned] = db.exec(select(AuditEvent).where(AuditEvent.action == "text.cleaned")).all()
    assert cleaned.subject_id == w["card"].id and "hospitalis" not in cleaned.payload
    assert "hospitalisé" not in http.get("/admin/minimisation").get_data(as_text=True)


def test_a_text_changed_meanwhile_is_not_overwritten(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    seen = minimisation.fingerprint("Le gérant est diabétique")
    card = db.get(Client, w["card"].id)
    card.notes = "Le gérant est diabétique, et malade"  # the rep edits the card meanwhile
    db.add(card)
    db.commit()
    answer = http.post(f"/admin/minimisation/client/{card.id}/edit", headers=HTMX,
                       data={"seen": seen, "text": "RAS"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "changed this text meanwhile" in body and "RAS" in body
    db.expire_all()
    assert db.get(Client, card.id).notes == "Le gérant est diabétique, et malade"


def test_too_long_a_text_is_refused_with_the_typing_kept(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    seen = minimisation.fingerprint("Rappeler après sa chimio")
    answer = http.post(f"/admin/minimisation/followup/{w['followup'].id}/edit", data={"seen": seen, "text": "x" * 201})
    assert answer.status_code == 422 and "At most 200 characters" in answer.get_data(as_text=True)
    db.expire_all()
    assert db.get(FollowUp, w["followup"].id).reason == "Rappeler après sa chimio"
    assert http.post(f"/admin/minimisation/followup/{w['followup'].id}/edit",
                     data={"seen": seen, "text": "Rappeler en janvier"}).status_code == 303


def test_this_is_fine_is_remembered_until_the_text_changes(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    seen = minimisation.fingerprint("Le gérant est diabétique")
    for _ in range(2):  # a double tap keeps one dismissal
        answer = http.post(f"/admin/minimisation/client/{w['card'].id}/dismiss", headers=HTMX, data={"seen": seen})
        assert answer.status_code == 200 and "Kept as it is" in answer.get_data(as_text=True)
    assert "diabétique" not in http.get("/admin/minimisation").get_data(as_text=True)
    card = db.get(Client, w["card"].id)
    card.notes = "Le gérant est diabétique (type 2)"
    db.add(card)
    db.commit()
    assert "diabétique (type 2)" in http.get("/admin/minimisation").get_data(as_text=True)


def test_the_review_pages_by_twenty(app, db):
    rep, admin = make_user(db, "rep"), make_user(db, "admin")
    card = make_client(db, rep)
    for i in range(23):
        make_interaction(db, rep, card, note=f"Visite {i:02d}: client malade")
    http = logged_in_http(app, admin)
    first = http.get("/admin/minimisation").get_data(as_text=True)
    assert first.count("client malade") == 20 and "More texts" in first
    second = http.get("/admin/minimisation", query_string={"page": 2}, headers=HTMX).get_data(as_text=True)
    assert second.count("client malade") == 3 and "<html" not in second and "More texts" not in second


def test_an_unknown_source_or_item_is_404(app, db):
    w = _flagged_file(db)
    http = logged_in_http(app, w["admin"])
    assert http.get("/admin/minimisation/passwords/1/edit").status_code == 404
    assert http.get("/admin/minimisation/interaction/999999/edit").status_code == 404
    assert http.post("/admin/minimisation/client/999999/dismiss", data={"seen": "x"}).status_code == 404
