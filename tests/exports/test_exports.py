"""Exports round-trip (CSV for French Excel, XLSX), formula injection neutralised, role columns, vCard."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl

from fieldcrm.clients.settings import OrgSettings
from fieldcrm.sales.models import Purchase
from tests.factories import make_client, make_team, make_user


def _world(db):
    team = make_team(db)
    rep = make_user(db, "rep", team, locale="en")
    manager = make_user(db, "manager", team, locale="en")
    evil = make_client(db, rep, company_name="=HYPERLINK(\"http://evil\",\"x\")", city="@SUM(A1)",
                       phone="+33478000001", postal_code="69001")
    plain = make_client(db, rep, company_name="Boulangerie Hélène; et fils", city="Lyon", email="h@ex.fr",
                        client_since=date(2019, 2, 3))
    db.add(Purchase(client_id=plain.id, purchased_on=date(2026, 1, 5), amount=Decimal("1234.5")))
    db.commit()
    return rep, manager, evil, plain


def test_csv_opens_cleanly_in_french_excel_and_round_trips(app, db, login, client):
    rep, _manager, _evil, _plain = _world(db)
    login(rep)
    response = client.get("/exports/clients.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert "Sales rep" not in header  # a rep does not get the owner column
    plain = by_name["Boulangerie Hélène; et fils"]
    assert plain["City"] == "Lyon" and plain["Total revenue"] == "1234,50" and plain["Client since"] == "03/02/2019"
    assert plain["Last purchase"] == "05/01/2026" and plain["Number of purchases"] == "1"
    evil = by_name["'=HYPERLINK(\"http://evil\",\"x\")"]
    assert evil["City"] == "'@SUM(A1)" and evil["Phone"] == "04 78 00 00 01"
    assert evil["Total revenue"] == "0,00"


def test_xlsx_has_no_formula_and_manager_gets_the_rep_column(app, db, login, client):
    rep, manager, _evil, _plain = _world(db)
    settings = db.get(OrgSettings, 1) or OrgSettings(id=1)
    settings.collect_birth_date = False
    db.add(settings)
    db.commit()
    login(manager)
    response = client.get("/exports/clients.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values[0]
    assert "Sales rep" in header and "Birth date" not in header
    for row in values[1:]:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "@", "+"))), cell
    names = {row[0] for row in values[1:]}
    assert names == {"'=HYPERLINK(\"http://evil\",\"x\")", "Boulangerie Hélène; et fils"}
    revenue = {row[0]: row[header.index("Total revenue")] for row in values[1:]}
    assert revenue["Boulangerie Hélène; et fils"] == 1234.5
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_segment_export_is_the_segment(app, db, login, client):
    rep, _m, _e, _p = _world(db)
    from fieldcrm.segments import services

    with app.test_request_context():
        segment = services.save_segment(db, rep, {"city": "lyon"}, "Lyon", False, "#0f5e6e")
    login(rep)
    text = client.get(f"/exports/clients.csv?segment={segment.id}").data.decode("utf-8-sig")
    assert "Boulangerie" in text and "HYPERLINK" not in text


def test_vcard(app, db, login, client):
    rep = make_user(db, "rep")
    shop = make_client(db, rep, company_name="Cave, Castagné", phone="+33478000001", mobile="+33612345678",
                       email="cave@ex.fr", street="12 rue du Port", postal_code="13002", city="Marseille",
                       contacts=[{"first_name": "Zoé", "last_name": "Martin"}])
    login(rep)
    response = client.get(f"/clients/{shop.id}/vcard.vcf")
    assert response.status_code == 200 and response.mimetype == "text/vcard"
    card = response.data.decode()
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and card.endswith("END:VCARD\r\n")
    assert "ORG:Cave\\, Castagné" in card and "N:Martin;Zoé;;;" in card
    assert "TEL;TYPE=CELL:+33612345678" in card and "EMAIL;TYPE=INTERNET:cave@ex.fr" in card
    assert "ADR;TYPE=WORK:;;12 rue du Port;Marseille;;13002;FR" in card


def test_the_list_export_holds_exactly_the_clients_on_screen(app, db, login, client):
    """Whose clients and "not contacted for" narrow the export as they narrow the list, and the list's
    export links carry every filter shown."""
    team = make_team(db)
    manager = make_user(db, "manager", team, locale="en")
    rep, other = make_user(db, "rep", team, locale="en"), make_user(db, "rep", team, locale="en")
    make_client(db, rep, company_name="Garage Martin", city="Lyon")
    make_client(db, other, company_name="Garage Petit", city="Lyon")
    login(manager)
    listed = client.get(f"/clients?q=garage&owner={rep.id}&stale=90").get_data(as_text=True)
    link = listed.split('href="/exports/clients.csv?')[1].split('"')[0].replace("&amp;", "&")
    assert f"owner={rep.id}" in link and "stale=90" in link and "q=garage" in link
    rows = list(csv.reader(io.StringIO(client.get("/exports/clients.csv?" + link).data.decode("utf-8-sig")),
                           delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Garage Martin"]
    everyone = list(csv.reader(io.StringIO(client.get("/exports/clients.csv?q=garage").data.decode("utf-8-sig")),
                               delimiter=";"))
    assert sorted(r[0] for r in everyone[1:]) == ["Garage Martin", "Garage Petit"]
