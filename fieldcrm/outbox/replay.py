"""Replayable actions: a POST that carries the phone's action id (header X-Action-Id) is done once.

`init_app(app, endpoints)` wraps the named views (as rate_limits does), so the route modules stay as
they are. For a signed-in author the wrapper first claims (author, action id) with one INSERT … ON
CONFLICT DO NOTHING in the request's transaction, then runs the view: the view's own commit saves the
claim with the action, so "the action happened" and "its id is known" are one fact. A second request
with the same id — a replay, or the same queue sent from two tabs at once — finds the claim (its INSERT
waits for the first one's transaction, then does nothing) and gets the first answer back, the action
not done again. When the view commits nothing (a refusal: the form's errors, an edit conflict), the
claim is rolled back with it: the action may be sent again once corrected.

Answers to the phone are JSON: {"done": true, "location": …, "replayed": …}; a redirect (what the view
answers a browser) becomes its `location`. Refusals go out as the view made them (422, 409…)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import delete, event
from sqlmodel import Session, select

from fieldcrm import timeutil
from fieldcrm.db import dialect_insert, get_session
from fieldcrm.outbox.models import QueuedAction

HEADER = "X-Action-Id"
ACTION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# A replay that arrives between the first request's commit and its answer being written waits this long
# for that answer; past it (the first process died in between), it is told "done" without the details.
ANSWER_WAIT_SECONDS = 5.0
ANSWER_POLL_SECONDS = 0.05
# How long an action's record is kept: far longer than a phone stays offline with a queue (it is sent at
# the next sign-in), short enough that the table stays the size of a few weeks of actions.
KEPT_DAYS = 90


def init_app(app, endpoints: Iterable[str]) -> None:
    """Make the views of `endpoints` replayable (their routes must already be registered), and tell the
    pages which form addresses the phone may queue (`replayable_paths`: regular expressions)."""
    endpoints = tuple(endpoints)
    for endpoint in endpoints:
        app.view_functions[endpoint] = replayable(app.view_functions[endpoint])
    paths = [path_pattern(rule.rule) for endpoint in endpoints for rule in app.url_map.iter_rules(endpoint)]
    app.jinja_env.globals["replayable_paths"] = paths  # every template, the error pages too


def path_pattern(rule: str) -> str:
    """A route's rule as a regular expression JavaScript reads too: /followups/<int:followup_id>/done ->
    ^/followups/\\d+/done$ (the converters of these routes are integers and UUIDs)."""
    pattern = re.sub(r"<int:\w+>", r"\\d+", re.escape(rule))
    return "^" + re.sub(r"<uuid:\w+>", r"[0-9a-fA-F-]{36}", pattern) + "$"


def _claim(db: Session, user_id: int, action_id: str, endpoint: str) -> bool:
    """Write (author, action id) in the current transaction; False when another request holds it."""
    table = QueuedAction.__table__
    statement = (dialect_insert(db, table)
                 .values(user_id=user_id, action_id=action_id, endpoint=endpoint[:80])
                 .on_conflict_do_nothing(index_elements=["user_id", "action_id"])
                 .returning(table.c.id))
    return db.execute(statement).first() is not None


def _record(db: Session, user_id: int, action_id: str, endpoint: str, status: int, location: str | None) -> None:
    """Keep the answer of a done action. An upsert: a use case that retried after a busy database rolled
    the first claim back and committed without it; the action is done all the same."""
    table = QueuedAction.__table__
    values = {"status": status, "location": (location or None) and location[:2000]}
    statement = (dialect_insert(db, table)
                 .values(user_id=user_id, action_id=action_id, endpoint=endpoint[:80], **values)
                 .on_conflict_do_update(index_elements=["user_id", "action_id"], set_=values))
    db.execute(statement)
    db.execute(delete(QueuedAction).where(QueuedAction.user_id == user_id,
                                          QueuedAction.created_at < timeutil.utcnow() - timedelta(days=KEPT_DAYS)))
    db.commit()


def _stored(db: Session, user_id: int, action_id: str) -> QueuedAction | None:
    """The claim as committed, its answer once written (waiting a moment for it)."""
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    while True:
        db.rollback()  # a fresh look at what is committed
        row = db.exec(select(QueuedAction).where(QueuedAction.user_id == user_id,
                                                 QueuedAction.action_id == action_id)).first()
        if row is None or row.status is not None or time.monotonic() > deadline:
            return row
        time.sleep(ANSWER_POLL_SECONDS)


def _done(status: int | None, location: str | None, replayed: bool):
    if status is not None and not (200 <= status < 400):
        return jsonify(done=True, replayed=replayed, status=status), status
    return jsonify(done=True, replayed=replayed, location=location), 200


def replayable(view):
    @wraps(view)
    def once(*args, **kwargs):
        action_id = request.headers.get(HEADER)
        if action_id is None or request.method != "POST" or not current_user.is_authenticated:
            return view(*args, **kwargs)
        action_id = action_id.strip().lower()
        if not ACTION_ID.match(action_id):
            abort(400)
        db, user_id, endpoint = get_session(), current_user.id, request.endpoint or ""
        # End the read of the session check: on SQLite a write started from an older read cannot wait
        # for its turn, it fails at once.
        db.commit()
        if not _claim(db, user_id, action_id, endpoint):
            row = _stored(db, user_id, action_id)
            if row is not None:
                return _done(row.status, row.location, replayed=True)
            # The other request gave up without doing it (refused, rolled back): this one may.
            if not _claim(db, user_id, action_id, endpoint):
                abort(409)
        committed = []

        def saw_commit(_session):
            committed.append(True)

        event.listen(db, "after_commit", saw_commit)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            db.rollback()
            raise
        finally:
            event.remove(db, "after_commit", saw_commit)
        if not committed:
            db.rollback()  # the claim leaves with what was not saved: nothing happened
            if response.status_code in (301, 302, 303, 307, 308):
                return _done(None, response.headers.get("Location"), replayed=False)
            return response
        location = response.headers.get("Location")
        _record(db, user_id, action_id, endpoint, response.status_code, location)
        if response.is_json or not 300 <= response.status_code < 400:
            return response
        return _done(response.status_code, location, replayed=False)

    return once
