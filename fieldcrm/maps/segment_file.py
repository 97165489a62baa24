"""A saved segment as a standalone map file: its clients' pins (those the actor may see, as on the map
filtered by the segment), coloured by status, with the legend."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from fieldcrm.maps.standalone import LegendEntry, Mark, standalone_map

# As .pin-<status> in static/css/app.css.
STATUS_COLOURS = {"suspect": "#6c757d", "lead": "#c98a00", "prospect": "#1d5fd1", "client": "#198754",
                  "former_client": "#b02a37"}


def file_name(segment) -> str:
    """French and ASCII, from the segment's name: "Clients de Lyon" -> segment-clients-de-lyon.html."""
    ascii_name = unicodedata.normalize("NFKD", segment.name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"segment-{slug or segment.id}.html"


def segment_map_html(segment, pins: list[dict], legend: list[dict], subtitle: str, *, tile_url: str,
                     attribution: str, static_dir: str, lang: str) -> str:
    """The map of `pins` (the map page's pins: "n" name, "s" status) with the status `legend` of the map."""
    marks = [Mark(pin["lat"], pin["lon"], text=pin["n"], colour=STATUS_COLOURS.get(pin["s"], "#6c757d"))
             for pin in pins]
    entries = [LegendEntry(f"{entry['label']} ({entry['count']})", STATUS_COLOURS.get(entry["key"], "#6c757d"))
               for entry in legend if entry["count"]]
    return standalone_map(title=_("Segment “%(name)s”", name=segment.name), subtitle=subtitle, marks=marks,
                          legend=entries, tile_url=tile_url, attribution=attribution, static_dir=static_dir,
                          lang=lang)
