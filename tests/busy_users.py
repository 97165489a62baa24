"""Other users at work against a served app while something heavy runs: each one logs quick visits on
a client of theirs and logs in again now and then. Every answer's status and time is recorded.

    with BusyUsers(served, [(email, password, client_id), ...]) as busy:
        run_the_heavy_thing()
    busy.summary()   # {"writes": …, "p50_ms": …, "p95_ms": …, "max_ms": …, "5xx": …, "unexpected": […]}
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from dataclasses import dataclass

import requests

from tests.served import Served, csrf_token


@dataclass
class Answer:
    action: str  # "visit" or "login"
    status: int  # 0: no answer (connection refused, timeout)
    ok: bool  # the answer a working app gives
    seconds: float
    finished_at: float  # time.monotonic()


class BusyUsers:
    """One thread per user, each writing in a loop (a login every `login_every` writes) until stopped."""

    def __init__(self, served: Served, users: list[tuple[str, str, int]], login_every: int = 4,
                 pause: float = 0.05, timeout: float = 30.0):
        self.served, self.users, self.login_every = served, users, login_every
        self.pause, self.timeout = pause, timeout
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work, args=user, daemon=True) for user in users]

    def __enter__(self) -> BusyUsers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def _timed(self, action: str, expected: int, request, *args, **kwargs) -> requests.Response | None:
        start = time.monotonic()
        try:
            response = request(*args, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0
        end = time.monotonic()
        with self._lock:
            self.answers.append(Answer(action, status, status == expected, end - start, end))
        return response

    def _log_in(self, email: str, password: str, client_id: int) -> tuple[requests.Session, str | None]:
        http = self.served.session()
        self._timed("login", 303, self.served.log_in, http, email, password)
        try:
            page = http.get(f"{self.served.url}/clients/{client_id}/log", timeout=self.timeout)
            return http, csrf_token(page.text)
        except (requests.RequestException, AssertionError):
            return http, None

    def _work(self, email: str, password: str, client_id: int) -> None:
        http, token = self._log_in(email, password, client_id)
        done = 0
        while not self._stop.is_set():
            done += 1
            if done % self.login_every == 0 or token is None:
                http, token = self._log_in(email, password, client_id)
            else:
                data = {"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached", "csrf_token": token}
                self._timed("visit", 303, http.post, f"{self.served.url}/clients/{client_id}/log", data=data,
                            allow_redirects=False, timeout=self.timeout)
            self._stop.wait(self.pause)

    def between(self, start: float, end: float) -> list[Answer]:
        """The answers received between two time.monotonic() moments."""
        return [a for a in self.answers if start <= a.finished_at <= end]

    def summary(self, answers: list[Answer] | None = None) -> dict:
        """Counts and latencies of the writes, and the unexpected answers as (action, status)."""
        answers = self.answers if answers is None else answers
        millis = sorted(a.seconds * 1000 for a in answers) or [0.0]
        return {
            "writes": len(answers),
            "visits": sum(a.action == "visit" for a in answers),
            "logins": sum(a.action == "login" for a in answers),
            "p50_ms": statistics.median(millis),
            "p95_ms": millis[max(0, round(0.95 * len(millis)) - 1)],
            "max_ms": millis[-1],
            "5xx": sum(a.status >= 500 for a in answers),
            "unexpected": sorted({(a.action, a.status) for a in answers if not a.ok}),
        }
