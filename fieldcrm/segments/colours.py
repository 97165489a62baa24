"""Colour codes by status or by saved segment, for the client list and the map.

Colours never come as inline styles (strict CSP): a segment's colour is one of segments.models.COLOURS and
is drawn through its CSS class `seg-<index>` (static/css/app.css); a status through `status-<key>`.
Colour is never the only cue: the list shows the status in words and the segment in a banner; the map has a
legend and each pin's title names its status or segment.

Membership for "colour by segment" is computed with one query per segment (segment_client_ids), never per
client: a few queries whatever the number of pins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.clients.forms import status_labels
from fieldcrm.clients.models import STATUSES
from fieldcrm.segments.models import COLOURS, Segment
from fieldcrm.segments.queries import segment_client_ids, segments_for

NEUTRAL_CLASS = "seg-none"
MAX_COLOURED = 20  # segments given a colour on the map; the others are left out of the legend
MODES = ("status", "segment")


def colour_class(colour: str | None) -> str:
    """The CSS class drawing a segment's colour (an unknown colour falls back to the first one)."""
    return f"seg-{COLOURS.index(colour) if colour in COLOURS else 0}"


def colour_labels() -> dict[str, str]:
    """Names for the palette, so the colour picker is not just hexadecimal codes to a screen reader."""
    names = (_l("Teal"), _l("Red"), _l("Green"), _l("Ochre"), _l("Violet"), _l("Pink"), _l("Slate grey"))
    return dict(zip(COLOURS, names, strict=True))


@dataclass
class Colouring:
    mode: str  # "status" or "segment"
    legend: list[dict]  # {"key", "label", "cls", "count"} in the order that decides
    note: str = ""


def status_colouring(counts: dict[str, int]) -> Colouring:
    """The legend by status from how many clients have each status (the map's clusters count them in SQL)."""
    labels = status_labels()
    legend = [{"key": key, "label": str(labels[key]), "cls": f"pin-{key}", "count": counts.get(key, 0)}
              for key in STATUSES]
    return Colouring("status", legend)


def colour_mode(mode: str | None, first: Segment | None = None) -> str:
    """The colouring asked for; by default by segment when a saved segment filters the map, else by status."""
    if mode in MODES:
        return mode
    return "segment" if first is not None else "status"


def pin_colouring(db: Session, actor: User, pins: list[dict], mode: str | None, first: Segment | None = None,
                  today: date | None = None) -> Colouring:
    """Colour the map's pins. By status: the legend counts each status (pins keep their "s"). By segment:
    each pin gets "g", the legend index of the first of the actor's visible segments it belongs to — the
    segment filtering the map first, then by name; a pin in none gets the neutral last entry."""
    mode = colour_mode(mode, first)
    if mode == "status":
        counts: dict[str, int] = {}
        for pin in pins:
            counts[pin["s"]] = counts.get(pin["s"], 0) + 1
        return status_colouring(counts)
    segments = segments_for(db, actor)
    if first is not None:
        segments = [first] + [s for s in segments if s.id != first.id]
    note = _("A client in several segments takes the colour of the first one listed.")
    if len(segments) > MAX_COLOURED:
        note += " " + _("Only the first %(num)d segments are coloured.", num=MAX_COLOURED)
        segments = segments[:MAX_COLOURED]
    remaining = {pin["id"] for pin in pins}
    group: dict[int, int] = {}
    legend = []
    for index, segment in enumerate(segments):
        members = remaining & set(segment_client_ids(db, actor, segment, today)) if remaining else set()
        for client_id in members:
            group[client_id] = index
        remaining -= members
        legend.append({"key": index, "label": segment.name, "cls": colour_class(segment.colour),
                       "count": len(members)})
    legend.append({"key": len(segments), "label": _("In none of these segments"), "cls": NEUTRAL_CLASS,
                   "count": len(remaining)})
    for pin in pins:
        pin["g"] = group.get(pin["id"], len(segments))
    return Colouring("segment", legend, note)
