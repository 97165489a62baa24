"""Company names compared without their legal forms: the pairs people see at a glance are found."""

from __future__ import annotations

import pytest

from fieldcrm.dedupe.names import company_key, name_score
from fieldcrm.dedupe.queries import NAME_CUTOFF, find_duplicates, similar_clients
from tests.factories import make_client, make_user


@pytest.mark.parametrize(("first", "second"), [
    ("Boulangerie Martin SARL", "Ets Martin"),
    ("Garage Dupont & Fils", "Garage Dupont"),
    ("SAS Transports Leroy", "Transports Leroy SARL"),
    ("Sté Nouvelle des Eaux", "Société Nouvelle des Eaux"),
    ("Établissements Girard et Cie", "Girard"),
    ("Café du Port EURL", "Cafe du Port"),
])
def test_same_business_with_other_legal_forms_scores_above_the_cut_off(first, second):
    assert name_score(first, second) >= NAME_CUTOFF


@pytest.mark.parametrize(("first", "second"), [
    ("Boulangerie Martin", "Garage Martin"),
    ("Boulangerie", "Boulangerie du Parc"),
    ("Jean Martin", "Boulangerie Martin"),
    ("Pharmacie Centrale SARL", "Pharmacie du Marché SARL"),
])
def test_different_businesses_stay_apart(first, second):
    assert name_score(first, second) < NAME_CUTOFF


def test_legal_forms_come_from_the_data_list():
    assert company_key("Boulangerie Martin S.A.R.L.") == "boulangerie martin"
    assert company_key("SARL") == "sarl"  # a name that is only a legal form keeps it


def test_the_duplicate_list_and_the_warning_before_creating_find_the_pair(app, db):
    rep = make_user(db, "rep")
    first = make_client(db, rep, company_name="Boulangerie Martin SARL", postal_code="69001")
    second = make_client(db, rep, company_name="Ets Martin", postal_code="69001")
    garage = make_client(db, rep, company_name="Garage Martin", postal_code="69001")
    make_client(db, rep, company_name="Ets Martin", postal_code="13001")  # elsewhere: another business
    with app.test_request_context():
        pairs = find_duplicates(db, rep)
        # "Ets Martin" may be either Martin business of the postal code; the two businesses are no pair.
        assert sorted(sorted((p.first.id, p.second.id)) for p in pairs) == \
            [[first.id, second.id], [second.id, garage.id]]
        similar = similar_clients(db, rep, {"company_name": "Martin", "postal_code": "69001"})
    assert {p.first.id for p in similar} == {first.id, second.id, garage.id}
