"""Plain factory functions that go through the same services as the app."""

from __future__ import annotations

import functools
import itertools

from sqlalchemy import insert
from sqlmodel import Session

from fieldcrm.accounts import services as accounts
from fieldcrm.accounts.models import Team, User
from fieldcrm.clients import services as clients
from fieldcrm.clients.models import Client

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def in_app_context(fn):
    """Run the factory inside a request context of the session's app, popped right after."""

    @functools.wraps(fn)
    def wrapper(db, *args, **kwargs):
        with db.info["app"].test_request_context():
            return fn(db, *args, **kwargs)

    return wrapper


@in_app_context
def make_team(db: Session, name: str | None = None) -> Team:
    return accounts.create_team(db, name or f"Team {next(_seq)}")


@in_app_context
def make_user(db: Session, role: str = "rep", team: Team | None = None, name: str | None = None,
              email: str | None = None, locale: str | None = None) -> User:
    n = next(_seq)
    return accounts.create_user(db, email=email or f"user{n}@example.fr", name=name or f"User {n}",
                                password=PASSWORD, role=role, team_id=team.id if team else None,
                                locale=locale)


@in_app_context
def make_client(db: Session, owner: User, **fields) -> Client:
    data = {"kind": "company", "company_name": f"Client {next(_seq)}", "status": "client",
            "country": "FR", "owner_id": owner.id, "tags": []}
    contacts = fields.pop("contacts", ())
    hours = fields.pop("hours", None)
    consents = fields.pop("consents", None)
    data.update(fields)
    return clients.create_client(db, owner, data, contacts=contacts, hours=hours, consents=consents)


@in_app_context
def portfolio_world(db: Session) -> dict:
    """Two teams: rep_a and rep_b with manager_a in team A, rep_c in team B; an admin."""
    team_a, team_b = make_team(db, "Ouest"), make_team(db, "Sud-Est")
    world = {
        "admin": make_user(db, "admin", name="Ada Admin"),
        "manager_a": make_user(db, "manager", team_a, name="Manon Manager"),
        "rep_a": make_user(db, "rep", team_a, name="Rémi Rep"),
        "rep_b": make_user(db, "rep", team_a, name="Bea Rep"),
        "rep_c": make_user(db, "rep", team_b, name="Cyril Rep"),
    }
    world["client_a"] = make_client(db, world["rep_a"], company_name="Boulangerie Hélène",
                                    postal_code="69001", city="Lyon", phone="+33478000001")
    world["client_b"] = make_client(db, world["rep_b"], company_name="Garage Bernard")
    world["client_c"] = make_client(db, world["rep_c"], company_name="Cave Castagné")
    return world


@in_app_context
def make_tour(db: Session, owner: User, clients, day=None, **settings):
    """A tour for `owner` on `day` (default: 2026-11-23) holding `clients` in that order."""
    from datetime import date

    from fieldcrm.tours import services as tours

    tour = tours.tour_for_day(db, owner, day or date(2026, 11, 23))
    if settings:
        tours.update_settings(db, tour, settings)
    tours.add_stops(db, owner, tour, list(clients))
    return tour, [stop for stop, _client in tours.stops_of(db, tour)]


# --- interactions, follow-ups, appointments (through the app's own services) -------------------------

@in_app_context
def make_interaction(db: Session, author: User, client: Client, **fields):
    """A logged interaction (default: a visit, reached, now) through visits.services.log_interaction."""
    import uuid

    from fieldcrm import timeutil
    from fieldcrm.visits import services as visits

    data = {"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached", "occurred_at": timeutil.now(),
            "note": None, "contact_id": None, "duration_minutes": None}
    data.update(fields)
    return visits.log_interaction(db, author, client, data).interaction


@in_app_context
def make_followup(db: Session, actor: User, client: Client, due_date, **fields):
    from fieldcrm.followups import services as followups

    return followups.create_followup(db, actor, client, due_date=due_date, **fields)


@in_app_context
def make_appointment(db: Session, actor: User, client: Client, starts_at, **fields):
    from fieldcrm.followups import services as followups

    return followups.create_appointment(db, actor, client, starts_at=starts_at, **fields).appointment


def logged_in_http(app, user, password: str = PASSWORD):
    """A test client of `app` logged in as `user`: one more independent browser session."""
    http = app.test_client()
    assert http.post("/login", data={"email": user.email, "password": password}).status_code == 303
    return http


def copy_located_clients(db: Session, model: Client, places: list[tuple[int, float, float]], name: str = "Client") -> None:
    """Thousands of located clients at once (owner id, latitude, longitude each), copied from `model` in
    one INSERT: the map's tests need a big portfolio, built in a second rather than through the
    services one card at a time. Nothing else (history, search index beyond the name) comes along."""
    table = Client.__table__
    row = dict(db.connection().execute(table.select().where(table.c.id == model.id)).mappings().one())
    row.pop("id")
    rows = [{**row, "display_name": f"{name} {i}", "company_name": f"{name} {i}", "sort_name": f"{name} {i}".lower(),
             "search_text": f"{name} {i}".lower(), "owner_id": owner_id, "latitude": lat, "longitude": lon}
            for i, (owner_id, lat, lon) in enumerate(places)]
    db.connection().execute(insert(table), rows)
    db.commit()


def make_located_client(db: Session, owner: User, name: str, lat: float, lon: float, **fields) -> Client:
    """A client (in Lyon unless told otherwise) already placed at a street-precision position."""
    client = make_client(db, owner, company_name=name, **{"postal_code": "69001", "city": "Lyon", **fields})
    client.latitude, client.longitude, client.geo_precision = lat, lon, "street"
    db.add(client)
    db.commit()
    return client


@in_app_context
def hand_over(db: Session, actor: User, source: User, target: User, carry=("followup", "appointment", "tour_stop"),
              clients=None):
    """Hand every client of `source` (or the `clients` given) to `target` through the hand-over
    service, as the confirmation of its preview does."""
    from fieldcrm.handover import queries as handover_queries
    from fieldcrm.handover import services as handover

    selection = handover_queries.Selection(source)
    if clients is not None:
        selection.mode, selection.client_ids = "clients", tuple(c.id for c in clients)
    expected = handover_queries.moves(db, actor, selection, target, set(carry)).counts()
    return handover.hand_over(db, actor, selection, target, set(carry), expected,
                              "all" if clients is None else f"clients|{len(clients)}")
