"""On a phone: colour codes in the list and on the map (with their legend), dormant clients followed up
and put on a tour in one tap, and a merge that chooses tags and consents (an opposition wins by default)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlmodel import select

from fieldcrm import timeutil
from fieldcrm.clients.models import ChannelConsent, Client, ClientTag, Tag
from fieldcrm.followups.models import FollowUp
from fieldcrm.sales.models import Purchase
from fieldcrm.segments import services as segments
from fieldcrm.segments.models import COLOURS
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, make_client, make_user

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


def _no_internet(page: Page) -> None:
    page.context.route("**/tile.openstreetmap.org/**",
                       lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG))


def _js_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_status_and_segment_colours_in_the_list_and_on_the_map(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db, name="Rémi Rep")
    spots = [("Boulangerie Bio", "client", ["bio"], (45.76, 4.83)), ("Épicerie Bio", "prospect", ["bio"], (45.75, 4.85)),
             ("Garage Martin", "lead", [], (45.78, 4.87)), ("Café Ancien", "former_client", [], (45.74, 4.81)),
             ("Pharmacie Suspecte", "suspect", [], (45.77, 4.80))]
    for name, status, tags, (lat, lon) in spots:
        c = make_client(live_db, rep, company_name=name, status=status, tags=tags, city="Lyon")
        c.latitude, c.longitude, c.geo_precision = lat, lon, "street"
        live_db.add(c)
    live_db.commit()
    with live_db.info["app"].test_request_context():
        bio = segments.save_segment(live_db, rep, {"tag": "bio"}, "Clients bio", False, COLOURS[2])
    errors = _js_errors(page)
    _no_internet(page)
    log_in(page, rep, PASSWORD)

    page.goto(live_url("clients.index"))
    rows = page.locator("#results .client-row")
    expect(rows).to_have_count(5)
    for i in range(5):  # every row carries a status colour (a left stripe) and the status in words
        stripe = rows.nth(i).evaluate("el => getComputedStyle(el).borderLeftWidth")
        assert stripe == "6px"
        expect(rows.nth(i).locator(".badge")).not_to_be_empty()
    colours = {rows.nth(i).evaluate("el => getComputedStyle(el).borderLeftColor") for i in range(5)}
    assert len(colours) == 5  # five statuses, five colours
    screenshot(page, "01-list-status-colours")
    assert_fits_narrow_phone(page, screenshot, "01-list-status-colours")

    page.goto(live_url("clients.index", segment=bio.id))
    expect(page.locator(".segment-banner")).to_contain_text("Clients bio")
    expect(page.locator("#results .client-row.in-segment")).to_have_count(2)
    assert page.locator("#results .client-row").first.evaluate(
        "el => getComputedStyle(el).borderLeftColor") == "rgb(27, 127, 59)"  # #1b7f3b, the segment's colour
    screenshot(page, "02-list-segment-colour")

    page.goto(live_url("maps.index"))
    expect(page.locator("#map .pin")).to_have_count(5)
    legend = page.locator("#map-legend li")
    expect(legend).to_have_count(5)
    expect(page.locator("#map-legend")).to_contain_text("Ancien client (1)")
    page.locator("input[name=colour_by][value=segment]").check()
    expect(page.locator("#map-legend")).to_contain_text("Clients bio (2)")
    expect(page.locator("#map-legend")).to_contain_text("Dans aucun de ces segments (3)")
    expect(page.locator("#map .pin.seg-2")).to_have_count(2)
    expect(page.locator("#map .pin.seg-none")).to_have_count(3)
    assert "Clients bio" in page.locator("#map .pin.seg-2").first.get_attribute("title")
    assert "colour_by=segment" in page.url
    screenshot(page, "03-map-by-segment")
    assert_fits_narrow_phone(page, screenshot, "03-map-by-segment")
    assert_tap_targets(page, "#map .pin")

    # The segment's colour is chosen among named swatches (a screen reader hears the names).
    page.goto(live_url("segments.edit", segment_id=bio.id))
    colours = page.locator("fieldset.colours")
    colours.scroll_into_view_if_needed()
    expect(colours.locator("input[name=colour]:checked")).to_have_value(COLOURS[2])
    expect(colours.locator(".seg-dot")).to_have_count(len(COLOURS))
    assert colours.locator(".seg-2").evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(27, 127, 59)"
    expect(colours.locator("label.colour").nth(2)).to_have_attribute("title", "Vert")
    screenshot(page, "04-segment-colours", full_page=False)
    assert_tap_targets(page, "fieldset.colours label.colour")
    assert errors == [], errors


def test_dormant_clients_followed_up_then_put_on_a_tour_in_one_tap(page: Page, live_url, live_db, log_in,
                                                                   screenshot):
    rep = make_user(live_db, name="Rémi Rep")
    for i in range(4):
        c = make_client(live_db, rep, company_name=f"Client dormant {i + 1}", city="Lyon")
        live_db.add(Purchase(client_id=c.id, purchased_on=date(2020, 1, 1 + i), amount=Decimal("100")))
    live_db.commit()
    errors = _js_errors(page)
    _no_internet(page)  # the tour page shows a map
    log_in(page, rep, PASSWORD)

    page.goto(live_url("analyses.dormant", months=12))
    form = page.locator("form[data-dormant]").first
    expect(form.locator("input[name=client_id]:checked")).to_have_count(4)
    expect(form.locator("[data-ticked-label]")).to_have_text("Cochés : 4 / 4")
    form.locator("[data-select-all] input").uncheck()  # select all / none, then pick some
    expect(form.locator("input[name=client_id]:checked")).to_have_count(0)
    form.locator("input[name=client_id]").nth(0).check()
    form.locator("input[name=client_id]").nth(2).check()
    expect(form.locator("[data-ticked-label]")).to_have_text("Cochés : 2 / 4")
    expect(form.locator("input[name=reason]")).to_have_value("Aucun achat depuis 12 mois\xa0: reconquérir le client")
    screenshot(page, "01-dormant")
    assert_fits_narrow_phone(page, screenshot, "01-dormant")
    assert_tap_targets(page, "form[data-dormant] .btn")
    form.locator("button", has_text="Créer les relances").click()
    expect(page.locator(".flash-success")).to_contain_text("2 relances créées")
    screenshot(page, "02-followups-created")
    live_db.expire_all()
    made = live_db.exec(select(FollowUp)).all()
    assert len(made) == 2 and {f.assignee_id for f in made} == {rep.id}

    form = page.locator("form[data-dormant]").first
    day = (timeutil.today() + timedelta(days=1)).isoformat()
    form.locator("input[name=day]").fill(day)
    form.locator("button", has_text="Ajouter à la tournée").click()
    page.wait_for_url("**/tours/*")
    expect(page.locator(".flash-success")).to_contain_text("4 clients ajoutés à la tournée")
    screenshot(page, "03-on-the-tour")
    assert errors == [], errors


def test_merge_chooses_tags_and_consents_and_an_opposition_wins(page: Page, live_url, live_db, log_in, screenshot):
    rep = make_user(live_db, name="Rémi Rep")
    keep = make_client(live_db, rep, company_name="Boulangerie Hélène", postal_code="69001", city="Lyon",
                       tags=["bio", "vip"])
    dup = make_client(live_db, rep, company_name="Boulangerie Helene", postal_code="69001", city="Lyon",
                      tags=["pain"])
    live_db.add(ChannelConsent(client_id=keep.id, channel="email", allowed=True, consent="granted",
                               consent_at=datetime(2026, 1, 5, tzinfo=UTC)))
    live_db.add(ChannelConsent(client_id=dup.id, channel="email", allowed=True, consent="refused",
                               consent_at=datetime(2025, 3, 1, tzinfo=UTC)))
    live_db.commit()
    errors = _js_errors(page)
    log_in(page, rep, PASSWORD)
    page.goto(live_url("dedupe.merge", client_id=keep.id, other_id=dup.id))
    expect(page.locator("#merge")).to_contain_text("une opposition (canal non souhaité, consentement refusé)")
    expect(page.locator("input[name=c-email][value=other]")).to_be_checked()  # the refusal, although older
    expect(page.locator("#merge")).to_contain_text("Choisi par défaut : l'opposition l'emporte.")
    expect(page.locator("input[name=tag]:checked")).to_have_count(3)
    page.locator(".merge-tags label", has_text="vip").locator("input").uncheck()
    screenshot(page, "01-merge-choices")
    assert_fits_narrow_phone(page, screenshot, "01-merge-choices")
    page.locator("button[value=merge]").click()
    page.wait_for_url("**/clients/*")
    live_db.expire_all()
    tags = set(live_db.exec(select(Tag.name).join(ClientTag, ClientTag.tag_id == Tag.id)
                            .where(ClientTag.client_id == keep.id)).all())
    consent = live_db.exec(select(ChannelConsent).where(ChannelConsent.client_id == keep.id)).one()
    assert tags == {"bio", "pain"} and consent.consent == "refused"
    assert live_db.get(Client, dup.id).deleted_at is not None
    screenshot(page, "02-merged")
    assert errors == [], errors
