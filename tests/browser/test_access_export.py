"""On a 360 px phone in French, an admin opens a person's card and taps once for everything held about
them: a readable page, nothing wider than the screen, ready to print or send."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

from fieldcrm.sales import services as sales
from tests.browser.conftest import assert_tappable
from tests.factories import (
    PASSWORD,
    in_app_context,
    make_appointment,
    make_client,
    make_followup,
    make_interaction,
    make_user,
)

SHOTS = Path("/work/wt/shots")


@in_app_context
def _purchase(db, rep, person):
    sales.add_purchase(db, rep, person, {"purchased_on": date(2026, 5, 2), "amount": Decimal("129.90"),
                                         "product": "Panier garni du terroir", "reference": "CMD-2026-0412"})


def test_an_admin_gets_everything_held_about_a_person_in_one_tap(page: Page, live_url, live_db, log_in, screenshot):
    page.set_viewport_size({"width": 360, "height": 780})
    rep = make_user(live_db, name="Rémi Représentant")
    admin = make_user(live_db, "admin", locale="fr", name="Ada Administratrice")
    person = make_client(live_db, rep, kind="person", company_name=None, civility="MME", first_name="Hélène",
                         last_name="Dupré-Castagnéville", email="helene.dupre-castagneville@exemple-long.fr",
                         mobile="+33612345678", street="12 rue des Vignes", postal_code="69001", city="Lyon",
                         consents={"email": {"allowed": True, "consent": "granted", "source": "Salon des vins 2026"}})
    make_interaction(live_db, rep, person, note="Préfère être appelée le matin ; intéressée par les coffrets.")
    make_followup(live_db, rep, person, date(2026, 12, 10), reason="Rappeler pour la commande de Noël")
    make_appointment(live_db, rep, person, datetime(2026, 12, 11, 9, tzinfo=UTC), place="Boutique")
    _purchase(live_db, rep, person)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, admin, PASSWORD)
    page.goto(live_url("clients.detail", client_id=person.id))
    tap = page.get_by_role("button", name="Tout ce qui est conservé sur elle")
    tap.scroll_into_view_if_needed()
    assert_tappable(tap, min_size=32)
    tap.evaluate("el => el.closest('section').scrollIntoView({block: 'start'})")
    shutil.copyfile(screenshot(page, "00-card", full_page=False), SHOTS / "f_card_privacy.png")
    tap.click()
    page.wait_for_url(live_url("privacy_requests.export_html", client_id=person.id))
    doc = page.locator("#access-export")
    expect(doc.locator("h1")).to_contain_text("Vos données personnelles")
    for text in ("Identité et coordonnées", "helene.dupre-castagneville@exemple-long.fr", "Salon des vins 2026",
                 "Préfère être appelée le matin", "Rappeler pour la commande de Noël", "Panier garni du terroir",
                 "Qui a consulté, modifié ou exporté ces données", "Ada Administratrice", "Vos droits"):
        expect(doc).to_contain_text(text)
    # Nothing runs off a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = screenshot(page, "01-export")
    shutil.copyfile(shot, SHOTS / "access_export.png")
    full = shot.with_name(f"{shot.stem}-full.png")
    if full.exists():
        shutil.copyfile(full, SHOTS / "access_export_full.png")
