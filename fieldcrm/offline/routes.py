"""The list of what the phone keeps for offline reading, and the offline search page."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from fieldcrm import timeutil
from fieldcrm.db import get_session
from fieldcrm.offline import queries
from fieldcrm.web.htmx import render

bp = Blueprint("offline", __name__)
# The forms of a client's card that work without network: the visit log, a follow-up, an appointment,
# a correction of the phone, e-mail or notes.
ACTION_FORMS = ("visits.log", "followups.new", "followups.appointment_new", "corrections.correct")


def _recent_ids(raw: str, limit: int) -> list[int]:
    """The ids the phone says were opened last ("12,7,40"); anything that is not an id is ignored."""
    ids = []
    for part in raw.split(",")[:max(limit, 0)]:
        part = part.strip()
        if part.isdigit() and len(part) < 10:
            ids.append(int(part))
    return ids


@bp.get("/offline/day.json")
@login_required
def day():
    """The pages of the signed-in rep's day and their clients (for the offline search). The phone
    fetches each page with its own session, so nothing here widens what the rep may read."""
    limit = current_app.config.get("OFFLINE_RECENT_CLIENTS", 200)
    today = timeutil.today()
    kit = queries.day_kit(get_session(), current_user, today, _recent_ids(request.args.get("recent", ""), limit),
                          limit)
    pages = [url_for("agenda.today"), url_for("agenda.week"), url_for("tours.index"), url_for("tours.today"),
             url_for("tours.week"),
             url_for("offline.search")]
    pages += [url_for("tours.detail", tour_id=tour.id) for tour in kit.tours]
    pages += [url_for("tours.stop_edit", tour_id=tour_id, stop_id=stop_id) for tour_id, stop_id in kit.stops]
    pages += [url_for("clients.detail", client_id=client.id) for client in kit.clients]
    # What a rep does at the day's clients works offline (actions.js queues it): its forms are kept too.
    pages += [url_for(endpoint, client_id=client_id) for client_id in kit.day_client_ids for endpoint in ACTION_FORMS]
    response = jsonify({
        "user": current_user.id,
        "day": today.isoformat(),
        "recent_limit": limit,
        "pages": pages,
        "clients": [{**queries.search_entry(c), "url": url_for("clients.detail", client_id=c.id)}
                    for c in kit.clients],
    })
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/offline/search")
@login_required
def search():
    """Searching the clients kept on the phone: the page is kept with the day, offline.js fills it."""
    return render("offline/search.html", "offline/search.html")
