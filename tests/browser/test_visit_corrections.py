"""On a phone: correct a logged visit from the client's history, then delete it and undo the deletion."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import Session

from fieldcrm import timeutil
from fieldcrm.clients.models import Client
from fieldcrm.visits.models import Interaction
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, make_interaction, portfolio_world


def saved(live_app, interaction_id):
    """The interaction as stored now (None once deleted) and its client."""
    with Session(live_app.extensions["fieldcrm.engine"]) as db:
        interaction = db.get(Interaction, interaction_id)
        return interaction, db.get(Client, interaction.client_id) if interaction else None


def test_rep_corrects_then_deletes_and_restores_a_log(page: Page, live_app, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    rep, client = world["rep_a"], world["client_a"]
    with live_app.app_context():
        yesterday = timeutil.now() - timedelta(days=1)
    logged = make_interaction(live_db, rep, client, occurred_at=yesterday, note="Vu le gérant")
    log_in(page, rep, PASSWORD)

    page.goto(live_url("clients.detail", client_id=client.id))
    entry = page.locator("#client-timeline .tl-interaction").first
    expect(entry).to_contain_text("Vu le gérant")
    entry.locator(".tl-correct").tap()
    page.wait_for_url(lambda url: f"/interactions/{logged.id}/edit" in url)
    expect(page.locator("h1")).to_have_text("Corriger l'échange")
    screenshot(page, "01-edit")
    assert_tap_targets(page, "#edit-log .kind-chip span, #edit-log .form-actions .btn, #edit-log .btn-danger-ghost")
    assert_fits_narrow_phone(page, screenshot, "01-edit")

    note = page.locator("#note")
    note.fill("")
    note.press_sequentially("Gérant malade, commande prise par son associée", delay=5)
    expect(page.locator("[data-note-warning]")).to_be_visible()  # warns as the rep types, never blocks
    page.locator(".kind-chip", has_text="Commande prise").tap()
    page.locator("#edit-log .btn-primary").tap()
    page.wait_for_url(live_url("clients.detail", client_id=client.id))
    expect(page.locator(".flashes")).to_contain_text("Modifications enregistrées.")
    expect(page.locator(".flash-warning")).to_contain_text("malade")
    edited = page.locator("#client-timeline .tl-interaction").first
    expect(edited).to_contain_text("modifié")
    expect(edited).to_contain_text("Commande prise")
    screenshot(page, "02-edited")
    interaction, _client = saved(live_app, logged.id)
    assert interaction.outcome == "order_taken" and interaction.updated_by_id == rep.id

    edited.locator(".tl-correct").tap()
    page.locator("#edit-log .btn-danger-ghost").tap()
    expect(page.locator("#delete-log h1")).to_have_text("Supprimer cet échange ?")
    screenshot(page, "03-confirm")
    assert_fits_narrow_phone(page, screenshot, "03-confirm")
    page.locator("#delete-log .btn-danger").tap()
    page.wait_for_url(live_url("clients.detail", client_id=client.id))
    expect(page.locator(".flashes")).to_contain_text("L'échange a été supprimé.")
    expect(page.locator("#client-timeline")).not_to_contain_text("commande prise par son associée")
    assert saved(live_app, logged.id)[0] is None
    screenshot(page, "04-deleted")

    page.locator(".flashes button", has_text="Annuler").tap()
    expect(page.locator(".flashes")).to_contain_text("L'échange est de retour dans l'historique.")
    expect(page.locator("#client-timeline .tl-interaction").first).to_contain_text("commande prise par son associée")
    interaction, row = saved(live_app, logged.id)
    assert interaction.uid == logged.uid and row.last_contact_at == interaction.occurred_at
    screenshot(page, "05-restored")
