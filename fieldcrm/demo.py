"""A realistic French demo data set: reps in two teams, a manager, an admin, 300+ clients at
real postal-code/commune pairs with their coordinates (official commune list)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, func, select
from stdnum import luhn

from fieldcrm.accounts import services as accounts
from fieldcrm.accounts.models import Team, User
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from fieldcrm.geo.communes import all_communes

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
    siren8 = f"{rng.randint(10_000_000, 99_999_999)}"
    siren = siren8 + luhn.calc_check_digit(siren8)
    nic4 = f"{rng.randint(1, 999):04d}"
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


def _phone(rng: random.Random, prefix: str) -> str:
    return "+33" + prefix[1:] + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _email(first: str, last: str, domain: str) -> str:
    from fieldcrm.clients.normalise import fold

    return f"{fold(first).replace(' ', '')}.{fold(last).replace(' ', '-')}@{domain}"


def client_data(rng: random.Random, commune, owner_id: int, phone_prefix: str) -> tuple[dict, list[dict]]:
    """One plausible client at a real commune, with its contact people."""
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
        slug = _email("contact", name, DEMO_DOMAIN).split("@")[0].replace("contact.", "")[:30]
        data.update(company_name=name, sector=sector, siret=_siret(rng),
                    email=f"contact@{slug}.fr" if rng.random() < 0.8 else None,
                    website=f"https://www.{slug}.fr" if rng.random() < 0.3 else None)
        contacts.append({"civility": data["civility"], "first_name": first, "last_name": last,
                         "function": rng.choice(["Gérant", "Gérante" if female else "Gérant",
                                                 "Responsable achats", "Directeur", "Associée"]),
                         "email": _email(first, last, f"{slug}.fr"), "mobile": data["mobile"],
                         "direct_line": None})
        data.update(first_name=None, last_name=None, civility=None)
    else:
        data.update(sector="Particulier", email=_email(first, last, rng.choice(["orange.fr", "free.fr",
                                                                                "gmail.com", "laposte.net"])))
    return data, contacts


def _opening_hours(rng: random.Random) -> dict[int, list[tuple[str, str]]]:
    if rng.random() < 0.6:
        return {}
    morning = rng.choice([("08:30", "12:00"), ("09:00", "12:30")])
    afternoon = rng.choice([("14:00", "18:30"), ("14:30", "19:00")])
    days = range(1, 6) if rng.random() < 0.5 else range(0, 5)
    return {d: [morning, afternoon] for d in days} | ({5: [("09:00", "12:00")]} if rng.random() < 0.5 else {})


def communes_for(departments: list[str], minimum_population: int = 1500) -> list:
    return [c for c in all_communes() if c.department in departments and c.population >= minimum_population]


def load_demo(db: Session, clients_per_rep: int = 80, seed: int = 2026) -> dict[str, str]:
    """Create the demo organisation; returns {email: role}. Refuses a database that has clients."""
    if db.exec(select(func.count()).select_from(Client)).one():
        raise RuntimeError("The database already has clients; the demo loads only into an empty one.")
    rng = random.Random(seed)
    teams = {}
    for team_name in ("Ouest", "Sud-Est"):
        teams[team_name] = db.exec(select(Team).where(Team.name == team_name)).first() or \
            accounts.create_team(db, team_name)
    logins = {}

    def user(email, name, role, team=None) -> User:
        existing = db.exec(select(User).where(User.email == email)).first()
        if existing:
            return existing
        logins[email] = role
        return accounts.create_user(db, email=email, name=name, password=DEMO_PASSWORD, role=role,
                                    team_id=teams[team].id if team else None)

    admin = user(f"admin@{DEMO_DOMAIN}", "Agnès Admin", "admin")
    user(f"manager.ouest@{DEMO_DOMAIN}", "Marc Lemaire", "manager", "Ouest")
    user(f"manager.sudest@{DEMO_DOMAIN}", "Sandrine Roux", "manager", "Sud-Est")
    for team, name, departments, prefix in REPS:
        first = name.split()[0].lower().replace("é", "e").replace("É", "e")
        rep = user(f"{first}@{DEMO_DOMAIN}", name, "rep", team)
        pool = communes_for(departments)
        for _ in range(clients_per_rep):
            data, contacts = client_data(rng, rng.choice(pool), rep.id, prefix)
            client = clients.create_client(db, admin, data, hours=_opening_hours(rng), contacts=contacts)
            commune = next(c for c in pool if c.postal_code == data["postal_code"] and c.name == data["city"])
            client.latitude = commune.lat + rng.uniform(-0.004, 0.004)
            client.longitude = commune.lon + rng.uniform(-0.006, 0.006)
            client.geo_precision, client.geo_source = "city", "communes"
            db.add(client)
        db.commit()
    return logins
