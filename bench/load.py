"""The load benchmark: virtual reps in a closed loop against gunicorn on 127.0.0.1, on PostgreSQL and
SQLite side by side.

    .venv/bin/python bench/load.py [--reps 40] [--think 5] [--duration 30] [--max-requests 20000]
        [--backends postgresql,sqlite] [--servers 1] [--workers 2] [--threads 4]
        [--clients-per-rep 100] [--ramp SECONDS] [--redis-url redis://127.0.0.1:6379/0] [--database-url …]

Each virtual rep logs in (its own user, its own portfolio), then loops: Today → the client list →
a search typed letter by letter (one request per keystroke htmx sends, 0.3 s apart) → a card from the
results → a quick log on it (POST), thinking a random time (exponential, mean --think seconds,
between 0.2× and 3× it) between steps; the reps start one by one over --ramp seconds (10 a second by
default). `--think 0` measures saturation. The run stops after
--duration seconds or --max-requests requests, whichever comes first, then waits for the requests
in flight. `--servers 2` starts two gunicorn processes on two ports (one database, one Redis under
a key prefix of the run's own) and spreads the reps over both.

Prints, per step, requests, p50/p95/p99 and errors (an unexpected status or no answer within 30 s),
then requests/s and CPU per request: the app's processes and PostgreSQL's backends, from /proc
(this load generator's own CPU is printed apart). The per-IP rate limits are off, as every virtual
rep comes from 127.0.0.1; the login limiter per account stays on. Targets (reported, not asserted):
≥ 200 requests/s at saturation; 200 reps with 5 s think time at p95 ≤ 150 ms and no error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bench import owndb  # noqa: E402
from bench.common import PASSWORD, bench_app, fill_portfolio  # noqa: E402
from bench.stack import CpuMeter, servers  # noqa: E402
from fieldcrm.clients.models import Client  # noqa: E402
from tests.served import csrf_token  # noqa: E402

STEPS = ("login", "today", "list", "search", "card", "quick log")
TYPED = ["boulangerie", "dupont", "06 12", "lyon", "garage", "pharmacie", "martin", "44000"]
CARD_LINK = re.compile(r'href="/clients/(\d+)"')


@dataclass
class Stats:
    deadline: float
    budget: int
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    errors: dict = field(default_factory=lambda: defaultdict(int))
    sent: int = 0

    def open(self) -> bool:
        return time.monotonic() < self.deadline and self.sent < self.budget


@dataclass
class Rep:
    email: str
    client_ids: list[int]


def prepare(app, users: int, clients_per_rep: int) -> list[Rep]:
    """`users` reps, each owning `clients_per_rep` clients (VACUUM ANALYZEd by fill_portfolio)."""
    reps = []
    with Session(app.extensions["fieldcrm.engine"]) as db:
        for n in range(users):
            user = fill_portfolio(app, clients_per_rep, seed=n, email=f"rep{n}@example.fr", analyse=n == users - 1)
            reps.append(Rep(user.email, list(db.exec(select(Client.id).where(Client.owner_id == user.id)))))
    return reps


async def call(http, stats: Stats, step: str, method: str, url: str, expect: int, **kw):
    stats.sent += 1
    start = time.perf_counter()
    try:  # the answer is read whole (and decompressed) before the clock stops, as a browser would
        async with http.request(method, url, allow_redirects=False, **kw) as response:
            status, text = response.status, await response.text()
    except (TimeoutError, aiohttp.ClientError) as error:
        stats.errors[step] += 1
        stats.latencies[step].append((time.perf_counter() - start) * 1000)
        print(f"  {step} {url}: {type(error).__name__}", file=sys.stderr)
        return None
    stats.latencies[step].append((time.perf_counter() - start) * 1000)
    if status != expect:
        stats.errors[step] += 1
        if stats.errors[step] <= 3:
            print(f"  {step} {url}: {status}", file=sys.stderr)
        return None
    return text


async def virtual_rep(base: str, rep: Rep, stats: Stats, think_mean: float, delay: float, seed: int) -> None:
    rng = random.Random(seed)

    def think():
        if think_mean <= 0:
            return 0
        return min(3 * think_mean, max(0.2 * think_mean, rng.expovariate(1 / think_mean)))

    await asyncio.sleep(delay)
    # Idle connections are dropped before gunicorn's own 2 s keep-alive ends: else a request sent after
    # a think races the server closing the connection and fails where a browser would retry it.
    # (aiohttp, not httpx: with its C parser this load generator, which shares the 2 cores with the
    # servers, took 0.5 ms of CPU a request where httpx took 1.3.) A jar that keeps cookies of an IP address.
    async with aiohttp.ClientSession(base_url=base, timeout=aiohttp.ClientTimeout(total=30),
                                     connector=aiohttp.TCPConnector(limit=2, keepalive_timeout=1.0),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await call(http, stats, "login", "GET", "/login", 200)
        if page is None:
            return
        answer = await call(http, stats, "login", "POST", "/login", 303, data={
            "email": rep.email, "password": PASSWORD, "csrf_token": csrf_token(page)})
        if answer is None:
            return
        token = None
        htmx = {"HX-Request": "true"}
        while stats.open():
            today = await call(http, stats, "today", "GET", "/", 200)
            if today is not None:
                token = csrf_token(today)
            await asyncio.sleep(think())
            if not stats.open():
                break
            await call(http, stats, "list", "GET", "/clients", 200)
            await asyncio.sleep(think())
            word, found = rng.choice(TYPED), None
            for end in range(3, len(word) + 1, 2):  # htmx sends after a 300 ms pause in the typing
                found = await call(http, stats, "search", "GET", "/clients", 200,
                                   params={"q": word[:end]}, headers=htmx) or found
                await asyncio.sleep(0.3)
            ids = [int(i) for i in CARD_LINK.findall(found)] if found is not None else []
            client_id = rng.choice(ids or rep.client_ids)
            await asyncio.sleep(think())
            await call(http, stats, "card", "GET", f"/clients/{client_id}", 200)
            await asyncio.sleep(think())
            if token and stats.open():
                await call(http, stats, "quick log", "POST", f"/clients/{client_id}/log", 201,
                           headers={**htmx, "X-CSRFToken": token},
                           data={"uid": str(uuid.uuid4()), "kind": "visit", "outcome": "reached",
                                 "note": "Passage, catalogue remis"})
            await asyncio.sleep(think())


async def drive(bases: list[str], reps: list[Rep], args) -> tuple[Stats, float]:
    stats = Stats(deadline=time.monotonic() + args.duration, budget=args.max_requests)
    ramp = args.ramp if args.ramp is not None else args.reps / 10  # a sales force does not log in in one second
    start = time.perf_counter()
    await asyncio.gather(*[
        virtual_rep(bases[n % len(bases)], reps[n % len(reps)], stats, args.think, ramp * n / args.reps, n)
        for n in range(args.reps)])
    return stats, time.perf_counter() - start


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else float("nan")


def report(label: str, stats: Stats, elapsed: float, cpu: dict, own_cpu: float) -> dict:
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(f"\n{label}")
    print(f"  {'step':10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    everything = []
    for step in STEPS:
        ordered = sorted(stats.latencies[step])
        everything += ordered
        print(f"  {step:10} {len(ordered):8d} {percentile(ordered, .5):8.1f} {percentile(ordered, .95):8.1f} "
              f"{percentile(ordered, .99):8.1f} {stats.errors[step]:7d}")
    everything.sort()
    rate = total / elapsed if elapsed else 0
    print(f"  {'all':10} {total:8d} {percentile(everything, .5):8.1f} {percentile(everything, .95):8.1f} "
          f"{percentile(everything, .99):8.1f} {errors:7d}")
    print(f"  {rate:.1f} requests/s over {elapsed:.1f} s; CPU per request: app {1000 * cpu['app'] / max(total, 1):.1f} ms"
          f", database {1000 * cpu['database'] / max(total, 1):.1f} ms, load generator "
          f"{1000 * own_cpu / max(total, 1):.1f} ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    served_cpu = 1000 * (cpu["app"] + cpu["database"]) / max(total, 1)
    # What the cores could serve if the app and its database had them to themselves (a CPU-bound ceiling).
    print(f"  ceiling at that CPU cost: {os.cpu_count() * 1000 / max(served_cpu, 0.1):.0f} requests/s "
          f"on {os.cpu_count()} idle cores (the load generator elsewhere)")
    return {"rate": rate, "p95": percentile(everything, .95), "p99": percentile(everything, .99), "errors": errors,
            "app_cpu": 1000 * cpu["app"] / max(total, 1)}


def run(backend: str, args) -> dict:
    users = min(args.reps, args.users)
    with bench_app(backend, args.database_url, MAX_ACTIVE_USERS=100_000) as app, \
            tempfile.TemporaryDirectory(prefix="fieldcrm_bench_") as folder:
        reps = prepare(app, users, args.clients_per_rep)
        url = str(app.config["DATABASE_URL"])
        app.extensions["fieldcrm.engine"].dispose()
        redis_url = args.redis_url if args.servers > 1 else None
        with servers(url, Path(folder), args.servers, args.workers, args.threads, redis_url) as served:
            meter = CpuMeter(served, url)
            meter.start()
            own = time.process_time()
            stats, elapsed = asyncio.run(drive([s.url for s in served], reps, args))
            cpu, own = meter.stop(), time.process_time() - own
        label = (f"{backend}: {args.servers} server(s) x {args.workers} workers x {args.threads} threads, "
                 f"{args.reps} reps ({users} users x {args.clients_per_rep} clients), think {args.think} s")
        return report(label, stats, elapsed, cpu, own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--users", type=int, default=100, help="at most this many distinct users")
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which the reps start (reps/10)")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients-per-rep", type=int, default=100)
    parser.add_argument("--redis-url", default=os.environ.get("FIELDCRM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    owndb.add_argument(parser)
    args = parser.parse_args()
    results = {backend: run(backend, args) for backend in args.backends.split(",")}
    print(f"\n{'side by side':14}" + "".join(f"{b:>14}" for b in results))
    for key, text in (("rate", "requests/s"), ("p95", "p95 ms"), ("p99", "p99 ms"), ("errors", "errors"),
                      ("app_cpu", "app CPU ms/req")):
        print(f"{text:14}" + "".join(f"{r[key]:14.1f}" for r in results.values()))


if __name__ == "__main__":
    main()
