"""`fieldcrm demo`: the whole demo organisation in one call."""

from __future__ import annotations

import random

from sqlmodel import Session, func, select

from fieldcrm.accounts import services as accounts
from fieldcrm.accounts.models import Team, User
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client
from fieldcrm.demo.activity import load_activity
from fieldcrm.demo.people import DEMO_DOMAIN, DEMO_PASSWORD, REPS, client_data, communes_for, opening_hours
from fieldcrm.demo.places import place_at_commune
from fieldcrm.demo.purchases import load_purchases
from fieldcrm.demo.tours import load_past_tours


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
    taken_domains: set[str] = set()  # one web domain, one e-mail per business

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
            commune = rng.choice(pool)
            data, contacts = client_data(rng, commune, rep.id, prefix, taken_domains)
            client = clients.create_client(db, admin, data, hours=opening_hours(rng), contacts=contacts)
            place_at_commune(client, commune)  # a save does not redo it
            db.add(client)
        db.commit()
    manager = db.exec(select(User).where(User.email == f"manager.ouest@{DEMO_DOMAIN}")).one()
    load_activity(db, rng, manager)
    load_purchases(db, rng)
    load_past_tours(db)
    return logins


