"""On a phone: a request the app refuses (here, a search pasted far too long) shows why at the top of
the page, even when htmx made it (htmx leaves 4xx answers out by itself)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fieldcrm.web.boundary import MAX_URL_LENGTH
from tests.factories import PASSWORD, make_client, make_user


def test_a_search_pasted_far_too_long_says_so(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db)
    make_client(live_db, rep, company_name="Boulangerie Hélène")
    log_in(page, rep, PASSWORD)
    page.goto(live_url("clients.index"))
    expect(page.locator("#results")).to_contain_text("Boulangerie Hélène")
    page.locator("#q").fill("a" * (MAX_URL_LENGTH + 100))
    error = page.locator("#error[role=alert]")
    expect(error).to_contain_text("Adresse trop longue")
    expect(error).to_contain_text("Raccourcissez la recherche")
    expect(error).to_be_in_viewport()
    expect(page.locator("#results")).to_contain_text("Boulangerie Hélène")  # the list stays as it was
    screenshot(page, "01-search-too-long", full_page=False)
