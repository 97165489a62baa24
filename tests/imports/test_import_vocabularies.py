"""The value-mapping step offers every vocabulary column of a file (status, civility, sales rep, segment,
sector, e-mail consent, country) with its distinct values, their counts and good first guesses, remembers
the user's choices for the next file with the same headers, and writes the e-mail consent (undone with
the import)."""

from __future__ import annotations

import io
import json
import re

from sqlmodel import select

from fieldcrm.clients.models import ChannelConsent, Client
from fieldcrm.imports.models import ImportJob
from fieldcrm.imports.undo import undo_import
from tests.factories import make_client, make_user

HEADERS = "Société;Civilité;Nom;E-mail;Commercial;Segment;Secteur;Newsletter;Pays;Statut\n"
ROWS = ("Café A;Madame;Roux;a@ex.fr;RR;Grand compte;Restauration;Oui;France;Client VIP\n"
        "Café B;M.;Petit;b@ex.fr;Rita Rep;Grand compte;Restauration;Non;Belgique;Prospect froid\n"
        "Café C;Mme;Morel;c@ex.fr;rr;PME;Boulangerie;Peut-être;France;Ancien client\n"
        "Café D;Monsieur;Blanc;known@ex.fr;RR;PME;Boulangerie;Oui;France;Client VIP\n")


def _upload_and_show(http, db, text: str):
    http.post("/imports", data={"file": (io.BytesIO(text.encode()), "f.csv")}, content_type="multipart/form-data")
    db.expire_all()
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": t for i, t in json.loads(job.mapping).items()}
    page = http.post(f"/imports/{job.id}/mapping", data={**form, "action": "preview"}).get_data(as_text=True)
    return job, form, page


def _picks(page: str, target: str) -> dict[str, tuple[str, str]]:
    """{value as shown: (its count text, the target value pre-selected or typed)} for one column."""
    out = {}
    for n, _key in re.findall(rf'name="vk-{target}-(\d+)" value="([^"]*)"', page):
        row = page[page.index(f'name="vk-{target}-{n}"'):]
        row = row[:row.index("</li>")]
        shown = re.search(r'class="value-text">([^<]*)<', row).group(1)
        count = re.search(r"\((\d+ rows?)\)", row).group(1)
        chosen = re.search(r'<option value="([^"]*)"\s+selected', row) or re.search(r'value="([^"]*)"\s+maxlength', row)
        out[shown] = (count, chosen.group(1) if chosen else "")
    return out


def test_every_vocabulary_column_is_offered_with_counts_and_guesses_and_remembered(app, db, login, client):
    rep = make_user(db, "rep", name="Rita Rep", locale="en")
    known = make_client(db, rep, company_name="Café D", email="known@ex.fr")
    login(rep)
    job, form, page = _upload_and_show(client, db, HEADERS + ROWS)
    assert set(json.loads(job.mapping).values()) >= {"status", "civility", "owner_email", "segment", "sector",
                                                     "consent", "country"}
    assert _picks(page, "status") == {"Client VIP": ("2 rows", "client"), "Prospect froid": ("1 row", "suspect"),
                                      "Ancien client": ("1 row", "former_client")}
    assert _picks(page, "civility") == {"Madame": ("1 row", "MME"), "M.": ("1 row", "M"),
                                        "Mme": ("1 row", "MME"), "Monsieur": ("1 row", "M")}
    assert _picks(page, "owner_email") == {"RR": ("3 rows", str(rep.id)), "Rita Rep": ("1 row", str(rep.id))}
    assert _picks(page, "segment") == {"Grand compte": ("2 rows", "Grand compte"), "PME": ("2 rows", "PME")}
    assert _picks(page, "sector")["Restauration"] == ("2 rows", "Restauration")
    assert _picks(page, "consent") == {"Oui": ("2 rows", "granted"), "Non": ("1 row", "refused"),
                                       "Peut-être": ("1 row", "")}  # no guess: stays unknown
    assert _picks(page, "country") == {"France": ("3 rows", "FR"), "Belgique": ("1 row", "BE")}

    # The user says "Peut-être" means a consent given (their newsletter form's wording), and runs.
    keys = dict(re.findall(r'name="vk-consent-(\d+)" value="([^"]*)"', page))
    posted = {f"vk-consent-{n}": key for n, key in keys.items()}
    posted.update({f"vm-consent-{n}": {"oui": "granted", "non": "refused"}.get(key, "granted")
                   for n, key in keys.items()})
    client.post(f"/imports/{job.id}/mapping", data={**form, **posted, "action": "run"})
    db.expire_all()
    job = db.get(ImportJob, job.id)
    assert job.status == "done" and (job.created_count, job.updated_count) == (3, 1)
    consent = {db.get(Client, c.client_id).company_name: (c.consent, c.allowed, c.consent_source)
               for c in db.exec(select(ChannelConsent).where(ChannelConsent.channel == "email")).all()}
    assert consent == {"Café A": ("granted", True, "import"), "Café B": ("refused", False, "import"),
                       "Café C": ("granted", True, "import"), "Café D": ("granted", True, "import")}
    assert db.exec(select(Client).where(Client.company_name == "Café B")).one().country == "BE"

    # The next file with the same headers comes with the user's choice pre-filled.
    _job, _form, again = _upload_and_show(client, db, HEADERS + ROWS.splitlines()[2] + "\n")
    assert _picks(again, "consent") == {"Peut-être": ("1 row", "granted")}

    # Undoing the import removes the consents it wrote, on the card it found as on those it created.
    with app.app_context():
        undo_import(db, job)
    db.expire_all()
    assert db.exec(select(ChannelConsent)).all() == []
    assert [c.id for c in db.exec(select(Client)).all()] == [known.id]


def test_a_refusal_in_the_file_always_applies_and_a_consent_never_overrides_one(app, db, login, client):
    rep = make_user(db, "rep", name="Rita Rep", locale="en")
    refused = make_client(db, rep, company_name="Café A", email="a@ex.fr",
                          consents={"email": {"allowed": False, "consent": "refused", "source": "phone call"}})
    granted = make_client(db, rep, company_name="Café B", email="b@ex.fr",
                          consents={"email": {"allowed": True, "consent": "granted", "source": "form"}})
    login(rep)
    job, form, _page = _upload_and_show(client, db, "Société;E-mail;Opt-in\nCafé A;a@ex.fr;oui\nCafé B;b@ex.fr;non\n")
    client.post(f"/imports/{job.id}/mapping", data={**form, "action": "run"})
    db.expire_all()
    rows = {c.client_id: (c.consent, c.allowed) for c in db.exec(select(ChannelConsent)
                                                                     .where(ChannelConsent.channel == "email")).all()}
    assert rows == {refused.id: ("refused", False), granted.id: ("refused", False)}
    with app.app_context():
        undo_import(db, db.get(ImportJob, job.id))
    db.expire_all()
    back = db.exec(select(ChannelConsent).where(ChannelConsent.client_id == granted.id,
                                                ChannelConsent.channel == "email")).one()
    assert (back.consent, back.allowed, back.consent_source) == ("granted", True, "form")
