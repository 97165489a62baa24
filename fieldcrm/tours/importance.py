"""How important a stop is on a day too full for everything: its client's open follow-ups and
visit cadence raise the stop's priority to its tier (see ``problem.Stop.tier``): appointments are
fixed points, then clients with a follow-up due that day or overdue, then clients due by cadence."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp
from fieldcrm.maps.queries import is_due, last_contact_dates

FOLLOW_UP_DUE = 80
DUE_BY_CADENCE = 60


def priority_floors(db: Session, owner_id: int, clients: list[Client], day: date) -> dict[int, int]:
    """client id -> the least priority its stop gets on `day` (clients not listed: no floor)."""
    if not clients:
        return {}
    ids = [c.id for c in clients]
    floors: dict[int, int] = {}
    last = last_contact_dates(db, ids)
    for client in clients:
        if is_due(client.visit_cadence_days, last.get(client.id), day):
            floors[client.id] = DUE_BY_CADENCE
    followed = db.exec(select(FollowUp.client_id).where(
        FollowUp.client_id.in_(ids), FollowUp.assignee_id == owner_id, FollowUp.status == "open",
        FollowUp.due_date <= day)).all()
    for client_id in followed:
        floors[client_id] = FOLLOW_UP_DUE
    return floors
