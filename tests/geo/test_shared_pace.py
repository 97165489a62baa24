"""Geocoder pacing shared through the database: several processes together keep a provider's rate."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from sqlalchemy import create_engine

from fieldcrm.geo.throttle import PAUSE_AFTER_FAILURES_SECONDS, SharedThrottle, reserve_slot
from tests.geo.test_throttle_and_bounds import FakeClock

KEY = "nominatim https://nominatim.example.org"


def twin_throttles(engine, clock, interval=1.0):
    """Two throttles with their own in-process state, as two gunicorn workers would have."""
    return [SharedThrottle(KEY, interval, engine=lambda: engine, wall_clock=clock, clock=clock, sleep=clock.sleep)
            for _ in range(2)]


def test_two_processes_take_turns_from_one_row(app):
    engine = app.extensions["fieldcrm.engine"]
    clock = FakeClock()
    first, second = twin_throttles(engine, clock)
    first.wait()
    second.wait()  # per process it would go at once; the shared row makes it wait its turn
    first.wait()
    assert clock.sleeps == [1.0, 1.0]
    clock.now += 10  # idle time is not banked here either
    second.wait()
    assert clock.sleeps == [1.0, 1.0]


def test_a_429_seen_by_one_process_pauses_the_others(app):
    engine = app.extensions["fieldcrm.engine"]
    clock = FakeClock()
    first, second = twin_throttles(engine, clock)
    first.pause(30)
    assert second.paused_for() == 30
    clock.now += 31
    assert second.paused_for() == 0
    for _ in range(3):  # a dead service: after a few failures in a row every process skips it
        second.record_failure()
    assert first.paused_for() == PAUSE_AFTER_FAILURES_SECONDS


def test_concurrent_reservations_never_share_a_turn(app, database_url):
    """Threads here and another real process reserve turns at once: all turns are an interval apart."""
    engine = app.extensions["fieldcrm.engine"]
    interval, per_caller = 0.05, 5
    script = (
        "import json, sys, time\n"
        "from fieldcrm.db import make_engine\n"
        "from fieldcrm.geo.throttle import reserve_slot\n"
        "engine = make_engine(sys.argv[1])\n"
        f"print(json.dumps([reserve_slot(engine, {KEY!r}, {interval}, time.time()) for _ in range({per_caller})]))\n"
    )
    other = subprocess.Popen([sys.executable, "-c", script, database_url], stdout=subprocess.PIPE, text=True)
    slots: list[float] = []
    lock = threading.Lock()

    def reserve_some():
        for _ in range(per_caller):
            slot = reserve_slot(engine, KEY, interval, time.time())
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=reserve_some) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    out, _ = other.communicate(timeout=60)
    assert other.returncode == 0
    slots.extend(json.loads(out))
    slots.sort()
    assert len(slots) == 4 * per_caller
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= interval - 1e-6, gaps


def test_without_the_table_pacing_falls_back_to_the_process(caplog):
    clock = FakeClock()
    empty = create_engine("sqlite://")  # no provider_pace table: the database cannot help
    throttle = SharedThrottle(KEY, 1.0, engine=lambda: empty, wall_clock=clock, clock=clock, sleep=clock.sleep)
    throttle.wait()
    throttle.wait()
    assert clock.sleeps == [1.0]
    assert "falls back to this process only" in caplog.text
