// FieldCRM map: Leaflet + markercluster from static/vendor, fed by JSON (no inline script: strict CSP).
// Modes (data-mode on #map): "clients" (pins with filters, mini card, around me), "place" (drag a pin
// to fix a client's position), "tour" (the numbered route of a tour).
(function () {
  "use strict";
  var CLUSTER_FROM = 300;

  function baseMap(el, options) {
    var map = L.map(el, Object.assign({ zoomControl: true, tap: true, scrollWheelZoom: false }, options || {}));
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    return map;
  }

  function clientsMode(el) {
    var map = baseMap(el);
    map.setView([46.6, 2.4], 6);
    var layer = null;
    var form = document.getElementById("map-filters");
    var count = document.getElementById("map-count");
    var sheet = document.getElementById("sheet");

    function openMini(id) {
      var url = el.dataset.miniUrl.replace(/0$/, String(id));
      if (window.htmx) {
        window.htmx.ajax("GET", url, { target: "#sheet", swap: "innerHTML" });
      } else {
        window.location.href = url;
      }
    }

    function load() {
      var params = form ? new URLSearchParams(new FormData(form)).toString() : "";
      fetch(el.dataset.pinsUrl + (params ? "?" + params : ""), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (layer) map.removeLayer(layer);
          var clustered = data.pins.length > CLUSTER_FROM && L.markerClusterGroup;
          layer = clustered ? L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50 }) : L.featureGroup();
          var markers = data.pins.map(function (p) {
            // A 44 px tap target around a small coloured dot (colours in app.css, by status class).
            var icon = L.divIcon({ className: "pin pin-" + p.s + (p.a ? " pin-approx" : ""), html: "<span></span>",
                                   iconSize: [44, 44], iconAnchor: [22, 22], tooltipAnchor: [12, 0] });
            var m = L.marker([p.lat, p.lon], { icon: icon, title: p.n, keyboard: true });
            m.on("click", function () { openMini(p.id); });
            return m;
          });
          if (clustered) { layer.addLayers(markers); } else { markers.forEach(function (m) { layer.addLayer(m); }); }
          layer.addTo(map);
          el.dataset.pinCount = String(data.pins.length);
          if (count) count.textContent = el.dataset.countLabel.replace("{n}", data.pins.length).replace("{m}", data.not_located);
          if (data.pins.length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 });
          el.dispatchEvent(new CustomEvent("pins:loaded", { bubbles: true }));
        });
    }

    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var params = new URLSearchParams(new FormData(form)).toString();
        history.replaceState(null, "", form.action + (params ? "?" + params : ""));
        load();
      });
    }
    var around = document.getElementById("around-me");
    var here = null;
    if (around) {
      around.addEventListener("click", function () {
        if (!navigator.geolocation) return;
        around.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          around.disabled = false;
          var lat = pos.coords.latitude, lon = pos.coords.longitude;
          if (here) map.removeLayer(here);
          here = L.circleMarker([lat, lon], { radius: 10, color: "#fff", weight: 3, fillColor: "#0d6efd", fillOpacity: 1, interactive: false }).addTo(map);
          map.setView([lat, lon], 12);
          var url = around.dataset.url + "?lat=" + lat + "&lon=" + lon;
          if (window.htmx) window.htmx.ajax("GET", url, { target: "#sheet", swap: "innerHTML" });
          else window.location.href = url;
        }, function () { around.disabled = false; }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    }
    var inView = document.getElementById("add-in-view");
    if (inView) {
      inView.addEventListener("submit", function () {
        var b = map.getBounds();
        inView.elements.south.value = b.getSouth(); inView.elements.west.value = b.getWest();
        inView.elements.north.value = b.getNorth(); inView.elements.east.value = b.getEast();
        // the filters as they are now, not as the page was loaded
        if (form) new FormData(form).forEach(function (value, key) {
          var field = inView.elements[key];
          if (!field) { field = document.createElement("input"); field.type = "hidden"; field.name = key; inView.appendChild(field); }
          field.value = value;
        });
      });
    }
    if (sheet) {
      sheet.addEventListener("htmx:afterSwap", function () { sheet.scrollIntoView({ behavior: "smooth", block: "nearest" }); });
    }
    load();
  }

  function placeMode(el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon), zoom = parseInt(el.dataset.zoom, 10);
    var map = baseMap(el);
    map.setView([lat, lon], zoom);
    var icon = L.divIcon({ className: "pin-drag", html: "<span></span>", iconSize: [44, 44], iconAnchor: [22, 44] });
    var marker = L.marker([lat, lon], { draggable: true, autoPan: true, icon: icon, keyboard: true, title: "" }).addTo(map);
    var latInput = document.getElementById("place-lat"), lonInput = document.getElementById("place-lon");
    function sync(ll) { latInput.value = ll.lat.toFixed(7); lonInput.value = ll.lng.toFixed(7); }
    marker.on("dragend", function () { sync(marker.getLatLng()); });
    map.on("click", function (e) { marker.setLatLng(e.latlng); sync(e.latlng); });
    window.fieldcrmPlaceMarker = marker;
  }

  function tourMode(el) {
    var data = JSON.parse(el.dataset.route || "{}");
    var map = baseMap(el);
    var points = [];
    if (data.start) {
      L.marker(data.start, { icon: L.divIcon({ className: "tour-start", html: "<span>⌂</span>", iconSize: [34, 34] }) }).addTo(map);
      points.push(data.start);
    }
    (data.stops || []).forEach(function (s) {
      var icon = L.divIcon({ className: "tour-stop tour-stop-" + s.state, html: "<span>" + s.n + "</span>", iconSize: [34, 34] });
      L.marker([s.lat, s.lon], { icon: icon, title: s.name }).bindTooltip(s.name + (s.eta ? " · " + s.eta : "")).addTo(map);
      points.push([s.lat, s.lon]);
    });
    if (data.end) { points.push(data.end); } else if (data.start && points.length > 1) { points.push(data.start); }
    if (points.length > 1) {
      L.polyline(points, { color: "#0f5e6e", weight: 4, opacity: 0.7 }).addTo(map);
      map.fitBounds(L.latLngBounds(points), { padding: [28, 28] });
    } else if (points.length === 1) {
      map.setView(points[0], 12);
    } else {
      map.setView([46.6, 2.4], 5);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el || !window.L) return;
    var mode = el.dataset.mode;
    if (mode === "clients") clientsMode(el);
    else if (mode === "place") placeMode(el);
    else if (mode === "tour") tourMode(el);
  });
})();
