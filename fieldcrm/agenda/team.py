"""The team's day for a manager (their team) or an admin (every team, or one): per rep, overdue
follow-ups, clients due for a visit and a whole week's activity (Monday to Sunday: what was done, and
what is still planned); the team's appointments today.

Each figure is one grouped select over the members' ids, whatever the number of reps (no query per
rep). The members come from access: a manager never reaches another team's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import Team, User
from fieldcrm.agenda.queries import _visit_overdue, effective_cadence
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import CLIENT_LINE
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.visits.models import Interaction


@dataclass
class RepWeek:
    """One rep's line: today's backlog and the week's activity, done and still planned."""

    user: User
    overdue: int = 0
    due: int = 0
    visits: int = 0
    calls: int = 0
    followups_done: int = 0
    new_clients: int = 0
    covered: int = 0  # clients contacted within their cadence…
    with_cadence: int = 0  # …out of the clients that have one
    appointments: int = 0  # appointments in the week (not cancelled), done or to come
    followups_ahead: int = 0  # open follow-ups due from today to the week's Sunday

    @property
    def coverage(self) -> float | None:
        """Share of the rep's clients (with a cadence) contacted within it; None without any."""
        return self.covered / self.with_cadence if self.with_cadence else None


@dataclass
class TeamDay:
    """The team's day (`day`: today) and one whole week, Monday to Sunday."""

    day: date
    week_start: date  # the Monday of the week summed up (this week, or an earlier one)
    team: Team | None  # None: every team (an admin's view)
    teams: list[Team] = field(default_factory=list)  # an admin's choice; empty for a manager
    reps: list[RepWeek] = field(default_factory=list)
    appointments: list[tuple[Appointment, Client, str]] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def is_this_week(self) -> bool:
        return self.week_start == timeutil.week_start(self.day)

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date | None:
        """The following week's Monday, None for this week (no week to come is summed up) and for the
        week just before it (reached without a date)."""
        following = self.week_start + timedelta(days=7)
        return following if following < timeutil.week_start(self.day) else None


def sees_team(actor: User) -> bool:
    """Whether Today shows `actor` a team's day: a manager with a team, or an admin."""
    return actor.role == "admin" or (actor.role == "manager" and actor.team_id is not None)


def team_in_reach(db: Session, actor: User, team_id: int | None) -> Team | None:
    """The team whose day `actor` looks at: a manager's own (whatever is asked), for an admin the team
    asked for (NotVisible if there is none) or None for every team."""
    if actor.role == "manager":
        return db.get(Team, actor.team_id)
    if team_id is None:
        return None
    team = db.get(Team, team_id)
    if team is None:
        raise access.NotVisible()
    return team


def members(db: Session, actor: User, team: Team | None) -> list[User]:
    """The active reps and managers whose figures `actor` sees, by name."""
    stmt = select(User).where(User.active, User.role.in_(("rep", "manager"))).order_by(User.name, User.id)
    owners = access.visible_owner_ids(actor)
    if owners is not None:
        stmt = stmt.where(User.id.in_(owners))
    if team is not None:
        stmt = stmt.where(User.team_id == team.id)
    return list(db.exec(stmt).all())


def _grouped(db: Session, stmt) -> dict[int, int]:
    return {key: count for key, count in db.exec(stmt).all()}


def _overdue_by_rep(db: Session, ids: list[int], today: date) -> dict[int, int]:
    return _grouped(db, select(FollowUp.assignee_id, func.count()).join(Client, Client.id == FollowUp.client_id)
                    .where(FollowUp.assignee_id.in_(ids), FollowUp.status == "open", FollowUp.due_date < today,
                           Client.deleted_at.is_(None)).group_by(FollowUp.assignee_id))


def _cadence_figures(db: Session, ids: list[int], today: date) -> tuple[dict, dict, dict]:
    """Per owner: clients due for a visit (Today's rule: last visit + cadence ≤ today, or never
    visited), clients with a cadence, and those of them contacted within it."""
    cadence, joins = effective_cadence()
    visit_late = _visit_overdue(db, cadence, today)
    if visit_late is None:
        return {}, {}, {}
    contact_late = _visit_overdue(db, cadence, today, Client.last_contact_at)
    has_cadence = and_(cadence.is_not(None), cadence > 0)
    due = and_(has_cadence, Client.do_not_contact.is_(False), or_(Client.last_visit_at.is_(None), visit_late))
    covered = and_(has_cadence, Client.last_contact_at.is_not(None), ~contact_late)
    stmt = select(Client.owner_id, func.sum(case((due, 1), else_=0)), func.sum(case((has_cadence, 1), else_=0)),
                  func.sum(case((covered, 1), else_=0)))
    for rule, on in joins:
        stmt = stmt.outerjoin(rule, on)
    rows = db.exec(stmt.where(Client.owner_id.in_(ids), Client.deleted_at.is_(None)).group_by(Client.owner_id)).all()
    return ({o: int(d or 0) for o, d, _w, _c in rows}, {o: int(w or 0) for o, _d, w, _c in rows},
            {o: int(c or 0) for o, _d, _w, c in rows})


def _week_activity(db: Session, ids: list[int], start, end) -> tuple[dict, dict, dict, dict]:
    """Per rep, in [start, end): visits and calls logged, follow-ups done, clients created for them."""
    logged = db.exec(select(Interaction.author_id, func.sum(case((Interaction.kind == "visit", 1), else_=0)),
                            func.sum(case((Interaction.kind == "phone", 1), else_=0)))
                     .where(Interaction.author_id.in_(ids), Interaction.occurred_at >= start,
                            Interaction.occurred_at < end).group_by(Interaction.author_id)).all()
    done = _grouped(db, select(FollowUp.assignee_id, func.count()).where(
        FollowUp.assignee_id.in_(ids), FollowUp.status == "done", FollowUp.closed_at >= start,
        FollowUp.closed_at < end).group_by(FollowUp.assignee_id))
    new = _grouped(db, select(Client.owner_id, func.count()).where(
        Client.owner_id.in_(ids), Client.deleted_at.is_(None), Client.created_at >= start,
        Client.created_at < end).group_by(Client.owner_id))
    return ({a: int(v or 0) for a, v, _c in logged}, {a: int(c or 0) for a, _v, c in logged}, done, new)


def _week_planned(db: Session, ids: list[int], first: date, today: date) -> tuple[dict, dict]:
    """Per rep, in the week from Monday `first`: appointments not cancelled, and open follow-ups due
    from today (or the Monday, for a week to come) to the Sunday."""
    start, end = timeutil.day_start(first), timeutil.day_start(first + timedelta(days=7))
    appointments = _grouped(db, select(Appointment.owner_id, func.count()).join(Client, Client.id == Appointment.client_id)
                            .where(Appointment.owner_id.in_(ids), Appointment.cancelled_at.is_(None),
                                   Client.deleted_at.is_(None), Appointment.starts_at >= start,
                                   Appointment.starts_at < end).group_by(Appointment.owner_id))
    ahead = _grouped(db, select(FollowUp.assignee_id, func.count()).join(Client, Client.id == FollowUp.client_id)
                     .where(FollowUp.assignee_id.in_(ids), FollowUp.status == "open", Client.deleted_at.is_(None),
                            FollowUp.due_date >= max(today, first), FollowUp.due_date < first + timedelta(days=7))
                     .group_by(FollowUp.assignee_id))
    return appointments, ahead


def chosen_week(asked: date | None, today: date) -> date:
    """The Monday of the week asked for (any day of it); this week's when none is asked, or one to come,
    or one before 2000."""
    this_week = timeutil.week_start(today)
    if asked is None or not date(2000, 1, 3) <= asked:
        return this_week
    return min(timeutil.week_start(asked), this_week)


def team_appointments(db: Session, ids: list[int], day: date) -> list[tuple[Appointment, Client, str]]:
    """The members' appointments today, in time order, with whose they are."""
    start, end = timeutil.day_bounds(day)
    return [tuple(row) for row in db.exec(
        select(Appointment, Client, User.name).join(Client, Client.id == Appointment.client_id)
        .join(User, User.id == Appointment.owner_id).options(CLIENT_LINE)
        .where(Appointment.owner_id.in_(ids), Appointment.cancelled_at.is_(None), Client.deleted_at.is_(None),
               Appointment.starts_at < end, Appointment.ends_at > start)
        .order_by(Appointment.starts_at, User.name, Appointment.id)).all()]


def team_day(db: Session, actor: User, team: Team | None, day: date | None = None,
             week: date | None = None) -> TeamDay:
    """The team's day and one whole week (Monday `week`, this week's by default), one line per member:
    what was done that week from Monday to Sunday, and what is still planned in it."""
    day = day or timeutil.today()
    first = chosen_week(week, day)
    result = TeamDay(day=day, week_start=first, team=team,
                     teams=list(db.exec(select(Team).order_by(Team.name)).all()) if actor.role == "admin" else [])
    people = members(db, actor, team)
    ids = [u.id for u in people]
    if not ids:
        return result
    overdue = _overdue_by_rep(db, ids, day)
    due, with_cadence, covered = _cadence_figures(db, ids, day)
    visits, calls, done, new = _week_activity(db, ids, timeutil.day_start(first),
                                              timeutil.day_start(first + timedelta(days=7)))
    appointments, ahead = _week_planned(db, ids, first, day)
    result.reps = [RepWeek(u, overdue.get(u.id, 0), due.get(u.id, 0), visits.get(u.id, 0), calls.get(u.id, 0),
                           done.get(u.id, 0), new.get(u.id, 0), covered.get(u.id, 0), with_cadence.get(u.id, 0),
                           appointments.get(u.id, 0), ahead.get(u.id, 0))
                   for u in people]
    result.appointments = team_appointments(db, ids, day)
    return result
