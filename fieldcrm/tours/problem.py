"""What a one-day tour problem is, and what a planned tour looks like.

Times are integer seconds from midnight of the tour's day (the week planner counts from midnight
of its first day). Locations are indices into the problem's duration/distance matrices.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

Window = tuple[int, int]
MatrixLike = Sequence[Sequence[int | None]]

MAX_STOPS = 200
DAY = 24 * 3600


class TooManyStops(ValueError):
    """More stops than one tour can hold."""

    def __init__(self, count: int, limit: int = MAX_STOPS) -> None:
        super().__init__(f"{count} stops: a tour holds at most {limit}")
        self.count = count
        self.limit = limit


class LeftOutReason(StrEnum):
    """Why a stop is not in the tour (the UI shows a translated sentence for each)."""

    NO_POSITION = "no_position"  # the client has no map position
    UNREACHABLE = "unreachable"  # no road to it (or back) from the start/end
    OUTSIDE_OPENING_HOURS = "outside_opening_hours"  # cannot be there while it is open
    BEYOND_END_OF_DAY = "beyond_end_of_day"  # not enough time left in the working day
    APPOINTMENT_CONFLICT = "appointment_conflict"  # another appointment (or the drive to it) overlaps
    CONFLICTS_WITH_APPOINTMENTS = "conflicts_with_appointments"  # fits the day, not between its appointments
    CANNOT_ARRIVE_IN_TIME = "cannot_arrive_in_time"  # an appointment the day starts too late to reach


def _normalise_windows(windows: Sequence[Sequence[int]]) -> tuple[Window, ...]:
    merged: list[list[int]] = []
    for start, end in sorted((int(a), int(b)) for a, b in windows):
        if start > end:
            raise ValueError(f"time window ends before it starts: {(start, end)}")
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


@dataclass(frozen=True)
class Stop:
    """A client to visit.

    ``windows``: when service may start (e.g. opening hours with a lunch closure are two windows);
    empty means any time in the shift. A fixed appointment is a single window (t, t).
    ``priority`` 0-100: when not everything fits, higher priorities are kept first.
    ``day``: for the week planner, the day index the stop is pinned to (its windows are then
    times of that day); ``closed_days``: day indices on which it cannot be visited.
    """

    id: Hashable
    location: int | None
    service: int = 0
    windows: tuple[Window, ...] = ()
    priority: int = 0
    day: int | None = None
    closed_days: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.service < 0:
            raise ValueError("service time cannot be negative")
        if not 0 <= self.priority <= 100:
            raise ValueError("priority must be between 0 and 100")
        object.__setattr__(self, "windows", _normalise_windows(self.windows))
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))

    @classmethod
    def appointment(cls, id: Hashable, location: int | None, start: int, service: int = 0,
                    priority: int = 100, day: int | None = None) -> Stop:
        """A visit that must start exactly at ``start``."""
        return cls(id, location, service, ((start, start),), priority, day)

    @property
    def is_appointment(self) -> bool:
        return len(self.windows) == 1 and self.windows[0][0] == self.windows[0][1]

    @property
    def tier(self) -> int:
        """What is kept first on a day too full for everything: appointments (3), then stops of
        priority 80 and more (an overdue follow-up), 60 and more (due by cadence), the rest (0)."""
        if self.is_appointment:
            return 3
        return 2 if self.priority >= 80 else 1 if self.priority >= 60 else 0


@dataclass(frozen=True)
class LunchBreak:
    """The driver's break: it begins between ``earliest`` and ``latest`` and lasts ``duration``."""

    earliest: int
    latest: int
    duration: int

    def __post_init__(self) -> None:
        if self.earliest > self.latest or self.duration < 0:
            raise ValueError("lunch break window or duration is invalid")


def lunch_within(lunch: LunchBreak | None, shift_start: int, shift_end: int) -> LunchBreak | None:
    """The lunch break as it can be taken within the shift; None if the shift leaves no room for it
    (e.g. a morning-only day), which makes it no part of the day."""
    if lunch is None:
        return None
    earliest, latest = max(lunch.earliest, shift_start), min(lunch.latest, shift_end - lunch.duration)
    if earliest > latest:
        return None
    return LunchBreak(earliest, latest, lunch.duration)


def _plain_matrix(matrix: MatrixLike) -> list[list[int | None]]:
    """Lists of Python ints (numpy arrays and floats accepted), None kept for "no road"."""
    return [[None if cell is None else int(cell) for cell in row] for row in matrix]


@dataclass(frozen=True)
class TourProblem:
    """One rep, one day: stops, where the day starts and ends, working hours, lunch.

    ``end=None`` is an open tour (the day ends at the last visit). Cells of ``durations`` that are
    ``None`` mean there is no road between the two places. A lunch break that cannot be taken within
    the shift is dropped, and its window narrowed to the shift. ``started``: the day is under way
    (``shift_start`` is now), so an appointment can no longer make it begin earlier.
    """

    stops: Sequence[Stop]
    durations: MatrixLike
    distances: MatrixLike | None = None
    start: int = 0
    end: int | None = 0
    shift_start: int = 0
    shift_end: int = DAY
    lunch: LunchBreak | None = None
    started: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "durations", _plain_matrix(self.durations))
        if self.distances is not None:
            object.__setattr__(self, "distances", _plain_matrix(self.distances))
        if len(self.stops) > MAX_STOPS:
            raise TooManyStops(len(self.stops))
        size = len(self.durations)
        if any(len(row) != size for row in self.durations):
            raise ValueError("the duration matrix must be square")
        if self.distances is not None and (len(self.distances) != size
                                           or any(len(row) != size for row in self.distances)):
            raise ValueError("the distance matrix must have the shape of the duration matrix")
        places = [self.start] + ([] if self.end is None else [self.end])
        places += [s.location for s in self.stops if s.location is not None]
        if any(not 0 <= p < size for p in places):
            raise ValueError("a location index is outside the matrix")
        if len({s.id for s in self.stops}) != len(self.stops):
            raise ValueError("stop ids must be unique")
        if self.shift_start > self.shift_end:
            raise ValueError("the shift ends before it starts")
        object.__setattr__(self, "lunch", lunch_within(self.lunch, self.shift_start, self.shift_end))

    def travel(self, origin: int, destination: int) -> int | None:
        return self.durations[origin][destination]

    def distance(self, origin: int, destination: int) -> int | None:
        if self.distances is None:
            return None
        return self.distances[origin][destination]

    def stop(self, stop_id: Hashable) -> Stop:
        for stop in self.stops:
            if stop.id == stop_id:
                return stop
        raise KeyError(stop_id)


@dataclass(frozen=True)
class Visit:
    """One stop in a planned tour, with the leg driven to reach it."""

    stop: Stop
    arrival: int
    start: int  # service begins (arrival + waiting)
    departure: int
    travel_duration: int  # from the previous place
    travel_distance: int | None
    late: int = 0  # seconds after its last window closed (only when scheduling a given order)

    @property
    def waiting(self) -> int:
        return self.start - self.arrival


@dataclass(frozen=True)
class LeftOut:
    """A stop not in the tour and why; for an appointment conflict, the appointment kept instead,
    the drive between the two and the time between the end of one and the start of the other."""

    stop: Stop
    reason: LeftOutReason
    other: Hashable | None = None
    travel: int | None = None
    gap: int | None = None


@dataclass(frozen=True)
class TourSolution:
    """A planned day: visits in order, the lunch break, the way back, and what did not fit."""

    visits: list[Visit]
    left_out: list[LeftOut]
    departure: int  # leaves the start place
    arrival: int  # reaches the end place (open tour: leaves the last visit)
    return_duration: int  # last leg, to the end place (0 for an open tour)
    return_distance: int | None
    lunch_start: int | None = None
    lunch_after: int | None = None  # number of visits made before lunch
    overtime: int = 0  # seconds past the end of the shift
    lunch_late: int = 0  # seconds the lunch break began after its latest start
    exact: bool = field(default=True, compare=False)  # every leg had a road (no unreachable pair)

    @property
    def order(self) -> list[Hashable]:
        return [visit.stop.id for visit in self.visits]

    @property
    def travel_duration(self) -> int:
        return sum(v.travel_duration for v in self.visits) + self.return_duration

    @property
    def travel_distance(self) -> int | None:
        legs = [v.travel_distance for v in self.visits] + [self.return_distance]
        return None if any(d is None for d in legs) else sum(legs)  # type: ignore[misc]

    @property
    def waiting(self) -> int:
        return sum(v.waiting for v in self.visits)

    @property
    def feasible(self) -> bool:
        """Every window, the lunch break and the end of the shift are honoured."""
        return (self.exact and self.overtime == 0 and self.lunch_late == 0
                and all(v.late == 0 for v in self.visits))
