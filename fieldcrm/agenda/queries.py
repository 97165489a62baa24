"""The rep's day and week. Every select starts from access (the client scope, or the actor's own
portfolio for "due for a visit"); "today" is the user's calendar day (see timeutil)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import Date, and_, bindparam, cast, func, or_
from sqlalchemy.orm import aliased, load_only
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import User
from fieldcrm.agenda.models import CadenceRule
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.followups.services import flag_overlaps
from fieldcrm.visits.models import Interaction

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
    items: list[WeekItem] = field(default_factory=list)


@dataclass
class WeekItem:
    """One line of a day in the week: an appointment, a follow-up or a logged interaction, at its
    local time of day (None: a follow-up with no time, after the timed lines)."""
    kind: str  # "appointment", "followup" or "logged"
    at: time | None
    record: Appointment | FollowUp | Interaction
    client: Client


# What an agenda line shows of a client (loading the whole card for each line costs more than the query).
LINE = load_only(Client.id, Client.display_name, Client.city, Client.postal_code, Client.street, Client.country,
                 Client.phone, Client.mobile, Client.latitude, Client.longitude, Client.last_visit_at,
                 Client.owner_id, Client.deleted_at)


def _followups(actor: User, whose="me"):
    stmt = select(FollowUp, Client).join(Client, Client.id == FollowUp.client_id).options(LINE)
    return access.scope_followups(stmt, actor, whose).where(FollowUp.status == "open")


def _appointments(actor: User, start, end):
    stmt = select(Appointment, Client).join(Client, Client.id == Appointment.client_id).options(LINE)
    return access.scope(stmt, actor).where(
        Appointment.owner_id == actor.id, Appointment.cancelled_at.is_(None),
        Appointment.starts_at < end, Appointment.ends_at > start).order_by(Appointment.starts_at,
                                                                            Appointment.id)


FOLLOWUP_ORDER = (FollowUp.due_date, FollowUp.due_time.is_(None), FollowUp.due_time, FollowUp.id)
OVERDUE_ORDER = (FollowUp.due_date, FollowUp.id)  # by day only: the (assignee, status, due_date) index's order
# What a list line shows of a follow-up or an appointment (fewer columns to read and to map).
FOLLOWUP_LINE = load_only(FollowUp.id, FollowUp.client_id, FollowUp.assignee_id, FollowUp.due_date,
                          FollowUp.due_time, FollowUp.reason, FollowUp.status)
APPOINTMENT_LINE = load_only(Appointment.id, Appointment.client_id, Appointment.owner_id, Appointment.starts_at,
                             Appointment.ends_at, Appointment.place, Appointment.cancelled_at)

COUNT_CAP = 100  # Today says "100+" rather than counting a whole backlog


def _count(db: Session, stmt, cap: int | None = None) -> int:
    if cap is not None:
        stmt = stmt.limit(cap)
    return db.exec(select(func.count()).select_from(stmt.subquery())).one()


def _numbered(stmt, key, order, cap: int | None, carry=()):
    """A sub-select of `stmt`'s keys in `order` (up to `cap`), each numbered (`n`) and with the
    total (`total`), carrying the `carry` expressions along as carry0, carry1…: the database finds
    and counts the rows once, and only one page of them is then loaded (one round trip instead of a
    page query and a count query)."""
    inner = stmt.with_only_columns(key.label("key"), *[c.label(f"carry{i}") for i, c in enumerate(carry)],
                                   *[o.label(f"order{i}") for i, o in enumerate(order)]).order_by(*order)
    if cap is not None:
        inner = inner.limit(cap)
    inner = inner.subquery()
    ordering = [inner.c[f"order{i}"] for i in range(len(order))]
    return select(inner, func.count().over().label("total"),
                  func.row_number().over(order_by=ordering).label("n")).subquery()


def _paged(page_stmt, numbered, limit, offset):
    """`page_stmt` (joined to `numbered`) cut to one page; `limit` may be a bound parameter."""
    page_stmt = page_stmt.where(numbered.c.n > offset).order_by(numbered.c.n)
    return page_stmt if limit is None else page_stmt.where(numbered.c.n <= offset + limit)


def _run_page(db: Session, page_stmt, params=None) -> tuple[list, int | None]:
    """The rows of a page (without their total column) and the total, None when the page is empty."""
    rows = db.exec(page_stmt, params=params or {}).all()
    return [tuple(row[:-1]) for row in rows], (rows[0][-1] if rows else None)


def _followup_page(actor, *, before=None, on=None, limit=None, offset=0, cap=None, whose="me"):
    """The select of one page of open follow-ups (with their total), and the plain select to count
    them when a page past the end comes back empty."""
    stmt = _followups(actor, whose)
    order = FOLLOWUP_ORDER
    if before is not None:
        stmt, order = stmt.where(FollowUp.due_date < before), OVERDUE_ORDER
    elif on is not None:
        stmt = stmt.where(FollowUp.due_date == on)
    numbered = _numbered(stmt, FollowUp.id, order, cap)
    page = (select(FollowUp, Client, numbered.c.total).join(numbered, numbered.c.key == FollowUp.id)
            .join(Client, Client.id == FollowUp.client_id).options(LINE, FOLLOWUP_LINE))
    return _paged(page, numbered, limit, offset), stmt.with_only_columns(FollowUp.id)


def open_followups(db: Session, actor: User, *, before: date | None = None, on: date | None = None,
                   limit: int | None = None, offset: int = 0, cap: int | None = None, whose="me"):
    """Open follow-ups, oldest due first, and how many there are (counted up to `cap`): the actor's
    own, or — for a manager or an admin — their team's or one person's (see access.scope_followups).
    Due before a day (overdue), on a day, or all."""
    page, counted = _followup_page(actor, before=before, on=on, limit=limit, offset=offset, cap=cap,
                                   whose=whose)
    rows, total = _run_page(db, page)
    if total is None:
        total = 0 if offset == 0 else _count(db, counted, cap)
    return rows, total


_BY_SEGMENT, _BY_STATUS = aliased(CadenceRule, name="by_segment"), aliased(CadenceRule, name="by_status")


def effective_cadence():
    """The client's own cadence, else its segment's, else its status's (an SQL expression) and the
    joins it needs. The aliases are built once so SQLAlchemy's statement cache recognises the query."""
    by_segment, by_status = _BY_SEGMENT, _BY_STATUS
    expr = func.coalesce(Client.visit_cadence_days, by_segment.days, by_status.days)
    joins = [(by_segment, and_(by_segment.field == "segment", by_segment.value == Client.segment)),
             (by_status, and_(by_status.field == "status", by_status.value == Client.status))]
    return expr, joins


def _visit_overdue(db: Session, cadence, today, last=Client.last_visit_at):
    """SQL for "the local date of the last visit + cadence ≤ today" (None: no cadence anywhere); with
    `last`, of another moment (the last contact, for the team's coverage).
    PostgreSQL converts to the user's zone itself (`today` may then be a bound parameter); SQLite
    cannot, so each cadence in use gets its own UTC cutoff (the local midnight after today − cadence).
    Same rule, same tests, both backends."""
    if db.get_bind().dialect.name == "postgresql":
        local_day = cast(func.timezone(timeutil.zone().key, last), Date)
        return local_day + cadence <= today
    # Every cadence in use (any owner's: a superset is harmless, and an index answers it at once).
    values = set(db.exec(select(Client.visit_cadence_days).distinct()).all())
    values |= set(db.exec(select(CadenceRule.days).distinct()).all())
    values = sorted(d for d in values if d and d > 0)
    if not values:
        return None
    return or_(*[and_(cadence == d, last < timeutil.day_start(today - timedelta(days=d - 1)))
                 for d in values])


@dataclass
class _DueSelects:
    never: object  # the never-visited, by id: a page of `limit` with the total
    late: object  # the longest-waiting, a page of `late_size` (a bound parameter) with the total
    late_counted: object  # the late ones alone, to count when the never-visited fill the page


def _due_selects(db: Session, actor, today, limit: int) -> _DueSelects | None:
    cadence, joins = effective_cadence()
    overdue = _visit_overdue(db, cadence, today)
    if overdue is None:
        return None
    wanted = and_(cadence.is_not(None), cadence > 0, Client.do_not_contact.is_(False))

    def base(*conditions):
        stmt = access.own_clients(select(Client, cadence), actor)
        for rule, on in joins:
            stmt = stmt.outerjoin(rule, on)
        return stmt.where(wanted, *conditions)

    def page(stmt, order, size):
        numbered = _numbered(stmt, Client.id, order, COUNT_CAP, carry=(cadence,))
        rows = (select(Client, numbered.c.carry0, numbered.c.total)
                .join(numbered, numbered.c.key == Client.id).options(LINE))
        return _paged(rows, numbered, size, 0)

    late = base(Client.last_visit_at.is_not(None), overdue)
    return _DueSelects(page(base(Client.last_visit_at.is_(None)), (Client.id,), limit),
                       page(late, (Client.last_visit_at, Client.id), bindparam("late_size")),
                       late.with_only_columns(Client.id))


def _due_page(db: Session, selects: _DueSelects | None, limit: int, params: dict) -> DuePage:
    if selects is None:
        return DuePage([], 0)
    rows, total = _run_page(db, selects.never, params)
    total = total or 0
    if len(rows) < limit:
        late_rows, late_total = _run_page(db, selects.late, {**params, "late_size": limit - len(rows)})
        rows, total = rows + late_rows, total + (late_total or 0)
    elif total < COUNT_CAP:  # the never-visited fill the page: the late ones are only counted
        total += _count(db, selects.late_counted.params(params), COUNT_CAP - total)
    return DuePage([(c, d) for c, d in rows], min(total, COUNT_CAP))


def due_for_visit(db: Session, actor: User, today: date, limit: int = DUE_VISITS_SHOWN) -> DuePage:
    """The actor's clients whose last visit + cadence ≤ today (never visited counts as due),
    longest-waiting first. Walks (owner_id, last_visit_at) in order and stops early, so it stays fast
    with a big portfolio; the total is counted up to COUNT_CAP, in the same round trip as the rows."""
    return _due_page(db, _due_selects(db, actor, today, limit), limit, {})


# Today's selects, built once per actor shape, database and time zone (see access.BoundActor) and run
# with the actor and the day as parameters: Today is the most opened page, and building its selects
# cost more than running them. "Due for a visit" is kept only on PostgreSQL: on SQLite it depends on
# the cadences in use (see _visit_overdue) and is built each time.
_TODAY_SELECTS: dict[tuple, dict] = {}


def _today_selects(db: Session, actor: User) -> dict:
    dialect = db.get_bind().dialect.name
    key = (dialect, timeutil.zone().key, access.BoundActor.shape(actor))
    selects = _TODAY_SELECTS.get(key)
    if selects is None:
        who = access.BoundActor(actor)
        day = bindparam("day", type_=Date)
        start = bindparam("day_start", type_=Appointment.starts_at.type)
        end = bindparam("day_end", type_=Appointment.starts_at.type)
        selects = _TODAY_SELECTS.setdefault(key, {
            "overdue": _followup_page(who, before=day, limit=OVERDUE_SHOWN, cap=COUNT_CAP)[0],
            "today": _followup_page(who, on=day, limit=FOLLOWUPS_SHOWN)[0],
            "appointments": _appointments(who, start, end).options(APPOINTMENT_LINE),
            "due": _due_selects(db, who, day, DUE_VISITS_SHOWN) if dialect == "postgresql" else None,
        })
    return selects


def day_agenda(db: Session, actor: User, day: date | None = None) -> Day:
    """Today: overdue and today's follow-ups, today's appointments in time order (overlaps flagged),
    clients due for a visit."""
    day = day or timeutil.today()
    selects = _today_selects(db, actor)
    start, end = timeutil.day_bounds(day)
    params = {**access.bound_actor_params(actor), "day": day, "day_start": start, "day_end": end}
    overdue, overdue_total = _run_page(db, selects["overdue"], params)
    followups, followups_total = _run_page(db, selects["today"], params)
    appointments = list(db.exec(selects["appointments"], params=params).all())
    due_selects = selects["due"] if selects["due"] is not None else _due_selects(db, actor, day, DUE_VISITS_SHOWN)
    return Day(day=day, overdue=overdue, followups=followups, appointments=appointments,
               overlaps=flag_overlaps([a for a, _ in appointments]),
               due=_due_page(db, due_selects, DUE_VISITS_SHOWN, params),
               overdue_total=overdue_total or 0, followups_total=followups_total or 0)


def _logged_between(db: Session, actor: User, start, end) -> list[tuple[Interaction, Client]]:
    """The actor's own logs in [start, end): what was done, beside what was planned."""
    stmt = select(Interaction, Client).join(Client, Client.id == Interaction.client_id).options(LINE)
    return list(db.exec(access.scope(stmt, actor).where(
        Interaction.author_id == actor.id, Interaction.occurred_at >= start, Interaction.occurred_at < end)
        .order_by(Interaction.occurred_at, Interaction.id)).all())


def _day_items(day: date, appointments, followups, logged) -> list[WeekItem]:
    """A day's lines in time order; an appointment begun the day before counts from midnight."""
    def local_time(moment):
        local = timeutil.to_local(moment)
        return local.time() if local.date() == day else time.min

    items = [WeekItem("appointment", local_time(a.starts_at), a, c) for a, c in appointments]
    items += [WeekItem("followup", f.due_time, f, c) for f, c in followups]
    items += [WeekItem("logged", local_time(i.occurred_at), i, c) for i, c in logged]
    return sorted(items, key=lambda item: (item.at is None, item.at or time.min))


def week_agenda(db: Session, actor: User, first: date) -> list[Day]:
    """Seven days from `first`, each in time order: follow-ups due, appointments and, for the days
    up to today, the interactions the actor logged."""
    last = first + timedelta(days=7)
    followups = db.exec(_followups(actor).where(FollowUp.due_date >= first, FollowUp.due_date < last)
                        .order_by(*FOLLOWUP_ORDER)).all()
    start, end = timeutil.day_start(first), timeutil.day_start(last)
    appointments = list(db.exec(_appointments(actor, start, end)).all())
    logged = _logged_between(db, actor, start, end) if first <= timeutil.today() else []
    overlaps = flag_overlaps([a for a, _ in appointments])
    days = []
    for offset in range(7):
        day = first + timedelta(days=offset)
        day_start, day_end = timeutil.day_bounds(day)
        on_day = Day(day=day, overdue=[], followups=[(f, c) for f, c in followups if f.due_date == day],
                     appointments=[(a, c) for a, c in appointments
                                   if a.starts_at < day_end and a.ends_at > day_start],
                     overlaps=overlaps)
        on_day.items = _day_items(day, on_day.appointments, on_day.followups,
                                  [(i, c) for i, c in logged if day_start <= i.occurred_at < day_end])
        days.append(on_day)
    return days


def feed_items(db: Session, user: User, today: date):
    """What the user's calendar feed carries: open follow-ups from 30 days back, appointments from
    30 days back to a year ahead (their own, on clients still in their scope)."""
    followups = db.exec(_followups(user).where(FollowUp.due_date >= today - timedelta(days=30))
                        .order_by(FollowUp.due_date)).all()
    appointments = db.exec(_appointments(user, timeutil.day_start(today - timedelta(days=30)),
                                         timeutil.day_start(today + timedelta(days=366)))).all()
    return list(followups), list(appointments)


def cadence_rules(db: Session) -> list[CadenceRule]:
    return list(db.exec(select(CadenceRule).order_by(CadenceRule.field, CadenceRule.value)).all())
