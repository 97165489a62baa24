"""The tours blueprint and what its route modules share: the owner-only guard, the tour's day, and
the flash messages of planning (loading a tour in reach is web.guards.with_tour).

The views are split by purpose, all on this one blueprint (endpoint names stay ``tours.*``):
``day_routes`` (the day's page, optimise, start here), ``stop_routes`` (one stop; adding stops from
the agenda, a segment, the map or the list; fill my day), ``week_routes`` (plan a week; the mileage log has its own blueprint in ``mileage_routes``),
``settings_routes`` (start, end and hours). ``routes`` imports them all for the app factory.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from fieldcrm import timeutil
from fieldcrm.db import get_session
from fieldcrm.tours import services
from fieldcrm.tours.forms import PositionForm
from fieldcrm.tours.messages import (
    error_message,
    too_many_message,
)
from fieldcrm.tours.problem import TooManyStops
from fieldcrm.tours.queries import can_edit_tour

bp = Blueprint("tours", __name__)


@bp.app_context_processor
def tour_helpers():
    return {"tour_stop_cap": services.MAX_TOUR_STOPS}  # the client list offers "add these to my tour" below it


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


def owner_only(tour) -> None:
    if not can_edit_tour(current_user, tour):
        abort(403)  # the actor can see this tour (scope checked): refusing says nothing new


def tour_today() -> date:
    return timeutil.today()


def position_from_form():
    """The phone's position, when the rep chose to share it (lat/lon fields), else None."""
    return PositionForm().position()


def flash_plan(tour, **kwargs):
    try:
        outcome = services.plan(get_session(), tour, current_app.config, **kwargs)
    except services.TourError as error:
        flash(error_message(error), "error")
        return None
    except TooManyStops as error:
        flash(too_many_message(error.limit, error.count), "error")
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
