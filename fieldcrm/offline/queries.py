"""The rep's day as the phone keeps it: which pages, and a compact list of the clients for searching
offline. Read-only; every select starts from the actor's reach (tours, follow-ups, clients)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.agenda.queries import week_agenda
from fieldcrm.clients.models import Client
from fieldcrm.clients.normalise import format_phone
from fieldcrm.clients.queries import scope
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.tours.queries import scope_tour_stops, scope_tours


@dataclass
class DayKit:
    """The tours of the day and the next one, and every client whose card the phone keeps."""
    tours: list[Tour] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    # (tour id, stop id) of every stop of those tours: each stop's own page is kept too
    stops: list[tuple[int, int]] = field(default_factory=list)
    # the clients of the day itself (today's and tomorrow's tour stops, follow-ups and appointments),
    # whose action forms (log, follow-up, appointment, correction) the phone keeps as well as their cards
    day_client_ids: list[int] = field(default_factory=list)


def own_tours(db: Session, actor: User, days: list[date]) -> list[Tour]:
    """The actor's own tours on these days (a manager's phone keeps their own day, not their team's)."""
    stmt = select(Tour).where(Tour.owner_id == actor.id, Tour.day.in_(days)).order_by(Tour.day, Tour.id)
    return list(db.exec(scope_tours(stmt, actor)).all())


def _tour_stops(db: Session, actor: User, tours: list[Tour]) -> list[tuple[int, int, int]]:
    """(tour id, stop id, client id) of the tours' stops, in order."""
    rows: list[tuple[int, int, int]] = []
    for tour in tours:
        stmt = (select(TourStop.id, TourStop.client_id).join(Client, Client.id == TourStop.client_id)
                .where(TourStop.tour_id == tour.id).order_by(TourStop.position, TourStop.id))
        rows += [(tour.id, stop_id, client_id) for stop_id, client_id in db.exec(scope_tour_stops(stmt, db, tour, actor))]
    return rows


def _week_client_ids(db: Session, actor: User, today: date) -> tuple[list[int], list[int]]:
    """The clients of the week's follow-ups and appointments, and those of today's and tomorrow's."""
    week: list[int] = []
    near: list[int] = []
    for day in week_agenda(db, actor, timeutil.week_start(today)):
        ids = [client.id for _record, client in day.followups + day.appointments]
        week += ids
        if today <= day.day <= today + timedelta(days=1):
            near += ids
    return week, near


def day_kit(db: Session, actor: User, today: date, recent_ids: list[int], recent_limit: int) -> DayKit:
    """Today's and tomorrow's tours of the actor, and the clients of their stops, of the week's
    follow-ups and appointments, and up to `recent_limit` of the clients last opened on the phone
    (`recent_ids`, newest first; any outside the actor's reach is left out)."""
    tours = own_tours(db, actor, [today, today + timedelta(days=1)])
    stops = _tour_stops(db, actor, tours)
    week, near = _week_client_ids(db, actor, today)
    of_the_day = list(dict.fromkeys([client_id for _t, _s, client_id in stops] + near))
    ordered = list(dict.fromkeys(of_the_day + week + recent_ids[:max(recent_limit, 0)]))
    kit = DayKit(tours=tours, stops=[(tour_id, stop_id) for tour_id, stop_id, _c in stops])
    if not ordered:
        return kit
    found = {client.id: client for client in db.exec(scope(select(Client).where(Client.id.in_(ordered)), actor))}
    kit.clients = [found[i] for i in ordered if i in found]
    kit.day_client_ids = [i for i in of_the_day if i in found]
    return kit


def search_entry(client: Client, region: str = "FR") -> dict:
    """A client as the offline search shows and matches it: the server's folded search text is shipped,
    so accents and phone formats are ignored exactly as online."""
    return {"id": client.id, "name": client.display_name, "city": client.city or "",
            "phone": format_phone(client.phone or client.mobile, region), "search": client.search_text}
