"""A rep on a phone: log in, find a client by typing, call, edit the card; and what a rep must not see."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_tap_targets
from tests.factories import PASSWORD, make_client, portfolio_world

NARROW = {"width": 360, "height": 740}  # the narrowest common Android width
LONG_NAME = "Établissements Kerboriou-Delaunay Matériaux et Fournitures pour Professionnels du Bâtiment"

# Elements that stick out of the viewport (ignoring scroll containers such as the status chips and
# things deliberately parked off-screen such as the skip link). Needed on top of the scrollWidth check:
# app.css sets `overflow-x: hidden` on html and body, so content wider than the screen is clipped
# (unreachable) rather than scrollable, and scrollWidth alone never sees it.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".skip-link, .visually-hidden")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    let scroller = el.parentElement;
    while (scroller && scroller !== document.body && getComputedStyle(scroller).overflowX === "visible") {
      scroller = scroller.parentElement;
    }
    if (scroller && scroller !== document.body) continue;
    if (box.left < -1 || box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return out;
}"""


def assert_fits_narrow_phone(page: Page, screenshot, step: str) -> None:
    """No horizontal scroll and nothing cut off at 360 px wide; then back to the test's phone size."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width, f"{step}: horizontal scroll at 360 px ({scroll_width} > {client_width})"
        assert page.evaluate(OVERFLOWING) == [], f"{step}: elements stick out at 360 px"
        screenshot(page, f"{step}-360px")
    finally:
        page.set_viewport_size(size)


def test_rep_finds_calls_and_edits_a_client_on_a_phone(page: Page, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    rep, helene = world["rep_a"], world["client_a"]
    for name, postal_code, city in [("Garage Martin", "69100", "Villeurbanne"),
                                    ("Pharmacie du Centre", "69002", "Lyon"),
                                    (LONG_NAME, "69500", "Bron")]:
        make_client(live_db, rep, company_name=name, postal_code=postal_code, city=city, phone="+33478000099")

    log_in(page, rep, PASSWORD)
    expect(page).to_have_url(live_url("agenda.today"))  # the home screen is Today
    page.locator(".bottom-nav a[href='/clients']").click()
    page.wait_for_url(live_url("clients.index"))
    rows = page.locator("#results .client-row")
    expect(rows).to_have_count(4)
    expect(page.locator("#results")).not_to_contain_text("Garage Bernard")  # rep_b's client
    screenshot(page, "01-list")
    assert_tap_targets(page, ".bottom-nav a")
    assert_tap_targets(page, ".client-row .icon-btn")
    assert_fits_narrow_phone(page, screenshot, "01-list")

    # Search as you type (debounced htmx): accents don't matter.
    page.locator("#q").press_sequentially("helene", delay=60)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Boulangerie Hélène")
    expect(rows.first).to_contain_text("Lyon")
    expect(page).to_have_url(re.compile(r"[?&]q=helene"))
    screenshot(page, "02-search")

    # The card, with tap-to-call.
    rows.first.locator("a.client-link").click()
    card_url = live_url("clients.detail", client_id=helene.id)
    edit_url = live_url("clients.edit", client_id=helene.id)
    page.wait_for_url(card_url)
    expect(page.locator("h1")).to_have_text("Boulangerie Hélène")
    call = page.locator("#client-card .actions a[href^='tel:']").first
    expect(call).to_have_attribute("href", "tel:+33478000001")
    screenshot(page, "03-card")
    assert_tap_targets(page, ".bottom-nav a, #client-card .actions a, #client-card .card-foot a")
    assert_fits_narrow_phone(page, screenshot, "03-card")

    # The form: a wrong email is shown by its field and nothing the user typed is lost.
    page.locator(f"#client-card a[href='{urlsplit(edit_url).path}']").click()
    page.wait_for_url(edit_url)
    expect(page.locator("#company_name")).to_have_value("Boulangerie Hélène")
    screenshot(page, "04-form")
    assert_tap_targets(page, ".bottom-nav a, #client-form .form-actions .btn")
    assert_fits_narrow_phone(page, screenshot, "04-form")

    page.locator("#company_name").fill("Boulangerie Hélène et Fils")
    page.locator("#phone").fill("06 12 34 56 78")
    page.locator("#email").fill("helene@@boulangerie")
    page.locator("#client-form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#email-err")).to_be_visible()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_attribute("aria-describedby", "email-err")
    expect(page.locator("#email")).to_have_value("helene@@boulangerie")
    expect(page.locator("#company_name")).to_have_value("Boulangerie Hélène et Fils")
    expect(page.locator("#phone")).to_have_value("06 12 34 56 78")
    expect(page.locator("#client-form [role=alert]")).to_be_visible()
    assert page.url == edit_url
    screenshot(page, "05-invalid-email")
    assert_fits_narrow_phone(page, screenshot, "05-invalid-email")

    page.locator("#email").fill("contact@boulangerie-helene.fr")
    page.locator("#client-form button[type=submit]").click()
    page.wait_for_url(card_url)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Boulangerie Hélène et Fils")
    expect(page.locator("#client-card .facts >> nth=0")).to_contain_text("06 12 34 56 78")
    expect(page.locator("#client-card .facts >> nth=0")).to_contain_text("contact@boulangerie-helene.fr")
    expect(page.locator("#client-card .actions a[href^='tel:']").first).to_have_attribute(
        "href", "tel:+33612345678")
    screenshot(page, "06-saved")
    assert_fits_narrow_phone(page, screenshot, "06-saved")


def test_rep_cannot_reach_another_reps_client(page: Page, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    log_in(page, world["rep_a"], PASSWORD)

    for other in (world["client_b"], world["client_c"]):  # same team, other team
        for url in (live_url("clients.detail", client_id=other.id), live_url("clients.edit", client_id=other.id)):
            response = page.goto(url)
            assert response.status == 404, url
            expect(page.locator("#error h1")).to_be_visible()
            expect(page.locator("body")).not_to_contain_text(other.company_name)
    screenshot(page, "01-not-found")
    assert_fits_narrow_phone(page, screenshot, "01-not-found")

    # Nor by searching for it.
    page.goto(live_url("clients.index"))
    page.locator("#q").press_sequentially("castagne", delay=60)
    expect(page.locator("#results .empty")).to_be_visible()
    expect(page.locator("#results .client-row")).to_have_count(0)
    expect(page.locator("#results")).not_to_contain_text("Cave Castagné")
    screenshot(page, "02-search-other-portfolio")
