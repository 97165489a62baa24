/* FieldCRM service worker: caches the app shell (static assets + offline page), never personal pages. */
const SHELL = "fieldcrm-shell-{{ asset_version }}";
const SHELL_URLS = [
  "{{ url_for('pwa.offline') }}",
  "{{ asset('css/app.css') }}",
  "{{ asset('js/app.js') }}",
  "{{ asset('js/outbox.js') }}", // the logs waiting for the network (kept in the page's storage)
  "{{ asset('js/visits.js') }}",
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

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages carry personal data: always from the network, the offline page when there is none.
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (new URL(request.url).pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(SHELL).then((cache) => cache.put(request, copy));
        }
        return response;
      }))
    );
  }
});
