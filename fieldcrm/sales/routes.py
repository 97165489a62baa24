"""Purchases on the card, campaigns with each client's response."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fieldcrm.db import get_session
from fieldcrm.sales import queries, services
from fieldcrm.sales.forms import CampaignForm, PurchaseForm, channel_choices, response_labels
from fieldcrm.sales.models import RESPONSES
from fieldcrm.segments.queries import get_segment_or_404, segments_for
from fieldcrm.web.forms import posted
from fieldcrm.web.guards import with_campaign, with_client, with_purchase
from fieldcrm.web.htmx import is_htmx, render

bp = Blueprint("sales", __name__)


@bp.app_template_global()
def client_extras(client) -> dict:
    """What the card shows from this capability: revenue figures, purchases, campaigns."""
    db = get_session()
    stats = queries.client_stats(db, client)
    return {"stats": stats, "purchases": queries.purchases_of(db, client, 10) if stats.purchase_count else [],
            "campaigns": queries.campaign_responses_of(db, current_user, client),
            "responses": response_labels()}


@bp.route("/clients/<int:client_id>/purchases/new", methods=["GET", "POST"])
@with_client
def purchase_new(client):
    form = PurchaseForm()
    if form.validate_on_submit():
        services.add_purchase(get_session(), current_user, client, form.purchase_data())
        flash(_("Purchase recorded."), "success")
        return redirect(url_for("clients.detail", client_id=client.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("sales/purchase_form.html", "sales/_purchase_form.html", status=status, form=form, client=client)


@bp.post("/clients/<int:client_id>/purchases/<int:purchase_id>/delete")
@with_purchase
def purchase_delete(client, purchase):
    services.delete_purchase(get_session(), current_user, purchase)
    flash(_("Purchase deleted."), "success")
    return redirect(url_for("clients.detail", client_id=client.id), 303)


@bp.get("/campaigns")
@login_required
def campaigns():
    db = get_session()
    return render("sales/campaigns.html", "sales/_campaigns.html", campaigns=queries.campaigns(db, current_user),
                  channels=dict(channel_choices()))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    db = get_session()
    form = CampaignForm()
    segments = segments_for(db, current_user)
    form.segment_id.choices = [("", _("All my clients"))] + [(str(s.id), s.name) for s in segments]
    if request.method == "GET" and request.args.get("segment"):
        form.segment_id.data = request.args["segment"]
    if form.validate_on_submit():
        segment = None
        if form.segment_id.data:
            segment = get_segment_or_404(db, current_user, int(form.segment_id.data)) \
                if form.segment_id.data.isdigit() else abort(404)
        campaign = services.create_campaign(db, current_user, form.campaign_data(), segment)
        flash(_("Campaign created."), "success")
        return redirect(url_for("sales.campaign", campaign_id=campaign.id), 303)
    status = 422 if request.method == "POST" else 200
    return render("sales/campaign_form.html", "sales/_campaign_form.html", status=status, form=form)


@bp.get("/campaigns/<int:campaign_id>")
@with_campaign
def campaign(campaign):
    db = get_session()
    return render("sales/campaign.html", "sales/_campaign.html", campaign=campaign,
                  recipients=queries.recipients(db, current_user, campaign),
                  counts=queries.response_counts(db, current_user, campaign), responses=response_labels(),
                  channels=dict(channel_choices()))


@bp.post("/campaigns/<int:campaign_id>/responses/<int:client_id>")
@with_campaign
@with_client
def respond(client, campaign):
    row = services.record_response(get_session(), current_user, campaign, client, posted("response"))
    if row is None:
        abort(404)
    if is_htmx():
        return render("sales/_recipient.html", "sales/_recipient.html", campaign=campaign, client=client,
                      recipient=row, responses=response_labels())
    return redirect(url_for("sales.campaign", campaign_id=campaign.id), 303)


__all__ = ["bp", "RESPONSES"]
