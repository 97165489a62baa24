"""The rep's day and week. Every select starts from access (the client scope, or the actor's own
portfolio for "due for a visit"); "today" is the user's calendar day (see agenda.clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, and_, cast, func, or_
from sqlalchemy.orm import aliased, load_only
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.agenda import clock
from fieldcrm.agenda.models import CadenceRule
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.followups.services import flag_overlaps

DUE_VISITS_SHOWN = 10
FOLLOWUPS_SHOWN = 25  # today's follow-ups on Today; the rest are on the follow-up list
OVERDUE_SHOWN = 10  # the oldest overdue ones; the others are a tap away


@dataclass
class DuePage:
    rows: list[tuple[Client, int]]
    total: int


@dataclass
class Day:
    day: date
    overdue: list[tuple[FollowUp, Client]]
    followups: list[tuple[FollowUp, Client]]
    appointments: list[tuple[Appointment, Client]]
    overlaps: set[int] = field(default_factory=set)
    due: DuePage | None = None
    overdue_total: int = 0
    followups_total: int = 0


# What an agenda line shows of a client (loading the whole card for each line costs more than the query).
LINE = load_only(Client.id, Client.display_name, Client.city, Client.postal_code, Client.street, Client.country,
                 Client.phone, Client.mobile, Client.latitude, Client.longitude, Client.last_visit_at,
                 Client.owner_id, Client.deleted_at)


def _followups(actor: User):
    stmt = select(FollowUp, Client).join(Client, Client.id == FollowUp.client_id).options(LINE)
    return access.scope(stmt, actor).where(FollowUp.assignee_id == actor.id, FollowUp.status == "open")


def _appointments(actor: User, start, end):
    stmt = select(Appointment, Client).join(Client, Client.id == Appointment.client_id).options(LINE)
    return access.scope(stmt, actor).where(
        Appointment.owner_id == actor.id, Appointment.cancelled_at.is_(None),
        Appointment.starts_at < end, Appointment.ends_at > start).order_by(Appointment.starts_at,
                                                                            Appointment.id)


def _ordered(stmt):
    return stmt.order_by(FollowUp.due_date, FollowUp.due_time.is_(None), FollowUp.due_time, FollowUp.id)


COUNT_CAP = 100  # Today says "100+" rather than counting a whole backlog


def _count(db: Session, stmt, cap: int | None = None) -> int:
    if cap is not None:
        stmt = stmt.limit(cap)
    return db.exec(select(func.count()).select_from(stmt.subquery())).one()


def open_followups(db: Session, actor: User, *, before: date | None = None, on: date | None = None,
                   limit: int | None = None, offset: int = 0, cap: int | None = None):
    """The actor's open follow-ups (due before a day, or on a day), oldest due first, and how many
    there are (counted up to `cap`)."""
    stmt = _followups(actor)
    if before is not None:
        # Overdue: by day only, so the (assignee, status, due_date) index gives the order.
        stmt = stmt.where(FollowUp.due_date < before)
        ordered = stmt.order_by(FollowUp.due_date, FollowUp.id)
    else:
        if on is not None:
            stmt = stmt.where(FollowUp.due_date == on)
        ordered = _ordered(stmt)
    rows = db.exec(ordered.offset(offset).limit(limit)).all()
    return list(rows), _count(db, stmt.with_only_columns(FollowUp.id), cap)


_BY_SEGMENT, _BY_STATUS = aliased(CadenceRule, name="by_segment"), aliased(CadenceRule, name="by_status")


def effective_cadence():
    """The client's own cadence, else its segment's, else its status's (an SQL expression) and the
    joins it needs. The aliases are built once so SQLAlchemy's statement cache recognises the query."""
    by_segment, by_status = _BY_SEGMENT, _BY_STATUS
    expr = func.coalesce(Client.visit_cadence_days, by_segment.days, by_status.days)
    joins = [(by_segment, and_(by_segment.field == "segment", by_segment.value == Client.segment)),
             (by_status, and_(by_status.field == "status", by_status.value == Client.status))]
    return expr, joins


def _visit_overdue(db: Session, cadence, today: date):
    """SQL for "the local date of the last visit + cadence ≤ today" (None: no cadence anywhere).
    PostgreSQL converts to the user's zone itself; SQLite cannot, so each cadence in use gets its
    own UTC cutoff (the local midnight after today − cadence). Same rule, same tests, both backends."""
    if db.get_bind().dialect.name == "postgresql":
        local_day = cast(func.timezone(clock.zone().key, Client.last_visit_at), Date)
        return local_day + cadence <= today
    # Every cadence in use (any owner's: a superset is harmless, and an index answers it at once).
    values = set(db.exec(select(Client.visit_cadence_days).distinct()).all())
    values |= set(db.exec(select(CadenceRule.days).distinct()).all())
    values = sorted(d for d in values if d and d > 0)
    if not values:
        return None
    return or_(*[and_(cadence == d, Client.last_visit_at < clock.day_start(today - timedelta(days=d - 1)))
                 for d in values])


def due_for_visit(db: Session, actor: User, today: date, limit: int = DUE_VISITS_SHOWN) -> DuePage:
    """The actor's clients whose last visit + cadence ≤ today (never visited counts as due),
    longest-waiting first. Walks (owner_id, last_visit_at) in order and stops early, so it stays fast
    with a big portfolio; the total is counted up to COUNT_CAP."""
    cadence, joins = effective_cadence()
    overdue = _visit_overdue(db, cadence, today)
    if overdue is None:
        return DuePage([], 0)
    wanted = and_(cadence.is_not(None), cadence > 0, Client.do_not_contact.is_(False))

    def base(columns, *conditions):
        stmt = access.own_clients(select(*columns), actor)
        for rule, on in joins:
            stmt = stmt.outerjoin(rule, on)
        return stmt.where(wanted, *conditions)

    never = base([Client, cadence], Client.last_visit_at.is_(None))
    late = base([Client, cadence], Client.last_visit_at.is_not(None), overdue)
    rows = list(db.exec(never.options(LINE).order_by(Client.id).limit(limit)).all())
    if len(rows) < limit:
        rows += db.exec(late.options(LINE).order_by(Client.last_visit_at, Client.id).limit(limit - len(rows))).all()
    total = sum(db.exec(select(func.count()).select_from(
        stmt.with_only_columns(Client.id).limit(COUNT_CAP).subquery())).one() for stmt in (never, late))
    return DuePage([(c, d) for c, d in rows], min(total, COUNT_CAP))


def day_agenda(db: Session, actor: User, day: date | None = None) -> Day:
    """Today: overdue and today's follow-ups, today's appointments in time order (overlaps flagged),
    clients due for a visit."""
    day = day or clock.today()
    overdue, overdue_total = open_followups(db, actor, before=day, limit=OVERDUE_SHOWN, cap=COUNT_CAP)
    followups, followups_total = open_followups(db, actor, on=day, limit=FOLLOWUPS_SHOWN)
    start, end = clock.day_bounds(day)
    appointments = list(db.exec(_appointments(actor, start, end)).all())
    return Day(day=day, overdue=overdue, followups=followups, appointments=appointments,
               overlaps=flag_overlaps([a for a, _ in appointments]), due=due_for_visit(db, actor, day),
               overdue_total=overdue_total, followups_total=followups_total)


def week_agenda(db: Session, actor: User, first: date) -> list[Day]:
    """Seven days from `first`: follow-ups due and appointments, per day."""
    last = first + timedelta(days=7)
    followups = db.exec(_followups(actor).where(FollowUp.due_date >= first, FollowUp.due_date < last)
                        .order_by(FollowUp.due_date, FollowUp.due_time, FollowUp.id)).all()
    start, end = clock.day_start(first), clock.day_start(last)
    appointments = list(db.exec(_appointments(actor, start, end)).all())
    overlaps = flag_overlaps([a for a, _ in appointments])
    days = []
    for offset in range(7):
        day = first + timedelta(days=offset)
        day_start, day_end = clock.day_bounds(day)
        days.append(Day(day=day, overdue=[], followups=[(f, c) for f, c in followups if f.due_date == day],
                        appointments=[(a, c) for a, c in appointments
                                      if a.starts_at < day_end and a.ends_at > day_start],
                        overlaps=overlaps))
    return days


def feed_items(db: Session, user: User, today: date):
    """What the user's calendar feed carries: open follow-ups from 30 days back, appointments from
    30 days back to a year ahead (their own, on clients still in their scope)."""
    followups = db.exec(_followups(user).where(FollowUp.due_date >= today - timedelta(days=30))
                        .order_by(FollowUp.due_date)).all()
    appointments = db.exec(_appointments(user, clock.day_start(today - timedelta(days=30)),
                                         clock.day_start(today + timedelta(days=366)))).all()
    return list(followups), list(appointments)


def cadence_rules(db: Session) -> list[CadenceRule]:
    return list(db.exec(select(CadenceRule).order_by(CadenceRule.field, CadenceRule.value)).all())
