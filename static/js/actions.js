// FieldCRM actions without network: a follow-up made, done or moved, an appointment, a tour stop done or
// skipped, a card corrected. A form whose address the server declared replayable (data-replayable on
// #outbox-phrases) goes through the outbox (outbox.js) with an id of its own, so the server does it once
// however often it is sent: sent now when the network is there, else kept on the phone and sent, in order,
// when it returns. A correction that meets a card changed meanwhile waits for its author to choose.
// Without this file the forms post as plain forms.
(function () {
  "use strict";
  var outbox = window.FieldCRMOutbox;
  var phrases = document.getElementById("outbox-phrases");
  if (!outbox || !phrases) return; // signed out
  var patterns = [];
  try {
    patterns = JSON.parse(phrases.dataset.replayable || "[]").map(function (p) { return new RegExp(p); });
  } catch (e) { patterns = []; }

  var MADE = /^\/clients\/(\d+)\/followups\/new$/;
  function replayable(form) {
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return false;
    var url = new URL(form.action, window.location.href);
    return url.origin === window.location.origin && patterns.some(function (re) { return re.test(url.pathname); });
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128; // version 4, RFC 4122 variant
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  // What the person would call it in a list of unsent things: the client's name on the line or the page.
  function nameOf(form, submitter) {
    var ref = submitter && submitter.getAttribute("aria-describedby");
    var named = (ref && document.getElementById(ref)) || null;
    if (!named) {
      var holder = form.closest("[data-outbox-name]");
      if (holder) return holder.dataset.outboxName;
      var item = form.closest("li, article");
      named = item && item.querySelector(".client-name, .stop-name, h1, h2");
      var page = !named && form.closest("section, main");
      named = page && page.querySelector("a.back"); // a form page leads back to its client: "← Name"
    }
    return ((named ? named.textContent : document.title) || "").replace(/^\s*←\s*/, "").trim().slice(0, 120);
  }
  function buttons(form, disabled) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = disabled; });
  }
  function label(button) { // as read aloud: without its decorative icon
    if (!button) return "";
    var copy = button.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true]").forEach(function (n) { n.remove(); });
    return copy.textContent.trim();
  }
  // What was done, in the person's words: the button on a line ("Done"), the page's title for a whole form.
  function whatOf(form, submitter) {
    var heading = !form.closest("li") && form.closest("section, main");
    var title = heading && heading.querySelector("h1");
    return (title ? title.textContent.trim() : label(submitter)).slice(0, 80);
  }
  function showQueued(form, entry) {
    var holder = form.closest("li") || form;
    buttons(holder, true); // the line's other actions wait for this one
    holder.classList.add("is-queued");
    var note = holder.querySelector(".queued-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "queued-note";
      note.setAttribute("role", "status");
      holder.appendChild(note);
    }
    note.textContent = outbox.phrase("queuedHere", { what: entry.what });
  }
  // Refused as typed: the form goes as a plain one, for the server's page with its messages by the fields.
  function postPlainly(form, submitter) {
    if (submitter && submitter.name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      form.appendChild(input);
    }
    buttons(form, false);
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !replayable(form)) return;
    e.preventDefault();
    var submitter = e.submitter;
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    data.delete("csrf_token"); // the token of the page that sends it is used (it may be a later page)
    var uid = newId();
    // A follow-up made here is named by its action's id: done or moved before it is sent, it is found so.
    if (MADE.test(new URL(form.action, window.location.href).pathname)) data.set("uid", uid);
    var entry = { uid: uid, action: true, url: form.action, body: new URLSearchParams(data).toString(),
                  name: nameOf(form, submitter), what: whatOf(form, submitter), at: Date.now() };
    outbox.put(entry);
    buttons(form, true);
    if (outbox.size() > 1) { showQueued(form, entry); outbox.flush(); return; } // after what waits
    outbox.send(entry, false).then(function (response) {
      var verdict = outbox.verdict(response);
      if (verdict === "later") {
        outbox.postpone(entry, response);
        showQueued(form, entry);
        outbox.flush(); // schedules the retry the server asked for
        return;
      }
      outbox.take(entry.uid);
      if (response.status === 409) return outbox.keepConflict(entry, response);
      if (verdict === "refused") { postPlainly(form, submitter); return; }
      return response.json().then(function (answer) {
        window.location.assign(answer.location || window.location.href);
      }, function () { window.location.reload(); });
    }, function () {
      outbox.postpone(entry, null);
      showQueued(form, entry);
    });
  });

  // --- A correction that met a card changed meanwhile: both values side by side, one choice per field.
  function cell(row, tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    row.appendChild(node);
    return node;
  }
  function choice(name, value, label, text) {
    var wrap = document.createElement("label");
    wrap.className = "conflict-choice";
    var radio = document.createElement("input");
    radio.type = "radio";
    radio.name = name;
    radio.value = value;
    radio.required = true;
    wrap.appendChild(radio);
    var words = document.createElement("span");
    var head = document.createElement("b");
    head.textContent = label;
    words.appendChild(head);
    words.appendChild(document.createTextNode(" " + (text || "—")));
    wrap.appendChild(words);
    return wrap;
  }
  function resend(pending, picks) {
    var c = pending.conflict, body = new URLSearchParams(pending.entry.body);
    body.set("version", c.version);
    c.fields.forEach(function (f) {
      body.set("seen_" + f.name, f.theirs_raw); // what the card holds now: it was seen, then chosen from
      if (picks[f.name] !== "mine") body.delete(f.name);
    });
    outbox.settleConflict(pending.entry.uid);
    var left = ["phone", "email", "notes"].some(function (n) { return body.has(n); });
    if (left) {
      outbox.put({ uid: newId(), action: true, url: pending.entry.url, body: body.toString(),
                   name: pending.entry.name, what: pending.entry.what, at: Date.now() });
      outbox.flush(true);
    }
  }
  function showConflict() {
    if (document.getElementById("conflict-dialog")) return;
    var pending = outbox.conflicts()[0];
    if (!pending || !pending.conflict) return;
    var c = pending.conflict, dialog = document.createElement("dialog");
    dialog.id = "conflict-dialog";
    dialog.className = "conflict-dialog";
    var form = document.createElement("form");
    form.method = "dialog";
    cell(form, "h2", outbox.phrase("conflictTitle"));
    cell(form, "p", outbox.phrase("conflictIntro", { name: c.client || pending.entry.name }));
    if (c.meanwhile && c.meanwhile.length) { // what else changed: the version the rep saw, and now
      cell(form, "p", outbox.phrase("conflictMeanwhile"));
      var changes = document.createElement("dl");
      changes.className = "conflict-meanwhile";
      c.meanwhile.forEach(function (m) {
        cell(changes, "dt", m.label);
        cell(changes, "dd", outbox.phrase("conflictBefore") + " " + m.before);
        cell(changes, "dd", outbox.phrase("conflictNow") + " " + m.after);
      });
      form.appendChild(changes);
    }
    c.fields.forEach(function (f) {
      var set = document.createElement("fieldset");
      cell(set, "legend", f.label);
      var mine = choice("pick-" + f.name, "mine", outbox.phrase("conflictMine"), f.mine);
      set.appendChild(mine);
      set.appendChild(choice("pick-" + f.name, "theirs", outbox.phrase("conflictTheirs"), f.theirs));
      // a field nobody else touched keeps the rep's value unless they change their mind
      if (f.changed === false) mine.querySelector("input").checked = true;
      form.appendChild(set);
    });
    var send = cell(form, "button", outbox.phrase("conflictSend"));
    send.type = "submit";
    send.className = "btn btn-primary btn-block";
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var picks = {};
      c.fields.forEach(function (f) { picks[f.name] = (form.elements["pick-" + f.name] || {}).value; });
      resend(pending, picks);
      dialog.close();
      dialog.remove();
      showConflict();
    });
    dialog.addEventListener("cancel", function (e) { e.preventDefault(); }); // a choice is needed
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    dialog.showModal();
  }
  // --- Follow-ups made on this phone and not sent yet: listed on Today and on their client's card, where
  // they can be done or moved to tomorrow at once (those actions name the follow-up by its phone id, and
  // the queue sends them after it).
  function madeHere() {
    var main = document.getElementById("main"), words = phrases.dataset;
    if (!main || !words.madeDone || document.getElementById("made-offline")) return;
    var card = /^\/clients\/(\d+)$/.exec(window.location.pathname);
    if (!card && window.location.pathname !== "/") return;
    var waiting = outbox.waiting();
    var made = waiting.filter(function (e) {
      var match = e.action && MADE.exec(new URL(e.url, window.location.href).pathname);
      return match && (!card || match[1] === card[1]);
    });
    if (!made.length) return;
    var section = document.createElement("section"), list = document.createElement("ul");
    section.id = "made-offline";
    section.className = "made-offline";
    cell(section, "h2", outbox.phrase("madeTitle"));
    list.className = "agenda-list";
    made.forEach(function (e) {
      var fields = new URLSearchParams(e.body), item = document.createElement("li");
      var head = document.createElement("div"), meta = document.createElement("span");
      item.className = "agenda-item";
      item.dataset.made = e.uid;
      head.className = "agenda-main";
      cell(head, "span", e.name).className = "client-name";
      meta.className = "agenda-meta";
      var due = fields.get("due_date") || "";
      try {
        due = new Intl.DateTimeFormat(document.documentElement.lang || "fr", { weekday: "short", day: "numeric",
          month: "short" }).format(new Date(due + "T12:00:00"));
      } catch (err) { /* shown as typed */ }
      meta.textContent = [due, fields.get("due_time"), fields.get("reason")].filter(Boolean).join(" · ");
      head.appendChild(meta);
      item.appendChild(head);
      var actions = document.createElement("div");
      actions.className = "agenda-actions";
      [["madeDone", "madeDoneLabel", null], ["madeSnooze", "madeTomorrowLabel", "1"]].forEach(function (kind) {
        var form = document.createElement("form");
        form.method = "post";
        form.action = words[kind[0]].replace("00000000-0000-0000-0000-000000000000", e.uid);
        if (kind[2]) {
          var days = document.createElement("input");
          days.type = "hidden";
          days.name = "days";
          days.value = kind[2];
          form.appendChild(days);
        }
        var button = cell(form, "button", outbox.phrase(kind[1]));
        button.type = "submit";
        button.className = "act";
        actions.appendChild(form);
      });
      item.appendChild(actions);
      list.appendChild(item);
      var after = waiting.filter(function (x) { return x.url.indexOf("/" + e.uid + "/") >= 0; }).pop();
      if (after) actions.querySelectorAll("form").forEach(function (f) { showQueued(f, after); });
    });
    section.appendChild(list);
    var marker = document.getElementById("offline-marker"); // under "offline since", above the page
    main.insertBefore(section, marker && marker.parentNode === main ? marker.nextSibling : main.firstChild);
  }
  document.addEventListener("DOMContentLoaded", madeHere);

  document.addEventListener("outbox:conflict", showConflict);
  document.addEventListener("DOMContentLoaded", showConflict);
})();
