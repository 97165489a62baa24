"""On a 360 px phone: pins on top of each other cluster however few they are (three clients in one
building are one "3", not one dot hiding two others); a tap opens them up."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_map_clusters import NARROW, _settled
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, make_located_client, make_user


def test_three_clients_in_one_building_are_one_cluster_of_three(page: Page, live_url, live_db, log_in, screenshot):
    page.set_viewport_size(NARROW)
    rep = make_user(live_db, name="Rémi Rep")
    for i in range(3):  # the same building: a few metres apart
        make_located_client(live_db, rep, f"Cabinet {i + 1}", 45.7600 + i * 0.00002, 4.8300)
    make_located_client(live_db, rep, "Ferme Loin", 45.9000, 5.1000)
    _offline_edges(page)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("maps.index"))
    expect(page.locator("#map-count")).to_contain_text("4")
    clusters = page.locator("#map .marker-cluster")
    expect(clusters).to_have_count(1)
    _settled(page)
    assert clusters.all_inner_texts() == ["3"]
    assert page.locator("#map .pin").count() == 1  # the farm, alone
    screenshot(page, "01-cluster-of-three")
    clusters.first.click()  # at the last zoom they fan out, each one tappable
    _settled(page)
    expect(page.locator("#map .pin")).to_have_count(4)
