"""What a browser test reads back from the served app's database, and a bounded wait for it."""

from __future__ import annotations

import time

from sqlmodel import Session, select


def rows(live_app, model, *where) -> list:
    """The rows of `model` matching `where`, read in a session of their own (fresh, after the app wrote)."""
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        return list(db.exec(select(model).where(*where)).all())


def wait_for(check, seconds: float = 20):
    """`check()` polled until true or `seconds` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)
    return check()
