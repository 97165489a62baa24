"""Exports speak the user's language: a status or a gender is a word, never the stored key."""

from __future__ import annotations

import csv
import io

import openpyxl

from fieldcrm.clients.settings import OrgSettings
from tests.factories import make_client, make_user

KEYS = ("lead", "former_client", "prospect", "female")


def _book(db, locale):
    settings = db.get(OrgSettings, 1) or OrgSettings(id=1)
    settings.collect_gender = True
    db.add(settings)
    db.commit()
    rep = make_user(db, "rep", locale=locale)
    make_client(db, rep, company_name="Quincaillerie Morel", status="lead", gender="female")
    make_client(db, rep, company_name="Garage Petit", status="former_client")
    return rep


def test_csv_and_xlsx_in_french_say_piste_and_ancien_client(app, db, login, client):
    login(_book(db, "fr"))
    rows = list(csv.reader(io.StringIO(client.get("/exports/clients.csv").data.decode("utf-8-sig")), delimiter=";"))
    by_name = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_name["Quincaillerie Morel"]["Statut"] == "Piste"
    assert by_name["Quincaillerie Morel"]["Genre"] == "Femme"
    assert by_name["Garage Petit"]["Statut"] == "Ancien client"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/exports/clients.xlsx").data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "Piste" in cells and "Ancien client" in cells and "Femme" in cells
    assert not set(KEYS) & set(cells)


def test_in_english_the_words_are_english(app, db, login, client):
    login(_book(db, "en"))
    text = client.get("/exports/clients.csv").data.decode("utf-8-sig")
    assert ";Former client;" in text and ";Lead;" in text and "former_client" not in text
