"""Guess which client field each spreadsheet column feeds, from French and English headers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

IGNORE = "ignore"
CUSTOM_PREFIX = "custom:"
TARGETS = (
    "kind", "company_name", "siret", "civility", "first_name", "last_name", "full_name", "contact_function",
    "street", "street2",
    "postal_code", "city", "country", "phone", "mobile", "email", "consent", "website", "status", "sector", "segment",
    "tags", "loyalty_programme", "client_since", "source", "notes", "birth_date", "owner_email",
    "visit_cadence_days",
)
# Several columns may feed these; apply_mapping joins them with the separator.
MULTI_VALUED = {"street2": ", ", "tags": ";", "notes": "\n"}

# Written as users write them; normalised at import (accents, case, punctuation, little words).
_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("type de contact", "type de fiche", "nature", "kind", "particulier professionnel",
             "personne morale physique", "pro part", "contact type"),
    "company_name": ("raison sociale", "société", "entreprise", "établissement", "enseigne", "nom commercial",
                     "client", "nom client", "nom du client", "nom société", "nom de la société",
                     "nom entreprise", "nom de l'entreprise", "nom établissement", "dénomination",
                     "organisation", "organization", "structure", "magasin", "commerce", "company",
                     "company name", "business", "business name", "account", "account name"),
    "siret": ("siret", "siren", "n° siret", "numéro siret", "siret siren", "siren siret", "n° siren"),
    "civility": ("civilité", "civ", "titre", "title", "salutation"),
    "first_name": ("prénom", "prénom contact", "prénom du contact", "first name", "firstname", "given name"),
    "last_name": ("nom", "nom de famille", "nom contact", "nom du contact", "last name", "lastname", "surname",
                  "family name", "name"),
    "full_name": ("contact", "interlocuteur", "contact name", "nom complet", "nom et prénom", "nom prénom",
                  "prénom nom", "full name", "fullname", "personne à contacter", "contact principal"),
    "contact_function": ("fonction", "fonction du contact", "poste", "titre du poste", "intitulé de poste",
                         "job title", "jobtitle", "job", "function", "position", "role", "rôle"),
    "street": ("adresse", "adresse 1", "adresse ligne 1", "adresse postale", "rue", "voie", "n° et rue",
               "numéro et voie", "address", "address 1", "address line 1", "street", "street address"),
    "street2": ("adresse 2", "adresse 3", "adresse ligne 2", "adresse ligne 3", "complément d'adresse",
                "complément adresse", "complément", "lieu-dit", "bâtiment", "address 2", "address line 2",
                "address line 3", "street 2"),
    "postal_code": ("cp", "c.p.", "code postal", "postal code", "postcode", "zip", "zip code"),
    "city": ("ville", "commune", "localité", "city", "town"),
    "country": ("pays", "code pays", "country", "country code"),
    "phone": ("tél.", "tél", "téléphone", "tel fixe", "tél. fixe", "téléphone fixe", "fixe", "tél. bureau",
              "standard", "n° de téléphone", "numéro de téléphone", "phone", "telephone", "phone number",
              "landline", "work phone", "business phone"),
    "mobile": ("portable", "mobile", "gsm", "tél. portable", "téléphone portable", "tel mobile",
               "téléphone mobile", "mobile phone", "cell", "cell phone", "cellphone"),
    "email": ("e-mail", "email", "mail", "courriel", "mél", "adresse mail", "adresse e-mail",
              "adresse électronique", "email address", "e-mail address"),
    "consent": ("consentement", "consentement e-mail", "consentement email", "consentement marketing",
                "consentement rgpd", "accord e-mailing", "accepte les e-mails", "opt-in", "opt in", "optin",
                "opt-in e-mail", "newsletter", "abonné newsletter", "inscrit newsletter", "email consent",
                "marketing consent", "email opt in", "marketing email consent", "gdpr consent"),
    "website": ("site web", "site internet", "site", "web", "url", "website", "internet", "web site"),
    "status": ("statut", "statut client", "status", "état", "stade", "étape", "stage", "lifecycle stage",
               "lead status", "statut du lead", "cycle de vie", "phase du cycle de vie"),
    "sector": ("secteur", "secteur d'activité", "activité", "industrie", "branche", "métier", "code naf",
               "naf", "ape", "code ape", "naf ape", "sector", "industry", "business type"),
    "segment": ("segment", "typologie", "catégorie", "catégorie client", "type de client", "type",
                "classification", "classe", "cible", "potentiel", "category", "customer type", "tier"),
    "tags": ("tags", "tag", "mots-clés", "mot-clé", "étiquettes", "étiquette", "labels", "keywords"),
    "loyalty_programme": ("programme de fidélité", "carte fidélité", "carte de fidélité", "fidélité",
                          "n° carte fidélité", "loyalty", "loyalty programme", "loyalty program",
                          "loyalty card"),
    "client_since": ("client depuis", "date de création", "date création", "date d'entrée",
                     "date premier achat", "client since", "customer since", "created", "creation date",
                     "date created"),
    "source": ("source", "origine", "origine du contact", "provenance", "canal", "lead source", "origin"),
    "notes": ("notes", "note", "commentaire", "commentaires", "remarque", "remarques", "observations",
              "observation", "informations", "infos", "mémo", "description", "comment", "comments", "memo"),
    "birth_date": ("date de naissance", "né le", "née le", "naissance", "anniversaire", "birth date",
                   "birthdate", "birthday", "date of birth", "dob"),
    "owner_email": ("commercial", "commercial attitré", "email commercial", "mail commercial",
                    "représentant", "responsable", "vendeur", "chargé d'affaires", "suivi par",
                    "owner", "owner email", "account manager", "sales rep", "assigned to", "contact owner",
                    "propriétaire", "propriétaire du contact", "record owner", "hubspot owner",
                    "commercial responsable", "initiales commercial", "rep"),
    "visit_cadence_days": ("fréquence de visite", "fréquence de passage", "fréquence", "cadence",
                           "cadence de visite", "périodicité", "visit frequency", "visit cadence",
                           "visit cadence days"),
    # Columns that are not client fields but would otherwise be matched by a word they contain.
    IGNORE: ("montant", "montant ht", "montant ttc", "date d'achat", "produit", "produits", "quantité",
             "prix", "total", "chiffre d'affaires", "ca", "référence", "code client", "n° client",
             "numéro client", "id client", "référence client", "statut juridique", "forme juridique",
             "date de création entreprise", "date de création établissement", "secteur géographique",
             "tva intracommunautaire", "amount", "purchase date", "product", "customer id"),
}

_STOP_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "a"}
_FUZZY_MIN_CHARS = 5
_FUZZY_CUTOFF = 85


def normalise_header(text: str) -> str:
    """Lower-case, accents and punctuation removed, little words dropped: "N° de Tél." -> "n tel"."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(w for w in words if w not in _STOP_WORDS)


def _alias_table(custom_fields: Iterable[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """normalised alias -> (target, bonus); custom fields win ties with built-in aliases."""
    table: dict[str, tuple[str, int]] = {}
    for target, aliases in _ALIASES.items():
        for alias in aliases:
            table.setdefault(normalise_header(alias), (target, 0))
    for key, label in custom_fields:
        for alias in (label, key.replace("_", " ")):
            if normalise_header(alias):
                table[normalise_header(alias)] = (f"{CUSTOM_PREFIX}{key}", 1)
    return table


def _candidates(header: str, table: dict[str, tuple[str, int]]) -> list[tuple[int, str]]:
    """(score, target) pairs for one header, best first. 100 = exact alias."""
    norm = normalise_header(header)
    if not norm:
        return []
    if norm in table:
        target, bonus = table[norm]
        return [(100 + bonus, target)]
    words = norm.split()
    found: dict[str, int] = {}
    # An alias contained as whole words: "Téléphone du contact" -> phone, "N° SIRET" -> siret.
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size + 1):
            hit = table.get(" ".join(words[start:start + size]))
            if hit:
                score = 70 + (20 * size) // len(words) - start + hit[1]
                found[hit[0]] = max(found.get(hit[0], 0), score)
    if len(norm) >= _FUZZY_MIN_CHARS:  # typos: "Telephonne", "Adrese"
        for alias, score, _ in process.extract(norm, list(table), scorer=fuzz.ratio,
                                               score_cutoff=_FUZZY_CUTOFF, limit=3):
            target = table[alias][0]
            found[target] = max(found.get(target, 0), int(score * 0.9))
    return sorted(((score, target) for target, score in found.items()), reverse=True)


def guess_mapping(headers: Sequence[str], custom_fields: Iterable[tuple[str, str]] = ()) -> dict[int, str]:
    """Column index -> target key (or "ignore").

    Each column proposes its best target only; a single-valued target goes to the best-scoring column
    (the leftmost on a tie) and the other contenders are ignored rather than sent to a weaker guess.
    """
    table = _alias_table(custom_fields)
    best = {}
    for index, header in enumerate(headers):
        candidates = _candidates(header, table)
        if candidates:
            best[index] = candidates[0]
    mapping = {index: IGNORE for index in range(len(headers))}
    taken: set[str] = set()
    for index, (_, target) in sorted(best.items(), key=lambda item: (-item[1][0], item[0])):
        if target in taken:
            continue
        mapping[index] = target
        if target not in MULTI_VALUED and target != IGNORE:
            taken.add(target)
    return mapping


def apply_mapping(values: Sequence[object], mapping: Mapping[int, str]) -> dict[str, object]:
    """One row's values -> {target: value}, joining multi-valued targets; empty cells are left out."""
    row: dict[str, object] = {}
    for index, target in sorted(mapping.items()):
        value = values[index] if index < len(values) else None
        if target == IGNORE or value is None or value == "":
            continue
        if target in MULTI_VALUED and target in row:
            row[target] = f"{row[target]}{MULTI_VALUED[target]}{value}"
        else:
            row[target] = value
    return row
