"""Revenue figures derived from purchases — the ONE place they are computed.

`purchase_stats()` is the subquery every screen joins: the card, the list sort, segments, analyses and
exports all read total revenue, number of purchases, average basket and last purchase date from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.sales.models import Campaign, CampaignRecipient, Purchase


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


def client_stats(db: Session, client: Client) -> RevenueStats:
    stats = purchase_stats()
    row = db.execute(select(stats).where(stats.c.client_id == client.id)).first()
    products = sorted(p for p in db.exec(select(product_label()).where(Purchase.client_id == client.id)
                                         .distinct()).all() if p)
    if row is None:
        return RevenueStats(Decimal("0.00"), 0, None, None, products)
    return RevenueStats(_money(row.revenue), row.purchase_count, _money(row.average_basket),
                        _as_date(row.last_purchase_on), products)


def purchases_of(db: Session, client: Client, limit: int = 20) -> list[Purchase]:
    return list(db.exec(select(Purchase).where(Purchase.client_id == client.id)
                        .order_by(Purchase.purchased_on.desc(), Purchase.id.desc()).limit(limit)).all())


def campaign_responses_of(db: Session, actor: User, client: Client):
    stmt = access.visible_campaigns(select(Campaign, CampaignRecipient.response)
                                    .join(CampaignRecipient, CampaignRecipient.campaign_id == Campaign.id)
                                    .where(CampaignRecipient.client_id == client.id), actor)
    return list(db.exec(stmt.order_by(Campaign.sent_on.desc()).limit(10)).all())


def campaigns(db: Session, actor: User) -> list[Campaign]:
    return list(db.exec(access.visible_campaigns(select(Campaign), actor)
                        .order_by(Campaign.sent_on.desc(), Campaign.id.desc())).all())


def recipients(db: Session, actor: User, campaign: Campaign):
    """The campaign's recipients the actor may see, with their response."""
    stmt = access.scope(select(Client, CampaignRecipient)
                        .join(CampaignRecipient, CampaignRecipient.client_id == Client.id)
                        .where(CampaignRecipient.campaign_id == campaign.id), actor)
    return list(db.exec(stmt.order_by(Client.sort_name)).all())


def response_counts(db: Session, actor: User, campaign: Campaign) -> dict[str, int]:
    stmt = access.scope(select(CampaignRecipient.response, func.count())
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
