"""Export a list or a segment (CSV / XLSX), a campaign's recipients, a contact as a vCard."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from fieldcrm.audit import services as audit
from fieldcrm.clients import objections
from fieldcrm.clients.listargs import list_args
from fieldcrm.clients.models import STATUSES, Client
from fieldcrm.clients.queries import contacts_of, listed_statement, scope
from fieldcrm.db import get_session
from fieldcrm.exports import services
from fieldcrm.sales.models import CampaignRecipient
from fieldcrm.segments import filters as segment_filters
from fieldcrm.timeutil import utcnow
from fieldcrm.web.guards import with_campaign, with_client

bp = Blueprint("exports", __name__)
TYPES = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _download(content: bytes, name: str, fmt: str) -> Response:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "export"
    return Response(content, mimetype=TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}-{utcnow():%Y%m%d}.{fmt}"',
                             "Cache-Control": "no-store"})


def _build(fmt: str, stmt, name: str, what: dict) -> Response:
    """The file, and its line in the audit trail (what was exported, with which filter, how many rows:
    a GET that writes, like the card's view, see audit.services)."""
    db = get_session()
    columns = services.columns_for(db, current_user)
    data = services.rows(db, current_user, stmt, columns)
    headers = [str(label) for _key, label in columns]
    content = services.to_csv(headers, data) if fmt == "csv" else services.to_xlsx(headers, data)
    audit.record(db, audit.LIST_EXPORTED, actor_id=current_user.id,
                 payload={**what, "format": fmt, "rows": len(data)})
    db.commit()
    return _download(content, name, fmt)


@bp.get("/exports/clients.<fmt>")
@login_required
def clients(fmt: str):
    """The client list as filtered on screen (search, status, "not contacted for", whose clients, a saved
    segment…: the list's own arguments and query), every page of it."""
    if fmt not in TYPES:
        abort(404)
    args = list_args()
    args.pop("page")
    name = args["segment"].name if args.get("segment") is not None else _("clients")
    what = {"list": "clients"}
    if args.get("segment") is not None:
        what.update(segment=args["segment"].id, segment_name=args["segment"].name)
    if args["q"].strip():
        what["q"] = args["q"].strip()
    if args["status"] in STATUSES:
        what["status"] = args["status"]
    if args["stale"]:
        what["stale_days"] = args["stale"]
    if args["owner"] is not None:
        what["owner"] = args["owner"].id
    return _build(fmt, listed_statement(current_user, **args), name, what)


@bp.get("/campaigns/<int:campaign_id>/export.csv")
@with_campaign
def campaign_csv(campaign):
    """A campaign's recipients, minus anyone who opposed its channel or is on the opposition list
    (checked again at export time)."""
    db = get_session()
    stmt = scope(select(Client), current_user).where(
        Client.id.in_(select(CampaignRecipient.client_id).where(CampaignRecipient.campaign_id == campaign.id)),
        *segment_filters.reachable_on(campaign.channel))
    objecting = objections.objecting_ids(db, db.exec(stmt.with_only_columns(
        Client.id, *objections.person_columns(Client))).all())
    if objecting:
        stmt = stmt.where(Client.id.not_in(objecting))
    return _build("csv", stmt, campaign.name, {"list": "campaign", "campaign": campaign.id,
                                               "campaign_name": campaign.name})


@bp.get("/clients/<int:client_id>/vcard.vcf")
@with_client
def vcard(client):
    db = get_session()
    body = services.vcard(client, contacts_of(db, client))
    audit.record(db, audit.CLIENT_EXPORTED, actor_id=current_user.id, subject_id=client.id,
                 payload={"format": "vcard"})
    db.commit()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", client.display_name).strip("-")[:60] or "contact"
    return Response(body.encode("utf-8"), mimetype="text/vcard; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.vcf"'})
