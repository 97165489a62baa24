"""An import's worker holds a lease: one worker per job, and a job whose worker died is resumed (while its
rows are checked) or failed (while saving), its files deleted; the page says which without writing."""

from __future__ import annotations

import html
import os
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from fieldcrm.clients.models import Client
from fieldcrm.imports import files, lease, services
from fieldcrm.imports.models import ImportJob
from fieldcrm.timeutil import utcnow
from tests.factories import make_user
from tests.imports.test_import_flow import CP1252_CSV, _assert_no_file_left, _job, _upload


@pytest.fixture
def rep(db):
    return make_user(db, "rep", locale="en")


def _uploaded(db, client, login, rep) -> ImportJob:
    login(rep)
    assert _upload(client, CP1252_CSV, "clients.csv").status_code == 303
    return _job(db)


def _worker_died(app, db, job: ImportJob, status: str, attempts: int = 1) -> ImportJob:
    """A worker really claims the job, gets as far as `status`, then is never heard of again."""
    engine = app.extensions["fieldcrm.engine"]
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(status="queued", attempts=attempts - 1))
    db.commit()
    held = lease.claim(engine, job.id, seconds=0.2)
    assert held is not None
    held.renew(status=status)
    with app.app_context():
        files.staged_path(job).write_text('[2,{"company_name":"Staged"}]\n')  # what the check had staged
    time.sleep(0.3)
    return _job(db, job.id)


def _files(app, job) -> list[str]:
    with app.app_context():
        return sorted(p.name for p in files.storage_dir().iterdir() if p.name.startswith(job.stored_name))


def test_two_workers_handed_the_same_job_one_runs_it(app, db, login, client, rep):
    job = _uploaded(db, client, login, rep)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(status="queued"))
    db.commit()
    engine = app.extensions["fieldcrm.engine"]
    start, leases = threading.Barrier(6), []

    def take():
        start.wait()
        leases.append(lease.claim(engine, job.id, seconds=30))

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(leases) == 6 and len([held for held in leases if held is not None]) == 1
    job = _job(db, job.id)
    assert job.status == "validating" and job.attempts == 1


def test_the_page_of_a_dead_check_says_it_will_be_resumed_and_writes_nothing(app, db, login, client, rep):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), "validating")
    before = (job.status, job.lease_owner, job.lease_until, job.heartbeat_at)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "the import will be resumed from the check of the rows" in page
    assert "the import goes on" not in page
    job = _job(db, job.id)
    assert (job.status, job.lease_owner, job.lease_until, job.heartbeat_at) == before  # a GET wrote nothing
    assert _files(app, job)  # still there: it will be resumed


def test_the_sweep_resumes_a_dead_check_which_then_imports_each_row_once(app, db, login, client, rep):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), "validating")
    with app.test_request_context():
        result = services.sweep_stalled(db)  # immediate mode in tests: the resumed import runs now
    assert result.resumed == [job.id] and result.failed == []
    job = _job(db, job.id)
    assert job.status == "done" and job.attempts == 2 and job.created_count == 4
    names = [c.company_name for c in db.exec(select(Client)).all()]
    assert len(names) == 4 and "Staged" not in names  # the check started again from the file
    assert "Import finished." in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_a_check_that_killed_its_worker_three_times_is_failed(app, db, login, client, rep):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), "validating", attempts=lease.MAX_ATTEMPTS)
    assert "Failed: the process running the import stopped" in client.get(f"/imports/{job.id}").get_data(as_text=True)
    with app.test_request_context():
        assert [j.id for j in services.sweep_stalled(db).failed] == [job.id]
    assert _job(db, job.id).status == "failed"
    _assert_no_file_left(app, job)


def test_a_dead_save_is_failed_with_its_files_deleted_and_the_page_says_start_again(app, db, login, client, rep):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), "saving")
    shown_before = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Failed: the process running the import stopped. Start the import again." in shown_before
    assert _job(db, job.id).status == "saving"  # the page only said it
    with app.test_request_context():
        result = services.sweep_stalled(db)
    assert result.resumed == [] and [j.id for j in result.failed] == [job.id]
    job = _job(db, job.id)
    assert job.status == "failed" and job.error_code == "worker_died" and job.lease_owner is None
    _assert_no_file_left(app, job)
    assert db.exec(select(Client)).all() == []
    rep.locale = "fr"
    db.add(rep)
    db.commit()
    page = html.unescape(client.get(f"/imports/{job.id}").get_data(as_text=True))
    assert "Échoué\xa0: le processus qui exécutait l'import s'est arrêté. Relancez l'import." in page
    assert "Rien n'a été importé." in page


@pytest.mark.parametrize("status", ["validating", "saving"])
def test_cancel_of_an_import_nobody_runs_cancels_it_at_once_and_deletes_its_files(app, db, login, client, rep,
                                                                                   status):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), status)
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert f"/imports/{job.id}/cancel" in page  # offered even while "saving": nobody is saving
    assert client.post(f"/imports/{job.id}/cancel").status_code == 303
    job = _job(db, job.id)
    assert job.status == "cancelled" and job.finished_at is not None and job.lease_owner is None
    _assert_no_file_left(app, job)
    assert "Import cancelled: nothing was imported." in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_a_worker_taken_for_dead_that_wakes_up_changes_nothing(app, db, login, client, rep):
    job = _uploaded(db, client, login, rep)
    engine = app.extensions["fieldcrm.engine"]
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(status="queued"))
    db.commit()
    sleeper = lease.claim(engine, job.id, seconds=0.2)
    time.sleep(0.3)
    with app.test_request_context():
        services.sweep_stalled(db)  # resumed, and run to the end by another worker
    assert _job(db, job.id).status == "done"
    with pytest.raises(lease.LeaseLost):
        sleeper.renew(processed_rows=1)
    with pytest.raises(lease.LeaseLost):
        sleeper.end(status="failed")
    assert _job(db, job.id).status == "done"


def test_a_queued_import_whose_message_was_lost_is_sent_again(app, db, login, client, rep):
    job = _uploaded(db, client, login, rep)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        status="queued", heartbeat_at=utcnow() - timedelta(minutes=5)))
    db.commit()
    with app.test_request_context():
        assert services.sweep_stalled(db).requeued == [job.id]
    assert _job(db, job.id).status == "done"


def test_a_resumed_import_says_so_while_it_runs(app, db, login, client, rep):
    job = _uploaded(db, client, login, rep)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        status="validating", attempts=2, lease_owner="alive", lease_until=utcnow() + timedelta(seconds=30)))
    db.commit()
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "Resumed: the process running the import had stopped" in page


def test_the_sweep_runs_every_minute_and_at_each_consumer_start(app):
    from huey.api import PeriodicTask

    from fieldcrm import jobs
    from fieldcrm.imports.tasks import sweep_stalled_imports_task

    periodic = {type(t).__name__: type(t) for t in jobs.queue_for(app).huey._registry.periodic_tasks}
    task_class = periodic["imports.sweep_stalled"]
    assert issubclass(task_class, PeriodicTask)
    from datetime import datetime

    assert all(task_class().validate_datetime(datetime(2026, 1, 1, 9, m)) for m in range(60))
    assert sweep_stalled_imports_task in jobs._startup_hooks


def test_a_save_that_outlasts_its_lease_on_sqlite_is_alive_while_its_sign_file_is_fresh(app, db, login, client, rep):
    job = _worker_died(app, db, _uploaded(db, client, login, rep), "saving")
    # Its worker ran with a 30 s lease (so a loaded machine cannot make the fresh sign look stale).
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(
        heartbeat_at=job.lease_until - timedelta(seconds=30)))
    db.commit()
    with app.app_context():
        sign = files.sign_path(job)
    sign.touch()  # what the saving worker does while SQLite's write lock keeps it from renewing the lease
    assert "process running the import stopped" not in client.get(f"/imports/{job.id}").get_data(as_text=True)
    with app.test_request_context():
        assert services.sweep_stalled(db).failed == []
    assert _job(db, job.id).status == "saving"
    old = time.time() - 60
    os.utime(sign, (old, old))  # no sign for longer than a lease: dead
    with app.test_request_context():
        assert [j.id for j in services.sweep_stalled(db).failed] == [job.id]
    _assert_no_file_left(app, job)


def test_an_import_nobody_takes_says_so_after_two_minutes(app, db, login, client, rep):
    job = _uploaded(db, client, login, rep)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(status="queued", heartbeat_at=utcnow()))
    db.commit()
    hint = "No job worker has taken this import yet"
    assert hint not in client.get(f"/imports/{job.id}").get_data(as_text=True)
    db.execute(update(ImportJob).where(ImportJob.id == job.id).values(heartbeat_at=utcnow() - timedelta(minutes=3)))
    db.commit()
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert hint in page and "Waiting for its turn" in page
