"""`kill -9` of the real job worker (huey_consumer on fieldcrm.worker) in the middle of an import: the
next worker resumes a check of the rows, a save is marked failed, the page says which, the files go,
and no row is imported twice."""

from __future__ import annotations

import html
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from fieldcrm.clients.models import Client
from fieldcrm.imports import files
from fieldcrm.imports.models import ImportJob
from tests.factories import make_user
from tests.served import served_env

pytestmark = pytest.mark.fault

ROWS = 2000
LEASE = 3  # seconds: a dead worker is noticed this long after its last sign
CSV = "Raison sociale;CP;Ville\r\n" + "".join(f"Société {n:05d};69001;Lyon\r\n" for n in range(ROWS))


class Workers:
    """Real `huey_consumer fieldcrm.worker.huey` processes sharing the test's database and files."""

    def __init__(self, app, database_url: str, tmp_path: Path):
        self.env = served_env(database_url, Path(app.instance_path), FIELDCRM_JOBS_WORKER="external",
                              FIELDCRM_JOBS_SQLITE_PATH=app.config["JOBS_SQLITE_PATH"],
                              FIELDCRM_JOB_LEASE_SECONDS=str(LEASE), FIELDCRM_IMPORT_ROW_DELAY="0.001")
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 - kept by Popen
        process = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "fieldcrm.worker.huey",
                                    "-w", "1", "-k", "thread"], cwd=self.tmp_path, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(make_app, database_url, tmp_path):
    app = make_app(JOBS_WORKER="external", JOBS_IMMEDIATE=False, JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
                   JOB_LEASE_SECONDS=LEASE)
    pool = Workers(app, database_url, tmp_path)
    yield app, pool
    pool.stop_all()


def _start_import(app, db, login) -> tuple[object, ImportJob]:
    http = app.test_client()
    login(make_user(db, "rep", locale="en"), http=http)
    http.post("/imports", data={"file": (io.BytesIO(CSV.encode()), "big.csv")}, content_type="multipart/form-data")
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": target for i, target in json.loads(job.mapping).items()}
    assert http.post(f"/imports/{job.id}/mapping", data={**form, "action": "run"}).status_code == 303
    return http, job


def _until(db, job_id: int, check, seconds: float, what: str) -> ImportJob:
    deadline = time.monotonic() + seconds
    while True:
        db.expire_all()
        job = db.get(ImportJob, job_id)
        if check(job):
            return job
        assert time.monotonic() < deadline, f"{what}: still {job.status} at row {job.processed_rows}"
        time.sleep(0.25)


def _page(http, job) -> str:
    return html.unescape(http.get(f"/imports/{job.id}").get_data(as_text=True))


def _files(app, job) -> list[str]:
    with app.app_context():
        return [p.name for p in files.storage_dir().iterdir() if p.name.startswith(job.stored_name)]


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_a_worker_killed_while_checking_the_rows_is_resumed_by_the_next_one(workers, db, login):
    app, pool = workers
    http, job = _start_import(app, db, login)
    first = pool.start()
    _until(db, job.id, lambda j: j.status == "validating" and j.processed_rows >= 500, 30, "checking")
    _kill(first)
    killed_at = time.monotonic()
    stopped = _until(db, job.id, lambda j: _page(http, j).count("will be resumed"), 30, "page says resumed")
    assert stopped.status == "validating"  # the page said it; it did not write it
    pool.start()
    shown = []

    def finished(j):  # the live worker's save outlasts the lease: it must never be shown as dead
        shown.append((j.status, _page(http, j)))
        return j.status in ("done", "failed", "cancelled")

    job = _until(db, job.id, finished, 45, "resumed import")
    saving = [page for status, page in shown if status == "saving"]
    assert saving and not [page for page in saving if "process running the import stopped" in page]
    assert time.monotonic() - killed_at < 60
    assert job.status == "done" and job.attempts == 2 and job.created_count == ROWS
    assert db.exec(select(func.count()).select_from(Client)).one() == ROWS  # each row once
    assert "Import finished." in _page(http, job)
    assert [name for name in _files(app, job) if not name.endswith(".errors.json")] == []  # upload, staged rows


def test_a_worker_killed_while_saving_leaves_a_failed_import_without_files_or_rows(workers, db, login):
    app, pool = workers
    http, job = _start_import(app, db, login)
    first = pool.start()
    _until(db, job.id, lambda j: j.status == "saving", 30, "saving")
    time.sleep(1)  # a good part of the rows written, some batches committed
    _kill(first)
    killed_at = time.monotonic()
    _until(db, job.id, lambda j: "Failed: the process running the import stopped. Start the import again."
           in _page(http, j), 30, "page says failed")
    pool.start()
    job = _until(db, job.id, lambda j: j.status != "saving", 30, "failed by the next worker")
    assert job.status == "failed" and job.error_code == "worker_died"
    assert _files(app, job) == []
    # The batches it had committed are undone by the next worker, from the import's journal.
    _until(db, job.id, lambda j: db.exec(select(func.count()).select_from(Client)).one() == 0, 30, "undone")
    assert time.monotonic() - killed_at < 60
    page = _page(http, job)
    assert "Start the import again." in page and "Nothing was imported." in page


def test_cancel_of_an_import_whose_worker_was_killed_is_immediate(workers, db, login):
    app, pool = workers
    http, job = _start_import(app, db, login)
    first = pool.start()
    _until(db, job.id, lambda j: j.status == "validating" and j.processed_rows >= 500, 30, "checking")
    _kill(first)
    _until(db, job.id, lambda j: "/cancel" in _page(http, j) and "will be resumed" in _page(http, j), 30, "stale")
    assert http.post(f"/imports/{job.id}/cancel").status_code == 303
    db.expire_all()
    job = db.get(ImportJob, job.id)
    assert job.status == "cancelled" and _files(app, job) == []
    assert "Import cancelled: nothing was imported." in _page(http, job)
