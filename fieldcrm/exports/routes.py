"""Export a list or a segment (CSV / XLSX), a campaign's recipients, a contact as a vCard."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from fieldcrm.audit import services as audit
from fieldcrm.clients import objections
from fieldcrm.clients.models import STATUSES, Client
from fieldcrm.clients.normalise import search_tokens
from fieldcrm.clients.queries import contacts_of, scope
from fieldcrm.db import get_session
from fieldcrm.exports import services
from fieldcrm.sales.models import CampaignRecipient
from fieldcrm.segments import filters as segment_filters
from fieldcrm.segments.queries import apply_segment, get_segment_or_404
from fieldcrm.timeutil import utcnow
from fieldcrm.web.boundary import id_arg
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
    """The client list as filtered on screen (search, status) or a saved segment (?segment=id)."""
    if fmt not in TYPES:
        abort(404)
    db = get_session()
    stmt = scope(select(Client), current_user)
    name = _("clients")
    what = {"list": "clients"}
    if id_arg(request.args, "segment"):
        segment = get_segment_or_404(db, current_user, id_arg(request.args, "segment"))
        stmt, name = apply_segment(stmt, segment), segment.name
        what.update(segment=segment.id, segment_name=segment.name)
    query = request.args.get("q", "")[:100]
    for token in search_tokens(query):
        stmt = stmt.where(Client.search_text.contains(token, autoescape=True))
    if query.strip():
        what["q"] = query.strip()
    if request.args.get("status") in STATUSES:
        stmt = stmt.where(Client.status == request.args["status"])
        what["status"] = request.args["status"]
    return _build(fmt, stmt, name, what)


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
