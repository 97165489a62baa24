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


def test_a_receivers_full_tour_is_shown_and_the_stops_can_stay(page: Page, live_app, live_url, live_db, log_in,
                                                              screenshot):
    """Marc's tour the day after tomorrow already holds 99 stops: Yann's two stops that day would take
    it past 100. The preview says so, day by day, and offers no confirmation; unticking the tour stops
    lets the clients go while the stops stay with Yann."""
    from fieldcrm.tours.services import MAX_TOUR_STOPS
    from tests.factories import copy_located_clients, make_tour

    team = make_team(live_db, "Ouest")
    manager = make_user(live_db, "manager", team, name="Manon Martin", locale="fr")
    yann = make_user(live_db, "rep", team, name="Yann Le Goff")
    marc = make_user(live_db, "rep", team, name="Marc Petit")
    with live_app.app_context():
        day = timeutil.today() + timedelta(days=2)
    model = make_client(live_db, marc, company_name="Modèle", postal_code="29200", city="Brest")
    copy_located_clients(live_db, model, [(marc.id, 48.39, -4.49)] * (MAX_TOUR_STOPS - 2), name="Client Marc")
    make_tour(live_db, marc, live_db.exec(select(Client).where(Client.owner_id == marc.id)).all(), day=day)
    mine = [make_client(live_db, yann, company_name=f"Crêperie {n}", postal_code="29200", city="Brest")
            for n in range(2)]
    make_tour(live_db, yann, mine, day=day)

    page.set_viewport_size(NARROW_PHONE)
    log_in(page, manager, PASSWORD)
    page.goto(live_url("handover.index"))
    page.locator("#source").select_option(label="Yann Le Goff")
    expect(page.locator(".handover-clients summary")).to_contain_text("2 clients")
    page.locator("#target").select_option(label="Marc Petit")
    page.get_by_role("button", name="Aperçu").click()
    full = page.locator("#handover-full-days")
    expect(full).to_contain_text("Les tournées de Marc Petit ne peuvent pas prendre ces étapes")
    expect(full).to_contain_text("déjà 99\u00a0étapes, 2 de plus en feraient 101")
    expect(page.get_by_role("button", name="Confirmer la transmission")).to_have_count(0)
    screenshot(page, "01-full-tour")
    assert_fits_narrow_phone(page, screenshot, "01-full-tour")

    page.get_by_role("link", name="Modifier").click()
    page.get_by_label("Étapes de tournée à faire").uncheck()
    page.get_by_role("button", name="Aperçu").click()
    expect(page.locator("#handover-summary")).to_contain_text("2 clients, 0 relance en cours, 0 rendez-vous iront")
    expect(page.locator("#handover-stay")).to_contain_text("Étapes de tournée à faire")
    page.get_by_role("button", name="Confirmer la transmission").click()
    expect(page.locator(".flash-success")).to_contain_text("2 clients sont allés à Marc Petit")
    live_db.expire_all()
    assert {c.owner_id for c in live_db.exec(select(Client).where(Client.company_name.startswith("Crêperie")))} \
        == {marc.id}
