"""Every main page on a 360 px phone, as a rep, a manager and an admin, over a small seeded world:
element by element, nothing sticks out of the screen, and every tap target of the main content (links,
buttons, fields, selects) is at least 44 px tall or has a 44 px hit area.

html and body hide horizontal overflow, so a page-level check (scrollWidth) passes while a field sticks
out of its card: each element's box is measured against the viewport, unless an ancestor that fits
the screen clips or scrolls it (a wide table in its scrolling box, the map's tiles). Tolerances are
whole pixels: other fonts move things by fractions, which must not decide a run."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page

from fieldcrm import timeutil
from fieldcrm.privacy.retention import run_rule
from fieldcrm.sales.models import Purchase
from fieldcrm.segments.models import Segment
from tests.browser.test_map_tour import _offline_edges
from tests.factories import (
    PASSWORD,
    hand_over,
    make_appointment,
    make_followup,
    make_interaction,
    make_located_client,
    make_tour,
    portfolio_world,
)

NARROW = {"width": 360, "height": 640}
OVERFLOW_TOLERANCE = 2  # px
TAP_TOLERANCE = 1  # px: a 43.4 px button on another font passes, a 29 px field does not
SKIPPED_PATHS = re.compile(r"\.(json|csv|xlsx|ics|vcf|html|png|js|css|webmanifest)$|^/(logout|static|sw\.js)|/map\.html$")

# In the page: every element sticking out of the viewport (not clipped by an ancestor that fits), and
# every tap target of <main> under the minimum height, both as "selector: what".
_MEASURE = r"""([tolerance, tapTolerance, minTap]) => {
  const vw = document.documentElement.clientWidth;
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + "#" + e.id); break; }
      const cls = [...e.classList].slice(0, 2).join(".");
      if (cls) part += "." + cls;
      const same = e.parentElement ? [...e.parentElement.children].filter(c => c.tagName === e.tagName) : [];
      if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(e) + 1) + ")";
      parts.unshift(part);
    }
    return parts.join(" > ");
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.getClientRects().length > 0;
  };
  const clippedInside = (el) => {
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== "visible" || style.clip !== "auto" || style.clipPath !== "none") {
        const box = a.getBoundingClientRect();
        return box.left >= -tolerance && box.right <= vw + tolerance;
      }
    }
    return false;
  };
  const overflowing = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "TEMPLATE", "BR", "OPTION"].includes(el.tagName) || !shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.right <= 0) continue;  // placed off screen on purpose (the skip link until focused)
    if ((box.left < -tolerance || box.right > vw + tolerance) && !clippedInside(el)) {
      overflowing.push(`${path(el)}: ${Math.round(box.left)}..${Math.round(box.right)} px (screen ${vw} px)`);
    }
  }
  // A field or a button also stays inside the card drawn around it (a box with a border or a
  // background), not only inside the screen: a time field 7 px past its card's edge is still seen.
  const main = document.querySelector("main") || document.body;
  const drawsBox = (a) => {
    const style = getComputedStyle(a);
    return parseFloat(style.borderRightWidth) > 0 || parseFloat(style.borderLeftWidth) > 0
      || !["rgba(0, 0, 0, 0)", "transparent"].includes(style.backgroundColor);
  };
  for (const el of main.querySelectorAll("input:not([type=hidden]), select, textarea, button, .btn, table")) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") break;
      if (!drawsBox(a)) continue;
      const card = a.getBoundingClientRect();
      if (box.left < card.left - tolerance || box.right > card.right + tolerance) {
        overflowing.push(`${path(el)}: ${Math.round(box.left)}..${Math.round(box.right)} px, its card ${path(a)} ${Math.round(card.left)}..${Math.round(card.right)} px`);
      }
      break;
    }
  }
  const small = [];
  const targets = main.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary");
  for (const el of targets) {
    if (!shown(el) || el.disabled || el.closest(".leaflet-control-attribution, .visually-hidden")) continue;
    // The target is what takes the tap: the field itself, or its label (around it or pointing at it).
    const label = el.closest("label, a[href], button, summary") || (el.id && document.querySelector(`label[for="${el.id}"]`));
    const owner = label && label.getBoundingClientRect().height > el.getBoundingClientRect().height ? label : el;
    const box = owner.getBoundingClientRect();
    if (box.height >= minTap - tapTolerance) continue;
    // A smaller box may still have a 44 px hit area (padding, a pseudo-element): probe above and below.
    owner.scrollIntoView({block: "center", inline: "nearest"});
    const b = owner.getBoundingClientRect(), x = b.left + b.width / 2, y = b.top + b.height / 2;
    const half = (minTap - tapTolerance) / 2;
    const hits = [y - half + 0.5, y + half - 0.5].every(py => {
      const hit = document.elementFromPoint(x, py);
      return hit && (owner.contains(hit) || el.contains(hit) || (label && label.contains(hit)));
    });
    if (!hits) small.push(`${path(owner)}: ${Math.round(b.width)}×${Math.round(b.height)} px`);
  }
  // A box that scrolls sideways hides part of what it holds off a phone's screen (a wide table): on a
  // phone a table stacks its cells instead. The map's panes move by design.
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.closest(".leaflet-container")) continue;
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + tolerance) {
      overflowing.push(`${path(el)}: scrolls sideways, ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
  }
  window.scrollTo(0, 0);
  return {overflowing, small};
}"""


def _world(db):
    w = portfolio_world(db)
    rep = w["rep_a"]
    today = timeutil.today()
    places = [(45.7797, 4.8277), (45.7485, 4.8467), (45.7578, 4.8021)]
    clients = [make_located_client(db, rep, name, *p, phone="+33478000011", status=status,
                                   sector="Commerce de détail alimentaire", segment="A — grand compte")
               for (name, status), p in zip([("Épicerie des Terreaux", "client"), ("Fromagerie Lucas", "lead"),
                                             ("Menuiserie Étienne et Fils", "former_client")], places, strict=True)]
    w["tour_a"], stops = make_tour(db, rep, clients, day=today, start_lat=45.7640, start_lon=4.8357,
                                    start_label="Bureau Lyon", start_time=time(8, 30), end_time=time(18, 30))
    make_followup(db, rep, clients[0], today - timedelta(days=2), reason="Relancer le devis")
    make_followup(db, rep, clients[1], today + timedelta(days=3), due_time=time(10, 0), reason="Rappeler")
    with db.info["app"].app_context():
        make_appointment(db, rep, clients[2], timeutil.local_datetime(today, time(14, 30)), place="Lyon")
    make_interaction(db, rep, clients[0], note="Commande de 12 cartons")
    for n, amount in enumerate(("1250.00", "320.50", "89.90")):
        db.add(Purchase(client_id=clients[n].id, purchased_on=today - timedelta(days=30 * (n + 1)),
                        amount=Decimal(amount), product="Confiture", product_family="Épicerie fine"))
    segment = Segment(name="Grands comptes de Lyon", owner_id=rep.id, shared=True, filters='{"city": "lyon"}')
    db.add(segment)
    db.commit()
    w["client_a"], w["segment_a"], w["stop_a"] = clients[0], segment, stops[0]
    w["followup_a"] = make_followup(db, rep, clients[2], today + timedelta(days=1), reason="Envoyer le tarif")
    with db.info["app"].app_context():
        w["appointment_a"] = make_appointment(db, rep, clients[1], timeutil.local_datetime(
            today + timedelta(days=2), time(9, 15)), place="Boutique")
        given = make_located_client(db, rep, "Cave à manger du Vieux Lyon", 45.7622, 4.8270)
        w["handover_a"] = hand_over(db, w["manager_a"], rep, w["rep_b"], clients=[given])
        # The retention screens with runs in their tables, and a batch to review (seen years later).
        run_rule(db, "auth_log", trigger="manual", actor=w["admin"])
        run_rule(db, "former_clients", trigger="manual", actor=w["admin"])
        w["retention_run"] = run_rule(db, "audit_trail", trigger="manual", now=timeutil.now() + timedelta(days=3 * 365))
    w["interaction_a"] = make_interaction(db, rep, clients[1], note="Dégustation prévue")
    return w


def _pages(app, world) -> list[str]:
    """Every GET page of the app whose arguments the world fills (downloads and feeds aside)."""
    values = {"client_id": world["client_a"].id, "tour_id": world["tour_a"].id, "segment_id": world["segment_a"].id,
              "user_id": world["rep_a"].id, "followup_id": world["followup_a"].id,
              "appointment_id": world["appointment_a"].id, "interaction_id": world["interaction_a"].id,
              "handover_id": world["handover_a"].id, "run_id": world["retention_run"].id,
              "rule_key": "former_clients", "stop_id": world["stop_a"].id}
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or not rule.arguments <= values.keys():
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        if not SKIPPED_PATHS.search(url):
            urls.add(url)
    return sorted(urls)


@pytest.mark.parametrize("who", ["rep_a", "manager_a", "admin"])
def test_every_page_fits_a_360px_phone_and_every_target_takes_a_thumb(page: Page, live_app, live_db, live_server,
                                                                         log_in, screenshot, who):
    world = _world(live_db)
    page.set_viewport_size(NARROW)
    _offline_edges(page)
    log_in(page, world[who], PASSWORD)
    problems, walked = [], 0
    for url in _pages(live_app, world):
        response = page.goto(live_server + url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        page.wait_for_load_state("networkidle")
        if page.locator("main").count() == 0:
            continue  # a fragment served alone (htmx's part of a page), not a page
        walked += 1
        found = page.evaluate(_MEASURE, [OVERFLOW_TOLERANCE, TAP_TOLERANCE, 44])
        problems += [f"{url} — sticks out: {line}" for line in found["overflowing"]]
        problems += [f"{url} — tap target under 44 px: {line}" for line in found["small"]]
        screenshot(page, f"{who}-{re.sub(r'[^a-z0-9]+', '-', url.lower()).strip('-') or 'home'}", full_page=False)
    assert walked >= 15, walked
    assert not problems, f"{len(problems)} problems at 360 px as {who}:\n" + "\n".join(problems)
