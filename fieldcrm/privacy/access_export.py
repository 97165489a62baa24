"""Everything FieldCRM holds about one person (RGPD right of access, art. 15, and portability, art. 20).

`collect` builds one plain, JSON-ready dict; the JSON download is that dict, the printable page renders
it. The structure is stable and versioned (FORMAT, VERSION): keys are only ever added.

  format, version, generated_at (ISO 8601 UTC), generated_by, organisation {name, address, email, phone,
      siren, dpo}
  subject {type: "client" | "contact_person", client_id, contact_id, name}
  card {the card's fields, informed_on, informed_channel, tags [..], custom_fields [{label, value}]}
  contact_people [{first_name, last_name, civility, function, email, direct_line, mobile, created_at,
      updated_at}]
  consents [{channel, allowed, consent, consent_at, consent_source}]
  consent_history [audit entries that changed a consent, as in `audit`, each with
      consents [{channel, before, after}] where before/after are {allowed, consent, source} (null: none
      recorded); the first consent of a card made by hand or imported, with no audit entry of its own, is
      an entry of action "consent.recorded" dated by the consent, by the card's creator]
  interactions [{occurred_at, kind, outcome, note, duration_minutes, contact, author, updated_at}]
  follow_ups [{due_date, due_time, reason, status, assignee, created_at, closed_at}]
  appointments [{starts_at, ends_at, place, notes, owner, cancelled_at}]
  purchases [{purchased_on, amount, product, product_family, quantity, reference}]
  campaigns [{name, channel, sent_on, response, responded_at}]
  tour_visits [{day, rep, state, done_at}]
  requests [{kind, received_on, due_on, status, refusal_reason}]
  audit [{at, action, by, about_other_client, details {..}}]  — who viewed, changed, merged, exported…;
      for a client, also "client.handed_over" / "client.handed_back" {from, to} (the hand-over journal)

For a contact person at a company, only what is about them: the company's name and address (where
they work), their own contact record, the company's channel consents with their history (they decide
whether the person is contacted at work), the interactions logged with them, their requests, and the
audit entries of the company card that name them. The other people of the company stay out."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from fieldcrm.accounts.models import User
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import (
    ChannelConsent,
    Client,
    ClientTag,
    ContactPerson,
    CustomFieldDef,
    CustomFieldValue,
    Tag,
)
from fieldcrm.clients.settings import org_settings
from fieldcrm.followups.models import Appointment, FollowUp
from fieldcrm.privacy.request_models import PrivacyRequest
from fieldcrm.privacy.trail import handover_parts
from fieldcrm.sales.models import Campaign, CampaignRecipient, Purchase
from fieldcrm.timeutil import utcnow
from fieldcrm.tours.models import Tour, TourStop
from fieldcrm.visits.models import Interaction

FORMAT, VERSION = "fieldcrm.access-export", 1
EXPORTED = "access.exported"  # the audit action of producing this export (audit.services.ACCESS_EXPORTED)
CARD_FIELDS = (
    "kind", "company_name", "siret", "civility", "first_name", "last_name", "status", "sector", "segment",
    "loyalty_programme", "client_since", "source", "street", "street2", "postal_code", "city", "country",
    "latitude", "longitude", "phone", "mobile", "email", "website", "do_not_contact", "do_not_contact_at",
    "birth_date", "gender", "visit_cadence_days", "notes", "last_contact_at", "last_visit_at",
    "informed_on", "informed_channel", "created_at", "updated_at", "deleted_at",
)
COMPANY_FIELDS = ("company_name", "siret", "street", "street2", "postal_code", "city", "country")
CONTACT_FIELDS = ("civility", "first_name", "last_name", "function", "email", "direct_line", "mobile",
                  "created_at", "updated_at")


def plain(value):
    """A value as JSON carries it: dates and times ISO 8601 (UTC for moments), amounts as text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _rows(items, fields) -> list[dict]:
    return [{f: plain(getattr(item, f)) for f in fields} for item in items]


class _Names:
    """User names by id, read once."""

    def __init__(self, db: Session):
        self.db, self.cache = db, {}

    def __call__(self, user_id):
        if user_id is None:
            return None
        if user_id not in self.cache:
            user = self.db.get(User, user_id)
            self.cache[user_id] = user.name if user else None
        return self.cache[user_id]


def collect(db: Session, actor: User, client: Client, contact: ContactPerson | None = None) -> dict:
    """The whole export about `client`'s person, or about `contact` at that company."""
    names = _Names(db)
    settings = org_settings(db)
    export = {
        "format": FORMAT, "version": VERSION, "generated_at": plain(utcnow()), "generated_by": actor.name,
        "organisation": {"name": settings.org_name, "address": settings.org_address, "email": settings.org_email,
                         "phone": settings.org_phone, "siren": settings.org_siren, "dpo": settings.dpo_contact},
        "subject": {"type": "contact_person" if contact else "client", "client_id": client.id,
                    "contact_id": contact.id if contact else None,
                    "name": " ".join(p for p in (contact.first_name, contact.last_name) if p) if contact
                    else client.display_name},
    }
    events = _audit_events(db, client, contact)
    interactions = select(Interaction).where(Interaction.client_id == client.id)
    if contact is not None:
        export["card"] = {f: plain(getattr(client, f)) for f in COMPANY_FIELDS}
        export["contact_people"] = _rows([contact], CONTACT_FIELDS)
        interactions = interactions.where(Interaction.contact_id == contact.id)
        # The company's channel choices decide whether the person is contacted at work: they are given,
        # with their history reduced to the consents (the rest of the company's card is not theirs).
        export["consents"] = _consent_rows(db, client)
        export["consent_history"] = [
            {**entry, "details": {}} for entry in consent_history(db, client, _audit_events(db, client, None),
                                                                   names) if entry["consents"]]
        for key in ("follow_ups", "appointments", "purchases", "campaigns", "tour_visits"):
            export[key] = []
    else:
        export["card"] = {f: plain(getattr(client, f)) for f in CARD_FIELDS}
        export["card"]["owner"] = names(client.owner_id)
        export["card"]["tags"] = sorted(db.exec(select(Tag.name).join(ClientTag, ClientTag.tag_id == Tag.id)
                                                .where(ClientTag.client_id == client.id)).all())
        export["card"]["custom_fields"] = [
            {"label": label, "value": value} for label, value in db.exec(
                select(CustomFieldDef.label, CustomFieldValue.value)
                .join(CustomFieldDef, CustomFieldDef.id == CustomFieldValue.field_id)
                .where(CustomFieldValue.client_id == client.id).order_by(CustomFieldDef.position, CustomFieldDef.id)).all()]
        export["contact_people"] = _rows(db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)
                                                 .order_by(ContactPerson.id)).all(), CONTACT_FIELDS)
        export["consents"] = _consent_rows(db, client)
        export["consent_history"] = consent_history(db, client, events, names)
        export["follow_ups"] = [
            {**{f: plain(getattr(f_, f)) for f in ("due_date", "due_time", "reason", "status", "created_at",
                                                    "closed_at")}, "assignee": names(f_.assignee_id)}
            for f_ in db.exec(select(FollowUp).where(FollowUp.client_id == client.id)
                              .order_by(FollowUp.due_date, FollowUp.id)).all()]
        export["appointments"] = [
            {**{f: plain(getattr(a, f)) for f in ("starts_at", "ends_at", "place", "notes", "cancelled_at")},
             "owner": names(a.owner_id)}
            for a in db.exec(select(Appointment).where(Appointment.client_id == client.id)
                             .order_by(Appointment.starts_at, Appointment.id)).all()]
        export["purchases"] = _rows(db.exec(select(Purchase).where(Purchase.client_id == client.id)
                                            .order_by(Purchase.purchased_on, Purchase.id)).all(),
                                    ("purchased_on", "amount", "product", "product_family", "quantity", "reference"))
        export["campaigns"] = [
            {"name": c.name, "channel": c.channel, "sent_on": plain(c.sent_on), "response": r.response,
             "responded_at": plain(r.responded_at)}
            for c, r in db.exec(select(Campaign, CampaignRecipient)
                                .join(CampaignRecipient, CampaignRecipient.campaign_id == Campaign.id)
                                .where(CampaignRecipient.client_id == client.id)
                                .order_by(Campaign.sent_on, Campaign.id)).all()]
        export["tour_visits"] = [
            {"day": plain(t.day), "rep": names(t.owner_id), "state": s.state, "done_at": plain(s.done_at)}
            for t, s in db.exec(select(Tour, TourStop).join(TourStop, TourStop.tour_id == Tour.id)
                                .where(TourStop.client_id == client.id).order_by(Tour.day, Tour.id)).all()]
    contacts = {c.id: " ".join(p for p in (c.first_name, c.last_name) if p)
                for c in db.exec(select(ContactPerson).where(ContactPerson.client_id == client.id)).all()}
    export["interactions"] = [
        {**{f: plain(getattr(i, f)) for f in ("occurred_at", "kind", "outcome", "note", "duration_minutes",
                                               "updated_at")},
         "contact": contacts.get(i.contact_id), "author": names(i.author_id)}
        for i in db.exec(interactions.order_by(Interaction.occurred_at, Interaction.id)).all()]
    requests = select(PrivacyRequest).where(PrivacyRequest.client_id == client.id)
    if contact is not None:
        requests = requests.where(PrivacyRequest.contact_id == contact.id)
    export["requests"] = _rows(db.exec(requests.order_by(PrivacyRequest.received_on, PrivacyRequest.id)).all(),
                               ("kind", "received_on", "due_on", "status", "refusal_reason"))
    export["audit"] = events
    return export


def _consent_rows(db: Session, client: Client) -> list[dict]:
    return _rows(db.exec(select(ChannelConsent).where(ChannelConsent.client_id == client.id)
                         .order_by(ChannelConsent.channel)).all(),
                 ("channel", "allowed", "consent", "consent_at", "consent_source"))


CONSENT_RECORDED = "consent.recorded"
UNSET = "allowed/unknown"  # a channel with no consent row (clients.services.audit_snapshot)


def _consent_value(text) -> dict | None:
    """An audit snapshot's "allowed/granted/salon" as {allowed, consent, source}; None for no consent."""
    if not isinstance(text, str) or "/" not in text or text == UNSET:
        return None
    allowed, consent, *source = text.split("/", 2)
    return {"allowed": allowed == "allowed", "consent": consent, "source": source[0] if source else None}


def consent_history(db: Session, client: Client, events: list[dict], names) -> list[dict]:
    """Every change of the person's consents, oldest first, with its date, its source and who made it.

    From the card's audit entries (an edit records each consent's old and new value; a merge its rows);
    a consent already there before the first entry about its channel (given when the card was made by
    hand or imported, which write no entry) is dated by the consent itself and credited to the card's
    creator."""
    history, first_before = [], {}
    for event in events:
        details = event["details"] if isinstance(event["details"], dict) else {}
        changes = [(key.split(".", 1)[-1].removeprefix("consent_"), pair) for key, pair in
                   (details.get("changes") or {}).items() if key.startswith("consent") and isinstance(pair, list)]
        if not changes and "consent" not in event["action"] and "consent" not in json.dumps(details):
            continue
        consents = [{"channel": channel, "before": _consent_value(pair[0]), "after": _consent_value(pair[-1])}
                    for channel, pair in changes]
        for item in consents:
            first_before.setdefault(item["channel"], item["before"])
        history.append({**event, "consents": consents})
    rows = db.exec(select(ChannelConsent).where(ChannelConsent.client_id == client.id)
                   .order_by(ChannelConsent.channel)).all()
    for row in rows:
        if row.channel in first_before:
            given = first_before[row.channel]
            at = client.created_at
        else:
            given = _consent_value(f"{'allowed' if row.allowed else 'blocked'}/{row.consent}"
                                   + (f"/{row.consent_source}" if row.consent_source else ""))
            at = row.consent_at or client.created_at
        if given is None:
            continue
        history.append({"at": plain(at), "action": CONSENT_RECORDED, "by": names(client.created_by_id),
                        "about_other_client": False, "details": {},
                        "consents": [{"channel": row.channel, "before": None, "after": given}]})
    history.sort(key=lambda entry: (entry["at"] or "", entry["action"] != CONSENT_RECORDED))
    return history


def _audit_events(db: Session, client: Client, contact: ContactPerson | None) -> list[dict]:
    """The audit trail about the card, read generically: every action (viewed, changed, merged,
    exported…) recorded with the client as subject or as the other client of the event."""
    names = _Names(db)
    stmt = select(AuditEvent).where(or_(AuditEvent.subject_id == client.id, AuditEvent.other_id == client.id)) \
        .order_by(AuditEvent.created_at, AuditEvent.id)
    out = []
    marks = _contact_marks(contact)
    for event in db.exec(stmt).all():
        try:
            details = json.loads(event.payload or "{}")
        except ValueError:
            details = {"text": event.payload}
        if marks and not _mentions(details, marks, contact.id):
            continue
        out.append((event.created_at, {"at": plain(event.created_at), "action": event.action,
                                       "by": names(event.actor_id), "about_other_client": event.subject_id != client.id,
                                       "details": details}))
    if contact is None:  # the card handed from one rep to another (the hand-over's journal)
        for part, *_ in handover_parts(client.id):
            for row in db.execute(part).mappings().all():
                moved = json.loads(row["payload"])
                out.append((row["at"], {"at": plain(row["at"]), "action": row["action"], "by": names(row["actor_id"]),
                                        "about_other_client": False,
                                        "details": {"from": names(moved["from"]), "to": names(moved["to"])}}))
    out.sort(key=lambda pair: pair[0].replace(tzinfo=None))
    return [entry for _at, entry in out]


def _contact_marks(contact: ContactPerson | None) -> set[str]:
    if contact is None:
        return set()
    return {v.strip().casefold() for v in (contact.email, contact.last_name, contact.mobile, contact.direct_line)
            if v and v.strip()}


def _mentions(details, marks: set[str], contact_id: int) -> bool:
    if isinstance(details, dict):
        if details.get("contact_id") == contact_id:
            return True
        return any(_mentions(v, marks, contact_id) for v in details.values())
    if isinstance(details, list):
        return any(_mentions(v, marks, contact_id) for v in details)
    return isinstance(details, str) and any(mark in details.casefold() for mark in marks)


def record_export(db: Session, actor: User, client: Client, fmt: str, contact: ContactPerson | None = None,
                  request: PrivacyRequest | None = None) -> None:
    """Producing an access export is itself in the audit trail (who, when, which format). Commits."""
    payload = {"format": fmt}
    if contact is not None:
        payload["contact_id"] = contact.id
    if request is not None:
        payload["request_id"] = request.id
    db.add(AuditEvent(action=EXPORTED, actor_id=actor.id, subject_id=client.id, payload=json.dumps(payload)))
    db.commit()


def to_json(export: dict) -> bytes:
    return json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
