"""A tour as a standalone map file: the same route the tour page draws (its start, the numbered stops
with their arrival times, the end), in one HTML file to share or print."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from fieldcrm.maps.standalone import LINE_COLOUR, LegendEntry, Mark, standalone_map
from fieldcrm.tours.models import Tour

START_COLOUR = "#333333"
# As .tour-stop-<state> in static/css/app.css.
STATE_COLOURS = {"planned": LINE_COLOUR, "done": "#198754", "skipped": "#888888"}


def file_name(tour: Tour) -> str:
    """French, like the rest of a file the rep hands over: tournee-2026-12-07.html."""
    return f"tournee-{tour.day.isoformat()}.html"


def tour_map_html(tour: Tour, route: dict, owner_name: str, *, tile_url: str, attribution: str,
                  static_dir: str, lang: str) -> str:
    """The tour's map from `route` (what the tour page's map draws: start, stops, end)."""
    marks, line = [], []
    if route["start"]:
        marks.append(Mark(*route["start"], text=_("Start"), colour=START_COLOUR, badge="⌂"))
        line.append(tuple(route["start"]))
    for stop in route["stops"]:
        text = f"{stop['n']}. {stop['name']}" + (f" · {stop['eta']}" if stop["eta"] else "")
        marks.append(Mark(stop["lat"], stop["lon"], text=text, colour=STATE_COLOURS.get(stop["state"], LINE_COLOUR),
                          badge=str(stop["n"])))
        line.append((stop["lat"], stop["lon"]))
    if route["end"]:
        marks.append(Mark(*route["end"], text=_("End of the day"), colour=START_COLOUR, badge="⌂"))
        line.append(tuple(route["end"]))
    elif route["start"] and len(line) > 1:
        line.append(tuple(route["start"]))  # back home, as the tour page draws it
    legend = [LegendEntry(_("Planned"), STATE_COLOURS["planned"]), LegendEntry(_("Done"), STATE_COLOURS["done"]),
              LegendEntry(_("Skipped"), STATE_COLOURS["skipped"])]
    return standalone_map(title=_("Tour of %(d)s", d=format_date(tour.day, "full")), subtitle=owner_name,
                          marks=marks, line=line, legend=legend, tile_url=tile_url, attribution=attribution,
                          static_dir=static_dir, lang=lang)
