"""A fake OSRM server on 127.0.0.1 answering the real ``table`` and ``route`` formats.

    with FakeOsrm() as osrm:
        osrm.unreachable = {3}          # no road to or from the 4th coordinate of a request
        osrm.delay = 2.0                # answer late (wakes up early when the fake stops)
        osrm.fail("InvalidQuery", 400)  # answer an OSRM error
        client = OsrmClient(osrm.url, timeout=0.5)

Roads are straight lines × ``detour`` driven at ``speed_kmh`` (defaults differ from the app's own
straight-line estimate, so tests can tell which one answered). Requests are recorded.

Formats (http://project-osrm.org/docs/v5.24.0/api/):
- ``GET /table/v1/driving/{lon},{lat};...?annotations=duration,distance[&sources=0;1]``:
  ``{"code": "Ok", "durations": [[s]], "distances": [[m]], "sources": [waypoint],
  "destinations": [waypoint]}``; ``null`` cells where there is no route.
- ``GET /route/v1/driving/{lon},{lat};...?overview=full&geometries=geojson``:
  ``{"code": "Ok", "routes": [{"geometry": {"type": "LineString", "coordinates": [[lon, lat]]},
  "legs": [{"distance", "duration", "weight", "summary", "steps"}], "distance", "duration",
  "weight_name", "weight"}], "waypoints": [waypoint]}``.
- errors: ``{"code": "InvalidQuery" | "NoRoute" | ..., "message": "..."}`` with HTTP 400.
"""

from __future__ import annotations

import json
import math
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.server import LocalHTTPFake


@dataclass(frozen=True)
class OsrmRequest:
    service: str  # "table" or "route"
    coordinates: list[tuple[float, float]]  # (lon, lat) as sent
    params: dict[str, str]


def closed_port_url() -> str:
    """The URL of a local port nobody listens on (a routing server that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


class FakeOsrm(LocalHTTPFake):
    """A fake OSRM; use as a context manager."""

    def __init__(self, speed_kmh: float = 40.0, detour: float = 1.25) -> None:
        super().__init__()
        self.speed_kmh = speed_kmh
        self.detour = detour
        self.unreachable: set[int] = set()  # coordinate indices with no road to or from them
        self.delay = 0.0
        self.requests: list[OsrmRequest] = []
        self._error: tuple[str, int] | None = None


    def fail(self, code: str, status: int = 400, message: str = "") -> None:
        """Answer every request with this OSRM error code."""
        self._error = (code, status)
        self._message = message or f"fake error {code}"

    # --- what a road costs --------------------------------------------------------------------

    def leg(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
        """(duration s, distance m) between two (lon, lat) coordinates."""
        distance = _metres(a, b) * self.detour
        return distance / (self.speed_kmh / 3.6), distance

    def _reachable(self, i: int, j: int) -> bool:
        return i == j or (i not in self.unreachable and j not in self.unreachable)

    @staticmethod
    def _waypoint(coordinate: tuple[float, float], index: int) -> dict[str, Any]:
        return {"hint": f"fake-hint-{index}", "distance": 0.0, "name": f"Rue {index}",
                "location": [round(coordinate[0], 6), round(coordinate[1], 6)]}

    # --- the two services ---------------------------------------------------------------------

    def _table(self, coordinates: list[tuple[float, float]], params: dict[str, str]) -> dict[str, Any]:
        everyone = list(range(len(coordinates)))
        sources = [int(i) for i in params["sources"].split(";")] if "sources" in params else everyone
        destinations = ([int(i) for i in params["destinations"].split(";")] if "destinations" in params
                        else everyone)
        annotations = params.get("annotations", "duration").split(",")
        body: dict[str, Any] = {"code": "Ok"}
        for name, pick in (("duration", 0), ("distance", 1)):
            if name in annotations:
                body[name + "s"] = [[round(self.leg(coordinates[i], coordinates[j])[pick], 1)
                                     if self._reachable(i, j) else None for j in destinations]
                                    for i in sources]
        body["sources"] = [self._waypoint(coordinates[i], i) for i in sources]
        body["destinations"] = [self._waypoint(coordinates[j], j) for j in destinations]
        return body

    def _route(self, coordinates: list[tuple[float, float]]) -> tuple[int, dict[str, Any]]:
        pairs = list(zip(coordinates, coordinates[1:], strict=False))
        if any(not self._reachable(k, k + 1) for k in range(len(pairs))):
            return 400, {"code": "NoRoute", "message": "Impossible route between points"}
        legs, path = [], [list(coordinates[0])]
        for a, b in pairs:
            duration, distance = self.leg(a, b)
            legs.append({"steps": [], "summary": "", "weight": round(duration, 1),
                         "duration": round(duration, 1), "distance": round(distance, 1)})
            path += [[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], list(b)]
        route = {"geometry": {"type": "LineString", "coordinates": path}, "legs": legs,
                 "weight_name": "routability", "weight": round(sum(leg["weight"] for leg in legs), 1),
                 "duration": round(sum(leg["duration"] for leg in legs), 1),
                 "distance": round(sum(leg["distance"] for leg in legs), 1)}
        return 200, {"code": "Ok", "routes": [route],
                     "waypoints": [self._waypoint(c, i) for i, c in enumerate(coordinates)]}

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = parts.path.strip("/").split("/")
        status, body = 400, {"code": "InvalidUrl", "message": "URL string malformed"}
        if len(segments) == 4 and segments[0] in {"table", "route"} and segments[1] == "v1":
            try:
                coordinates = [(float(lon), float(lat)) for lon, lat in
                               (pair.split(",") for pair in unquote(segments[3]).split(";"))]
            except ValueError:
                coordinates = []
            self.requests.append(OsrmRequest(segments[0], coordinates, params))
            if not coordinates:
                status, body = 400, {"code": "InvalidQuery", "message": "Query string malformed"}
            elif self._error is not None:
                status, body = self._error[1], {"code": self._error[0], "message": self._message}
            elif segments[0] == "table":
                status, body = 200, self._table(coordinates, params)
            else:
                status, body = self._route(coordinates)
        if self.delay and self._stopping.wait(self.delay):
            return
        payload = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=UTF-8")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
