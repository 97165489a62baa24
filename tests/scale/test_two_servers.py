"""Two app servers (two gunicorn processes on two ports) on one database and one Redis, as the README's
"Scaling out" runs them behind a proxy: whatever one server does, the other sees — a session, a
logout, a deactivation, the login limiter, the per-IP limits, the job queue, an import uploaded to one
and run by the other (their instance folder shared) — and killing one server (SIGKILL) loses no write
it had acknowledged.

Redis at 127.0.0.1:6379 (database 12), under a key prefix of each test's own, removed afterwards."""

from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
import redis
import requests
from sqlmodel import select

from bench.stack import kill_server, servers
from fieldcrm.clients.models import Client
from fieldcrm.imports.models import ImportJob
from fieldcrm.maps.models import GeocodeRun
from fieldcrm.visits.models import Interaction
from tests.factories import PASSWORD, make_client, make_user
from tests.formdata import form_data
from tests.served import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/12"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [pytest.mark.scale,
              pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")]


def two_servers(database_url, tmp_path, env=None, each=None):
    env = {"FIELDCRM_DEFAULT_LOCALE": "en", **(env or {})}
    return servers(database_url, tmp_path, 2, workers=1, threads=4, redis_url=REDIS_URL, env=env, each=each)


def logged_in(served, user) -> requests.Session:
    http = served.session()
    assert served.log_in(http, user.email, PASSWORD).status_code == 303
    return http


def same_cookies_on(served, http: requests.Session) -> requests.Session:
    """The same browser, its request routed by the proxy to `served`."""
    other = served.session()
    other.cookies.update(http.cookies)
    return other


def test_a_session_works_on_both_and_a_logout_on_one_ends_it_on_the_other(database_url, db, tmp_path):
    rep = make_user(db)
    with two_servers(database_url, tmp_path) as (a, b):
        on_a = logged_in(a, rep)
        on_b = same_cookies_on(b, on_a)
        kept = dict(on_a.cookies)  # a copy of the cookie (another tab, or a stolen one)
        assert on_b.get(b.url + "/", allow_redirects=False, timeout=10).status_code == 200
        token = csrf_token(on_a.get(a.url + "/", timeout=10).text)
        assert on_a.post(a.url + "/logout", data={"csrf_token": token}, allow_redirects=False,
                         timeout=10).status_code in (302, 303)
        stale = b.session()
        stale.cookies.update(kept)
        answer = stale.get(b.url + "/", allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_user_deactivated_on_one_server_is_out_on_the_other(database_url, db, tmp_path):
    admin, rep = make_user(db, role="admin"), make_user(db)
    with two_servers(database_url, tmp_path) as (a, b):
        rep_on_b = logged_in(b, rep)
        assert rep_on_b.get(b.url + "/", allow_redirects=False, timeout=10).status_code == 200
        admin_on_a = logged_in(a, admin)
        page = f"/admin/users/{rep.id}"
        token = csrf_token(admin_on_a.get(a.url + page, timeout=10).text)
        done = admin_on_a.post(f"{a.url}/admin/users/{rep.id}/active", data={"active": "0", "csrf_token": token},
                               allow_redirects=False, timeout=10)
        assert done.status_code == 303, done.text[:500]
        answer = rep_on_b.get(b.url + "/", allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_login_lock_counts_the_guesses_made_on_both_servers(database_url, db, tmp_path):
    rep = make_user(db)
    env = {"FIELDCRM_LOGIN_MAX_ATTEMPTS": "4", "FIELDCRM_LOGIN_LOCK_SECONDS": "60"}
    with two_servers(database_url, tmp_path, env=env) as (a, b):
        for n in range(4):  # two wrong guesses on each server
            served = (a, b)[n % 2]
            assert served.log_in(served.session(), rep.email, "not the password").status_code == 422
        right = b.log_in(b.session(), rep.email, PASSWORD)
    assert right.status_code == 422 and "Too many failed attempts" in right.text


def test_the_per_ip_login_limit_is_shared_by_both_servers(database_url, db, tmp_path):
    rep = make_user(db)
    env = {"FIELDCRM_RATE_LIMITS": "1", "FIELDCRM_RATE_LIMIT_LOGIN": "6 per minute"}
    with two_servers(database_url, tmp_path, env=env) as (a, b):
        statuses = []
        for n in range(12):  # alternating servers; the limit counts the POSTs
            served = (a, b)[n % 2]
            statuses.append(served.log_in(served.session(), rep.email, PASSWORD).status_code)
    # Counted apart, each server would let its 6 through: 12 logins.
    assert statuses == [303] * 6 + [429] * 6, statuses


def test_a_job_enqueued_on_one_server_is_run_by_the_other(database_url, db, tmp_path):
    admin = make_user(db, role="admin")
    rep = make_user(db)
    make_client(db, rep, street="1 place Bellecour", postal_code="69002", city="Lyon")
    # A runs no job consumer: only B's can run what A enqueues.
    each = [{"FIELDCRM_JOBS_WORKER": "external"}, {}]
    with two_servers(database_url, tmp_path, each=each) as (a, b):
        b.session().get(b.url + "/login", timeout=10)  # B's consumer starts with its first request
        on_a = logged_in(a, admin)
        token = csrf_token(on_a.get(a.url + "/admin/geocoding", timeout=10).text)
        started = on_a.post(a.url + "/admin/geocoding", data={"action": "start", "csrf_token": token},
                            allow_redirects=False, timeout=10)
        assert started.status_code == 303
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status != "done":
            db.expire_all()
            run = db.exec(select(GeocodeRun)).first()
            status = run.status if run else None
            time.sleep(0.3)
        log_b = b.log()
    assert status == "done", (status, log_b[-2000:])


def test_an_import_uploaded_to_one_server_is_mapped_on_the_other_and_run_by_its_jobs(database_url, db, tmp_path):
    """The uploaded file lives in the instance folder (FIELDCRM_INSTANCE_PATH), which the servers share
    (README "Scaling out"): the mapping screen and the job read it wherever they run."""
    rep = make_user(db)
    shared = tmp_path / "shared-instance"
    shared.mkdir()
    each = [{"FIELDCRM_JOBS_WORKER": "external"}, {}]  # only B's consumer runs jobs
    data = b"Raison sociale;Ville\nSalon Rose;Lyon\nBar Neuf;Nantes\n"
    with two_servers(database_url, tmp_path, env={"FIELDCRM_INSTANCE_PATH": str(shared)}, each=each) as (a, b):
        b.session().get(b.url + "/login", timeout=10)  # B's consumer starts with its first request
        on_a = logged_in(a, rep)
        token = csrf_token(on_a.get(a.url + "/imports", timeout=10).text)
        uploaded = on_a.post(a.url + "/imports", data={"csrf_token": token}, files={"file": ("f.csv", data)},
                             allow_redirects=False, timeout=30)
        assert uploaded.status_code == 303, uploaded.text[:500]
        mapping_url = urlsplit(uploaded.headers["Location"]).path
        on_b = same_cookies_on(b, on_a)
        page = on_b.get(b.url + mapping_url, timeout=10)  # B reads the file A received
        assert page.status_code == 200 and "Salon Rose" in page.text
        run = on_a.post(a.url + mapping_url, data={**form_data(page.text, mapping_url), "action": "run"},
                        allow_redirects=False, timeout=30)
        assert run.status_code in (200, 303), run.text[:500]
        deadline, job = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            db.expire_all()
            job = db.exec(select(ImportJob)).first()
            if job and job.status in ("done", "failed"):
                break
            time.sleep(0.3)
        log_b = b.log()
    assert job is not None and job.status == "done", (job and job.status, log_b[-2000:])
    names = set(db.exec(select(Client.company_name).where(Client.owner_id == rep.id)).all())
    assert names == {"Salon Rose", "Bar Neuf"}


def test_killing_one_server_loses_no_acknowledged_write(database_url, db, tmp_path):
    rep = make_user(db)
    shop = make_client(db, rep)
    acknowledged: list[str] = []
    by_a: list[str] = []  # acknowledged by the server that is then killed
    lock = threading.Lock()
    with two_servers(database_url, tmp_path) as (a, b):
        phones = []
        for n in range(6):
            served = (a, b)[n % 2]
            http = logged_in(served, rep)
            phones.append((served, http, csrf_token(http.get(f"{served.url}/clients/{shop.id}/log", timeout=10).text)))
        stop = threading.Event()

        def send(served, http, token):
            while not stop.is_set():
                uid = str(uuid.uuid4())
                try:
                    answer = http.post(f"{served.url}/clients/{shop.id}/log", timeout=10,
                                       headers={"X-CSRFToken": token, "Accept": "application/json"},
                                       data={"uid": uid, "kind": "visit", "outcome": "reached", "note": "vu"})
                except requests.RequestException:
                    continue  # no answer: not acknowledged (the phone's outbox would send it again)
                if answer.status_code in (200, 201):
                    with lock:
                        acknowledged.append(uid)
                        if served is a:
                            by_a.append(uid)

        threads = [threading.Thread(target=send, args=phone) for phone in phones]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        kill_server(a)
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(20)
        still = same_cookies_on(b, phones[1][1]).get(b.url + "/", allow_redirects=False, timeout=10)
    saved = set(db.exec(select(Interaction.uid).where(Interaction.client_id == shop.id)).all())
    assert len(acknowledged) > 10 and by_a  # both servers had answered before A died
    assert set(acknowledged) <= saved, set(acknowledged) - saved
    assert still.status_code == 200  # B serves on, A's death cost nothing but A's requests in flight
