"""On a phone, an admin cleans a flagged note in place (htmx), keeps another, then reviews and applies
a retention batch."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from fieldcrm.privacy import retention
from fieldcrm.timeutil import utcnow
from tests.factories import PASSWORD, make_client, make_interaction, make_user


def test_an_admin_cleans_flagged_notes_in_place(page: Page, live_url, live_db, log_in, screenshot):
    rep, admin = make_user(live_db), make_user(live_db, "admin", locale="fr")
    card = make_client(live_db, rep, company_name="Pharmacie Dupont", notes="Le gérant est diabétique")
    log = make_interaction(live_db, rep, card, note="Absent : hospitalisé depuis lundi")
    log_in(page, admin, PASSWORD)
    page.goto(live_url("minimisation.index"))
    item = page.locator(f"#flagged-interaction-{log.id}")
    expect(item).to_contain_text("hospitalisé depuis lundi")
    screenshot(page, "01-flagged")
    item.get_by_role("link", name="Modifier").click()
    editor = page.locator(f"#flagged-interaction-{log.id} textarea")
    expect(editor).to_have_value("Absent : hospitalisé depuis lundi")
    assert page.url.endswith("/admin/minimisation")  # edited in place, the list stays
    editor.fill("Absent, rappeler lundi")
    page.locator(f"#flagged-interaction-{log.id}").get_by_role("button", name="Enregistrer").click()
    expect(page.locator(f"#flagged-interaction-{log.id}")).to_contain_text("Plus rien de sensible")
    other = page.locator(f"#flagged-client-{card.id}")
    other.get_by_role("button", name="C’est correct").click()
    expect(page.locator(f"#flagged-client-{card.id}")).to_contain_text("Gardé tel quel")
    screenshot(page, "02-cleaned")
    page.reload()
    expect(page.locator("#flagged")).to_contain_text("Rien à signaler")


def test_an_admin_reviews_then_applies_a_retention_batch(page: Page, live_app, live_url, live_db, log_in,
                                                         screenshot):
    rep, admin = make_user(live_db), make_user(live_db, "admin", locale="fr")
    make_client(live_db, rep, company_name="Prospect oublié", status="prospect")
    with live_app.test_request_context():
        run = retention.run_rule(live_db, "prospects", now=utcnow() + timedelta(days=3 * 365 + 1))
    log_in(page, admin, PASSWORD)
    page.goto(live_url("retention.index"))
    expect(page.locator("#retention-rules")).to_contain_text("Lots à revoir")
    screenshot(page, "01-rules")
    page.locator(f"a[href$='/admin/retention/batches/{run.id}']").first.click()
    batch = page.locator("#retention-batch")
    expect(batch).to_contain_text("Prospect oublié")
    checkbox = batch.get_by_role("checkbox")
    checkbox.scroll_into_view_if_needed()
    checkbox.check()
    batch.get_by_role("button", name="Effacer").click()
    expect(page.locator(".flash-success")).to_contain_text("Lot appliqué")
    expect(page.locator("#retention-batch")).to_contain_text("Appliqué")
    screenshot(page, "02-applied")
