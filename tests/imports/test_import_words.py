"""The import preview speaks the user's words: a status by its name ("Piste", "Ancien client"), a date
in words, a phone in groups — never the stored key ("lead", "former_client") or a raw value."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from fieldcrm.imports.models import ImportJob
from tests.factories import make_client, make_user

CSV = ("Raison sociale;CP;Ville;Tél.;Statut;Client depuis\r\n"
       "Boulangerie Hélène;69001;Lyon;0478000001;lead;03/02/2019\r\n"
       "Garage Bernard;13001;Marseille;0491000002;former_client;15/11/2020\r\n").encode()


def test_the_preview_shows_statuses_and_values_in_french(app, db, login, client):
    rep = make_user(db, "rep", locale="fr")
    login(rep)
    upload = client.post("/imports", data={"file": (io.BytesIO(CSV), "clients.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
    assert "status" in form.values()
    preview = client.post(f"/imports/{job.id}/mapping", data={**form, "action": "preview"},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    rows = preview[preview.index("preview-rows"):]
    assert "Piste" in rows and "Ancien client" in rows
    assert ">lead<" not in rows and ">former_client<" not in rows
    assert "04 78 00 00 01" in rows  # the phone as people write it, not +33478000001


def test_the_purchase_preview_names_the_client_and_writes_amounts_as_money(app, db, login, client):
    rep = make_user(db, "rep", locale="fr")
    make_client(db, rep, company_name="Boulangerie Hélène", siret="73282932000074", postal_code="69001")
    data = ("SIRET;Date d'achat;Montant HT;Produit\n"
            "73282932000074;05/03/2026;4652,19;Four à pain\n").encode("cp1252")
    login(rep)
    upload = client.post("/imports", data={"file": (io.BytesIO(data), "achats.csv"), "kind": "purchases"},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
    preview = client.post(f"/imports/{job.id}/mapping", data={**form, "action": "preview"},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    rows = preview[preview.index("preview-rows"):]
    assert "Boulangerie Hélène" in rows and "client_id" not in rows
    assert "4\u202f652,19\u00a0€" in rows or "4\u00a0652,19\u00a0€" in rows, rows[:1500]
    assert "4652.19" not in rows
