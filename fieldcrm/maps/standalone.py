"""A map as one HTML file to download, share or print (a tour, a saved segment), drawn by folium.

folium writes a page of inline scripts; the app's own pages cannot run those (strict CSP) but a file
opened from disk can. Folium's CDN links are dropped and Leaflet, the only library the file needs
(circle markers, number icons, a polyline, tooltips: no jQuery, Bootstrap or plugin), is inlined from
static/vendor, so the file works offline; only the map tiles come from the tile server. Every text
from the database is escaped: it ends up inside HTML and inside JavaScript template literals."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import branca.element
import folium
from markupsafe import escape

LINE_COLOUR = "#0f5e6e"  # the tour line of static/js/map.js
FRANCE = ([46.6, 2.4], 5)  # centre and zoom when there is nothing to show


@dataclass(frozen=True)
class Mark:
    """One point on the map: a stop (a badge with its number) or a client's pin (a dot of its colour)."""

    lat: float
    lon: float
    text: str
    colour: str
    badge: str | None = None


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str


@cache
def inlined_leaflet(static_dir: str) -> tuple[str, str]:
    """(script, stylesheet) of the vendored Leaflet, ready to inline: the images the stylesheet names
    become data: URIs and nothing in the script can close its <script> element."""
    folder = Path(static_dir) / "vendor" / "leaflet"

    def data_uri(name: str) -> str:
        return f"data:image/png;base64,{base64.b64encode((folder / name).read_bytes()).decode('ascii')}"

    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    # folium creates every marker with Leaflet's default icon before giving it ours: that icon, from
    # the file itself too, or the browser looks for images/marker-icon.png next to the downloaded file.
    default_icon = {"iconUrl": data_uri("images/marker-icon.png"), "iconRetinaUrl": data_uri("images/marker-icon-2x.png"),
                    "shadowUrl": data_uri("images/marker-shadow.png")}
    script = (re.sub(r"//# sourceMappingURL=\S+", "", script) + "\nL.Icon.Default.imagePath = '';\n"
              f"L.Icon.Default.mergeOptions({json.dumps(default_icon)});").replace("</", "<\\/")
    style = re.sub(r"url\((images/[\w@.-]+\.png)\)", lambda found: f"url({data_uri(found.group(1))})",
                   (folder / "leaflet.css").read_text(encoding="utf-8"))
    return script, style.replace("</", "<\\/")


def safe_text(text: str) -> str:
    """Text shown as text in HTML, also inside folium's JavaScript template literals (` and ${)."""
    return str(escape(text)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _overlay(title: str, subtitle: str, legend: list[LegendEntry]) -> str:
    items = "".join(f'<li><span class="dot" style="background:{entry.colour}"></span>{safe_text(entry.label)}</li>'
                    for entry in legend)
    legend_html = f'<ul class="fieldcrm-legend">{items}</ul>' if legend else ""
    sub = f"<p>{safe_text(subtitle)}</p>" if subtitle else ""
    return f'<div class="fieldcrm-title"><h1>{safe_text(title)}</h1>{sub}</div>{legend_html}'


PAGE_STYLE = """
.fieldcrm-title{position:absolute;top:10px;left:56px;right:10px;z-index:1000;background:#fff;padding:6px 10px;
 border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:14px/1.3 system-ui,sans-serif}
.fieldcrm-title h1{font-size:16px;margin:0}.fieldcrm-title p{margin:2px 0 0;color:#555}
.fieldcrm-legend{position:absolute;bottom:64px;left:10px;z-index:1000;background:#fff;margin:0;padding:6px 10px;
 list-style:none;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.6 system-ui,sans-serif}
.fieldcrm-legend .dot{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:6px;
 vertical-align:-1px;border:2px solid #fff;box-shadow:0 0 0 1px #888}
.fieldcrm-stop{display:flex;align-items:center;justify-content:center;border-radius:50%;border:3px solid #fff;
 color:#fff;font:bold 14px system-ui,sans-serif;box-shadow:0 1px 3px rgba(0,0,0,.45)}
@media print{.leaflet-control-zoom{display:none}}
"""


def standalone_map(*, title: str, subtitle: str = "", marks: list[Mark], line: list[tuple[float, float]] | None = None,
                   legend: list[LegendEntry] | None = None, tile_url: str, attribution: str,
                   static_dir: str, lang: str = "fr") -> str:
    """The whole HTML document of a map with these marks (and the line through `line`, in order)."""
    points = [(m.lat, m.lon) for m in marks] + list(line or [])
    centre, zoom = (list(points[0]), 12) if len(points) == 1 else FRANCE
    figure = branca.element.Figure(title=safe_text(title))
    fmap = folium.Map(location=centre, zoom_start=zoom, tiles=None, control_scale=True)
    fmap.default_js, fmap.default_css = [], []  # no CDN: Leaflet is inlined below
    figure.add_child(fmap)
    script, style = inlined_leaflet(static_dir)
    figure.header.add_child(branca.element.Element(f"<style>{style}</style><style>{PAGE_STYLE}</style>"),
                            name="leaflet_css")
    figure.header.add_child(branca.element.Element(f"<script>{script}</script>"), name="leaflet")
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=attribution or " ", max_zoom=19).add_to(fmap)
    for mark in marks:
        tooltip = folium.Tooltip(safe_text(mark.text))
        if mark.badge is None:
            folium.CircleMarker([mark.lat, mark.lon], radius=8, color="#fff", weight=2, fill=True,
                                fill_color=mark.colour, fill_opacity=1, tooltip=tooltip).add_to(fmap)
        else:
            icon = folium.DivIcon(html=f'<div class="fieldcrm-stop" style="background:{mark.colour};'
                                       f'width:28px;height:28px">{safe_text(mark.badge)}</div>',
                                  icon_size=(34, 34), icon_anchor=(17, 17), class_name="fieldcrm-stop-icon")
            folium.Marker([mark.lat, mark.lon], icon=icon, tooltip=tooltip).add_to(fmap)
    if line and len(line) > 1:
        folium.PolyLine(line, color=LINE_COLOUR, weight=4, opacity=0.7).add_to(fmap)
    if len(points) > 1:
        fmap.fit_bounds(points, padding=(28, 28))
    figure.html.add_child(branca.element.Element(_overlay(title, subtitle, legend or [])))
    return figure.render().replace("<html>", f'<html lang="{safe_text(lang)}">', 1)
