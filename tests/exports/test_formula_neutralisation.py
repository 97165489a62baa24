"""Every export neutralises what a spreadsheet would evaluate, and only that: text stays text."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from fieldcrm.web.spreadsheet import spreadsheet_safe
from tests.factories import make_client, make_user


@pytest.mark.parametrize(
    ("value", "exported"),
    [("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@Agence Lyon", "'@Agence Lyon"),
     ("@SUM(A1)", "'@SUM(A1)"), ("+cmd|x", "'+cmd|x"), ("-x", "'-x"), ("\t=1", "'\t=1"), ("\rx", "'\rx"),
     ("  =1+1", "'  =1+1"), ("＝1+1", "'＝1+1"), ("- 2+3", "'- 2+3"), ("+ SUM(A1)", "'+ SUM(A1)"),
     ("- livraison le mardi", "- livraison le mardi"), ("+ de 50 couverts", "+ de 50 couverts"),
     ("-12,5", "-12,5"), ("+33 6 12 34 56 78", "+33 6 12 34 56 78"), ("06 12 34 56 78", "06 12 34 56 78"),
     (-12.5, -12.5), (3, 3), (None, None), ("Dupont", "Dupont"), ("", ""), ("a = b", "a = b")],
)
def test_spreadsheet_safe(value, exported):
    assert spreadsheet_safe(value) == exported


def test_client_exports_neutralise_names_cities_and_notes_but_not_text_or_phones(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    make_client(db, rep, company_name="+1+1", city="@Agence Lyon", notes="- livraison le mardi",
                phone="+33478000001", mobile="+32470123456")
    make_client(db, rep, company_name="-1+1", notes="=HYPERLINK(\"http://evil\")")
    login(rep)
    rows = list(csv.reader(io.StringIO(client.get("/exports/clients.csv").data.decode("utf-8-sig")), delimiter=";"))
    by_name = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    first, second = by_name["'+1+1"], by_name["'-1+1"]
    assert first["City"] == "'@Agence Lyon" and first["Notes"] == "- livraison le mardi"
    assert first["Phone"] == "04 78 00 00 01" and not first["Mobile"].startswith("'")
    assert second["Notes"] == "'=HYPERLINK(\"http://evil\")"
    book = openpyxl.load_workbook(io.BytesIO(client.get("/exports/clients.xlsx").data))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'+1+1", "'-1+1", "'@Agence Lyon", "- livraison le mardi", "'=HYPERLINK(\"http://evil\")"} <= texts
