"""Who runs the background jobs: the app's own consumer (demo, one server) unless JOBS_WORKER is
"external"; jobs.py is a leaf configured from app.config, and services enqueue by name."""

from __future__ import annotations

import ast
import io
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import select

from fieldcrm import jobs
from fieldcrm.clients.models import Client
from fieldcrm.imports.models import ImportJob
from tests.factories import PASSWORD, make_user
from tests.served import csrf_token, serve

ROOT = Path(__file__).resolve().parents[1]
CSV = "Raison sociale;CP;Ville\r\n" + "".join(f"Société {n};6900{n + 1};Lyon\r\n" for n in range(5))


@pytest.fixture
def queued_app(make_app, tmp_path):
    """The demo's way: tasks queued in a real huey SQLite file, not run on the spot."""
    apps = []

    def build(**overrides):
        app = make_app(JOBS_IMMEDIATE=False, JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"), **overrides)
        apps.append(app)
        return app

    yield build
    for app in apps:
        jobs.queue_for(app).stop_consumer()


def _import(http, db) -> ImportJob:
    http.post("/imports", data={"file": (io.BytesIO(CSV.encode()), "clients.csv")},
              content_type="multipart/form-data")
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
    assert http.post(f"/imports/{job.id}/mapping", data={**form, "action": "run"}).status_code == 303
    return job


def _wait_for(db, job_id: int, states: tuple[str, ...], seconds: float = 20) -> ImportJob:
    deadline = time.monotonic() + seconds
    while True:
        db.expire_all()
        job = db.get(ImportJob, job_id)
        if job.status in states or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_without_a_worker_process_the_app_runs_the_import_itself(queued_app, db, login):
    app = queued_app()
    http = app.test_client()
    rep = make_user(db, "rep", locale="en")
    login(rep, http=http)
    job = _import(http, db)
    job = _wait_for(db, job.id, ("done", "failed"))
    assert job.status == "done" and job.created_count == 5
    assert len(db.exec(select(Client)).all()) == 5
    assert "Import finished." in http.get(f"/imports/{job.id}").get_data(as_text=True)
    queue = jobs.queue_for(app)
    consumer = queue.consumer
    assert consumer is not None
    queue.stop_consumer()  # what the process does at exit: the consumer's threads end
    assert not consumer.scheduler.is_alive() and not any(t.is_alive() for _, t in consumer.worker_threads)


def test_with_an_external_worker_the_app_only_queues(queued_app, db, login):
    app = queued_app(JOBS_WORKER="external")
    http = app.test_client()
    login(make_user(db, "rep", locale="en"), http=http)
    job = _import(http, db)
    time.sleep(1)
    assert _wait_for(db, job.id, ("done",), seconds=0).status == "queued"
    queue = jobs.queue_for(app)
    assert queue.consumer is None and queue.huey.pending_count() == 1  # waiting for the worker: process
    assert Path(queue.huey.storage.filename).parent == Path(app.config["JOBS_SQLITE_PATH"]).parent


def test_the_huey_file_lives_under_the_instance_path(make_app):
    app = make_app(JOBS_IMMEDIATE=False)
    assert Path(jobs.queue_for(app).huey.storage.filename) == Path(app.instance_path) / "jobs.sqlite3"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_jobs_is_a_leaf_and_services_do_not_import_tasks():
    assert not {m for m in _imported_modules(ROOT / "fieldcrm" / "jobs.py") if m.startswith("fieldcrm")}
    for services in (ROOT / "fieldcrm").glob("*/services.py"):
        assert not {m for m in _imported_modules(services) if m.endswith(".tasks")}, services


@pytest.mark.fault
def test_gunicorn_without_a_worker_process_runs_parallel_imports_once_each(database_url, make_app, db, tmp_path):
    """Two gunicorn workers, each with its own consumer on the shared huey file: two imports started at
    the same moment both finish, each row imported once."""
    make_app()  # the database is migrated and ready
    reps = [make_user(db, "rep", locale="en") for _ in range(2)]
    with serve(database_url, tmp_path, workers=2) as served:
        sessions = []
        for rep in reps:
            http = served.session()
            assert served.log_in(http, rep.email, PASSWORD).status_code == 303
            sent = served.post_form(http, "/imports", {}, files={"file": ("clients.csv", CSV.encode())})
            mapping = sent.headers["Location"]
            page = http.get(served.url + mapping, timeout=10).text
            job = db.get(ImportJob, int(mapping.split("/")[2]))
            form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
            sessions.append((http, mapping, {**form, "action": "run", "csrf_token": csrf_token(page)}))

        def run(item):
            http, mapping, form = item
            answer = http.post(served.url + mapping, data=form, allow_redirects=False, timeout=30)
            return int(mapping.split("/")[2]), answer.status_code

        with ThreadPoolExecutor(2) as pool:
            started = list(pool.map(run, sessions))
        assert [code for _, code in started] == [303, 303], served.log()[-3000:]
        finished = [_wait_for(db, job_id, ("done", "failed"), seconds=30) for job_id, _ in started]
        assert [job.status for job in finished] == ["done", "done"], served.log()[-2000:]
        assert [job.created_count for job in finished] == [5, 5]
        for (http, _, _), job in zip(sessions, finished, strict=True):
            assert "Import finished." in http.get(f"{served.url}/imports/{job.id}", timeout=10).text
    assert len(db.exec(select(Client)).all()) == 10
    assert "in-process job consumer started" in served.log()
