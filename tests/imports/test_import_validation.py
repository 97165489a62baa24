"""The import's own words (statuses, civilities, countries, cadences), then whole rows; the field rules
themselves (phone, e-mail, SIRET, postal code, dates) are tested in tests/test_fieldrules.py."""

from datetime import date
from decimal import Decimal

import pytest

from fieldcrm.imports import validation as v
from fieldcrm.imports.validation import InvalidValue, normalise_row

TODAY = date(2024, 6, 15)


def invalid(function, *args, **kwargs) -> str:
    with pytest.raises(InvalidValue) as caught:
        function(*args, **kwargs)
    return caught.value.args[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Suspect", "suspect"), ("lead", "lead"), ("Prospect", "prospect"), ("CLIENT", "client"),
     ("Client actif", "client"), ("Customer", "client"), ("Ancien client", "former_client"),
     ("ex-client", "former_client"), ("Former client", "former_client"), ("former_client", "former_client")],
)
def test_status_words(raw, expected):
    assert v.normalise_status(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M.", "M"), ("M", "M"), ("Monsieur", "M"), ("Mr", "M"), ("Mr.", "M"),
     ("Mme", "MME"), ("Mme.", "MME"), ("Madame", "MME"), ("Mrs", "MME"), ("Ms", "MME"), ("Mlle", "MME")],
)
def test_civility_words(raw, expected):
    assert v.normalise_civility(raw) == expected


def test_unknown_words_are_refused():
    assert invalid(v.normalise_status, "Partenaire") == v.INVALID_STATUS
    assert invalid(v.normalise_civility, "Dr") == v.INVALID_CIVILITY
    assert invalid(v.normalise_kind, "animal") == v.INVALID_KIND


def test_tags_split_on_comma_semicolon_and_pipe():
    assert v.split_tags("bio, VIP;Bio | local ;; ") == ["bio", "VIP", "local"]


def test_country_and_cadence():
    assert [v.normalise_country(c) for c in ("France", "belgique", "Royaume-Uni", "ch", "La Réunion")] == [
        "FR", "BE", "GB", "CH", "RE"]
    assert [v.parse_cadence_days(x) for x in (30, "30 jours", "4 semaines", "2 mois", "Mensuel", "14,0")] == [
        30, 30, 28, 60, 30, 14]


@pytest.mark.parametrize(
    ("raw", "formula"),
    [
        ('=HYPERLINK("http://evil.example","clic")', True), ("=cmd|' /C calc'!A0", True),
        ("@SUM(1+9)*cmd|' /C calc'!A0", True), ("+cmd|' /C calc'!A0", True), ("-2+3+cmd|' /C calc'!A0", True),
        ("  =1+1", True), ("+33 6 12 34 56 78", False), ("-12,5", False), ("@dupont", False),
        ("Dupont", False), (-5, False),
    ],
)
def test_detect_formula(raw, formula):
    assert v.detect_formula(raw) is formula


def test_a_full_french_row():
    raw = {
        "company_name": " Boulangerie  Lefèvre ", "siret": "732 829 320 00074", "civility": "Mme",
        "first_name": "Hélène", "last_name": "Lefèvre", "street": "3 rue de la Gare", "postal_code": 1000,
        "city": "Bourg-en-Bresse", "phone": "04.74.12.34.56", "mobile": "06 12 34 56 78",
        "email": "Contact@Boulangerie-Lefevre.FR", "website": "boulangerie-lefevre.fr", "status": "Client",
        "tags": "pain; bio", "client_since": "03/09/2018", "birth_date": 29221, "owner_email": "rep@fieldcrm.fr",
        "visit_cadence_days": "30", "notes": "Livraison\r\nle mardi", "custom:ca_2023": "12 345,50",
        "custom:newsletter": "Oui", "ignore": "whatever",
    }
    clean, errors = normalise_row(raw, custom_types={"ca_2023": "number", "newsletter": "boolean"}, today=TODAY)

    assert errors == []
    assert clean == {
        "kind": "company", "company_name": "Boulangerie Lefèvre", "siret": "73282932000074", "civility": "MME",
        "first_name": "Hélène", "last_name": "Lefèvre", "street": "3 rue de la Gare", "postal_code": "01000",
        "city": "Bourg-en-Bresse", "phone": "+33474123456", "mobile": "+33612345678",
        "email": "contact@boulangerie-lefevre.fr", "website": "https://boulangerie-lefevre.fr",
        "status": "client", "tags": ["pain", "bio"], "client_since": date(2018, 9, 3),
        "birth_date": date(1980, 1, 1), "owner_email": "rep@fieldcrm.fr", "visit_cadence_days": 30,
        "notes": "Livraison\nle mardi", "custom:ca_2023": Decimal("12345.50"), "custom:newsletter": True,
    }


def test_a_bad_row_reports_each_cell_and_keeps_the_good_ones():
    raw = {"last_name": "Martin", "email": "martin@", "phone": "12", "siret": "732829320", "postal_code": "750",
           "birth_date": "01/01/2090", "status": "Partenaire", "owner_email": "Jean Dupont", "country": "Atlantide",
           "city": "Paris", "notes": "=1+1"}
    clean, errors = normalise_row(raw, today=TODAY)

    # Each bad cell costs its field only (a flag, level "warning"): the row itself is kept. The sales rep
    # is kept as written, for the checker to find among the users (initials, name or e-mail).
    assert clean == {"kind": "person", "last_name": "Martin", "city": "Paris", "notes": "=1+1",
                     "owner_email": "Jean Dupont"}
    assert {(e.target, e.message_key, e.level) for e in errors} == {
        ("email", v.INVALID_EMAIL, "warning"), ("phone", v.INVALID_PHONE, "warning"),
        ("siret", v.SIREN_NOT_SIRET, "warning"), ("postal_code", v.INVALID_POSTAL_CODE, "warning"),
        ("birth_date", v.DATE_IN_FUTURE, "warning"), ("status", v.INVALID_STATUS, "warning"),
        ("country", v.INVALID_COUNTRY, "warning"), ("notes", v.FORMULA_AS_TEXT, "warning"),
    }


def test_kind_is_guessed_or_taken_from_the_row_and_a_name_is_required():
    assert normalise_row({"last_name": "Durand"})[0]["kind"] == "person"
    assert normalise_row({"siret": "73282932000074", "last_name": "X"})[0]["kind"] == "company"
    assert normalise_row({"kind": "Particulier", "company_name": "Chez Jo"})[0]["kind"] == "person"
    _, errors = normalise_row({"email": "a@b.fr", "first_name": "Jean"})
    assert [e.message_key for e in errors] == [v.NAME_REQUIRED]


def test_unknown_target_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown import target"):
        normalise_row({"last_name": "X", "shoe_size": "42"})
