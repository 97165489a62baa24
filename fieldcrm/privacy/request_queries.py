"""Read-only selects of the register of requests (an admin's alone: anyone else gets 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case
from sqlmodel import Session, select

from fieldcrm import access
from fieldcrm.accounts.models import User
from fieldcrm.privacy.request_models import OPEN_STATUSES, PrivacyRequest
from fieldcrm.timeutil import today


@dataclass
class RegisterRow:
    request: PrivacyRequest
    overdue: bool


def register(db: Session, actor: User, on: date | None = None) -> list[RegisterRow]:
    """Every request, the overdue open ones first (oldest due first), then the other open ones by due
    date, then the closed ones, latest received first. Admins only (404 for anyone else)."""
    access.require_admin(actor)
    on = on or today()
    is_open = PrivacyRequest.status.in_(OPEN_STATUSES)
    overdue = case((is_open & (PrivacyRequest.due_on < on), 0), (is_open, 1), else_=2)
    stmt = select(PrivacyRequest).order_by(
        overdue, case((is_open, PrivacyRequest.due_on), else_=None).asc(),
        PrivacyRequest.received_on.desc(), PrivacyRequest.id.desc())
    return [RegisterRow(r, r.status in OPEN_STATUSES and r.due_on < on) for r in db.exec(stmt).all()]


def get_request_or_404(db: Session, actor: User, request_id: int) -> PrivacyRequest:
    """A request of the register: admins only; anyone else, or no such request, is NotVisible (404)."""
    return access.get_for_admin(db, actor, PrivacyRequest, request_id)
