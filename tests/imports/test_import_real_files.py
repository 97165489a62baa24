"""The files people really bring: an ERP .xlsx (title block, merged group headers, rep initials, statuses
in a category column, a total row) and an online-CRM contacts export (UTF-8 with BOM, English headers,
lifecycle stages, owners, job titles); the value-mapping step; flags instead of guesses; whose portfolio."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from sqlmodel import select

from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.imports.models import ImportJob, ImportValueMap
from tests.factories import make_client, make_team, make_user


def _upload(http, data: bytes, name: str):
    return http.post("/imports", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _job(db) -> ImportJob:
    db.expire_all()
    return db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()


def _form(job, **extra):
    data = {f"col-{i}": t for i, t in json.loads(job.mapping).items()}
    data.update(extra)
    return data


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def team_world(db):
    team = make_team(db, "Rhône")
    manager = make_user(db, "manager", team, name="Manon Leroy", locale="en")
    jean = make_user(db, "rep", team, name="Jean Dupont")
    marie = make_user(db, "rep", team, name="Marie Bernard")
    outsider = make_user(db, "rep", make_team(db, "Nord"), name="Paul Martin")
    return {"manager": manager, "jean": jean, "marie": marie, "outsider": outsider}


def _erp_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "EXPORT CLIENTS — ERP GESTCOM"
    sheet["A2"] = "Édité le 03/12/2026"
    sheet.append([])
    sheet.append(["Identité", None, None, "Adresse", None, None, "Suivi", None, None])
    sheet.merge_cells("A4:C4")
    sheet.merge_cells("D4:F4")
    sheet.merge_cells("G4:I4")
    sheet.append(["Code", "Raison sociale", "Contact", "Adresse", "CP", "Ville", "Commercial", "Catégorie",
                  "CA 2025"])
    rows = [
        ("C001", "Boulangerie du Parc", "M. Jean-Marc Petit", "3 rue Neuve", "69001", "Lyon", "JD", "Client VIP", 1200),
        ("C002", "Garage des Alpes", "DURAND Sophie", "12 av. Foch", "69006", "Lyon", "MB", "Prospect froid", 0),
        ("C003", "Fleurs & Co", "Mme Anne Roux", "1 place Bellecour", "69002", "Lyon", "jd", "Ancien client", 300),
        ("C004", "Cave Saint-Jean", "Luc Morel", "8 quai Pierre Scize", "69005", "Lyon", "XYZ", "Client", 90),
    ]
    for row in rows:
        sheet.append(row)
    sheet.append(["TOTAL", None, None, None, None, None, None, None, "=SUM(I6:I9)"])
    sheet.append([None, "4 clients", None, None, None, None, None, None, "=SUBTOTAL(9,I6:I9)"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_erp_xlsx_with_title_block_merged_headers_initials_categories_and_totals(app, db, login, client,
                                                                                 team_world):
    login(team_world["manager"])
    assert _upload(client, _erp_xlsx(), "erp.xlsx").status_code == 303
    job = _job(db)
    mapping = {int(k): v for k, v in json.loads(job.mapping).items()}
    assert mapping[1] == "company_name" and mapping[2] == "full_name" and mapping[6] == "owner_email"
    assert mapping[7] == "status"  # the values of "Catégorie" read as statuses
    page = client.post(f"/imports/{job.id}/mapping", data=_form(job, action="preview")).get_data(as_text=True)
    text = _text(page)
    assert "3 rows imported as they are" in text and "1 row imported with a field to check" in text
    assert "0 rows refused" in text
    assert "2 total rows left out" in text
    # The value-mapping step: each value with its count and the guess.
    assert "Client VIP (1 row)" in text and "JD (2 rows)" in text and "XYZ (1 row)" in text
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run"))
    job = _job(db)
    assert job.status == "done" and job.created_count == 4 and job.error_count == 0
    cards = {c.company_name: c for c in db.exec(select(Client)).all()}
    assert set(cards) == {"Boulangerie du Parc", "Garage des Alpes", "Fleurs & Co", "Cave Saint-Jean"}
    parc, alpes, fleurs, cave = (cards[n] for n in ("Boulangerie du Parc", "Garage des Alpes", "Fleurs & Co",
                                                    "Cave Saint-Jean"))
    assert (parc.status, alpes.status, fleurs.status, cave.status) == ("client", "suspect", "former_client", "client")
    assert parc.owner_id == fleurs.owner_id == team_world["jean"].id and alpes.owner_id == team_world["marie"].id
    assert cave.owner_id == team_world["manager"].id and job.warning_count == 1  # "XYZ" names nobody: flagged
    assert (parc.civility, parc.first_name, parc.last_name) == ("M", "Jean-Marc", "Petit")
    assert (alpes.first_name, alpes.last_name) == ("Sophie", "DURAND")
    people = {p.last_name: p for p in db.exec(select(ContactPerson)).all()}
    assert people["Petit"].client_id == parc.id and people["Roux"].civility == "MME"


CRM_CSV = (
    "First Name,Last Name,Email,Job Title,Company Name,Lifecycle Stage,Lead Status,Contact owner,Phone Number\r\n"
    "Jane,Doe,Jane.DOE@Example.COM,Head of Purchasing,Acme SAS,customer,Open,jean dupont,+33 4 78 00 00 01\r\n"
    "John,Smith,john@smith.io,CEO,Smith Ltd,subscriber,New,marie.bernard@example.invalid,\r\n"
    "Ann,Lee,ann@lee.fr,Buyer,Lee SARL,marketingqualifiedlead,,Marie Bernard,\r\n"
    "Bob,Ray,bob@ray.fr,Owner,Ray EURL,salesqualifiedlead,In progress,,\r\n"
    "Eve,Fox,eve@fox.fr,,Fox SA,opportunity,,,\r\n"
    "Dan,Ho,dan@ho.fr,,Ho SAS,evangelist,,,\r\n"
    "Al,Bo,al@bo.fr,,Bo SAS,other,,,\r\n"
    "Cy,Di,cy@di.fr,,Di SAS,lead,,,\r\n"
)


def test_online_crm_export_with_lifecycle_stages_owners_and_job_titles(app, db, login, client, team_world):
    team_world["marie"].email = "marie.bernard@example.invalid"
    db.add(team_world["marie"])
    db.commit()
    login(team_world["manager"])
    _upload(client, CRM_CSV.encode("utf-8-sig"), "hubspot.csv")
    job = _job(db)
    mapping = json.loads(job.mapping)
    assert mapping["3"] == "contact_function" and mapping["5"] == "status" and mapping["7"] == "owner_email"
    assert mapping["6"] == "ignore"  # Lead Status loses the status to Lifecycle Stage, never a wrong field
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run"))
    job = _job(db)
    assert job.status == "done" and job.created_count == 8 and job.error_count == 0
    cards = {c.company_name: c for c in db.exec(select(Client)).all()}
    statuses = {name: c.status for name, c in cards.items()}
    assert statuses == {"Acme SAS": "client", "Smith Ltd": "suspect", "Lee SARL": "lead", "Ray EURL": "prospect",
                        "Fox SA": "prospect", "Ho SAS": "client", "Bo SAS": "suspect", "Di SAS": "lead"}
    assert cards["Acme SAS"].email == "jane.doe@example.com"  # lower-cased whole
    assert cards["Acme SAS"].owner_id == team_world["jean"].id
    assert cards["Smith Ltd"].owner_id == cards["Lee SARL"].owner_id == team_world["marie"].id
    person = db.exec(select(ContactPerson).where(ContactPerson.client_id == cards["Acme SAS"].id)).one()
    assert (person.first_name, person.last_name, person.function) == ("Jane", "Doe", "Head of Purchasing")


def test_value_mapping_choices_apply_and_are_remembered_for_the_same_kind_of_file(app, db, login, client):
    rep = make_user(db, "rep", name="Rita Rep", locale="en")
    login(rep)
    data = "Société;Type\nA;Client VIP\nB;Client VIP\nC;Prospect froid\nD;Partenaire\n".encode()
    _upload(client, data, "a.csv")
    job = _job(db)
    page = client.post(f"/imports/{job.id}/mapping", data=_form(job, action="preview")).get_data(as_text=True)
    assert "Client VIP (2 rows)" in _text(page) and "Partenaire (1 row)" in _text(page)
    keys = dict(re.findall(r'name="vk-status-(\d+)" value="([^"]+)"', page))
    position = {v: k for k, v in keys.items()}
    chosen = {f"vk-status-{n}": key for n, key in keys.items()}
    chosen[f"vm-status-{position['client vip']}"] = "prospect"  # the user's choice beats the guess
    chosen[f"vm-status-{position['partenaire']}"] = "client"
    chosen[f"vm-status-{position['prospect froid']}"] = "suspect"
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", **chosen))
    cards = {c.company_name: c.status for c in db.exec(select(Client)).all()}
    assert cards == {"A": "prospect", "B": "prospect", "C": "suspect", "D": "client"}
    remembered = db.exec(select(ImportValueMap.target).where(ImportValueMap.user_id == rep.id)).all()
    assert sorted(remembered) == ["_columns", "status"]
    # Next file, same headers in another order: the columns and the values come pre-filled.
    _upload(client, "Type;Société\nPartenaire;E\nClient VIP;F\n".encode(), "b.csv")
    job = _job(db)
    assert json.loads(job.mapping) == {"0": "status", "1": "company_name"}
    page = client.get(f"/imports/{job.id}/mapping").get_data(as_text=True)
    values = page[page.index('id="value-mapping"'):]
    vip = re.search(r'Client VIP.*?</select>', values, re.S).group(0)
    assert re.search(r'<option value="prospect"\s+selected', vip)
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run"))
    cards = {c.company_name: c.status for c in db.exec(select(Client)).all()}
    assert cards["E"] == "client" and cards["F"] == "prospect"


def test_preview_counts_clean_flagged_and_refused_rows_by_reason(app, db, login, client):
    login(make_user(db, "rep", locale="en"))
    data = ("Société;E-mail;SIRET;Téléphone;Ville\n"
            "Clean;a@clean.fr;73282932000074;04 78 00 00 01;Lyon\n"
            "Bad mail;pas-un-mail;;;Lyon\n"
            "Bad siret;b@x.fr;123;;Lyon\n"
            ";c@x.fr;;;Lyon\n").encode()
    _upload(client, data, "counts.csv")
    job = _job(db)
    text = _text(client.post(f"/imports/{job.id}/mapping", data=_form(job, action="preview")).get_data(as_text=True))
    assert "1 row imported as it is" in text
    assert "2 rows imported with a field to check" in text and "Invalid email address: 1" in text
    assert "1 row refused" in text and "A company name or a last name is required: 1" in text
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run"))
    job = _job(db)
    assert (job.created_count, job.skipped_count, job.warning_count) == (3, 1, 2)
    bad = db.exec(select(Client).where(Client.company_name == "Bad siret")).one()
    assert bad.siret is None and bad.email == "b@x.fr"


def test_flags_instead_of_guesses(app, db, login, client):
    login(make_user(db, "rep", locale="en"))
    data = ("Société;Client depuis;CP;Ville;Téléphone;E-mail;Notes\n"
            "Boulangerie Année;2016;69001;Lyon;;;\n"
            "Pressing Décalé;15/03/2019;69001;Lyon;;;a;b;c\n"
            "Tabac Mauvaise Ville;;75001;Marseille;;;\n"
            "Code Inconnu;;99999;Nulle Part;;;\n"
            "CafÃ© du Port;;13002;Marseille;;;\n"
            "Deux Numéros;;69001;Lyon;04 78 00 00 01 / 06 12 34 56 78;;\n"
            "GARAGE DE L'ÉGLISE;;69001;LYON;;Contact@Garage.FR;\n").encode()
    _upload(client, data, "flags.csv")
    job = _job(db)
    text = _text(client.post(f"/imports/{job.id}/mapping",
                             data=_form(job, action="preview", title_case="1")).get_data(as_text=True))
    assert "More cells than columns" in text and "b | c" in text  # the shifted row's extra cells shown
    assert "Only part of a date" in text and "does not match this city" in text
    assert "Damaged accents were repaired" in text and "Two numbers in one cell" in text
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", title_case="1"))
    job = _job(db)
    assert job.status == "done" and job.created_count == 7 and job.error_count == 0
    cards = {c.company_name: c for c in db.exec(select(Client)).all()}
    annee = cards["Boulangerie Année"]
    assert annee.client_since is None and "2016" in annee.notes  # never 1 January 2016
    assert cards["Pressing Décalé"].notes == "a"
    assert cards["Code Inconnu"].postal_code == "99999"  # kept and flagged, not refused
    assert cards["Tabac Mauvaise Ville"].postal_code == "75001" and cards["Tabac Mauvaise Ville"].city == "Marseille"
    assert "Café du Port" in cards
    two = cards["Deux Numéros"]
    assert two.phone == "+33478000001" and two.mobile == "+33612345678"
    garage = cards["Garage de l'Église"]
    assert garage.city == "Lyon" and garage.email == "contact@garage.fr"
    report = client.get(f"/imports/{job.id}/errors.csv").data.decode("utf-8-sig")
    assert "Only part of a date" in report and "b;c" in report  # the extra cells are in the report


def test_an_admin_or_manager_chooses_whose_portfolio_within_reach(app, db, login, client, team_world):
    login(team_world["manager"])
    _upload(client, "Société\nA\n".encode(), "a.csv")
    job = _job(db)
    page = client.get(f"/imports/{job.id}/mapping").get_data(as_text=True)
    assert "Jean Dupont" in page and "Paul Martin" not in page  # only reps within the manager's team
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", owner_id=str(team_world["marie"].id)))
    assert db.exec(select(Client)).one().owner_id == team_world["marie"].id
    _upload(client, "Société\nB\n".encode(), "b.csv")
    job = _job(db)  # a forged choice outside the team: the cards stay with the manager
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", owner_id=str(team_world["outsider"].id)))
    assert db.exec(select(Client).where(Client.company_name == "B")).one().owner_id == team_world["manager"].id


def test_skip_and_create_modes_for_matching_cards(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    make_client(db, rep, company_name="Ancienne Raison", email="x@y.fr")
    login(rep)
    data = "Société;E-mail;Ville\nNouvelle Raison;X@Y.FR;Lyon\n".encode()
    _upload(client, data, "a.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", update_mode="skip"))
    job = _job(db)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 0, 1)
    assert db.exec(select(Client)).one().city is None
    _upload(client, data, "b.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(job, action="run", update_mode="create"))
    assert sorted(c.company_name for c in db.exec(select(Client)).all()) == ["Ancienne Raison", "Nouvelle Raison"]
