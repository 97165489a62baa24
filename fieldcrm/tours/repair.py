"""Slotting left-out stops into a planned day, when VROOM's search missed a feasible tour.

Each missing stop is inserted where it makes the day least late, then a local search moves single
visits (and the lunch break) to drive the total lateness (late visits, late lunch, overtime) down
to zero, with small random kicks when it stalls. Only lateness is searched here; the driving time of
a repaired order is improved afterwards by VROOM, starting from it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from fieldcrm.tours.problem import Stop, TourProblem
from fieldcrm.tours.schedule import UNREACHABLE

LUNCH = -1  # the lunch break's place in a sequence of stop keys
NEIGHBOURHOOD = 30  # a visit is moved at most this many places
MAX_STALLED_KICKS = 200  # random kicks in a row that may fail to reduce lateness before giving up


Matrix = list[list[int]]
State = tuple[int, int, int]  # (clock, place, lateness so far) before a position of a sequence


class _Day:
    """Fast lateness of a sequence of stop keys (indices into ``stops``) for one problem."""

    def __init__(self, problem: TourProblem, stops: Sequence[Stop], matrix: Matrix | None = None) -> None:
        self.matrix = matrix or [[UNREACHABLE if c is None else c for c in row] for row in problem.durations]
        self.location = [int(s.location) for s in stops]  # type: ignore[arg-type]
        self.service = [s.service for s in stops]
        self.windows = [s.windows for s in stops]
        self.start, self.end = problem.start, problem.end
        self.shift_end = problem.shift_end
        self.lunch = problem.lunch
        self.initial: State = (problem.shift_start, problem.start, 0)

    def step(self, state: State, key: int) -> State:
        now, place, late = state
        if key == LUNCH:
            lunch = self.lunch
            now = max(now, lunch.earliest)  # type: ignore[union-attr]
            late += max(0, now - lunch.latest)  # type: ignore[union-attr]
            return now + lunch.duration, place, late  # type: ignore[union-attr]
        here = self.location[key]
        now += self.matrix[place][here]
        windows = self.windows[key]
        if windows:
            for opens, closes in windows:
                if now <= closes:
                    if now < opens:
                        now = opens
                    break
            else:
                late += now - windows[-1][1]
        return now + self.service[key], here, late

    def states(self, sequence: Sequence[int]) -> list[State]:
        """The state before each position (and after the last)."""
        found = [self.initial]
        for key in sequence:
            found.append(self.step(found[-1], key))
        return found

    def finish(self, state: State) -> int:
        now, place, late = state
        if self.end is not None:
            now += self.matrix[place][self.end]
        return late + max(0, now - self.shift_end)

    def lateness(self, sequence: Sequence[int], first: int = 0, state: State | None = None,
                 bound: int | None = None) -> int:
        """Total lateness, evaluating from position ``first`` in ``state``; stops counting once it
        reaches ``bound`` (lateness only grows along a tour)."""
        state = self.initial if state is None else state
        for key in sequence[first:]:
            state = self.step(state, key)
            if bound is not None and state[2] >= bound:
                return bound
        return self.finish(state)

    def travel(self, sequence: Sequence[int]) -> int:
        places = [self.start] + [self.location[k] for k in sequence if k != LUNCH]
        places += [] if self.end is None else [self.end]
        return sum(self.matrix[a][b] for a, b in zip(places, places[1:], strict=False))


def _insert_best(day: _Day, sequence: list[int], key: int) -> tuple[list[int], int]:
    states = day.states(sequence)
    best: tuple[int, int, list[int]] | None = None
    for position in range(len(sequence) + 1):
        trial = sequence[:position] + [key] + sequence[position:]
        score = (day.lateness(trial, position, states[position]), day.travel(trial))
        if best is None or score < best[:2]:
            best = (*score, trial)
    assert best is not None
    return best[2], best[0]


def _moves(size: int, first_late: int) -> list[tuple[int, int]]:
    """Moves (from, to) of one item, the ones straddling the first late position first: the late
    item moved earlier, or an item before it moved after it."""
    near = NEIGHBOURHOOD
    focused = [(first_late, j) for j in range(max(0, first_late - near), first_late) if first_late < size]
    focused += [(i, j) for i in range(max(0, first_late - near), first_late)
                for j in range(first_late, min(size, i + near + 1))]
    seen = set(focused)
    others = [(i, j) for i in range(size) for j in range(max(0, i - near), min(size, i + near + 1))
              if j != i and (i, j) not in seen]
    return focused + others


def _improve(day: _Day, sequence: list[int], late: int, deadline: float) -> tuple[list[int], int]:
    """First-improvement moves of one item to another place until lateness stops falling."""
    improved = True
    while late and improved and time.monotonic() < deadline:
        improved = False
        states = day.states(sequence)
        first_late = next(k for k in range(len(sequence) + 1)
                          if k == len(sequence) or states[k + 1][2] > 0)
        for i, j in _moves(len(sequence), first_late):
            rest = sequence[:i] + sequence[i + 1:]
            trial = rest[:j] + [sequence[i]] + rest[j:]
            first = min(i, j)
            score = day.lateness(trial, first, states[first], bound=late)
            if score < late:
                sequence, late, improved = trial, score, True
                break
    return sequence, late


def _kick(day: _Day, sequence: list[int], rng: random.Random) -> list[int]:
    """Two random moves of items close before the first late visit (anywhere if none is late)."""
    states = day.states(sequence)
    size = len(sequence)
    first_late = next((k for k in range(size) if states[k + 1][2] > 0), rng.randrange(size))
    trial = list(sequence)
    for _ in range(2):
        i = min(size - 1, max(0, first_late - rng.randint(0, NEIGHBOURHOOD // 2)))
        item = trial.pop(i)
        j = min(len(trial), max(0, i + rng.randint(-NEIGHBOURHOOD // 3, NEIGHBOURHOOD // 3)))
        trial.insert(j, item)
    return trial


def _make_feasible(day: _Day, sequence: list[int], deadline: float, rng: random.Random) -> list[int] | None:
    late = day.lateness(sequence)
    sequence, late = _improve(day, sequence, late, deadline)
    best, best_late = sequence, late
    stalled = 0
    while best_late and stalled < MAX_STALLED_KICKS and time.monotonic() < deadline:
        trial = _kick(day, best, rng)
        trial, trial_late = _improve(day, trial, day.lateness(trial), deadline)
        stalled = 0 if trial_late < best_late else stalled + 1
        if trial_late <= best_late:
            best, best_late = trial, trial_late
    return best if best_late == 0 else None


def _sequence(day_stops: int, lunch: bool, lunch_after: int | None) -> list[int]:
    sequence = list(range(day_stops))
    if lunch:
        sequence.insert(day_stops if lunch_after is None else lunch_after, LUNCH)
    return sequence


def fits_somewhere(problem: TourProblem, planned: Sequence[Stop], lunch_after: int | None, stop: Stop,
                   matrix: Matrix | None = None) -> bool:
    """Whether ``stop`` can be inserted somewhere in the planned day without making anyone late.
    ``matrix``: the durations with no-road cells already replaced (saves rebuilding it)."""
    day = _Day(problem, [*planned, stop], matrix)
    sequence = _sequence(len(planned), problem.lunch is not None, lunch_after)
    states = day.states(sequence)
    for position in range(len(sequence) + 1):
        trial = sequence[:position] + [len(planned)] + sequence[position:]
        if day.lateness(trial, position, states[position], bound=1) == 0:
            return True
    return False


def _detour(day: _Day, sequence: Sequence[int], key: int) -> int:
    """The least driving ``key`` adds slotted anywhere in the route (windows ignored): among stops
    of equal priority, the nearest to the route are tried first."""
    places = [day.start] + [day.location[k] for k in sequence if k != LUNCH]
    places += [places[0] if day.end is None else day.end]
    here, m = day.location[key], day.matrix
    return min(m[a][here] + m[here][b] - m[a][b] for a, b in zip(places, places[1:], strict=False))


def repair(problem: TourProblem, planned: Sequence[Stop], lunch_after: int | None,
           missing: Sequence[Stop], seconds: float,
           matrix: Matrix | None = None, nearest_first: bool = False) -> tuple[list[Stop], int | None] | None:
    """A feasible order of ``planned`` plus as many ``missing`` stops as it can fit (higher priority
    first; among equals, in the order given, or the nearest to the route first), with the lunch
    position; None if it adds nobody within ``seconds``."""
    deadline = time.monotonic() + seconds
    stops = list(planned) + list(missing)
    day = _Day(problem, stops, matrix)
    sequence = _sequence(len(planned), problem.lunch is not None, lunch_after)
    if day.lateness(sequence):
        return None
    rng = random.Random(len(stops))
    added = 0
    if nearest_first:
        ranked = sorted(range(len(planned), len(stops)), key=lambda k: (-stops[k].priority, _detour(day, sequence, k)))
    else:
        ranked = sorted(range(len(planned), len(stops)), key=lambda k: -stops[k].priority)
    for number, key in enumerate(ranked):
        share = (deadline - time.monotonic()) / (len(ranked) - number)
        trial, late = _insert_best(day, sequence, key)
        fixed = trial if late == 0 else _make_feasible(day, trial, time.monotonic() + share, rng)
        if fixed is not None:
            sequence, added = fixed, added + 1
    if not added:
        return None
    lunch_at = sequence.index(LUNCH) if LUNCH in sequence else None
    return [stops[k] for k in sequence if k != LUNCH], lunch_at


def _driving(day: _Day, sequence: Sequence[int]) -> int:
    """Driving seconds of a sequence, back to the end included."""
    places = [day.start] + [day.location[k] for k in sequence if k != LUNCH]
    if day.end is not None:
        places.append(day.end)
    m = day.matrix
    return sum(m[a][b] for a, b in zip(places, places[1:], strict=False))


def trades(problem: TourProblem, planned: Sequence[Stop], lunch_after: int | None, others: Sequence[Stop],
           limit: int, matrix: Matrix | None = None) -> list[tuple[int, list[Stop], int | None]]:
    """The planned day with one visit (appointments aside) traded for one of ``others`` of the same
    tier and priority, slotted where the day then drives least with nobody late: (driving, order,
    lunch position), least driving first, for each trade that drives less than ``limit`` seconds."""
    stops = list(planned) + list(others)
    day = _Day(problem, stops, matrix)
    sequence = _sequence(len(planned), problem.lunch is not None, lunch_after)
    found: list[tuple[int, list[int]]] = []
    for kept in range(len(planned)):
        if planned[kept].is_appointment:
            continue
        alike = [key for key in range(len(planned), len(stops))
                 if (stops[key].tier, stops[key].priority) == (planned[kept].tier, planned[kept].priority)]
        if not alike:
            continue
        rest = [k for k in sequence if k != kept]
        states = day.states(rest)
        for key in alike:
            best: tuple[int, list[int]] | None = None
            for position in range(len(rest) + 1):
                trial = rest[:position] + [key] + rest[position:]
                driving = _driving(day, trial)
                if driving < limit and (best is None or driving < best[0]) \
                        and day.lateness(trial, position, states[position], bound=1) == 0:
                    best = (driving, trial)
            if best is not None:
                found.append(best)
    found.sort(key=lambda item: item[0])
    return [(driving, [stops[k] for k in trial if k != LUNCH], trial.index(LUNCH) if LUNCH in trial else None)
            for driving, trial in found]
