"""Which Leaflet files the map pages load: folium's own asset lists, with its CDN links replaced by
the copies vendored in static/vendor (see static/vendor/README.md).

folium renders a map as an HTML document full of inline <script>; our CSP (script-src 'self') rightly
refuses those. So the map pages are drawn by static/js/map.js from a JSON endpoint, and take from folium
which Leaflet/markercluster resources a clustered map needs. (folium draws the downloadable map files
itself: fieldcrm/maps/standalone.py.)"""

from __future__ import annotations

from functools import cache

# folium resource key -> path under static/ (from static/vendor/README.md)
STATIC_FOR_FOLIUM_KEY = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "markerclusterjs": "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "vendor/leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "vendor/leaflet.markercluster/MarkerCluster.Default.css",
}


@cache
def map_assets() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scripts, stylesheets) as static paths, in folium's order: Leaflet first, then the cluster plugin
    (not jQuery, Bootstrap or awesome-markers, which map.js does not need)."""
    # Imported on first use only: folium is heavy and only its asset list is read here (then cached).
    import folium
    from folium.plugins import MarkerCluster

    scripts = [key for key, _url in folium.Map.default_js if key == "leaflet"]
    scripts += [key for key, _url in MarkerCluster.default_js]
    styles = [key for key, _url in folium.Map.default_css if key == "leaflet_css"]
    styles += [key for key, _url in MarkerCluster.default_css]
    return (tuple(STATIC_FOR_FOLIUM_KEY[k] for k in scripts), tuple(STATIC_FOR_FOLIUM_KEY[k] for k in styles))
