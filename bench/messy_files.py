"""Realistic messy import files, with their ground truth, for bench/import_quality.py.

A world of real businesses; some are already cards in the CRM. Three files name them as people's exports
do: an ERP .xlsx (title block, merged group headers, rep initials, statuses in a "Catégorie" column, a
TOTAL row and a SUBTOTAL formula), an online-CRM contacts export (UTF-8 with BOM, English headers,
lifecycle stages, owners by e-mail or name, job titles) and a French Excel CSV in cp1252 (an unquoted ";"
that shifts a row, partial dates, two numbers in a phone cell, damaged accents, names in capitals).

Every row carries a tag "gt<id>" (the real business it is) so a run can tell right merges from wrong
ones, and duplicate pairs from distinct businesses. Rows planted without a name or a company are not
importable; the anomalies planted are counted per kind.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass, field

import openpyxl

from fieldcrm.geo.communes import all_communes

TRADES = ["Boulangerie", "Garage", "Pharmacie", "Café", "Épicerie", "Fromagerie", "Cave", "Salon de coiffure",
          "Fleuriste", "Librairie", "Boucherie", "Pressing", "Restaurant", "Optique", "Quincaillerie"]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
            "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
            "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
            "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier",
            "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly",
            "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand"]
FIRST = ["Jean", "Marie", "Pierre", "Anne", "Luc", "Sophie", "Paul", "Claire", "Hélène", "Éric", "Zoé", "Noël"]
FORMS = ["SARL", "SAS", "EURL", "SA", ""]
STATUSES = {"client": ("Client", "Client VIP", "customer", "evangelist"), "suspect": ("Prospect froid", "subscriber"),
            "former_client": ("Ancien client",), "lead": ("lead", "marketingqualifiedlead"),
            "prospect": ("Prospect", "opportunity", "salesqualifiedlead")}
REPS = [("Jean Dupont", "jean.dupont@bench.example"), ("Marie Bernard", "marie.bernard@bench.example"),
        ("Luc Morel", "luc.morel@bench.example")]


def _siret(rng: random.Random) -> str:
    """14 digits passing the Luhn check."""
    digits = [rng.randint(0, 9) for _ in range(13)]
    for check in range(10):
        number = digits + [check]
        total = sum(sum(divmod(d * (2 if i % 2 == 0 else 1), 10)) for i, d in enumerate(number))
        if total % 10 == 0:
            return "".join(map(str, number))
    raise AssertionError


@dataclass
class Business:
    id: int
    trade: str
    surname: str
    form: str
    siret: str
    email: str
    phone: str
    postal_code: str
    city: str
    first: str
    last: str
    status: str
    rep: int  # index in REPS

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.trade, self.surname, self.form) if p)


@dataclass
class MessyFile:
    name: str
    data: bytes
    importable: int  # rows a person would import
    unimportable: int  # rows with no name and no company
    planted: Counter = field(default_factory=Counter)  # anomaly kind -> rows


@dataclass
class World:
    businesses: list[Business]
    existing: list[Business]  # already cards before the import (with SIRET and e-mail)
    files: list[MessyFile]


def make_world(seed: int = 12, size: int = 400) -> World:
    rng = random.Random(seed)
    communes = [c for c in all_communes() if c.population > 20_000]
    businesses, seen = [], set()
    switchboards = [f"+3347{rng.randint(1000000, 9999999)}" for _ in range(3)]
    while len(businesses) < size:
        trade, surname = rng.choice(TRADES), rng.choice(SURNAMES)
        commune = rng.choice(communes)
        if (trade, surname) in seen:  # a portfolio seldom holds two businesses of the same name
            continue
        seen.add((trade, surname))
        n = len(businesses)
        phone = rng.choice(switchboards) if rng.random() < 0.01 else f"+334{rng.randint(10000000, 99999999)}"
        businesses.append(Business(
            id=n, trade=trade, surname=surname, form=rng.choice(FORMS), siret=_siret(rng),
            email=f"contact{n}@{surname.lower().replace('è', 'e').replace('ç', 'c').replace('é', 'e')}-{n}.fr",
            phone=phone, postal_code=commune.postal_code, city=commune.name, first=rng.choice(FIRST),
            last=rng.choice(SURNAMES), status=rng.choice(list(STATUSES)), rep=rng.randrange(len(REPS))))
    existing = businesses[: size // 4]
    files = [_erp(rng, businesses), _crm(rng, businesses), _french_csv(rng, businesses)]
    return World(businesses, existing, files)


def _pick(rng: random.Random, businesses: list[Business], n: int) -> list[Business]:
    return rng.sample(businesses, n)


def _variant(rng: random.Random, b: Business) -> str:
    """The business's name as another export spells it (legal form changed, "Ets", capitals)."""
    choice = rng.random()
    if choice < 0.3:
        return f"Ets {b.surname}"
    if choice < 0.6:
        return f"{b.trade} {b.surname} {rng.choice(['SARL', 'SAS', '& Fils', 'et Cie'])}"
    if choice < 0.8:
        return f"{b.trade} {b.surname}".upper()
    return f"{b.trade} {b.surname}"


def _identity(rng: random.Random, b: Business, planted: Counter) -> tuple[str, str | None, str | None]:
    """(name, siret, email) of a row: mostly with strong keys; one row in six without (a duplicate to be)."""
    if rng.random() < 1 / 6:
        planted["duplicate_to_be"] += 1
        return _variant(rng, b), None, None
    return b.name, b.siret if rng.random() < 0.7 else None, b.email


def _phone(rng: random.Random, name: str, b: Business, phone: str) -> str:
    """A row written under another name (a duplicate to be) loses its phone half the time: then only the
    name in the postal code tells the pair."""
    return "" if name != b.name and rng.random() < 0.5 else phone


def _erp(rng: random.Random, businesses: list[Business]) -> MessyFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "EXTRACTION CLIENTS — GESTCOM V9"
    sheet["A2"] = "Société Distribution Rhône-Alpes — édité le 03/12/2026"
    sheet.append([])
    sheet.append(["Client", None, None, "Adresse", None, None, "Suivi commercial", None, None, None])
    for cells in ("A4:C4", "D4:F4", "G4:J4"):
        sheet.merge_cells(cells)
    sheet.append(["Raison sociale", "N° SIRET", "Contact", "Adresse", "CP", "Ville", "Commercial", "Catégorie",
                  "Tél.", "Mots-clés"])
    planted, rows = Counter(), _pick(rng, businesses, 150)
    initials = ["JD", "MB", "LM"]
    for b in rows:
        name, siret, _email = _identity(rng, b, planted)
        phone = f"0{b.phone[3:4]} {b.phone[4:6]} {b.phone[6:8]} {b.phone[8:10]} {b.phone[10:12]}"
        city = b.city
        if rng.random() < 0.03:
            city = "Marseille" if b.city != "Marseille" else "Lyon"
            planted["postal_city_mismatch"] += 1
        phone = _phone(rng, name, b, phone)
        if phone and rng.random() < 0.03:
            phone = f"{phone} / 06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            planted["two_phones"] += 1
        contact = f"{rng.choice(['M.', 'Mme'])} {b.first} {b.last}"
        sheet.append([name, siret, contact, f"{rng.randint(1, 90)} rue de la République", b.postal_code, city,
                      initials[b.rep], rng.choice(STATUSES[b.status][:2] if b.status == "client" else
                                                  STATUSES[b.status][:1]), phone, f"gt{b.id}"])
    sheet.append(["TOTAL", None, None, None, None, None, None, None, None, "=COUNTA(J6:J155)"])
    sheet.append([None, "150 clients", None, None, None, None, None, None, None, "=SUBTOTAL(3,J6:J155)"])
    out = io.BytesIO()
    book.save(out)
    return MessyFile("erp.xlsx", out.getvalue(), importable=150, unimportable=0, planted=planted)


def _crm(rng: random.Random, businesses: list[Business]) -> MessyFile:
    lines = ["First Name,Last Name,Email,Job Title,Company Name,Lifecycle Stage,Lead Status,Contact owner,"
             "Phone Number,Postal Code,City,Tags"]
    planted, rows = Counter(), _pick(rng, businesses, 150)
    stages = {"client": "customer", "suspect": "subscriber", "former_client": "other", "lead": "lead",
              "prospect": "opportunity"}
    for b in rows:
        name, _siret, email = _identity(rng, b, planted)
        if email and rng.random() < 0.04:
            email = email.replace("@", " at ")
            planted["invalid_email"] += 1
        elif email and rng.random() < 0.3:
            email = email.upper()
        if not name.isascii() and rng.random() < 0.08:  # UTF-8 read as Windows-1252 by a tool on the way
            name = name.encode("utf-8").decode("cp1252", errors="replace")
            planted["mojibake"] += 1
        owner = REPS[b.rep][1] if rng.random() < 0.5 else REPS[b.rep][0]
        job = rng.choice(["Gérant", "Owner", "Head of Purchasing", "Directrice", ""])
        place = (b.postal_code, f'"{b.city}"') if rng.random() < 0.7 else ("", "")  # often left empty
        lines.append(",".join([b.first, b.last, email or "", job, f'"{name}"', stages[b.status],
                               rng.choice(["New", "Open", "In progress", ""]), owner, _phone(rng, name, b, b.phone),
                               *place, f"gt{b.id}"]))
    for _ in range(3):  # a row with neither a person nor a company: not importable
        lines.append(",,,,,lead,New,,,,,")
    return MessyFile("hubspot-contacts.csv", ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"),
                     importable=150, unimportable=3, planted=planted)


def _french_csv(rng: random.Random, businesses: list[Business]) -> MessyFile:
    lines = ["Raison sociale;Nom;Prénom;CP;Ville;Téléphone;E-mail;Client depuis;Statut;Mots-clés"]
    planted, rows = Counter(), _pick(rng, businesses, 150)
    for b in rows:
        name, _siret, email = _identity(rng, b, planted)
        since = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2000, 2024)}"
        if rng.random() < 0.04:
            since = str(rng.randint(1995, 2020))
            planted["partial_date"] += 1
        status = {"client": "Client", "suspect": "Suspect", "former_client": "Ancien client", "lead": "Lead",
                  "prospect": "Prospect"}[b.status]
        cells = [name, b.last, b.first, b.postal_code, b.city, _phone(rng, name, b, b.phone.replace("+33", "0")),
                 email or "", since,
                 status, f"gt{b.id}"]
        if rng.random() < 0.02:
            cells[0] = f"{cells[0]}; atelier"  # an unquoted ";" in the name shifts the row
            planted["too_many_fields"] += 1
        if rng.random() < 0.05:
            cells[0] = cells[0].upper()
        lines.append(";".join(cells))
    for _ in range(4):
        lines.append(";;;69001;Lyon;04 78 00 00 00;;;Client;")
    text = "\r\n".join(lines) + "\r\n"
    return MessyFile("export-excel.csv", text.encode("cp1252", errors="replace"), importable=150, unimportable=4,
                     planted=planted)
