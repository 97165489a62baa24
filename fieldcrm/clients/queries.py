"""Read-only selects over the client file, and the clients' reach: every select over clients (here and
in the capabilities built on them) starts from `scope(stmt, actor)`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, bindparam, func, or_
from sqlalchemy.orm import load_only
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm import access, timeutil
from fieldcrm.accounts.models import User
from fieldcrm.accounts.queries import assignable_owners, followed_people, get_user_or_404
from fieldcrm.clients import registry
from fieldcrm.clients.models import (
    STATUSES,
    ChannelConsent,
    Client,
    ClientStatusCount,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    OpeningHours,
)
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.clients.search import DENSE, search_clients, search_density

SORTS = {
    "name": (Client.sort_name.asc(), Client.id.asc()),
    "city": (Client.city.asc(), Client.sort_name.asc(), Client.id.asc()),
    "updated": (Client.updated_at.desc(), Client.id.desc()),
    # The longest without contact first (never contacted at the very top): who to call next. Spelt
    # "nulls first" so that the (owner, last contact) index gives this order as it is.
    "last_contact": (Client.last_contact_at.asc().nulls_first(), Client.id.asc()),
}
# What a list line (an agenda, the follow-ups) shows of a client (loading the whole card for each line costs more than the query).
CLIENT_LINE = load_only(Client.id, Client.display_name, Client.city, Client.postal_code, Client.street, Client.country,
                        Client.phone, Client.mobile, Client.latitude, Client.longitude, Client.last_visit_at,
                        Client.owner_id, Client.deleted_at)
# What a row of the client list shows (clients/_rows.html): a page reads these columns as plain rows
# (`row.display_name`…), neither the whole card nor a Client object per line (the ORM's bookkeeping
# for 30 objects cost more than the query).
LIST_COLUMNS = (Client.id, Client.display_name, Client.status, Client.postal_code, Client.city,
                Client.last_contact_at, Client.phone, Client.mobile)
STALE_DAYS = (30, 60, 90, 180, 365)  # "not contacted for N days" filter choices
PAGE_SIZE = 30


# --- Reach: every select over clients starts here (see fieldcrm/access.py for the actor's reach) ---------

def scope(stmt: Select, actor: User, *, include_deleted: bool = False) -> Select:
    """Narrow a select over Client to the clients `actor` may see."""
    stmt = access.scope_owned(stmt, Client.owner_id, actor)
    if not include_deleted:
        stmt = stmt.where(Client.deleted_at.is_(None))
    return stmt


def own_clients(stmt: Select, actor: User) -> Select:
    """Narrow a select over Client to the clients `actor` personally owns (their Today, not the team's)."""
    return stmt.where(Client.owner_id == actor.id, Client.deleted_at.is_(None))


# The select of one client in reach, per actor shape (see access.BoundActor): every page of a card
# (the card, the quick log, …) loads its client through it, so it is built once, not per request.
_CLIENT_IN_REACH: dict[tuple, Select] = {}


def get_client_or_404(db: Session, actor: User, client_id: int, *, include_deleted=False) -> Client:
    """A client in reach, else access.NotVisible (answered 404)."""
    key = (access.BoundActor.shape(actor), include_deleted)
    stmt = _CLIENT_IN_REACH.get(key)
    if stmt is None:
        stmt = _CLIENT_IN_REACH.setdefault(key, scope(select(Client).where(Client.id == bindparam("client_key")),
                                                      access.BoundActor(actor), include_deleted=include_deleted))
    return access.first_visible(db, stmt, {**access.bound_actor_params(actor), "client_key": client_id})


def get_clients_or_404(db: Session, actor: User, client_ids) -> list[Client]:
    """Several clients at once (a bulk action): all in reach, or NotVisible — one forged id spoils the lot."""
    wanted = set(client_ids)
    clients = list(db.exec(scope(select(Client).where(Client.id.in_(wanted)), actor).order_by(Client.id)).all()) \
        if wanted else []
    if len(clients) != len(wanted):
        raise access.NotVisible()
    return clients


def get_of_client_or_404(db: Session, model, client: Client, record_id: int):
    """A record of `client` (already loaded in reach) by id: NotVisible when missing or another's."""
    record = db.get(model, record_id)
    if record is None or record.client_id != client.id:
        raise access.NotVisible()
    return record


def get_contact_or_404(db: Session, actor: User, client: Client, contact_id: int) -> ContactPerson:
    """A contact of `client` (already loaded in reach)."""
    return get_of_client_or_404(db, ContactPerson, client, contact_id)


def through_client(db: Session, actor: User, record):
    """A record reached through its client (`record.client_id`): visible exactly when its client is."""
    if record is None:
        raise access.NotVisible()
    get_client_or_404(db, actor, record.client_id)
    return record


def can_edit_client(actor: User, client: Client) -> bool:
    """Everyone who can see a client may edit it (the scope already limits what they see)."""
    return client.deleted_at is None


def can_erase_client(actor: User) -> bool:
    """An erasure request (for good, no undo) is carried out by an admin only."""
    return actor.role == "admin"


def user_can_see_client(db: Session, user: User, client: Client) -> bool:
    """Whether `user` (not necessarily the actor) has `client` in their scope."""
    if not user.active:
        return False
    owners = access.visible_owner_ids(user)
    if owners is None:
        return True
    return client.owner_id in set(db.exec(owners).all())


def assignable_assignees(db: Session, actor: User, client: Client) -> list[User]:
    """Who `actor` may give a follow-up or appointment on `client` to: themselves for a rep; for a
    manager or admin, the users in their reach who can see the client."""
    if actor.role == "rep":
        return [actor]
    return [u for u in assignable_owners(db, actor) if user_can_see_client(db, u, client)]


@dataclass
class ClientPage:
    rows: list  # rows of LIST_COLUMNS
    # None: not counted here. A next page has its counts on screen already; a first page whose count
    # would read more than the page (a search, "not contacted for", a segment) has them loaded after it
    # is shown (list_counts, the chips' fragment).
    total: int | None
    page: int
    has_more: bool
    status_counts: dict[str, int] | None


def list_owner_or_404(db: Session, actor: User, owner_id: int | None) -> User | None:
    """The person whose clients the list narrows to: a manager's or an admin's filter, someone in
    their reach (else NotVisible). A rep has their own list only: the argument is ignored."""
    if actor.role == "rep" or owner_id is None:
        return None
    return get_user_or_404(db, actor, owner_id)


def list_owner_choices(db: Session, actor: User) -> list[User]:
    """Whom the list's filter by rep offers: nobody for a rep; for a manager or an admin, themselves
    and everyone in their reach (deactivated people too: their clients remain)."""
    return [] if actor.role == "rep" else [actor, *followed_people(db, actor)]


def _filtered(actor: User, q: str | None, status: str | None, stale: int | None = None, owner: User | None = None,
              walk: bool = False):
    stmt = scope(select(Client), actor)
    if owner is not None:  # one person's portfolio, within the actor's scope (see list_owner_or_404)
        stmt = stmt.where(Client.owner_id == owner.id)
    stmt = search_clients(stmt, search_tokens(q), walk=walk)
    if stale:  # not contacted for `stale` days (or never)
        since = timeutil.now() - timedelta(days=stale)
        stmt = stmt.where(or_(Client.last_contact_at.is_(None), Client.last_contact_at < since))
    counts_stmt = stmt
    if status in STATUSES:
        stmt = stmt.where(Client.status == status)
    return stmt, counts_stmt


def _listed(actor: User, q, status, stale, sort, filters: dict, walk: bool = False):
    """The list's select (as filtered on screen), the same without the status filter (for the status
    chips), and the order. Filters and sorts of the capabilities built on clients (a saved segment,
    revenue figures) come from their plug-ins (see clients/registry.py); `owner` is the list's own.
    `walk`: the search checked card by card in the list's order (see clients/search.py)."""
    stmt, counts_stmt = _filtered(actor, q, status, stale, filters.get("owner"), walk)
    order = SORTS.get(sort, SORTS["name"])
    for name, list_filter in registry.filters().items():
        if filters.get(name) is not None:  # narrows the list and its counts
            stmt, counts_stmt = list_filter.apply(stmt, filters[name]), list_filter.apply(counts_stmt, filters[name])
    if sort not in SORTS and (plugged := registry.sort(sort)) is not None:
        stmt, order = plugged(stmt, sort)
    return stmt, counts_stmt, order


def listed_statement(actor: User, *, q: str | None = None, status: str | None = None, sort: str = "name",
                     stale: int | None = None, **filters) -> Select:
    """The select of the list as filtered on screen (every page; the caller orders it): what an export
    of "this list" takes, so that it holds exactly the clients the person sees."""
    stmt, _counts, _order = _listed(actor, q, status, stale, sort, filters)
    return stmt


def matching_clients(db: Session, actor: User, *, q: str | None = None, status: str | None = None,
                     sort: str = "name", stale: int | None = None, limit: int = 100,
                     **filters) -> list[Client]:
    """Every client of the list as filtered on screen (all pages, in the list's order), at most
    ``limit`` + 1 of them so that a caller can tell "too many". `filters`: the plugged-in ones by
    name (e.g. segment=<Segment>); anything else (the page) is ignored."""
    found = search_density(db, search_tokens(q)) if sort in SORTS else None
    stmt, _counts, order = _listed(actor, q, status, stale, sort, filters, walk=found is not None and found >= DENSE)
    return list(db.exec(stmt.order_by(*order).limit(limit + 1)).all())


def list_clients(db: Session, actor: User, *, q: str | None = None, status: str | None = None,
                 sort: str = "name", page: int = 1, page_size: int = PAGE_SIZE,
                 stale: int | None = None, counts: bool = True, **filters) -> ClientPage:
    """One page of the actor's clients matching the search, reading about one page of cards, with the
    per-status counts when they cost no more (the maintained counters, or every match on this page);
    else none (see ClientPage.total, list_counts). `counts=False`, a next page: never.
    `filters`: the plugged-in ones by name (e.g. segment=<Segment>)."""
    page = max(page, 1)
    stmt, counts_stmt, order = _listed(actor, q, status, stale, sort, filters)
    found = search_density(db, search_tokens(q)) if sort in SORTS else None
    if found == 0 and page == 1:  # nothing matches: said without reading a card
        return ClientPage(rows=[], total=0 if counts else None, page=page, has_more=False,
                          status_counts={} if counts else None)
    if found is not None and found >= DENSE:  # many matches: a page in the list's order comes sooner by walking it
        stmt, counts_stmt, order = _listed(actor, q, status, stale, sort, filters, walk=True)
    rows = list(db.execute(stmt.with_only_columns(*LIST_COLUMNS).order_by(*order)  # rows, not scalars
                           .offset((page - 1) * page_size).limit(page_size + 1)).all())
    status_counts = None
    if not counts:
        pass
    elif not _narrowed(q, stale, filters):
        status_counts = _maintained_counts(db, actor, filters.get("owner"))
    elif page == 1 and status not in STATUSES and len(rows) <= page_size:
        # Every match is on this first page (the usual end of a search as you type): count them here.
        status_counts = dict(Counter(row.status for row in rows))
    return ClientPage(rows=rows[:page_size], total=_total(status_counts, status), page=page,
                      has_more=len(rows) > page_size, status_counts=status_counts)


def list_counts(db: Session, actor: User, *, q: str | None = None, status: str | None = None,
                stale: int | None = None, **filters) -> tuple[dict[str, int], int]:
    """The list's per-status counts (as filtered on screen, but for the status) and its total: what
    the chips show, loaded after the first page when list_clients could not count it cheaply."""
    if not _narrowed(q, stale, filters):
        status_counts = _maintained_counts(db, actor, filters.get("owner"))
    else:
        _stmt, counts_stmt, _order = _listed(actor, q, status, stale, "name", filters)
        counts_sub = counts_stmt.with_only_columns(Client.status).subquery()
        status_counts = dict(db.exec(
            select(counts_sub.c.status, func.count()).group_by(counts_sub.c.status)).all())
    return status_counts, _total(status_counts, status)


def _narrowed(q, stale, filters: dict) -> bool:
    """Whether the list is narrowed by more than the owner (which the maintained counters know)."""
    return bool(search_tokens(q) or stale or any(filters.get(name) is not None for name in registry.filters()))


def _total(status_counts: dict[str, int] | None, status: str | None) -> int | None:
    if status_counts is None:
        return None
    return status_counts.get(status, 0) if status in STATUSES else sum(status_counts.values())


def _maintained_counts(db: Session, actor: User, owner: User | None) -> dict[str, int]:
    """Cards per status in the actor's reach (or one owner's), from the counters the database keeps."""
    stmt = access.scope_owned(select(ClientStatusCount.status, func.sum(ClientStatusCount.n)),
                              ClientStatusCount.owner_id, actor)
    if owner is not None:
        stmt = stmt.where(ClientStatusCount.owner_id == owner.id)
    return {status: int(n) for status, n in db.exec(stmt.group_by(ClientStatusCount.status)).all() if n}


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
    stmt = scope(select(Client), actor, include_deleted=True).where(
        Client.deleted_at.is_not(None), Client.deleted_at >= since).order_by(Client.deleted_at.desc())
    return list(db.exec(stmt).all())
