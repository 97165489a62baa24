"""On a 360 px phone in French, a manager maps the values of a category column, of a sales-rep column and
of a newsletter (e-mail consent) column, chooses whose portfolio the new cards go to, imports, then undoes the import."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from fieldcrm.clients.models import ChannelConsent, Client
from fieldcrm.imports.models import ImportJob
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import NARROW, assert_fits_narrow_phone
from tests.factories import PASSWORD, make_client, make_team, make_user

CSV = ("Société;Catégorie;Commercial;E-mail;Newsletter\r\n"
       "Boulangerie du Parc;Client VIP;JD;parc@ex.fr;Oui\r\n"
       "Garage des Alpes;Prospect froid;MB;alpes@ex.fr;Non\r\n"
       "Fleurs & Co;Partenaire;JD;fleurs@ex.fr;Oui\r\n"
       "Cave Saint-Jean;Client VIP;Inconnu;cave@ex.fr;\r\n").encode("utf-8-sig")


def test_value_mapping_then_undo_on_a_narrow_phone(page: Page, live_url, live_db, log_in, screenshot):
    team = make_team(live_db, "Rhône")
    manager = make_user(live_db, "manager", team, name="Manon Leroy")
    jean = make_user(live_db, "rep", team, name="Jean Dupont")
    marie = make_user(live_db, "rep", team, name="Marie Bernard")
    existing = make_client(live_db, jean, company_name="Cave Saint-Jean", email="cave@ex.fr", city=None)
    page.set_viewport_size(NARROW)
    log_in(page, manager, PASSWORD)

    page.goto(live_url("imports.index"))
    page.locator("#file").set_input_files({"name": "erp.csv", "mimeType": "text/csv", "buffer": CSV})
    page.locator("#import-upload button[type=submit]").click()
    page.wait_for_url("**/mapping")
    expect(page.locator("#col-1")).to_have_value("status")  # "Catégorie" holds statuses
    expect(page.locator("#col-2")).to_have_value("owner_email")
    values = page.locator("#value-mapping")
    expect(values).to_be_visible()
    vip = values.locator(".value-row", has_text="Client VIP")
    expect(vip).to_contain_text("2")  # its count
    expect(vip.locator("select")).to_have_value("client")  # pre-filled guess
    expect(values.locator(".value-row", has_text="JD").locator("select")).to_have_value(str(jean.id))
    partner = values.locator(".value-row", has_text="Partenaire").locator("select")
    expect(partner).to_have_value("")  # no guess: left for the user
    partner.select_option("client")
    expect(page.locator("#col-4")).to_have_value("consent")
    newsletter = values.locator(".value-row", has_text="Oui")
    expect(newsletter).to_contain_text("2")
    expect(newsletter.locator("select")).to_have_value("granted")
    expect(newsletter.locator("select option:checked")).to_have_text("Consentement donné")
    page.locator("#owner_id").select_option(str(marie.id))
    page.locator("button[value=preview]").click()
    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    expect(page.locator("#import-review")).to_be_visible()  # the Cave matches by e-mail: 1 card updated
    expect(preview).to_contain_text("Consentement donné")  # the preview says it in words, never "granted"
    expect(preview).not_to_contain_text("granted")
    expect(partner).to_have_value("client")  # the choice is kept
    screenshot(page, "01-value-mapping-360px")
    assert_fits_narrow_phone(page, screenshot, "01-value-mapping")
    assert_tap_targets(page, "#import-mapping .form-actions .btn")

    page.locator("button[value=run]").click()
    page.wait_for_url("**/imports/*")
    expect(page.locator("#import-status .import-result")).to_be_visible()
    live_db.expire_all()
    cards = {c.company_name: c for c in live_db.exec(select(Client)).all()}
    assert cards["Fleurs & Co"].status == "client" and cards["Fleurs & Co"].owner_id == jean.id
    assert cards["Garage des Alpes"].status == "suspect" and cards["Garage des Alpes"].owner_id == marie.id
    assert cards["Cave Saint-Jean"].id == existing.id  # updated, not duplicated
    consents = {c.client_id: c.consent for c in live_db.exec(select(ChannelConsent)).all()}
    assert consents == {cards["Boulangerie du Parc"].id: "granted", cards["Garage des Alpes"].id: "refused",
                        cards["Fleurs & Co"].id: "granted"}

    undo = page.locator("#undo-import")
    assert_tap_targets(page, "#undo-import")
    screenshot(page, "02-import-done-360px")
    undo.click()
    page.wait_for_url("**/undo")
    expect(page.locator(".undo-summary li")).to_have_count(2)
    screenshot(page, "03-undo-confirm-360px")
    assert_fits_narrow_phone(page, screenshot, "03-undo-confirm")
    page.locator("#import-undo button[type=submit]").click()
    page.wait_for_url("**/imports/*")
    expect(page.locator("#import-status .import-undone")).to_be_visible()
    screenshot(page, "04-undone-360px")
    live_db.expire_all()
    assert [c.company_name for c in live_db.exec(select(Client)).all()] == ["Cave Saint-Jean"]
    assert live_db.exec(select(ChannelConsent)).all() == []
    assert live_db.exec(select(ImportJob)).one().status == "undone"
