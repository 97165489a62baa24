"""Guessing the target field of each column from the headers users really write."""

import pytest

from fieldcrm.imports.mapping import TARGETS, apply_mapping, guess_mapping, normalise_header

FRENCH_HEADERS = {
    "Raison sociale": "company_name", "Société": "company_name", "Entreprise": "company_name",
    "Nom": "last_name", "Prénom": "first_name", "Civilité": "civility",
    "CP": "postal_code", "Code postal": "postal_code", "Ville": "city", "Commune": "city",
    "Adresse": "street", "Adresse 1": "street", "Adresse 2": "street2", "Pays": "country",
    "Tél.": "phone", "Téléphone": "phone", "Tel fixe": "phone",
    "Portable": "mobile", "Mobile": "mobile", "GSM": "mobile",
    "E-mail": "email", "Mail": "email", "Courriel": "email", "Adresse e-mail": "email",
    "SIRET": "siret", "SIREN": "siret", "N° SIRET": "siret",
    "Secteur": "sector", "Secteur d'activité": "sector", "Activité": "sector",
    "Statut": "status", "Segment": "segment", "Typologie": "segment", "Catégorie": "segment",
    "Tags": "tags", "Mots-clés": "tags", "Notes": "notes", "Commentaire": "notes",
    "Site web": "website", "Client depuis": "client_since", "Date de création": "client_since",
    "Source": "source", "Origine": "source",
    "Programme de fidélité": "loyalty_programme", "Carte fidélité": "loyalty_programme",
    "Commercial": "owner_email", "Date de naissance": "birth_date",
    "Fréquence de visite": "visit_cadence_days",
    "Montant": "ignore", "Date d'achat": "ignore", "Produit": "ignore",
    "Statut juridique": "ignore", "Code client": "ignore",
}
ENGLISH_HEADERS = {
    "Company name": "company_name", "First name": "first_name", "Last name": "last_name", "Title": "civility",
    "Address line 1": "street", "Address line 2": "street2", "Zip code": "postal_code", "City": "city",
    "Country": "country", "Phone": "phone", "Cell phone": "mobile", "Email address": "email",
    "Website": "website", "Status": "status", "Industry": "sector", "Category": "segment",
    "Keywords": "tags", "Comments": "notes", "Customer since": "client_since", "Lead source": "source",
    "Loyalty program": "loyalty_programme", "Account manager": "owner_email", "Date of birth": "birth_date",
}


@pytest.mark.parametrize(("header", "target"), list(FRENCH_HEADERS.items()) + list(ENGLISH_HEADERS.items()))
def test_each_usual_header_alone_is_recognised(header, target):
    assert guess_mapping([header]) == {0: target}


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("  RAISON  SOCIALE ", "company_name"),  # case and spaces
        ("raison-sociale", "company_name"),  # punctuation
        ("Telephone", "phone"),  # no accent
        ("Téléphone du contact", "phone"),  # extra words
        ("Code postal livraison", "postal_code"),
        ("Telephonne", "phone"),  # typo, fuzzy
        ("Adrese", "street"),
        ("Couleur préférée", "ignore"),  # unknown
        ("", "ignore"),
    ],
)
def test_headers_are_matched_despite_accents_case_punctuation_and_typos(header, target):
    assert guess_mapping([header]) == {0: target}


def test_a_whole_french_file_maps_each_column_once():
    headers = ["Raison sociale", "Civilité", "Prénom", "Nom", "Adresse", "Adresse 2", "CP", "Ville",
               "Tél.", "Portable", "E-mail", "SIRET", "Notes", "Commentaire", "Montant"]
    assert list(guess_mapping(headers).values()) == [
        "company_name", "civility", "first_name", "last_name", "street", "street2", "postal_code", "city",
        "phone", "mobile", "email", "siret", "notes", "notes", "ignore",
    ]


def test_two_columns_never_share_a_single_valued_target_and_the_best_score_wins():
    mapping = guess_mapping(["Téléphone du contact", "Téléphone", "Tél.", "Société", "Entreprise"])
    assert mapping == {0: "ignore", 1: "phone", 2: "ignore", 3: "company_name", 4: "ignore"}
    single = [t for t in mapping.values() if t not in ("ignore", "notes", "tags", "street2")]
    assert len(single) == len(set(single))


def test_custom_fields_are_matched_by_label_and_beat_built_in_aliases():
    custom = [("shoe_size", "Pointure"), ("naf_activity", "Activité")]
    mapping = guess_mapping(["Pointure", "Activité", "Secteur", "Shoe size"], custom_fields=custom)
    assert mapping == {0: "custom:shoe_size", 1: "custom:naf_activity", 2: "sector", 3: "ignore"}


def test_every_guess_is_a_known_target():
    mapping = guess_mapping(list(FRENCH_HEADERS) + list(ENGLISH_HEADERS))
    assert set(mapping.values()) <= set(TARGETS) | {"ignore"}


def test_normalise_header():
    assert normalise_header("N° de Tél. ") == "n tel"
    assert normalise_header("Secteur d'activité") == "secteur activite"


def test_apply_mapping_joins_multi_valued_targets_and_drops_empty_cells():
    mapping = {0: "company_name", 1: "notes", 2: "notes", 3: "tags", 4: "tags", 5: "ignore", 6: "city"}
    values = ("ACME", "Livraison le mardi", "Gros client", "bio", "vip", "secret", None)
    assert apply_mapping(values, mapping) == {
        "company_name": "ACME",
        "notes": "Livraison le mardi\nGros client",
        "tags": "bio;vip",
    }
