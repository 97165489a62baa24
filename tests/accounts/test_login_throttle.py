"""Failed-login locks hold under parallel guesses: each guess is counted before its password is
checked, and a locked login checks no password at all."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import func, select

from fieldcrm.accounts.models import AuthEvent, LoginThrottle
from fieldcrm.timeutil import utcnow
from tests.factories import PASSWORD, make_user
from tests.served import in_parallel, serve

WRONG = "E-mail ou mot de passe incorrect."
LOCKED = "Trop de tentatives échouées. Réessayez dans 1 minute."
GUESSES = 30
ALERT = re.compile(r'role="alert">([^<]*)<')


def alert(html: str) -> str:
    found = ALERT.search(html)
    return found.group(1) if found else ""


def failures_stored(db, login: str) -> int:
    db.expire_all()
    return db.exec(select(LoginThrottle.failures).where(LoginThrottle.login == login)).one()


def login_events(db, login: str) -> Counter:
    """How many logins, failed logins and refused (locked) logins the log holds for `login`."""
    db.expire_all()
    rows = db.exec(select(AuthEvent.event, func.count())
                   .where(AuthEvent.login == login, AuthEvent.event.in_(["login", "login_failed", "login_locked"]))
                   .group_by(AuthEvent.event)).all()
    return Counter(dict(rows))


def guess_in_parallel(served, login: str, password: str, count: int) -> list:
    """`count` browsers each sending one guess, all at once."""
    browsers = served.browsers(count, "/login")

    def guess(i):
        browser, token = browsers[i]
        return browser.post(served.url + "/login", allow_redirects=False, timeout=60,
                            data={"email": login, "password": password, "csrf_token": token})

    return in_parallel(guess, count)


@pytest.mark.fault
def test_parallel_wrong_passwords_lock_at_exactly_the_limit(database_url, tmp_path, db):
    user = make_user(db)
    env = {"FIELDCRM_LOGIN_MAX_ATTEMPTS": "5", "FIELDCRM_LOGIN_LOCK_SECONDS": "60"}
    with serve(database_url, tmp_path, workers=2, threads=4, env=env) as served:
        known = guess_in_parallel(served, user.email, "pas le bon mot de passe", GUESSES)
        unknown = guess_in_parallel(served, "personne@example.fr", "pas le bon mot de passe", GUESSES)
        right_while_locked = served.log_in(served.session(), user.email, PASSWORD)
    for answers in (known, unknown):
        assert [a.status_code for a in answers] == [422] * GUESSES  # no 5xx, nobody let in
        messages = Counter(alert(a.text) for a in answers)
        assert messages == {WRONG: 4, LOCKED: GUESSES - 4}
    # Exactly five passwords checked per login, the same for an unknown one.
    assert failures_stored(db, user.email) == failures_stored(db, "personne@example.fr") == 5
    assert login_events(db, user.email) == {"login_failed": 5, "login_locked": GUESSES - 5 + 1}
    assert login_events(db, "personne@example.fr") == {"login_failed": 5, "login_locked": GUESSES - 5}
    assert right_while_locked.status_code == 422 and alert(right_while_locked.text) == LOCKED
    assert "Traceback" not in served.log()


def end_the_lock(db, login: str) -> None:
    throttle = db.exec(select(LoginThrottle).where(LoginThrottle.login == login)).one()
    throttle.locked_until = utcnow() - timedelta(seconds=1)
    db.add(throttle)
    db.commit()


def test_lock_expires_and_each_further_lock_lasts_twice_as_long(make_app, db):
    app = make_app(LOGIN_MAX_ATTEMPTS=2, LOGIN_LOCK_SECONDS=60)
    http = app.test_client()
    user = make_user(db)
    for _ in range(2):
        http.post("/login", data={"email": user.email, "password": "bad password 123"})
    end_the_lock(db, user.email)
    again = http.post("/login", data={"email": user.email, "password": "bad password 123"})
    assert "Too many failed attempts. Try again in 2 minutes." in again.get_data(as_text=True)
    assert failures_stored(db, user.email) == 3
    end_the_lock(db, user.email)
    assert http.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303


def test_a_right_password_clears_the_count(app, db, client):
    user = make_user(db)
    for _ in range(4):
        client.post("/login", data={"email": user.email, "password": "bad password 123"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    db.expire_all()
    assert db.exec(select(LoginThrottle).where(LoginThrottle.login == user.email)).first() is None
