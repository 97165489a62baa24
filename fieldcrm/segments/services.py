"""Save and delete segments (one transaction each)."""

from __future__ import annotations

import json

from sqlmodel import Session

from fieldcrm.accounts.models import User
from fieldcrm.segments.models import COLOURS, Segment
from fieldcrm.timeutil import utcnow


def save_segment(db: Session, actor: User, filters: dict, name: str, shared: bool, colour: str,
                 segment: Segment | None = None) -> Segment:
    segment = segment or Segment(owner_id=actor.id, name=name)
    segment.name, segment.shared = name[:120], shared
    segment.colour = colour if colour in COLOURS else COLOURS[0]
    segment.filters = json.dumps(filters, sort_keys=True)
    segment.updated_at = utcnow()
    db.add(segment)
    db.commit()
    return segment


def delete_segment(db: Session, actor: User, segment: Segment) -> None:
    db.delete(segment)
    db.commit()
