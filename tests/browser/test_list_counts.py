"""On a phone: a long search's first page shows at once, its status chips and count follow."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_client, make_user


def test_the_chips_of_a_long_search_arrive_after_its_first_page(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db)
    for i in range(35):
        make_client(live_db, rep, company_name=f"Boulangerie {i:02d}", status="prospect" if i % 5 else "client")
    make_client(live_db, rep, company_name="Garage Martin")
    log_in(page, rep, PASSWORD)
    page.goto(live_url("clients.index"))
    expect(page.locator(".result-count")).to_contain_text("36")  # the maintained counters: with the page
    page.locator("#q").press_sequentially("boulang", delay=60)
    expect(page.locator("#results .client-row")).to_have_count(30)
    expect(page.locator(".result-count")).to_contain_text("35")  # loaded after the page
    expect(page.locator(".chip.status-client .count")).to_have_text("7")
    expect(page.locator(".chip.status-prospect .count")).to_have_text("28")
    expect(page.locator("#tour-from-list")).to_contain_text("35")  # the tour offer, with the count
    screenshot(page, "long-search-counted")
