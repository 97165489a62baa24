"""On a phone, an admin cleans a flagged note in place (htmx), keeps another, then reviews and applies
a retention batch."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from fieldcrm.privacy import retention
from fieldcrm.timeutil import utcnow
from tests.factories import PASSWORD, make_client, make_interaction, make_user

SHOTS = Path("/work/wt/shots")


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


FITS = """el => { const box = el.getBoundingClientRect();
  return {right: box.right, width: innerWidth, scrolls: el.scrollWidth > el.clientWidth + 1}; }"""


def _fits_the_phone(locator) -> None:
    """Nothing of the table runs off the screen, and it does not scroll sideways inside itself either."""
    where = locator.evaluate(FITS)
    assert where["right"] <= where["width"] and not where["scrolls"], where


def test_the_retention_rules_and_the_trail_fit_a_phone_without_sideways_scrolling(
        page: Page, live_app, live_url, live_db, log_in, screenshot):
    page.set_viewport_size({"width": 360, "height": 780})
    rep, admin = make_user(live_db), make_user(live_db, "admin", locale="fr")
    card = make_client(live_db, rep, company_name="Établissements Castagnéville-Dupré et fils", status="prospect")
    with live_app.test_request_context():
        retention.run_rule(live_db, "prospects", now=utcnow() + timedelta(days=3 * 365 + 1))
    log_in(page, admin, PASSWORD)
    page.goto(live_url("retention.index"))
    rules = page.locator("#retention-rule-table")
    expect(rules).to_contain_text("Prospects")
    _fits_the_phone(rules)
    first = rules.locator("tbody tr").first
    said = first.locator("td").evaluate_all("cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert '"Dernier passage"' in said and '"Prochain passage"' in said, said  # each cell says its column
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = screenshot(page, "01-rules")
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot.with_name(f"{shot.stem}-full.png") if shot.with_name(f"{shot.stem}-full.png").exists()
                    else shot, SHOTS / "retention_rules.png")
    page.goto(live_url("retention.rule", rule_key="prospects"))
    runs = page.locator("#retention-runs")
    expect(runs).to_contain_text("À revoir")
    _fits_the_phone(runs)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(live_url("clients.detail", client_id=card.id))
    page.goto(live_url("trail.index"))
    trail = page.locator("table.audit-trail")
    expect(trail).to_contain_text("Établissements Castagnéville-Dupré et fils")
    _fits_the_phone(trail)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "02-trail")
