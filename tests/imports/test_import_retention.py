"""Staged rows are plain JSON (never unpickled) and uploaded personal data does not linger (RGPD):
the hourly purge closes imports left for 24 h, deletes their files, orphans and expired error reports."""

from __future__ import annotations

import io
import json
import os
import pickle
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from fieldcrm.imports import files, staging
from fieldcrm.imports.models import ImportJob
from fieldcrm.timeutil import utcnow
from tests.factories import make_user

CSV = ("Raison sociale;CP;Ville;E-mail\n"
       "Boulangerie Hélène;69001;Lyon;helene@ex.fr\n"
       "Café sans email;75004;Paris;pas-un-email\n"
       ";75004;Paris;sans-nom@ex.fr\n").encode()


def test_staged_rows_round_trip_with_their_types(tmp_path):
    path = tmp_path / "x.staged"
    rows = [(2, {"company_name": "Café “Zoé”", "tags": ["bio", "vip"], "client_since": date(2019, 2, 3),
                 "custom:surface": Decimal("12.50"), "do_not_contact": True, "visit_cadence_days": 30,
                 "notes": None}),
            (3, {"company_name": "{\"$date\": \"x\"}"})]  # text that looks like a tag stays text
    staging.write_rows(path, rows[:1])
    staging.write_rows(path, rows[1:])  # appended in chunks, like the validation pass does
    back = list(staging.read_rows(path))
    assert back == rows
    assert isinstance(back[0][1]["client_since"], date) and isinstance(back[0][1]["custom:surface"], Decimal)
    assert path.read_text(encoding="utf-8").count("\n") == 2  # one JSON document per line, readable


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_pickle_planted_in_the_staging_file_is_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "x.staged"
    path.write_bytes(pickle.dumps([(2, _Exploit())]))
    with pytest.raises(ValueError):  # JSON refuses it (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        list(staging.read_rows(path))
    assert not (tmp_path / "pwned").exists()


def test_the_import_never_uses_pickle():
    import fieldcrm.imports.services as module

    assert "pickle" not in module.__dict__
    assert "import pickle" not in open(module.__file__, encoding="utf-8").read()


def _upload(http):
    return http.post("/imports", data={"file": (io.BytesIO(CSV), "clients.csv")}, content_type="multipart/form-data")


def _latest(db) -> ImportJob:
    db.expire_all()
    return db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()


def _age(path, hours: float):
    moment = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (moment, moment))


def _set_job(db, job, **values):
    for key, value in values.items():
        setattr(job, key, value)
    db.add(job)
    db.commit()


def test_the_upload_page_says_how_long_what_is_kept(app, db, login, client):
    login(make_user(db, "rep", locale="fr"))
    page = client.get("/imports").get_data(as_text=True)
    assert "Votre fichier est supprimé dès la fin de l'import (ou au bout de 24 heures" in page
    assert "pour le rapport d'erreurs, 7 jours." in page


def test_the_hourly_purge_closes_abandoned_imports_and_deletes_leftovers(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    login(rep)
    now = utcnow()
    _upload(client)
    abandoned = _latest(db)  # left on the mapping screen 25 hours ago
    _set_job(db, abandoned, created_at=now - timedelta(hours=25))
    _upload(client)
    fresh = _latest(db)  # being mapped right now
    _upload(client)
    finished = _latest(db)
    client.post(f"/imports/{finished.id}/mapping",
                data={"col-0": "company_name", "col-1": "postal_code", "col-2": "city", "col-3": "email",
                      "action": "run"})
    finished = _latest(db)
    assert finished.status == "done" and finished.error_count == 1
    with app.app_context():
        folder = files.storage_dir()
        for job in (abandoned, fresh):
            assert files.file_path(job).exists()
        _age(files.file_path(abandoned), 25)
        old_orphan, new_orphan = folder / "0123abcd.csv", folder / "4567ef.xlsx.staged"
        old_orphan.write_text("Nom\nDupont\n")
        new_orphan.write_text("[]\n")
        _age(old_orphan, 30)
        assert files.errors_path(finished).exists()

        done = files.purge_leftovers(db, now)
        assert done == {"closed": 1, "files": 1}  # the abandoned import (its upload with it); the old orphan
        assert not files.file_path(abandoned).exists() and not old_orphan.exists()
        assert files.file_path(fresh).exists() and new_orphan.exists()
        assert files.errors_path(finished).exists()  # the report is kept for ERROR_REPORT_DAYS

        # A week later (+ a day), the report is deleted too; what stays open is closed.
        later = now + timedelta(days=files.ERROR_REPORT_DAYS, hours=1)
        files.purge_leftovers(db, later)
        assert not files.errors_path(finished).exists()
        assert not files.file_path(fresh).exists()
    abandoned = db.get(ImportJob, abandoned.id)
    db.refresh(abandoned)
    assert abandoned.status == "cancelled" and abandoned.error_code == "expired"
    page = client.get(f"/imports/{abandoned.id}").get_data(as_text=True)
    assert "not finished within 24 hours" in page
    # The mapping screen of a closed import sends to its status; the error report is gone, said so.
    assert client.get(f"/imports/{abandoned.id}/mapping").status_code == 303
    response = client.get(f"/imports/{finished.id}/errors.csv")
    assert response.status_code == 303
    status = client.get(f"/imports/{finished.id}").get_data(as_text=True)
    assert "no longer available" in status and "deleted 7 days after the import" in status


def test_an_import_stuck_in_the_queue_for_a_day_is_closed_and_its_file_deleted(app, db, login, client):
    rep = make_user(db, "rep", locale="en")
    login(rep)
    _upload(client)
    job = _latest(db)
    _set_job(db, job, status="validating", created_at=utcnow() - timedelta(hours=30))
    with app.app_context():
        assert files.purge_leftovers(db)["closed"] == 1
        assert not files.file_path(job).exists()
    job = _latest(db)
    assert job.status == "failed" and job.error_code == "expired" and json.loads(job.error_params) == {"hours": 24}


def test_the_purge_is_an_hourly_huey_task(app, db):
    from huey.api import PeriodicTask

    from fieldcrm import jobs
    from fieldcrm.imports.tasks import purge_import_leftovers_task

    periodic = {type(t).__name__: type(t) for t in jobs.queue_for(app).huey._registry.periodic_tasks}
    task_class = periodic["imports.purge_leftovers"]  # the consumer schedules it
    assert issubclass(task_class, PeriodicTask)
    runs = [m for m in range(24 * 60) if task_class().validate_datetime(datetime(2026, 1, 1, m // 60, m % 60))]
    assert len(runs) == 24  # once an hour
    rep = make_user(db, "rep")
    with app.test_request_context():
        job = ImportJob(owner_id=rep.id, filename="old.csv", stored_name="deadbeef.csv",
                        created_at=utcnow() - timedelta(hours=48))
        db.add(job)
        db.commit()
        path = files.file_path(job)
        path.write_text("Nom\nDupont\n")
        purge_import_leftovers_task()  # immediate mode in tests: runs now (huey keeps no periodic result)
        assert not path.exists()
    db.expire_all()
    job = db.get(ImportJob, job.id)
    assert job.status == "cancelled" and job.error_code == "expired"
