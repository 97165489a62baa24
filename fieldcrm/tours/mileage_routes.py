"""The mileage log (month by month, CSV for the expense claim) and each day's odometer readings.

Moved out of tours.routes: its own blueprint, `mileage.log` (was `tours.mileage_log`)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.db import get_session
from fieldcrm.tours import mileage, mileage_queries, mileage_services
from fieldcrm.tours.blueprint import owner_only
from fieldcrm.tours.forms import OdometerForm
from fieldcrm.web.boundary import int_arg
from fieldcrm.web.guards import with_tour
from fieldcrm.web.htmx import is_partial, render

bp = Blueprint("mileage", __name__)

MAX_ODOMETER_KM = 9_999_999
_SPACES = re.compile(r"[\s\u00a0\u202f.]")  # "123 456" or "123.456" as typed or pasted


def source_labels() -> dict[str, str]:
    return {mileage.ODOMETER: _l("odometer"), mileage.ROAD: _l("planned route"),
            mileage.ESTIMATE: _l("planned route, estimated")}


def odometer_messages() -> dict[str, str]:
    return {"end_before_start": _l("The end-of-day reading is lower than the start-of-day one."),
            "too_far": _l("More than %(km)s km in a day: check the readings.", km=mileage.MAX_KM_A_DAY),
            "not_a_number": _l("Type the kilometres shown on the odometer, digits only.")}


def file_name(first: date) -> str:
    """The CSV's name in the user's language, plain ASCII (every system saves it as is)."""
    return _("mileage-log-%(month)s.csv", month=first.strftime("%Y-%m"))


@bp.get("/tours/mileage")
@login_required
def log():
    db = get_session()
    month = request.args.get("month") or timeutil.today().strftime("%Y-%m")
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        first = timeutil.today().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    scale = mileage.scale_for(first.year)
    horsepower = int_arg(request.args, "cv", 0, minimum=0, maximum=max(scale.horsepowers))
    rows = mileage_queries.mileage_days(db, current_user, current_user, first, last)
    year_rows = mileage_queries.mileage_days(db, current_user, current_user, first.replace(month=1, day=1), last)
    total = round(sum(r.km for r in rows), 1)
    year_km = round(sum(r.km for r in year_rows), 1)
    allowance = mileage.french_allowance(year_km, horsepower, first.year) if horsepower else None
    if request.args.get("format") == "csv":
        body = mileage.to_csv(rows, (_("Date"), _("Kilometres"), _("Stops done"), _("Source")),
                              {k: str(v) for k, v in source_labels().items()}, _("Total"))
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{file_name(first)}"'})
    return render("tours/mileage.html", "tours/mileage.html", rows=rows, total=total, month=first,
                  year_km=year_km, horsepower=horsepower, allowance=allowance, scale=scale, trip_year=first.year,
                  horsepowers=scale.horsepowers, sources=source_labels())


def _reading(raw: str | None) -> int | None:
    text = _SPACES.sub("", raw or "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ODOMETER_KM:
        raise mileage_services.OdometerError("not_a_number")
    return int(text)


@bp.post("/tours/<int:tour_id>/odometer")
@with_tour
def odometer(tour):
    """The car's odometer at the start and end of the day (either may come later)."""
    db = get_session()
    owner_only(tour)
    typed = OdometerForm().typed()
    try:
        mileage_services.record_odometer(db, tour, _reading(typed["start_km"]), _reading(typed["end_km"]))
    except mileage_services.OdometerError as exc:
        return render("tours/odometer_page.html", "tours/_odometer.html", 422, tour=tour, can_edit=True,
                      typed=typed, error=odometer_messages()[exc.code])
    if is_partial():
        return render("tours/odometer_page.html", "tours/_odometer.html", tour=tour, can_edit=True, saved=True)
    flash(_("Odometer readings saved."), "success")
    return redirect(url_for("tours.detail", tour_id=tour.id), 303)
