/* FieldCRM service worker. Two kinds of caches:
   - the app shell (static files, named by their content hash, and the offline page), shared by everyone;
   - the signed-in rep's day ("fieldcrm-day-<user id>"), filled by offline.js from the page while online.
   Pages come from the network; without network (or after a long wait) from the day cache, marked as
   coming from the phone; else the offline page. Only one day cache ever exists (offline.js deletes any
   other person's at once, and all of them once signed out), so nobody is served someone else's page.
   Updating the worker replaces the shell only: the day cache and the queued actions (the page's
   storage) are left as they are. */
const SHELL = "fieldcrm-shell-{{ asset_version }}";
const DAY_PREFIX = "fieldcrm-day-";
const OFFLINE_URL = "{{ url_for('pwa.offline') }}";
const CLIENTS_URL = "{{ url_for('clients.index') }}";
const SEARCH_URL = "{{ url_for('offline.search') }}";
const SLOW_NETWORK_MS = 4000; // a weak signal: show the kept page instead of a blank screen
const SHELL_URLS = [
  OFFLINE_URL,
  "{{ asset('css/app.css') }}",
  "{{ asset('js/app.js') }}",
  "{{ asset('js/outbox.js') }}", // the logs waiting for the network (kept in the page's storage)
  "{{ asset('js/actions.js') }}", // which forms the queue takes when the network is gone
  "{{ asset('js/offline.js') }}",
  "{{ asset('js/visits.js') }}",
  "{{ asset('js/tour.js') }}",
  "{{ asset('vendor/htmx/htmx.min.js') }}",
  "{{ asset('icons/favicon.ico') }}",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fieldcrm-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// A page that loaded while this worker activated was not yet a client when activate's claim() ran, and
// picked no worker when its navigation started: it asks (app.js), and is claimed now.
self.addEventListener("message", (event) => {
  if (event.data === "claim") event.waitUntil(self.clients.claim().catch(() => undefined));
});

async function keptCopy(request) {
  const name = (await caches.keys()).find((n) => n.startsWith(DAY_PREFIX));
  if (!name) return undefined;
  const cache = await caches.open(name);
  const hit = await cache.match(request.url, { ignoreVary: true });
  if (hit) return hit;
  // The client list needs the server to search; without it, the search over the clients kept here.
  return new URL(request.url).pathname === CLIENTS_URL ? cache.match(SEARCH_URL, { ignoreVary: true }) : undefined;
}

function clock(iso, html) {
  // The kept time in the page's language, as "08:12" (the marker is drawn with the page).
  const lang = (/<html lang="([a-zA-Z-]+)"/.exec(html) || [])[1] || "fr";
  try { return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso)); }
  catch (e) { return "--:--"; }
}

async function fromPhone(copy) {
  const keptAt = copy.headers.get("X-FieldCRM-Kept-At") || "";
  const packed = copy.headers.get("X-FieldCRM-Packed") === "gzip";
  const page = packed ? new Response(copy.body.pipeThrough(new DecompressionStream("gzip"))) : copy;
  const text = await page.text();
  const html = text.replace('data-served="network"',
    'data-served="phone" data-kept-at="' + keptAt.replace(/[^0-9TZ:.\-]/g, "") + '"')
    .replace("<span data-kept-clock>--:--</span>", "<span data-kept-clock>" + clock(keptAt, text) + "</span>");
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "X-FieldCRM-Kept-At": keptAt } });
}

async function navigate(request) {
  const network = fetch(request);
  const copy = await keptCopy(request);
  if (!copy) return network.catch(() => caches.match(OFFLINE_URL));
  const slow = new Promise((resolve) => setTimeout(resolve, SLOW_NETWORK_MS, null));
  const first = await Promise.race([network.catch(() => null), slow]);
  return first || fromPhone(copy);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
    return;
  }
  if (new URL(request.url).pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          // Into this release's shell only while it exists: a worker being replaced must not bring
          // back the shell its successor just deleted.
          const copy = response.clone();
          event.waitUntil(caches.has(SHELL).then((kept) => kept && caches.open(SHELL).then((cache) => cache.put(request, copy))));
        }
        return response;
      }))
    );
  }
});
