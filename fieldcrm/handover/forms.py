"""Reading the hand-over form (the same fields from the query string of the preview and from the
confirmation's POST), with messages in the user's language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.handover import queries
from fieldcrm.handover.models import CARRIED
from fieldcrm.segments.queries import segments_for, visible_segment
from fieldcrm.web.boundary import id_arg, to_id

_SPLIT = re.compile(r"[,;\n]+")
MAX_CHOSEN = 2000


@dataclass
class HandOverRequest:
    values: dict
    errors: dict[str, str] = field(default_factory=dict)
    selection: queries.Selection | None = None
    target: User | None = None
    carry: set[str] = field(default_factory=set)

    @property
    def scope_label(self) -> str:
        """How the record names the part handed over (see scope_words)."""
        sel = self.selection
        if sel is None or sel.mode == "all":
            return "all"
        if sel.mode == "segment":
            return f"segment|{sel.segment.name}"
        if sel.mode == "places":
            return "places|" + ", ".join(sel.places)
        return f"clients|{len(sel.client_ids)}"


def scope_words(label: str) -> str:
    """A stored scope label in the reader's language."""
    mode, _sep, detail = label.partition("|")
    if mode == "segment":
        return _("segment “%(name)s”", name=detail)
    if mode == "places":
        return _("communes or postal codes: %(places)s", places=detail)
    if mode == "clients":
        return _("%(num)s chosen clients", num=detail)
    return _("whole portfolio")


def carry_labels() -> dict[str, str]:
    return {"followup": _("Open follow-ups"), "appointment": _("Coming appointments"),
            "tour_stop": _("Tour stops still to do")}


def parse(db: Session, actor: User, data: Mapping, *, submitted: bool) -> HandOverRequest:
    """The request behind the form. Before the form is first sent every carry box is ticked; after,
    a box not sent is a box the user unticked. Anyone or anything out of reach is simply not offered,
    and an id forged to point at them is refused like an unknown one."""
    values = {"source": data.get("source", ""), "target": data.get("target", ""),
              "mode": data.get("mode", "all") if data.get("mode") in queries.MODES else "all",
              "segment": data.get("segment", ""), "places": (data.get("places") or "")[:2000],
              "clients": [cid for cid in (to_id(v) for v in _getlist(data, "client")) if cid][:MAX_CHOSEN]}
    carry = {kind for kind in CARRIED if not data.get("sent") or data.get(f"carry_{kind}")}
    values["carry"] = carry
    request = HandOverRequest(values, carry=carry)
    if not submitted:
        return request
    errors = request.errors
    sources = {u.id: u for u in queries.sources(db, actor)}
    source = sources.get(id_arg(values, "source") or 0)
    if source is None:
        errors["source"] = _("Choose whose clients to hand over.")
    targets = {u.id: u for u in queries.targets(db, actor, source)}
    target = targets.get(id_arg(values, "target") or 0)
    if target is None:
        errors["target"] = _("Choose who receives the clients (someone other than their current owner).")
    selection = queries.Selection(source) if source is not None else None
    if values["mode"] == "clients":
        if not values["clients"]:
            errors["clients"] = _("Tick at least one client.")
        elif selection is not None:
            selection.client_ids = tuple(values["clients"])
    elif values["mode"] == "segment":
        segment_id = id_arg(values, "segment")
        segment = visible_segment(db, actor, segment_id) if segment_id else None
        if segment is None:
            errors["segment"] = _("Choose a segment.")
        elif selection is not None:
            selection.segment = segment
    elif values["mode"] == "places":
        places = tuple(dict.fromkeys(p.strip() for p in _SPLIT.split(values["places"]) if p.strip()))
        if not places:
            errors["places"] = _("Write at least one commune or postal code, separated by commas.")
        elif len(places) > queries.MAX_PLACES:
            errors["places"] = _("At most %(max)d communes or postal codes at a time.", max=queries.MAX_PLACES)
        elif selection is not None:
            selection.places = places
    if selection is not None:
        selection.mode = values["mode"]
    if not errors:
        request.selection, request.target = selection, target
    return request


def _getlist(data: Mapping, name: str) -> list[str]:
    return data.getlist(name) if hasattr(data, "getlist") else list(data.get(name) or [])


def choices(db: Session, actor: User, source_id: int | None) -> dict:
    """What the form offers: sources, targets (never preselected), segments, the source's clients."""
    sources = queries.sources(db, actor)
    source = next((u for u in sources if u.id == source_id), None)
    clients = []
    if source is not None:
        clients = queries.portfolio(db, actor, source)
    return {"sources": sources, "targets": queries.targets(db, actor, source), "segments": segments_for(db, actor),
            "source_clients": clients, "carry_labels": carry_labels()}


def expected_counts(data: Mapping) -> dict[str, int] | None:
    """The preview's figures the user confirmed (sent back with the confirmation)."""
    counts = {}
    for key in ("clients", "followups", "appointments", "tour_stops"):
        raw = data.get(f"expected_{key}", "")
        if not raw.isdigit():
            return None
        counts[key] = int(raw)
    return counts
