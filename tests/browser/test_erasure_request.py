"""On a phone, an admin erases a client on request: the card's action, a page naming what goes with
counts, the box to tick, then the list saying it is done."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_tap_targets
from tests.factories import PASSWORD, make_client, make_followup, make_interaction, make_user


def test_an_admin_erases_a_client_on_request(page: Page, live_url, live_db, log_in, screenshot):
    rep, admin = make_user(live_db), make_user(live_db, "admin", locale="fr")
    target = make_client(live_db, rep, company_name="Cave Castagné")
    make_interaction(live_db, rep, target, note="Aime le rouge")
    make_followup(live_db, rep, target, date(2026, 12, 1))
    log_in(page, admin, PASSWORD)
    page.goto(live_url("clients.detail", client_id=target.id))
    erase = page.get_by_role("link", name="Effacer (demande RGPD)")
    erase.scroll_into_view_if_needed()
    assert_tap_targets(page, "#client-card .card-foot a")
    erase.click()
    page.wait_for_url(live_url("clients.erase", client_id=target.id))
    panel = page.locator("#erase-confirm")
    expect(panel.locator("h1")).to_have_text("Effacer définitivement Cave Castagné ?")
    expect(panel).to_contain_text("Relances : 1")
    screenshot(page, "01-confirm")
    panel.get_by_role("button", name="Effacer définitivement").click()
    expect(panel.get_by_role("alert")).to_contain_text("Cochez la case pour confirmer l'effacement.")
    panel.get_by_role("checkbox").check()
    panel.get_by_role("button", name="Effacer définitivement").click()
    page.wait_for_url(live_url("clients.index"))
    expect(page.locator(".flash-success")).to_contain_text("Cave Castagné a été effacé")
    expect(page.locator("#results")).not_to_contain_text("Cave Castagné")
    screenshot(page, "02-erased")
