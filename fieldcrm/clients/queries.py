"""Read-only selects over the client file. Every function starts from access.scope."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import (
    STATUSES,
    ChannelConsent,
    Client,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    OpeningHours,
)
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.sales.queries import REVENUE_SORTS, revenue_sort

SORTS = {
    "name": (Client.sort_name.asc(), Client.id.asc()),
    "city": (Client.city.asc(), Client.sort_name.asc(), Client.id.asc()),
    "updated": (Client.updated_at.desc(), Client.id.desc()),
    # The longest without contact first (never contacted at the very top): who to call next.
    "last_contact": (Client.last_contact_at.is_(None).desc(), Client.last_contact_at.asc(), Client.id.asc()),
}
STALE_DAYS = (30, 60, 90, 180, 365)  # "not contacted for N days" filter choices
PAGE_SIZE = 30


@dataclass
class ClientPage:
    rows: list[Client]
    total: int
    page: int
    has_more: bool
    status_counts: dict[str, int]


def _filtered(actor: User, q: str | None, status: str | None, stale: int | None = None, owner: User | None = None):
    stmt = access.scope(select(Client), actor)
    if owner is not None:  # one person's portfolio, within the actor's scope (loaded through access)
        stmt = stmt.where(Client.owner_id == owner.id)
    for token in search_tokens(q):
        stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
    if stale:  # not contacted for `stale` days (or never)
        from fieldcrm import timeutil

        since = timeutil.now() - timedelta(days=stale)
        stmt = stmt.where(or_(Client.last_contact_at.is_(None), Client.last_contact_at < since))
    counts_stmt = stmt
    if status in STATUSES:
        stmt = stmt.where(Client.status == status)
    return stmt, counts_stmt


def _listed(actor: User, q, status, stale, segment, sort, owner=None):
    """The list's select (as filtered on screen), the same without the status filter (for the status
    chips), and the order."""
    stmt, counts_stmt = _filtered(actor, q, status, stale, owner)
    order = SORTS.get(sort, SORTS["name"])
    if segment is not None:  # a saved segment narrows the list and its counts
        from fieldcrm.segments.queries import apply_segment

        stmt, counts_stmt = apply_segment(stmt, segment), apply_segment(counts_stmt, segment)
    if sort in REVENUE_SORTS:  # figures derived from purchases come from sales.queries only (one definition)
        stmt, order = revenue_sort(stmt, sort)
    return stmt, counts_stmt, order


def matching_clients(db: Session, actor: User, *, q: str | None = None, status: str | None = None,
                     sort: str = "name", stale: int | None = None, segment=None, limit: int = 100,
                     owner: User | None = None, **_page) -> list[Client]:
    """Every client of the list as filtered on screen (all pages, in the list's order), at most
    ``limit`` + 1 of them so that a caller can tell "too many"."""
    stmt, _counts, order = _listed(actor, q, status, stale, segment, sort, owner)
    return list(db.exec(stmt.order_by(*order).limit(limit + 1)).all())


def list_clients(db: Session, actor: User, *, q: str | None = None, status: str | None = None,
                 sort: str = "name", page: int = 1, page_size: int = PAGE_SIZE,
                 stale: int | None = None, segment=None, owner: User | None = None) -> ClientPage:
    """One page of the actor's clients matching the search, with the total and per-status counts."""
    stmt, counts_stmt, order = _listed(actor, q, status, stale, segment, sort, owner)
    page = max(page, 1)
    rows = list(db.exec(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size + 1)).all())
    if page == 1 and status not in STATUSES and len(rows) <= page_size:
        # Every match is on this first page (the usual end of a search as you type): count them here
        # rather than scanning the portfolio a second time.
        status_counts = dict(Counter(row.status for row in rows))
    else:
        counts_sub = counts_stmt.with_only_columns(Client.status).subquery()
        status_counts = dict(db.exec(
            select(counts_sub.c.status, func.count()).group_by(counts_sub.c.status)).all())
    total = status_counts.get(status, 0) if status in STATUSES else sum(status_counts.values())
    return ClientPage(rows=rows[:page_size], total=total, page=page, has_more=len(rows) > page_size,
                      status_counts=status_counts)


def contacts_of(db: Session, client: Client) -> list[ContactPerson]:
    return list(db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)
                        .order_by(ContactPerson.last_name, ContactPerson.id)).all())


def opening_hours_of(db: Session, client: Client) -> dict[int, list[OpeningHours]]:
    rows = db.exec(select(OpeningHours).where(OpeningHours.client_id == client.id)
                   .order_by(OpeningHours.weekday, OpeningHours.opens)).all()
    hours: dict[int, list[OpeningHours]] = {d: [] for d in range(7)}
    for row in rows:
        hours[row.weekday].append(row)
    return hours


def consents_of(db: Session, client: Client) -> dict[str, ChannelConsent]:
    rows = db.exec(select(ChannelConsent).where(ChannelConsent.client_id == client.id)).all()
    return {r.channel: r for r in rows}


def custom_values_of(db: Session, client: Client) -> list[tuple[CustomFieldDef, str | None]]:
    stmt = (select(CustomFieldDef, CustomFieldValue.value)
            .join(CustomFieldValue, and_(CustomFieldValue.field_id == CustomFieldDef.id,
                                         CustomFieldValue.client_id == client.id), isouter=True)
            .where(CustomFieldDef.active).order_by(CustomFieldDef.position, CustomFieldDef.id))
    return list(db.exec(stmt).all())


def deleted_clients(db: Session, actor: User, since) -> list[Client]:
    stmt = access.scope(select(Client), actor, include_deleted=True).where(
        Client.deleted_at.is_not(None), Client.deleted_at >= since).order_by(Client.deleted_at.desc())
    return list(db.exec(stmt).all())
