"""The proven best order for a small day: dynamic programming over subsets of stops.

Held and Karp's recursion with time windows: a state is (stops visited, the last one, lunch taken
or not), and each state keeps the Pareto set of (driving so far, clock) — a label that drives more
is only kept if it is free earlier, since arriving earlier never hurts (waiting is allowed). Every
rule of ``schedule.schedule_stops`` is followed (earliest start in the first window still open,
service, lunch taken at the current place before driving on, back by the end of the day), so the
answer is re-timed by that independent code.

What "best" means, in this order: the most fixed appointments kept, then the most stops of each
lower tier (``Stop.tier``: overdue follow-ups, then clients due), then the most priority served,
then the most stops, then the least driving. When every stop can be served (a heuristic already
found such a tour), only complete tours are searched, and a partial route is dropped as soon as a
remaining stop's last window can no longer be reached or the driving already exceeds the best
known tour plus a lower bound for the rest: that keeps 12 stops within a second. Otherwise every
subset is looked at.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from fieldcrm.tours.problem import Stop, TourProblem, TourSolution
from fieldcrm.tours.schedule import schedule_stops

EXACT_MAX_STOPS = 12
NEVER = 1 << 60


@dataclass(frozen=True)
class _Label:
    cost: int
    clock: int
    node: int  # index into the stops, -1 for the start place
    lunched: bool
    lunch_before: bool  # lunch was taken just before driving to this node
    parent: _Label | None


def worth(stops: Sequence[Stop]) -> tuple[int, int, int, int, int]:
    """What serving these stops is worth: (stops of tier 3, 2, 1, priority, stops), compared in order."""
    tiers = [s.tier for s in stops]
    return (tiers.count(3), tiers.count(2), tiers.count(1), sum(s.priority for s in stops), len(stops))


def _worth_by_mask(stops: Sequence[Stop]) -> list[tuple[int, int, int, int, int]]:
    """``worth`` of every subset, by bit mask."""
    found = [(0, 0, 0, 0, 0)] * (1 << len(stops))
    for mask in range(1, 1 << len(stops)):
        low = (mask & -mask).bit_length() - 1
        t3, t2, t1, p, c = found[mask & (mask - 1)]
        tier = stops[low].tier
        found[mask] = (t3 + (tier == 3), t2 + (tier == 2), t1 + (tier == 1), p + stops[low].priority, c + 1)
    return found


def solve_exact(problem: TourProblem, stops: Sequence[Stop], *, known_complete_cost: int | None = None,
                deadline: float | None = None) -> TourSolution | None:
    """The best tour of ``stops`` (all located and reachable; at most EXACT_MAX_STOPS), or None if
    ``deadline`` (a ``time.thread_time()`` value: this thread's CPU seconds, so that a busy machine
    does not cut the search short) passed first.

    ``known_complete_cost``: the driving of a tour already known to serve every stop; the search
    is then limited to complete tours that drive no more."""
    n = len(stops)
    if n > EXACT_MAX_STOPS:
        raise ValueError(f"{n} stops: the exact search takes at most {EXACT_MAX_STOPS}")
    loc = [int(s.location) for s in stops]  # type: ignore[arg-type]

    def leg(a: int, b: int) -> int:
        value = problem.travel(a, b)
        return NEVER if value is None else int(value)

    travel = [[leg(loc[i], loc[j]) for j in range(n)] for i in range(n)]
    first = [leg(problem.start, loc[j]) for j in range(n)]
    back = [0 if problem.end is None else leg(loc[j], problem.end) for j in range(n)]
    home = 0 if problem.end is None else leg(problem.start, problem.end)
    windows = [s.windows for s in stops]
    service = [s.service for s in stops]
    last_close = [w[-1][1] if w else NEVER for w in windows]
    lunch = problem.lunch
    shift_end = problem.shift_end

    def arrive(clock: int, j: int) -> int | None:
        if not windows[j]:
            return clock
        for opens, closes in windows[j]:
            if clock <= closes:
                return max(clock, opens)
        return None

    def finish(label: _Label) -> tuple[int, bool] | None:
        """(driving including the way back, lunch taken at the end) or None if the day cannot end."""
        clock, lunched_at_end = label.clock, False
        if lunch is not None and not label.lunched:
            begins = max(clock, lunch.earliest)
            if begins > lunch.latest:
                return None
            clock, lunched_at_end = begins + lunch.duration, True
        way_back = home if label.node < 0 else back[label.node]
        if clock + way_back > shift_end:
            return None
        return label.cost + way_back, lunched_at_end

    complete_only = known_complete_cost is not None
    bound = NEVER if known_complete_cost is None else known_complete_cost
    # Least driving any stop can still add: its cheapest way in, plus the cheapest way home.
    cheapest_in = [min([first[k]] + [travel[i][k] for i in range(n) if i != k]) for k in range(n)]
    cheapest_home = min(back) if n and problem.end is not None else 0
    full = (1 << n) - 1
    rest_bound = [0] * (1 << n)
    for mask in range(1 << n):
        rest_bound[mask] = sum(cheapest_in[k] for k in range(n) if not mask >> k & 1)

    worth_of = _worth_by_mask(stops)
    states: list[dict[tuple[int, bool], list[_Label]]] = [{} for _ in range(1 << n)]
    start = _Label(0, problem.shift_start, -1, lunch is None, False, None)
    best: tuple[tuple[int, ...], _Label, bool] | None = None

    def consider(mask: int, label: _Label) -> None:
        nonlocal best, bound
        if complete_only and mask != full:
            return
        ended = finish(label)
        if ended is None:
            return
        cost, lunched_at_end = ended
        score = (*worth_of[mask], -cost)
        if best is None or score > best[0]:
            best = (score, label, lunched_at_end)
            if complete_only:
                bound = min(bound, cost)

    def add(mask: int, label: _Label) -> None:
        bucket = states[mask].setdefault((label.node, label.lunched), [])
        for other in bucket:
            if other.cost <= label.cost and other.clock <= label.clock:
                return
        bucket[:] = [o for o in bucket if not (label.cost <= o.cost and label.clock <= o.clock)]
        bucket.append(label)

    def expand(mask: int, label: _Label) -> None:
        here = label.node
        options = [(label.clock, label.lunched, False)]
        if lunch is not None and not label.lunched:
            begins = max(label.clock, lunch.earliest)
            if begins <= lunch.latest:
                options.append((begins + lunch.duration, True, True))
        for j in range(n):
            if mask >> j & 1:
                continue
            drive = first[j] if here < 0 else travel[here][j]
            if drive >= NEVER:
                continue
            cost = label.cost + drive
            if complete_only and cost + rest_bound[mask | 1 << j] + cheapest_home > bound:
                continue
            for clock, lunched, lunch_before in options:
                begins = arrive(clock + drive, j)
                if begins is None:
                    continue
                leaves = begins + service[j]
                if complete_only and any(not (mask >> k & 1) and k != j and leaves + travel[j][k] > last_close[k]
                                         for k in range(n)):
                    continue
                add(mask | 1 << j, _Label(cost, leaves, j, lunched, lunch_before, label))

    consider(0, start)
    expand(0, start)
    for mask in range(1, 1 << n):
        if deadline is not None and time.thread_time() > deadline:
            return None
        for labels in states[mask].values():
            for label in labels:
                consider(mask, label)
                if mask != full:
                    expand(mask, label)
        states[mask] = {}  # never read again: free it
    if best is None:
        return None
    _score_, label, lunched_at_end = best
    order: list[Stop] = []
    lunch_after = None
    walk: _Label | None = label
    path: list[_Label] = []
    while walk is not None and walk.node >= 0:
        path.append(walk)
        walk = walk.parent
    path.reverse()
    for index, step in enumerate(path):
        if step.lunch_before:
            lunch_after = index
        order.append(stops[step.node])
    if lunch is not None and lunch_after is None:
        lunch_after = len(order) if lunched_at_end else 0
    return schedule_stops(problem, order, lunch_after=lunch_after)
