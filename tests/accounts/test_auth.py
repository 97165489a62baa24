"""Login, throttling, server-side sessions, password rules, CSRF, auth events."""

from __future__ import annotations

from sqlmodel import select

from fieldcrm.accounts.models import AuthEvent, User
from tests.factories import PASSWORD, make_user

TOO_MANY = "Too many failed attempts. Try again in 1 minute."


def test_login_and_wrong_password_and_unknown_user_answer_alike(app, db, client):
    user = make_user(db)
    wrong = client.post("/login", data={"email": user.email, "password": "not the password at all"})
    unknown = client.post("/login", data={"email": "nobody@example.fr", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    french = client.post("/login", data={"email": user.email, "password": "nope nope nope"},
                         headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "E-mail ou mot de passe incorrect." in french.get_data(as_text=True)
    # Same message, whatever the reason.
    message = lambda r: r.get_data(as_text=True).split('role="alert">')[1].split("<")[0]  # noqa: E731
    assert message(wrong) == message(unknown)
    ok = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 303
    assert client.get("/clients").status_code == 200


def test_typed_email_is_kept_after_a_failed_login(db, client):
    make_user(db, email="keep@example.fr")
    response = client.post("/login", data={"email": "keep@example.fr", "password": "wrong password!!"})
    assert 'value="keep@example.fr"' in response.get_data(as_text=True)


def test_throttling_locks_after_repeated_failures_with_a_clear_message(make_app, db):
    app = make_app(LOGIN_MAX_ATTEMPTS=3, LOGIN_LOCK_SECONDS=60)
    http = app.test_client()
    user = make_user(db)
    for _ in range(2):
        r = http.post("/login", data={"email": user.email, "password": "bad password 123"})
        assert b"minute" not in r.data
    r = http.post("/login", data={"email": user.email, "password": "bad password 123"})
    assert TOO_MANY in r.get_data(as_text=True)
    # Even the right password is refused while locked.
    r = http.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 422
    assert http.get("/clients").status_code == 302
    # An unknown login is throttled the same way (no hint that it does not exist).
    for _ in range(3):
        r = http.post("/login", data={"email": "ghost@example.fr", "password": "bad password 123"})
    assert TOO_MANY in r.get_data(as_text=True)


def test_session_is_renewed_at_login(app, db, client):
    user = make_user(db)
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s.get("sid")


def test_logout_really_ends_the_session_even_with_a_copied_cookie(app, db, client, login):
    user = make_user(db)
    login(user)
    stolen = client.get_cookie("fieldcrm_session").value
    assert client.post("/logout").status_code == 303
    replay = app.test_client()
    replay.set_cookie("fieldcrm_session", stolen)
    assert replay.get("/clients").status_code == 302


def test_logout_clears_the_browsers_cached_pages_but_not_the_phones_outbox(db, client, login):
    user = make_user(db)
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert f'data-user="{user.id}"' in page  # the outbox tags what it keeps with this id
    assert "data-logout" in page and "data-outbox-warning" in page
    response = client.post("/logout")
    assert response.status_code == 303
    # "storage" would also erase the logs another person left unsent in the phone's storage
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert "data-user=" not in client.get("/login").get_data(as_text=True)


def test_logout_clears_all_the_sites_storage_when_the_outbox_holds_no_one_elses_work(db, client, login):
    login(make_user(db))
    page = client.get("/account").get_data(as_text=True)
    assert 'name="outbox_holds_no_other_work" value=""' in page  # the outbox sets it, the server never guesses
    response = client.post("/logout", data={"outbox_holds_no_other_work": "1"})
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_deactivation_ends_the_session_at_once(app, db, client, login, in_app):
    admin = make_user(db, "admin")
    rep = make_user(db)
    login(rep)
    assert client.get("/clients").status_code == 200
    admin_http = app.test_client()
    login(admin, http=admin_http)
    r = admin_http.post(f"/admin/users/{rep.id}/active", data={"active": "0"})
    assert r.status_code == 303
    assert client.get("/clients").status_code == 302
    # and they cannot log in again
    r = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    assert r.status_code == 422


def test_password_reset_by_admin_ends_sessions(app, db, client, login):
    admin = make_user(db, "admin")
    rep = make_user(db)
    login(rep)
    admin_http = app.test_client()
    login(admin, http=admin_http)
    r = admin_http.post(f"/admin/users/{rep.id}/password", data={"reset-password": "a brand new long password"})
    assert r.status_code == 303
    assert client.get("/clients").status_code == 302
    assert client.post("/login", data={"email": rep.email, "password": "a brand new long password"}).status_code == 303


def test_password_rules(app, db, in_app):
    from fieldcrm.accounts.passwords import password_problems

    with in_app():
        assert password_problems("short")  # < 12
        assert password_problems("a" * 129)  # > 128
        assert password_problems("azertyuiop123")  # common French password
        assert password_problems("passwordpassword") or password_problems("password1234")
        assert password_problems("aaaaaaaaaaaaaa")  # one repeated character
        assert password_problems("jean.dupont@example.fr", email="jean.dupont@example.fr")
        assert not password_problems("le chat dort au soleil")  # no composition rule
        assert not password_problems("x" * 3 + "y" * 3 + "z" * 122)  # 128 accepted


def test_create_user_refuses_weak_password_and_keeps_typing(app, db, login):
    admin = make_user(db, "admin")
    http = app.test_client()
    login(admin, http=http)
    r = http.post("/admin/users/new", data={"name": "Zoé Nouvelle", "email": "zoe@example.fr",
                                            "role": "rep", "team_id": "", "password": "azerty"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'value="zoe@example.fr"' in body and "Zoé Nouvelle" in body
    assert db.exec(select(User).where(User.email == "zoe@example.fr")).first() is None


def test_max_active_users(make_app, db, login):
    app = make_app(MAX_ACTIVE_USERS=2)
    admin = make_user(db, "admin")
    make_user(db)
    http = app.test_client()
    login(admin, http=http)
    r = http.post("/admin/users/new", data={"name": "Third", "email": "third@example.fr", "role": "rep",
                                            "team_id": "", "password": "a long enough password"})
    assert r.status_code == 422
    assert "The maximum of 2 active users is reached." in r.get_data(as_text=True)


def test_admin_changes_role_and_moves_portfolio(app, db, login):
    from fieldcrm.clients.models import Client
    from tests.factories import make_client

    admin = make_user(db, "admin")
    leaving, staying = make_user(db), make_user(db)
    for _ in range(3):
        make_client(db, leaving)
    http = app.test_client()
    login(admin, http=http)
    page = http.get(f"/admin/users/{leaving.id}").get_data(as_text=True)
    assert f'href="/handover/?source={leaving.id}"' in page  # the portfolio moves by hand-over
    form = http.get(f"/handover/?source={leaving.id}").get_data(as_text=True)
    assert f'<option value="{leaving.id}" selected>' in form
    preview = http.get("/handover/preview", query_string={"source": leaving.id, "target": staying.id,
                                                          "mode": "all", "sent": "1"}).get_data(as_text=True)
    assert 'name="expected_clients" value="3"' in preview
    r = http.post("/handover/", data={"source": leaving.id, "target": staying.id, "mode": "all", "sent": "1",
                                      "expected_clients": "3", "expected_followups": "0",
                                      "expected_appointments": "0", "expected_tour_stops": "0"})
    assert r.status_code == 303
    db.expire_all()
    owners = db.exec(select(Client.owner_id)).all()
    assert owners == [staying.id] * 3
    r = http.post(f"/admin/users/{staying.id}", data={"name": staying.name, "role": "manager", "team_id": ""})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, staying.id).role == "manager"
    events = {e.event for e in db.exec(select(AuthEvent)).all()}
    assert {"login", "role_changed", "user_created"} <= events


def test_admin_cannot_lock_themselves_out(app, db, login):
    admin = make_user(db, "admin")
    http = app.test_client()
    login(admin, http=http)
    http.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db.expire_all()
    assert db.get(User, admin.id).active


def test_authentication_events_are_logged(app, db, client, login):
    user = make_user(db)
    client.post("/login", data={"email": user.email, "password": "wrong password here"})
    login(user)
    client.post("/logout")
    events = [e.event for e in db.exec(select(AuthEvent).order_by(AuthEvent.id)).all()]
    assert events[-3:] == ["login_failed", "login", "logout"]


def test_post_without_csrf_token_is_refused(make_app, db):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user(db)
    http = app.test_client()
    r = http.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 400
    # with the token from the form it works
    page = http.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = http.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    # an htmx-style POST needs the header token too (a new one: the session was renewed)
    r = http.post("/logout")
    assert r.status_code == 400
    page = http.get("/account").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    r = http.post("/logout", headers={"X-CSRFToken": token})
    assert r.status_code == 303


def test_a_refused_post_without_a_session_does_not_replace_the_login_pages_token(make_app, db):
    """A log queued on the phone is sent after the cookies were cleared, while the login page loads: the
    refusal must not set a session cookie of its own, or the login form's token no longer matches."""
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user(db)
    login_page = app.test_client()
    page = login_page.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    cookie = login_page.get_cookie("fieldcrm_session")
    queued = app.test_client()  # the queued send: same browser, but no cookie when it left
    refused = queued.post("/clients/1/log", data={"note": "Vu hors réseau", "csrf_token": "stale"})
    assert refused.status_code == 400 and "Set-Cookie" not in refused.headers
    assert queued.get_cookie("fieldcrm_session") is None
    # the login page's cookie and token still go together
    assert login_page.get_cookie("fieldcrm_session").value == cookie.value
    r = login_page.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def test_open_redirect_after_login_is_refused(db, client):
    user = make_user(db)
    r = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert r.headers["Location"] == "/"  # Today, the home screen


def test_user_locale_setting(app, db, client, login):
    user = make_user(db)
    login(user)
    r = client.post("/account", data={"prefs-locale": "en", "prefs-working_days": ["0", "1", "2", "3", "4"]})
    assert r.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).locale == "en"
