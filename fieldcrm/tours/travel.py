"""Travel times and distances between points: an OSRM server when configured, else an estimate.

Points are ``(lat, lon)`` pairs everywhere in this module (what Leaflet and the database use);
OSRM's URLs and GeoJSON use ``lon,lat`` and are converted at the edge. Matrices are square lists of
integers (seconds, metres) indexed ``[from][to]``; ``None`` marks a pair with no road between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import requests

from fieldcrm.tours.estimate import estimated_matrix

LatLon = tuple[float, float]
Matrix = list[list[int | None]]

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_SPEED_KMH = 50.0
DEFAULT_DETOUR_FACTOR = 1.3


class RoutingUnavailable(Exception):
    """The routing server could not answer (down, too slow, or an error code)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_matrix(points: Sequence[LatLon], speed_kmh: float = DEFAULT_SPEED_KMH,
                     detour_factor: float = DEFAULT_DETOUR_FACTOR) -> tuple[Matrix, Matrix]:
    """(durations in seconds, distances in metres): straight line × detour factor at an average speed."""
    if speed_kmh <= 0 or detour_factor <= 0:
        raise ValueError("speed and detour factor must be positive")
    metres_per_second = speed_kmh / 3.6
    n = len(points)
    durations: Matrix = [[0] * n for _ in range(n)]
    distances: Matrix = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            road = haversine_m(points[i], points[j]) * detour_factor
            distances[i][j] = distances[j][i] = round(road)
            durations[i][j] = durations[j][i] = round(road / metres_per_second)
    return durations, distances


@dataclass(frozen=True)
class Route:
    """A driven route through points in order, as OSRM returns it."""

    distance: int  # metres
    duration: int  # seconds
    path: list[LatLon]  # the road geometry as (lat, lon) pairs, ready for a Leaflet polyline
    legs: list[tuple[int, int]] = field(default_factory=list)  # (duration s, distance m) per leg


def _coordinates(points: Sequence[LatLon]) -> str:
    if len(points) < 2:
        raise ValueError("at least two points are needed")
    for lat, lon in points:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"not a (lat, lon) position: {(lat, lon)!r}")
    return ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)


def _cell(value: float | None) -> int | None:
    return None if value is None else round(value)


class OsrmClient:
    """A client for an OSRM server's ``table`` and ``route`` services (driving profile)."""

    def __init__(self, base_url: str, timeout: float = 5.0, profile: str = "driving",
                 max_table_size: int = 100, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.profile = profile
        # osrm-routed refuses tables with more than max_table_size² cells (its --max-table-size).
        self.max_table_size = max_table_size
        self.session = session or requests.Session()

    def _get(self, service: str, points: Sequence[LatLon], params: dict[str, str]) -> dict:
        url = f"{self.base_url}/{service}/v1/{self.profile}/{_coordinates(points)}"
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout as exc:
            raise RoutingUnavailable(f"routing server did not answer within {self.timeout:g} s",
                                     "Timeout") from exc
        except requests.RequestException as exc:
            raise RoutingUnavailable(f"routing server unreachable: {exc.__class__.__name__}",
                                     "ConnectionError") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise RoutingUnavailable(f"routing server answered HTTP {response.status_code} without JSON",
                                     f"HTTP{response.status_code}") from exc
        code = body.get("code") if isinstance(body, dict) else None
        if code != "Ok":
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise RoutingUnavailable(f"routing server answered {code}: {message}".strip(), code)
        return body

    def table(self, points: Sequence[LatLon]) -> tuple[Matrix, Matrix]:
        """(durations s, distances m) between all points; ``None`` where OSRM found no route."""
        n = len(points)
        rows_per_request = n if n <= self.max_table_size else max(1, self.max_table_size ** 2 // n)
        durations: Matrix = []
        distances: Matrix = []
        for first in range(0, n, rows_per_request):
            rows = range(first, min(n, first + rows_per_request))
            params = {"annotations": "duration,distance"}
            if len(rows) < n:
                params["sources"] = ";".join(map(str, rows))
            body = self._get("table", points, params)
            got_durations, got_distances = body.get("durations"), body.get("distances")
            if got_durations is None or got_distances is None or len(got_durations) != len(rows):
                raise RoutingUnavailable("routing server sent an incomplete table", "InvalidResponse")
            for row_durations, row_distances in zip(got_durations, got_distances, strict=True):
                if len(row_durations) != n or len(row_distances) != n:
                    raise RoutingUnavailable("routing server sent an incomplete table", "InvalidResponse")
                durations.append([_cell(v) for v in row_durations])
                distances.append([_cell(v) for v in row_distances])
        for i in range(n):
            durations[i][i] = distances[i][i] = 0
        return durations, distances

    def route(self, points: Sequence[LatLon]) -> Route:
        """The road route through the points in this order, with its full geometry."""
        body = self._get("route", points, {"overview": "full", "geometries": "geojson", "steps": "false"})
        routes = body.get("routes") or []
        if not routes:
            raise RoutingUnavailable("routing server found no route", "NoRoute")
        best = routes[0]
        path = [(lat, lon) for lon, lat in best["geometry"]["coordinates"]]
        legs = [(round(leg["duration"]), round(leg["distance"])) for leg in best.get("legs", [])]
        return Route(distance=round(best["distance"]), duration=round(best["duration"]), path=path, legs=legs)


@dataclass(frozen=True)
class TravelMatrix:
    """Durations and distances between points, with where they came from.

    When ``estimated`` is true the UI says so (the estimate of ``estimate.py``: speed by length of
    drive, calibrated on French routes); ``fallback_reason`` tells why a configured routing server
    was not used.
    """

    durations: Matrix
    distances: Matrix
    source: str  # "osrm" or "estimate"
    fallback_reason: str | None = None

    @property
    def estimated(self) -> bool:
        return self.source != "osrm"

    @property
    def fell_back(self) -> bool:
        """A routing server was configured but could not be used."""
        return self.fallback_reason is not None

    @property
    def notice(self) -> str | None:
        """English description of the estimate, for logs (the UI translates its own)."""
        if not self.estimated:
            return None
        return "estimated from the distance as the crow flies, speed by length of drive"


def travel_matrix(points: Sequence[LatLon], routing_url: str | None = None, *, timeout: float = 5.0,
                  client: OsrmClient | None = None) -> TravelMatrix:
    """Road times from OSRM when ``routing_url`` is set; on any failure (or without), the estimate
    of ``estimate.py``."""
    fallback_reason = None
    if client is None and routing_url:
        client = OsrmClient(routing_url, timeout=timeout)
    if client is not None and len(points) < 2:
        return TravelMatrix([[0] * len(points) for _ in points], [[0] * len(points) for _ in points], "osrm")
    if client is not None:
        try:
            durations, distances = client.table(points)
            return TravelMatrix(durations, distances, "osrm")
        except RoutingUnavailable as exc:
            fallback_reason = str(exc)
    durations, distances = estimated_matrix(points)
    return TravelMatrix(durations, distances, "estimate", fallback_reason)
