"""Beyond one day: plan a week, and the mileage log."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import workdays
from fieldcrm.db import get_session
from fieldcrm.maps.queries import MapFilters
from fieldcrm.tours import mileage, queries, services, week_plan
from fieldcrm.tours.blueprint import (
    bp,
    tour_today,
)
from fieldcrm.tours.messages import (
    error_message,
    reason_labels,
)
from fieldcrm.tours.problem import TooManyStops
from fieldcrm.web.boundary import int_arg
from fieldcrm.web.htmx import render


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
        first = workdays.next_working_day(tour_today(), current_user.working_days)
    days = int_arg(args, "days", 5, minimum=1, maximum=6)
    max_per_day = int_arg(args, "max_per_day", 0, minimum=0, maximum=services.MAX_TOUR_STOPS) or None
    if request.method == "POST":
        try:
            result = week_plan.plan_week(db, current_user, first, days, filters, current_app.config,
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


@bp.get("/tours/mileage")
@login_required
def mileage_log():
    db = get_session()
    month = request.args.get("month") or tour_today().strftime("%Y-%m")
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        first = tour_today().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    horsepower = int_arg(request.args, "cv", 0, minimum=0)
    rows = queries.mileage_days(db, current_user, current_user, first, last)
    year_rows = queries.mileage_days(db, current_user, current_user, first.replace(month=1, day=1), last)
    total = round(sum(r.km for r in rows), 1)
    year_km = round(sum(r.km for r in year_rows), 1)
    allowance = mileage.french_allowance(year_km, horsepower) if horsepower else None
    if request.args.get("format") == "csv":
        body = mileage.to_csv(rows, (_("Date"), _("Kilometres"), _("Stops done"), _("Source")))
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=mileage-{first:%Y-%m}.csv"})
    return render("tours/mileage.html", "tours/mileage.html", rows=rows, total=total, month=first,
                  year_km=year_km, horsepower=horsepower, allowance=allowance,
                  scale_year=mileage.SCALE_YEAR, horsepowers=sorted(mileage.FRENCH_CAR_SCALE))
