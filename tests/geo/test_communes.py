"""The offline commune list: lookups a user relies on when typing a postal code and a city."""

from __future__ import annotations

import pytest

from fieldcrm.geo.bounds import within_country
from fieldcrm.geo.communes import (
    all_communes,
    commune_key,
    communes_for_postal_code,
    communes_named,
    find_commune,
    is_known_postal_code,
)
from fieldcrm.geo.text import normalise_text


@pytest.mark.parametrize(
    ("postal_code", "name", "insee", "department", "region", "near"),
    [
        ("75001", "Paris", "75101", "75", "Île-de-France", (48.86, 2.34)),
        ("69001", "Lyon", "69381", "69", "Auvergne-Rhône-Alpes", (45.77, 4.83)),
        ("13001", "Marseille", "13201", "13", "Provence-Alpes-Côte d'Azur", (43.30, 5.38)),
        ("20000", "Ajaccio", "2A004", "2A", "Corse", (41.92, 8.74)),
        ("97400", "Saint-Denis", "97411", "974", "La Réunion", (-20.88, 55.45)),
    ],
)
def test_big_cities_and_arrondissements_are_listed(postal_code, name, insee, department, region, near):
    [commune] = communes_for_postal_code(postal_code)
    assert (commune.name, commune.insee, commune.department, commune.region) == (
        name,
        insee,
        department,
        region,
    )
    assert commune.lat == pytest.approx(near[0], abs=0.05)
    assert commune.lon == pytest.approx(near[1], abs=0.05)
    assert commune.population > 10_000


def test_every_paris_arrondissement_has_its_postal_code():
    for number in range(1, 21):
        [commune] = communes_for_postal_code(f"750{number:02d}")
        assert commune.name == "Paris"
        assert commune.insee == f"751{number:02d}"
    # The 16th arrondissement has two postal codes.
    assert [c.insee for c in communes_for_postal_code("75116")] == ["75116"]


def test_postal_code_shared_by_several_communes():
    names = [c.name for c in communes_for_postal_code("01090")]
    assert names == ["Francheleins", "Genouilleux", "Guéreins", "Lurcy", "Montceaux", "Montmerle-sur-Saône"]
    assert find_commune("01090", "montmerle sur saone").insee == "01263"
    assert find_commune("01090", "GUEREINS").name == "Guéreins"
    assert find_commune("01090", "") is None  # ambiguous without the city


@pytest.mark.parametrize("postal_code", ["00000", "99999", "7500", "", None, "ABCDE"])
def test_unknown_postal_code(postal_code):
    assert communes_for_postal_code(postal_code) == []
    assert not is_known_postal_code(postal_code)
    assert find_commune(postal_code or "00000", "Paris") is None


def test_cedex_codes_are_not_in_the_list():
    assert not is_known_postal_code("13233")  # Marseille Cedex 20


@pytest.mark.parametrize(
    ("postal_code", "typed", "expected"),
    [
        ("42000", "st etienne", "Saint-Étienne"),
        ("42000", "SAINT ETIENNE", "Saint-Étienne"),
        ("42000", "St-Étienne", "Saint-Étienne"),
        ("42100", "saint-etienne", "Saint-Étienne"),
        ("69110", "ste foy les lyon", "Sainte-Foy-lès-Lyon"),
        ("75001", "PARIS 1ER ARRONDISSEMENT", "Paris"),
        ("75008", "Paris Cedex 08", "Paris"),
        ("13001", "Marseile", "Marseille"),  # one-letter typo
        ("42000", "", "Saint-Étienne"),  # the postal code serves one commune
    ],
)
def test_find_commune_ignores_accents_case_hyphens_and_saint(postal_code, typed, expected):
    commune = find_commune(postal_code, typed)
    assert commune is not None
    assert commune.name == expected
    assert commune.postal_code == postal_code


def test_find_commune_refuses_a_city_of_another_postal_code():
    assert find_commune("42000", "Lyon") is None


def test_find_commune_without_postal_code_needs_an_unambiguous_name():
    assert find_commune("", "Ajaccio").insee == "2A004"
    assert find_commune(None, "Saint-Denis") is None  # dozens of them
    assert find_commune("", "Paris") is None  # twenty arrondissements


def test_communes_named_spans_postal_codes():
    insee_codes = {c.insee for c in communes_named("Saint Etienne")}
    assert insee_codes == {"42218"}
    assert {c.postal_code for c in communes_named("st-etienne")} >= {"42000", "42100"}


def test_whole_list_is_sane():
    communes = all_communes()
    assert 34_000 < len({c.insee for c in communes}) < 36_000
    pairs = [(c.postal_code, c.insee) for c in communes]
    assert len(pairs) == len(set(pairs))
    for commune in communes:
        assert len(commune.postal_code) == 5 and commune.postal_code.isdigit()
        assert commune.name and commune.department and commune.region
        assert within_country("FR", commune.postal_code, commune.lat, commune.lon), commune


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Saint-Étienne (Loire) ", "saint etienne loire"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("ŒUVRE   d'ART", "oeuvre d art"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_text(raw, expected):
    assert normalise_text(raw) == expected


def test_commune_key_treats_st_and_saint_alike():
    assert (
        commune_key("St-Jean-de-Luz") == commune_key("saint jean de luz") == commune_key("Saint-Jean-de-Luz")
    )
    assert commune_key("Ste-Maxime") == commune_key("Sainte Maxime")
    assert commune_key("Sainte-Maxime") != commune_key("Saint-Maxime")
