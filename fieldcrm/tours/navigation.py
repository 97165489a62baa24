"""Navigation hand-off for a whole tour: Google Maps directions links (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

# Google Maps URLs accept up to 9 waypoints between origin and destination (fewer are shown on
# some phones, but 9 is the documented limit); longer tours are split into consecutive links.
GOOGLE_MAX_WAYPOINTS = 9


def _point(lat: float, lon: float) -> str:
    return f"{lat:.6f},{lon:.6f}"


def google_directions_links(points: Sequence[tuple[float, float]],
                            max_waypoints: int = GOOGLE_MAX_WAYPOINTS) -> list[str]:
    """Directions through ``points`` in order (start first); each link ends where the next begins."""
    if len(points) < 2:
        return []
    links = []
    per_link = max_waypoints + 2
    first = 0
    while first < len(points) - 1:
        chunk = points[first:first + per_link]
        params = {"api": 1, "travelmode": "driving", "origin": _point(*chunk[0]),
                  "destination": _point(*chunk[-1])}
        if len(chunk) > 2:
            params["waypoints"] = "|".join(_point(*p) for p in chunk[1:-1])
        links.append("https://www.google.com/maps/dir/?" + urlencode(params))
        first += len(chunk) - 1
    return links
