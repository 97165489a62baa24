"""The service worker taking control of a page, as the offline tests need it before cutting the network."""

from __future__ import annotations

from playwright.sync_api import Page

# Resolves once the worker is active, then true when it controls the page (at once, or through a
# controllerchange within 10 s). A promise given to evaluate(), not wait_for_function(): polling a string
# predicate needs eval, which the app's CSP rightly forbids.
WAIT_FOR_CONTROL = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null
    || new Promise(resolve => {
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
        setTimeout(() => resolve(navigator.serviceWorker.controller !== null), 10000);
    }))"""


def under_control(page: Page) -> bool:
    """True when the active worker controls the page, without loading it again. The worker claims the
    pages open when it activates, and a page still loading then asks to be claimed once loaded (app.js):
    the claim at activation misses it, as it was no client yet. A worker that never activates fails here
    (ready never resolves within Playwright's timeout)."""
    return bool(page.evaluate(WAIT_FOR_CONTROL))

DAY_CACHES = "caches.keys().then(names => names.filter(n => n.startsWith('fieldcrm-day-')))"


def keep_the_day(page: Page) -> None:
    """The worker controls the page and the day is on the phone (what offline.js does on opening)."""
    assert under_control(page), "the service worker never took control of the page"
    page.evaluate("window.FieldCRMOffline.refresh(true)")
    assert page.evaluate(DAY_CACHES), "nothing kept"
