"""The map: pins with the list's filters, mini cards, "around me", manual pin fixing, and the
admin's bulk geocoding screen. Leaflet is driven by static/js/map.js (no inline script: strict CSP)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import jobs, timeutil
from fieldcrm.audit import services as audit
from fieldcrm.clients import links
from fieldcrm.db import get_session
from fieldcrm.geo.geocoding import geocode_address
from fieldcrm.maps import area, clusters, queries, segment_file, services
from fieldcrm.maps.assets import map_assets
from fieldcrm.maps.forms import PlaceForm, ZoneForm, position_refused
from fieldcrm.maps.queries import MapFilters
from fieldcrm.segments.colours import pin_colouring
from fieldcrm.segments.queries import get_segment_or_404
from fieldcrm.web.boundary import int_arg, safe_next
from fieldcrm.web.downloads import html_download
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import admin_required, with_client, with_segment
from fieldcrm.web.htmx import is_htmx, render
from fieldcrm.web.quicklog import quick_log_url

bp = Blueprint("maps", __name__)
DEFAULT_ZOOM = 6  # all of France on a phone: where the map starts before it knows where the pins are

@bp.app_context_processor
def map_helpers():
    return {"quick_log_url": quick_log_url, "map_assets": map_assets,
            "tile_url": current_app.config.get("TILE_URL", ""),
            "tile_attribution": current_app.config.get("TILE_ATTRIBUTION", "")}


@bp.get("/map")
@login_required
def index():
    filters = MapFilters.from_args(request.args)
    _saved_segment(filters)
    choices = queries.filter_choices(get_session(), current_user)
    # The count shows with the page (the pins' answer then says how many are in view), and the rectangle
    # around the pins lets the map take its view at once and ask only for the pins of that view when they
    # are many (counted in the same pass); "due" and "quiet" read each client's last contact: their count
    # and view wait for the pins.
    count, extent, ask = None, None, "all"
    if not (filters.due or filters.quiet_days):
        located, not_located, area = queries.located_counts(get_session(), current_user, filters)
        count = pins_label(located, not_located)
        if area is not None:
            extent = ",".join(f"{v:.5f}" for v in (area.south, area.west, area.north, area.east))
            ask = "view" if located > clusters.MAX_ITEMS else "all"
    return render("maps/index.html", "maps/index.html", filters=filters, choices=choices, count=count,
                  extent=extent, first_ask=ask, today=timeutil.local_now().date())


def pins_label(on_map: int, not_located: int) -> str:
    """"12 clients on the map, 3 not located", with each number's plural."""
    shown = ngettext("%(num)d client on the map", "%(num)d clients on the map", on_map)
    if not not_located:
        return shown
    return _("%(on_map)s, %(not_located)s", on_map=shown,
             not_located=ngettext("%(num)d not located", "%(num)d not located", not_located))


@bp.get("/map/pins.json")
@login_required
def pins():
    """The pins of the actor's visible clients matching the filters (what map.js draws): of the visible
    rectangle when the map sends its corners (south, west, north, east), gathered into clusters on the
    server when they are many (zoom: the map's zoom level; see maps.clusters)."""
    filters = MapFilters.from_args(request.args)
    try:
        bounds = queries.Bounds.from_args(request.args)
    except ValueError:
        return jsonify({"error": _("The map's area could not be read. Reload the page.")}), 400
    zoom = int_arg(request.args, "zoom", minimum=0, maximum=clusters.MAX_ZOOM)
    segment, today = _saved_segment(filters), timeutil.local_now().date()
    shown = area.area_pins(get_session(), current_user, filters, today, bounds,
                           DEFAULT_ZOOM if zoom is None else zoom, request.args.get("colour_by"), segment)
    colouring = shown.colouring
    response = jsonify({"pins": shown.pins, "clusters": shown.clusters, "not_located": shown.not_located,
                        "count": shown.count, "extent": shown.extent,
                        "label": pins_label(shown.count, shown.not_located),
                        "colour_by": colouring.mode, "legend": colouring.legend, "legend_note": colouring.note})
    response.vary.add("Cookie")
    return response


@bp.get("/segments/<int:segment_id>/map.html")
@with_segment  # in reach as for filtering the map by it
def segment_download(segment):
    """A saved segment's clients on one HTML map file, coloured by status (a download: the same for htmx)."""
    db = get_session()
    today = timeutil.local_now().date()
    found = queries.map_pins(db, current_user, MapFilters(saved_segment=segment.id), today)
    legend = pin_colouring(db, current_user, found.pins, "status", segment, today).legend
    html = segment_file.segment_map_html(segment, found.pins, legend, pins_label(len(found.pins), found.not_located),
                                         tile_url=current_app.config.get("TILE_URL", ""),
                                         attribution=current_app.config.get("TILE_ATTRIBUTION", ""),
                                         static_dir=current_app.static_folder, lang=str(get_locale() or "fr"))
    audit.record(db, audit.LIST_EXPORTED, actor_id=current_user.id,  # a GET that writes: see audit.services
                 payload={"list": "segment_map", "segment": segment.id, "segment_name": segment.name,
                          "format": "html", "rows": len(found.pins)})
    db.commit()
    return html_download(html, segment_file.file_name(segment))


def _saved_segment(filters: MapFilters):
    """The saved segment filtering the map, if any (404 when out of the actor's reach)."""
    if filters.saved_segment is None:
        return None
    return get_segment_or_404(get_session(), current_user, filters.saved_segment)


# --- "Draw a zone": the phone sends the corners, the server decides who is inside ---------------------

@bp.post("/map/zone")
@login_required
def zone_preview():
    """How many of the actor's clients (map filters) the drawn zone holds, and the button to add them."""
    today = timeutil.local_now().date()
    form = ZoneForm(today=today)
    if not form.validate():
        return render("maps/zone_page.html", "maps/_zone.html", status=422, error=form.message())
    polygon, filters, day = form.polygon, form.filters, form.picked_day
    pins = queries.pins_in_zone(get_session(), current_user, filters, polygon, today)
    # The template compares the pins with tour_stop_cap, which tours gives every template.
    return render("maps/zone_page.html", "maps/_zone.html", error=None, pins=pins, day=day, filters=filters,
                  zone_json=json.dumps([[lat, lon] for lat, lon in polygon]))


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
    form = PlaceForm()
    if form.validate_on_submit():
        try:
            services.place_by_hand(get_session(), current_user, client, *form.position())
        except services.PositionRejected:
            pass
        else:
            flash(_("Position saved. It will be kept until the address changes."), "success")
            return redirect(url_for("clients.detail", client_id=client.id), 303)
    error = position_refused() if form.is_submitted() else None
    return render("maps/place.html", "maps/_place.html", status=422 if error else 200, client=client,
                  error=error, start=_start_point(client))


def _start_point(client) -> tuple[float, float, int]:
    if client.latitude is not None:
        return client.latitude, client.longitude, 17

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
    return redirect(safe_next(posted("next")) or url_for("clients.detail", client_id=client.id), 303)


# --- admin: bulk geocoding -----------------------------------------------------------------------

@bp.get("/admin/geocoding")
@admin_required
def admin_geocoding():
    return render("maps/admin_geocoding.html", "maps/_geocoding_progress.html", **_geocoding_state())


def _geocoding_state() -> dict:
    """The last run and what is left: the page and its polled fragment (which swaps the buttons too)."""
    db = get_session()
    run = services.latest_run(db)
    return {"run": run, "pending": services.pending_count(db, services.GeocodeRun()),
            "pending_all": services.pending_count(db, services.GeocodeRun(scope_all=True)),
            "stalled": services.run_stalled(run, services.stale_after_seconds(current_app.config))}  # read only


@bp.post("/admin/geocoding")
@admin_required
def admin_geocoding_action():
    db = get_session()
    action = posted("action")
    run = services.unfinished_run(db)
    if action == "stop" and run is not None:
        services.stop_run(db, run)
        flash(_("Geocoding stopped. You can resume it later."), "info")
    elif action == "resume" and run is not None and run.status == "interrupted":
        services.resume_run(db, run)
        jobs.enqueue(services.GEOCODE_RUN, run.id)
        flash(_("Geocoding resumed."), "success")
    elif action == "start":
        if run is not None and run.status in ("queued", "running"):
            flash(_("A geocoding run is already in progress."), "info")
        else:
            run = services.start_run(db, current_user, scope_all=posted("scope") == "all")
            jobs.enqueue(services.GEOCODE_RUN, run.id)
            flash(_("Geocoding started."), "success")
    else:
        abort(400)
    return redirect(url_for("maps.admin_geocoding"), 303)


@bp.get("/admin/geocoding/progress")
@admin_required
def admin_geocoding_progress():
    if not is_htmx():
        return redirect(url_for("maps.admin_geocoding"))
    return render("maps/_geocoding_progress.html", "maps/_geocoding_progress.html", **_geocoding_state())
