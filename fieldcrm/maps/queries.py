"""Read-only selects for the map: pins, nearest clients, last contact dates. All start from
clients.queries.scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import STATUSES, Client, ClientTag, Tag
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.clients.queries import scope
from fieldcrm.geo.bounds import distance_km
from fieldcrm.maps import zone
from fieldcrm.segments.queries import apply_saved_segment
from fieldcrm.visits.models import Interaction
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
    """client id -> date of the last logged interaction."""
    if not client_ids:
        return {}

    result: dict[int, datetime] = {}
    for chunk in range(0, len(client_ids), 900):
        ids = client_ids[chunk:chunk + 900]
        rows = db.exec(select(Interaction.client_id, func.max(Interaction.occurred_at))
                       .where(Interaction.client_id.in_(ids)).group_by(Interaction.client_id)).all()
        result.update({cid: when for cid, when in rows if when is not None})
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
    for token in search_tokens(filters.q):
        stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
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


@dataclass
class PinSet:
    pins: list[dict]
    not_located: int


def map_pins(db: Session, actor: User, filters: MapFilters, today: date) -> PinSet:
    """The actor's clients matching the filters, as light pins; and how many have no position."""
    stmt = _filtered(actor, filters, db)
    cols = stmt.with_only_columns(Client.id, Client.display_name, Client.status, Client.latitude,
                                  Client.longitude, Client.geo_precision, Client.visit_cadence_days)
    rows = db.execute(cols.order_by(Client.id)).all()
    if filters.due or filters.quiet_days:
        last = last_contact_dates(db, [r[0] for r in rows])
        if filters.due:
            rows = [r for r in rows if is_due(r[6], last.get(r[0]), today)]
        if filters.quiet_days:
            limit = today - timedelta(days=filters.quiet_days)
            rows = [r for r in rows if r[0] not in last or last[r[0]].date() <= limit]
    pins = [{"id": r[0], "n": r[1], "s": r[2], "lat": round(r[3], 6), "lon": round(r[4], 6),
             "a": 1 if r[5] == "city" else 0}
            for r in rows if r[3] is not None and r[4] is not None]
    return PinSet(pins=pins, not_located=len(rows) - len(pins))


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
