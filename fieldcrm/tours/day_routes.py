"""The day's tour: the list of tours, today, a day's page and its map, optimise (from now on a day
under way), start from here."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.clients import links
from fieldcrm.db import get_session
from fieldcrm.tours import map_file, navigation, queries, services, stop_routes, stop_sources
from fieldcrm.tours.blueprint import (
    bp,
    flash_plan,
    hhmm,
    owner_only,
    position_from_form,
    tour_today,
)
from fieldcrm.tours.forms import OpenDayForm
from fieldcrm.tours.messages import LATE, conflict_text, reason_labels
from fieldcrm.tours.queries import can_edit_tour
from fieldcrm.web.downloads import html_download
from fieldcrm.web.guards import with_tour
from fieldcrm.web.htmx import render
from fieldcrm.web.quicklog import quick_log_url


# What a button of an unsaved day asks for once open_day has saved it: a page to go to, or a POST
# view to run on the new tour.
@bp.get("/tours")
@login_required
def index():
    return render("tours/index.html", "tours/index.html", tours=queries.recent_tours(get_session(), current_user),
                  today=tour_today())


@bp.get("/tours/today")
@login_required
def today():
    """Today's tour. Until something is added to it, an empty day that is not saved (a GET writes
    nothing): its buttons post to open_day, which saves it and does what was asked."""
    db = get_session()
    tour = services.saved_tour(db, current_user, tour_today())
    if tour is not None:
        return redirect(url_for("tours.detail", tour_id=tour.id))
    return render("tours/detail.html", "tours/_tour.html",
                  **_detail_context(services.unsaved_tour(db, current_user, tour_today())))

DAY_PAGES = {"settings": "tours.settings", "fill": "tours.fill"}


@bp.post("/tours/day")
@login_required
def open_day():
    form = OpenDayForm()
    day = form.picked_day()
    if day is None:
        flash(_("Pick a date."), "error")
        return redirect(url_for("tours.index"), 303)
    tour = services.tour_for_day(get_session(), current_user, day)
    then = form.then.data
    if then == "agenda":
        return stop_routes.add_days_agenda(tour)
    if then == "segment":
        return stop_routes.add_segment_stops(tour)
    return redirect(url_for(DAY_PAGES.get(then, "tours.detail"), tour_id=tour.id), 303)


def route_points(tour, rows) -> dict:
    """What the tour's maps draw (map.js on the page, the downloadable file): start, end, numbered stops."""
    stops = []
    number = 0
    for stop, client in rows:
        if client.latitude is None or stop.left_out_reason not in (None, LATE):
            continue
        number += 1
        stops.append({"n": number, "lat": client.latitude, "lon": client.longitude, "name": client.display_name,
                      "state": stop.state, "eta": hhmm(stop.arrival_s) if stop.arrival_s is not None else ""})
    start = [tour.start_lat, tour.start_lon] if tour.start_lat is not None else None
    end = None
    if tour.end_mode == "elsewhere" and tour.end_lat is not None:
        end = [tour.end_lat, tour.end_lon]
    return {"start": start, "end": end, "stops": stops}


def _detail_context(tour, outcome=None) -> dict:
    db = get_session()
    saved = tour.id is not None
    rows = services.stops_of(db, tour, current_user) if saved else []
    gone = services.gone_stops(db, tour, current_user) if saved else []
    nav = {}
    points = [(tour.start_lat, tour.start_lon)] if tour.start_lat is not None else []
    first_stop = len(points)
    numbered = []
    for stop, client in rows:
        address = links.postal_address(client.street, client.postal_code, client.city, client.country)
        nav[stop.id] = links.navigation_links(address, client.latitude, client.longitude)
        if client.latitude is not None and stop.state == "planned" and stop.left_out_reason in (None, LATE):
            points.append((client.latitude, client.longitude))
        if stop.left_out_reason in (None, LATE):
            numbered.append(stop.id)
    has_stops = len(points) > first_stop
    if tour.end_mode == "start" and tour.start_lat is not None:
        points.append((tour.start_lat, tour.start_lon))
    elif tour.end_mode == "elsewhere" and tour.end_lat is not None:
        points.append((tour.end_lat, tour.end_lon))
    owner = db.get(User, tour.owner_id)
    appointments = {s.id: (c.display_name, s.appointment_at.strftime("%H:%M")) for s, c in rows if s.appointment_at}
    conflicts = {s.id: conflict_text(s.left_out_detail, appointments) for s, _c in rows if s.left_out_detail}
    now = timeutil.local_now()
    planned = timeutil.to_local(tour.planned_at) if tour.planned_at else None
    return {"tour": tour, "rows": rows, "gone": gone, "nav": nav, "owner": owner,
            "conflicts": {k: v for k, v in conflicts.items() if v},
            "left_count": sum(1 for s, _c in rows if s.state == "planned" and s.left_out_reason not in (None, LATE)),
            "under_way": services.under_way(tour, now),
            # A plan made once the day had started runs from that moment, not from the start time.
            "planned_from": planned.strftime("%H:%M") if planned and planned.date() == tour.day
            and planned.time() > tour.start_time else None,
            "numbers": {stop_id: i for i, stop_id in enumerate(numbered, start=1)},
            "whole_tour": navigation.google_directions_links(points) if tour.planned_at and has_stops else [],
            # Gone stops that still hold times: the plan was made with them, the times need a new plan.
            "gone_in_plan": tour.planned_at is not None and any(
                s.state == "planned" and s.left_out_reason != services.CLIENT_GONE for s in gone),
            "saving": services.picked_saving(tour), "reasons": reason_labels(),
            "can_edit": can_edit_tour(current_user, tour), "route_data": json.dumps(route_points(tour, rows)),
            "outcome": outcome, "max_stops": services.MAX_TOUR_STOPS, "quick_log_url": quick_log_url,
            "segments": stop_sources.visible_segments(db, current_user) if can_edit_tour(current_user, tour) else []}


@bp.get("/tours/<int:tour_id>")
@with_tour
def detail(tour):
    return render("tours/detail.html", "tours/_tour.html", **_detail_context(tour))


@bp.get("/tours/<int:tour_id>/map.html")
@with_tour
def map_download(tour):
    """The tour as one HTML map file, to share or print (a download: the same for htmx)."""
    db = get_session()
    owner = db.get(User, tour.owner_id)
    html = map_file.tour_map_html(tour, route_points(tour, services.stops_of(db, tour, current_user)), owner.name,
                                  tile_url=current_app.config.get("TILE_URL", ""),
                                  attribution=current_app.config.get("TILE_ATTRIBUTION", ""),
                                  static_dir=current_app.static_folder, lang=str(get_locale() or "fr"))
    return html_download(html, map_file.file_name(tour))


@bp.post("/tours/<int:tour_id>/optimise")
@with_tour
def optimise(tour):
    """Optimise the stops still to visit. A day under way is planned from now, from the phone's
    position when the rep shared it, else from the last stop done, else from the start of the day."""
    owner_only(tour)
    now = timeutil.local_now()
    resume = services.resume_point(get_session(), tour, now, position_from_form())
    under_way = resume.now_s is not None
    if resume.source == "position":
        where = _("from your position")
    elif resume.source == "last_stop":
        where = _("from your last stop, %(name)s", name=resume.last_stop.display_name)
    else:
        where = _("from the start of the day")
    if flash_plan(tour, optimise=True, from_position=resume.position, now_s=resume.now_s):
        flash(_("Tour optimised."), "success")
        if under_way:
            flash(_("The day has started: the rest of it is planned from %(time)s, %(where)s.",
                    time=now.strftime("%H:%M"), where=where), "info")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


# The former "re-optimise the rest from here" button: the same plan (a started day is planned from now).
bp.add_url_rule("/tours/<int:tour_id>/reoptimise", endpoint="reoptimise", view_func=optimise, methods=["POST"])


@bp.post("/tours/<int:tour_id>/start-here")
@with_tour
def start_here(tour):
    """Start the day from the phone's current position."""
    owner_only(tour)
    position = position_from_form()
    if position is None:
        flash(_("Your position could not be read."), "error")
    else:
        services.set_place(get_session(), tour, "start", position[0], position[1], _("My position"))
        flash(_("The day starts from your current position."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)
