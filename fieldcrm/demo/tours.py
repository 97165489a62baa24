"""Each demo rep drove a tour on the last working day: the mileage log has a day, and today's tour
starts from the office."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.demo.calendar import working_day_on_or_before
from fieldcrm.demo.people import DEMO_DOMAIN, REPS, communes_for
from fieldcrm.geo.bounds import distance_km
from fieldcrm.tours import services as tours


def load_past_tours(db: Session, stops_per_tour: int = 6) -> None:
    """Each rep drove a tour on the last working day, from their office (in the town where their cards
    lie closest together): the mileage log has a day, and today's tour starts from the office instead
    of asking."""
    config = current_app.config if has_app_context() else {}
    day = working_day_on_or_before(timeutil.today() - timedelta(days=1))
    for _team, name, departments, _prefix in REPS:
        rep = db.exec(select(User).where(User.name == name, User.email.endswith(f"@{DEMO_DOMAIN}"))).first()
        if rep is None:
            continue
        mine = db.exec(select(Client).where(Client.owner_id == rep.id, Client.latitude.is_not(None))).all()
        office = _office(communes_for(departments), mine, stops_per_tour)
        nearest = sorted(mine, key=lambda c: distance_km(office.lat, office.lon, c.latitude, c.longitude))
        tour = tours.tour_for_day(db, rep, day)
        tours.update_settings(db, tour, {"start_label": f"Bureau, {office.name}", "start_lat": office.lat,
                                         "start_lon": office.lon, "end_mode": "start"})
        # The day stays in one area, as a rep plans it: the card nearest the office, then each time the
        # card nearest to those already picked.
        picked, remaining = nearest[:1], nearest[1:]
        while remaining and len(picked) < stops_per_tour:
            remaining.sort(key=lambda c: _distance_to(picked, c))
            picked.append(remaining.pop(0))
        tours.add_stops(db, rep, tour, picked)
        for _round in range(3 * stops_per_tour):
            tours.plan(db, tour, config)
            # A card the day could not hold (opening hours, distance) makes room for the card nearest
            # to the ones it kept.
            rows = tours.stops_of(db, tour)
            left_out = [stop for stop, _client in rows if stop.left_out_reason]
            kept = [client for stop, client in rows if not stop.left_out_reason]
            if not left_out or not remaining:
                break
            for stop in left_out:
                tours.remove_stop(db, tour, stop)
            remaining.sort(key=lambda c: _distance_to(kept, c))
            tours.add_stops(db, rep, tour, remaining[:len(left_out)])
            del remaining[:len(left_out)]
        else:
            tours.plan(db, tour, config)  # the last cards added
        still_out = [stop for stop, _client in tours.stops_of(db, tour) if stop.left_out_reason]
        for stop in still_out:
            tours.remove_stop(db, tour, stop)  # the day driven holds only the visits made
        if still_out:
            tours.plan(db, tour, config)
        for stop, _client in tours.stops_of(db, tour):
            if stop.state == "planned" and stop.left_out_reason is None:
                tours.set_state(db, tour, stop, "done")


def _distance_to(cards: list[Client], card: Client) -> float:
    """Kilometres from `card` to the nearest of `cards`."""
    return min((distance_km(c.latitude, c.longitude, card.latitude, card.longitude) for c in cards), default=0.0)


def _office(pool: list, cards: list[Client], per_day: int):
    """The rep's office: the commune of the card with its `per_day - 1` nearest cards closest around
    it (a day's visits fit in a working day from there); the area's largest town without cards."""
    if not cards:
        return max(pool, key=lambda c: c.population)

    def spread(card: Client) -> float:
        return sum(sorted(distance_km(card.latitude, card.longitude, o.latitude, o.longitude) for o in cards)[:per_day])

    centre = min(cards, key=spread)
    return next((c for c in pool if (c.postal_code, c.name) == (centre.postal_code, centre.city)),
                max(pool, key=lambda c: c.population))
