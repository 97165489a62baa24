"""Purchases entered by hand and campaigns sent to a segment. Each use case is one transaction."""

from __future__ import annotations

from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.clients.queries import scope
from fieldcrm.sales.models import RESPONSES, Campaign, CampaignRecipient, Purchase
from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments.queries import apply_segment
from fieldcrm.timeutil import utcnow


def add_purchase(db: Session, actor: User, client: Client, data: dict) -> Purchase:
    purchase = Purchase(client_id=client.id, created_by_id=actor.id, **data)
    db.add(purchase)
    db.commit()
    return purchase


def delete_purchase(db: Session, actor: User, purchase: Purchase) -> None:
    db.delete(purchase)
    db.commit()


def create_campaign(db: Session, actor: User, data: dict, segment=None) -> Campaign:
    """A campaign and its recipients: the actor's clients of the segment who accept the channel."""
    campaign = Campaign(owner_id=actor.id, segment_id=segment.id if segment is not None else None, **data)
    db.add(campaign)
    db.flush()
    stmt = scope(select(Client.id), actor).where(*segment_filters.reachable_on(campaign.channel))
    if segment is not None:
        stmt = apply_segment(stmt, segment)
    for client_id in db.exec(stmt.order_by(Client.id)).all():
        db.add(CampaignRecipient(campaign_id=campaign.id, client_id=client_id))
    db.commit()
    return campaign


def record_response(db: Session, actor: User, campaign: Campaign, client: Client, response: str) -> CampaignRecipient | None:
    if response not in RESPONSES:
        return None
    row = db.exec(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id,
                                                  CampaignRecipient.client_id == client.id)).first()
    if row is None:
        return None
    row.response, row.responded_at = response, (None if response == "sent" else utcnow())
    db.add(row)
    db.commit()
    return row
