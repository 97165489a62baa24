"""On a 360 px phone in French: a planned day keeps its appointments (and names the one a clash
leaves out), and a day under way is planned from now, from the last stop done."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import Page, expect

from fieldcrm import timeutil
from fieldcrm.tours import services as tours
from tests.browser.conftest import assert_tappable
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.browser.test_map_tour import _offline_edges
from tests.factories import PASSWORD, make_client, make_tour, make_user

DAY = date(2026, 11, 24)  # a Tuesday
PLACES = [(45.7797, 4.8277), (45.7485, 4.8467), (45.7578, 4.8021), (45.7712, 4.8655), (45.7421, 4.8189),
          (45.7850, 4.8500), (45.7300, 4.8700)]
NARROW = {"width": 360, "height": 780}


@pytest.fixture
def clock(monkeypatch):
    """The served app's clock (the live server runs in this process), set to a Paris wall time."""
    def set_to(day: date, at: time):
        moment = timeutil.local_datetime(day, at)
        monkeypatch.setattr(timeutil, "now", lambda: moment)
    return set_to


def _day(db, names, **settings):
    rep = make_user(db, name="Rémi Rep")
    clients = []
    for name, (lat, lon) in zip(names, PLACES, strict=False):
        client = make_client(db, rep, company_name=name, postal_code="69001", city="Lyon")
        client.latitude, client.longitude, client.geo_precision = lat, lon, "street"
        db.add(client)
        clients.append(client)
    db.commit()
    defaults = {"start_lat": 45.7640, "start_lon": 4.8357, "start_label": "Bureau Lyon", "start_time": time(8, 30),
                "end_time": time(18, 30), "lunch_from": time(12, 0), "lunch_until": time(14, 0), "lunch_minutes": 60}
    tour, stops = make_tour(db, rep, clients, day=DAY, **(defaults | settings))
    return rep, tour, stops


def test_a_planned_day_keeps_its_appointments_and_names_a_clash(page: Page, live_url, live_db, log_in,
                                                                screenshot, clock):
    clock(date(2026, 11, 23), time(18, 0))  # the evening before
    names = ["Boulangerie Arnaud", "Garage Blanc", "Pharmacie Colin", "Fleurs Durand", "Café Petit",
             "Librairie Roux", "Optique Sol"]
    rep, tour, stops = _day(live_db, names)
    for stop, at, minutes in ((stops[0], time(9, 0), 45), (stops[1], time(12, 30), 60), (stops[2], time(16, 0), 30),
                              (stops[3], time(16, 10), 30)):  # the fourth clashes with the third
        tours.update_stop(live_db, tour, stop, service_minutes=minutes, priority=50, appointment_at=at)
    _offline_edges(page)
    page.set_viewport_size(NARROW)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("tours.detail", tour_id=tour.id))
    optimise = page.locator("#optimise")
    assert_tappable(optimise)
    optimise.click()
    expect(page.locator("#tour-totals")).to_be_visible()
    for name, at in (("Boulangerie Arnaud", "09:00"), ("Garage Blanc", "12:30"), ("Pharmacie Colin", "16:00")):
        item = page.locator("li.stop", has=page.locator(".stop-name", has_text=name))
        expect(item.locator(".tag")).to_contain_text(at)
        expect(item.locator(".stop-number")).not_to_have_text("–")  # in the route, numbered
        expect(item.locator(".left-out-reason")).to_have_count(0)
    clash = page.locator("li.stop", has=page.locator(".stop-name", has_text="Fleurs Durand"))
    expect(clash.locator(".left-out-reason")).to_contain_text(
        "En conflit avec le rendez-vous de 16:00 chez Pharmacie Colin")
    expect(clash.locator(".left-out-reason")).to_contain_text("se chevauchent de 20\u00a0min")
    expect(page.locator("#estimated")).to_have_text("estimé")
    clash.scroll_into_view_if_needed()
    screenshot(page, "01-appointments-kept")
    assert_fits_narrow_phone(page, screenshot, "01-appointments-kept")


def test_a_day_under_way_is_planned_from_now_and_from_the_last_stop(page: Page, live_url, live_db, log_in,
                                                                     screenshot, clock):
    clock(DAY, time(11, 40))
    names = ["Boulangerie Arnaud", "Garage Blanc", "Pharmacie Colin", "Fleurs Durand", "Café Petit"]
    rep, tour, stops = _day(live_db, names)
    tours.set_state(live_db, tour, stops[2], "done")  # Pharmacie Colin, visited this morning
    _offline_edges(page)
    page.set_viewport_size(NARROW)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("tours.detail", tour_id=tour.id))
    expect(page.locator("#plan-from-now")).to_contain_text("La journée a commencé")
    assert_tappable(page.locator("[data-share-position]"))
    page.locator("#optimise").click()
    expect(page.locator(".flash-info")).to_contain_text(
        "la suite est planifiée à partir de 11:40, depuis votre dernière étape, Pharmacie Colin")
    expect(page.locator("#planned-from")).to_have_text("11:40")
    etas = page.locator("li.stop-planned .eta").all_inner_texts()
    assert len(etas) == 4
    assert all(text.split()[-1] > "11:40" for text in etas), etas  # nothing planned before now
    screenshot(page, "01-planned-from-now")
    assert_fits_narrow_phone(page, screenshot, "01-planned-from-now")
    # Reordered by hand, the rest of the day is still timed from now, from the last stop done.
    first = page.locator("li.stop-planned").first
    name = first.locator(".stop-name").inner_text()
    down = first.locator(".stop-move button[value=down]")
    assert_tappable(down)
    down.click()
    expect(page.locator("li.stop-planned").nth(1).locator(".stop-name")).to_have_text(name)
    etas = page.locator("li.stop-planned .eta").all_inner_texts()
    assert len(etas) == 4 and all(text.split()[-1] > "11:40" for text in etas), etas
    expect(page.locator("#planned-from")).to_have_text("11:40")
    screenshot(page, "02-reordered-from-now")
