"""The retention rules: what each one looks for, and what it does to what it finds.

Periods from the CNIL's framework for commercial management (référentiel « gestion des activités
commerciales », 2021); an admin may change them (privacy.retention keeps the settings):
- prospects (suspects, leads, prospects): 3 years after the last contact with them, or after their card
  was made when never reached. FieldCRM does not record who started a contact; a contact counts when the
  person was reached (the card's `last_contact_at`: a call, visit or e-mail that reached them, never a
  note or a "not reached"), the nearest it knows to "a contact coming from the prospect".
  Default action: erase (a prospect brought no sales to keep figures of).
- former clients (clients and former clients): 3 years after the end of the relationship, the later of
  their last purchase and their last contact. Default action: anonymise (privacy.anonymise: the card
  stays for the sales figures, without anyone to identify).
- authentication log, sessions and login throttles: 12 months.
- deleted clients and logs: the undo period (UNDO_DELETE_DAYS, 30 days), never less: the trash promises
  that long. Always on and automatic (deleting was the decision; the undo period was its review).
- import error reports: 7 days, never more (the hourly clean-up of imports removes them then anyway);
  always on and automatic.
- audit entries: 12 months, except the "not a duplicate" decisions (a choice still in force, not a
  trace). The merges older than that can no longer be undone.

A rule's `find` returns the ids of its batch (rules on clients: a review shows them, an apply touches
exactly them, each checked again) or None (rules on log rows: the batch is everything before the
cutoff, which cannot grow); `apply` does the action and returns how many things went."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, or_
from sqlmodel import Session, select

from fieldcrm.accounts.models import AuthEvent, LoginThrottle, UserSession
from fieldcrm.audit.models import AuditEvent
from fieldcrm.clients.models import Client
from fieldcrm.clients.services import ERASE, purge_client
from fieldcrm.imports import files as imports
from fieldcrm.imports.models import ImportJob
from fieldcrm.privacy.anonymise import anonymise_client
from fieldcrm.privacy.retention_models import ClientAnonymisation
from fieldcrm.sales.models import Purchase
from fieldcrm.visits.services import purge_deleted_logs

YEAR = 365
PROSPECT_STATUSES = ("suspect", "lead", "prospect")
CLIENT_STATUSES = ("client", "former_client")
KEPT_AUDIT_ACTIONS = ("not_duplicate",)
SAMPLE_SIZE = 10


@dataclass(frozen=True)
class Rule:
    key: str
    label: object
    description: object
    default_days: int
    actions: tuple[str, ...]
    default_action: str
    find: Callable[[Session, datetime], list[int] | None]
    count: Callable[[Session, datetime], int]
    sample: Callable[[Session, datetime, int], list[str]]
    apply: Callable[[Session, datetime, list[int] | None, str, int | None], int]
    lines: Callable[[Session, list[int]], list[str]] = lambda db, ids: [f"#{i}" for i in ids]
    default_auto: bool = False
    required: bool = False  # always on and automatic (the period can still change, within bounds)
    min_days: Callable[[], int] = lambda: 1
    max_days: Callable[[], int] = lambda: 10 * YEAR


# --- clients: prospects and former clients --------------------------------------------------------

def _live_clients(cutoff: datetime):
    anonymised = exists().where(ClientAnonymisation.client_id == Client.id)
    return select(Client.id).where(Client.deleted_at.is_(None), ~anonymised, Client.created_at < cutoff,
                                   or_(Client.last_contact_at.is_(None), Client.last_contact_at < cutoff))


def _stale_prospects(cutoff: datetime):
    return _live_clients(cutoff).where(Client.status.in_(PROSPECT_STATUSES))


def _former_clients(cutoff: datetime):
    recent_purchase = exists().where(Purchase.client_id == Client.id, Purchase.purchased_on >= cutoff.date())
    return _live_clients(cutoff).where(Client.status.in_(CLIENT_STATUSES), ~recent_purchase)


def _client_rule_functions(stmt_for: Callable[[datetime], object]):
    def find(db, cutoff):
        return list(db.exec(stmt_for(cutoff).order_by(Client.id)).all())

    def count(db, cutoff):
        return db.exec(select(func.count()).select_from(stmt_for(cutoff).subquery())).one()

    def sample(db, cutoff, size=SAMPLE_SIZE):
        ids = stmt_for(cutoff).with_only_columns(Client.id).order_by(Client.id).limit(size)
        rows = db.exec(select(Client).where(Client.id.in_(ids)).order_by(Client.id)).all()
        return [_client_line(c) for c in rows]

    def apply(db, cutoff, ids, action, actor_id):
        """Each client checked again and treated in its own transaction; the count of those that went."""
        done = 0
        for client_id in ids or []:
            still = db.exec(stmt_for(cutoff).where(Client.id == client_id)).first()
            if still is None:  # contacted, bought, deleted or anonymised since the batch was made
                continue
            try:
                if _treat_client(db, client_id, action, actor_id):
                    db.commit()
                    done += 1
                else:
                    db.rollback()
            except Exception:  # one card that fails must not keep the others
                db.rollback()
                current_app.logger.exception("retention: client %s not treated", client_id)
        return done

    return find, count, sample, apply


def _client_lines(db: Session, ids: list[int]) -> list[str]:
    rows = {c.id: c for c in db.exec(select(Client).where(Client.id.in_(ids))).all()}
    return [_client_line(rows[i]) for i in ids if i in rows]


def _client_line(client: Client) -> str:
    last = client.last_contact_at or client.created_at
    return f"#{client.id} {client.display_name} — {client.postal_code or ''} {client.city or ''} — {last:%Y-%m-%d}"


def _treat_client(db: Session, client_id: int, action: str, actor_id: int | None) -> bool:
    if action == "anonymise":
        return anonymise_client(db, client_id, rule="retention", actor_id=actor_id)
    if not purge_client(db, client_id):
        return False
    db.add(AuditEvent(action=ERASE, actor_id=actor_id, subject_id=client_id,
                      payload=json.dumps({"reason": "retention"})))
    return True


# --- deleted clients and logs -----------------------------------------------------------------------

def _deleted(cutoff: datetime):
    return select(Client.id).where(Client.deleted_at < cutoff)


def _deleted_find(db, cutoff):
    return list(db.exec(_deleted(cutoff).order_by(Client.id)).all())


def _deleted_count(db, cutoff):
    return db.exec(select(func.count()).select_from(_deleted(cutoff).subquery())).one()


def _deleted_sample(db, cutoff, size=SAMPLE_SIZE):
    rows = db.exec(select(Client).where(Client.deleted_at < cutoff).order_by(Client.id).limit(size)).all()
    return [f"#{c.id} {c.display_name} — {c.deleted_at:%Y-%m-%d}" for c in rows]


def _deleted_apply(db, cutoff, ids, action, actor_id):
    done = 0
    for client_id in ids or []:
        try:
            if purge_client(db, client_id, deleted_before=cutoff):
                db.commit()
                done += 1
            else:
                db.rollback()  # restored meanwhile
        except Exception:
            db.rollback()
            current_app.logger.exception("retention: deleted client %s not erased", client_id)
    done += purge_deleted_logs(db, cutoff)
    db.commit()
    return done


# --- log rows: authentication, audit ------------------------------------------------------------------

def _auth_statements(cutoff):
    return ((AuthEvent, AuthEvent.at < cutoff),
            (UserSession, func.coalesce(UserSession.revoked_at, UserSession.last_seen_at) < cutoff),
            (LoginThrottle, LoginThrottle.last_failure_at < cutoff))


def _auth_count(db, cutoff):
    return sum(db.exec(select(func.count()).select_from(model).where(where)).one()
               for model, where in _auth_statements(cutoff))


def _auth_sample(db, cutoff, size=SAMPLE_SIZE):
    rows = db.exec(select(AuthEvent).where(AuthEvent.at < cutoff).order_by(AuthEvent.at).limit(size)).all()
    return [f"{e.at:%Y-%m-%d %H:%M} {e.event} {e.login or ''}" for e in rows]


def _auth_apply(db, cutoff, ids, action, actor_id):
    done = sum(db.execute(delete(model).where(where)).rowcount or 0 for model, where in _auth_statements(cutoff))
    db.commit()
    return done


def _old_audit(cutoff):
    return (AuditEvent.created_at < cutoff, AuditEvent.action.not_in(KEPT_AUDIT_ACTIONS))


def _audit_count(db, cutoff):
    return db.exec(select(func.count()).select_from(AuditEvent).where(*_old_audit(cutoff))).one()


def _audit_sample(db, cutoff, size=SAMPLE_SIZE):
    rows = db.exec(select(AuditEvent).where(*_old_audit(cutoff)).order_by(AuditEvent.created_at).limit(size)).all()
    return [f"{e.created_at:%Y-%m-%d %H:%M} {e.action} #{e.subject_id or ''}" for e in rows]


def _audit_apply(db, cutoff, ids, action, actor_id):
    """The one place the app deletes audit entries: those past the period the admin set."""
    done = db.execute(delete(AuditEvent).where(*_old_audit(cutoff))).rowcount or 0
    db.commit()
    return done


# --- import error reports (files) ---------------------------------------------------------------------

def _reports(db, cutoff) -> list[ImportJob]:
    jobs = db.exec(select(ImportJob).where(ImportJob.status.in_(("done", "refused")),
                                           ImportJob.finished_at < cutoff).order_by(ImportJob.id)).all()
    return [job for job in jobs if imports.report_available(job)]


def _reports_apply(db, cutoff, ids, action, actor_id):
    done = 0
    for job in _reports(db, cutoff):
        imports.errors_path(job).unlink(missing_ok=True)
        done += 1
    return done


def _undo_days() -> int:
    return int(current_app.config["UNDO_DELETE_DAYS"])


_prospects = _client_rule_functions(_stale_prospects)
_former = _client_rule_functions(_former_clients)

RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("prospects", _l("Prospects without contact"),
         _l("Suspects, leads and prospects not reached for this long (or never, since their card was made)."),
         3 * YEAR, ("erase", "anonymise"), "erase", *_prospects, lines=_client_lines),
    Rule("former_clients", _l("Former clients"),
         _l("Clients whose last purchase and last contact are this old: the relationship ended."),
         3 * YEAR, ("anonymise", "erase"), "anonymise", *_former, lines=_client_lines),
    Rule("auth_log", _l("Logins and sessions"),
         _l("The authentication log (logins, failures, logouts), sessions and login throttles."),
         YEAR, ("delete",), "delete", lambda db, cutoff: None, _auth_count, _auth_sample, _auth_apply),
    Rule("deleted_items", _l("Deleted clients and logs"),
         _l("Clients and logs deleted longer ago than their undo period: erased for good."),
         30, ("erase",), "erase", _deleted_find, _deleted_count, _deleted_sample, _deleted_apply, lines=_client_lines,
         default_auto=True, required=True, min_days=_undo_days),
    Rule("import_reports", _l("Import error reports"),
         _l("The report of the rows an import could not take, kept so the user can fix them."),
         imports.ERROR_REPORT_DAYS, ("delete",), "delete", lambda db, cutoff: None,
         lambda db, cutoff: len(_reports(db, cutoff)),
         lambda db, cutoff, size=SAMPLE_SIZE: [f"#{j.id} {j.filename}" for j in _reports(db, cutoff)[:size]],
         _reports_apply, default_auto=True, required=True, max_days=lambda: imports.ERROR_REPORT_DAYS),
    Rule("audit_trail", _l("Audit trail"),
         _l("Entries of the audit trail (views, changes, exports, merges, deletions); merges older than "
            "this can no longer be undone."),
         YEAR, ("delete",), "delete", lambda db, cutoff: None, _audit_count, _audit_sample, _audit_apply),
)}


def default_days(rule: Rule) -> int:
    return _undo_days() if rule.key == "deleted_items" else rule.default_days
