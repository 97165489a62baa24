"""What the map draws for the area on screen: the pins themselves when they are few, clusters
counted by the database when they are many (so the answer and the work stay bounded at any zoom and
any portfolio size), with the legend's counts of the same clients.

Three ways, chosen per request:
- few clients in the area: their pins (maps.queries.map_pins), the browser gathers the overlapping ones;
- many, coloured by status, no filter on last contact: clusters counted in SQL per grid square
  (queries.grid_cells), only the lone pins loaded;
- many, with a filter that reads the last contacts (due, quiet for N days) or colours by segment (which
  needs every client's segments): the pins are loaded and gathered on the grid in Python
  (maps.clusters.cluster_pins) — the same answer, more work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.maps import clusters, queries
from fieldcrm.maps.queries import Bounds, MapFilters
from fieldcrm.segments.colours import Colouring, colour_mode, pin_colouring, status_colouring
from fieldcrm.segments.models import Segment


@dataclass
class AreaPins:
    pins: list[dict]
    clusters: list[dict]
    not_located: int
    colouring: Colouring
    extent: list[float] | None  # only for a first look (no area asked): where the map fits

    @property
    def count(self) -> int:
        return len(self.pins) + sum(c["n"] for c in self.clusters)


def area_pins(db: Session, actor: User, filters: MapFilters, today: date, bounds: Bounds | None, zoom: int,
              colour_by: str | None, segment: Segment | None) -> AreaPins:
    """The pins and clusters of `bounds` (everything when None) at `zoom`, see the module's docstring."""
    mode = colour_mode(colour_by, segment)
    if mode == "status" and not (filters.due or filters.quiet_days):
        area = bounds or queries.located_extent(db, actor, filters)
        if area is not None and queries.count_in_area(db, actor, filters, area) > clusters.MAX_ITEMS:
            return _counted_in_sql(db, actor, filters, area, zoom, first_look=bounds is None)
    found = queries.map_pins(db, actor, filters, today, bounds)
    colouring = pin_colouring(db, actor, found.pins, mode, segment, today)  # every pin of the area
    shown = clusters.cluster_pins(found.pins, zoom)
    return AreaPins(shown.pins, shown.clusters, found.not_located, colouring,
                    None if bounds else clusters.extent(found.pins))


def _counted_in_sql(db: Session, actor: User, filters: MapFilters, area: Bounds, zoom: int, *,
                    first_look: bool) -> AreaPins:
    cell_lat, cell_lon = clusters.grid_degrees(area.south, area.west, area.north, area.east, zoom)
    squares: dict[tuple, list] = {}
    by_status: dict[str, int] = {}
    for column, row, status, n, lat_sum, lon_sum, south, west, north, east, first_id in queries.grid_cells(
            db, actor, filters, area, cell_lat, cell_lon):
        by_status[status] = by_status.get(status, 0) + n
        square = squares.get((column, row))
        if square is None:
            squares[(column, row)] = [n, lat_sum, lon_sum, south, west, north, east, first_id]
        else:  # the same square, another status
            square[0] += n
            square[1] += lat_sum
            square[2] += lon_sum
            square[3:7] = [min(square[3], south), min(square[4], west), max(square[5], north), max(square[6], east)]
            square[7] = min(square[7], first_id)
    lone = [s[7] for s in squares.values() if s[0] == 1]
    counted = [{"lat": round(s[1] / s[0], 5), "lon": round(s[2] / s[0], 5), "n": s[0], "b": s[3:7]}
               for s in squares.values() if s[0] > 1]
    return AreaPins(queries.pins_by_id(db, actor, lone), counted, queries.count_not_located(db, actor, filters),
                    status_colouring(by_status),
                    [area.south, area.west, area.north, area.east] if first_look else None)
