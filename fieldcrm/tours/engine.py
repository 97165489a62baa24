"""Driving VROOM (through pyvroom) and retrying when it leaves stops out.

VROOM's local search sometimes leaves a stop unassigned although a tour with every stop exists
(tight time windows). When that happens a repair step (see ``repair.py``) slots the stop in and
VROOM searches again from that tour; failing that, the search is run again with the left-out stops'
priority raised to the maximum, then with the jobs given in other orders (VROOM's heuristics break
ties by input order). The best answer is kept: most priority served, then most stops, then least
driving. When time allows, a second search from the jobs in reverse order is also tried.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import vroom

MAX_PRIORITY = 100
MAX_ATTEMPTS = 8
STALE_ATTEMPTS = 3  # give up after this many retries without serving more
FIRST_SEARCH_SHARE = 0.65  # of the time limit, leaving the rest for repairs and retries
SECOND_OPINION = 0.35  # search again if the first search used less than this share of the time


@dataclass(frozen=True)
class Step:
    """One step of a VROOM route: ``kind`` is start, job, break or end; ``job`` the job id."""

    kind: str
    job: int | None
    arrival: int
    waiting: int


@dataclass
class Run:
    """VROOM's answer in plain Python: steps per vehicle id, and its ranking key."""

    routes: dict[int, list[Step]]
    cost: int
    served: set[int] = field(default_factory=set)
    score: tuple[int, int, int] = (0, 0, 0)


# Builds a VROOM input: (job ids in the order to add them, job id -> priority, use TSPFix,
# an initial route as (kind, id) steps for vehicle 1 or None).
InputBuilder = Callable[[Sequence[int], dict[int, int], bool, Sequence[tuple[str, int]] | None], vroom.Input]
# Tries to serve more than a run did: (the run, seconds allowed) -> a better run or None.
Repairer = Callable[[Run, float], Run | None]


def default_exploration_level(stop_count: int) -> int:
    """VROOM's deepest search (5) up to 100 stops; above, level 4 finds the same tours sooner."""
    return 5 if stop_count <= 100 else 4


def default_time_limit(stop_count: int) -> float:
    """Seconds allowed for one tour: 1 s up to 60 stops, then 0.1 s more per stop, at most 9 s.

    A cap, not a target: VROOM usually finishes well before it (about 4 s at 200 stops on two
    cores); the margin is for a busy machine."""
    return 1.0 if stop_count <= 60 else min(9.0, 1.0 + (stop_count - 60) * 0.1)


def run_vroom(inp: vroom.Input, level: int, threads: int, seconds: float) -> Run:
    """Solve and read the routes back (from the routes frame: no stdout, thread-safe)."""
    solution = inp.solve(exploration_level=level, nb_threads=threads,
                         timeout=timedelta(seconds=max(0.01, seconds)))
    frame = solution.routes
    routes: dict[int, list[Step]] = {}
    if len(frame):
        for row in frame.itertuples(index=False):
            job = None if row.type in ("start", "end") else int(row.id)
            routes.setdefault(int(row.vehicle_id), []).append(
                Step(str(row.type), job, int(row.arrival), int(row.waiting_time)))
    served = {s.job for steps in routes.values() for s in steps if s.kind == "job" and s.job is not None}
    return Run(routes, int(solution.summary.cost), served)


def initial_steps(steps: Sequence[tuple[str, int]]) -> list[vroom.VehicleStep]:
    """VROOM vehicle steps for an initial route given as ("job" | "break", id) pairs."""
    kinds = {"job": "single", "break": "break"}
    return ([vroom.VehicleStep("start")] + [vroom.VehicleStep(kinds[kind], int(i)) for kind, i in steps]
            + [vroom.VehicleStep("end")])


def search(build: InputBuilder, jobs: Sequence[int], priorities: dict[int, int], *,
           exploration_level: int, threads: int, time_limit: float, tsp_fix: bool = False,
           repair: Repairer | None = None) -> Run:
    """Best VROOM run found for ``jobs`` within about ``time_limit`` seconds."""
    deadline = time.monotonic() + time_limit
    everything = sum(priorities[j] for j in jobs), len(jobs)

    def rank(run: Run) -> Run:
        run.score = (sum(priorities[j] for j in run.served), len(run.served), -run.cost)
        return run

    def attempt(order: Sequence[int], boosted: set[int], use_tsp_fix: bool, share: float) -> Run:
        weights = {j: MAX_PRIORITY if j in boosted else priorities[j] for j in jobs}
        return rank(run_vroom(build(order, weights, use_tsp_fix, None), exploration_level, threads,
                              (deadline - time.monotonic()) * share))

    def complete(run: Run) -> bool:
        return run.score[:2] == everything

    def repaired(run: Run, share: float = 0.5) -> Run:
        if repair is None or complete(run) or time.monotonic() >= deadline:
            return run
        better = repair(run, (deadline - time.monotonic()) * share)
        return run if better is None else max(run, rank(better), key=lambda r: r.score)

    began = time.monotonic()
    best = attempt(jobs, set(), False, FIRST_SEARCH_SHARE)
    first_search = time.monotonic() - began
    # most of what is left when no second search could be afforded anyway
    best = repaired(best, 0.5 if deadline - time.monotonic() > first_search else 0.9)
    if tsp_fix and time.monotonic() < deadline:
        best = max(best, attempt(jobs, set(), True, 0.5), key=lambda r: r.score)
    if time.monotonic() - began < SECOND_OPINION * time_limit:
        # A second search from the jobs in reverse order often finds a shorter tour, and it is cheap
        # when the first one was quick.
        best = max(best, repaired(attempt(list(reversed(jobs)), set(), False, 0.75)), key=lambda r: r.score)
    boosted: set[int] = set()
    stale = 0
    shuffler = random.Random(len(jobs))
    for number in range(1, MAX_ATTEMPTS + 1):
        if complete(best) or stale >= STALE_ATTEMPTS or deadline - time.monotonic() < first_search / 2:
            break  # (a search cut much shorter than the first one would only do worse)
        boosted |= set(jobs) - best.served
        order = list(jobs)
        if number == 2:
            order.reverse()
        elif number > 2:
            shuffler.shuffle(order)
        run = attempt(order, boosted, False, 0.7)
        boosted |= set(jobs) - run.served
        run = repaired(run)
        stale = 0 if run.score[:2] > best.score[:2] else stale + 1
        best = max(best, run, key=lambda r: r.score)
    return best


def time_window(start: int, end: int) -> vroom.TimeWindow:
    return vroom.TimeWindow(int(start), int(end))


def lunch_break(break_id: int, earliest: int, latest: int, duration: int) -> vroom.Break:
    return vroom.Break(break_id, time_windows=[time_window(earliest, latest)], service=int(duration),
                       description="lunch")
