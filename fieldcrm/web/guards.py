"""Decorators that load the object named in the URL and check it is in the actor's scope."""

from __future__ import annotations

from functools import wraps

from flask_login import current_user, login_required

from fieldcrm import access
from fieldcrm.db import get_session


def with_client(view=None, *, include_deleted: bool = False):
    """Replace the `client_id` URL argument by the loaded client, or answer 404."""

    def decorate(fn):
        @wraps(fn)
        @login_required
        def wrapper(*args, client_id: int, **kwargs):
            client = access.get_client_or_404(get_session(), current_user, client_id,
                                              include_deleted=include_deleted)
            return fn(*args, client=client, **kwargs)

        return wrapper

    return decorate(view) if view else decorate


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
        return fn(*args, user=access.get_user_or_404(get_session(), current_user, user_id), **kwargs)

    return wrapper
