"""The demo's configuration: no worker process, jobs queued in a real huey SQLite file and run by the
app's own consumer. An import and a bulk geocoding started from the phone both get to the end."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import func, select

from fieldcrm import jobs
from fieldcrm.clients.models import Client
from tests.factories import PASSWORD, portfolio_world

CSV = ("Raison sociale;CP;Ville\r\n" + "".join(f"Société {n};6900{n};Lyon\r\n" for n in range(1, 6))).encode()


@pytest.fixture
def live_app(make_app, tmp_path):
    """Like `fieldcrm demo`: immediate mode off, the in-process consumer on (its first request starts it)."""
    app = make_app(WTF_CSRF_ENABLED=True, JOBS_IMMEDIATE=False, JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"))
    yield app
    jobs.queue_for(app).stop_consumer()


def test_an_import_and_a_bulk_geocoding_finish_without_a_worker_process(page: Page, live_app, live_url, live_db,
                                                                        log_in, screenshot):
    world = portfolio_world(live_db)
    log_in(page, world["rep_a"], PASSWORD)
    page.goto(live_url("imports.index"))
    page.locator("#file").set_input_files({"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV})
    page.locator("#import-upload button[type=submit]").click()
    page.wait_for_url("**/mapping")
    page.locator("button[value=run]").click()
    page.wait_for_url("**/imports/*")
    status = page.locator("#import-status")
    expect(status.locator(".flash-success")).to_contain_text("Import terminé.", timeout=20_000)
    expect(status).to_contain_text("5 clients créés")
    status.scroll_into_view_if_needed()
    screenshot(page, "01-import-done")
    live_db.expire_all()
    assert live_db.exec(select(func.count()).select_from(Client).where(Client.city == "Lyon")).one() == 6

    page.context.clear_cookies()
    log_in(page, world["admin"], PASSWORD)
    page.goto(live_url("maps.admin_geocoding"))
    page.locator("input[name=scope][value=all]").check()
    page.locator("button[value=start]").click()
    page.wait_for_url(live_url("maps.admin_geocoding"))
    progress = page.locator("#geocoding-progress")
    expect(progress).to_contain_text("Terminé.", timeout=20_000)  # the page polls until the run is done
    expect(progress).to_contain_text("6 sur 6 traités")  # the 6 clients with an address
    expect(progress.locator("button[value=stop]")).to_have_count(0)  # the buttons follow the run
    expect(progress.locator("button[value=start]")).to_be_visible()
    progress.scroll_into_view_if_needed()
    screenshot(page, "02-geocoding-done")
