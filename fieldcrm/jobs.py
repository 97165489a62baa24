"""The background job queue (huey): SQLite storage next to the embedded database by default,
Redis when REDIS_URL is set. Capabilities declare their tasks in `<capability>/tasks.py` with
`@huey.task()` and run inside an app context through `app_task`.

Run the worker with:  huey_consumer fieldcrm.jobs.huey -w 2 -k thread
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey


def _make_huey():
    redis_url = os.environ.get("REDIS_URL")
    immediate = os.environ.get("FIELDCRM_JOBS_IMMEDIATE", "").lower() in {"1", "true", "yes"}
    if redis_url:
        return RedisHuey("fieldcrm", url=redis_url, immediate=immediate)
    instance = Path(os.environ.get("FIELDCRM_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("fieldcrm", filename=str(instance / "jobs.sqlite3"), immediate=immediate)


huey = _make_huey()
_app = None


def worker_app():
    """The Flask app the worker runs tasks in (created once per worker process)."""
    global _app
    if _app is None:
        from fieldcrm import create_app

        _app = create_app()
    return _app


def app_task(fn):
    """Run the task body inside an app context (the current one in tests, else the worker's)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            return fn(*args, **kwargs)
        with worker_app().app_context():
            return fn(*args, **kwargs)

    return wrapper


def register_tasks() -> None:
    """Import every capability's task module so a worker (huey_consumer) knows all tasks."""
    import importlib

    for module in TASK_MODULES:
        importlib.import_module(module)


TASK_MODULES = ("fieldcrm.maps.tasks", "fieldcrm.imports.tasks")


def init_app(app) -> None:
    if app.config.get("TESTING") or app.config.get("JOBS_IMMEDIATE"):
        huey.immediate = True  # tasks run synchronously in-process, with in-memory storage
    app.extensions["fieldcrm.jobs"] = huey


register_tasks()
