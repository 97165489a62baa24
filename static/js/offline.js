// FieldCRM offline reading: keeps the signed-in rep's day on the phone (Today, the tours of today and
// tomorrow, the week, the cards of their clients and of the clients opened last) in a cache named after
// that person, refreshes it while online, says when a page comes from the phone, and searches the kept
// clients without network. Signed out, the phone keeps nothing of anyone's day.
(function () {
  "use strict";
  var DAY_PREFIX = "fieldcrm-day-", KEPT_KEY = "fieldcrm.kept", RECENT_KEY = "fieldcrm.recent";
  // The day's pages (Today, the tours, the week) are fetched again every quarter of an hour; the cards
  // and their forms, which change far less, every hour (a card new to the day at once): a few hundred
  // cards per rep every 15 minutes would be most of the server's work.
  var REFRESH_AFTER = 10 * 60000, REFRESH_EVERY = 15 * 60000, CARDS_EVERY = 60 * 60000, PARALLEL = 3;
  var CARD = /\/clients\/\d+(\/(log|correct|followups\/new|appointments\/new))?$/; // a card and its forms
  var body = document.body, user = body.dataset.user || "";
  var fromPhone = body.dataset.served === "phone";
  var words = document.getElementById("offline-phrases");
  var refreshing = null;

  function load(key) { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function save(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or private */ } }
  function drop(key) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function phrase(name, values) {
    return ((words && words.dataset[name]) || "").replace(/%([a-z]+)/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }
  function clock(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || "fr", { hour: "2-digit", minute: "2-digit" })
        .format(new Date(iso));
    } catch (e) { return iso; }
  }
  function mine(record) { return record && record.user === user ? record : null; }

  // --- Whose data. Only the signed-in person's day cache may exist; anyone else's goes at once.
  function forgetDays(keep) {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(DAY_PREFIX) === 0 && n !== keep; })
        .map(function (n) { return caches.delete(n); }));
    }).catch(function () { /* no cache storage */ });
  }
  function forgetEverything() {
    drop(KEPT_KEY);
    drop(RECENT_KEY);
    return forgetDays(null);
  }

  // --- The clients opened last (on this phone, newest first): the server keeps no trace of reading.
  function remember() {
    var match = /^\/clients\/(\d+)$/.exec(location.pathname);
    if (!match || fromPhone) return;
    var limit = Number(words && words.dataset.recentLimit) || 200;
    var recent = mine(load(RECENT_KEY)) || { user: user, ids: [] };
    recent.ids = [Number(match[1])].concat(recent.ids.filter(function (id) { return id !== Number(match[1]); }))
      .slice(0, limit);
    save(RECENT_KEY, recent);
  }

  // --- Keeping the day: ask the server what to keep, fetch each page with this session, store it with
  // the time it was kept; pages no longer part of the day leave the cache.
  // Pages are kept gzipped where the browser can (a card's HTML shrinks about five times; the service
  // worker unpacks it when it serves it), so a rep's whole day stays within a few megabytes.
  function stamped(response, at) {
    var headers = new Headers(response.headers), content = response.body;
    headers.set("X-FieldCRM-Kept-At", at);
    headers.delete("Content-Length");
    if (window.CompressionStream && window.DecompressionStream && content) {
      content = content.pipeThrough(new CompressionStream("gzip"));
      headers.set("X-FieldCRM-Packed", "gzip");
    }
    return new Response(content, { status: 200, statusText: "OK", headers: headers }).blob().then(function (blob) {
      return new Response(blob, { status: 200, statusText: "OK", headers: headers });
    });
  }
  function keepAll(cache, urls, at) {
    var queue = urls.slice(), kept = 0, signedOut = false;
    function next() {
      var url = queue.shift();
      if (url === undefined || signedOut) return Promise.resolve();
      return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
        // a page that sends to the login screen means the session ended: keep nothing more
        if (response.redirected && /\/login/.test(new URL(response.url).pathname)) { signedOut = true; return; }
        if (!response.ok) return;
        return stamped(response, at).then(function (copy) { kept += 1; return cache.put(url, copy); });
      }).catch(function () { /* this one later */ }).then(next);
    }
    var workers = [];
    for (var i = 0; i < PARALLEL; i += 1) workers.push(next());
    return Promise.all(workers).then(function () { return signedOut ? -1 : kept; });
  }
  function keepDay(day, at, cardsDue) {
    var dayUrl = words.dataset.dayUrl;
    return caches.open(DAY_PREFIX + user).then(function (cache) {
      return cache.keys().then(function (requests) {
        var have = requests.map(function (r) { return r.url; });
        return keepAll(cache, day.pages.filter(function (u) {
          return cardsDue || !CARD.test(u) || have.indexOf(new URL(u, location.href).href) < 0;
        }), at);
      }).then(function (count) {
        if (count < 0) throw new Error("signed out");
        var list = new Response(JSON.stringify(day), { headers: { "Content-Type": "application/json",
                                                                  "X-FieldCRM-Kept-At": at } });
        var wanted = day.pages.map(function (u) { return new URL(u, location.href).href; });
        return cache.put(dayUrl, list).then(function () { return cache.keys(); }).then(function (requests) {
          return Promise.all(requests.filter(function (r) {
            return wanted.indexOf(r.url) < 0 && new URL(r.url).pathname !== dayUrl;
          }).map(function (r) { return cache.delete(r); }));
        });
      });
    });
  }
  // `now`: whatever the time since the last one (the periodic refresh, or asked for).
  function refresh(now) {
    if (refreshing || !user || !window.caches || !words || !navigator.onLine) return refreshing || Promise.resolve();
    var kept = mine(load(KEPT_KEY));
    if (!now && kept && Date.now() - Date.parse(kept.at) < REFRESH_AFTER) return Promise.resolve();
    var cardsDue = !kept || !kept.cardsAt || Date.now() - Date.parse(kept.cardsAt) >= CARDS_EVERY;
    var recent = (mine(load(RECENT_KEY)) || { ids: [] }).ids, at = new Date().toISOString();
    refreshing = fetch(words.dataset.dayUrl + "?recent=" + recent.join(","),
                       { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("not now");
        return response.json();
      })
      .then(function (day) {
        if (String(day.user) !== user) throw new Error("someone else");
        return keepDay(day, at, cardsDue);
      })
      .then(function () {
        save(KEPT_KEY, { user: user, at: at, cardsAt: cardsDue ? at : kept.cardsAt });
        mark();
      }, function () { /* kept as it was; tried again later */ })
      .then(function () { refreshing = null; });
    return refreshing;
  }

  // --- Saying so: the page came from the phone (and since when), or the day is ready for offline.
  function mark() {
    var node = document.getElementById("offline-marker");
    if (!node || fromPhone) return; // a page from the phone carries its marker, drawn with it
    var kept = mine(load(KEPT_KEY)), at = kept && kept.at;
    var offline = !navigator.onLine, onToday = location.pathname === "/";
    node.classList.toggle("is-shown", offline || Boolean(onToday && at));
    node.classList.toggle("is-offline", offline);
    node.textContent = offline ? (at ? phrase("offlineAt", { time: clock(at) }) : phrase("offlineNever"))
      : (at ? phrase("keptAt", { time: clock(at) }) : "");
  }

  // --- Searching the kept clients, folded as the server folds (clients/normalise.py search_tokens):
  // a phone-like query is one run of digits (+33 / 0033 read as a leading 0), else accent-free words.
  var PHONE_LIKE = /^[\d\s.\-/()+]{4,}$/;
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss").replace(/[^0-9a-z@.+]+/g, " ").trim();
  }
  function tokens(query) {
    var q = (query || "").trim();
    if (!q) return [];
    if (PHONE_LIKE.test(q) && (q.match(/\d/g) || []).length >= 4) {
      var digits = q.replace(/\D/g, "");
      if (q.charAt(0) === "+" || digits.indexOf("00") === 0) {
        digits = digits.indexOf("00") === 0 ? digits.slice(2) : digits;
        if (digits.indexOf("33") === 0) digits = "0" + digits.slice(2);
      }
      return [digits];
    }
    return fold(q).split(" ").filter(Boolean);
  }
  function row(client) {
    var li = document.createElement("li"), link = document.createElement("a");
    li.className = "client-row";
    link.className = "client-link";
    link.href = client.url;
    var name = document.createElement("span"), meta = document.createElement("span");
    name.className = "client-name";
    name.textContent = client.name;
    meta.className = "client-meta";
    meta.textContent = [client.city, client.phone].filter(Boolean).join(" · ");
    link.appendChild(name);
    link.appendChild(meta);
    li.appendChild(link);
    if (client.phone) {
      var call = document.createElement("a");
      call.className = "icon-btn";
      call.href = "tel:" + client.phone.replace(/[^\d+]/g, "");
      call.setAttribute("aria-label", phrase("call", { name: client.name }));
      call.textContent = "✆";
      li.appendChild(call);
    }
    return li;
  }
  function searchPage() {
    var form = document.querySelector("form[data-offline-search]");
    if (!form || !window.caches) return;
    var input = form.querySelector("input[name=q]");
    var list = document.getElementById("offline-results"), count = document.getElementById("offline-search-count");
    var clients = [];
    function show() {
      var wanted = tokens(input.value);
      var found = clients.filter(function (c) {
        return wanted.every(function (t) { return c.search.indexOf(t) >= 0; });
      });
      list.textContent = "";
      found.slice(0, 100).forEach(function (c) { list.appendChild(row(c)); });
      count.textContent = found.length ? phrase(found.length === 1 ? "foundOne" : "foundOther", { n: found.length })
        : phrase("none");
    }
    input.value = new URLSearchParams(location.search).get("q") || "";
    form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
    input.addEventListener("input", show);
    caches.open(DAY_PREFIX + user).then(function (cache) { return cache.match(words.dataset.dayUrl); })
      .then(function (hit) { return hit ? hit.json() : { clients: [] }; })
      .then(function (day) {
        clients = (day.clients || []).slice().sort(function (a, b) { return a.name.localeCompare(b.name); });
        show();
      }, function () { show(); });
  }

  // An htmx GET that finds no network: go to the page itself, which the service worker may have kept.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (config && config.verb === "get" && !navigator.onLine) location.href = config.path;
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!user) {
      // Signed out (the page after the logout went through, or the login screen): nothing of anyone's day
      // stays. A page answered by the phone (the offline page) proves nothing, so it clears nothing.
      if (!fromPhone) forgetEverything();
      return;
    }
    forgetDays(DAY_PREFIX + user);
    if (!mine(load(KEPT_KEY))) drop(KEPT_KEY);
    if (!mine(load(RECENT_KEY))) drop(RECENT_KEY);
    remember();
    mark();
    searchPage();
    if (!fromPhone) refresh(false);
  });
  window.addEventListener("online", function () { mark(); refresh(false); });
  window.addEventListener("offline", mark);
  setInterval(function () { refresh(true); }, REFRESH_EVERY);
  window.FieldCRMOffline = { refresh: refresh, tokens: tokens };
})();
