"""Served FieldCRM for the load benchmark: N gunicorn processes on N ports of 127.0.0.1 sharing one
database (and, with several, one Redis under a key prefix of the bench's own, removed afterwards),
plus the CPU the app processes and the database's backends spend.

The processes are started by `tests/served.py`, the way the Procfile's `web:` starts them.
"""

from __future__ import annotations

import os
import secrets
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine

from tests.served import Served, serve

TICK = os.sysconf("SC_CLK_TCK")


@contextmanager
def redis_namespace(redis_url: str) -> Iterator[str]:
    """A key prefix nobody else uses on `redis_url`; every key holding it is deleted at the end."""
    import redis  # optional (the `redis` extra): only the two-server run needs it

    prefix = f"fieldcrm_bench_{os.getpid()}_{secrets.token_hex(3)}"
    client = redis.Redis.from_url(redis_url)
    try:
        yield prefix
    finally:
        # The job queue's keys embed its name (huey.redis.<name>…), the limiter's start with it.
        for key in client.scan_iter(match=f"*{prefix}*", count=500):
            client.delete(key)
        client.close()


@contextmanager
def servers(database_url: str, folder: Path, count: int, workers: int, threads: int,
            redis_url: str | None = None, env: dict | None = None,
            each: list[dict] | None = None) -> Iterator[list[Served]]:
    """`count` gunicorn processes on one database; with a `redis_url`, their job queue and request
    counters share a Redis namespace of their own. `env` goes to every server, `each[n]` to the n-th."""
    # gunicorn as the Procfile runs it: --keep-alive 10 (its 2 s default resets a busy server's new connections).
    extra = {"FIELDCRM_MAX_ACTIVE_USERS": "100000", "GUNICORN_CMD_ARGS": "--keep-alive 10", **(env or {})}
    with ExitStack() as stack:
        if redis_url:
            prefix = stack.enter_context(redis_namespace(redis_url))
            extra.update(REDIS_URL=redis_url, FIELDCRM_JOBS_QUEUE_NAME=prefix, FIELDCRM_RATE_LIMIT_PREFIX=prefix)
        starting = []
        for n in range(count):
            place = folder / f"server{n}"
            place.mkdir(parents=True, exist_ok=True)
            own = {**extra, **(each[n] if each else {})}
            starting.append(serve(database_url, place, workers=workers, threads=threads, env=own, ready_timeout=90))
        with ThreadPoolExecutor(count) as pool:  # the imports take seconds each: side by side
            futures = [pool.submit(server.__enter__) for server in starting]
            wait(futures)
        for server, future in zip(starting, futures, strict=True):
            if future.exception() is None:
                stack.push(server.__exit__)
        yield [future.result() for future in futures]  # raises the first failed start, once all are stopped


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            pass
    return found


class CpuMeter:
    """CPU seconds spent by the gunicorn processes (master and workers) and by the PostgreSQL
    backends connected to the bench's database, between `start()` and `stop()`."""

    def __init__(self, served: list[Served], database_url: str):
        self.roots = [s.process.pid for s in served]
        self.database_url = database_url
        self.before: dict[int, float] = {}

    def _pids(self) -> dict[int, str]:
        pids = {}
        for root in self.roots:
            pids[root] = "app"
            pids.update({child: "app" for child in _children(root)})
        if self.database_url.startswith("postgresql"):
            engine = create_engine(self.database_url)
            try:
                with engine.connect() as conn:
                    rows = conn.exec_driver_sql(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()").all()
                pids.update({row[0]: "database" for row in rows})
            finally:
                engine.dispose()
        return pids

    def start(self) -> None:
        self.before = {pid: _cpu_seconds(pid) for pid in self._pids()}

    def stop(self) -> dict[str, float]:
        spent = {"app": 0.0, "database": 0.0}
        for pid, kind in self._pids().items():  # a process started meanwhile counts from zero
            spent[kind] += _cpu_seconds(pid) - self.before.get(pid, 0.0)
        return spent


def kill_server(served: Served) -> None:
    """SIGKILL a server's master and workers at once: no graceful stop, no request finished."""
    for pid in [*_children(served.process.pid), served.process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    served.process.wait(timeout=10)
