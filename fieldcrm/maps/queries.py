"""Read-only selects for the map: pins (of the whole portfolio or of the visible rectangle), nearest
clients, last contact dates. All start from clients.queries.scope."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, cast, func, or_
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import STATUSES, Client, ClientTag, Tag
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.clients.queries import scope
from fieldcrm.clients.search import search_clients
from fieldcrm.geo.bounds import distance_km
from fieldcrm.maps import zone
from fieldcrm.segments.queries import apply_saved_segment
from fieldcrm.web.boundary import id_arg, int_arg

MAX_QUIET_DAYS = 3650


@dataclass
class MapFilters:
    """The list's filters, as the map takes them (from the query string)."""

    q: str = ""
    status: str | None = None
    sector: str | None = None
    segment: str | None = None
    tag: str | None = None
    due: bool = False
    quiet_days: int | None = None
    saved_segment: int | None = None  # a saved segment's id (segments.queries), in the actor's reach
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> MapFilters:
        quiet_days = int_arg(args, "quiet_days", minimum=1, maximum=MAX_QUIET_DAYS)
        status = args.get("status") or None
        return cls(q=args.get("q", "")[:100], status=status if status in STATUSES else None,
                   sector=(args.get("sector") or None), segment=(args.get("segment") or None),
                   tag=(args.get("tag") or None), due=args.get("due") in ("1", "on", "true"),
                   quiet_days=quiet_days, saved_segment=id_arg(args, "saved_segment"))

    def as_args(self) -> dict:
        args = {"q": self.q, "status": self.status, "sector": self.sector, "segment": self.segment,
                "tag": self.tag, "due": "1" if self.due else None, "quiet_days": self.quiet_days,
                "saved_segment": self.saved_segment}
        return {k: v for k, v in args.items() if v}


def last_contact_dates(db: Session, client_ids: list[int]) -> dict[int, datetime]:
    """client id -> when the client was last contacted (the column the visit log maintains, so the
    map, the list and the tours agree on who is due)."""
    result: dict[int, datetime] = {}
    for chunk in range(0, len(client_ids), 900):  # bounded IN lists
        ids = client_ids[chunk:chunk + 900]
        rows = db.exec(select(Client.id, Client.last_contact_at)
                       .where(Client.id.in_(ids), Client.last_contact_at.is_not(None))).all()
        result.update(dict(rows))
    return result


def is_due(client_cadence: int | None, last: datetime | None, today: date) -> bool:
    """Due for a visit: the client has a visit cadence and the last contact is older than it."""
    if not client_cadence:
        return False
    return last is None or last.date() + timedelta(days=client_cadence) <= today


def overdue_days(client_cadence: int | None, last: datetime | None, today: date) -> int:
    if not client_cadence:
        return 0
    if last is None:
        return 10_000
    return (today - last.date()).days - client_cadence


def _filtered(actor: User, filters: MapFilters, db: Session | None = None):
    stmt = scope(select(Client), actor)
    if filters.saved_segment is not None:  # needs the session (both callers give it)
        stmt = apply_saved_segment(db, actor, stmt, filters.saved_segment)
    stmt = search_clients(stmt, search_tokens(filters.q))
    if filters.status:
        stmt = stmt.where(Client.status == filters.status)
    if filters.sector:
        stmt = stmt.where(Client.sector == filters.sector)
    if filters.segment:
        stmt = stmt.where(Client.segment == filters.segment)
    if filters.tag:
        tagged = select(ClientTag.client_id).join(Tag, Tag.id == ClientTag.tag_id).where(Tag.name == filters.tag)
        stmt = stmt.where(Client.id.in_(tagged))
    return stmt


@dataclass(frozen=True)
class Bounds:
    """The rectangle the map shows, from its south-west and north-east corners."""

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def from_args(cls, args) -> Bounds | None:
        """The rectangle in the query string; None when the map asks for everything (no corners).
        ValueError when the corners are there but not numbers in range, or the wrong way round."""
        names = ("south", "west", "north", "east")
        if not any(args.get(n) for n in names):
            return None
        values = [float(args.get(n, "")) for n in names]  # ValueError on "" or words
        south, west, north, east = values
        if not all(math.isfinite(v) for v in values) or not -90 <= south <= north <= 90 or west > east:
            raise ValueError("bounds")
        if east - west >= 360:  # the whole world's width (Leaflet counts past ±180 when it wraps)
            west, east = -180.0, 180.0
        return cls(south, max(west, -180.0), north, min(east, 180.0))

    def holds(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass
class PinSet:
    pins: list[dict]
    not_located: int


def _pin(r) -> dict:
    return {"id": r[0], "n": r[1], "s": r[2], "lat": round(r[3], 6), "lon": round(r[4], 6),
            "a": 1 if r[5] == "city" else 0}


def _pin_columns(stmt):
    return stmt.with_only_columns(Client.id, Client.display_name, Client.status, Client.latitude,
                                  Client.longitude, Client.geo_precision, Client.visit_cadence_days)


def _inside(stmt, bounds: Bounds):
    return stmt.where(Client.latitude.between(bounds.south, bounds.north),
                      Client.longitude.between(bounds.west, bounds.east))


def located_counts(db: Session, actor: User, filters: MapFilters) -> tuple[int, int, Bounds | None]:
    """(located, not located, the rectangle around the located ones) among the actor's clients matching
    the filters, in one pass."""
    stmt = _filtered(actor, filters, db).with_only_columns(
        func.count(Client.latitude), func.count(), func.min(Client.latitude), func.min(Client.longitude),
        func.max(Client.latitude), func.max(Client.longitude))
    located, everyone, south, west, north, east = db.execute(stmt).one()
    return located, everyone - located, None if south is None else Bounds(south, west, north, east)


def count_not_located(db: Session, actor: User, filters: MapFilters) -> int:
    """How many of the actor's clients matching the filters have no position."""
    stmt = _filtered(actor, filters, db).with_only_columns(func.count())
    return db.execute(stmt.where(or_(Client.latitude.is_(None), Client.longitude.is_(None)))).scalar_one()


def map_pins(db: Session, actor: User, filters: MapFilters, today: date, bounds: Bounds | None = None) -> PinSet:
    """The actor's clients matching the filters, as light pins (only those inside `bounds` when given:
    an index walk on owner and position); and how many of the matching clients have no position."""
    cols = _pin_columns(_filtered(actor, filters, db))
    by_last_contact = filters.due or filters.quiet_days
    not_located = None
    if bounds is not None and not by_last_contact:
        cols = _inside(cols, bounds)
        not_located = count_not_located(db, actor, filters)
    rows = db.execute(cols.order_by(Client.id)).all()
    if by_last_contact:
        last = last_contact_dates(db, [r[0] for r in rows])
        if filters.due:
            rows = [r for r in rows if is_due(r[6], last.get(r[0]), today)]
        if filters.quiet_days:
            limit = today - timedelta(days=filters.quiet_days)
            rows = [r for r in rows if r[0] not in last or last[r[0]].date() <= limit]
    pins = [_pin(r) for r in rows if r[3] is not None and r[4] is not None]
    if not_located is None:
        not_located = len(rows) - len(pins)
        if bounds is not None:  # the due/quiet filters read every match's last contact: cut afterwards
            pins = [p for p in pins if bounds.holds(p["lat"], p["lon"])]
    return PinSet(pins=pins, not_located=not_located)


def pins_by_id(db: Session, actor: User, client_ids: list[int]) -> list[dict]:
    """The pins of these clients (those in the actor's reach)."""
    if not client_ids:
        return []
    stmt = _pin_columns(scope(select(Client), actor)).where(Client.id.in_(client_ids))
    return [_pin(r) for r in db.execute(stmt.order_by(Client.id)).all()]


def located_extent(db: Session, actor: User, filters: MapFilters) -> Bounds | None:
    """The rectangle around the actor's located clients matching the filters; None when there are none."""
    stmt = _filtered(actor, filters, db).with_only_columns(
        func.min(Client.latitude), func.min(Client.longitude), func.max(Client.latitude), func.max(Client.longitude))
    south, west, north, east = db.execute(stmt.where(Client.longitude.is_not(None))).one()
    return None if south is None else Bounds(south, west, north, east)


def count_in_area(db: Session, actor: User, filters: MapFilters, bounds: Bounds) -> int:
    """How many of the actor's clients matching the filters sit inside `bounds` (an index range count)."""
    return db.execute(_inside(_filtered(actor, filters, db).with_only_columns(func.count()), bounds)).scalar_one()


def grid_cells(db: Session, actor: User, filters: MapFilters, bounds: Bounds, cell_lat: float,
               cell_lon: float) -> list[tuple]:
    """The matching clients inside `bounds` counted per square of the grid (cell_lat x cell_lon degrees)
    and per status, in the database: (column, row, status, count, sum of latitudes, sum of longitudes,
    south, west, north, east, smallest id) — the map's clusters without loading one client."""
    column = _grid_index(db, Client.longitude + 180.0, cell_lon)
    row = _grid_index(db, Client.latitude + 90.0, cell_lat)
    stmt = _inside(_filtered(actor, filters, db), bounds).with_only_columns(
        column, row, Client.status, func.count(), func.sum(Client.latitude), func.sum(Client.longitude),
        func.min(Client.latitude), func.min(Client.longitude), func.max(Client.latitude),
        func.max(Client.longitude), func.min(Client.id)).group_by(column, row, Client.status)
    return [tuple(r) for r in db.execute(stmt).all()]


def _grid_index(db: Session, value, size: float):
    """floor(value / size) for a value ≥ 0 (PostgreSQL rounds a cast to integer; SQLite truncates)."""
    scaled = value / size
    if db.get_bind().dialect.name == "postgresql":
        return func.floor(scaled)
    return cast(scaled, Integer)


def pins_in_zone(db: Session, actor: User, filters: MapFilters, polygon, today: date) -> list[dict]:
    """The map's pins (the actor's clients, same filters) inside a drawn zone (see maps.zone)."""
    pins = map_pins(db, actor, filters, today).pins
    keep = set(zone.inside(polygon, [(p["id"], p["lat"], p["lon"]) for p in pins]))
    return [p for p in pins if p["id"] in keep]


def filter_choices(db: Session, actor: User) -> dict[str, list[str]]:
    """Sectors, segments and tags present in the actor's portfolio (for the filter menus)."""
    base = scope(select(Client), actor)
    sectors = db.exec(base.with_only_columns(Client.sector).where(Client.sector.is_not(None))
                      .distinct().order_by(Client.sector)).all()
    segments = db.exec(base.with_only_columns(Client.segment).where(Client.segment.is_not(None))
                       .distinct().order_by(Client.segment)).all()
    visible = base.with_only_columns(Client.id)
    tags = db.exec(select(Tag.name).join(ClientTag, ClientTag.tag_id == Tag.id)
                   .where(ClientTag.client_id.in_(visible)).distinct().order_by(Tag.name)).all()
    return {"sectors": list(sectors), "segments": list(segments), "tags": list(tags)}


def nearest_clients(db: Session, actor: User, lat: float, lon: float, filters: MapFilters,
                    limit: int = 20) -> list[tuple[Client, float]]:
    """The actor's located clients nearest to (lat, lon), with the distance in km (as the crow flies)."""
    box = 0.5  # first look within ~50 km, then everywhere
    for degrees in (box, None):
        stmt = _filtered(actor, filters, db).where(Client.latitude.is_not(None), Client.longitude.is_not(None))
        if degrees is not None:
            stmt = stmt.where(Client.latitude.between(lat - degrees, lat + degrees),
                              Client.longitude.between(lon - degrees * 1.5, lon + degrees * 1.5))
        found = [(c, distance_km(lat, lon, c.latitude, c.longitude)) for c in db.exec(stmt).all()]
        if len(found) >= limit or degrees is None:
            found.sort(key=lambda item: item[1])
            return found[:limit]
    return []
