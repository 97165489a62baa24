"""Tours: today's tour, settings, optimise, reorder, drive (done / skipped / re-optimise from here),
fill my day, plan a week, mileage log. Mutations are the owner's; their manager and admins look."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.accounts.models import User
from fieldcrm.clients import links
from fieldcrm.clients import queries as client_queries
from fieldcrm.clients.listargs import list_args
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import get_client_or_404
from fieldcrm.db import get_session
from fieldcrm.followups.queries import open_followup_due_by
from fieldcrm.geo.geocoding import geocode_address
from fieldcrm.maps import services as map_services
from fieldcrm.maps.queries import MapFilters
from fieldcrm.maps.zone import ZoneError
from fieldcrm.maps.zoneform import read_zone_form, zone_error_message
from fieldcrm.tours import extras, map_file, navigation, queries, services
from fieldcrm.tours.forms import StopForm, TourSettingsForm
from fieldcrm.tours.messages import error_message
from fieldcrm.tours.problem import TooManyStops
from fieldcrm.tours.queries import can_edit_tour, get_tour_or_404, get_tour_stop_or_404
from fieldcrm.web.boundary import id_arg, int_arg, safe_next, to_id
from fieldcrm.web.downloads import html_download
from fieldcrm.web.htmx import is_partial, render
from fieldcrm.web.quicklog import quick_log_url

bp = Blueprint("tours", __name__)


@bp.app_context_processor
def tour_helpers():
    return {"tour_stop_cap": services.MAX_TOUR_STOPS}  # the client list offers "add these to my tour" below it


def reason_labels() -> dict:
    return {
        "no_position": _l("No position: geocode it now or place it by hand."),
        "unreachable": _l("No road to it from the start of the day."),
        "outside_opening_hours": _l("Cannot be reached while it is open."),
        "beyond_end_of_day": _l("Does not fit before the end of the day."),
        services.CLOSED_THAT_DAY: _l("Closed that day (opening hours on the card)."),
        services.LATE: _l("Late for its opening hours or appointment in this order."),
    }


def hhmm(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    return f"{seconds // 3600 % 24:02d}:{seconds % 3600 // 60:02d}"


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "–"
    minutes = round(abs(int(seconds)) / 60)
    return f"{minutes // 60}\u00a0h\u00a0{minutes % 60:02d}" if minutes >= 60 else f"{minutes}\u00a0min"


@bp.app_template_filter("hhmm")
def _hhmm(value):
    return hhmm(value)


@bp.app_template_filter("drive")
def _drive(value):
    return duration_text(value)


def with_tour(fn=None, *, allow_gone: bool = False):
    """Load `tour_id` (and `stop_id`) in the actor's scope, or 404. A stop whose client left the
    tour's scope is 404 too, unless `allow_gone` (removing it)."""
    if fn is None:
        return lambda f: with_tour(f, allow_gone=allow_gone)

    @wraps(fn)
    @login_required
    def wrapper(*args, tour_id: int, **kwargs):
        db = get_session()
        tour = get_tour_or_404(db, current_user, tour_id)
        if "stop_id" in kwargs:
            kwargs["stop"] = get_tour_stop_or_404(db, current_user, tour, kwargs.pop("stop_id"),
                                                  allow_gone=allow_gone)
        return fn(*args, tour=tour, **kwargs)

    return wrapper


def _owner_only(tour) -> None:
    if not can_edit_tour(current_user, tour):
        abort(403)  # the actor can see this tour (scope checked): refusing says nothing new


def _today() -> date:
    return timeutil.local_now().date()


@bp.get("/tours")
@login_required
def index():
    return render("tours/index.html", "tours/index.html", tours=queries.recent_tours(get_session(), current_user),
                  today=_today())


@bp.get("/tours/today")
@login_required
def today():
    """Today's tour. Until something is added to it, an empty day that is not saved (a GET writes
    nothing): its buttons post to open_day, which saves it and does what was asked."""
    db = get_session()
    tour = services.saved_tour(db, current_user, _today())
    if tour is not None:
        return redirect(url_for("tours.detail", tour_id=tour.id))
    return render("tours/detail.html", "tours/_tour.html",
                  **_detail_context(services.unsaved_tour(db, current_user, _today())))


# What a button of an unsaved day asks for once open_day has saved it: a page to go to, or a POST
# view to run on the new tour.
DAY_PAGES = {"settings": "tours.settings", "fill": "tours.fill"}


@bp.post("/tours/day")
@login_required
def open_day():
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash(_("Pick a date."), "error")
        return redirect(url_for("tours.index"), 303)
    tour = services.tour_for_day(get_session(), current_user, day)
    then = request.form.get("then")
    if then == "agenda":
        return _add_agenda(tour)
    if then == "segment":
        return _add_segment(tour)
    return redirect(url_for(DAY_PAGES.get(then, "tours.detail"), tour_id=tour.id), 303)


@bp.post("/tours/today/stops")
@login_required
def add_today():
    """Add a client (from the map's mini card, the card or the list) to today's tour."""
    db = get_session()
    client_id = id_arg(request.form, "client_id")
    if client_id is None:
        abort(400)
    client = get_client_or_404(db, current_user, client_id)
    tour = services.tour_for_day(db, current_user, _today())
    try:
        added = services.add_stops(db, current_user, tour, [client])
    except services.TourError as error:
        message, category = error_message(error), "error"
    else:
        if added:
            message, category = _("%(name)s added to today's tour.", name=client.display_name), "success"
        else:
            message, category = _("%(name)s is already in today's tour.", name=client.display_name), "info"
    if is_partial():
        # From the map's mini card: answer in the sheet, the map stays where it is.
        return render("tours/_added.html", "tours/_added.html", message=message, category=category, tour=tour,
                      count=len(services.stops_of(db, tour)))
    flash(message, category)
    return redirect(safe_next(request.form.get("next")) or url_for("tours.detail", tour_id=tour.id), 303)


def route_points(tour, rows) -> dict:
    """What the tour's maps draw (map.js on the page, the downloadable file): start, end, numbered stops."""
    stops = []
    number = 0
    for stop, client in rows:
        if client.latitude is None or stop.left_out_reason not in (None, services.LATE):
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
        if client.latitude is not None and stop.state == "planned" and stop.left_out_reason in (None, services.LATE):
            points.append((client.latitude, client.longitude))
        if stop.left_out_reason in (None, services.LATE):
            numbered.append(stop.id)
    has_stops = len(points) > first_stop
    if tour.end_mode == "start" and tour.start_lat is not None:
        points.append((tour.start_lat, tour.start_lon))
    elif tour.end_mode == "elsewhere" and tour.end_lat is not None:
        points.append((tour.end_lat, tour.end_lon))
    owner = db.get(User, tour.owner_id)
    return {"tour": tour, "rows": rows, "gone": gone, "nav": nav, "owner": owner,
            "numbers": {stop_id: i for i, stop_id in enumerate(numbered, start=1)},
            "whole_tour": navigation.google_directions_links(points) if tour.planned_at and has_stops else [],
            # Gone stops that still hold times: the plan was made with them, the times need a new plan.
            "gone_in_plan": tour.planned_at is not None and any(
                s.state == "planned" and s.left_out_reason != services.CLIENT_GONE for s in gone),
            "saving": services.picked_saving(tour), "reasons": reason_labels(),
            "can_edit": can_edit_tour(current_user, tour), "route_data": json.dumps(route_points(tour, rows)),
            "outcome": outcome, "max_stops": services.MAX_TOUR_STOPS, "quick_log_url": quick_log_url,
            "agenda_available": extras.agenda_available(),
            "segments": extras.visible_segments(db, current_user) if can_edit_tour(current_user, tour) else []}


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


def _plan(tour, **kwargs):
    try:
        outcome = services.plan(get_session(), tour, current_app.config, **kwargs)
    except services.TourError as error:
        flash(error_message(error), "error")
        return None
    except TooManyStops as error:
        flash(_("A tour holds at most %(limit)s stops (%(count)s asked). Split them over several days "
                "with “Plan a week”.", limit=error.limit, count=error.count), "error")
        return None
    if outcome.fell_back:
        flash(_("The routing server did not answer: driving times are estimated from the straight-line "
                "distance."), "info")
    if outcome.left_out:
        flash(ngettext_left(len(outcome.left_out)), "error")
    return outcome


def added_message(added: int, asked: int) -> tuple[str, str]:
    """The flash after adding several clients: how many stops are new (the others were there)."""
    if not asked:
        return _("No client to add."), "info"
    if not added:
        return ngettext("This client is already in the tour.", "These %(num)d clients are already in the tour.",
                        asked), "info"
    return ngettext("%(num)d stop added to the tour.", "%(num)d stops added to the tour.", added), "success"


def ngettext_left(count: int) -> str:
    return ngettext("%(num)d stop does not fit: see why below.", "%(num)d stops do not fit: see why below.", count)


@bp.post("/tours/<int:tour_id>/optimise")
@with_tour
def optimise(tour):
    _owner_only(tour)
    if _plan(tour, optimise=True):
        flash(_("Tour optimised."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


def _position_from_form():
    try:
        lat, lon = float(request.form["lat"]), float(request.form["lon"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@bp.post("/tours/<int:tour_id>/reoptimise")
@with_tour
def reoptimise(tour):
    """Re-optimise the stops still to visit, from the current position (or the last stop done), now."""
    _owner_only(tour)
    position = _position_from_form()
    if position is None:
        done = [c for s, c in services.stops_of(get_session(), tour) if s.state == "done" and c.latitude is not None]
        position = (done[-1].latitude, done[-1].longitude) if done else None
    now = timeutil.local_now()
    now_s = now.hour * 3600 + now.minute * 60 if now.date() == tour.day else None
    if _plan(tour, optimise=True, from_position=position, now_s=now_s):
        flash(_("The rest of the tour is re-optimised from here."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.route("/tours/<int:tour_id>/settings", methods=["GET", "POST"])
@with_tour
def settings(tour):
    if request.method == "POST":
        _owner_only(tour)
    form = TourSettingsForm(obj=tour)
    if request.method == "GET":
        form.lunch.data = tour.lunch_from is not None
    error = None
    if form.validate_on_submit():
        data, error = _settings_data(form, tour)
        if error is None:
            services.update_settings(get_session(), tour, data)
            flash(_("Tour settings saved."), "success")
            return redirect(url_for("tours.detail", tour_id=tour.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("tours/settings.html", "tours/_settings.html", status=status, form=form, tour=tour, error=error,
                  can_edit=can_edit_tour(current_user, tour))


def _locate_text(text: str):
    """An address typed for the start or end of the day -> (lat, lon), or None."""
    import re

    chain = map_services.make_chain(current_app.config, inline=True)
    match = re.search(r"\b(\d{5})\b\s*(.*)$", text)
    if match:
        street = text[:match.start()].strip(" ,") or None
        return geocode_address(street, match.group(1), match.group(2).strip() or None, "FR", chain)
    return geocode_address(None, None, text, "FR", chain)


def _settings_data(form, tour):
    data = {"start_time": form.start_time.data, "end_time": form.end_time.data, "end_mode": form.end_mode.data,
            "lunch_from": form.lunch_from.data if form.lunch.data else None,
            "lunch_until": form.lunch_until.data if form.lunch.data else None,
            "lunch_minutes": form.lunch_minutes.data or 0}
    label = (form.start_label.data or "").strip()
    try:
        lat, lon = float(form.start_lat.data), float(form.start_lon.data)
    except (TypeError, ValueError):
        lat = lon = None
    if lat is not None and label in ("", tour.start_label or "") and (lat, lon) != (tour.start_lat, tour.start_lon):
        data.update(start_lat=lat, start_lon=lon, start_label=label or _("My position"))
    elif label and label != (tour.start_label or ""):
        found = _locate_text(label)
        if found is None:
            return None, _("The start address could not be located. Check it, or use your current position.")
        data.update(start_lat=found.lat, start_lon=found.lon, start_label=label)
    elif not label and lat is None and tour.start_lat is None:
        return None, _("Say where the day starts (an address, or your current position).")
    end_label = (form.end_label.data or "").strip()
    if form.end_mode.data == "elsewhere" and end_label != (tour.end_label or "") or (
            form.end_mode.data == "elsewhere" and tour.end_lat is None):
        found = _locate_text(end_label)
        if found is None:
            return None, _("The end address could not be located.")
        data.update(end_lat=found.lat, end_lon=found.lon, end_label=end_label)
    return data, None


@bp.route("/tours/<int:tour_id>/stops/<int:stop_id>", methods=["GET", "POST"])
@with_tour
def stop_edit(tour, stop):
    db = get_session()
    client = db.get(Client, stop.client_id)
    form = StopForm(obj=stop)
    if request.method == "POST":
        _owner_only(tour)
        if form.validate_on_submit():
            services.update_stop(db, tour, stop, service_minutes=form.service_minutes.data,
                                 priority=form.priority.data, appointment_at=form.appointment_at.data)
            flash(_("Stop saved."), "success")
            return redirect(url_for("tours.detail", tour_id=tour.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("tours/stop.html", "tours/_stop_form.html", status=status, form=form, tour=tour, stop=stop,
                  client=client, can_edit=can_edit_tour(current_user, tour))


@bp.post("/tours/<int:tour_id>/stops/<int:stop_id>/remove")
@with_tour(allow_gone=True)
def stop_remove(tour, stop):
    _owner_only(tour)
    services.remove_stop(get_session(), tour, stop)
    flash(_("Stop removed."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/stops/<int:stop_id>/move")
@with_tour
def stop_move(tour, stop):
    """Reorder by hand (drag, or the up/down buttons); the times are recomputed in the new order."""
    _owner_only(tour)
    rows = services.stops_of(get_session(), tour)
    current = next(i for i, (s, _c) in enumerate(rows) if s.id == stop.id)
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        target = current + (-1 if direction == "up" else 1)
    else:
        target = int_arg(request.form, "index", minimum=0, maximum=len(rows))
        if target is None:
            abort(400)
    try:
        services.move_stop(get_session(), tour, stop, target, current_app.config)
    except services.TourError as error:
        flash(error_message(error), "error")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/stops/<int:stop_id>/state")
@with_tour
def stop_state(tour, stop):
    """Done (then the quick visit log opens, answering the client's follow-up due that day if any),
    skipped, or back to planned."""
    _owner_only(tour)
    state = request.form.get("state")
    if state not in ("done", "skipped", "planned"):
        abort(400)
    services.set_state(get_session(), tour, stop, state)
    if state == "done":
        due = open_followup_due_by(get_session(), current_user, stop.client_id, tour.day)
        return redirect(quick_log_url(stop.client_id, next=url_for("tours.detail", tour_id=tour.id),
                                      followup_id=due.id if due else None), 303)
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/start-here")
@with_tour
def start_here(tour):
    """Start the day from the phone's current position."""
    _owner_only(tour)
    position = _position_from_form()
    if position is None:
        flash(_("Your position could not be read."), "error")
    else:
        services.set_place(get_session(), tour, "start", position[0], position[1], _("My position"))
        flash(_("The day starts from your current position."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.get("/tours/<int:tour_id>/fill")
@with_tour
def fill(tour):
    """"Fill my day": due clients that fit in the gaps with little detour, most overdue first."""
    try:
        suggestions = extras.fill_my_day(get_session(), current_user, tour, current_app.config)
        error = None
    except services.TourError as exc:
        suggestions, error = [], error_message(exc)
    return render("tours/fill.html", "tours/_fill.html", tour=tour, suggestions=suggestions, error=error,
                  can_edit=can_edit_tour(current_user, tour))


@bp.post("/tours/<int:tour_id>/stops")
@with_tour
def add_stops(tour):
    """Add several clients at once (fill my day, a filter of the map)."""
    _owner_only(tour)
    db = get_session()
    ids = [to_id(value) for value in request.form.getlist("client_id")]
    clients = [get_client_or_404(db, current_user, i) for i in ids if i is not None]
    try:
        added = services.add_stops(db, current_user, tour, clients)
        flash(*added_message(added, len(clients)))
    except services.TourError as error:
        flash(error_message(error), "error")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.route("/tours/week", methods=["GET", "POST"])
@login_required
def week():
    """Plan a week: spread the due clients (or a filter's) over several days, least total driving."""
    db = get_session()
    result = error = None
    args = request.form if request.method == "POST" else request.args
    filters = MapFilters.from_args(args)
    try:
        first = date.fromisoformat(args.get("first") or "")
    except ValueError:
        first = _today() + timedelta(days=1)
    days = int_arg(args, "days", 5, minimum=1, maximum=6)
    max_per_day = int_arg(args, "max_per_day", 0, minimum=0, maximum=services.MAX_TOUR_STOPS) or None
    if request.method == "POST":
        try:
            result = extras.plan_week(db, current_user, first, days, filters, current_app.config,
                                      max_per_day=max_per_day)
        except services.TourError as exc:
            error = error_message(exc)
        except TooManyStops as exc:
            error = _("Too many clients for %(days)s days (%(count)s): narrow the filter.", days=days,
                      count=exc.count)
        if result is not None:
            flash(_("Week planned: one tour per day."), "success")
    return render("tours/week.html", "tours/week.html", filters=filters, first=first, days=days, max_per_day=max_per_day,
                  result=result, error=error, reasons=reason_labels())


@bp.post("/tours/<int:tour_id>/agenda")
@with_tour
def add_agenda(tour):
    """The day's appointments (fixed times) and follow-ups due that day become stops."""
    _owner_only(tour)
    return _add_agenda(tour)


def _add_agenda(tour):
    if not extras.agenda_available():
        abort(404)
    try:
        appointments, followups = extras.add_days_agenda(get_session(), current_user, tour, current_app.config)
    except services.TourError as error:
        flash(error_message(error), "error")
    else:
        flash(_("Added from the agenda: %(appointments)s and %(followups)s.",
                appointments=ngettext("%(num)d appointment", "%(num)d appointments", appointments),
                followups=ngettext("%(num)d follow-up", "%(num)d follow-ups", followups)), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/segment")
@with_tour
def add_segment(tour):
    """Every client of a saved segment becomes a stop."""
    _owner_only(tour)
    return _add_segment(tour)


def _add_segment(tour):
    db = get_session()
    segment_id = id_arg(request.form, "segment_id")
    if segment_id is None:
        abort(400)
    clients = extras.segment_clients(db, current_user, segment_id, tour.day) if extras.segments_available() else None
    if clients is None:
        abort(404)
    try:
        added = services.add_stops(db, current_user, tour, clients)
        flash(*added_message(added, len(clients)))
    except services.TourError as error:
        flash(error_message(error), "error")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/today/from-list")
@login_required
def add_from_list():
    """From the client list: every client it shows (same search and filters, all pages) joins today's tour."""
    db = get_session()
    args = list_args(request.form)
    back = url_for("clients.index", **{k: v for k, v in (("q", args["q"]), ("status", args["status"]),
                                                          ("sort", args["sort"]), ("stale", args["stale"]),
                                                          ("segment", args["segment"].id if args["segment"] else None))
                                         if v})
    clients = client_queries.matching_clients(db, current_user, **args, limit=services.MAX_TOUR_STOPS)
    if len(clients) > services.MAX_TOUR_STOPS:
        flash(_("This list has more than %(max)d clients, more than a day's tour takes: narrow it (search, status, "
                "segment) and try again.", max=services.MAX_TOUR_STOPS), "error")
        return redirect(back, 303)
    tour = services.tour_for_day(db, current_user, _today())
    try:
        added = services.add_stops(db, current_user, tour, clients)
    except services.TourError as error:
        flash(error_message(error), "error")
        return redirect(back, 303)
    flash(*added_message(added, len(clients)))
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/today/in-view")
@login_required
def add_in_view():
    """From the map: the clients shown (same filters) inside the visible area join today's tour."""
    db = get_session()
    try:
        bounds = tuple(float(request.form[k]) for k in ("south", "west", "north", "east"))
    except (KeyError, ValueError):
        flash(_("Zoom the map onto the clients to add, then try again."), "error")
        return redirect(url_for("maps.index"), 303)
    tour = services.tour_for_day(db, current_user, _today())
    try:
        clients = extras.clients_in_view(db, current_user, MapFilters.from_args(request.form), bounds, _today())
        added = services.add_stops(db, current_user, tour, clients)
    except services.TourError as error:
        flash(error_message(error), "error")
        return redirect(url_for("maps.index", **MapFilters.from_args(request.form).as_args()), 303)
    flash(*added_message(added, len(clients)))
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/zone")
@login_required
def add_zone():
    """From the map: the clients inside a drawn zone (decided here, same filters) join the day's tour."""
    db = get_session()
    try:
        polygon, filters, day = read_zone_form(request.form, _today())
    except ZoneError as error:
        flash(zone_error_message(error.code), "error")
        return redirect(url_for("maps.index", **MapFilters.from_args(request.form).as_args()), 303)
    try:
        clients = extras.clients_in_zone(db, current_user, filters, polygon, _today())
        tour = services.tour_for_day(db, current_user, day)
        added = services.add_stops(db, current_user, tour, clients)
    except services.TourError as error:
        flash(error_message(error), "error")
        return redirect(url_for("maps.index", **filters.as_args()), 303)
    flash(*added_message(added, len(clients)))
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)
