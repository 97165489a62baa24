// FieldCRM quick log: drafts kept on the phone, an offline queue sent exactly once (the form's uid),
// quick phrases, the sensitive-words warning. Without this file the log sheet is a plain form.
(function () {
  "use strict";
  var QUEUE_KEY = "fieldcrm.queue";
  var flushing = false;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: no storage */ }
  }
  function queue() { return load(QUEUE_KEY, []); }
  function setQueue(items) { save(QUEUE_KEY, items); banner(); }
  function dequeue(uid) { setQueue(queue().filter(function (e) { return e.uid !== uid; })); }
  function enqueue(entry) {
    var items = queue().filter(function (e) { return e.uid !== entry.uid; });
    items.push(entry);
    setQueue(items);
  }

  // A small bar telling how many logs wait for the network.
  function banner() {
    var count = queue().length;
    var bar = document.getElementById("queue-banner");
    if (!count) { if (bar) bar.remove(); return; }
    if (!bar) {
      bar = document.createElement("p");
      bar.id = "queue-banner";
      bar.className = "queue-banner";
      bar.setAttribute("role", "status");
      document.body.appendChild(bar);
    }
    // The page carries the phrase for one and for several, translated; the language says which is which.
    var source = document.querySelector("[data-queue-one]");
    var one = false;
    try { one = new Intl.PluralRules(document.documentElement.lang || "fr").select(count) === "one"; }
    catch (e) { one = count === 1; }
    var template = source ? (one ? source.dataset.queueOne : source.dataset.queueOther) : "%n";
    bar.textContent = template.replace("%n", count);
  }

  // --- Folding and the sensitive-words check (same rules as fieldcrm/visits/sensitive.py) ---
  function fold(text) { return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function sensitiveWords(text, terms) {
    var folded = fold(text), found = [];
    terms.forEach(function (term) {
      var prefix = term.slice(-1) === "*";
      var body = escapeRe(prefix ? term.slice(0, -1) : term).replace(/ /g, "[\\s-]+");
      var re = new RegExp("(^|[^\\p{L}\\p{N}_])(" + body + (prefix ? "[\\p{L}\\p{N}_]*" : "") + ")(?![\\p{L}\\p{N}_])", "gu");
      var m;
      while ((m = re.exec(folded))) { if (found.indexOf(m[2]) < 0) found.push(m[2]); }
    });
    return found;
  }
  function checkNote(form) {
    var note = form.querySelector("textarea[name=note]");
    var warning = form.querySelector("[data-note-warning]");
    if (!note || !warning) return;
    var terms = [];
    try { terms = JSON.parse(note.dataset.terms || "[]"); } catch (e) { terms = []; }
    var words = sensitiveWords(note.value, terms);
    warning.classList.toggle("hidden", words.length === 0);
    if (words.length) warning.textContent = warning.dataset.template.replace("__WORDS__", words.join(", "));
  }

  // --- Drafts: what is typed stays on the phone until it is sent ---
  var DRAFT_FIELDS = ["kind", "note", "occurred_at", "contact_id", "duration_minutes", "follow_up_on",
                      "follow_up_time", "appointment_at"];
  function saveDraft(form) {
    var data = {}, any = false;
    DRAFT_FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      var value = el.value;
      if (el instanceof RadioNodeList) value = el.value;
      data[name] = value;
      if (value && name !== "kind") any = true;
    });
    if (any || (data.kind && data.kind !== "visit")) save(form.dataset.draftKey, data);
    else try { localStorage.removeItem(form.dataset.draftKey); } catch (e) { /* ignore */ }
  }
  function restoreDraft(form) {
    var data = load(form.dataset.draftKey, null);
    if (!data) return;
    var hasErrors = form.querySelector(".has-error, [aria-invalid]");
    if (hasErrors) return; // the server sent back what was typed, with its messages
    var restored = false;
    DRAFT_FIELDS.forEach(function (name) {
      var el = form.elements[name];
      if (!el || data[name] === undefined || data[name] === "") return;
      if (el instanceof RadioNodeList) {
        Array.prototype.forEach.call(el, function (r) { r.checked = r.value === data[name]; });
      } else if (!el.value) { el.value = data[name]; }
      restored = true;
    });
    if (restored && data.note) {
      var note = form.querySelector("[data-draft-note]");
      if (note) note.classList.remove("hidden");
    }
  }
  function clearDraft(key) { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } }

  // --- Sending: the sheet's submit goes through here so it can be queued when there is no network ---
  function swapSheet(html) {
    var sheet = document.getElementById("log-sheet");
    if (!sheet) return;
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#log-sheet") || holder.firstElementChild;
    if (!fresh) return;
    sheet.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    setup(fresh);
    window.scrollTo(0, 0);
  }

  function post(entry, wantHtml) {
    var headers = { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" };
    if (wantHtml) { headers["HX-Request"] = "true"; headers["Accept"] = "text/html"; }
    else headers["Accept"] = "application/json";
    return fetch(entry.url, { method: "POST", body: entry.body, headers: headers, credentials: "same-origin" });
  }

  function submitLog(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    data.delete("csrf_token"); // the token of the page that sends it is used (it may be a later page)
    var entry = { uid: data.get("uid"), url: form.action, body: new URLSearchParams(data).toString(),
                  name: form.dataset.clientName, draft: form.dataset.draftKey, at: Date.now() };
    enqueue(entry);
    clearDraft(form.dataset.draftKey);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    post(entry, true).then(function (response) {
      if (response.status >= 500) throw new Error("server");
      dequeue(entry.uid); // the server answered: saved, already saved, or refused with its messages
      return response.text().then(swapSheet);
    }).catch(function () {
      var sheet = document.getElementById("log-sheet");
      var note = sheet && sheet.querySelector("[data-queued-note]");
      if (note) note.classList.remove("hidden");
      form.classList.add("is-queued");
      banner();
    });
  }

  function flush() {
    if (flushing || !navigator.onLine || !csrfToken()) return;
    var items = queue();
    if (!items.length) return;
    flushing = true;
    var chain = Promise.resolve();
    items.forEach(function (entry) {
      chain = chain.then(function () {
        return post(entry, false).then(function (response) {
          if (response.status >= 500 || response.status === 400) return; // try again later
          dequeue(entry.uid);
          if (response.status === 422 && entry.draft) {
            // Refused (e.g. a date that does not exist): give the typing back as a draft.
            var params = new URLSearchParams(entry.body), draft = {};
            DRAFT_FIELDS.forEach(function (name) { if (params.has(name)) draft[name] = params.get(name); });
            save(entry.draft, draft);
          }
          if (!response.ok) return;
          return response.json().then(function (saved) {
            var sheet = document.getElementById("log-sheet");
            var form = sheet && sheet.querySelector("[data-log-form].is-queued");
            if (form && form.elements.uid && form.elements.uid.value === entry.uid && saved.next_url) {
              window.location.assign(saved.next_url); // the saved log and its next step
            }
          });
        }).catch(function () { /* still offline: keep it */ });
      });
    });
    chain.then(function () { flushing = false; banner(); }, function () { flushing = false; });
  }

  function setup(root) {
    // A form that only needs the sensitive-words warning (correcting a log: no draft, no queue).
    root.querySelectorAll("form[data-note-check]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      checkNote(form);
      form.addEventListener("input", function (e) { if (e.target.name === "note") checkNote(form); });
    });
    root.querySelectorAll("[data-log-form]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      restoreDraft(form);
      if (form.querySelector(".has-error")) saveDraft(form); // refused: keep the typing on the phone
      checkNote(form);
      form.addEventListener("input", function (e) {
        saveDraft(form);
        if (e.target.name === "note") checkNote(form);
      });
      form.addEventListener("change", function () { saveDraft(form); });
      form.addEventListener("submit", function (e) {
        var submitter = e.submitter;
        var needs = submitter && submitter.dataset.needs;
        if (needs && form.elements[needs] && !form.elements[needs].value) {
          // "Call back" or "appointment set" needs its date first: open it rather than fail.
          e.preventDefault();
          var more = form.querySelector("[data-more]");
          if (more) more.open = true;
          form.elements[needs].focus();
          form.elements[needs].scrollIntoView({ block: "center" });
          return;
        }
        e.preventDefault();
        submitLog(form, submitter);
      });
      form.querySelectorAll("[data-phrase]").forEach(function (button) {
        button.addEventListener("click", function () {
          var note = form.querySelector("textarea[name=note]");
          var text = button.dataset.phrase;
          note.value = note.value ? note.value.replace(/\s*$/, "") + (/[.!?]$/.test(note.value.trim()) ? " " : ". ") + text : text;
          saveDraft(form);
          checkNote(form);
        });
      });
    });
  }

  window.FieldCRMQueue = { flush: flush, size: function () { return queue().length; } };
  document.addEventListener("DOMContentLoaded", function () { setup(document); banner(); flush(); });
  document.addEventListener("htmx:load", function (e) { setup(e.target); });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
})();
