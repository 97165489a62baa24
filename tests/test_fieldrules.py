"""The field rules every way into a card shares (form, contact form, import, demo): valid and invalid
values per field, with the writings French users and spreadsheets really produce."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from fieldcrm import fieldrules as rules
from fieldcrm.fieldrules import InvalidField

TODAY = date(2024, 6, 15)


def refusal(rule, *args, **kwargs) -> str:
    with pytest.raises(InvalidField) as caught:
        rule(*args, **kwargs)
    return caught.value.message


# ---------------------------------------------------------------- phone

@pytest.mark.parametrize(
    "raw", ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "06-12-34-56-78",
            "+33 (0)6 12 34 56 78", 612345678, 612345678.0, "33612345678", "+33612345678"],
)
def test_a_french_mobile_written_any_way_is_the_same_e164(raw):
    assert rules.phone(raw, "FR") == "+33612345678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0693 12 34 56", "+262693123456"),  # La Réunion mobile typed the French way
     ("+33 693 12 34 56", "+262693123456"),  # ... or with +33 (how it is dialled from mainland France)
     ("0262 21 00 00", "+262262210000"), ("0590 12 34 56", "+590590123456"), ("0696 12 34 56", "+596696123456"),
     ("+262 693 12 34 56", "+262693123456")],
)
def test_overseas_numbers_are_accepted_with_their_own_country_code(raw, expected):
    assert rules.phone(raw, "FR") == expected


def test_foreign_numbers_in_international_form_and_the_card_country():
    assert rules.phone("+32 2 555 12 12", "FR") == "+3225551212"
    assert rules.phone("+1 212 555 0100", "FR") == "+12125550100"
    assert rules.phone("0470 12 34 56", "BE") == "+32470123456"
    assert rules.phone("06 12 34 56 78", "BE", fallback_region="FR") == "+33612345678"
    assert refusal(rules.phone, "06 12 34 56 78", "BE") == rules.INVALID_PHONE


@pytest.mark.parametrize("raw", ["12", "06 12 34", "pas de tel", "06 12 34 56 78 / 01 23 45 67 89",
                                 "+33 6 93 24 48 45", "+262 693 24 48 45", "0893 00 00 0"])
def test_phone_refuses(raw):
    assert refusal(rules.phone, raw, "FR") == rules.INVALID_PHONE


# ---------------------------------------------------------------- e-mail, SIRET, website

def test_email_keeps_the_local_part_and_lowers_the_domain():
    assert rules.email(" Jean.Dupont@EXEMPLE.FR ") == "Jean.Dupont@exemple.fr"
    assert rules.email("JEAN@ORANGE.FR") == "JEAN@orange.fr"
    assert rules.email(rules.email("Jean.Dupont@EXEMPLE.FR")) == "Jean.Dupont@exemple.fr"  # stable
    assert rules.email("mailto:a@b.fr") == "a@b.fr"
    for raw in ["jean.dupont", "jean@", "a@b@c.fr", "jean dupont@x.fr", "a@b.fr; c@d.fr", "a@-b-.fr"]:
        assert refusal(rules.email, raw) == rules.INVALID_EMAIL


@pytest.mark.parametrize("raw", ["73282932000074", "732 829 320 00074", "732.829.320.00074", "732-829-320-00074",
                                 "732\u00a0829\u00a0320\u00a000074", 73282932000074])
def test_siret_with_spaces_dots_or_dashes(raw):
    assert rules.siret(raw) == "73282932000074"


def test_siret_refuses_a_bad_key_and_names_a_siren():
    assert refusal(rules.siret, "732 829 320 00075") == rules.INVALID_SIRET
    assert refusal(rules.siret, "1234") == rules.INVALID_SIRET
    assert refusal(rules.siret, "732.829.320") == rules.SIREN_NOT_SIRET


def test_website():
    assert rules.website("www.boulangerie.fr") == "https://www.boulangerie.fr"
    assert rules.website("http://x.fr/page") == "http://x.fr/page"
    assert rules.website(rules.website("www.x.fr")) == "https://www.x.fr"
    for raw in ["javascript:alert(1)", "pas de site", "localhost"]:
        assert refusal(rules.website, raw) == rules.INVALID_WEBSITE


# ---------------------------------------------------------------- postal code

@pytest.mark.parametrize(
    ("raw", "expected"), [(1000, "01000"), (1000.0, "01000"), ("1000", "01000"), ("75 001", "75001"),
                          ("F-75001", "75001"), ("75.001", "75001"), ("97400", "97400"),
                          ("20000", "20000"), ("20090", "20090"), ("20200", "20200")],
)
def test_french_postal_codes(raw, expected):
    assert rules.postal_code(raw, "FR") == expected


@pytest.mark.parametrize("raw", ["750", "750011", "ABCDE", "2A004", "2B033", "2A000"])
def test_malformed_french_postal_codes_are_refused(raw):
    """Corsica's départements are 2A and 2B, but its postal codes are digits (20000 Ajaccio, 20200 Bastia)."""
    assert refusal(rules.postal_code, raw, "FR") == rules.INVALID_POSTAL_CODE


def test_a_french_code_must_serve_a_commune_unless_the_city_says_cedex():
    assert refusal(rules.postal_code, "69999", "FR") == rules.UNKNOWN_POSTAL_CODE
    assert refusal(rules.postal_code, "00999", "FR") == rules.UNKNOWN_POSTAL_CODE
    assert refusal(rules.postal_code, "69401", "FR", city="Lyon") == rules.UNKNOWN_POSTAL_CODE
    assert rules.postal_code("69401", "FR", city="Lyon Cedex 03") == "69401"


def test_foreign_postal_codes():
    assert rules.postal_code(1000, "BE") == "1000"
    assert rules.postal_code("sw1a1aa", "GB") == "SW1A 1AA"
    assert rules.postal_code("L-1234", "LU") == "1234"
    assert rules.postal_code("97411", "RE") == "97411"
    assert refusal(rules.postal_code, "10000", "BE") == rules.INVALID_POSTAL_CODE


# ---------------------------------------------------------------- numbers and dates

@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1 234,56", "1234.56"), ("1\u00a0234,56", "1234.56"), ("1\u202f234,56 €", "1234.56"),
     ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("-3,2", "-3.2"), ("12", "12"),
     (12.5, "12.5"), (7, "7"), ("1.234.567", "1234567")],
)
def test_parse_decimal(raw, expected):
    assert rules.parse_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["douze", "1,2,3", "", True])
def test_parse_decimal_refuses(raw):
    assert refusal(rules.parse_decimal, raw) == rules.INVALID_NUMBER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("03/09/2018", date(2018, 9, 3)), ("3/9/2018", date(2018, 9, 3)), ("03/09/18", date(2018, 9, 3)),
     ("03/09/95", date(1995, 9, 3)), ("03-09-2018", date(2018, 9, 3)), ("03.09.2018", date(2018, 9, 3)),
     ("2018-09-03", date(2018, 9, 3)), ("2018-09-03T10:30:00Z", date(2018, 9, 3)),
     ("03/09/2018 14:05", date(2018, 9, 3)), ("03/09/2018 14h05", date(2018, 9, 3)),
     (datetime(2018, 9, 3, 14, 5), date(2018, 9, 3)), (date(2018, 9, 3), date(2018, 9, 3)),
     (43346, date(2018, 9, 3)), (43346.75, date(2018, 9, 3)), ("43346", date(2018, 9, 3))],
)
def test_dates_in_french_formats(raw, expected):
    assert rules.parse_date(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw", ["31/02/2020", "09/13/2020", "2020", "hier", "12", True, 30, None])
def test_parse_date_refuses(raw):
    assert refusal(rules.parse_date, raw, today=TODAY) == rules.INVALID_DATE


def test_year_only_when_asked():
    assert rules.parse_date("2015", today=TODAY, allow_year_only=True) == date(2015, 1, 1)
    assert rules.parse_date(2015, today=TODAY, allow_year_only=True) == date(2015, 1, 1)
