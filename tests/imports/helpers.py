"""Running a whole client import through the screens, for tests that care about what it did."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from fieldcrm.imports.models import ImportJob


def run_file(http, db, data: bytes, **choices) -> ImportJob:
    """Upload `data`, keep the guessed columns (and `choices`), import; the finished import."""
    http.post("/imports", data={"file": (io.BytesIO(data), "f.csv")}, content_type="multipart/form-data")
    db.expire_all()
    job = db.exec(select(ImportJob).order_by(ImportJob.id.desc())).first()
    form = {f"col-{i}": t for i, t in json.loads(job.mapping).items()}
    http.post(f"/imports/{job.id}/mapping", data={**form, **choices, "action": "run"})
    db.expire_all()
    return db.get(ImportJob, job.id)
