"""Client names are data, never markup: on the map (pins, mini card, "around me") and on the tour (stops,
the map's tooltips), a name that looks like HTML shows literally and creates no element."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, make_located_client, make_tour, make_user

HOSTILE = {
    "<img src=x onerror=window.__xss=1>": (45.7640, 4.8357),
    '"><b>bold</b>': (45.7600, 4.8300),
    "Dupont &amp; Fils": (45.7700, 4.8400),
}


def assert_no_markup_from_names(page: Page) -> None:
    """What a name would have created had it been read as HTML: an image, a bold word, a script run."""
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_hostile_names_show_as_text_on_the_map_and_the_tour(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db, name="Rémi Rep")
    clients = [make_located_client(live_db, rep, name, lat, lon) for name, (lat, lon) in HOSTILE.items()]
    make_tour(live_db, rep, clients, day=timeutil.today())
    _offline_edges(page)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("maps.index"))
    pins = page.locator("#map .pin")
    expect(pins).to_have_count(3)
    titles = sorted(pins.nth(i).get_attribute("title") for i in range(3))
    assert [t.split(" · ")[0] for t in titles] == sorted(HOSTILE)
    for name in HOSTILE:  # each pin's mini card
        pin = next(pins.nth(i) for i in range(3) if pins.nth(i).get_attribute("title").startswith(name))
        pin.dispatch_event("click")
        expect(page.locator("#mini-card h2")).to_have_text(name)
        assert_no_markup_from_names(page)
    screenshot(page, "01-mini-card")

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 45.7641, "longitude": 4.8358})
    page.locator("#around-me").click()
    nearby = page.locator("#nearby .client-name")
    expect(nearby).to_have_count(3)
    assert sorted(nearby.all_inner_texts()) == sorted(HOSTILE)
    expect(nearby.first).to_have_text("<img src=x onerror=window.__xss=1>")  # the nearest
    assert_no_markup_from_names(page)
    screenshot(page, "02-around-me")

    page.goto(live_url("tours.today"))
    expect(page.locator("#stops .stop-name")).to_have_count(3)
    assert sorted(page.locator("#stops .stop-name").all_inner_texts()) == sorted(HOSTILE)
    stops = page.locator("#map .tour-stop")
    expect(stops).to_have_count(3)
    shown = set()
    for i in range(3):  # each stop's tooltip, opened as a pointer over the stop opens it
        stops.nth(i).dispatch_event("mouseover")
        tooltip = page.locator(".leaflet-tooltip")
        expect(tooltip).to_have_count(1)
        shown.add(tooltip.inner_text().split(" · ")[0])
        assert_no_markup_from_names(page)
        if i == 0:
            screenshot(page, "03-tour-tooltip")
        stops.nth(i).dispatch_event("mouseout")
    assert shown == set(HOSTILE)
