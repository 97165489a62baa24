// FieldCRM quick log: drafts kept on the phone, logs queued in the outbox (outbox.js) when they cannot be
// sent and sent exactly once (the form's uid), quick phrases, the sensitive-words warning. Without this
// file the log sheet is a plain form.
(function () {
  "use strict";
  var outbox = window.FieldCRMOutbox;
  if (!outbox) return; // signed out: no sheet to enhance

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
    if (any || (data.kind && data.kind !== "visit")) outbox.saveDraft(form.dataset.draftKey, data);
    else outbox.dropDraft(form.dataset.draftKey);
  }
  function restoreDraft(form) {
    var data = outbox.loadDraft(form.dataset.draftKey);
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

  // --- Sending: the sheet's submit goes through here so it can be queued when there is no network ---
  function swapSheet(html) {
    var sheet = document.getElementById("log-sheet");
    if (!sheet) return;
    // the server's own fragment (escaped by its templates), parsed apart from the page before it goes in
    var holder = new DOMParser().parseFromString(html, "text/html").body;
    var fresh = holder.querySelector("#log-sheet") || holder.firstElementChild;
    if (!fresh) return;
    sheet.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    setup(fresh);
    window.scrollTo(0, 0);
  }

  function showQueued(form) {
    var sheet = document.getElementById("log-sheet");
    var note = sheet && sheet.querySelector("[data-queued-note]");
    if (note) note.classList.remove("hidden");
    form.classList.add("is-queued");
  }

  function submitLog(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    data.delete("csrf_token"); // the token of the page that sends it is used (it may be a later page)
    var entry = { uid: data.get("uid"), url: form.action, body: new URLSearchParams(data).toString(),
                  name: form.dataset.clientName, draft: form.dataset.draftKey, at: Date.now() };
    outbox.put(entry);
    outbox.dropDraft(form.dataset.draftKey);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    outbox.send(entry, true).then(function (response) {
      if (outbox.verdict(response) === "later") {
        outbox.postpone(entry, response);
        showQueued(form);
        outbox.flush(); // schedules the retry the server asked for
        var login = response.headers.get("HX-Redirect");
        if (login) window.location.assign(login); // the session ended: the log waits for its author
        return;
      }
      outbox.take(entry.uid); // saved, already saved, or refused with its messages in the sheet
      return response.text().then(swapSheet);
    }).catch(function () { showQueued(form); });
  }

  // A log sent from the queue while its sheet is still open: on to the saved log and its next step.
  document.addEventListener("outbox:sent", function (e) {
    var sheet = document.getElementById("log-sheet");
    var form = sheet && sheet.querySelector("[data-log-form].is-queued");
    var saved = e.detail.saved || {};
    if (form && form.elements.uid && form.elements.uid.value === e.detail.entry.uid && saved.next_url) {
      window.location.assign(saved.next_url);
    }
  });

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
      // A sheet kept on the phone is opened many times: each opening is a new log, with an id of its own.
      if (document.body.dataset.served === "phone" && form.elements.uid && window.crypto && crypto.randomUUID) {
        form.elements.uid.value = crypto.randomUUID();
      }
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

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (e) { setup(e.target); });
})();
