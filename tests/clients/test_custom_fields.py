"""Admin-defined custom fields: typed values on the card, validated, kept when hidden."""

from __future__ import annotations

from sqlmodel import select

from fieldcrm.clients.models import CustomFieldDef, CustomFieldValue
from tests.factories import make_client, make_user

BASE = {"kind": "company", "company_name": "Cave Dupuis", "status": "client", "country": "FR"}


def define(http, label, field_type, choices=""):
    return http.post("/admin/custom-fields", data={"label": label, "field_type": field_type, "choices": choices})


def test_admin_defines_fields_and_reps_fill_them(app, db, login):
    admin, rep = make_user(db, "admin"), make_user(db)
    admin_http = app.test_client()
    login(admin, http=admin_http)
    assert define(admin_http, "Surface (m²)", "number").status_code == 303
    assert define(admin_http, "Date du dernier audit", "date").status_code == 303
    assert define(admin_http, "Gamme", "choice", "Premium\nStandard\n").status_code == 303
    assert define(admin_http, "Gamme", "text").status_code == 422  # same name twice
    assert define(admin_http, "Vide", "choice", "").status_code == 422  # a choice needs choices
    fields = {f.label: f for f in db.exec(select(CustomFieldDef)).all()}
    surface, audit, gamme = fields["Surface (m²)"], fields["Date du dernier audit"], fields["Gamme"]

    http = app.test_client()
    login(rep, http=http)
    assert b"Surface (m" in http.get("/clients/new").data
    bad = dict(BASE, **{f"custom_{surface.id}": "beaucoup", f"custom_{audit.id}": "31/02/2026",
                        f"custom_{gamme.id}": "Luxe"})
    r = http.post("/clients/new", data=bad)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "beaucoup" in body and "31/02/2026" in body and body.count('class="error"') == 3
    good = dict(BASE, **{f"custom_{surface.id}": "120,5", f"custom_{audit.id}": "2026-03-01",
                         f"custom_{gamme.id}": "Premium"})
    r = http.post("/clients/new", data=good)
    assert r.status_code == 303
    values = {v.field_id: v.value for v in db.exec(select(CustomFieldValue)).all()}
    assert values == {surface.id: "120.5", audit.id: "2026-03-01", gamme.id: "Premium"}
    card = http.get(r.headers["Location"]).get_data(as_text=True)
    assert "Gamme" in card and "Premium" in card and "120.5" in card


def test_hidden_field_keeps_its_values_and_disappears_from_forms(app, db, login):
    admin = make_user(db, "admin")
    http = app.test_client()
    login(admin, http=http)
    define(http, "Potentiel", "text")
    field = db.exec(select(CustomFieldDef)).one()
    client = make_client(db, admin)
    edit = http.get(f"/clients/{client.id}/edit").get_data(as_text=True)
    import re

    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    http.post(f"/clients/{client.id}/edit", data=dict(BASE, version=version, **{f"custom_{field.id}": "Fort"}))
    assert http.post(f"/admin/custom-fields/{field.id}/active", data={"active": "0"}).status_code == 303
    assert b"Potentiel" not in http.get(f"/clients/{client.id}/edit").data
    assert db.exec(select(CustomFieldValue.value)).one() == "Fort"


def test_custom_field_admin_is_admin_only(app, db, login):
    rep = make_user(db)
    http = app.test_client()
    login(rep, http=http)
    assert http.get("/admin/custom-fields").status_code == 404
    assert define(http, "X", "text").status_code == 404


def test_numbers_and_dates_are_read_as_the_import_reads_them(app, db, login):
    """A French amount and a dd/mm/yyyy date, as a spreadsheet has them, are taken by the card too."""
    admin = make_user(db, "admin")
    http = app.test_client()
    login(admin, http=http)
    define(http, "Surface (m²)", "number")
    define(http, "Date du dernier audit", "date")
    fields = {f.label: f for f in db.exec(select(CustomFieldDef)).all()}
    surface, audit = fields["Surface (m²)"], fields["Date du dernier audit"]
    r = http.post("/clients/new", data=dict(BASE, **{f"custom_{surface.id}": "1.234,50",
                                                      f"custom_{audit.id}": "01/03/2026"}))
    assert r.status_code == 303
    values = {v.field_id: v.value for v in db.exec(select(CustomFieldValue)).all()}
    assert values == {surface.id: "1234.50", audit.id: "2026-03-01"}
