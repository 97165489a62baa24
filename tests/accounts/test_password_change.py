"""Changing one's own password: the user stays logged in, the new password works, the old one not.

The change once crashed the process (a C stack overflow, SIGSEGV): the in-process test runs in a
forked child so that a crash fails this test instead of killing the whole run."""

from __future__ import annotations

import multiprocessing

from tests.factories import PASSWORD, make_user
from tests.served import serve

NEW_PASSWORD = "une nouvelle phrase de passe"
CHANGE = {"pw-current": PASSWORD, "pw-password": NEW_PASSWORD}


def _in_child(fn, sender) -> None:
    sender.send(fn())
    sender.close()


def run_in_forked_process(fn, timeout: float = 60):
    """Run `fn` in a forked child and return what it returns; a crashed child fails the test."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_in_child, args=(fn, sender))
    child.start()
    sender.close()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode == 0, f"the process died (exit code {child.exitcode})"
    return receiver.recv()


def _login_status(app, email: str, password: str) -> int:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code


def test_changing_my_password_keeps_me_logged_in_in_process(app, db, login, client):
    user = make_user(db)
    login(user)

    def change_password():
        app.extensions["fieldcrm.engine"].dispose(close=False)  # the child opens its own connections
        changed = client.post("/account", data=CHANGE)
        page = client.get("/account")
        return {
            "changed": changed.status_code,
            "account": page.status_code,
            "flash": "Password changed. Your other sessions were closed." in page.get_data(as_text=True),
            "clients": client.get("/clients").status_code,
            "new_password": _login_status(app, user.email, NEW_PASSWORD),
            "old_password": _login_status(app, user.email, PASSWORD),
        }

    seen = run_in_forked_process(change_password)
    assert seen == {"changed": 303, "account": 200, "flash": True, "clients": 200,
                    "new_password": 303, "old_password": 422}


def test_a_wrong_current_password_is_refused_in_french(app, db, login, client):
    user = make_user(db, locale="fr")
    login(user)
    response = client.post("/account", data={**CHANGE, "pw-current": "pas le bon mot de passe"})
    assert response.status_code == 422
    assert "Le mot de passe actuel est incorrect." in response.get_data(as_text=True)
    assert _login_status(app, user.email, PASSWORD) == 303


def test_a_french_speaking_user_gets_french_error_pages_whatever_the_browser(app, db, login, client):
    user = make_user(db, locale="fr")
    login(user)
    page = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert "Page introuvable" in page.get_data(as_text=True)


def test_changing_my_password_on_the_served_app(database_url, tmp_path, db):
    user = make_user(db)
    with serve(database_url, tmp_path, workers=2) as served:
        http = served.session()
        assert served.log_in(http, user.email, PASSWORD).status_code == 303
        changed = served.post_form(http, "/account", CHANGE)
        assert changed.status_code == 303
        page = http.get(served.url + "/account", timeout=10)
        assert page.status_code == 200 and "Mot de passe modifié" in page.text
        assert http.get(served.url + "/clients", allow_redirects=False, timeout=10).status_code == 200
        assert served.log_in(served.session(), user.email, PASSWORD).status_code == 422
        assert served.log_in(served.session(), user.email, NEW_PASSWORD).status_code == 303
        assert served.alive()
    assert "SIGSEGV" not in served.log()
