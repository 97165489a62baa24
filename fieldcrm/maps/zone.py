"""A zone drawn on the map: reading the polygon the phone sends, and which points lie inside (pure).

The phone sends only the corners, as JSON ``[[lat, lon], …]``; the server decides which clients are
in the zone. Zones are a few kilometres across, so latitude/longitude are treated as plane
coordinates (no antimeridian: the app serves France and its neighbours).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

MIN_POINTS = 3
MAX_POINTS = 100
MAX_TEXT = 8000  # 100 corners at full precision fit with room to spare

LatLon = tuple[float, float]


class ZoneError(ValueError):
    """A zone that cannot be used; ``code`` picks the translated message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ZoneError("not_a_zone")
    value = float(value)
    if not math.isfinite(value):
        raise ZoneError("out_of_range")
    return value


def parse_zone(text: str | None) -> list[LatLon]:
    """``'[[45.76, 4.83], …]'`` -> corners as (lat, lon); ZoneError when it is not a usable zone:
    not JSON pairs of numbers, fewer than 3 or more than 100 corners, a corner off the globe, or
    corners that enclose no area."""
    if not text or not text.strip():
        raise ZoneError("too_few")
    if len(text) > MAX_TEXT:
        raise ZoneError("too_many")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ZoneError("not_a_zone") from exc
    if not isinstance(raw, list):
        raise ZoneError("not_a_zone")
    points = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ZoneError("not_a_zone")
        lat, lon = _number(item[0]), _number(item[1])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ZoneError("out_of_range")
        points.append((lat, lon))
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()  # a closed ring (first corner repeated at the end) is the same zone
    if len(points) < MIN_POINTS:
        raise ZoneError("too_few")
    if len(points) > MAX_POINTS:
        raise ZoneError("too_many")
    if abs(signed_area(points)) < 1e-12:
        raise ZoneError("flat")
    return points


def signed_area(polygon: Sequence[LatLon]) -> float:
    """Shoelace area in square degrees (sign = orientation)."""
    total = 0.0
    for (y1, x1), (y2, x2) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def bounding_box(polygon: Sequence[LatLon]) -> tuple[float, float, float, float]:
    """(south, west, north, east)."""
    lats = [p[0] for p in polygon]
    lons = [p[1] for p in polygon]
    return min(lats), min(lons), max(lats), max(lons)


def _on_segment(lat: float, lon: float, a: LatLon, b: LatLon) -> bool:
    (y1, x1), (y2, x2) = a, b
    cross = (x2 - x1) * (lat - y1) - (y2 - y1) * (lon - x1)
    if abs(cross) > 1e-12:
        return False
    return min(x1, x2) - 1e-12 <= lon <= max(x1, x2) + 1e-12 and min(y1, y2) - 1e-12 <= lat <= max(y1, y2) + 1e-12


def contains(polygon: Sequence[LatLon], lat: float, lon: float) -> bool:
    """Whether (lat, lon) is inside the polygon or on its edge (even-odd rule, so a zone drawn
    crossing itself keeps the parts enclosed an odd number of times)."""
    inside = False
    previous = polygon[-1]
    for current in polygon:
        if _on_segment(lat, lon, previous, current):
            return True
        (y1, x1), (y2, x2) = previous, current
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                inside = not inside
        previous = current
    return inside


def inside(polygon: Sequence[LatLon], points: Sequence[tuple[object, float, float]]) -> list[object]:
    """The keys of the (key, lat, lon) points inside the polygon, in the given order."""
    south, west, north, east = bounding_box(polygon)
    return [key for key, lat, lon in points
            if south <= lat <= north and west <= lon <= east and contains(polygon, lat, lon)]
