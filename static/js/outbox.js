// FieldCRM outbox: what this phone keeps for the person signed in — visit logs and other actions (actions.js)
// waiting for the network, the log sheet's drafts, corrections waiting for a choice — each tagged with that
// person's id (data-user on <body>, from the server). An item is sent only under its author's session, in
// the order it was made; signing out offers to send what is left; someone else signing in on the same
// phone never sees nor sends another person's items.
(function () {
  "use strict";
  var QUEUE_KEY = "fieldcrm.queue", REFUSED_KEY = "fieldcrm.refused", USER_KEY = "fieldcrm.user";
  var DRAFT_PREFIX = "fieldcrm.draft.", CONFLICTS_KEY = "fieldcrm.conflicts";
  var RETRY_EVERY = 30000, LONGEST_WAIT = 600000, CACHE_CLEAR_TIMEOUT = 1500;
  var user = document.body.dataset.user || "";
  var phrases = document.getElementById("outbox-phrases");
  var flushing = null, retryTimer = null;

  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: no storage */ }
  }
  function drop(key) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function phrase(name, values) {
    // one pass, so a value that contains "%something" (a client's name) is never read as a placeholder
    return ((phrases && phrases.dataset[name]) || "").replace(/%([a-z]+)/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }
  function plural(count) {
    try { return new Intl.PluralRules(document.documentElement.lang || "fr").select(count) === "one" ? "One" : "Other"; }
    catch (e) { return count === 1 ? "One" : "Other"; }
  }

  // --- The queue. Every item carries its author; only the signed-in author's items are counted, shown and
  // sent. Another person's items are kept as they are, never sent from this session: they are that
  // person's work (a session can end without the logout button: expiry, closed from another device),
  // sent when they next sign in here. Items without an author (queued before items had one) cannot be
  // attributed with certainty, so they are never sent and are dropped when someone signs in or out.
  function everything() { return load(QUEUE_KEY, []); }
  function mine() { return user ? everything().filter(function (e) { return e.user === user; }) : []; }
  function keepOnly(test) { save(QUEUE_KEY, everything().filter(test)); banner(); }
  function isMine(entry, uid) { return entry.user === user && entry.uid === uid; }
  function put(entry) {
    entry.user = user;
    var items = everything().filter(function (e) { return !isMine(e, entry.uid); });
    items.push(entry);
    save(QUEUE_KEY, items);
    banner();
  }
  function take(uid) { keepOnly(function (e) { return !isMine(e, uid); }); }
  function amend(uid, changes) {
    save(QUEUE_KEY, everything().map(function (e) { return isMine(e, uid) ? Object.assign(e, changes) : e; }));
  }

  // --- Drafts: what is typed on a log sheet, with its author; another person's draft is never restored.
  function saveDraft(key, fields) { save(key, { user: user, fields: fields }); }
  function loadDraft(key) {
    var draft = load(key, null);
    return draft && draft.user === user && draft.fields ? draft.fields : null;
  }
  function forgetDrafts(keep) {
    var keys = [];
    try { for (var i = 0; i < localStorage.length; i += 1) keys.push(localStorage.key(i)); } catch (e) { return; }
    keys.forEach(function (key) {
      if (key && key.indexOf(DRAFT_PREFIX) === 0 && !keep(load(key, null))) drop(key);
    });
  }

  // Pages the service worker may hold (it keeps the app shell; anything else is someone's page).
  function clearCachedPages() {
    if (!window.caches) return Promise.resolve();
    var offline = phrases && phrases.dataset.offlineUrl;
    function isPage(request) {
      var path = new URL(request.url).pathname;
      return path.indexOf("/static/") !== 0 && path !== offline;
    }
    var clearing = caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("fieldcrm-") === 0; }).map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.keys().then(function (requests) {
            return Promise.all(requests.filter(isPage).map(function (r) { return cache.delete(r); }));
          });
        });
      }));
    }).catch(function () { /* nothing cached */ });
    return Promise.race([clearing, new Promise(function (done) { setTimeout(done, CACHE_CLEAR_TIMEOUT); })]);
  }

  // --- Sending. What an answer means for a queued item: "sent" (saved, or already saved: its uid makes a
  // second send harmless), "refused" (a definitive no: the item leaves the queue and the person is told),
  // or "later" (keep it, try again: no network, the server or its database busy or down, the session
  // ended, the page's CSRF token expired).
  function verdict(response) {
    if (!response || response.type === "opaqueredirect" || response.status === 0) return "later";
    if (response.headers.get("HX-Redirect")) return "later"; // htmx's "log in again"
    if (response.ok) return "sent";
    var status = response.status;
    return status >= 500 || [400, 401, 408, 429].indexOf(status) >= 0 ? "later" : "refused";
  }
  function retryAfter(response) {
    var value = response && response.headers.get("Retry-After");
    if (!value) return 0;
    var ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
    return isNaN(ms) ? 0 : Math.max(0, Math.min(ms, LONGEST_WAIT));
  }
  function send(entry, wantHtml) {
    if (entry.user !== user) return Promise.reject(new Error("not the author"));
    var headers = { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" };
    if (wantHtml) { headers["HX-Request"] = "true"; headers.Accept = "text/html"; }
    else headers.Accept = "application/json";
    if (entry.action) headers["X-Action-Id"] = entry.uid; // the server does it once per id (outbox/replay.py)
    // a redirect here is the login page (session ended): not followed, so it is never taken for success
    return fetch(entry.url, { method: "POST", body: entry.body, headers: headers, credentials: "same-origin",
                              redirect: "manual" });
  }
  function postpone(entry, response) {
    var wait = retryAfter(response);
    amend(entry.uid, { notBefore: wait ? Date.now() + wait : 0 });
  }
  function refuse(entry, response) {
    if (response.status === 422 && entry.draft) {
      // Refused as typed (e.g. a date that does not exist): the typing comes back as the sheet's draft.
      var fields = {};
      new URLSearchParams(entry.body).forEach(function (value, name) { if (name !== "uid") fields[name] = value; });
      saveDraft(entry.draft, fields);
    }
    var notices = load(REFUSED_KEY, []);
    notices.push({ user: user, name: entry.name || "", status: response.status, action: Boolean(entry.action) });
    save(REFUSED_KEY, notices);
    showRefused();
  }
  // A correction made on a card someone changed meanwhile: kept, with both values, until its author chooses.
  function keepConflict(entry, response) {
    return response.json().then(function (answer) {
      var kept = load(CONFLICTS_KEY, []);
      kept.push({ user: user, entry: entry, conflict: answer.conflict });
      save(CONFLICTS_KEY, kept);
      document.dispatchEvent(new CustomEvent("outbox:conflict"));
    }, function () { refuse(entry, response); });
  }
  function conflicts() { return load(CONFLICTS_KEY, []).filter(function (c) { return c.user === user; }); }
  function settleConflict(uid) {
    save(CONFLICTS_KEY, load(CONFLICTS_KEY, []).filter(function (c) { return !(c.user === user && c.entry.uid === uid); }));
  }
  function deliver(entry) {
    return send(entry, false).then(function (response) {
      var outcome = verdict(response);
      if (outcome === "later") { postpone(entry, response); return "later"; }
      take(entry.uid);
      if (response.status === 409 && entry.action) return keepConflict(entry, response);
      if (outcome === "refused") { refuse(entry, response); return; }
      return response.json().then(function (saved) {
        document.dispatchEvent(new CustomEvent("outbox:sent", { detail: { entry: entry, saved: saved } }));
      }, function () { /* saved; the answer is not needed */ });
    }, function () { postpone(entry, null); return "later"; });
  }
  function scheduleRetry() {
    clearTimeout(retryTimer);
    var waits = mine().map(function (e) { return e.notBefore || 0; }).filter(Boolean);
    if (!waits.length) return;
    var wait = Math.min.apply(null, waits) - Date.now();
    retryTimer = setTimeout(flush, Math.max(250, Math.min(wait + 50, LONGEST_WAIT)));
  }
  // Send this person's waiting items in the order they were made (a follow-up snoozed after it was moved
  // stays snoozed), stopping at the first one that must wait; `now` ignores Retry-After (the person
  // asked). Resolves to how many are left.
  function flush(now) {
    if (flushing) return flushing;
    if (!user || !csrfToken() || (now !== true && !navigator.onLine)) return Promise.resolve(mine().length);
    function run() {
      var at = Date.now(), waiting = mine();
      var blocked = waiting.findIndex(function (e) { return now !== true && e.notBefore && e.notBefore > at; });
      var due = blocked < 0 ? waiting : waiting.slice(0, blocked);
      return due.reduce(function (chain, entry) {
        return chain.then(function (outcome) {
          var still = mine().some(function (e) { return e.uid === entry.uid; }); // not sent by another tab
          return outcome === "later" || !still ? outcome : deliver(entry);
        });
      }, Promise.resolve());
    }
    function done() { flushing = null; banner(); scheduleRetry(); return mine().length; }
    // One tab sends at a time (the others find the queue emptied); a replay would be harmless, only slower.
    var sending = navigator.locks ? navigator.locks.request("fieldcrm-outbox", { ifAvailable: true }, function (lock) {
      return lock ? run() : null;
    }) : run();
    flushing = sending.then(done, done);
    return flushing;
  }

  // --- What the person sees: how many logs wait, and those the server refused (until dismissed).
  function bar(id, className, role) {
    var node = document.getElementById(id);
    if (!node) {
      node = document.createElement("div");
      node.id = id;
      node.className = className;
      node.setAttribute("role", role);
      document.body.appendChild(node);
    }
    return node;
  }
  // Visit logs alone are counted as such; with other actions in the queue, everything as "actions".
  function words(name, count) {
    var actions = mine().some(function (e) { return e.action; });
    return phrase(name + (actions ? "Actions" : "") + plural(count), { n: count });
  }
  function banner() {
    var count = mine().length, node = document.getElementById("queue-banner");
    if (!count) { if (node) node.remove(); return; }
    bar("queue-banner", "queue-banner", "status").textContent = words("queue", count);
  }
  function showRefused() {
    var notices = load(REFUSED_KEY, []).filter(function (n) { return n.user === user; });
    var node = document.getElementById("outbox-refused");
    if (!notices.length) { if (node) node.remove(); return; }
    node = bar("outbox-refused", "flash flash-error outbox-refused", "alert");
    node.textContent = "";
    notices.forEach(function (n) {
      var line = document.createElement("p");
      line.textContent = n.action ? phrase("refusedAction", { name: n.name, status: n.status })
        : n.status === 422 ? phrase("refusedInvalid", { name: n.name })
          : phrase("refused", { name: n.name, status: n.status });
      node.appendChild(line);
    });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn btn-small";
    ok.textContent = phrase("dismiss");
    ok.addEventListener("click", function () {
      save(REFUSED_KEY, load(REFUSED_KEY, []).filter(function (n) { return n.user !== user; }));
      showRefused();
    });
    node.appendChild(ok);
  }

  // --- Signing in and out.
  function welcome() {
    if (!user || load(USER_KEY, null) === user) return;
    // Someone else used this phone before: their drafts, notices and cached pages go; their queued logs
    // stay, unsent and unseen (see the queue above).
    forgetDrafts(function (draft) { return draft && draft.user === user; });
    keepOnly(function (e) { return Boolean(e.user); });
    save(REFUSED_KEY, load(REFUSED_KEY, []).filter(function (n) { return n.user === user; }));
    clearCachedPages();
    save(USER_KEY, user);
  }
  // Logging out: the server is asked first; only once it answered (the session is over) does anything of
  // this person leave the phone. Without network nothing is deleted and the person is told the logout
  // needs the network: their unsent work and their day stay, as does their session.
  function forgetMine(alone) {
    if (alone) { // nobody else's work here: every key of the app goes (not left behind emptied)
      var keys = [];
      try { for (var i = 0; i < localStorage.length; i += 1) keys.push(localStorage.key(i)); } catch (e) { keys = []; }
      keys.forEach(function (key) { if (key && key.indexOf("fieldcrm.") === 0) drop(key); });
      return clearCachedPages();
    }
    // This person's items leave the phone with them: the logs they chose not to send, drafts, notices.
    keepOnly(function (e) { return e.user && e.user !== user; });
    forgetDrafts(function () { return false; });
    save(CONFLICTS_KEY, load(CONFLICTS_KEY, []).filter(function (c) { return c.user !== user; }));
    save(REFUSED_KEY, load(REFUSED_KEY, []).filter(function (n) { return n.user !== user; }));
    return clearCachedPages();
  }
  function leave(form) {
    var offline = form.querySelector("[data-outbox-offline]");
    if (offline) offline.hidden = true;
    // Nobody else's work waits here: the server may then clear all the site's storage on logout.
    var alone = form.querySelector("[data-outbox-alone]");
    var others = everything().some(function (e) { return e.user && e.user !== user; });
    if (alone) alone.value = others ? "" : "1";
    buttons(form, true);
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                         headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (response) {
        // the answer is the way to the login page (303): the session is over on the server
        // (or a refusal of a session already gone); a server error leaves everything as it was
        if (response.status >= 500) throw new Error("not now");
        return forgetMine(!others).then(function () { window.location.assign(form.dataset.after || "/"); });
      })
      .catch(function () {
        buttons(form, false);
        if (offline) { offline.hidden = false; offline.scrollIntoView({ block: "center" }); }
      });
  }
  function buttons(form, disabled) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = disabled; });
  }
  function guardLogout(form) {
    var warning = form.querySelector("[data-outbox-warning]");
    var count = form.querySelector("[data-outbox-count]");
    var sendFirst = form.querySelector("[data-outbox-send]");
    var stillWaiting = form.querySelector("[data-outbox-still]");
    var list = form.querySelector("[data-outbox-list]");
    function warn(left) {
      count.textContent = words("unsent", left);
      if (list) {
        list.textContent = "";
        mine().forEach(function (e) {
          var item = document.createElement("li");
          item.textContent = e.what ? e.what + " · " + e.name : e.name;
          list.appendChild(item);
        });
      }
      warning.hidden = false;
      warning.scrollIntoView({ block: "center" });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var anyway = e.submitter && e.submitter.hasAttribute("data-outbox-discard");
      var left = mine().length;
      if (left && !anyway && warning) { warn(left); return; }
      leave(form);
    });
    if (sendFirst) sendFirst.addEventListener("click", function () {
      sendFirst.disabled = true;
      stillWaiting.hidden = true;
      flush(true).then(function (left) {
        sendFirst.disabled = false;
        if (!left) { leave(form); return; }
        warn(left);
        stillWaiting.hidden = false;
      });
    });
  }

  window.FieldCRMOutbox = { put: put, take: take, send: send, verdict: verdict, postpone: postpone,
                            flush: flush, saveDraft: saveDraft, loadDraft: loadDraft, dropDraft: drop,
                            phrase: phrase, conflicts: conflicts, settleConflict: settleConflict,
                            keepConflict: keepConflict, size: function () { return mine().length; },
                            waiting: function () { return mine(); } };
  window.FieldCRMQueue = { flush: flush, size: function () { return mine().length; } };
  document.addEventListener("DOMContentLoaded", function () {
    welcome();
    document.querySelectorAll("form[data-logout]").forEach(guardLogout);
    banner();
    showRefused();
    flush();
  });
  window.addEventListener("online", function () { flush(); });
  setInterval(flush, RETRY_EVERY);
})();
