"""Per-IP request limits on login, passwords, uploads and calendar feeds (web.rate_limits)."""

from __future__ import annotations

import uuid

import pytest

from fieldcrm.config import from_environment
from tests.factories import PASSWORD, logged_in_http, make_user
from tests.served import in_parallel, serve

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}
WRONG_LOGIN = {"email": "quelqu.un@example.fr", "password": "pas le bon mot de passe"}


def limited_app(make_app, **limits):
    return make_app(RATELIMIT_ENABLED=True, **limits)


def test_too_many_logins_from_one_address_get_a_clear_page_in_french(make_app):
    http = limited_app(make_app, RATE_LIMIT_LOGIN="3 per minute").test_client()
    assert [http.post("/login", data=WRONG_LOGIN).status_code for _ in range(3)] == [422] * 3
    refused = http.post("/login", data=WRONG_LOGIN, headers=FRENCH)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Trop de requêtes" in page and "Patientez une minute, puis réessayez." in page
    assert "Traceback" not in page
    assert int(refused.headers["Retry-After"]) > 0
    # Reading the form is not limited, and another address is counted apart.
    assert http.get("/login").status_code == 200
    elsewhere = http.post("/login", data=WRONG_LOGIN, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 422


def test_the_refusal_page_speaks_english_to_an_english_browser(make_app):
    http = limited_app(make_app, RATE_LIMIT_LOGIN="1 per minute").test_client()
    http.post("/login", data=WRONG_LOGIN)
    refused = http.post("/login", data=WRONG_LOGIN, headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert "Too many attempts from your connection." in refused.get_data(as_text=True)


@pytest.mark.parametrize("proxies, apart", [(0, False), (1, True)])
def test_behind_a_proxy_each_client_is_counted_apart(make_app, proxies, apart):
    http = limited_app(make_app, RATE_LIMIT_LOGIN="1 per minute", PROXY_COUNT=proxies).test_client()
    http.post("/login", data=WRONG_LOGIN, headers={"X-Forwarded-For": "198.51.100.1"})
    other = http.post("/login", data=WRONG_LOGIN, headers={"X-Forwarded-For": "198.51.100.2"})
    # Without a declared proxy the header is not trusted (anyone could send a new one each time).
    assert other.status_code == (422 if apart else 429)


def test_calendar_feeds_are_limited(make_app):
    http = limited_app(make_app, RATE_LIMIT_FEED="2 per minute").test_client()
    assert [http.get("/calendar/guessed-token.ics").status_code for _ in range(3)] == [404, 404, 429]


def test_uploads_are_limited(make_app, db):
    app = limited_app(make_app, RATE_LIMIT_UPLOAD="1 per minute")
    http = logged_in_http(app, make_user(db))
    assert http.post("/imports", data={}).status_code != 429
    assert http.post("/imports", data={}).status_code == 429
    assert http.get("/imports").status_code == 200


def test_password_resets_and_changes_are_limited(make_app, db):
    app = limited_app(make_app, RATE_LIMIT_PASSWORD="1 per minute")
    admin, rep = make_user(db, "admin"), make_user(db)
    http = logged_in_http(app, admin)
    reset = {"reset-password": "une autre phrase de passe"}
    assert http.post(f"/admin/users/{rep.id}/password", data=reset).status_code == 303
    assert http.post(f"/admin/users/{rep.id}/password", data=reset).status_code == 429
    own = logged_in_http(app, rep, "une autre phrase de passe")
    change = {"pw-current": "pas mon mot de passe", "pw-password": "une phrase toute neuve"}
    assert [own.post("/account", data=change).status_code for _ in range(2)] == [422, 429]


def test_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDCRM_RATE_LIMIT_LOGIN", "5 per second")
    monkeypatch.setenv("FIELDCRM_RATE_LIMITS", "0")
    config = from_environment(str(tmp_path))
    assert config["RATE_LIMIT_LOGIN"] == "5 per second"
    assert config["RATELIMIT_ENABLED"] is False
    monkeypatch.delenv("FIELDCRM_RATE_LIMITS")
    assert from_environment(str(tmp_path))["RATELIMIT_ENABLED"] is True


@pytest.mark.fault
def test_with_redis_every_worker_shares_the_count(database_url, tmp_path, db):
    user = make_user(db)
    env = {"FIELDCRM_RATE_LIMITS": "1", "FIELDCRM_RATE_LIMIT_LOGIN": "6 per minute",
           "REDIS_URL": "redis://127.0.0.1:6379/11", "FIELDCRM_RATE_LIMIT_PREFIX": f"test-{uuid.uuid4()}"}
    with serve(database_url, tmp_path, workers=2, threads=4, env=env) as served:

        def try_login(_i):
            return served.log_in(served.session(), user.email, PASSWORD).status_code

        statuses = in_parallel(try_login, 12)
    # In each worker's memory, two workers would let up to 12 through.
    assert sorted(statuses) == [303] * 6 + [429] * 6
