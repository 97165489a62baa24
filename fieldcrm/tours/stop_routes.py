"""One stop (details, remove, move, done or skipped) and adding stops: one client, several, the
day's agenda, a saved segment, the client list, the map's view or a drawn zone, fill my day."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.clients import queries as client_queries
from fieldcrm.clients.listargs import list_args
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import get_client_or_404
from fieldcrm.db import get_session
from fieldcrm.followups.queries import open_followup_due_by
from fieldcrm.maps.forms import ZoneForm
from fieldcrm.tours import fill as fill_day
from fieldcrm.tours import services, stop_sources
from fieldcrm.tours.blueprint import (
    added_message,
    bp,
    owner_only,
    tour_today,
)
from fieldcrm.tours.forms import ClientsForm, InViewForm, MoveForm, StopForm
from fieldcrm.tours.messages import (
    error_message,
)
from fieldcrm.tours.queries import can_edit_tour
from fieldcrm.web.boundary import safe_next, to_id
from fieldcrm.web.forms import posted, submitted_formdata
from fieldcrm.web.guards import with_tour
from fieldcrm.web.htmx import is_partial, render
from fieldcrm.web.quicklog import quick_log_url


@bp.route("/tours/<int:tour_id>/stops/<int:stop_id>", methods=["GET", "POST"])
@with_tour
def stop_edit(tour, stop):
    db = get_session()
    client = db.get(Client, stop.client_id)
    form = StopForm(obj=stop)
    if request.method == "POST":
        owner_only(tour)
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
    owner_only(tour)
    services.remove_stop(get_session(), tour, stop)
    flash(_("Stop removed."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/stops/<int:stop_id>/move")
@with_tour
def stop_move(tour, stop):
    """Reorder by hand (drag, or the up/down buttons); the times are recomputed in the new order."""
    owner_only(tour)
    rows = services.stops_of(get_session(), tour)
    current = next(i for i, (s, _c) in enumerate(rows) if s.id == stop.id)
    target = MoveForm().target(current, len(rows))
    if target is None:
        abort(400)
    try:
        services.move_stop(get_session(), tour, stop, target, current_app.config, timeutil.local_now())
    except services.TourError as error:
        flash(error_message(error), "error")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/stops/<int:stop_id>/state")
@with_tour
def stop_state(tour, stop):
    """Done (then the quick visit log opens, answering the client's follow-up due that day if any),
    skipped, or back to planned."""
    owner_only(tour)
    state = posted("state")
    if state not in ("done", "skipped", "planned"):
        abort(400)
    services.set_state(get_session(), tour, stop, state)
    if state == "done":
        due = open_followup_due_by(get_session(), current_user, stop.client_id, tour.day)
        return redirect(quick_log_url(stop.client_id, next=url_for("tours.detail", tour_id=tour.id),
                                      followup_id=due.id if due else None), 303)
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/today/stops")
@login_required
def add_today():
    """Add a client (from the map's mini card, the card or the list) to today's tour."""
    db = get_session()
    client_id = to_id(posted("client_id"))
    if client_id is None:
        abort(400)
    client = get_client_or_404(db, current_user, client_id)
    tour = services.tour_for_day(db, current_user, tour_today())
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
    return redirect(safe_next(posted("next")) or url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/<int:tour_id>/stops")
@with_tour
def add_stops(tour):
    """Add several clients at once (fill my day, a filter of the map)."""
    owner_only(tour)
    db = get_session()
    clients = [get_client_or_404(db, current_user, i) for i in ClientsForm().client_id.data]
    return _add_and_show(db, tour, clients)


@bp.get("/tours/<int:tour_id>/fill")
@with_tour
def fill(tour):
    """"Fill my day": due clients that fit in the gaps with little detour, most overdue first."""
    try:
        suggestions = fill_day.fill_my_day(get_session(), current_user, tour, current_app.config)
        error = None
    except services.TourError as exc:
        suggestions, error = [], error_message(exc)
    return render("tours/fill.html", "tours/_fill.html", tour=tour, suggestions=suggestions, error=error,
                  can_edit=can_edit_tour(current_user, tour))


@bp.post("/tours/<int:tour_id>/agenda")
@with_tour
def add_agenda(tour):
    """The day's appointments (fixed times) and follow-ups due that day become stops."""
    owner_only(tour)
    return add_days_agenda(tour)


def add_days_agenda(tour):
    try:
        appointments, followups = stop_sources.add_days_agenda(get_session(), current_user, tour, current_app.config)
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
    owner_only(tour)
    return add_segment_stops(tour)


def add_segment_stops(tour):
    db = get_session()
    segment_id = to_id(posted("segment_id"))
    if segment_id is None:
        abort(400)
    clients = stop_sources.segment_clients(db, current_user, segment_id, tour.day)
    if clients is None:
        abort(404)
    return _add_and_show(db, tour, clients)


def _add_and_show(db, tour, clients):
    """Add `clients` as stops, say how many joined (or why none could), back to the tour."""
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
    args = list_args(submitted_formdata() or {})
    back = url_for("clients.index", **{k: v for k, v in (("q", args["q"]), ("status", args["status"]),
                                                          ("sort", args["sort"]), ("stale", args["stale"]),
                                                          ("segment", args["segment"].id if args["segment"] else None))
                                         if v})
    clients = client_queries.matching_clients(db, current_user, **args, limit=services.MAX_TOUR_STOPS)
    if len(clients) > services.MAX_TOUR_STOPS:
        flash(_("This list has more than %(max)d clients, more than a day's tour takes: narrow it (search, status, "
                "segment) and try again.", max=services.MAX_TOUR_STOPS), "error")
        return redirect(back, 303)
    tour = services.tour_for_day(db, current_user, tour_today())
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
    form = InViewForm()
    bounds = form.bounds()
    if bounds is None:
        flash(_("Zoom the map onto the clients to add, then try again."), "error")
        return redirect(url_for("maps.index"), 303)
    tour = services.tour_for_day(db, current_user, tour_today())
    try:
        clients = stop_sources.clients_in_view(db, current_user, form.filters, bounds, tour_today())
        added = services.add_stops(db, current_user, tour, clients)
    except services.TourError as error:
        flash(error_message(error), "error")
        return redirect(url_for("maps.index", **form.filters.as_args()), 303)
    flash(*added_message(added, len(clients)))
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)


@bp.post("/tours/zone")
@login_required
def add_zone():
    """From the map: the clients inside a drawn zone (decided here, same filters) join the day's tour."""
    db = get_session()
    form = ZoneForm(today=tour_today())
    if not form.validate():
        flash(form.message(), "error")
        return redirect(url_for("maps.index", **form.filters.as_args()), 303)
    polygon, filters, day = form.polygon, form.filters, form.picked_day
    try:
        clients = stop_sources.clients_in_zone(db, current_user, filters, polygon, tour_today())
        tour = services.tour_for_day(db, current_user, day)
        added = services.add_stops(db, current_user, tour, clients)
    except services.TourError as error:
        flash(error_message(error), "error")
        return redirect(url_for("maps.index", **filters.as_args()), 303)
    flash(*added_message(added, len(clients)))
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)
