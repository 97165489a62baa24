// Import mapping screen: a 422 answer (the user's mapping needs fixing) is still swapped in, so the
// messages appear next to the choices the user made. htmx leaves 4xx answers out by default.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (e.detail.xhr.status === 422 && target && target.closest("[data-swap-errors]")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
