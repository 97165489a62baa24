"""The pure helpers behind the import's flags and guesses: each says what it did, nothing silent."""

from __future__ import annotations

import pytest

from fieldcrm.imports import cells, vocab
from fieldcrm.imports.mapping import guess_mapping


@pytest.mark.parametrize(("text", "expected"), [
    ("CafÃ© de l'Ã‰glise", ("Café de l'Église", "repaired")),
    ("Caf\ufffd du Port", ("Caf\ufffd du Port", "damaged")),
    ("Café", ("Café", None)),
])
def test_repair_text(text, expected):
    assert cells.repair_text(text) == expected


def test_split_phones_only_when_each_part_is_a_number():
    assert cells.split_phones("04 78 00 00 01 / 06 12 34 56 78") == ["04 78 00 00 01", "06 12 34 56 78"]
    assert cells.split_phones("04 78 00 00 01 ou 06 12 34 56 78") == ["04 78 00 00 01", "06 12 34 56 78"]
    assert cells.split_phones("04 78 00 00 01") == []
    assert cells.split_phones("04 78 00 00 01 / standard") == []


@pytest.mark.parametrize(("text", "parts"), [
    ("M. Jean Dupont", ("M", "Jean", "Dupont")),
    ("DUPONT Jean", (None, "Jean", "DUPONT")),
    ("Dupont, Jean", (None, "Jean", "Dupont")),
    ("Mme Marie-Claire de la Tour", ("MME", "Marie-Claire", "de la Tour")),
    ("Durand", (None, None, "Durand")),
])
def test_split_full_name(text, parts):
    name = cells.split_full_name(text)
    assert (name.civility, name.first_name, name.last_name) == parts


def test_title_case_keeps_legal_forms_and_little_words():
    assert cells.title_case("BOULANGERIE DE L'ÉGLISE SARL") == "Boulangerie de l'Église SARL"
    assert cells.title_case("JEAN-PIERRE") == "Jean-Pierre"
    assert cells.is_all_caps("GARAGE DU PORT") and not cells.is_all_caps("Garage du Port")


@pytest.mark.parametrize(("value", "written"), [
    ("2016", "2016"), (2016, "2016"), ("03/2016", "03/2016"), ("mars 2016", "mars 2016"),
    ("12/03/2016", None), (2016.5, None), ("abc", None),
])
def test_partial_date(value, written):
    assert cells.partial_date(value) == written


@pytest.mark.parametrize(("row", "footer"), [
    (("TOTAL", None, 3), True), (("Total général : 12 clients",), True), ((None, "Sous-total", 1), True),
    (("Total Energies Relais",), False), (("@SUM(1+1)", "x"), False), (("Boulangerie",), False),
])
def test_footer_rows(row, footer):
    assert cells.is_footer_row(row) is footer


def test_owner_guesses_by_initials_names_and_emails_but_never_an_ambiguous_key():
    users = [(1, "Jean Dupont", "jean.dupont@ex.fr"), (2, "Marie Bernard", "mb@ex.fr"),
             (3, "Julie Durand", "julie@ex.fr")]
    keys = vocab.owner_guesses(users)
    assert "jd" not in keys  # Jean Dupont and Julie Durand both: nobody for sure
    assert keys["mb"] == 2 and keys["marie bernard"] == 2 and keys["bernard"] == 2
    assert keys["jean dupont ex fr"] == 1 and keys["dupont jean"] == 1 and keys["julie"] == 3


def test_lifecycle_stages_and_french_categories_map_to_statuses():
    guesses = {v: vocab.guess_value("status", v) for v in (
        "Subscriber", "Lead", "marketingqualifiedlead", "SQL", "Opportunity", "Customer", "Evangelist", "Other",
        "Prospect froid", "Ancien client", "Client VIP", "Partenaire")}
    assert guesses == {"Subscriber": "suspect", "Lead": "lead", "marketingqualifiedlead": "lead",
                       "SQL": "prospect", "Opportunity": "prospect", "Customer": "client", "Evangelist": "client",
                       "Other": "suspect", "Prospect froid": "suspect", "Ancien client": "former_client",
                       "Client VIP": "client", "Partenaire": None}


def test_a_category_column_whose_values_are_statuses_feeds_the_status():
    headers = ["Raison sociale", "Type", "Catégorie"]
    mapping = guess_mapping(headers)
    refined = vocab.refine_mapping(mapping, headers, {
        1: [("Professionnel", 8), ("Particulier", 2)],
        2: [("Client VIP", 5), ("Prospect froid", 3), ("Ancien client", 1)]})
    assert refined == {0: "company_name", 1: "kind", 2: "status"}
    assert vocab.header_key(["Nom", "Ville"]) == vocab.header_key(["ville", "NOM"])
