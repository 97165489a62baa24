"""A bulk geocoding run has one worker at a time, and a run whose worker died goes on by itself."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from fieldcrm.maps import services
from fieldcrm.maps.models import GeocodeRun
from fieldcrm.maps.tasks import resume_stalled_runs_task
from fieldcrm.timeutil import utcnow
from tests.factories import logged_in_http, make_client, make_user


def _clients(db, n: int = 4) -> None:
    rep = make_user(db)
    for i in range(n):
        make_client(db, rep, company_name=f"Run {i}", postal_code="69001", city="Lyon")


def test_two_workers_handed_the_same_run_geocode_each_client_once(app, db):
    _clients(db)
    engine = app.extensions["fieldcrm.engine"]
    with app.app_context():
        run = services.start_run(db, None, scope_all=True)
    start, results = threading.Barrier(4), []

    def work():
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            start.wait()
            results.append(services.continue_run(session, run.id, app.config))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.expire_all()
    run = db.get(GeocodeRun, run.id)
    assert len(results) == 4 and run.status == "done"
    assert run.handled == run.total == 4  # not 8 or 16: one worker geocoded the run


def test_a_run_whose_worker_died_is_shown_stopped_then_goes_on(app, db):
    _clients(db)
    admin = make_user(db, "admin", locale="en")
    with app.app_context():
        run = services.start_run(db, None, scope_all=True)
        services.continue_run(db, run.id, app.config, limit=1)  # one client done, then the worker dies:
    db.execute(update(GeocodeRun).where(GeocodeRun.id == run.id).values(
        status="running", updated_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    http = logged_in_http(app, admin)
    page = http.get("/admin/geocoding").get_data(as_text=True)
    assert "The process running the geocoding stopped: it will be resumed where it stopped" in page
    db.expire_all()
    assert db.get(GeocodeRun, run.id).status == "running"  # the page wrote nothing
    with app.test_request_context():
        resume_stalled_runs_task()  # immediate mode in tests: the handed-back run goes on at once
    db.expire_all()
    run = db.get(GeocodeRun, run.id)
    assert run.status == "done" and run.handled == 4
    assert "Finished." in http.get("/admin/geocoding").get_data(as_text=True)


def test_a_live_run_is_left_alone(app, db):
    _clients(db, 1)
    with app.app_context():
        run = services.start_run(db, None)
    db.execute(update(GeocodeRun).where(GeocodeRun.id == run.id).values(status="running", updated_at=utcnow()))
    db.commit()
    with app.test_request_context():
        resume_stalled_runs_task()
    db.expire_all()
    assert db.get(GeocodeRun, run.id).status == "running"
