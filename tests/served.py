"""FieldCRM served the way the Procfile serves it: gunicorn in its own process, on 127.0.0.1.

For the tests that need real processes: parallel requests against several workers, a worker that
crashes (a segfault kills the process, not a thread), a database that goes away under the server.
The in-process `live_server` of the browser tests shares the test's interpreter; these do not.

    with serve(database_url, tmp_path) as served:
        http = served.session()
        served.log_in(http, "rep@example.com", "password")
        http.post(served.url + "/account", data={...})
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SECRET = "served-test-secret-key-long-enough-0123456789"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_token(html: str) -> str:
    """The CSRF token of a page (a form's hidden field, or the htmx header on <body>)."""
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1) or match.group(2)


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    log_path: Path
    sessions: list[requests.Session] = field(default_factory=list)

    def session(self) -> requests.Session:
        http = requests.Session()
        self.sessions.append(http)
        return http

    def log_in(self, http: requests.Session, email: str, password: str) -> requests.Response:
        """Log in through the real form, CSRF token included; returns the answer (not followed)."""
        page = http.get(self.url + "/login", timeout=10)
        return http.post(
            self.url + "/login",
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=30,
        )

    def post_form(self, http: requests.Session, path: str, data: dict, **kwargs) -> requests.Response:
        """POST a form the way a browser does: the token read from the page it lives on."""
        page = http.get(self.url + path, timeout=10)
        return http.post(
            self.url + path,
            data={**data, "csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=kwargs.pop("timeout", 30),
            **kwargs,
        )

    def browsers(self, count: int, page: str, http: requests.Session | None = None) -> list[tuple]:
        """`count` browsers sharing `http`'s cookies (a new visitor's by default), each with the
        CSRF token of `page`: ready to send one form each, all at once."""
        http = http or self.session()
        token = csrf_token(http.get(self.url + page, timeout=10).text)
        browsers = []
        for _ in range(count):
            browser = self.session()
            browser.cookies.update(http.cookies)
            browsers.append((browser, token))
        return browsers

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        for http in self.sessions:  # an open keep-alive connection holds a worker's graceful stop
            http.close()
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def served_env(database_url: str, instance: Path, **extra: str) -> dict:
    """The environment of a production-like process: a real key, no demo, no debug, plain http."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDCRM_", "FLASK_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        SESSION_COOKIE_SECURE="0",
        GEOCODER_CHAIN="offline",
        FIELDCRM_RATE_LIMITS="0",  # tests that need the per-IP limits turn them on
        FIELDCRM_INSTANCE_PATH=str(instance),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


@contextmanager
def serve(
    database_url: str,
    tmp_path: Path,
    *,
    workers: int = 2,
    threads: int = 4,
    env: dict | None = None,
    ready_timeout: float = 30.0,
) -> Iterator[Served]:
    """Start gunicorn on a free port of 127.0.0.1 with the app factory; stop it on exit."""
    port = free_port()
    instance = tmp_path / "served-instance"
    instance.mkdir(exist_ok=True)
    log_path = tmp_path / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "fieldcrm:create_app()",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads),
        "--graceful-timeout", "5", "--timeout", "60",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=served_env(database_url, instance, **(env or {})),
            stdout=log, stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if not served.alive():
                raise AssertionError(f"gunicorn exited at start:\n{served.log()[-3000:]}")
            try:
                if requests.get(served.url + "/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn not ready in {ready_timeout} s:\n{served.log()[-3000:]}")
            time.sleep(0.2)
        yield served
    finally:
        served.stop()


def in_parallel(task, count: int, timeout: float = 60.0) -> list:
    """Run `task(i)` for i in range(count) on `count` threads released together; their results."""
    barrier = threading.Barrier(count)

    def start_together(i):
        barrier.wait(timeout)
        return task(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start_together, range(count), timeout=timeout))
