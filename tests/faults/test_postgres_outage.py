"""PostgreSQL stopped and started again while reps keep logging visits through a served app: no
acknowledged log is lost or doubled, the outage is answered 503, and the app comes back by itself."""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest
import requests
from sqlmodel import Session, select

from fieldcrm import create_app
from fieldcrm.db import make_engine
from fieldcrm.migrate import upgrade
from fieldcrm.visits.models import Interaction
from tests.conftest import app_config
from tests.factories import PASSWORD, make_client, make_user
from tests.faults import throwaway_postgres
from tests.served import csrf_token, serve

WRITERS = 4
MAX_WRITES_PER_WRITER = 400  # bounds the load whatever the timings
OUTAGE_SECONDS = 3
RECOVERY_LIMIT_SECONDS = 15
FRESH_WORKER_SAW_OUTAGE = "Cannot read the database's migration state"

pytestmark = pytest.mark.skipif(not throwaway_postgres.available(),
                                reason="PostgreSQL 15 server binaries (initdb, pg_ctl) are not installed")


@dataclass
class Write:
    uid: str
    sent: float
    answered: float
    status: int | str  # an HTTP status, or the name of the network error
    body: str = ""


def write_until(stop: threading.Event, url: str, cookies, token: str, writes: list[Write]):
    """Quick logs with fresh uids, as the phone's outbox sends them, until told to stop."""
    http = requests.Session()
    http.cookies.update(cookies)
    # A new connection each time, as a phone on the road makes: any worker may take it.
    headers = {"X-CSRFToken": token, "Accept": "application/json", "Connection": "close"}
    for _ in range(MAX_WRITES_PER_WRITER):
        if stop.is_set():
            return
        uid, sent = str(uuid.uuid4()), time.monotonic()
        try:
            answer = http.post(url, data={"uid": uid, "outcome": "reached"}, headers=headers, timeout=20)
            status, body = answer.status_code, answer.text[:300]
        except requests.RequestException as error:
            status, body = type(error).__name__, ""
        writes.append(Write(uid, sent, time.monotonic(), status, body))
        time.sleep(0.05)


def wait_for(condition, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)


def first_ack_after(writes: list[Write], moment: float, limit: float) -> float | None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        acked = [w.answered for w in list(writes) if w.sent >= moment and w.status in (200, 201)]
        if acked:
            return min(acked)
        time.sleep(0.05)
    return None


@pytest.mark.fault
def test_postgresql_stopped_and_started_during_writes(tmp_path):
    with throwaway_postgres.throwaway_cluster() as cluster:
        engine = make_engine(cluster.url)
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as db:
            db.info["app"] = create_app(app_config(cluster.url))
            rep = make_user(db)
            shop = make_client(db, rep)
        # --preload: the app is imported once, so the worker added during the outage starts in an
        # instant (forked) instead of importing it again on a busy machine.
        preload = {"GUNICORN_CMD_ARGS": "--preload"}
        with serve(cluster.url, tmp_path, workers=2, threads=4, env=preload) as served:
            http = served.session()
            assert served.log_in(http, rep.email, PASSWORD).status_code == 303
            url = f"{served.url}/clients/{shop.id}/log"
            token = csrf_token(http.get(url, timeout=10).text)

            writes: list[Write] = []
            stop = threading.Event()
            writers = [threading.Thread(target=write_until, args=(stop, url, http.cookies, token, writes))
                       for _ in range(WRITERS)]
            for writer in writers:
                writer.start()
            try:
                time.sleep(1.0)
                cluster.stop("fast")
                down = time.monotonic()
                # A fresh worker (as a crashed one's replacement or a scale-up brings) meets the stopped
                # database: its first look at it must say "unreachable", not "not migrated".
                served.process.send_signal(signal.SIGTTIN)
                wait_for(lambda: FRESH_WORKER_SAW_OUTAGE in served.log(), limit=20)
                time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
                restarting = time.monotonic()
                cluster.start()
                up = time.monotonic()
                recovered = first_ack_after(writes, up, RECOVERY_LIMIT_SECONDS)
                time.sleep(0.5)
            finally:
                stop.set()
                for writer in writers:
                    writer.join(30)
            log = served.log()
        with engine.connect() as conn:
            saved = [row.uid for row in conn.execute(select(Interaction.uid).where(Interaction.client_id == shop.id))]
        engine.dispose()

    statuses = Counter(w.status for w in writes)
    acked = {w.uid for w in writes if w.status in (200, 201)}
    lost = acked - set(saved)
    duplicated = len(saved) - len(set(saved))
    during = [w for w in writes if w.sent >= down and w.answered <= restarting]
    recovery = None if recovered is None else recovered - up
    print(f"\nPostgreSQL outage: {len(writes)} requests, answers {dict(statuses)}, "
          f"{len(during)} during the {restarting - down:.1f} s outage, {len(acked)} acknowledged, "
          f"{len(lost)} lost, {duplicated} duplicated, {len(set(saved) - acked)} saved but not acknowledged, "
          f"{log.count(FRESH_WORKER_SAW_OUTAGE)} answers by a worker started during the outage, recovery {recovery if recovery is None else round(recovery, 2)} s after the restart")

    assert set(statuses) <= {200, 201, 503}, (statuses, log[-3000:])  # never a 500, never a reset
    # Down means "unreachable, try again" (the outbox keeps the entry), never "not migrated".
    assert during and all(w.status == 503 and json.loads(w.body)["error"] == "unreachable" for w in during)
    assert not any("migrate" in w.body for w in writes)
    assert not lost and not duplicated
    assert set(saved) <= {w.uid for w in writes}
    assert recovery is not None and recovery < RECOVERY_LIMIT_SECONDS, "no write succeeded after the restart"
    assert "Unhandled error" not in log and "Database error" not in log  # the 500s' log lines
