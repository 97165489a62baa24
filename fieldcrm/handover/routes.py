"""Hand-over of a portfolio: the form, the preview (a GET: nothing written), the confirmation, the
record of a hand-over with its undo."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from fieldcrm.db import get_session
from fieldcrm.handover import forms, queries, services
from fieldcrm.web.boundary import id_arg
from fieldcrm.web.forms import SUBMITTED
from fieldcrm.web.guards import with_handover
from fieldcrm.web.htmx import render

bp = Blueprint("handover", __name__, url_prefix="/handover")


@bp.app_context_processor
def handover_helpers():
    return {"handover_scope_words": forms.scope_words, "can_hand_over": queries.can_hand_over}


def _form(req: forms.HandOverRequest, status: int = 200):
    db = get_session()
    recent = queries.recent_handovers(db, current_user)
    return render("handover/index.html", "handover/_form.html", status=status, req=req, recent=recent,
                  names=queries.people(db, *[u for h in recent for u in (h.from_user_id, h.to_user_id)]),
                  **forms.choices(db, current_user, id_arg(req.values, "source")))


def _preview(req: forms.HandOverRequest, moves: queries.Moves, status: int = 200, notice: str | None = None):
    return render("handover/preview.html", "handover/_preview.html", status=status, req=req,
                  moves=moves, counts=moves.counts(), notice=notice, carry_labels=forms.carry_labels(),
                  names=queries.client_names(get_session(), moves.clients))


def _sent(formdata=SUBMITTED) -> forms.HandOverForm:
    """The hand-over form as sent (the preview's query string without a CSRF token, the confirmation's POST)."""
    queries.require_hand_over(current_user)
    meta = {} if formdata is SUBMITTED else {"csrf": False}
    return forms.HandOverForm(formdata, db=get_session(), actor=current_user, meta=meta)


@bp.get("/")
@login_required
def index():
    """The form; it reloads itself (htmx) when the source changes, to list that person's clients."""
    return _form(_sent(request.args).request(checked=False))


@bp.get("/preview")
@login_required
def preview():
    """What would move, counted by the queries the move runs. Writes nothing."""
    req = _sent(request.args).request(checked=True)
    if req.errors:
        return _form(req, 422)
    return _preview(req, queries.moves(get_session(), current_user, req.selection, req.target, req.carry))


@bp.post("/")
@login_required
def confirm():
    db, form = get_session(), _sent()
    req = form.request(checked=True)
    if req.errors:
        return _form(req, 422)
    expected = form.expected_counts()
    try:
        if expected is None:
            raise services.PortfolioChanged(queries.moves(db, current_user, req.selection, req.target, req.carry))
        handover = services.hand_over(db, current_user, req.selection, req.target, req.carry, expected,
                                      req.scope_label)
    except services.PortfolioChanged as changed:
        return _preview(req, changed.moves, 409,
                        _("The portfolio changed since the preview (another hand-over, a new client…). "
                          "Check the new figures, then confirm again."))
    except services.HandOverError as error:
        return _preview(req, queries.moves(db, current_user, req.selection, req.target, req.carry), 422,
                        str(error))
    flash(ngettext("Hand-over done: %(num)d client went to %(name)s.",
                   "Hand-over done: %(num)d clients went to %(name)s.", handover.clients, name=req.target.name),
          "success")
    return redirect(url_for("handover.detail", handover_id=handover.id), 303)


@bp.get("/<int:handover_id>")
@with_handover
def detail(handover):
    db = get_session()
    return render("handover/detail.html", "handover/_detail.html", handover=handover,
                  names=queries.people(db, handover.actor_id, handover.from_user_id, handover.to_user_id,
                                       handover.undone_by_id),
                  left=queries.not_restored(handover))


@bp.post("/<int:handover_id>/undo")
@with_handover
def undo(handover):
    try:
        left = services.undo(get_session(), current_user, handover)
    except services.HandOverError as error:
        flash(str(error), "error")
        return redirect(url_for("handover.detail", handover_id=handover.id), 303)
    if left:
        flash(_("Hand-over undone, except what was changed since (see below)."), "warning")
    else:
        flash(_("Hand-over undone: everything went back."), "success")
    return redirect(url_for("handover.detail", handover_id=handover.id), 303)
