"""A tour's settings: where the day starts and ends, working hours and lunch."""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fieldcrm.db import get_session
from fieldcrm.geo.geocoding import geocode_address
from fieldcrm.maps import services as map_services
from fieldcrm.tours import services
from fieldcrm.tours.blueprint import (
    bp,
    owner_only,
)
from fieldcrm.tours.forms import TourSettingsForm
from fieldcrm.tours.queries import can_edit_tour
from fieldcrm.web.guards import with_tour
from fieldcrm.web.htmx import render


@bp.route("/tours/<int:tour_id>/settings", methods=["GET", "POST"])
@with_tour
def settings(tour):
    if request.method == "POST":
        owner_only(tour)
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
