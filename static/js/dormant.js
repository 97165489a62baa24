// Dormant clients: "select all" for each list, and how many are ticked. The page works without it
// (every client is ticked to begin with; untick by hand).
(function () {
  "use strict";

  function boxes(form) { return form.querySelectorAll("input[name=client_id]"); }

  function sync(form) {
    var all = boxes(form), ticked = 0;
    all.forEach(function (b) { if (b.checked) ticked += 1; });
    var toggle = form.querySelector("[data-select-all] input");
    if (toggle) {
      toggle.checked = ticked === all.length;
      toggle.indeterminate = ticked > 0 && ticked < all.length;
    }
    var label = form.querySelector("[data-ticked-label]");
    if (label) label.textContent = label.dataset.tickedLabel.replace("{n}", ticked).replace("{m}", all.length);
  }

  function setup(root) {
    root.querySelectorAll("form[data-dormant]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      var toggle = form.querySelector("[data-select-all]");
      if (toggle) toggle.classList.remove("hidden");
      form.addEventListener("change", function (e) {
        if (e.target.closest("[data-select-all]")) {
          boxes(form).forEach(function (b) { b.checked = e.target.checked; });
        }
        sync(form);
      });
      sync(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:load", function (e) { setup(e.target); });
})();
