"""The register of requests people make about their data (access, rectification, erasure,
opposition): received date, due date one calendar month later, status. Each use case one transaction."""

from __future__ import annotations

import calendar
import json
from datetime import date

from sqlalchemy import update
from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.erasure import ERASED, on_client_purge, on_erasure_request
from fieldcrm.clients.models import Client, ContactPerson
from fieldcrm.fieldrules import N_
from fieldcrm.privacy import opposition
from fieldcrm.privacy.request_models import OPEN_STATUSES, REQUEST_KINDS, REQUEST_STATUSES, PrivacyRequest
from fieldcrm.timeutil import today, utcnow

OBJECTED = "client.objected"  # the audit action of "the person objects"
REASON_MAX = 2000


class RequestError(ValueError):
    """A request that cannot be recorded as asked; args[0] is an English msgid for the user."""


def due_date(received: date) -> date:
    """One month after receipt (RGPD art. 12(3)): the same day of the next month, or that month's
    last day when it has no such day (31 January -> 28 or 29 February)."""
    year, month = (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))


def person_name(client: Client | None, contact: ContactPerson | None) -> str:
    if contact is not None:
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        return f"{name} ({client.display_name})" if client is not None else name
    return client.display_name if client is not None else ""


def create_request(db: Session, actor: User, kind: str, received_on: date, *, client: Client | None = None,
                   contact: ContactPerson | None = None, name: str = "", channel: str | None = None,
                   details: str | None = None) -> PrivacyRequest:
    """Record a request as received. Commits."""
    if kind not in REQUEST_KINDS:
        raise RequestError(N_("Choose the kind of request."))
    if received_on > today():
        raise RequestError(N_("The date received cannot be in the future."))
    name = (name or "").strip() or person_name(client, contact)
    if not name:
        raise RequestError(N_("Name the person, or open the request from their card."))
    request = PrivacyRequest(kind=kind, received_on=received_on, due_on=due_date(received_on),
                             client_id=client.id if client is not None else None,
                             contact_id=contact.id if contact is not None else None,
                             person_name=name[:220], channel=channel or None, details=(details or None),
                             created_by_id=actor.id)
    db.add(request)
    db.commit()
    return request


def set_status(db: Session, actor: User, request: PrivacyRequest, status: str, reason: str | None = None) -> None:
    """Move a request on; a refusal needs its reason (the person must be told why). Commits."""
    reason = (reason or "").strip()
    if status not in REQUEST_STATUSES:
        raise RequestError(N_("Choose a status."))
    if status == "refused" and not reason:
        raise RequestError(N_("Give the reason for the refusal: the person must be told why."))
    closed = status in ("done", "refused")
    db.execute(update(PrivacyRequest).where(PrivacyRequest.id == request.id).values(
        status=status, refusal_reason=reason[:REASON_MAX] if status == "refused" else None,
        closed_at=utcnow() if closed else None, closed_by_id=actor.id if closed else None))
    db.commit()
    db.refresh(request)


def start(db: Session, request: PrivacyRequest) -> None:
    """A request being worked on (its export produced): received -> in progress, nothing else. Caller commits."""
    db.execute(update(PrivacyRequest).where(PrivacyRequest.id == request.id, PrivacyRequest.status == "received")
               .values(status="in_progress"))


def object_to_processing(db: Session, actor: User, client: Client, contact: ContactPerson | None = None,
                         details: str | None = None) -> PrivacyRequest:
    """The person objects (RGPD art. 21): recorded in the register as a handled opposition, put on the
    opposition list, and — for the card's own person — marked do-not-contact. One transaction."""
    now = utcnow()
    request = PrivacyRequest(kind="opposition", received_on=today(), due_on=due_date(today()),
                             client_id=client.id, contact_id=contact.id if contact else None,
                             person_name=person_name(client, contact)[:220], status="done", details=details,
                             created_by_id=actor.id, closed_at=now, closed_by_id=actor.id)
    db.add(request)
    if contact is None:
        opposition.record_client(db, client)
        if not client.do_not_contact:
            client.do_not_contact, client.do_not_contact_at = True, now
            client.version += 1
            client.updated_at, client.updated_by_id = now, actor.id
            db.add(client)
    else:
        opposition.record_contact(db, contact, client)
    db.flush()
    payload = {"request_id": request.id, **({"contact_id": contact.id} if contact else {})}
    db.add(AuditEvent(action=OBJECTED, actor_id=actor.id, subject_id=client.id, payload=json.dumps(payload)))
    db.commit()
    return request


@on_client_purge
def _forget_name_in_register(db: Session, client_id: int) -> None:
    """The register keeps that a request was handled, not who made it, once the card is erased."""
    db.execute(update(PrivacyRequest).where(PrivacyRequest.client_id == client_id).values(person_name=ERASED))


@on_client_purge
def _keep_objector_on_list(db: Session, client_id: int) -> None:
    """A card purged while marked do-not-contact (an objector) leaves its fingerprints on the opposition
    list, so the person is not made contactable again by a later import or card."""
    client = db.get(Client, client_id)
    if client is not None and client.do_not_contact:
        opposition.record_client(db, client, opposition.ERASURE)


@on_erasure_request
def _erased_on_request(db: Session, client_id: int) -> None:
    """A person erased at their request is kept on the opposition list (only keyed hashes), and the
    open erasure requests about them are done."""
    client = db.get(Client, client_id)
    if client is None:
        return
    opposition.record_client(db, client, opposition.ERASURE)
    db.execute(update(PrivacyRequest).where(
        PrivacyRequest.client_id == client_id, PrivacyRequest.kind == "erasure",
        PrivacyRequest.status.in_(OPEN_STATUSES)).values(status="done", closed_at=utcnow()))

