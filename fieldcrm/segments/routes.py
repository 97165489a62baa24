"""Segment builder with a live count, saved segments, and applying one to the client list."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm.accounts.queries import assignable_owners
from fieldcrm.clients.forms import channel_labels, status_labels
from fieldcrm.customfields.services import active_fields
from fieldcrm.db import get_session
from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments import queries, services
from fieldcrm.segments.colours import colour_class, colour_labels
from fieldcrm.segments.forms import FiltersForm, SegmentForm
from fieldcrm.segments.models import COLOURS
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import with_segment
from fieldcrm.web.htmx import render

bp = Blueprint("segments", __name__)


def _context(filters, errors=None, segment=None, name="", shared=False, colour=COLOURS[0], status=200):
    db = get_session()

    return dict(status=status, filters=filters, errors=errors or {}, segment=segment, name=name, shared=shared,
                colour=colour, colours=colour_labels(), statuses=status_labels(), channels=channel_labels(),
                owners=assignable_owners(db, current_user), custom_fields=active_fields(db),
                count=queries.count(db, current_user, filters) if not errors else None)


@bp.get("/segments")
@login_required
def index():
    db = get_session()
    segments = queries.segments_for(db, current_user)
    counts = {s.id: queries.count(db, current_user, queries.filters_of(s)) for s in segments}
    return render("segments/index.html", "segments/_list.html", segments=segments, counts=counts)


def _builder(segment=None):
    db = get_session()
    if request.method == "GET":
        if segment is not None:
            filters = queries.filters_of(segment)
            return render("segments/form.html", "segments/_form.html",
                          **_context(filters, segment=segment, name=segment.name, shared=segment.shared,
                                     colour=segment.colour))
        filters, errors = segment_filters.clean(request.args)
        return render("segments/form.html", "segments/_form.html", **_context(filters, errors))
    form = SegmentForm()
    name, shared, colour = form.name_text(), form.is_shared(), form.colour.data
    if not form.validate() or form.filter_errors:
        if form.colour.errors:
            colour = segment.colour if segment is not None else COLOURS[0]
        return render("segments/form.html", "segments/_form.html",
                      **_context(form.filters, form.messages(), segment, name, shared, colour, status=422))
    filters = form.filters
    saved = services.save_segment(db, current_user, filters, name, shared, colour, segment)
    flash(_("Segment “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("clients.index", segment=saved.id), 303)


@bp.route("/segments/new", methods=["GET", "POST"])
@login_required
def new():
    return _builder()


@bp.route("/segments/<int:segment_id>/edit", methods=["GET", "POST"])
@with_segment(for_edit=True)
def edit(segment):
    return _builder(segment)


@bp.route("/segments/<int:segment_id>/delete", methods=["GET", "POST"])
@with_segment(for_edit=True)
def delete(segment):
    """Asks first: the segment goes only with the confirmation's own button (a POST saying so)."""
    db = get_session()
    if request.method == "POST" and posted("confirm") == "yes":
        services.delete_segment(db, current_user, segment)
        flash(_("Segment “%(name)s” deleted.", name=segment.name), "success")
        return redirect(url_for("segments.index"), 303)
    matching = queries.count(db, current_user, queries.filters_of(segment))
    return render("segments/delete.html", "segments/_delete.html", status=200 if request.method == "GET" else 422,
                  segment=segment, matching=matching)


@bp.post("/segments/count")
@login_required
def count():
    """The live count while the filters are being built (a fragment)."""
    form = FiltersForm()
    errors = form.messages()
    value = None if errors else queries.count(get_session(), current_user, form.filters)
    return render("segments/_count.html", "segments/_count.html", count=value, errors=errors)


__all__ = ["bp", "json"]


@bp.app_template_global()
def segment_colour_class(colour: str | None) -> str:
    """CSS class of a segment's colour (no inline style: strict CSP)."""
    return colour_class(colour)


@bp.app_template_global()
def map_saved_segments() -> list:
    """The saved segments the current user may filter and colour the map with."""
    return queries.segments_for(get_session(), current_user)
