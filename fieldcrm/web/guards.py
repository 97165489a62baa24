"""Decorators that load the record named in the URL and check it is in the actor's reach, for every
record a route takes by id: the view receives the loaded record, never the raw id. Each is built on
its capability's `get_x_or_404`, which raises access.NotVisible (answered 404) out of reach.

Only routes modules use these (tests/test_layering.py lets them, and only them, import this module
from any floor)."""

from __future__ import annotations

from functools import partial, wraps

from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.accounts.queries import get_user_or_404
from fieldcrm.clients.queries import get_client_or_404, get_contact_or_404
from fieldcrm.customfields.services import get_field_or_404
from fieldcrm.db import get_session
from fieldcrm.dedupe.queries import get_merge_or_404
from fieldcrm.followups.queries import get_appointment_or_404, get_followup_or_404, get_made_followup_or_404
from fieldcrm.handover.queries import get_handover_or_404
from fieldcrm.imports.queries import get_import_or_404
from fieldcrm.privacy.request_queries import get_request_or_404
from fieldcrm.privacy.retention import get_run_or_404
from fieldcrm.sales.queries import get_campaign_or_404, get_purchase_or_404
from fieldcrm.segments.queries import get_segment_or_404
from fieldcrm.tours.queries import get_tour_or_404, get_tour_stop_or_404
from fieldcrm.visits.queries import get_deleted_interaction_or_404, get_interaction_or_404


def admin_required(fn):
    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):
        access.require_admin(current_user)
        return fn(*args, **kwargs)

    return wrapper


def _loading(url_arg: str, name: str, load):
    """Replace the `url_arg` URL argument by `load(db, actor, id)`, passed to the view as `name`."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            kwargs[name] = load(get_session(), current_user, kwargs.pop(url_arg))
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def with_client(view=None, *, include_deleted: bool = False):
    """Replace the `client_id` URL argument by the loaded client, or answer 404."""
    decorate = _loading("client_id", "client", partial(get_client_or_404, include_deleted=include_deleted))
    return decorate(view) if view else decorate


def _of_client(url_arg: str, name: str, load):
    """Replace `client_id` and `url_arg` by the client and its record `name` (`load(db, actor, client, id)`)."""

    def decorate(fn):
        @wraps(fn)
        @with_client
        def wrapper(*args, client, **kwargs):
            kwargs[name] = load(get_session(), current_user, client, kwargs.pop(url_arg))
            return fn(*args, client=client, **kwargs)

        return wrapper

    return decorate


with_contact = _of_client("contact_id", "contact", get_contact_or_404)
with_purchase = _of_client("purchase_id", "purchase", get_purchase_or_404)


def with_user(fn):
    """Admin-only: replace `user_id` by the loaded user."""
    return admin_required(_loading("user_id", "user", get_user_or_404)(fn))


def _with_record(get_or_404, name: str, url_arg: str | None = None):
    """Replace `<name>_id` (or `url_arg`) by the record and its client (a record reached through its client)."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            db = get_session()
            record = get_or_404(db, current_user, kwargs.pop(url_arg or f"{name}_id"))
            client = get_client_or_404(db, current_user, record.client_id)
            return fn(*args, **{name: record, "client": client}, **kwargs)

        return wrapper

    return decorate


with_followup = _with_record(get_followup_or_404, "followup")
# A follow-up named by the id its maker's phone gave it (`followup_uid`), as queued offline.
with_made_followup = _with_record(get_made_followup_or_404, "followup", "followup_uid")
with_appointment = _with_record(get_appointment_or_404, "appointment")


def with_interaction(view=None, *, for_correction: bool = False):
    """Replace `interaction_id` by the loaded interaction and its client; with `for_correction`, only
    an interaction the actor may correct or delete."""
    decorate = _with_record(partial(get_interaction_or_404, for_correction=for_correction), "interaction")
    return decorate(view) if view else decorate


# The log deleted from a card (its audit event), for the undo.
with_deleted_interaction = _loading("deletion_id", "deletion", get_deleted_interaction_or_404)
with_campaign = _loading("campaign_id", "campaign", get_campaign_or_404)
with_handover = _loading("handover_id", "handover", get_handover_or_404)
# Admins only: the query refuses anyone else with the same 404.
with_privacy_request = _loading("request_id", "privacy_request", get_request_or_404)
with_retention_run = _loading("run_id", "run", get_run_or_404)
with_custom_field = _loading("field_id", "field", get_field_or_404)


def with_segment(view=None, *, for_edit: bool = False):
    """Replace `segment_id` by the segment in reach; with `for_edit`, only one the actor may change."""
    decorate = _loading("segment_id", "segment", partial(get_segment_or_404, for_edit=for_edit))
    return decorate(view) if view else decorate


def _merge_in_reach(db, actor, merge_id: int):
    """A merge whose two cards are in reach (the card merged away too, deleted as it is)."""
    event = get_merge_or_404(db, actor, merge_id)
    get_client_or_404(db, actor, event.other_id, include_deleted=True)
    return event


with_merge = _loading("merge_id", "merge", _merge_in_reach)


def with_tour(view=None, *, allow_gone: bool = False):
    """Replace `tour_id` (and `stop_id`) by the tour in reach (and its stop). A stop whose client left
    the tour's scope is 404 too, unless `allow_gone` (removing it)."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, tour_id: int, **kwargs):
            db = get_session()
            tour = get_tour_or_404(db, current_user, tour_id)
            if "stop_id" in kwargs:
                kwargs["stop"] = get_tour_stop_or_404(db, current_user, tour, kwargs.pop("stop_id"),
                                                      allow_gone=allow_gone)
            return fn(*args, tour=tour, **kwargs)

        return wrapper

    return decorate(view) if view else decorate


def with_import(fn):
    """Replace the `import_id` URL argument by the loaded import (`job`): the actor's own, or within a
    manager's or admin's reach; else 404."""
    return _loading("import_id", "job", get_import_or_404)(fn)
