"""Demo people and cards: reps in two teams, and plausible French clients at real postal-code/commune
pairs (official commune list), with their contact people. Values go through the field rules."""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum import luhn

from fieldcrm import fieldrules
from fieldcrm.clients.normalise import fold
from fieldcrm.geo.communes import all_communes

# The demo's own sign-in and e-mail domain (every demo user and card is found by it).
DEMO_PASSWORD = "terrain-demo-2026"
DEMO_DOMAIN = "demo.fieldcrm.fr"

FIRST_NAMES_F = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Hélène", "Sophie", "Céline",
                 "Chloé", "Camille", "Léa", "Manon", "Émilie", "Julie", "Aurélie", "Françoise", "Zoé",
                 "Inès", "Margaux", "Élodie", "Agnès", "Bérénice", "Noémie", "Laëtitia"]
FIRST_NAMES_M = ["Jean", "Philippe", "Michel", "Alain", "Patrick", "Nicolas", "Christophe", "Pierre",
                 "Laurent", "Sébastien", "Julien", "Thomas", "Antoine", "Maxime", "Hugo", "Lucas",
                 "François", "Stéphane", "Jérôme", "Frédéric", "Benoît", "Rémi", "Gaël", "Loïc"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
              "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
              "Vincent", "Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont",
              "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
              "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
              "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Le Gall",
              "Kerboriou", "Étienne", "Bénard", "Hoarau", "Castagné", "Delaunay", "Texier"]
BUSINESSES = [
    ("Boulangerie {last}", "Boulangerie-pâtisserie"), ("Pharmacie du Centre", "Pharmacie"),
    ("Garage {last}", "Garage automobile"), ("{last} & Fils", "Bâtiment"), ("SARL {last} BTP", "Bâtiment"),
    ("Le Bistrot de {city}", "Restauration"), ("Hôtel de la Gare", "Hôtellerie"),
    ("Cave {last}", "Caviste"), ("Quincaillerie {last}", "Commerce de détail"),
    ("Coiffure {first}", "Coiffure"), ("Fromagerie {last}", "Commerce alimentaire"),
    ("Domaine {last}", "Viticulture"), ("Menuiserie {last}", "Artisanat"),
    ("Institut {first}", "Beauté"), ("Fleurs de {city}", "Fleuriste"),
    ("Transports {last}", "Transport"), ("Ets {last}", "Commerce de gros"),
    ("Supérette de {city}", "Commerce alimentaire"), ("Cabinet {last}", "Services"),
    ("Imprimerie {last}", "Industrie"), ("Jardinerie {last}", "Commerce de détail"),
]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place de l'Église",
           "rue du Général de Gaulle", "boulevard Gambetta", "rue Pasteur", "rue des Écoles",
           "avenue de la Gare", "rue Nationale", "chemin des Vignes", "rue du Moulin", "place du Marché",
           "rue de Verdun", "allée des Tilleuls", "route de Paris", "rue Jules Ferry", "impasse des Lilas"]
SEGMENTS = ["A — grand compte", "B — régulier", "C — occasionnel"]
SOURCES = ["Salon professionnel", "Recommandation", "Prospection terrain", "Site web", "Fichier CCI"]
TAGS = ["salon 2026", "fidèle", "à relancer", "gros potentiel", "export", "bio"]
# Two teams, each rep working departments of one region; (team, rep name, departments, phone prefix)
REPS = [
    ("Ouest", "Yann Le Bihan", ["29", "56", "22", "35"], "02"),
    ("Ouest", "Claire Moreau", ["44", "49", "85", "72"], "02"),
    ("Sud-Est", "Karim Benali", ["69", "42", "01", "38"], "04"),
    ("Sud-Est", "Élise Fabre", ["13", "84", "83", "30"], "04"),
]
STATUS_WEIGHTS = {"suspect": 10, "lead": 15, "prospect": 30, "client": 40, "former_client": 5}

def _siret(rng: random.Random) -> str:
    """A SIRET with correct Luhn keys (SIREN, then SIREN + establishment number)."""
    siren8 = f"{rng.randint(10_000_000, 99_999_999)}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = f"{rng.randint(1, 999):04d}"
    return fieldrules.siret(siren + nic4 + luhn.calc_check_digit(siren + nic4))


def _phone(rng: random.Random, prefix: str) -> str:
    """A number of mainland France starting with `prefix` (06/07 mobiles, 02 west, 04 south-east...),
    in E.164. Drawn until the field rule takes it as French: random digits after 06 or 02 can fall in
    an overseas range (0693 is La Réunion, 0262 too) or in one not allocated yet."""
    for _attempt in range(1000):  # most draws are French: a few tries suffice
        digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(10 - len(prefix)))
        try:
            number = fieldrules.phone(digits, "FR")
        except fieldrules.InvalidField:
            continue
        if number.startswith("+33"):
            return number
    raise ValueError(f"no French phone number starts with {prefix}")


def _slug(text: str) -> str:
    """A DNS label from a name: folded, words joined by dashes, at most 30 characters, no dash at the ends."""
    return fold(text).replace(" ", "-").replace(".", "-")[:30].strip("-")


def _email(first: str, last: str, domain: str) -> str:
    return fieldrules.email(f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '-')}@{domain}")


def _unique(candidates, taken: set[str]) -> str:
    """The first candidate nobody has yet (then the last one numbered), now taken."""
    candidates = list(candidates)
    choice = next((c for c in candidates if c not in taken), None)
    n = 2
    while choice is None:
        choice = f"{candidates[-1]}{n}" if f"{candidates[-1]}{n}" not in taken else None
        n += 1
    taken.add(choice)
    return choice


def business_domain(name: str, city: str, taken: set[str]) -> str:
    """The web domain of a business: its name, with its town when another business has the name
    (France has hundreds of "Pharmacie du Centre": each has its own address)."""
    return _unique((_slug(name), _slug(f"{name} {city}")), taken) + ".fr"


def client_data(rng: random.Random, commune, owner_id: int, phone_prefix: str,
                taken: set[str] | None = None) -> tuple[dict, list[dict]]:
    """One plausible client at a real commune, with its contact people. `taken`: the domains and
    e-mail addresses given so far (no two cards share one)."""
    taken = set() if taken is None else taken
    female = rng.random() < 0.5
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = rng.choice(LAST_NAMES)
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    is_company = rng.random() < 0.85
    data = {
        "kind": "company" if is_company else "person", "status": status, "owner_id": owner_id,
        "first_name": first, "last_name": last, "civility": "MME" if female else "M",
        "street": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", "postal_code": commune.postal_code,
        "city": commune.name, "country": "FR", "source": rng.choice(SOURCES),
        "segment": rng.choice(SEGMENTS), "phone": _phone(rng, phone_prefix),
        "mobile": _phone(rng, rng.choice(["06", "07"])) if rng.random() < 0.7 else None,
        "visit_cadence_days": rng.choice([None, 30, 60, 90]),
        "tags": sorted(set(rng.sample(TAGS, rng.randint(0, 2)))),
        "client_since": date(2026, 11, 1) - timedelta(days=rng.randint(30, 3000))
        if status in ("client", "former_client") else None,
        "loyalty_programme": rng.choice([None, None, "Carte Pro", "Club Privilège"]),
    }
    contacts = []
    if is_company:
        pattern, sector = rng.choice(BUSINESSES)
        name = pattern.format(last=last, first=first, city=commune.name)
        domain = business_domain(name, commune.name, taken)
        data.update(company_name=name, sector=sector, siret=_siret(rng),
                    email=f"contact@{domain}" if rng.random() < 0.8 else None,
                    website=fieldrules.website(f"www.{domain}") if rng.random() < 0.3 else None)
        contacts.append({"civility": data["civility"], "first_name": first, "last_name": last,
                         "function": rng.choice(["Gérant", "Gérante" if female else "Gérant",
                                                 "Responsable achats", "Directeur", "Associée"]),
                         "email": _email(first, last, domain), "mobile": data["mobile"],
                         "direct_line": None})
        data.update(first_name=None, last_name=None, civility=None)
    else:
        provider = rng.choice(["orange.fr", "free.fr", "gmail.com", "laposte.net"])
        local = _unique((f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '-')}",), taken)
        data.update(sector="Particulier", email=fieldrules.email(f"{local}@{provider}"))
    return data, contacts


def opening_hours(rng: random.Random) -> dict[int, list[tuple[str, str]]]:
    if rng.random() < 0.6:
        return {}
    morning = rng.choice([("08:30", "12:00"), ("09:00", "12:30")])
    afternoon = rng.choice([("14:00", "18:30"), ("14:30", "19:00")])
    days = range(1, 6) if rng.random() < 0.5 else range(0, 5)
    return {d: [morning, afternoon] for d in days} | ({5: [("09:00", "12:00")]} if rng.random() < 0.5 else {})


def communes_for(departments: list[str], minimum_population: int = 1500) -> list:
    return [c for c in all_communes() if c.department in departments and c.population >= minimum_population]


