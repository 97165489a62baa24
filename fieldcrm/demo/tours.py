"""Each demo rep drove a tour on the last working day: the mileage log has a day, and today's tour
starts from the office."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

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
    """Each rep drove a tour on the last working day, from their office (the largest town of their
    area): the mileage log has a day, and today's tour starts from the office instead of asking."""
    config = current_app.config if has_app_context() else {}
    day = working_day_on_or_before(timeutil.today() - timedelta(days=1))
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
