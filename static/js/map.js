// FieldCRM map: Leaflet + markercluster from static/vendor, fed by JSON (no inline script: strict CSP).
// Modes (data-mode on #map): "clients" (pins with filters, mini card, around me, draw a zone to add the
// clients inside it to a tour), "place" (drag a pin to fix a client's position), "tour" (the numbered
// route of a tour).
// Names and labels come from the users' data: every one reaches the page as text (textContent, text
// nodes, elements handed to Leaflet), never as HTML, so a client named "<img onerror=…>" stays a name.
(function () {
  "use strict";
  // Pins whose dots would overlap gather into one numbered cluster, whatever their number
  // (a tap on it zooms in; pins at the very same place fan out at the last zoom).
  var CLUSTER_RADIUS = 30;

  function textElement(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  // A cluster: the number of clients it holds on a 44 px tap target (the vendored default is 40 px).
  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return L.divIcon({ html: textElement("span", String(n)).outerHTML, className: "marker-cluster marker-cluster-" + size,
                       iconSize: L.point(44, 44) });
  }

  function baseMap(el, options) {
    // no fade of the tiles: on a phone it is a chain of animation frames while the page is still loading
    var map = L.map(el, Object.assign({ zoomControl: true, tap: true, scrollWheelZoom: false, fadeAnimation: false },
                                      options || {}));
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    return map;
  }

  // "Draw a zone": each tap on the map is a corner; the corners go to the server (the polygon only),
  // which says how many of the rep's clients are inside and offers the button that adds them.
  function zoneDrawing(map, el, filtersForm) {
    var MAX_POINTS = 100;
    var start = document.getElementById("draw-zone");
    var panel = document.getElementById("zone-panel");
    var form = document.getElementById("zone-form");
    var result = document.getElementById("zone-result");
    var undo = document.getElementById("zone-undo");
    var cancel = document.getElementById("zone-cancel");
    // what is not about the zone steps aside, so that the zone's buttons stay under the thumb
    var hideWhileDrawing = [document.getElementById("add-in-view"), document.getElementById("sheet"),
                            document.querySelector(".map-colours"), document.querySelector(".map-tools")];
    var state = { drawing: false, add: add };
    if (!start || !panel || !form) return state;
    var corners = [];
    var dots = L.layerGroup().addTo(map);
    var shape = null;
    var style = { color: "#0f5e6e", weight: 3, opacity: 0.9, fillColor: "#0f5e6e", fillOpacity: 0.15, interactive: false };

    function round(x) { return Math.round(x * 1e6) / 1e6; }

    function syncFilters() {
      // the filters as they are now (the server applies the same ones as the pins)
      Array.prototype.slice.call(form.querySelectorAll("input[data-filter]")).forEach(function (i) { i.remove(); });
      if (!filtersForm) return;
      new FormData(filtersForm).forEach(function (value, key) {
        if (!value) return;
        var input = document.createElement("input");
        input.type = "hidden"; input.name = key; input.value = value; input.setAttribute("data-filter", "");
        form.appendChild(input);
      });
    }

    function preview() {
      if (corners.length < 3) { result.textContent = ""; return; }
      syncFilters();
      if (window.htmx) window.htmx.trigger(form, "zonechange");
    }

    function redraw() {
      dots.clearLayers();
      if (shape) { map.removeLayer(shape); shape = null; }
      corners.forEach(function (c, i) {
        L.circleMarker(c, { radius: i === 0 ? 9 : 7, color: "#fff", weight: 3, fillColor: "#0f5e6e", fillOpacity: 1,
                            interactive: false }).addTo(dots);
      });
      if (corners.length >= 3) shape = L.polygon(corners, style).addTo(map);
      else if (corners.length === 2) shape = L.polyline(corners, style).addTo(map);
      form.elements.zone.value = JSON.stringify(corners.map(function (c) { return [round(c.lat), round(c.lng)]; }));
      undo.disabled = corners.length === 0;
      el.dataset.zoneCorners = String(corners.length);
      preview();
    }

    function add(latlng) {
      if (!state.drawing || corners.length >= MAX_POINTS) return;
      corners.push(L.latLng(latlng.lat, latlng.lng));
      redraw();
    }

    var stage = el.closest(".map-stage") || el;

    function toggle(on) {
      state.drawing = on;
      panel.hidden = !on;
      el.classList.toggle("map-drawing", on);
      stage.classList.toggle("zone-drawing", on);
      hideWhileDrawing.forEach(function (node) { if (node) node.classList.toggle("hidden", on); });
      if (on) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); corners = []; redraw(); }
      map.invalidateSize();
    }

    start.addEventListener("click", function () { toggle(true); });
    cancel.addEventListener("click", function () { toggle(false); });
    undo.addEventListener("click", function () { corners.pop(); redraw(); });
    map.on("click", function (e) { add(e.latlng); });
    form.elements.day.addEventListener("change", preview);
    form.addEventListener("submit", function (e) { e.preventDefault(); preview(); });
    document.addEventListener("htmx:beforeSwap", function (e) {
      // a zone the server refuses (422) still shows its message
      if (e.detail.target === result && e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
    });
    el.addEventListener("pins:loaded", function () { if (state.drawing) preview(); });
    return state;
  }

  // the look of a pin (its colour class and the words saying what the colour means) from the
  // legend the server sends: by status (p.s) or by saved segment (p.g, index in the legend).
  function pinLook(data, p) {
    var legend = data.legend || [];
    for (var i = 0; i < legend.length; i += 1) {
      if (legend[i].key === (data.colour_by === "segment" ? p.g : p.s)) return legend[i];
    }
    return { cls: "pin-" + p.s, label: "" };
  }

  function showLegend(data) {
    var list = document.getElementById("map-legend"), note = document.getElementById("map-legend-note");
    if (!list) return;
    list.textContent = "";
    (data.legend || []).forEach(function (item) {
      var li = document.createElement("li"), dot = document.createElement("span");
      dot.className = "legend-pin pin " + item.cls;
      dot.setAttribute("aria-hidden", "true");
      dot.appendChild(document.createElement("span"));
      li.appendChild(dot);
      li.appendChild(document.createTextNode(item.label + " (" + item.count + ")"));
      if (!item.count) li.className = "legend-empty";
      list.appendChild(li);
    });
    if (note) note.textContent = data.legend_note || "";
  }

  var FRANCE = [46.6, 2.4], FRANCE_ZOOM = 6;

  function clientsMode(el) {
    var map = baseMap(el);
    // The map takes its view once, where the pins are (drawn, tiles and clusters, once at the right place
    // rather than over France first and again after a zoom to the pins): at once when the page says where
    // (data-extent), else when the first answer does.
    var placed = false, justPlaced = false;
    function place(extent, quiet) {
      if (placed) return;
      placed = true;
      // the move that follows is ours: ask for its pins at once, or not at all (`quiet`: already asked)
      justPlaced = quiet ? "quiet" : true;
      if (extent) map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: [24, 24], maxZoom: 15, animate: false });
      else map.setView(FRANCE, FRANCE_ZOOM);
    }
    var fromPage = el.dataset.extent ? el.dataset.extent.split(",").map(Number) : null;
    var fitsPage = Boolean(fromPage);  // the first answer finds the map fitted to its pins already
    var layer = null;
    var form = document.getElementById("map-filters");
    var zone = zoneDrawing(map, el, form);
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

    // Server clusters: many pins in the area arrive already counted per square (maps/clusters.py);
    // a tap zooms to the rectangle the cluster spans, and the pins inside come with the next answer.
    var serverClusters = L.layerGroup().addTo(map);
    function clusterMarker(c) {
      var m = L.marker([c.lat, c.lon], { icon: clusterIcon({ getChildCount: function () { return c.n; } }),
                                         keyboard: true, title: String(c.n) });
      m.on("click", function (e) {
        if (zone.drawing) { zone.add(e.latlng); return; }
        var box = L.latLngBounds([c.b[0], c.b[1]], [c.b[2], c.b[3]]);
        if (box.getNorthEast().equals(box.getSouthWest())) map.setView(box.getCenter(), map.getZoom() + 2);
        else map.fitBounds(box, { padding: [24, 24] });
      });
      return m;
    }

    function pinMarker(data, p) {
      // A 44 px tap target around a small coloured dot (colours in app.css, by status or segment class).
      var look = pinLook(data, p);
      var icon = L.divIcon({ className: "pin " + look.cls + (p.a ? " pin-approx" : ""), html: textElement("span", ""),
                             iconSize: [44, 44], iconAnchor: [22, 22], tooltipAnchor: [12, 0] });
      var m = L.marker([p.lat, p.lon], { icon: icon, title: p.n + (look.label ? " · " + look.label : ""), keyboard: true });
      // While a zone is drawn, a tap on a pin is a corner of the zone, not its mini card.
      m.on("click", function (e) { if (zone.drawing) zone.add(e.latlng); else openMini(p.id); });
      return m;
    }

    // Only the answer to the latest question is drawn (a slow one for an area left behind is dropped).
    var asked = 0, pending = null, settle = null;
    // true while the last answer held every pin matching the filters (a first look without clusters)
    var complete = false;
    function load(fit) {
      var params = form ? new URLSearchParams(new FormData(form)) : new URLSearchParams();
      params.set("zoom", String(placed ? map.getZoom() : FRANCE_ZOOM));
      if (!fit) {
        var b = map.getBounds();
        params.set("south", b.getSouth().toFixed(5)); params.set("west", b.getWest().toFixed(5));
        params.set("north", b.getNorth().toFixed(5)); params.set("east", b.getEast().toFixed(5));
      }
      var ticket = ++asked;
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(el.dataset.pinsUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" },
                                                            signal: pending ? pending.signal : undefined })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (ticket !== asked || !data.pins) return;
          complete = fit && !(data.clusters || []).length;  // before the view moves (moveend reads it)
          if (placed) { draw(data, fit, fitsPage); fitsPage = false; return; }
          // the view and its tiles in this task, the pins in the next: two short tasks, not one long one
          // (the phone can answer a tap in between)
          window.setTimeout(function () { if (ticket === asked) draw(data, fit, true); }, 0);
          place(data.extent);
        })
        .catch(function () { place(null); /* aborted for a newer area, or offline: the pins shown stay */ });
    }

    function draw(data, fit, first) {
      if (!layer) {
        layer = L.markerClusterGroup ? L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 25, maxClusterRadius: CLUSTER_RADIUS,
                                                              showCoverageOnHover: false, iconCreateFunction: clusterIcon })
                                     : L.featureGroup();
        layer.addTo(map);
      }
      layer.clearLayers();
      serverClusters.clearLayers();
      var markers = data.pins.map(function (p) { return pinMarker(data, p); });
      if (layer.addLayers) { layer.addLayers(markers); } else { markers.forEach(function (m) { layer.addLayer(m); }); }
      (data.clusters || []).forEach(function (c) { serverClusters.addLayer(clusterMarker(c)); });
      el.dataset.pinCount = String(data.count);
      el.dataset.pinArea = fit && !complete ? "all" : "view";  // "view": the pins of the area on screen are drawn
      if (count) count.textContent = data.label;
      showLegend(data);
      if (fit && data.extent && !first) {
        map.fitBounds([[data.extent[0], data.extent[1]], [data.extent[2], data.extent[3]]], { padding: [24, 24], maxZoom: 15 });
      }
      el.dispatchEvent(new CustomEvent("pins:loaded", { bubbles: true }));
    }

    // The area moved (pan, zoom, fit to the pins): ask for its pins once it has stopped a moment.
    map.on("moveend", function () {
      window.clearTimeout(settle);
      var ours = justPlaced;
      justPlaced = false;
      if (complete || ours === "quiet") return;  // every pin of the filters is drawn already (the browser
      // clusters them), or the first question is on its way
      // after the first placing, at once (after the first answer is drawn); else once the map stops a moment
      settle = window.setTimeout(function () { load(false); }, ours ? 0 : 250);
    });

    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var params = new URLSearchParams(new FormData(form)).toString();
        history.replaceState(null, "", form.action + (params ? "?" + params : ""));
        load(true);
      });
      // "Colour the pins by" sits by the map (form="map-filters"): a change redraws at once.
      document.addEventListener("change", function (e) {
        if (e.target.name === "colour_by" && e.target.form === form) form.requestSubmit();
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
    if (!fromPage) {
      load(true);
    } else if (el.dataset.firstAsk === "view") {
      place(fromPage);  // many pins: only those of the view are asked for (its move asks at once)
    } else {
      place(fromPage, true);
      load(true);  // few: every pin of the filters, so that the map asks nothing more as it moves
    }
  }

  function placeMode(el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon), zoom = parseInt(el.dataset.zoom, 10);
    var map = baseMap(el);
    map.setView([lat, lon], zoom);
    var icon = L.divIcon({ className: "pin-drag", html: textElement("span", ""), iconSize: [44, 44], iconAnchor: [22, 44] });
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
      L.marker(data.start, { icon: L.divIcon({ className: "tour-start", html: textElement("span", "⌂"), iconSize: [34, 34] }) }).addTo(map);
      points.push(data.start);
    }
    (data.stops || []).forEach(function (s) {
      var icon = L.divIcon({ className: "tour-stop tour-stop-" + s.state, html: textElement("span", String(s.n)),
                             iconSize: [34, 34] });
      L.marker([s.lat, s.lon], { icon: icon, title: s.name })
        .bindTooltip(textElement("span", s.name + (s.eta ? " · " + s.eta : ""))).addTo(map);
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
    // built in a task of its own, not inside DOMContentLoaded with every other script's start
    window.setTimeout(function () {
      whenStyled(function () {
        if (mode === "clients") clientsMode(el);
        else if (mode === "place") placeMode(el);
        else if (mode === "tour") tourMode(el);
      });
    }, 0);
  });

  // Leaflet's styles come as "print" so as not to hold the first paint (maps/_leaflet_head.html): turn
  // them on, and build the map once they are there (its controls would jump into place otherwise).
  function whenStyled(build) {
    var links = Array.prototype.slice.call(document.querySelectorAll("link[data-map-style]"));
    var waiting = 0, built = false;
    function done() { if (!built && waiting === 0) { built = true; build(); } }
    links.forEach(function (link) {
      link.media = "all";
      if (!link.sheet) {
        waiting += 1;
        var settle = function () { waiting -= 1; done(); };
        link.addEventListener("load", settle, { once: true });
        link.addEventListener("error", settle, { once: true });
      }
    });
    done();
  }
})();
