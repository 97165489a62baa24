"""Today (the home screen), the week, the private calendar feed, the default visit cadences."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.agenda import ics, queries, services
from fieldcrm.agenda import team as team_view
from fieldcrm.agenda.forms import CadenceForm
from fieldcrm.agenda.models import CadenceRule
from fieldcrm.clients import links
from fieldcrm.clients.forms import status_labels
from fieldcrm.db import get_session
from fieldcrm.web.boundary import id_arg
from fieldcrm.web.forms import field_messages, posted, typed_values
from fieldcrm.web.guards import admin_required
from fieldcrm.web.htmx import render
from fieldcrm.web.rate_limits import rate_limited

bp = Blueprint("agenda", __name__)


@bp.app_context_processor
def agenda_helpers():
    def navigate(client) -> str:
        if client.latitude is not None and client.longitude is not None:
            return links.directions_url("", client.latitude, client.longitude)
        address = links.postal_address(client.street, client.postal_code, client.city, client.country)
        return links.directions_url(address, None, None)

    return {"navigate_link": navigate}


@bp.get("/")
@login_required
def today():
    """The home screen: what to do today; for a manager or an admin, first their team's day."""
    db = get_session()
    day = queries.day_agenda(db, current_user, timeutil.today())
    team = None
    if team_view.sees_team(current_user):
        chosen = team_view.team_in_reach(db, current_user, id_arg(request.args, "team"))
        try:
            week = date.fromisoformat(request.args.get("week", ""))
        except ValueError:
            week = None
        team = team_view.team_day(db, current_user, chosen, day.day, week)
    return render("agenda/today.html", "agenda/_today.html", day=day, team=team, now=timeutil.now())


@bp.get("/week")
@login_required
def week():
    try:
        first = date.fromisoformat(request.args.get("start", ""))
    except ValueError:
        first = timeutil.today()
    if not date(2000, 1, 10) <= first <= date(2100, 12, 20):
        first = timeutil.today()
    first = timeutil.week_start(first)
    days = queries.week_agenda(get_session(), current_user, first)
    return render("agenda/week.html", "agenda/_week.html", days=days, first=first, today=timeutil.today(),
                  previous=first - timedelta(days=7), following=first + timedelta(days=7))


@bp.route("/agenda/calendar", methods=["GET", "POST"])
@login_required
def calendar():
    """Create (or replace) and revoke the private ICS address. The address is shown once."""
    db = get_session()
    token = None
    if request.method == "POST":
        if posted("action") == "revoke":
            services.revoke_feeds(db, current_user)
            flash(_("Your calendar link no longer works."), "success")
            return redirect(url_for("agenda.calendar"), 303)
        token = services.create_feed(db, current_user)
    feed_url = url_for("agenda.feed", token=token, _external=True) if token else None
    return render("agenda/calendar.html", "agenda/calendar.html", feed=services.active_feed(db, current_user),
                  feed_url=feed_url, webcal_url=feed_url.replace("https://", "webcal://").replace(
                      "http://", "webcal://") if feed_url else None)


@bp.get("/calendar/<token>.ics")
@rate_limited("RATE_LIMIT_FEED")  # the secret is in the address: no guessing at speed
def feed(token: str):
    """The feed itself: no login (calendar apps cannot log in), the secret in the address is the key."""
    db = get_session()
    user = services.feed_owner(db, token)
    if user is None:
        abort(404)
    followups, appointments = queries.feed_items(db, user, timeutil.today())
    body = ics.build_calendar(request.host.split(":")[0], followups, appointments, request.host_url.rstrip("/"))
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="fieldcrm.ics"'
    return response


@bp.route("/admin/cadences", methods=["GET", "POST"])
@admin_required
def cadences():
    """Default visit cadences per status and per segment (a client's own cadence wins)."""
    db = get_session()
    if request.method == "POST":
        form = CadenceForm()
        if form.validate():
            services.set_cadence_rules(db, form.rules())
            flash(_("Visit cadences saved."), "success")
            return redirect(url_for("agenda.cadences"), 303)
    else:
        rules_now: list[CadenceRule] = queries.cadence_rules(db)
        stored = {f"status_{r.value}": str(r.days) for r in rules_now if r.field == "status"}
        stored["segments"] = "\n".join(f"{r.value} = {r.days}" for r in rules_now if r.field == "segment")
        form = CadenceForm(data=stored)
    errors = field_messages(form)
    return render("agenda/cadences.html", "agenda/cadences.html", status=422 if errors else 200,
                  values=typed_values(form), errors=errors,
                  statuses=status_labels())


