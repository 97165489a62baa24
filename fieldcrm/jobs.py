"""The background job queue (huey), configured from the app's settings.

Capabilities declare their tasks in `<capability>/tasks.py` with `@jobs.task("name")` (or
`@jobs.periodic("name", crontab(...))`); services and routes enqueue by name with
`jobs.enqueue("name", ...)`, so nothing below the task modules imports them. Each app gets its own huey,
built on first use from `app.config`: in-memory and synchronous in tests (`JOBS_IMMEDIATE`), Redis when
`REDIS_URL` is set, else a SQLite file under the app's `instance_path`. A task runs inside the context of
the app whose queue ran it.

Who runs the jobs: unless `JOBS_WORKER` is "external" (deployments running the Procfile's `worker:`
process), every app process starts a huey consumer in threads of its own on its first request, so the
demo and a single gunicorn work with nothing else to start. Several processes each running a consumer
share the same queue (SQLite storage or Redis) safely.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

log = logging.getLogger(__name__)
EXTENSION = "fieldcrm.jobs"


@dataclass(frozen=True)
class Declared:
    name: str
    fn: Callable
    schedule: Callable | None = None  # a huey crontab for periodic tasks


_declared: dict[str, Declared] = {}
_startup_hooks: list[Callable[[], None]] = []


def task(name: str):
    """Declare `fn` as the background task `name` (the function itself stays callable as is)."""

    def declare(fn):
        _declared[name] = Declared(name, fn)
        return fn

    return declare


def periodic(name: str, schedule: Callable):
    """Declare `fn` as a task every consumer schedules on `schedule` (a huey crontab)."""

    def declare(fn):
        _declared[name] = Declared(name, fn, schedule)
        return fn

    return declare


def on_consumer_start(fn: Callable[[], None]) -> Callable[[], None]:
    """Run `fn` (inside the app context) when a consumer starts: e.g. take over what a dead one left."""
    _startup_hooks.append(fn)
    return fn


def _storage(app: Flask) -> Huey:
    config = app.config
    immediate = config.get("JOBS_IMMEDIATE")
    if immediate is None:
        immediate = bool(config.get("TESTING"))
    if immediate:
        return MemoryHuey("fieldcrm", immediate=True)
    if config.get("REDIS_URL"):
        return RedisHuey(config.get("JOBS_QUEUE_NAME") or "fieldcrm", url=config["REDIS_URL"])
    path = Path(config.get("JOBS_SQLITE_PATH") or Path(app.instance_path) / "jobs.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("fieldcrm", filename=str(path))


class _InProcessConsumer(Consumer):
    def _set_signal_handlers(self):  # the web server owns the process's signals
        pass


class JobQueue:
    """One app's huey and, when the app runs its own jobs, its consumer."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = _storage(app)
        self._tasks: dict[str, object] = {}
        self._lock = threading.Lock()
        self.consumer: Consumer | None = None
        self.huey.on_startup("fieldcrm")(self.run_startup_hooks)  # each consumer thread, at its start
        self.bind()

    def _in_app(self, fn: Callable) -> Callable:
        app = self.app

        @functools.wraps(fn)
        def run(*args, **kwargs):
            if has_app_context() and current_app._get_current_object() is app:  # immediate mode
                return fn(*args, **kwargs)
            with app.app_context():
                return fn(*args, **kwargs)

        return run

    def bind(self) -> None:
        """Register with huey every task declared so far (task modules may load after the app)."""
        with self._lock:
            for name, declared in _declared.items():
                if name in self._tasks:
                    continue
                body = self._in_app(declared.fn)
                if declared.schedule is None:
                    self._tasks[name] = self.huey.task(name=name)(body)
                else:
                    self._tasks[name] = self.huey.periodic_task(declared.schedule, name=name)(body)

    def enqueue(self, name: str, *args) -> None:
        if name not in self._tasks:
            self.bind()
        self._tasks[name](*args)

    def run_startup_hooks(self) -> None:
        for hook in _startup_hooks:
            try:
                self._in_app(hook)()
            except Exception:  # a failed sweep must not stop the consumer; the periodic one retries
                log.exception("job consumer start-up hook %s failed", getattr(hook, "__name__", hook))

    def start_consumer(self, workers: int = 2) -> None:
        """Start this process's in-process consumer (once); stopped when the process exits."""
        with self._lock:
            if self.consumer is not None or self.huey.immediate:
                return
            self.consumer = _InProcessConsumer(self.huey, workers=workers, worker_type="thread",
                                               shutdown_timeout=5)
        self.bind()
        self.consumer.start()
        atexit.register(self.stop_consumer)
        log.info("in-process job consumer started (pid %s, %s threads)", os.getpid(), workers)

    def stop_consumer(self) -> None:
        """Stop the in-process consumer: running tasks get a few seconds to finish, leases cover the rest."""
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            consumer.stop(graceful=True)


_build_lock = threading.Lock()


def queue_for(app: Flask) -> JobQueue:
    """The app's job queue, built on first use (so tests may set `instance_path` after create_app)."""
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        with _build_lock:
            queue = app.extensions.get(EXTENSION)
            if queue is None:
                queue = app.extensions[EXTENSION] = JobQueue(app)
    return queue


def enqueue(name: str, *args) -> None:
    """Hand the task `name` to the current app's queue (runs at once in immediate mode)."""
    queue_for(current_app._get_current_object()).enqueue(name, *args)


def runs_in_process(app: Flask) -> bool:
    return (app.config.get("JOBS_WORKER") or "in-process") != "external"


def init_app(app: Flask) -> None:
    """Start the in-process consumer on the app's first request, unless a worker process runs the jobs.
    (On the first request rather than here: gunicorn may fork after create_app, and CLI commands such
    as `fieldcrm migrate` create the app without serving it.)"""
    if not runs_in_process(app):
        return
    started = threading.Event()

    @app.before_request
    def start_job_consumer():
        if started.is_set():
            return
        started.set()
        queue = queue_for(app)
        if not queue.huey.immediate:
            queue.start_consumer(int(app.config.get("JOBS_IN_PROCESS_THREADS") or 2))
