"""Follow-ups (create, edit, done, snooze, cancel) and appointments (create, edit, cancel)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm import timeutil, workdays
from fieldcrm.accounts.queries import followed_people, get_followed_person_or_404
from fieldcrm.clients.queries import assignable_assignees
from fieldcrm.db import get_session
from fieldcrm.followups import services
from fieldcrm.followups.forms import AppointmentForm, FollowUpForm, SnoozeForm
from fieldcrm.followups.queries import open_followups
from fieldcrm.web.boundary import id_arg, last_page, page_arg, safe_next
from fieldcrm.web.forms import field_messages, posted, typed_values
from fieldcrm.web.guards import with_appointment, with_client, with_followup, with_made_followup
from fieldcrm.web.htmx import render

bp = Blueprint("followups", __name__)


def _people(client):
    people = assignable_assignees(get_session(), current_user, client)
    return {u.id: u for u in people}


def _back(client):
    return safe_next(request.args.get("next") or posted("next")) or url_for("clients.detail", client_id=client.id)


def _local(moment):
    return timeutil.to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


# --- follow-ups ------------------------------------------------------------------------------------

LIST_PAGE = 50


@bp.get("/followups")
@login_required
def index():
    """Open follow-ups, oldest due first (Today shows only the first ones). A rep sees their own; a
    manager (or an admin) switches between theirs, the team's and one person's (`who`: "me",
    "team" or a user id), each row then naming its assignee. A manager opens on the team's (following
    the team is the job); an admin, who would see everyone's, on their own."""
    db = get_session()
    page = page_arg(request.args)
    people = followed_people(db, current_user)
    default = "team" if people and current_user.role == "manager" else "me"
    who = request.args.get("who", default) if people else "me"
    if who not in ("me", "team"):
        if id_arg(request.args, "who") is None:
            who = default
        else:
            person = get_followed_person_or_404(db, current_user, id_arg(request.args, "who"))
            who = "me" if person.id == current_user.id else person
    rows, total = open_followups(db, current_user, limit=LIST_PAGE, offset=(page - 1) * LIST_PAGE, whose=who)
    if not rows and total and page > 1:  # past the end: the last page
        page = last_page(total, LIST_PAGE)
        rows, total = open_followups(db, current_user, limit=LIST_PAGE, offset=(page - 1) * LIST_PAGE, whose=who)
    who_key = who if isinstance(who, str) else str(who.id)
    names = {u.id: u.name for u in people} | {current_user.id: current_user.name} if who_key != "me" else {}
    return render("followups/index.html", "followups/_list.html", rows=rows, total=total, page_no=page,
                  has_more=page * LIST_PAGE < total, day=SimpleNamespace(day=timeutil.today()), people=people,
                  who=who_key, names=names, home=url_for("followups.index", who=who_key if people else None))


def _followup_page(client, followup, form, status=200):
    values, errors = typed_values(form), field_messages(form)
    return render("followups/form.html", "followups/_form.html", status=status, client=client,
                  followup=followup, values=values, errors=errors, people=_people(client),
                  min_date=timeutil.today().isoformat(), next=safe_next(values.get("next")))


@bp.route("/clients/<int:client_id>/followups/new", methods=["GET", "POST"])
@with_client
def new(client):
    defaults = {"due_date": workdays.next_working_day(timeutil.today(), current_user.working_days).isoformat(),
                "next": request.args.get("next"),
                "assignee_id": str(current_user.id)}
    options = {"people": _people(client), "default": current_user, "is_new": True}
    if request.method == "GET":
        return _followup_page(client, None, FollowUpForm(data=defaults, **options))
    form = FollowUpForm(**options)
    if not form.validate():
        return _followup_page(client, None, form, 422)
    data = form.followup_data()
    followup = services.create_followup(get_session(), current_user, client, due_date=data["due_date"],
                                        due_time=data["due_time"], reason=data["reason"],
                                        assignee=data["assignee"], uid=(form.uid.data or None))
    flash(_("Follow-up set for %(day)s.", day=format_date(followup.due_date, "full")), "success")
    return redirect(_back(client), 303)


@bp.route("/followups/<int:followup_id>/edit", methods=["GET", "POST"])
@with_followup
def edit(followup, client):
    stored = {"due_date": followup.due_date.isoformat(), "reason": followup.reason,
              "due_time": followup.due_time.strftime("%H:%M") if followup.due_time else "",
              "assignee_id": str(followup.assignee_id), "next": request.args.get("next")}
    people = _people(client)
    options = {"people": people, "default": people.get(followup.assignee_id) or current_user, "is_new": False}
    if request.method == "GET":
        return _followup_page(client, followup, FollowUpForm(data=stored, **options))
    form = FollowUpForm(**options)
    if not form.validate():
        return _followup_page(client, followup, form, 422)
    d = form.followup_data()
    services.update_followup(get_session(), current_user, followup, due_date=d["due_date"],
                             due_time=d["due_time"], reason=d["reason"], assignee=d["assignee"])
    flash(_("Follow-up saved."), "success")
    return redirect(_back(client), 303)


@bp.post("/followups/<int:followup_id>/done")
@with_followup
def done(followup, client):
    """Done: straight to the log sheet, so what happened is written down while it is fresh."""
    return _done(followup, client)


@bp.post("/followups/made/<uuid:followup_uid>/done")
@with_made_followup
def made_done(followup, client):
    """Done, for a follow-up named by its phone id: made offline, done before it was sent (the phone
    sends both in order, so it exists by then)."""
    return _done(followup, client)


def _done(followup, client):
    services.complete_followup(get_session(), current_user, followup)
    flash(_("Follow-up done. How did it go?"), "success")
    return redirect(url_for("visits.log", client_id=client.id, kind="phone",
                            next=safe_next(posted("next"))), 303)


@bp.post("/followups/<int:followup_id>/cancel")
@with_followup
def cancel(followup, client):
    services.cancel_followup(get_session(), current_user, followup)
    flash(_("Follow-up cancelled."), "success")
    return redirect(_back(client), 303)


@bp.post("/followups/<int:followup_id>/snooze")
@with_followup
def snooze(followup, client):
    return _snooze(followup, client)


@bp.post("/followups/made/<uuid:followup_uid>/snooze")
@with_made_followup
def made_snooze(followup, client):
    """Moved, for a follow-up named by its phone id (see made_done)."""
    return _snooze(followup, client)


def _snooze(followup, client):
    form = SnoozeForm()
    if not form.validate():
        flash(field_messages(form)["until"], "error")
        return redirect(_back(client), 303)
    services.snooze_followup(get_session(), current_user, followup, **form.moved_to())
    flash(_("Follow-up moved to %(day)s.", day=format_date(followup.due_date, "full")), "success")
    return redirect(_back(client), 303)


# --- appointments ----------------------------------------------------------------------------------

def _appointment_page(client, appointment, form, status=200):
    values, errors = typed_values(form), field_messages(form)
    return render("followups/appointment.html", "followups/_appointment.html", status=status,
                  client=client, appointment=appointment, values=values, errors=errors,
                  people=_people(client), next=safe_next(values.get("next")))


def _overlap_flash(result) -> None:
    if result.overlaps:
        other = result.overlaps[0]
        flash(_("Careful: this appointment overlaps another one (%(start)s – %(end)s).",
                start=format_datetime(other.starts_at, "short"), end=format_datetime(other.ends_at, "short")),
              "error")


@bp.route("/clients/<int:client_id>/appointments/new", methods=["GET", "POST"])
@with_client
def appointment_new(client):
    start = datetime.combine(workdays.next_working_day(timeutil.today(), current_user.working_days), time(10, 0))
    defaults = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                "place": ", ".join(p for p in (client.street, client.postal_code, client.city) if p),
                "assignee_id": str(current_user.id), "next": request.args.get("next")}
    options = {"people": _people(client), "default": current_user}
    if request.method == "GET":
        return _appointment_page(client, None, AppointmentForm(data=defaults, **options))
    form = AppointmentForm(**options)
    if not form.validate():
        return _appointment_page(client, None, form, 422)
    d = form.appointment_data()
    result = services.create_appointment(get_session(), current_user, client, starts_at=d["starts_at"],
                                         ends_at=d["ends_at"], place=d["place"], notes=d["notes"],
                                         owner=d["owner"], uid=(form.uid.data or None))
    flash(_("Appointment saved."), "success")
    _overlap_flash(result)
    return redirect(_back(client), 303)


@bp.route("/appointments/<int:appointment_id>/edit", methods=["GET", "POST"])
@with_appointment
def appointment_edit(appointment, client):
    stored = {"starts_at": _local(appointment.starts_at), "ends_at": _local(appointment.ends_at),
              "place": appointment.place or "", "notes": appointment.notes or "",
              "assignee_id": str(appointment.owner_id), "next": request.args.get("next")}
    people = _people(client)
    options = {"people": people, "default": people.get(appointment.owner_id) or current_user}
    if request.method == "GET":
        return _appointment_page(client, appointment, AppointmentForm(data=stored, **options))
    form = AppointmentForm(**options)
    if not form.validate():
        return _appointment_page(client, appointment, form, 422)
    d = form.appointment_data()
    result = services.update_appointment(get_session(), current_user, appointment, starts_at=d["starts_at"],
                                         ends_at=d["ends_at"], place=d["place"], notes=d["notes"],
                                         owner=d["owner"])
    flash(_("Appointment saved."), "success")
    _overlap_flash(result)
    return redirect(_back(client), 303)


@bp.post("/appointments/<int:appointment_id>/cancel")
@with_appointment
def appointment_cancel(appointment, client):
    services.cancel_appointment(get_session(), current_user, appointment)
    flash(_("Appointment cancelled."), "success")
    return redirect(_back(client), 303)
