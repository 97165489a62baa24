"""The service worker taking control of a page, as the offline tests need it before cutting the network."""

from __future__ import annotations

from playwright.sync_api import Page

# Resolves once the worker is active, then true when it controls the page (clients.claim() on activation),
# or false after 10 s without a controllerchange. A promise given to evaluate(), not wait_for_function():
# polling a string predicate needs eval, which the app's CSP rightly forbids.
WAIT_FOR_CONTROL = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null
    || new Promise(resolve => {
        navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true), {once: true});
        setTimeout(() => resolve(navigator.serviceWorker.controller !== null), 10000);
    }))"""
CONTROLLED = "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null)"


def under_control(page: Page) -> bool:
    """True when the active worker controls the page: at once through clients.claim(), or, like any page
    the rep opens next, once the page is loaded again. A worker that never activates fails here (ready
    never resolves within Playwright's timeout); a slow claim in a long browser session does not."""
    if page.evaluate(WAIT_FOR_CONTROL):
        return True
    page.reload()
    return bool(page.evaluate(CONTROLLED))


DAY_CACHES = "caches.keys().then(names => names.filter(n => n.startsWith('fieldcrm-day-')))"


def keep_the_day(page: Page) -> None:
    """The worker controls the page and the day is on the phone (what offline.js does on opening)."""
    assert under_control(page), "the service worker never took control of the page"
    page.evaluate("window.FieldCRMOffline.refresh(true)")
    assert page.evaluate(DAY_CACHES), "nothing kept"
