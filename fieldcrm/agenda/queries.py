"""The rep's day and week. Every select starts from the client scope (clients.queries.scope, or the
actor's own portfolio for "due for a visit"); "today" is the user's calendar day (see timeutil)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import Date, and_, bindparam, cast, func, or_, union
from sqlalchemy.orm import aliased, load_only
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import User
from fieldcrm.agenda.models import CadenceRule
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import CLIENT_LINE, own_clients, scope
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.followups.queries import FOLLOWUP_ORDER, followup_page, open_followups_select
from fieldcrm.followups.services import flag_overlaps
from fieldcrm.paging import cut_page, numbered_keys, run_page
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


def _appointments(actor: User, start, end):
    stmt = select(Appointment, Client).join(Client, Client.id == Appointment.client_id).options(CLIENT_LINE)
    return scope(stmt, actor).where(
        Appointment.owner_id == actor.id, Appointment.cancelled_at.is_(None),
        Appointment.starts_at < end, Appointment.ends_at > start).order_by(Appointment.starts_at,
                                                                            Appointment.id)


APPOINTMENT_LINE = load_only(Appointment.id, Appointment.client_id, Appointment.owner_id, Appointment.starts_at,
                             Appointment.ends_at, Appointment.place, Appointment.cancelled_at)

COUNT_CAP = 100  # Today says "100+" rather than counting a whole backlog


_BY_SEGMENT, _BY_STATUS = aliased(CadenceRule, name="by_segment"), aliased(CadenceRule, name="by_status")


def effective_cadence():
    """The client's own cadence, else its segment's, else its status's (an SQL expression) and the
    joins it needs. The aliases are built once so SQLAlchemy's statement cache recognises the query."""
    by_segment, by_status = _BY_SEGMENT, _BY_STATUS
    expr = func.coalesce(Client.visit_cadence_days, by_segment.days, by_status.days)
    joins = [(by_segment, and_(by_segment.field == "segment", by_segment.value == Client.segment)),
             (by_status, and_(by_status.field == "status", by_status.value == Client.status))]
    return expr, joins


# Every visit cadence in use (any owner's: a superset is harmless, and an index answers it at once).
_CADENCES_IN_USE = union(select(Client.visit_cadence_days), select(CadenceRule.days))


def cadences_in_use(db: Session) -> tuple[int, ...]:
    """The positive visit cadences set on a client or by a rule, in increasing order."""
    return tuple(sorted(d for d in db.execute(_CADENCES_IN_USE).scalars() if d and d > 0))


def _cutoff_name(days: int) -> str:
    return f"cutoff_{days}"


def cutoff_params(values, today: date) -> dict:
    """The bound cutoffs of _visit_overdue(…, bound=True) for `today`: the local midnight after
    today − cadence, in UTC, for each cadence in use."""
    return {_cutoff_name(d): timeutil.day_start(today - timedelta(days=d - 1)) for d in values}


def _visit_overdue(db: Session, cadence, today, last=Client.last_visit_at, values=None, bound=False):
    """SQL for "the local date of the last visit + cadence ≤ today" (None: no cadence anywhere); with
    `last`, of another moment (the last contact, for the team's coverage).
    PostgreSQL converts to the user's zone itself (`today` may then be a bound parameter); SQLite
    cannot, so each cadence in use (`values`, read when not given) gets its own UTC cutoff (the
    local midnight after today − cadence): a literal, or with `bound` a parameter of cutoff_params.
    Same rule, same tests, both backends."""
    if db.get_bind().dialect.name == "postgresql":
        local_day = cast(func.timezone(timeutil.zone().key, last), Date)
        return local_day + cadence <= today
    values = cadences_in_use(db) if values is None else values
    if not values:
        return None
    if bound:
        return or_(*[and_(cadence == d, last < bindparam(_cutoff_name(d), type_=last.type)) for d in values])
    return or_(*[and_(cadence == d, last < timeutil.day_start(today - timedelta(days=d - 1)))
                 for d in values])


@dataclass
class _DueSelects:
    never: object  # the never-visited, by id: a page of `limit` with the total
    late: object  # the longest-waiting, a page of `late_size` (a bound parameter) with the total
    late_counted: object  # the late ones counted (up to `count_cap`), when the never-visited fill the page


def _due_selects(db: Session, actor, today, limit: int, values=None) -> _DueSelects | None:
    cadence, joins = effective_cadence()
    overdue = _visit_overdue(db, cadence, today, values=values, bound=values is not None)
    if overdue is None:
        return None
    wanted = and_(cadence.is_not(None), cadence > 0, Client.do_not_contact.is_(False))

    def base(*conditions):
        stmt = own_clients(select(Client, cadence), actor)
        for rule, on in joins:
            stmt = stmt.outerjoin(rule, on)
        return stmt.where(wanted, *conditions)

    def page(stmt, order, size):
        numbered = numbered_keys(stmt, Client.id, order, COUNT_CAP, carry=(cadence,))
        rows = (select(Client, numbered.c.carry0, numbered.c.total)
                .join(numbered, numbered.c.key == Client.id).options(CLIENT_LINE))
        return cut_page(rows, numbered, size, 0)

    late = base(Client.last_visit_at.is_not(None), overdue)
    return _DueSelects(page(base(Client.last_visit_at.is_(None)), (Client.id,), limit),
                       page(late, (Client.last_visit_at, Client.id), bindparam("late_size")),
                       select(func.count()).select_from(
                           late.with_only_columns(Client.id).limit(bindparam("count_cap")).subquery()))


def _due_page(db: Session, selects: _DueSelects | None, limit: int, params: dict) -> DuePage:
    if selects is None:
        return DuePage([], 0)
    rows, total = run_page(db, selects.never, params)
    total = total or 0
    if len(rows) < limit:
        late_rows, late_total = run_page(db, selects.late, {**params, "late_size": limit - len(rows)})
        rows, total = rows + late_rows, total + (late_total or 0)
    elif total < COUNT_CAP:  # the never-visited fill the page: the late ones are only counted
        total += db.exec(selects.late_counted, params={**params, "count_cap": COUNT_CAP - total}).one()
    return DuePage([(c, d) for c, d in rows], min(total, COUNT_CAP))


def due_for_visit(db: Session, actor: User, today: date, limit: int = DUE_VISITS_SHOWN) -> DuePage:
    """The actor's clients whose last visit + cadence ≤ today (never visited counts as due),
    longest-waiting first. Walks (owner_id, last_visit_at) in order and stops early, so it stays fast
    with a big portfolio; the total is counted up to COUNT_CAP, in the same round trip as the rows."""
    return _due_page(db, _due_selects(db, actor, today, limit), limit, {})


# Today's selects, built once per actor shape, database and time zone (see access.BoundActor) and run
# with the actor and the day as parameters: Today is the most opened page, and building its selects
# cost more than running them. On SQLite, "due for a visit" also depends on the cadences in use (see
# _visit_overdue): it is kept per set of cadences, read with one query each time.
_TODAY_SELECTS: dict[tuple, dict] = {}
_SQLITE_DUE_SELECTS: dict[tuple, _DueSelects | None] = {}
_SQLITE_DUE_KEPT = 64  # sets of cadences kept (a few in practice; forgotten all at once beyond)


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
            "overdue": followup_page(who, before=day, limit=OVERDUE_SHOWN, cap=COUNT_CAP)[0],
            "today": followup_page(who, on=day, limit=FOLLOWUPS_SHOWN)[0],
            "appointments": _appointments(who, start, end).options(APPOINTMENT_LINE),
            "due": _due_selects(db, who, day, DUE_VISITS_SHOWN) if dialect == "postgresql" else None,
        })
    return selects


def _sqlite_due_selects(db: Session, actor: User, values: tuple[int, ...]) -> _DueSelects | None:
    key = (access.BoundActor.shape(actor), values)
    if key not in _SQLITE_DUE_SELECTS:
        if len(_SQLITE_DUE_SELECTS) >= _SQLITE_DUE_KEPT:
            _SQLITE_DUE_SELECTS.clear()
        _SQLITE_DUE_SELECTS[key] = _due_selects(db, access.BoundActor(actor), None, DUE_VISITS_SHOWN, values)
    return _SQLITE_DUE_SELECTS[key]


def day_agenda(db: Session, actor: User, day: date | None = None) -> Day:
    """Today: overdue and today's follow-ups, today's appointments in time order (overlaps flagged),
    clients due for a visit."""
    day = day or timeutil.today()
    selects = _today_selects(db, actor)
    start, end = timeutil.day_bounds(day)
    params = {**access.bound_actor_params(actor), "day": day, "day_start": start, "day_end": end}
    overdue, overdue_total = run_page(db, selects["overdue"], params)
    followups, followups_total = run_page(db, selects["today"], params)
    appointments = list(db.exec(selects["appointments"], params=params).all())
    due_selects = selects["due"]
    if due_selects is None:  # SQLite
        values = cadences_in_use(db)
        due_selects = _sqlite_due_selects(db, actor, values) if values else None
        params.update(cutoff_params(values, day))
    return Day(day=day, overdue=overdue, followups=followups, appointments=appointments,
               overlaps=flag_overlaps([a for a, _ in appointments]),
               due=_due_page(db, due_selects, DUE_VISITS_SHOWN, params),
               overdue_total=overdue_total or 0, followups_total=followups_total or 0)


def _logged_between(db: Session, actor: User, start, end) -> list[tuple[Interaction, Client]]:
    """The actor's own logs in [start, end): what was done, beside what was planned."""
    stmt = select(Interaction, Client).join(Client, Client.id == Interaction.client_id).options(CLIENT_LINE)
    return list(db.exec(scope(stmt, actor).where(
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
    followups = db.exec(open_followups_select(actor).where(FollowUp.due_date >= first, FollowUp.due_date < last)
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
    followups = db.exec(open_followups_select(user).where(FollowUp.due_date >= today - timedelta(days=30))
                        .order_by(FollowUp.due_date)).all()
    appointments = db.exec(_appointments(user, timeutil.day_start(today - timedelta(days=30)),
                                         timeutil.day_start(today + timedelta(days=366)))).all()
    return list(followups), list(appointments)


def cadence_rules(db: Session) -> list[CadenceRule]:
    return list(db.exec(select(CadenceRule).order_by(CadenceRule.field, CadenceRule.value)).all())
