"""Revenue figures derived from purchases — the ONE place they are computed.

`purchase_stats()` is the subquery every screen joins: the card, the list sort, segments, analyses and
exports all read total revenue, number of purchases, average basket and last purchase date from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, bindparam, exists, func, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients import registry as client_registry
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import get_of_client_or_404, scope
from fieldcrm.sales.models import Campaign, CampaignRecipient, Purchase
from fieldcrm.segments import filters as segment_filters


def purchase_stats():
    """client_id, revenue, purchase_count, average_basket, last_purchase_on — per client with purchases."""
    return (select(Purchase.client_id.label("client_id"),
                   func.sum(Purchase.amount).label("revenue"),
                   func.count(Purchase.id).label("purchase_count"),
                   func.avg(Purchase.amount).label("average_basket"),
                   func.max(Purchase.purchased_on).label("last_purchase_on"))
            .group_by(Purchase.client_id).subquery("purchase_stats"))


def product_label():
    return func.coalesce(Purchase.product, Purchase.product_family)


@dataclass
class RevenueStats:
    revenue: Decimal
    purchase_count: int
    average_basket: Decimal | None
    last_purchase_on: date | None
    products: list[str]


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _as_date(value):
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


# The card's selects, built once and run with the client (and the actor) as parameters: every card
# shows its purchases, and building these selects cost more than running them.
def _client_stats_select():
    stats = purchase_stats()
    return select(stats).where(stats.c.client_id == bindparam("client_id"))


_CLIENT_STATS = _client_stats_select()
_CLIENT_PRODUCTS = select(product_label()).where(Purchase.client_id == bindparam("client_id")).distinct()
_CLIENT_PURCHASES = (select(Purchase).where(Purchase.client_id == bindparam("client_id"))
                     .order_by(Purchase.purchased_on.desc(), Purchase.id.desc())
                     .limit(bindparam("limit", type_=Integer)))
_CAMPAIGN_RESPONSES: dict[tuple, Select] = {}  # per actor shape (see access.BoundActor)


def client_stats(db: Session, client: Client) -> RevenueStats:
    row = db.execute(_CLIENT_STATS, {"client_id": client.id}).first()
    if row is None:  # no purchase: no product either
        return RevenueStats(Decimal("0.00"), 0, None, None, [])
    products = sorted(p for p in db.exec(_CLIENT_PRODUCTS, params={"client_id": client.id}).all() if p)
    return RevenueStats(_money(row.revenue), row.purchase_count, _money(row.average_basket),
                        _as_date(row.last_purchase_on), products)


def purchases_of(db: Session, client: Client, limit: int = 20) -> list[Purchase]:
    return list(db.exec(_CLIENT_PURCHASES, params={"client_id": client.id, "limit": limit}).all())


def campaign_responses_of(db: Session, actor: User, client: Client):
    shape = access.BoundActor.shape(actor)
    stmt = _CAMPAIGN_RESPONSES.get(shape)
    if stmt is None:
        stmt = _CAMPAIGN_RESPONSES.setdefault(shape, visible_campaigns(
            select(Campaign, CampaignRecipient.response)
            .join(CampaignRecipient, CampaignRecipient.campaign_id == Campaign.id)
            .where(CampaignRecipient.client_id == bindparam("client_id")), access.BoundActor(actor))
            .order_by(Campaign.sent_on.desc()).limit(10))
    return list(db.exec(stmt, params={**access.bound_actor_params(actor), "client_id": client.id}).all())


def campaigns(db: Session, actor: User) -> list[Campaign]:
    return list(db.exec(visible_campaigns(select(Campaign), actor)
                        .order_by(Campaign.sent_on.desc(), Campaign.id.desc())).all())


def recipients(db: Session, actor: User, campaign: Campaign):
    """The campaign's recipients the actor may see, with their response."""
    stmt = scope(select(Client, CampaignRecipient)
                 .join(CampaignRecipient, CampaignRecipient.client_id == Client.id)
                 .where(CampaignRecipient.campaign_id == campaign.id), actor)
    return list(db.exec(stmt.order_by(Client.sort_name)).all())


def response_counts(db: Session, actor: User, campaign: Campaign) -> dict[str, int]:
    stmt = scope(select(CampaignRecipient.response, func.count())
                 .join(Client, Client.id == CampaignRecipient.client_id)
                 .where(CampaignRecipient.campaign_id == campaign.id), actor)
    return dict(db.exec(stmt.group_by(CampaignRecipient.response)).all())


REVENUE_SORTS = ("revenue", "last_purchase", "purchases", "basket")


def revenue_sort(stmt, sort: str):
    """(stmt joined to purchase_stats, order) for the list sorted by a derived figure, biggest first."""
    stats = purchase_stats()
    column = {"revenue": stats.c.revenue, "last_purchase": stats.c.last_purchase_on,
              "purchases": stats.c.purchase_count, "basket": stats.c.average_basket}[sort]
    stmt = stmt.outerjoin(stats, stats.c.client_id == Client.id)
    return stmt, (column.is_(None), column.desc(), Client.sort_name.asc(), Client.id.asc())


# --- Reach: a campaign is its owner's (and their manager's, an admin's) -----------------------------------

def visible_campaigns(stmt: Select, actor: User) -> Select:
    return access.scope_owned(stmt, Campaign.owner_id, actor)


def get_campaign_or_404(db: Session, actor: User, campaign_id: int) -> Campaign:
    return access.first_visible(db, visible_campaigns(select(Campaign).where(Campaign.id == campaign_id), actor))


def get_purchase_or_404(db: Session, actor: User, client: Client, purchase_id: int) -> Purchase:
    """A purchase of `client` (already loaded in reach)."""
    return get_of_client_or_404(db, Purchase, client, purchase_id)


def purchase_conditions(stmt, f: dict, today: date):
    """A segment's filters on purchases (bought within / not for N months, revenue between, a product),
    as segments.filters.apply asks of its plugged-in conditions."""
    needs_stats = any(f.get(k) is not None for k in ("purchase_within_months", "no_purchase_months",
                                                     "revenue_min", "revenue_max"))
    if needs_stats:
        stats = purchase_stats()
        stmt = stmt.outerjoin(stats, stats.c.client_id == Client.id)
        revenue = func.coalesce(stats.c.revenue, 0)
        if f.get("purchase_within_months") is not None:
            since = segment_filters.months_ago(today, int(f["purchase_within_months"]))
            stmt = stmt.where(stats.c.last_purchase_on >= since)
        if f.get("no_purchase_months") is not None:
            cutoff = segment_filters.months_ago(today, int(f["no_purchase_months"]))
            stmt = stmt.where(or_(stats.c.last_purchase_on.is_(None), stats.c.last_purchase_on < cutoff))
        if f.get("revenue_min") is not None:
            stmt = stmt.where(revenue >= Decimal(f["revenue_min"]))
        if f.get("revenue_max") is not None:
            stmt = stmt.where(revenue <= Decimal(f["revenue_max"]))
    if f.get("product"):
        needle = f["product"].lower()
        stmt = stmt.where(exists(select(Purchase.id).where(
            Purchase.client_id == Client.id,
            or_(func.lower(Purchase.product).contains(needle, autoescape=True),
                func.lower(Purchase.product_family).contains(needle, autoescape=True)))))
    return stmt


def init_app(app) -> None:
    """Plug the figures derived from purchases (one definition: here) into the client list's sorts and
    the segments' filters."""
    for key in REVENUE_SORTS:
        client_registry.register_sort(key, revenue_sort)
    segment_filters.register_condition("purchases", purchase_conditions)
