// FieldCRM tours: current position for "re-optimise from here" and "use my position", and drag to reorder.
(function () {
  "use strict";

  function locate(done, fail) {
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition(function (p) { done(p.coords.latitude, p.coords.longitude); },
      fail, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }

  function setup(root) {
    // "Plan from where I am": only when the rep asks, the phone's position fills the form's lat/lon
    // and the plan is made from there (never read without that tap).
    root.querySelectorAll("[data-share-position]").forEach(function (button) {
      button.addEventListener("click", function () {
        var form = button.closest("form");
        var status = form.querySelector("[data-position-status]");
        locate(function (lat, lon) {
          form.querySelector("[name=lat]").value = lat;
          form.querySelector("[name=lon]").value = lon;
          form.submit();
        }, function () { if (status) status.textContent = status.dataset.failed || "✗"; });
      });
    });
    // Tour settings: "use my current position" fills the hidden fields.
    root.querySelectorAll("[data-use-position]").forEach(function (button) {
      button.addEventListener("click", function () {
        var form = button.closest("form");
        var status = form.querySelector("[data-position-status]");
        locate(function (lat, lon) {
          form.querySelector("#start_lat").value = lat;
          form.querySelector("#start_lon").value = lon;
          form.querySelector("#start_label").value = "";
          if (status) status.textContent = "✓ " + lat.toFixed(5) + ", " + lon.toFixed(5);
        }, function () { if (status) status.textContent = "✗"; });
      });
    });
    // Drag a stop by its number to reorder (touch and mouse, via pointer events).
    root.querySelectorAll("ol[data-sortable]").forEach(function (list) {
      var dragged = null;
      list.querySelectorAll(".stop-number").forEach(function (handle) {
        handle.classList.add("drag-handle");
        handle.addEventListener("pointerdown", function (e) {
          dragged = handle.closest("li");
          dragged.classList.add("dragging");
          handle.setPointerCapture(e.pointerId);
          e.preventDefault();
        });
        handle.addEventListener("pointermove", function (e) {
          if (!dragged) return;
          var over = document.elementFromPoint(e.clientX, e.clientY);
          var li = over && over.closest("ol[data-sortable] > li");
          if (!li || li === dragged) return;
          var rect = li.getBoundingClientRect();
          list.insertBefore(dragged, e.clientY < rect.top + rect.height / 2 ? li : li.nextSibling);
        });
        handle.addEventListener("pointerup", function () {
          if (!dragged) return;
          var item = dragged;
          dragged = null;
          item.classList.remove("dragging");
          var index = Array.prototype.indexOf.call(list.children, item);
          var token = document.querySelector("input[name=csrf_token]");
          var body = new URLSearchParams({ index: String(index), csrf_token: token ? token.value : "" });
          fetch(item.dataset.moveUrl, { method: "POST", body: body, credentials: "same-origin" })
            .then(function () { window.location.reload(); });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
})();
