"""Decorators that load the record named in the URL and check it is in the actor's reach, for every
record a route takes by id: the view receives the loaded record, never the raw id. Each is built on
its capability's `get_x_or_404`, which raises access.NotVisible (answered 404) out of reach.

Only routes modules use these (tests/test_layering.py lets them, and only them, import this module
from any floor). Tours still keep theirs next to their routes."""

from __future__ import annotations

from functools import wraps

from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.accounts.queries import get_user_or_404
from fieldcrm.clients.queries import get_client_or_404
from fieldcrm.db import get_session
from fieldcrm.followups.queries import get_appointment_or_404, get_followup_or_404
from fieldcrm.imports.queries import get_import_or_404
from fieldcrm.visits.queries import get_interaction_or_404


def with_client(view=None, *, include_deleted: bool = False):
    """Replace the `client_id` URL argument by the loaded client, or answer 404."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, client_id: int, **kwargs):
            client = get_client_or_404(get_session(), current_user, client_id, include_deleted=include_deleted)
            return fn(*args, client=client, **kwargs)

        return wrapper

    return decorate(view) if view else decorate


def with_import(fn):
    """Replace the `import_id` URL argument by the loaded import (`job`): the actor's own, or within a
    manager's or admin's reach; else 404."""

    @wraps(fn)
    @login_required
    def wrapper(*args, import_id: int, **kwargs):
        return fn(*args, job=get_import_or_404(get_session(), current_user, import_id), **kwargs)

    return wrapper


def admin_required(fn):
    @wraps(fn)
    @login_required
    def wrapper(*args, **kwargs):
        access.require_admin(current_user)
        return fn(*args, **kwargs)

    return wrapper


def with_user(fn):
    """Admin-only: replace `user_id` by the loaded user."""

    @wraps(fn)
    @admin_required
    def wrapper(*args, user_id: int, **kwargs):
        return fn(*args, user=get_user_or_404(get_session(), current_user, user_id), **kwargs)

    return wrapper


def _with_record(get_or_404, name: str):
    """Replace `<name>_id` by the record and its client (a record reached through its client)."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, **kwargs):
            db = get_session()
            record = get_or_404(db, current_user, kwargs.pop(f"{name}_id"))
            client = get_client_or_404(db, current_user, record.client_id)
            return fn(*args, **{name: record, "client": client}, **kwargs)

        return wrapper

    return decorate


with_followup = _with_record(get_followup_or_404, "followup")
with_appointment = _with_record(get_appointment_or_404, "appointment")


def with_interaction(view=None, *, for_correction: bool = False):
    """Replace `interaction_id` by the loaded interaction and its client; with `for_correction`, only
    an interaction the actor may correct or delete."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, interaction_id: int, **kwargs):
            db = get_session()
            interaction = get_interaction_or_404(db, current_user, interaction_id, for_correction=for_correction)
            client = get_client_or_404(db, current_user, interaction.client_id)
            return fn(*args, interaction=interaction, client=client, **kwargs)

        return wrapper

    return decorate(view) if view else decorate
