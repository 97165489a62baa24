"""A rep on a phone imports a small CSV through the mapping screen, sees the preview's errors,
imports, then finds the duplicate the file brought and merges it (and could undo it)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from fieldcrm.clients.models import Client
from tests.browser.conftest import assert_tap_targets
from tests.browser.test_client_journey import assert_fits_narrow_phone
from tests.factories import PASSWORD, portfolio_world

CSV = ("Raison sociale;CP;Ville;Tél.;E-mail;Client depuis\r\n"
       "Boulangerie Helenne;69001;Lyon;;contact@helenne.fr;03/02/2019\r\n"
       "Fromagerie Léger;69002;Lyon;04 78 00 00 42;pas-un-email;15/11/2020\r\n"
       "Café de l'Église;69003;Lyon;01 42 00 00 03;eglise@cafe.fr;31/02/2021\r\n"
       "Épicerie Zoé;69004;Lyon;06 12 34 56 78;zoe@epicerie.fr;01/01/2022\r\n").encode("cp1252")


def test_import_preview_errors_then_find_and_merge_a_duplicate(page: Page, live_url, live_db, log_in, screenshot):
    world = portfolio_world(live_db)
    rep = world["rep_a"]
    log_in(page, rep, PASSWORD)

    page.goto(live_url("accounts.account"))
    page.locator("a[href='/imports']").click()
    page.wait_for_url(live_url("imports.index"))
    screenshot(page, "01-upload")
    page.locator("#file").set_input_files({"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV})
    page.locator("#import-upload button[type=submit]").click()
    page.wait_for_url("**/mapping")
    expect(page.locator("#col-0")).to_have_value("company_name")
    expect(page.locator("#col-3")).to_have_value("phone")
    expect(page.locator("label[for=col-0]")).to_have_text("Raison sociale")
    screenshot(page, "02-mapping")
    assert_fits_narrow_phone(page, screenshot, "02-mapping")

    # A wrong mapping (two columns for one field) is explained and the choices stay as the user left them.
    page.locator("#col-1").select_option("company_name")
    page.locator("button[value=preview]").click()
    expect(page.locator("#import-mapping [role=alert]")).to_be_visible()
    expect(page.locator("#col-1")).to_have_value("company_name")
    screenshot(page, "02b-mapping-error")
    page.locator("#col-1").select_option("postal_code")

    page.locator("button[value=preview]").click()
    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    # A bad e-mail or date costs its field, not the row: two rows flagged, none refused.
    expect(preview.locator("#import-counts .count-warned")).to_contain_text("2")
    expect(preview.locator("#import-counts .count-refused")).to_contain_text("0")
    expect(preview).to_contain_text("pas-un-email")
    expect(preview).to_contain_text("31/02/2021")
    expect(page.locator("#col-0")).to_have_value("company_name")  # the mapping is kept
    screenshot(page, "03-preview")
    assert_fits_narrow_phone(page, screenshot, "03-preview")
    assert_tap_targets(page, "#import-mapping .form-actions .btn")

    page.locator("button[value=run]").click()
    page.wait_for_url("**/imports/*")
    status = page.locator("#import-status")
    expect(status.locator(".flash-success")).to_be_visible()
    expect(status).to_contain_text("4")
    expect(status.locator("a[download]")).to_be_visible()  # the report of the rows to check
    screenshot(page, "04-done")
    live_db.expire_all()
    assert live_db.exec(select(Client).where(Client.company_name == "Épicerie Zoé")).one().owner_id == rep.id

    page.goto(live_url("dedupe.index"))
    pair = page.locator(".dup-pair").first
    expect(pair).to_contain_text("Boulangerie Hélène")
    expect(pair).to_contain_text("Boulangerie Helenne")
    screenshot(page, "05-duplicates")
    assert_fits_narrow_phone(page, screenshot, "05-duplicates")
    pair.locator("a").click()
    page.wait_for_url("**/duplicates/*/*")
    page.locator("input[name=f-email][value=other]").check()
    screenshot(page, "06-merge")
    assert_fits_narrow_phone(page, screenshot, "06-merge")
    page.locator("button[value=merge]").click()
    page.wait_for_url("**/clients/*")
    expect(page.locator("h1")).to_contain_text("Boulangerie")
    expect(page.locator(".merge-note button")).to_be_visible()
    screenshot(page, "07-merged-card")
    live_db.expire_all()
    survivors = live_db.exec(select(Client).where(Client.company_name.like("Boulangerie%"),
                                                  Client.deleted_at.is_(None))).all()
    assert len(survivors) == 1 and survivors[0].email == "contact@helenne.fr"


def test_segment_builder_and_pareto_read_at_a_glance(page: Page, live_url, live_db, log_in, screenshot):
    from datetime import date
    from decimal import Decimal

    from fieldcrm.sales.models import Purchase
    from tests.factories import make_client

    world = portfolio_world(live_db)
    rep = world["rep_a"]
    for i, amount in enumerate([5000, 3000, 800, 400, 300, 200, 100, 100, 50, 50]):
        shop = make_client(live_db, rep, company_name=f"Magasin {i + 1}", postal_code="69001", city="Lyon",
                           status="client" if i % 2 else "prospect")
        live_db.add(Purchase(client_id=shop.id, purchased_on=date(2026, 1 + i % 10, 1), amount=Decimal(amount)))
    live_db.commit()
    log_in(page, rep, PASSWORD)

    page.goto(live_url("segments.new"))
    count = page.locator("#segment-count")
    expect(count).to_contain_text("11")
    page.locator("input[name=status][value=client]").check()
    expect(count).to_contain_text("6")  # 5 shops + Boulangerie Hélène (live count, no reload)
    page.locator("summary", has_text="Activ").click()
    page.locator("#f-revenue_min").fill("300")
    expect(count).to_contain_text("2")
    page.locator("#f-name").fill("Gros clients")
    screenshot(page, "01-segment-builder")
    assert_fits_narrow_phone(page, screenshot, "01-segment-builder")
    page.locator("#segment-form button[type=submit]").first.click()
    page.wait_for_url("**/clients?segment=*")
    expect(page.locator(".segment-banner")).to_contain_text("Gros clients")
    expect(page.locator("#results .client-row")).to_have_count(2)
    screenshot(page, "02-segment-list")

    page.goto(live_url("analyses.index"))
    expect(page.locator("figure.chart svg polyline")).to_be_visible()
    screenshot(page, "03-analyses")
    assert_fits_narrow_phone(page, screenshot, "03-analyses")
    page.goto(live_url("analyses.pareto"))
    expect(page.locator(".top-clients li")).to_have_count(2)  # 5000 + 3000 = 80% of 10,000
    screenshot(page, "04-pareto")
