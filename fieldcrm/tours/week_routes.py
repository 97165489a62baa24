"""Beyond one day: plan a week (the mileage log is tours/mileage_routes.py)."""

from __future__ import annotations

from flask import current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import workdays
from fieldcrm.db import get_session
from fieldcrm.tours import services, week_plan
from fieldcrm.tours.blueprint import (
    bp,
    tour_today,
)
from fieldcrm.tours.forms import WeekForm
from fieldcrm.tours.messages import (
    error_message,
    reason_labels,
)
from fieldcrm.tours.problem import TooManyStops
from fieldcrm.web.forms import SUBMITTED
from fieldcrm.web.htmx import render


@bp.route("/tours/week", methods=["GET", "POST"])
@login_required
def week():
    """Plan a week: spread the due clients (or a filter's) over several days, least total driving."""
    db = get_session()
    result = error = None
    form = WeekForm(request.args if request.method == "GET" else SUBMITTED)
    filters = form.filters
    first = form.first_day(workdays.next_working_day(tour_today(), current_user.working_days))
    days = form.day_count()
    max_per_day = form.most_per_day(services.MAX_TOUR_STOPS)
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
