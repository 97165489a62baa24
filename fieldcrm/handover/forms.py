"""The hand-over form (WTForms, see fieldcrm.web.forms; the same fields from the query string of the
preview and from the confirmation's POST), with messages in the user's language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlmodel import Session
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from fieldcrm.accounts.models import User
from fieldcrm.handover import queries
from fieldcrm.handover.models import CARRIED
from fieldcrm.segments.queries import segments_for, visible_segment
from fieldcrm.web.boundary import to_id
from fieldcrm.web.forms import SUBMITTED, IdsField, field_messages, submitted_formdata

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


class HandOverForm(FlaskForm):
    """The hand-over form: whose clients (`source`), to whom (`target`), which ones (`mode`: all, ticked
    `client`s, a `segment`, some `places`) and what goes along (`carry_<kind>`). The preview reads it
    from the query string, the confirmation from its POST, which also sends back the preview's figures
    (`expected_<count>`). Anyone or anything out of reach is simply not offered, and an id forged to
    point at them is refused like an unknown one."""

    source = StringField()
    target = StringField()
    mode = StringField()
    segment = StringField()
    places = StringField()
    client = IdsField()
    sent = HiddenField()  # before the form is first sent every carry box is ticked; after, a box not sent was unticked
    carry_followup = HiddenField()
    carry_appointment = HiddenField()
    carry_tour_stop = HiddenField()
    expected_clients = HiddenField()
    expected_followups = HiddenField()
    expected_appointments = HiddenField()
    expected_tour_stops = HiddenField()

    def __init__(self, formdata=SUBMITTED, *, db: Session, actor: User, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.db, self.actor = db, actor
        self.selection: queries.Selection | None = None
        self.chosen_target: User | None = None

    def values(self) -> dict:
        """The form as sent, for the page (what was typed and ticked is shown again)."""
        mode = self.mode.data if self.mode.data in queries.MODES else "all"
        return {"source": self.source.data or "", "target": self.target.data or "", "mode": mode,
                "segment": self.segment.data or "", "places": (self.places.data or "")[:2000],
                "clients": self.client.data[:MAX_CHOSEN], "carry": self.carried()}

    def carried(self) -> set[str]:
        return {kind for kind in CARRIED if not self.sent.data or self[f"carry_{kind}"].data}

    def validate_source(self, field):
        sources = {u.id: u for u in queries.sources(self.db, self.actor)}
        source = sources.get(to_id(field.data) or 0)
        if source is None:
            raise ValidationError(_("Choose whose clients to hand over."))
        self.selection = queries.Selection(source)

    def validate_target(self, field):
        source = self.selection.source if self.selection is not None else None
        targets = {u.id: u for u in queries.targets(self.db, self.actor, source)}
        self.chosen_target = targets.get(to_id(field.data) or 0)
        if self.chosen_target is None:
            raise ValidationError(_("Choose who receives the clients (someone other than their current owner)."))

    def validate_mode(self, field):
        if self.selection is not None:
            self.selection.mode = self.values()["mode"]

    def validate_client(self, field):
        if self.values()["mode"] != "clients":
            return
        if not field.data:
            raise ValidationError(_("Tick at least one client."))
        if self.selection is not None:
            self.selection.client_ids = tuple(self.values()["clients"])

    def validate_segment(self, field):
        if self.values()["mode"] != "segment":
            return
        segment_id = to_id(field.data)
        segment = visible_segment(self.db, self.actor, segment_id) if segment_id else None
        if segment is None:
            raise ValidationError(_("Choose a segment."))
        if self.selection is not None:
            self.selection.segment = segment

    def validate_places(self, field):
        if self.values()["mode"] != "places":
            return
        places = tuple(dict.fromkeys(p.strip() for p in _SPLIT.split(self.values()["places"]) if p.strip()))
        if not places:
            raise ValidationError(_("Write at least one commune or postal code, separated by commas."))
        if len(places) > queries.MAX_PLACES:
            raise ValidationError(_("At most %(max)d communes or postal codes at a time.", max=queries.MAX_PLACES))
        if self.selection is not None:
            self.selection.places = places

    def request(self, *, checked: bool) -> HandOverRequest:
        """The request behind the form; `checked`: validated, its selection and target set when valid."""
        request = HandOverRequest(self.values(), carry=self.carried())
        if checked and not self.validate():
            request.errors.update(field_messages(self))
        elif checked:
            request.selection, request.target = self.selection, self.chosen_target
        return request

    def expected_counts(self) -> dict[str, int] | None:
        """The preview's figures the user confirmed (sent back with the confirmation)."""
        counts = {}
        for key in ("clients", "followups", "appointments", "tour_stops"):
            raw = self[f"expected_{key}"].data or ""
            if not raw.isdigit():
                return None
            counts[key] = int(raw)
        return counts


def choices(db: Session, actor: User, source_id: int | None) -> dict:
    """What the form offers: sources, targets (never preselected), segments, the source's clients."""
    sources = queries.sources(db, actor)
    source = next((u for u in sources if u.id == source_id), None)
    clients = []
    if source is not None:
        clients = queries.portfolio(db, actor, source)
    return {"sources": sources, "targets": queries.targets(db, actor, source), "segments": segments_for(db, actor),
            "source_clients": clients, "carry_labels": carry_labels()}
