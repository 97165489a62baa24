"""The map: pins with the list's filters, mini cards, "around me", manual pin fixing, and the
admin's bulk geocoding screen. Leaflet is driven by static/js/map.js (no inline script: strict CSP)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from fieldcrm.clients import links
from fieldcrm.db import get_session
from fieldcrm.maps import queries, services
from fieldcrm.maps.queries import MapFilters
from fieldcrm.tours.services import local_now
from fieldcrm.web.guards import admin_required, with_client
from fieldcrm.web.htmx import is_htmx, render

bp = Blueprint("maps", __name__)

# The quick visit log of issue 4, when it exists; else the client card. First endpoint found wins.
QUICK_LOG_ENDPOINTS = ("visits.quick_log", "visits.log", "visits.new", "visits.create")


def quick_log_url(client_id: int, next: str | None = None) -> str:
    for endpoint in QUICK_LOG_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, client_id=client_id, **({"next": next} if next else {}))
            except BuildError:
                continue
    return url_for("clients.detail", client_id=client_id)


@bp.app_context_processor
def map_helpers():
    from fieldcrm.maps.assets import map_assets

    return {"quick_log_url": quick_log_url, "map_assets": map_assets,
            "tile_url": current_app.config.get("TILE_URL", ""),
            "tile_attribution": current_app.config.get("TILE_ATTRIBUTION", "")}


@bp.get("/map")
@login_required
def index():
    filters = MapFilters.from_args(request.args)
    choices = queries.filter_choices(get_session(), current_user)
    return render("maps/index.html", "maps/index.html", filters=filters, choices=choices,
                  visits_available=queries.last_contacts_available())


@bp.get("/map/pins.json")
@login_required
def pins():
    """The pins of the actor's visible clients matching the filters (what map.js draws)."""
    filters = MapFilters.from_args(request.args)
    found = queries.map_pins(get_session(), current_user, filters, local_now(current_app.config).date())
    response = jsonify({"pins": found.pins, "not_located": found.not_located})
    response.vary.add("Cookie")
    return response


@bp.get("/map/clients/<int:client_id>")
@with_client
def mini(client):
    """The mini card shown when a pin is tapped."""
    address = links.postal_address(client.street, client.postal_code, client.city, client.country)
    return render("maps/mini_page.html", "maps/_mini.html", client=client,
                  nav=links.navigation_links(address, client.latitude, client.longitude))


@bp.get("/map/nearby")
@login_required
def nearby():
    """"Around me": the nearest clients to the phone's position."""
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return render("maps/nearby_page.html", "maps/_nearby.html", status=400, rows=[], error=True)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return render("maps/nearby_page.html", "maps/_nearby.html", status=400, rows=[], error=True)
    rows = queries.nearest_clients(get_session(), current_user, lat, lon, MapFilters.from_args(request.args))
    return render("maps/nearby_page.html", "maps/_nearby.html", rows=rows, error=False)


@bp.route("/clients/<int:client_id>/place", methods=["GET", "POST"])
@with_client
def place(client):
    """Place the client's pin by hand (drag it, or tap where it belongs)."""
    error = None
    if request.method == "POST":
        try:
            lat, lon = float(request.form["lat"]), float(request.form["lon"])
            services.place_by_hand(get_session(), current_user, client, lat, lon)
        except (KeyError, ValueError):
            error = _("This position is not in the client's country. Drag the pin onto the right place.")
        else:
            flash(_("Position saved. It will be kept until the address changes."), "success")
            return redirect(url_for("clients.detail", client_id=client.id), 303)
    return render("maps/place.html", "maps/_place.html", status=422 if error else 200, client=client,
                  error=error, start=_start_point(client))


def _start_point(client) -> tuple[float, float, int]:
    if client.latitude is not None:
        return client.latitude, client.longitude, 17
    from fieldcrm.geo.geocoding import geocode_address

    found = geocode_address(None, client.postal_code, client.city, client.country)
    if found is not None:
        return found.lat, found.lon, 14
    return 46.6, 2.4, 6  # the middle of France


@bp.post("/clients/<int:client_id>/geocode")
@with_client
def geocode_now(client):
    """"Geocode now" (a stop or a card with no position)."""
    located = services.locate(get_session(), client, services.make_chain(current_app.config, inline=True))
    if located:
        flash(_("Position found."), "success")
    else:
        flash(_("This address could not be located. Place the pin by hand."), "error")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("clients.detail", client_id=client.id)
    return redirect(target, 303)


# --- admin: bulk geocoding -----------------------------------------------------------------------

@bp.get("/admin/geocoding")
@admin_required
def admin_geocoding():
    db = get_session()
    run = services.latest_run(db)
    return render("maps/admin_geocoding.html", "maps/_geocoding_progress.html", run=run,
                  pending=services.pending_count(db, services.GeocodeRun()),
                  pending_all=services.pending_count(db, services.GeocodeRun(scope_all=True)))


@bp.post("/admin/geocoding")
@admin_required
def admin_geocoding_action():
    from fieldcrm.maps.tasks import geocode_run_task

    db = get_session()
    action = request.form.get("action")
    run = services.unfinished_run(db)
    if action == "stop" and run is not None:
        services.stop_run(db, run)
        flash(_("Geocoding stopped. You can resume it later."), "info")
    elif action == "resume" and run is not None and run.status == "interrupted":
        services.resume_run(db, run)
        geocode_run_task(run.id)
        flash(_("Geocoding resumed."), "success")
    elif action == "start":
        if run is not None and run.status in ("queued", "running"):
            flash(_("A geocoding run is already in progress."), "info")
        else:
            run = services.start_run(db, current_user, scope_all=request.form.get("scope") == "all")
            geocode_run_task(run.id)
            flash(_("Geocoding started."), "success")
    else:
        abort(400)
    return redirect(url_for("maps.admin_geocoding"), 303)


@bp.get("/admin/geocoding/progress")
@admin_required
def admin_geocoding_progress():
    run = services.latest_run(get_session())
    if not is_htmx():
        return redirect(url_for("maps.admin_geocoding"))
    return render("maps/_geocoding_progress.html", "maps/_geocoding_progress.html", run=run)
