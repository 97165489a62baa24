"""A realistic French demo data set: reps in two teams, a manager, an admin, 300+ clients at
real postal-code/commune pairs with their coordinates (official commune list), and each rep's
recent activity (visits, calls and their notes, follow-ups, appointments) dated from today, so the
Today screen of a demo rep has something to do."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from itertools import islice

from flask import current_app, has_app_context
from sqlalchemy import insert
from sqlmodel import Session, func, select
from stdnum import luhn

from fieldcrm import fieldrules, timeutil
from fieldcrm.accounts import services as accounts
from fieldcrm.accounts.models import Team, User
from fieldcrm.agenda.services import set_cadence_rules
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.clients.normalise import fold
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.geo.bounds import distance_km
from fieldcrm.geo.communes import all_communes
from fieldcrm.timeutil import utcnow
from fieldcrm.tours import services as tours
from fieldcrm.visits import services as visits
from fieldcrm.visits.models import Interaction

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

# --- Activity: what a rep wrote down over the last months, and what is planned around today --------
# (kind, outcome, weight, notes). Short French notes, as typed with a thumb right after the visit.
ACTIVITY = [
    ("visit", "reached", 30, ["Vu le gérant, stock OK", "Présenté la nouvelle gamme, intéressé",
                              "Catalogue 2026 remis", "Dégustation faite, bon retour", "Point sur les tarifs",
                              "Vitrine refaite, PLV posée", None]),
    ("visit", "order_taken", 14, ["Commande de réassort passée", "Commande de 12 cartons",
                                  "Commande de rentrée, livraison jeudi", "Réassort commandé"]),
    ("visit", "not_reached", 6, ["Magasin fermé", "Gérant absent, repasser", "Fermé pour congés"]),
    ("phone", "reached", 16, ["Rappel confirmé pour la livraison", "Devis validé par téléphone",
                              "Questions sur la facture réglées", None]),
    ("phone", "not_reached", 8, ["Messagerie, message laissé", "Pas de réponse", None]),
    ("phone", "call_back", 5, ["Rappeler après les congés", "Rappeler pour le devis"]),
    ("phone", "not_interested", 4, ["Pas intéressé pour le moment", "Travaille avec un concurrent"]),
    ("email", "reached", 6, ["Envoyé le tarif 2026 par mail", "Devis envoyé par mail"]),
    ("sms", "reached", 3, ["Confirmation de passage par SMS"]),
    ("note", "other", 3, ["Client sensible au prix", "Préfère être appelé le matin",
                          "Paie à 30 jours, pas de souci"]),
]
# How many interactions a card has had over the months, by status (none for a suspect).
HISTORY_BY_STATUS = {"client": (3, 8), "prospect": (1, 4), "lead": (0, 2), "former_client": (1, 3)}
HISTORY_DAYS = 180
FOLLOW_UP_REASONS = ["Relancer le devis", "Rappeler pour la commande de Noël", "Envoyer le catalogue",
                     "Confirmer la livraison", "Proposer la gamme bio", "Faire signer le contrat",
                     "Point sur le réassort", "Présenter les nouveautés"]
SHARED_PHRASES = ["Catalogue remis", "Commande à préparer", "Gérant absent", "Devis à envoyer",
                  "Rappeler la semaine prochaine", "Livraison à confirmer"]
# Default visit cadences: the demo's best clients every 3 weeks, clients monthly, prospects every 2 months.
CADENCES = {("segment", SEGMENTS[0]): 21, ("status", "client"): 30, ("status", "prospect"): 60}
APPOINTMENT_HOURS = [time(9, 30), time(11, 0), time(14, 30), time(16, 30)]


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
        slug = _slug(name)
        data.update(company_name=name, sector=sector, siret=_siret(rng),
                    email=f"contact@{slug}.fr" if rng.random() < 0.8 else None,
                    website=fieldrules.website(f"www.{slug}.fr") if rng.random() < 0.3 else None)
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
            # Located from the commune list, as the geocoder's offline step would: a save does not redo it.
            client.geo_precision, client.geo_source, client.geocoded_at = "city", "communes", utcnow()
            db.add(client)
        db.commit()
    manager = db.exec(select(User).where(User.email == f"manager.ouest@{DEMO_DOMAIN}")).one()
    load_activity(db, rng, manager)
    load_past_tours(db)
    return logins


def load_past_tours(db: Session, stops_per_tour: int = 6) -> None:
    """Each rep drove a tour on the last working day, from their office (the largest town of their
    area): the mileage log has a day, and today's tour starts from the office instead of asking."""
    config = current_app.config if has_app_context() else {}
    day = timeutil.today() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    for _team, name, departments, _prefix in REPS:
        rep = db.exec(select(User).where(User.name == name, User.email.endswith(f"@{DEMO_DOMAIN}"))).first()
        if rep is None:
            continue
        office = max(communes_for(departments), key=lambda c: c.population)
        mine = db.exec(select(Client).where(Client.owner_id == rep.id, Client.latitude.is_not(None))).all()
        nearest = sorted(mine, key=lambda c: distance_km(office.lat, office.lon, c.latitude, c.longitude))
        tour = tours.tour_for_day(db, rep, day)
        tours.update_settings(db, tour, {"start_label": f"Bureau, {office.name}", "start_lat": office.lat,
                                         "start_lon": office.lon, "end_mode": "start"})
        candidates = iter(nearest)
        tours.add_stops(db, rep, tour, list(islice(candidates, stops_per_tour)))
        for last_round in [False] * stops_per_tour + [True]:
            tours.plan(db, tour, config)
            # A card the day could not hold (opening hours, distance) makes room for the next nearest one.
            left_out = [stop for stop, _client in tours.stops_of(db, tour) if stop.left_out_reason]
            if not left_out or last_round:
                break
            for stop in left_out:
                tours.remove_stop(db, tour, stop)
            tours.add_stops(db, rep, tour, list(islice(candidates, len(left_out))))
        for stop, _client in tours.stops_of(db, tour):
            if stop.state == "planned" and stop.left_out_reason is None:
                tours.set_state(db, tour, stop, "done")


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _working_moment(rng: random.Random, day: date) -> datetime:
    """A plausible time for a visit or a call on `day`: office hours, in the user's zone, as UTC."""
    minutes = rng.choice([rng.randint(8 * 60 + 30, 12 * 60), rng.randint(14 * 60, 18 * 60 + 30)])
    return timeutil.local_datetime(day, time(minutes // 60, minutes % 60))


def _past_weekday(rng: random.Random, today: date, most: int, least: int = 1) -> date:
    """A weekday between `least` and `most` days ago, recent days more likely (as in a real diary)."""
    day = today - timedelta(days=least + int((most - least) * rng.random() ** 1.6))
    while day.weekday() >= 5:  # reps do not visit on weekends
        day -= timedelta(days=1)
    return day


def load_activity(db: Session, rng: random.Random, manager: User | None = None) -> None:
    """Each rep's past interactions (with the client's last contact and visit kept exactly as the
    quick log keeps them), open follow-ups (overdue, today, coming), appointments today and this
    week, plus the shared quick phrases and default visit cadences. Bulk inserts: stays fast."""
    today = timeutil.today()
    weights = [w for _k, _o, w, _n in ACTIVITY]
    interactions, followups, appointments = [], [], []
    reps = db.exec(select(User).where(User.role == "rep", User.email.like(f"%@{DEMO_DOMAIN}"))
                   .order_by(User.id)).all()
    all_ids = []
    for rep in reps:
        rows = db.exec(select(Client.id, Client.status, Client.street, Client.postal_code, Client.city)
                       .where(Client.owner_id == rep.id).order_by(Client.id)).all()
        cards = [(client_id, status) for client_id, status, *_address in rows]
        places = {client_id: f"{street}, {postal_code} {city}" for client_id, _s, street, postal_code, city in rows}
        contacts = dict(db.exec(select(ContactPerson.client_id, func.min(ContactPerson.id))
                                .join(Client, Client.id == ContactPerson.client_id)
                                .where(Client.owner_id == rep.id).group_by(ContactPerson.client_id)).all())
        all_ids += [client_id for client_id, _status in cards]
        for client_id, status in cards:
            low, high = HISTORY_BY_STATUS.get(status, (0, 0))
            oldest = HISTORY_DAYS * (2 if status == "former_client" else 1)
            for _ in range(rng.randint(low, high)):
                kind, outcome, _w, notes = rng.choices(ACTIVITY, weights=weights)[0]
                day = _past_weekday(rng, today, oldest, 90 if status == "former_client" else 1)
                at = _working_moment(rng, day)
                row = {"uid": _uid(rng), "client_id": client_id, "author_id": rep.id, "kind": kind,
                       "outcome": outcome, "occurred_at": at, "note": rng.choice(notes), "created_at": at,
                       "contact_id": contacts.get(client_id) if kind == "visit" and rng.random() < 0.6 else None,
                       "duration_minutes": rng.choice([15, 20, 30, 45, 60]) if kind == "visit" else None}
                interactions.append(row)
                if outcome == "call_back":  # the call-back it asked for, done since
                    due = day + timedelta(days=rng.randint(2, 10))
                    if due < today:
                        followups.append(_followup(rep, client_id, due, "Rappeler", status="done",
                                                   closed=timeutil.local_datetime(due, time(10, 0))))
        active = [c for c, status in cards if status in ("client", "prospect", "lead")]
        picked = rng.sample(active, min(len(active), 16))
        # Overdue (1 to 12 days late), due today (two with a time), and the weeks to come.
        for client_id in picked[:4]:
            followups.append(_followup(rep, client_id, today - timedelta(days=rng.randint(1, 12)),
                                       rng.choice(FOLLOW_UP_REASONS)))
        for n, client_id in enumerate(picked[4:7]):
            followups.append(_followup(rep, client_id, today, rng.choice(FOLLOW_UP_REASONS),
                                       at=[time(10, 0), time(17, 0), None][n]))
        for client_id in picked[7:13]:
            followups.append(_followup(rep, client_id, today + timedelta(days=rng.randint(1, 30)),
                                       rng.choice(FOLLOW_UP_REASONS)))
        if manager is not None and manager.team_id == rep.team_id and len(picked) > 13:
            followups.append(_followup(rep, picked[13], today + timedelta(days=2), "Point stock demandé par Marc",
                                       created_by=manager))
        # Appointments: 1 to 3 today at sane hours, a few more this week and next, each set by a call.
        slots = [(today, hour) for hour in sorted(rng.sample(APPOINTMENT_HOURS, rng.randint(1, 3)))]
        for offset in range(1, 10):
            day = today + timedelta(days=offset)
            if day.weekday() < 5 and rng.random() < 0.45:
                slots.append((day, rng.choice(APPOINTMENT_HOURS)))
        for (day, hour), client_id in zip(slots, rng.sample(active, min(len(active), len(slots))), strict=False):
            starts = timeutil.local_datetime(day, hour)
            booked = _working_moment(rng, _past_weekday(rng, today, 10, 2))
            call = {"uid": _uid(rng), "client_id": client_id, "author_id": rep.id, "kind": "phone",
                    "outcome": "appointment_set", "occurred_at": booked, "created_at": booked,
                    "note": "RDV pris pour présenter la gamme", "contact_id": None, "duration_minutes": None}
            interactions.append(call)
            appointments.append({"uid": call["uid"], "client_id": client_id, "owner_id": rep.id,
                                 "created_by_id": rep.id, "starts_at": starts,
                                 "ends_at": starts + timedelta(minutes=rng.choice([45, 60])),
                                 "place": places[client_id], "notes": None, "created_at": booked})
    db.execute(insert(Interaction), interactions)
    # Appointments point at the call that set them (found by the call's uid, as the quick log links them).
    ids = dict(db.exec(select(Interaction.uid, Interaction.id)
                       .where(Interaction.uid.in_([a["uid"] for a in appointments]))).all())
    for appointment in appointments:
        appointment["interaction_id"] = ids[appointment.pop("uid")]
    if followups:
        db.execute(insert(FollowUp), followups)
    if appointments:
        db.execute(insert(Appointment), appointments)
    visits.recompute_last_dates(db, all_ids)  # the quick log's own rule for last contact and visit
    db.commit()
    visits.set_shared_phrases(db, SHARED_PHRASES)
    set_cadence_rules(db, CADENCES)


def _followup(rep: User, client_id: int, due: date, reason: str, *, at: time | None = None,
              status: str = "open", closed: datetime | None = None, created_by: User | None = None) -> dict:

    return {"client_id": client_id, "assignee_id": rep.id, "created_by_id": (created_by or rep).id,
            "due_date": due, "due_time": at, "reason": reason, "status": status, "snoozed_count": 0,
            "created_at": timeutil.local_datetime(min(due, timeutil.today()) - timedelta(days=7), time(9, 0)),
            "closed_at": closed, "uid": None, "interaction_id": None}
