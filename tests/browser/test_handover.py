"""A manager hands Yann's clients over to Marc on a 360 px phone, in French: the form, the preview
with its figures, the confirmation, then the undo."""

from __future__ import annotations

from datetime import time, timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.clients.models import Client
from fieldcrm.followups.models import FollowUp
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, make_appointment, make_client, make_followup, make_team, make_user

NARROW_PHONE = {"width": 360, "height": 780}


def test_hand_over_preview_confirm_undo_on_a_phone(page: Page, live_app, live_url, live_db, log_in, screenshot):
    team = make_team(live_db, "Ouest")
    manager = make_user(live_db, "manager", team, name="Manon Martin", locale="fr")
    yann = make_user(live_db, "rep", team, name="Yann Le Goff")
    marc = make_user(live_db, "rep", team, name="Marc Petit")
    make_user(live_db, "admin", None, name="Ada Admin")
    with live_app.app_context():
        soon = timeutil.today() + timedelta(days=2)
        at = timeutil.local_datetime(soon, time(10))
    clients = [make_client(live_db, yann, company_name=f"Boulangerie {n}", postal_code="29200", city="Brest")
               for n in range(6)]
    for client in clients[:4]:
        make_followup(live_db, yann, client, soon, reason="Relancer le devis")
    make_appointment(live_db, yann, clients[0], at, place="Brest")

    page.set_viewport_size(NARROW_PHONE)
    log_in(page, manager, PASSWORD)
    page.goto(live_url("handover.index"))
    expect(page.locator("#target option:checked")).to_have_text("Choisir un commercial…")  # no default
    expect(page.locator("#target")).not_to_contain_text("Ada Admin")
    page.locator("#source").select_option(label="Yann Le Goff")
    expect(page.locator(".handover-clients summary")).to_contain_text("6 clients")  # reloaded for Yann
    page.locator("#target").select_option(label="Marc Petit")
    for box in page.locator("input[name^=carry_]").all():
        expect(box).to_be_checked()  # everything goes along unless unticked
    screenshot(page, "01-form")
    assert_fits_narrow_phone(page, screenshot, "01-form")
    page.get_by_role("button", name="Aperçu").click()

    summary = page.locator("#handover-summary")
    expect(summary).to_contain_text("6 clients, 4 relances en cours, 1 rendez-vous, 0 étape de tournée")
    expect(summary).to_contain_text("iront à Marc Petit")
    confirm = page.get_by_role("button", name="Confirmer la transmission")
    assert_tap_targets(page, "#handover-preview .btn")
    screenshot(page, "02-preview")
    assert_fits_narrow_phone(page, screenshot, "02-preview")
    live_db.expire_all()
    assert {c.owner_id for c in live_db.exec(select(Client).where(Client.owner_id == yann.id))} == {yann.id}
    confirm.click()

    expect(page.locator(".flash-success")).to_contain_text("6 clients sont allés à Marc Petit")
    expect(page.locator("#handover-moved")).to_contain_text("4 relances en cours")
    live_db.expire_all()
    assert len(live_db.exec(select(Client).where(Client.owner_id == marc.id)).all()) == 6
    assert {f.assignee_id for f in live_db.exec(select(FollowUp))} == {marc.id}
    screenshot(page, "03-done")
    page.get_by_role("button", name="Annuler cette transmission").click()

    expect(page.locator("#handover-undone")).to_contain_text("Annulée le")
    expect(page.locator("#handover-detail")).to_contain_text("Tout est revenu à Yann Le Goff")
    live_db.expire_all()
    assert len(live_db.exec(select(Client).where(Client.owner_id == yann.id)).all()) == 6
    assert {f.assignee_id for f in live_db.exec(select(FollowUp))} == {yann.id}
    screenshot(page, "04-undone")
    assert_fits_narrow_phone(page, screenshot, "04-undone")
