"""The audit trail as an admin reads it: the audit entries (cards viewed, changed, exported, merged,
deleted, restored, erased, anonymised) and the authentication log (logins, failures, hand-overs of a
portfolio, user administration) in one time-ordered list, filtered, paginated, exported as CSV.

Admins only (the routes check it); the trail covers every portfolio. Reading writes nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, func, literal, null, or_, union_all
from sqlmodel import Session, select

from fieldcrm.accounts.models import AuthEvent, User
from fieldcrm.audit import services as audit
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import ERASE
from fieldcrm.handover.models import HandOver, HandOverItem
from fieldcrm.privacy.anonymise import CLIENT_ANONYMISED
from fieldcrm.timeutil import day_bounds, to_local
from fieldcrm.visits.services import DELETED_LOG
from fieldcrm.web.spreadsheet import spreadsheet_safe

# A card's part in a portfolio hand-over, read from the hand-over's journal (one line per card moved; the
# portfolio's own line, with its size, is in the authentication log). Shown when the trail is read for
# one card, and in the card's access export.
CARD_HANDED_OVER, CARD_HANDED_BACK = "client.handed_over", "client.handed_back"
PAGE_SIZE = 50
HANDOVER = re.compile(r"to (\d+): (\d+)$")  # clients.services.move_portfolio's detail
CSV_LIMIT = 100_000

# Every action the trail knows, with its label; the filter offers them in this order.
ACTIONS = {
    audit.CLIENT_VIEWED: _l("Card viewed"),
    audit.CLIENT_UPDATED: _l("Card changed"),
    audit.CLIENT_DELETED: _l("Card deleted"),
    audit.CLIENT_RESTORED: _l("Card restored"),
    ERASE: _l("Person erased"),
    CLIENT_ANONYMISED: _l("Card anonymised"),
    "merge": _l("Cards merged"),
    "not_duplicate": _l("Marked not a duplicate"),
    DELETED_LOG: _l("Log deleted"),
    audit.CLIENT_EXPORTED: _l("vCard exported"),
    audit.LIST_EXPORTED: _l("List exported"),
    audit.ACCESS_EXPORTED: _l("Access export"),
    audit.TEXT_CLEANED: _l("Text cleaned (minimisation)"),
    "login": _l("Login"),
    "login_failed": _l("Failed login"),
    "login_locked": _l("Login locked"),
    "logout": _l("Logout"),
    "portfolio_moved": _l("Portfolio handed over"),
    CARD_HANDED_OVER: _l("Card handed over"),
    CARD_HANDED_BACK: _l("Hand-over undone"),
    "user_created": _l("User created"),
    "role_changed": _l("Role changed"),
    "user_deactivated": _l("User deactivated"),
    "user_activated": _l("User reactivated"),
    "password_reset": _l("Password reset"),
    "password_changed": _l("Password changed"),
}


@dataclass
class TrailFilters:
    user_id: int | None = None
    client_id: int | None = None
    action: str | None = None
    start: date | None = None
    end: date | None = None

    def as_args(self) -> dict:
        return {k: v for k, v in (("user", self.user_id), ("client", self.client_id), ("action", self.action),
                                  ("from", self.start), ("to", self.end)) if v is not None}


@dataclass
class TrailPage:
    rows: list[dict]
    page: int
    has_more: bool


def _audit_part():
    return select(AuditEvent.created_at.label("at"), AuditEvent.action.label("action"),
                  AuditEvent.actor_id.label("actor_id"), AuditEvent.subject_id.label("client_id"),
                  AuditEvent.other_id.label("other_id"), cast(AuditEvent.payload, Text).label("payload"),
                  cast(null(), Text).label("login"), literal("audit").label("source"), AuditEvent.id.label("row_id"))


def _auth_part():
    return select(AuthEvent.at.label("at"), AuthEvent.event.label("action"),
                  func.coalesce(AuthEvent.actor_id, AuthEvent.user_id).label("actor_id"),
                  cast(null(), AuthEvent.id.type).label("client_id"), AuthEvent.user_id.label("other_id"),
                  cast(func.coalesce(AuthEvent.detail, ""), Text).label("payload"),
                  cast(AuthEvent.login, Text).label("login"), literal("auth").label("source"),
                  AuthEvent.id.label("row_id"))


def handover_parts(client_id: int):
    """The hand-overs (and their undos) that moved `client_id`, as trail rows: "from → to" user ids."""
    moved = "{\"from\": " + cast(HandOver.from_user_id, Text) + ", \"to\": " + cast(HandOver.to_user_id, Text) + "}"
    back = "{\"from\": " + cast(HandOver.to_user_id, Text) + ", \"to\": " + cast(HandOver.from_user_id, Text) + "}"
    base = select(HandOver).join(HandOverItem, HandOverItem.hand_over_id == HandOver.id).where(
        HandOverItem.kind == "client", HandOverItem.client_id == client_id)
    handed = base.with_only_columns(
        HandOver.created_at.label("at"), literal(CARD_HANDED_OVER).label("action"), HandOver.actor_id.label("actor_id"),
        HandOverItem.client_id.label("client_id"), cast(null(), HandOver.id.type).label("other_id"),
        cast(moved, Text).label("payload"), cast(null(), Text).label("login"), literal("handover").label("source"),
        HandOver.id.label("row_id"))
    undone = base.where(HandOver.undone_at.is_not(None), HandOverItem.restored.is_(True)).with_only_columns(
        HandOver.undone_at.label("at"), literal(CARD_HANDED_BACK).label("action"),
        HandOver.undone_by_id.label("actor_id"), HandOverItem.client_id.label("client_id"),
        cast(null(), HandOver.id.type).label("other_id"), cast(back, Text).label("payload"),
        cast(null(), Text).label("login"), literal("handover").label("source"), HandOver.id.label("row_id"))
    return ((handed, HandOver.created_at, CARD_HANDED_OVER, HandOver.actor_id),
            (undone, HandOver.undone_at, CARD_HANDED_BACK, HandOver.undone_by_id))


def _by_user_and_dates(part, at, actor, filters: TrailFilters):
    """One part of the trail narrowed to the filters' user and days (`at`, `actor`: its columns)."""
    if filters.user_id is not None:
        part = part.where(actor == filters.user_id)
    if filters.start:
        part = part.where(at >= day_bounds(filters.start)[0])
    if filters.end:
        part = part.where(at < day_bounds(filters.end)[1])
    return part


def trail_statement(filters: TrailFilters):
    """Both logs, filtered, as one select ordered newest first; read for one card, its hand-overs too."""
    parts = []
    if filters.client_id is not None:
        for part, at, action, actor in handover_parts(filters.client_id):
            if filters.action and filters.action != action:
                continue
            parts.append(_by_user_and_dates(part, at, actor, filters))
    for part, table_at, table_action, actor, is_auth in (
            (_audit_part(), AuditEvent.created_at, AuditEvent.action, AuditEvent.actor_id, False),
            (_auth_part(), AuthEvent.at, AuthEvent.event, func.coalesce(AuthEvent.actor_id, AuthEvent.user_id), True)):
        if filters.client_id is not None:
            if is_auth:
                continue  # logins are about no card
            part = part.where(or_(AuditEvent.subject_id == filters.client_id, AuditEvent.other_id == filters.client_id))
        if filters.action:
            part = part.where(table_action == filters.action)
        parts.append(_by_user_and_dates(part, table_at, actor, filters))
    combined = union_all(*parts).subquery()
    return select(combined).order_by(combined.c.at.desc(), combined.c.source, combined.c.row_id.desc())


def trail_page(db: Session, filters: TrailFilters, page: int = 1) -> TrailPage:
    stmt = trail_statement(filters).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    rows = [dict(r._mapping) for r in db.execute(stmt).all()]
    _describe(db, rows[:PAGE_SIZE])
    return TrailPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def _describe(db: Session, rows: list[dict]) -> None:
    """Add who (the user's name) and which card (its name; erased cards have none) to each row."""
    user_ids = {r["actor_id"] for r in rows} | {r["other_id"] for r in rows if r["source"] == "auth"}
    user_ids |= {int(m.group(1)) for r in rows if r["action"] == "portfolio_moved"
                 for m in [HANDOVER.match(r["payload"] or "")] if m}
    user_ids |= {v for r in rows if r["source"] == "handover" for v in json.loads(r["payload"]).values()}
    client_ids = {r["client_id"] for r in rows} | {r["other_id"] for r in rows if r["source"] == "audit"}
    users = {u.id: u.name for u in db.exec(select(User).where(User.id.in_(user_ids - {None})))}
    clients = dict(db.exec(select(Client.id, Client.display_name).where(Client.id.in_(client_ids - {None}))).all())
    for row in rows:
        row["actor"] = users.get(row["actor_id"], "")
        row["client"] = clients.get(row["client_id"], "")
        row["label"] = ACTIONS.get(row["action"], row["action"])
        row["summary"] = summary(row, users, clients)


def summary(row: dict, users: dict, clients: dict) -> str:
    """What the entry says beyond its action: the fields changed, the export's filter and size, …"""
    if row["source"] == "auth":
        handover = HANDOVER.match(row["payload"] or "") if row["action"] == "portfolio_moved" else None
        if handover:
            return f"{users.get(row['other_id'], row['login'])} → {users.get(int(handover.group(1)), '?')}: " \
                   f"{handover.group(2)}"
        return " ".join(str(p) for p in (row["login"], row["payload"]) if p)
    try:
        payload = json.loads(row["payload"] or "{}")
    except ValueError:
        payload = {}
    if row["source"] == "handover":
        return f"{users.get(payload.get('from'), '?')} → {users.get(payload.get('to'), '?')}"
    if "changes" in payload:
        return "; ".join(f"{name}: {short(old)} → {short(new)}" for name, (old, new) in payload["changes"].items())
    if row["action"] == "merge" and row["other_id"]:
        other = clients.get(row["other_id"]) or payload.get("other_name") or f"#{row['other_id']}"
        return f"← {other}"
    parts = [f"{k}={short(v)}" for k, v in payload.items() if k in (
        "list", "q", "status", "segment_name", "campaign_name", "format", "rows", "rule", "reason", "source")]
    return ", ".join(parts)


def short(value) -> str:
    text = "∅" if value in (None, "", []) else (", ".join(map(str, value)) if isinstance(value, list) else str(value))
    return text if len(text) <= 80 else text[:79] + "…"


def trail_csv(db: Session, filters: TrailFilters) -> bytes:
    """The filtered trail as CSV for French Excel; every cell formula-safe."""
    rows = [dict(r._mapping) for r in db.execute(trail_statement(filters).limit(CSV_LIMIT)).all()]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(h) for h in (_l("Date"), _l("User"), _l("Action"), _l("Client"), _l("Client id"),
                                      _l("Details"))])
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        _describe(db, chunk)
        for row in chunk:
            writer.writerow([spreadsheet_safe(v) for v in (
                to_local(row["at"]).strftime("%Y-%m-%d %H:%M:%S"), row["actor"], str(row["label"]), row["client"],
                row["client_id"] or "", row["summary"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
