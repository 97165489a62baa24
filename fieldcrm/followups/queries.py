"""Read-only selects over follow-ups, each starting from the actor's reach."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp


def open_followup_due_by(db: Session, actor: User, client_id: int, day: date) -> FollowUp | None:
    """The actor's oldest open follow-up on the client due on `day` or before: the one a visit made
    that day answers (a tour stop marked done)."""
    stmt = select(FollowUp).join(Client, Client.id == FollowUp.client_id)
    stmt = access.scope_followups(stmt, actor).where(
        FollowUp.client_id == client_id, FollowUp.status == "open", FollowUp.due_date <= day)
    return db.exec(stmt.order_by(FollowUp.due_date, FollowUp.id).limit(1)).first()
