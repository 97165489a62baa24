"""The CRM's entry in the register of processing activities (RGPD art. 30), in French and English.

Prefilled from the CNIL's template for a register entry and its framework for commercial management;
the organisation edits each section (stored per language). Two sections are never typed: the retention
periods come from the retention rules' current settings, the optional data from the minimisation
switches, so the register says what the CRM actually does."""

from __future__ import annotations

import json

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.clients.settings import org_settings
from fieldcrm.privacy.retention import all_settings
from fieldcrm.privacy.review_models import RegisterEntry
from fieldcrm.timeutil import utcnow

LANGUAGES = ("fr", "en")
SECTIONS = ("controller", "dpo", "purposes", "legal_basis", "people", "data", "recipients", "transfers",
            "security")
MAX_SECTION = 5000

TITLES = {
    "fr": {"controller": "Responsable du traitement", "dpo": "Délégué à la protection des données",
           "purposes": "Finalités du traitement", "legal_basis": "Base légale",
           "people": "Catégories de personnes concernées", "data": "Catégories de données",
           "recipients": "Destinataires", "transfers": "Transferts hors de l’Union européenne",
           "security": "Mesures de sécurité", "retention": "Durées de conservation",
           "optional": "Données facultatives collectées"},
    "en": {"controller": "Controller", "dpo": "Data protection officer", "purposes": "Purposes of the processing",
           "legal_basis": "Legal basis", "people": "Categories of data subjects", "data": "Categories of data",
           "recipients": "Recipients", "transfers": "Transfers outside the European Union",
           "security": "Security measures", "retention": "Retention periods",
           "optional": "Optional data collected"},
}

DEFAULTS = {
    "fr": {
        "controller": "[Nom de l’organisation, adresse, SIREN, représentant légal, contact]",
        "dpo": "[Nom et coordonnées du délégué à la protection des données, ou de la personne chargée des "
               "questions de données personnelles]",
        "purposes": "Gestion commerciale des clients et des prospects au moyen de FieldCRM : tenue du fichier "
                    "clients, suivi de la relation commerciale (visites, appels, notes, relances, rendez-vous), "
                    "organisation des tournées des commerciaux, suivi des achats et statistiques commerciales, "
                    "campagnes de prospection dans le respect des consentements et oppositions, gestion des "
                    "demandes d’exercice des droits.",
        "legal_basis": "Exécution des contrats conclus avec les clients et mesures précontractuelles ; intérêt "
                       "légitime de l’organisation pour la prospection des professionnels et les statistiques "
                       "commerciales ; consentement pour la prospection électronique des particuliers ; obligation "
                       "légale pour la conservation des pièces comptables.",
        "people": "Clients et prospects (suspects, pistes, prospects, anciens clients), personnes physiques ou "
                  "personnes de contact des clients professionnels ; utilisateurs de FieldCRM (commerciaux, "
                  "managers, administrateurs).",
        "data": "Identité (civilité, nom, prénom, raison sociale, SIRET) ; coordonnées (adresse, téléphones, "
                "e-mail, site web) et position de l’adresse sur la carte ; vie professionnelle (fonction des "
                "personnes de contact) ; relation commerciale (statut, secteur, historique des visites et "
                "échanges, notes, relances, rendez-vous, achats, campagnes reçues) ; consentements et "
                "oppositions par canal ; données de connexion des utilisateurs (journal d’authentification, "
                "sessions) et journal d’audit. Aucune donnée sensible : une liste de termes avertit à la saisie "
                "et la revue de minimisation les recherche.",
        "recipients": "Personnels habilités : le commercial du portefeuille, les managers de son équipe, les "
                      "administrateurs. Sous-traitants : [hébergeur, prestataire de sauvegarde]. Aucun autre "
                      "destinataire.",
        "transfers": "Aucun transfert hors de l’Union européenne.",
        "security": "Comptes nominatifs, mots de passe hachés (scrypt) et limitation des tentatives de connexion ; "
                    "sessions révocables ; accès restreint par rôle et par portefeuille (un commercial ne voit que "
                    "ses clients) ; chiffrement des échanges (HTTPS, cookies sécurisés) ; politique de sécurité du "
                    "contenu ; journal d’audit des consultations, modifications, exports et connexions, en ajout "
                    "seul ; exports protégés contre l’injection de formules ; conservation limitée appliquée "
                    "chaque jour ; [sauvegardes chiffrées, localisation des serveurs].",
    },
    "en": {
        "controller": "[Name of the organisation, address, company number, legal representative, contact]",
        "dpo": "[Name and contact details of the data protection officer, or of the person in charge of "
               "personal data]",
        "purposes": "Commercial management of clients and prospects with FieldCRM: the client file, follow-up of "
                    "the business relationship (visits, calls, notes, follow-ups, appointments), the sales reps' "
                    "tours, purchases and sales statistics, prospecting campaigns that respect consents and "
                    "objections, handling of data subjects' requests.",
        "legal_basis": "Performance of contracts with clients and pre-contractual steps; the organisation's "
                       "legitimate interest for business-to-business prospecting and sales statistics; consent for "
                       "electronic prospecting of private persons; legal obligation for accounting records.",
        "people": "Clients and prospects (suspects, leads, prospects, former clients), private persons or contact "
                  "people of business clients; users of FieldCRM (sales reps, managers, administrators).",
        "data": "Identity (title, last and first name, company name, SIRET); contact details (address, phones, "
                "e-mail, website) and the address's position on the map; professional life (contact people's "
                "function); business relationship (status, sector, history of visits and exchanges, notes, "
                "follow-ups, appointments, purchases, campaigns received); consents and objections per channel; "
                "users' connection data (authentication log, sessions) and the audit trail. No sensitive data: "
                "a word list warns at entry and the minimisation review looks for it.",
        "recipients": "Authorised staff: the sales rep of the portfolio, the managers of their team, the "
                      "administrators. Processors: [hosting provider, backup provider]. No other recipient.",
        "transfers": "No transfer outside the European Union.",
        "security": "Personal accounts, hashed passwords (scrypt) and throttled login attempts; revocable sessions; "
                    "access limited by role and portfolio (a sales rep sees their own clients only); encrypted "
                    "traffic (HTTPS, secure cookies); content security policy; append-only audit trail of views, "
                    "changes, exports and logins; exports protected against formula injection; retention applied "
                    "every day; [encrypted backups, where the servers are].",
    },
}


def language(raw: str | None, fallback: str) -> str:
    return raw if raw in LANGUAGES else (fallback if fallback in LANGUAGES else "fr")


def sections_of(db: Session, lang: str) -> dict[str, str]:
    """The stored text of each section in `lang`, the template's text where nothing was stored."""
    row = db.get(RegisterEntry, lang)
    stored = json.loads(row.sections) if row else {}
    return {name: stored.get(name) or DEFAULTS[lang][name] for name in SECTIONS}


def last_change(db: Session, lang: str) -> RegisterEntry | None:
    return db.get(RegisterEntry, lang)


def save_sections(db: Session, actor: User, lang: str, typed: dict[str, str]) -> list[str]:
    """Store the sections; a list of problems (nothing saved) when a section is too long."""
    too_long = [name for name in SECTIONS if len(typed.get(name) or "") > MAX_SECTION]
    if too_long:
        return [_("“%(section)s” is longer than %(max)d characters.", section=TITLES[lang][name], max=MAX_SECTION)
                for name in too_long]
    row = db.get(RegisterEntry, lang) or RegisterEntry(locale=lang)
    row.sections = json.dumps({name: (typed.get(name) or "").strip() for name in SECTIONS}, ensure_ascii=False)
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.add(row)
    db.commit()
    return []


def retention_lines(db: Session, lang: str) -> list[str]:
    """One line per retention rule, from its current settings, in `lang`."""
    lines = []
    with force_locale(lang):
        for s in all_settings(db):
            state = _("off") if not s.enabled else (_("applied automatically") if s.auto_apply
                                                   else _("reviewed before it is applied"))
            lines.append(_("%(rule)s: %(days)d days, then %(action)s (%(state)s).", rule=str(s.rule.label),
                           days=s.days, action=_action(s.action), state=state))
    return lines


def _action(action: str) -> str:
    return {"anonymise": pgettext("retention: what happens to the records", "anonymised"),
            "erase": pgettext("retention: what happens to the records", "erased"),
            "delete": pgettext("retention: what happens to the records", "deleted")}.get(action, action)


def optional_data_line(db: Session, lang: str) -> str:
    settings = org_settings(db)
    with force_locale(lang):
        collected = [name for name, on in ((_("birth date"), settings.collect_birth_date),
                                           (_("gender"), settings.collect_gender)) if on]
        return ", ".join(collected) if collected else _("none (birth date and gender are not collected)")
