"""Grid clustering of the map's pins on the server, so that one answer stays small at any zoom.

Few pins (at most MAX_ITEMS) go out as they are and the browser gathers the ones that overlap
(Leaflet.markercluster). More than that, and they are counted per square of CELL_PX screen pixels at
the map's zoom (Web Mercator, as the tiles are drawn): a square holding one pin sends the pin, a square
holding several sends one cluster (how many, where their middle is, the rectangle they span, which a
tap zooms to). If the squares are still too many (a wide screen, a dense region), the grid doubles
until they fit. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE_PX = 256
CELL_PX = 64  # a cluster icon is 44 px: neighbours in two squares do not overlap much
MAX_ZOOM = 19
# Pins and clusters in one answer. A pin weighs ~90 bytes, ~320 with a 220-character name: 600 stay
# under 200 KB before compression.
MAX_ITEMS = 600
_MAX_LAT = 85.05112878  # Web Mercator's edge


@dataclass
class Clustered:
    pins: list[dict]
    clusters: list[dict]  # {"lat", "lon", "n", "b": [south, west, north, east]}

    @property
    def count(self) -> int:
        """Clients drawn: the pins plus every cluster's number."""
        return len(self.pins) + sum(c["n"] for c in self.clusters)


def world_px(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Where (lat, lon) falls on the whole world drawn at `zoom`, in pixels (x east, y south)."""
    scale = TILE_PX * (1 << zoom)
    sin = math.sin(math.radians(max(-_MAX_LAT, min(_MAX_LAT, lat))))
    return (lon + 180.0) / 360.0 * scale, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale


def cluster_pins(pins: list[dict], zoom: int, max_items: int = MAX_ITEMS) -> Clustered:
    """The pins as they are if they are few, else gathered per grid square (see the module's docstring).
    Every pin is in the answer once: alone, or counted in exactly one cluster."""
    if len(pins) <= max_items:
        return Clustered(list(pins), [])
    zoom = max(0, min(MAX_ZOOM, zoom))
    positions = [world_px(p["lat"], p["lon"], zoom) for p in pins]
    cell = float(CELL_PX)
    while True:
        squares: dict[tuple[int, int], list[int]] = {}
        for index, (x, y) in enumerate(positions):
            squares.setdefault((int(x // cell), int(y // cell)), []).append(index)
        if len(squares) <= max_items or cell >= TILE_PX * (1 << zoom):
            break
        cell *= 2  # the same grid one zoom level out
    alone, clusters = [], []
    for members in squares.values():
        if len(members) == 1:
            alone.append(pins[members[0]])
        else:
            clusters.append(_cluster([pins[i] for i in members]))
    return Clustered(alone, clusters)


def _cluster(members: list[dict]) -> dict:
    lats = [p["lat"] for p in members]
    lons = [p["lon"] for p in members]
    return {"lat": round(sum(lats) / len(lats), 5), "lon": round(sum(lons) / len(lons), 5), "n": len(members),
            "b": [min(lats), min(lons), max(lats), max(lons)]}


def grid_degrees(south: float, west: float, north: float, east: float, zoom: int,
                 max_items: int = MAX_ITEMS) -> tuple[float, float]:
    """(latitude, longitude) size of a grid square of about CELL_PX pixels at `zoom` around the middle of
    the rectangle, doubled until the rectangle holds at most `max_items` squares (so at most that many
    clusters, whatever the number of pins)."""
    cell_lon = CELL_PX * 360.0 / (TILE_PX * (1 << max(0, min(MAX_ZOOM, zoom))))
    cell_lat = cell_lon * max(0.05, math.cos(math.radians((south + north) / 2)))  # Mercator squares
    while (math.floor((north - south) / cell_lat) + 2) * (math.floor((east - west) / cell_lon) + 2) > max_items:
        cell_lat, cell_lon = cell_lat * 2, cell_lon * 2
    return cell_lat, cell_lon


def extent(pins: list[dict]) -> list[float] | None:
    """[south, west, north, east] around the pins (where the map first looks), None without pins."""
    if not pins:
        return None
    lats = [p["lat"] for p in pins]
    lons = [p["lon"] for p in pins]
    return [min(lats), min(lons), max(lats), max(lons)]
