"""The import screens end to end: upload, mapping, preview, background run, re-import, error report,
all-or-nothing, hostile files, and a rep's import never touching another portfolio."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import phonenumbers
import pytest
from sqlmodel import select

from fieldcrm.clients import services as client_services
from fieldcrm.clients.models import Client, ClientTag
from fieldcrm.clients.normalise import phone_search_forms
from fieldcrm.dedupe.queries import find_duplicates
from fieldcrm.imports.models import ImportJob
from tests.factories import make_client, make_user, portfolio_world

CP1252_CSV = (
    "Raison sociale;Nom;Prénom;CP;Ville;Tél.;E-mail;SIRET;Secteur;Statut;Client depuis;Mots-clés\r\n"
    "Boulangerie Hélène;Dupré;Hélène;69001;Lyon;04 78 00 00 01;helene@boulangerie.fr;73282932000074;Boulangerie;client;03/02/2019;pain,bio\r\n"
    "Garage Bernard;Bernard;Éric;13001;Marseille;+33 4 91 00 00 02;eric@garage.fr;;Automobile;prospect;15/11/2020;\r\n"
    "Café de l'Église;Léger;Noël;75004;Paris;01.42.00.00.03;pas-un-email;;Café;client;31/02/2021;\r\n"
    ";;;;;;;;;;;\r\n"
    "Pharmacie Ørsted;Martin;Zoé;33000;Bordeaux;06 12 34 56 78;zoe@pharma.fr;;Pharmacie;lead;01/01/2022;\r\n"
).encode("cp1252", errors="replace")


NO_IDENTITY_CSV = CP1252_CSV + ";;;69001;Lyon;04 78 00 00 09;;;;;;\r\n".encode("cp1252")


def _upload(http, data: bytes, name: str):
    return http.post("/imports", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _job(db, job_id=None) -> ImportJob:
    db.expire_all()
    stmt = select(ImportJob).order_by(ImportJob.id.desc())
    return db.exec(stmt.where(ImportJob.id == job_id) if job_id else stmt).first()


def _form(db, job, **extra):
    mapping = json.loads(job.mapping)
    data = {f"col-{i}": t for i, t in mapping.items()}
    data.update(extra)
    return data


@pytest.fixture
def rep(db):
    return make_user(db, "rep", locale="en")


def test_cp1252_semicolon_csv_with_french_dates_through_mapping_preview_and_import(app, db, login, client, rep):
    login(rep)
    response = _upload(client, CP1252_CSV, "clients.csv")
    assert response.status_code == 303
    job = _job(db)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Raison sociale" in page and "Boulangerie Hélène" in page  # headers and samples read as cp1252
    mapping = json.loads(job.mapping)
    assert mapping["0"] == "company_name" and mapping["3"] == "postal_code" and mapping["5"] == "phone"

    preview = client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="preview"),
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in preview
    assert "pas-un-email" in preview and "Invalid email address" in preview
    assert "31/02/2021" in preview and "Invalid date" in preview

    done = client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run", error_mode="skip"))
    assert done.status_code == 303
    job = _job(db, job.id)
    assert job.status == "done", (job.status, job.error_code)
    # A bad e-mail or date costs its field, not the row: the café is imported, flagged.
    assert (job.created_count, job.updated_count, job.skipped_count, job.error_count) == (4, 0, 0, 0)
    assert job.warning_count == 1
    clients = {c.company_name: c for c in db.exec(select(Client)).all()}
    assert set(clients) == {"Boulangerie Hélène", "Garage Bernard", "Café de l'Église", "Pharmacie Ørsted"} or \
        set(clients) == {"Boulangerie Hélène", "Garage Bernard", "Café de l'Église", "Pharmacie ?rsted"}
    cafe = clients["Café de l'Église"]
    assert cafe.email is None and cafe.client_since is None and cafe.phone == "+33142000003"
    helene = clients["Boulangerie Hélène"]
    assert helene.phone == "+33478000001" and helene.siret == "73282932000074"
    assert helene.client_since.isoformat() == "2019-02-03" and helene.owner_id == rep.id
    assert helene.status == "client" and helene.first_name == "Hélène"
    assert len(db.exec(select(ClientTag).where(ClientTag.client_id == helene.id)).all()) == 2
    assert "helene" in helene.search_text

    status = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "4 clients created" in status and "1 row imported with a field to check" in status
    assert "kept until" in status  # the report's retention is said
    report = client.get(f"/imports/{job.id}/errors.csv")
    assert report.status_code == 200 and report.data.startswith(b"\xef\xbb\xbf")
    text = report.data.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].split(";")[-1] in ("Reason", "Motif", "Raison")
    assert len(lines) == 2 and "Café de l'Église" in lines[1] and "pas-un-email" in lines[1]
    assert "imported, to check" in lines[1]
    assert "Invalid" in lines[1] or "invalide" in lines[1].lower()


def test_reimporting_the_same_file_updates_on_strong_keys_and_never_merges_on_weak_ones(app, db, login, client,
                                                                                      rep):
    login(rep)
    for _round in range(2):
        _upload(client, CP1252_CSV, "clients.csv")
        job = _job(db)
        client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db)
    # Three rows have a SIRET or an e-mail: their cards are found again. The café has neither (its e-mail
    # is invalid): the same name in the same postal code is a weak key, so a card is created and the
    # pair is listed among the probable duplicates. The three cards found have nothing new: left unchanged.
    assert job.status == "done" and (job.created_count, job.updated_count, job.skipped_count) == (1, 0, 3)
    assert len(db.exec(select(Client)).all()) == 5
    with app.test_request_context():
        pairs = find_duplicates(db, rep)
    assert [{p.first.display_name, p.second.display_name} for p in pairs] == [{"Café de l'Église"}]

    # A changed file: same SIRET with a new name and postal code, same e-mail with a new name, same phone.
    changed = ("Raison sociale;CP;Ville;SIRET;E-mail;Portable\n"
               "Boulangerie Hélène SARL;69002;Lyon;73282932000074;;\n"
               "Le Garage;13001;Marseille;;eric@garage.fr;\n"
               "Pharma Z;;;;;0612345678\n"
               "Nouveau client;44000;Nantes;;;\n").encode()
    _upload(client, changed, "v2.csv")
    job = _job(db)
    preview = client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="preview")).get_data(as_text=True)
    assert "0 cards will be updated" in preview  # fill the empty fields only: those cards have them all
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db)
    assert (job.created_count, job.updated_count, job.skipped_count) == (2, 0, 2)
    db.expire_all()
    helene = db.exec(select(Client).where(Client.siret == "73282932000074")).one()
    assert helene.company_name == "Boulangerie Hélène" and helene.postal_code == "69001"  # nothing overwritten
    assert db.exec(select(Client).where(Client.company_name == "Pharma Z")).one().mobile == "+33612345678"

    _upload(client, changed, "v3.csv")
    job = _job(db)
    preview = client.post(f"/imports/{job.id}/mapping",
                          data=_form(db, job, action="preview", update_mode="overwrite")).get_data(as_text=True)
    assert "2 cards will be updated" in preview and "Boulangerie Hélène SARL" in preview and "69002" in preview
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run", update_mode="overwrite"))
    db.expire_all()
    helene = db.exec(select(Client).where(Client.siret == "73282932000074")).one()
    assert helene.company_name == "Boulangerie Hélène SARL" and helene.postal_code == "69002"
    assert helene.phone == "+33478000001"  # blank cells never erase


def test_refuse_mode_imports_nothing_when_a_row_is_wrong(app, db, login, client, rep):
    login(rep)
    _upload(client, NO_IDENTITY_CSV, "clients.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run", error_mode="refuse"))
    job = _job(db, job.id)
    assert job.status == "refused" and job.error_count == 1
    assert db.exec(select(Client)).all() == []
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Nothing was imported" in page or "Rien n" in page


def test_a_failure_while_saving_leaves_nothing_half_written(app, db, login, client, rep, monkeypatch):
    from fieldcrm.imports import writer

    original = writer.ClientWriter.upsert
    calls = {"n": 0}

    def flaky(self, clean, kind_given=False):
        calls["n"] += 1
        if calls["n"] == 3:
            self.flush()  # the first rows are really in the transaction before it fails
            raise RuntimeError("disk full")
        return original(self, clean, kind_given)

    monkeypatch.setattr(writer.ClientWriter, "upsert", flaky)
    login(rep)
    _upload(client, CP1252_CSV, "clients.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db, job.id)
    assert job.status == "failed"
    assert db.exec(select(Client)).all() == [] and db.exec(select(ClientTag)).all() == []
    assert "Nothing was imported" in client.get(f"/imports/{job.id}").get_data(as_text=True)
    _assert_no_file_left(app, job)


def _assert_no_file_left(app, job):
    from fieldcrm.imports import files

    with app.app_context():
        left = [p.name for p in files.storage_dir().iterdir() if p.name.startswith(job.stored_name)]
    assert left == []


def test_cancelled_import_writes_nothing(app, db, login, client, rep, monkeypatch):
    from fieldcrm.imports import runner

    monkeypatch.setattr(runner, "_cancelled", lambda engine, job_id: True)
    login(rep)
    _upload(client, CP1252_CSV, "clients.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    assert _job(db, job.id).status == "cancelled"
    assert db.exec(select(Client)).all() == []
    _assert_no_file_left(app, job)  # cancelled: the upload, the staged rows and the report are deleted


def test_cancelling_a_queued_import_deletes_its_file(app, db, login, client, rep):

    login(rep)
    _upload(client, CP1252_CSV, "clients.csv")
    job = _job(db)
    job.status = "queued"  # waiting for a worker (tests run tasks at once, so set it by hand)
    db.add(job)
    db.commit()
    assert client.post(f"/imports/{job.id}/cancel").status_code == 303
    job = _job(db, job.id)
    assert job.status == "cancelled"
    _assert_no_file_left(app, job)
    assert "nothing was imported" in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_mapping_errors_keep_the_users_choices(app, db, login, client, rep):
    login(rep)
    _upload(client, CP1252_CSV, "clients.csv")
    job = _job(db)
    data = _form(db, job, action="run")
    data["col-1"] = "company_name"  # two columns for one field
    response = client.post(f"/imports/{job.id}/mapping", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "same field" in body or "même champ" in body
    assert json.loads(_job(db, job.id).mapping)["1"] == "company_name"
    assert _job(db, job.id).status == "mapping" and db.exec(select(Client)).all() == []


def test_xlsx_with_merged_header_cells_and_empty_rows(app, db, login, client, rep, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Export clients novembre"])
    ws.merge_cells("A1:E1")
    ws.append(["Raison sociale", "Adresse", None, "CP", "Ville"])
    ws.merge_cells("B2:C2")
    ws.append(["Cave Castagné", "12 rue du Port", "Bât. B", "13002", "Marseille"])
    ws.append([None, None, None, None, None])
    ws.append([])
    ws.append(["Épicerie Zoé", "3 place Bellecour", None, 69002, "Lyon"])
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    login(rep)
    response = _upload(client, path.read_bytes(), "merged.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]
    job = _job(db)
    assert job.total_rows == 2
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db, job.id)
    assert job.status == "done" and job.created_count == 2
    cave = db.exec(select(Client).where(Client.company_name == "Cave Castagné")).one()
    assert cave.street == "12 rue du Port" and cave.postal_code == "13002"
    epicerie = db.exec(select(Client).where(Client.company_name == "Épicerie Zoé")).one()
    assert epicerie.postal_code == "69002"


def test_formula_cells_are_imported_as_text_and_neutralised_in_the_report(app, db, login, client, rep):
    data = (b'Raison sociale,E-mail,Ville\n'
            b'"=HYPERLINK(""http://evil"",""x"")",a@b.fr,Lyon\n'
            b'@SUM(1+1),bad-email,Lyon\n')
    login(rep)
    _upload(client, data, "formulas.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db, job.id)
    # The bad e-mail costs its field: both rows imported, both flagged (formula, e-mail).
    assert job.status == "done" and job.created_count == 2 and job.error_count == 0 and job.warning_count == 2
    stored = db.exec(select(Client).where(Client.email == "a@b.fr")).one()
    assert stored.company_name.startswith("=HYPERLINK")  # kept as the user typed it, as text
    report = client.get(f"/imports/{job.id}/errors.csv").data.decode("utf-8-sig")
    assert ";'@SUM(1+1);" in report


@pytest.mark.parametrize("name,payload,message", [
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "not a spreadsheet"),
    ("vide.csv", b"", "empty"),
    ("vieux.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, ".xls"),
    ("large.csv", b"a;" * 1_000_000 + b"\n1;2\n", "Too many columns"),
])
def test_hostile_or_wrong_files_are_refused_with_a_clear_message(app, db, login, client, rep, name, payload,
                                                                   message):
    login(rep)
    response = _upload(client, payload, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.exec(select(ImportJob)).all() == []


def test_zip_bomb_xlsx_is_refused(app, db, login, client, rep, raw_xlsx):
    def rows():
        yield b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        chunk = b"<!--" + b"0" * (1024 * 1024) + b"-->"
        for _ in range(250):
            yield chunk
        yield b"</sheetData></worksheet>"

    path = raw_xlsx(rows(), name="bomb.xlsx", compresslevel=9)
    assert path.stat().st_size < 5 * 1024 * 1024
    login(rep)
    response = _upload(client, path.read_bytes(), "bomb.xlsx")
    assert response.status_code == 422
    assert "decompressed" in response.get_data(as_text=True) or "décompress" in response.get_data(as_text=True)
    assert db.exec(select(ImportJob)).all() == []


def test_a_reps_import_never_touches_another_reps_clients(app, db, login, client):
    world = portfolio_world(db)
    cave_before = db.get(Client, world["client_c"].id)
    make_client(db, world["rep_c"], company_name="Cave Secrète", siret="73282932000074", email="x@cave.fr",
                postal_code="13002")
    data = ("Raison sociale;SIRET;E-mail;CP;Commercial\n"
            "Reprise;73282932000074;x@cave.fr;13002;\n"
            f"Vol;;;;{world['rep_c'].email}\n").encode()
    login(world["rep_a"])
    _upload(client, data, "steal.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    job = _job(db, job.id)
    # The rep named outside the actor's reach costs the field: the card is created in the actor's portfolio.
    assert job.status == "done" and job.created_count == 2 and job.updated_count == 0 and job.warning_count == 1
    db.expire_all()
    assert db.exec(select(Client).where(Client.company_name == "Vol")).one().owner_id == world["rep_a"].id
    secret = db.exec(select(Client).where(Client.siret == "73282932000074", Client.owner_id == world["rep_c"].id)).one()
    assert secret.company_name == "Cave Secrète" and secret.version == 1
    assert db.get(Client, cave_before.id).version == cave_before.version
    new = db.exec(select(Client).where(Client.company_name == "Reprise")).one()
    assert new.owner_id == world["rep_a"].id
    # Other reps never reach the import; the team's manager does.
    for who, status in (("rep_b", 404), ("rep_c", 404), ("manager_a", 200)):
        other = app.test_client()
        login(world[who], http=other)
        assert other.get(f"/imports/{job.id}").status_code == status, who
        assert other.get(f"/imports/{job.id}/errors.csv").status_code == status, who


def test_new_addresses_are_geocoded_after_import(app, db, login, client, rep):
    login(rep)
    _upload(client, b"Raison sociale;CP;Ville\nBoulangerie;69001;Lyon\nSans adresse;;\n", "geo.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    db.expire_all()
    located = db.exec(select(Client).where(Client.company_name == "Boulangerie")).one()
    assert located.latitude is not None and 45.5 < located.latitude < 46 and located.geo_precision == "city"
    assert db.exec(select(Client).where(Client.company_name == "Sans adresse")).one().latitude is None
    assert _job(db, job.id).geocoded_count == 1


def test_purchases_import_finds_clients_and_never_adds_a_purchase_twice(app, db, login, client, rep):
    from decimal import Decimal

    from fieldcrm.sales import queries as sales_queries
    from fieldcrm.sales.models import Purchase

    helene = make_client(db, rep, company_name="Boulangerie Hélène", siret="73282932000074", postal_code="69001")
    garage = make_client(db, rep, company_name="Garage Bernard", email="eric@garage.fr")
    stranger = make_client(db, make_user(db, "rep"), company_name="Cave", email="cave@ex.fr")
    data = ("SIRET;E-mail;Date d'achat;Montant HT;Produit;Quantité;N° facture\n"
            "73282932000074;;05/03/2026;1 234,50;Four à pain;1;F-001\n"
            ";eric@garage.fr;12/04/2026;99,90;Pneus;4;F-002\n"
            ";cave@ex.fr;12/04/2026;10;Vin;1;F-003\n"
            ";eric@garage.fr;31/04/2026;10;Pneus;1;F-004\n").encode("cp1252")
    login(rep)
    for round_ in range(2):
        response = client.post("/imports", data={"file": (io.BytesIO(data), "achats.csv"), "kind": "purchases"},
                               content_type="multipart/form-data")
        assert response.status_code == 303
        job = _job(db)
        assert job.kind == "purchases"
        mapping = json.loads(job.mapping)
        assert [mapping[str(i)] for i in range(7)] == ["siret", "email", "purchased_on", "amount", "product",
                                                       "quantity", "reference"]
        client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
        job = _job(db, job.id)
        assert job.status == "done" and job.error_count == 2  # another rep's client; 31 April
        assert (job.created_count, job.updated_count) == ((2, 0) if round_ == 0 else (0, 2))
    assert len(db.exec(select(Purchase)).all()) == 2
    assert sales_queries.client_stats(db, helene).revenue == Decimal("1234.50")
    assert sales_queries.client_stats(db, garage).products == ["Pneus"]
    assert sales_queries.client_stats(db, stranger).purchase_count == 0
    report = client.get(f"/imports/{job.id}/errors.csv").data.decode("utf-8-sig")
    assert "cave@ex.fr" in report and "No client of yours matches" in report


def test_no_upload_or_staged_copy_is_left_behind_but_the_error_report_works(app, db, login, client, rep):
    """RGPD: once an import is done or refused, the uploaded file and the staged rows are gone; the
    error report is still downloadable, built from the rows kept for it."""
    from fieldcrm.imports import files

    login(rep)
    for mode in ("refuse", "skip"):
        _upload(client, NO_IDENTITY_CSV, "clients.csv")
        job = _job(db)
        client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run", error_mode=mode))
        job = _job(db, job.id)
        assert job.status == ("refused" if mode == "refuse" else "done")
        with app.app_context():
            assert not files.staged_path(job).exists()
            assert not files.file_path(job).exists()
            assert files.errors_path(job).exists()
            assert [p.name for p in files.storage_dir().iterdir() if p.name.startswith(job.stored_name)] \
                == [files.errors_path(job).name]
        report = client.get(f"/imports/{job.id}/errors.csv")
        assert report.status_code == 200
        lines = report.data.decode("utf-8-sig").strip().split("\r\n")
        assert lines[0].startswith("Row;Raison sociale;Nom;Prénom;CP;Ville") and lines[0].endswith(";Reason")
        assert lines[0].endswith(";Result;Reason")
        refused = [line for line in lines if ";not imported;" in line]
        assert len(refused) == 1 and refused[0].startswith("7;;;;69001;Lyon")
        assert "A company name or a last name is required" in refused[0]
        if mode == "skip":  # imported with a field left empty: listed too
            flagged = [line for line in lines if line.startswith("4;Café de l'Église;Léger;Noël;75004;Paris")]
            assert len(flagged) == 1 and ";imported, to check;" in flagged[0]
            assert "Email: Invalid email address" in flagged[0] and "Client since: Invalid date" in flagged[0]


@pytest.mark.parametrize("values", [
    {"company_name": "Café Zoé", "city": "Lyon", "phone": "+33478000001", "mobile": "+33612345678", "tags": ["bio"]},
    {"last_name": "Peeters", "first_name": "Jan", "phone": "+3225551234"},
    {"company_name": "Épicerie", "mobile": "+262692123456", "email": "a@b.fr", "postal_code": "97400"},
])
def test_the_imports_search_text_is_the_one_the_app_builds(values):
    from fieldcrm.clients.normalise import build_search_text
    from fieldcrm.imports.writer import search_text_for

    words = [values.get(k) for k in ("company_name", "first_name", "last_name", "city", "postal_code", "email",
                                     "sector", "segment")] + values.get("tags", [])
    assert search_text_for(values) == build_search_text(words, [values.get("phone"), values.get("mobile")])


@pytest.mark.parametrize("e164", ["+33478000001", "+33612345678", "+33970000000", "+33899000000"])
def test_french_numbers_get_the_search_forms_phonenumbers_gives_without_parsing(e164):
    # The import builds these for thousands of rows without parsing; they must be what parsing gives.
    national = re.sub(r"\D", "", phonenumbers.format_number(phonenumbers.parse(e164, None),
                                                              phonenumbers.PhoneNumberFormat.NATIONAL))
    assert phone_search_forms(e164) == f"{national} {e164[1:]}"


def test_imported_cards_get_the_search_text_the_card_form_builds_with_their_contact_people(app, db, login,
                                                                                           client, rep):
    login(rep)
    data = ("Raison sociale;Nom;Prénom;Fonction;E-mail;Tél.\n"
            "Salon Rose;Petit;Léa;Gérante;rose@ex.fr;04 78 00 00 01\n"
            "Salon Rose;Petit;Léa;Coiffeuse;rose@ex.fr;\n"  # the same person again: one contact
            "Salon Rose;Roy;Paul;;rose@ex.fr;\n"
            "Bar Neuf;Martin;Zoé;Patronne;neuf@ex.fr;06 12 34 56 78\n").encode()
    _upload(client, data, "people.csv")
    job = _job(db)
    client.post(f"/imports/{job.id}/mapping", data=_form(db, job, action="run"))
    db.expire_all()
    cards = db.exec(select(Client)).all()
    assert len(cards) == 2
    for card in cards:
        imported = card.search_text
        client_services.refresh_search_text(db, card)
        assert imported == card.search_text
    rose = next(c for c in cards if c.company_name == "Salon Rose")
    assert "gerante" in rose.search_text and "roy" in rose.search_text and "coiffeuse" not in rose.search_text
    db.rollback()
