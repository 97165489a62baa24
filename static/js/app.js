// FieldCRM: small progressive enhancements. The app works without this file.
(function () {
  "use strict";

  // The service worker caches the app shell and shows an offline page.
  if ("serviceWorker" in navigator && document.body.dataset.sw) {
    window.addEventListener("load", function () {
      var sw = navigator.serviceWorker;
      sw.register(document.body.dataset.sw, { scope: "/" }).then(function () { return sw.ready; }).then(function (reg) {
        // A page still loading when the worker activated is missed by the worker's clients.claim() (it
        // was not a client yet, and it chose no worker when it started): ask for the claim again.
        if (!sw.controller && reg.active) reg.active.postMessage("claim");
      }).catch(function () {});
    });
  }

  // Client form: show the company fields only for a company.
  function syncKind(root) {
    var checked = root.querySelector("input[name=kind]:checked");
    if (!checked) return;
    root.querySelectorAll("[data-kind]").forEach(function (el) {
      el.classList.toggle("hidden", el.dataset.kind !== checked.value);
    });
  }
  function setup(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("input[name=kind]")) return;
      syncKind(form);
      form.addEventListener("change", function (e) {
        if (e.target.name === "kind") syncKind(form);
      });
    });
  }
  // After a refused form, bring the first field to fix into view and focus.
  function focusFirstError(root) {
    var bad = root.querySelector("[aria-invalid=true]");
    if (!bad) return;
    var details = bad.closest("details");
    if (details) details.open = true;
    bad.focus({ preventScroll: true });
    bad.scrollIntoView({ block: "center" });
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); focusFirstError(document); });
  document.addEventListener("htmx:load", function (e) { setup(e.target); });

  // A refused htmx request (too large, invalid character, address too long) answers the error
  // fragment; htmx leaves 4xx answers out, so show it at the top of the page instead of nothing.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr, main = document.getElementById("main");
    if (!xhr || !main || xhr.responseText.indexOf('id="error"') === -1) return;
    var holder = document.createElement("div");
    holder.innerHTML = xhr.responseText;
    var error = holder.querySelector("#error"), old = document.getElementById("error");
    if (!error) return;
    error.setAttribute("role", "alert");
    if (old) old.remove();
    main.insertBefore(error, main.firstChild);
    error.scrollIntoView({ block: "start" });
  });
})();
