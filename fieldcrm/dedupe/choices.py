"""What a merge keeps of the rows the two cards each have: tags, consent per channel, custom field values.

Plain functions over plain values (no Flask). The defaults, used when the user does not choose:
- tags: the union of both cards' tags;
- consent per channel: the most recent decision, except that an opposition (channel not wanted, or consent
  refused) always wins over an agreement — keeping an opposition is the safe side for the GDPR; the user can
  still pick the other value explicitly;
- custom field values: the surviving card's value, or the other's when the survivor has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

MINE, OTHER = "mine", "other"


@dataclass
class MergeChoices:
    """The user's picks beyond the card's own fields; anything left out takes the default above."""

    tags: set[int] | None = None  # tag ids the survivor ends with (None: both cards' tags)
    consents: dict[str, str] = field(default_factory=dict)  # channel -> MINE / OTHER
    custom: dict[int, str] = field(default_factory=dict)  # custom field id -> MINE / OTHER


def _get(consent, key: str):
    """Consents come as rows (mappings) from the merge and as models from the screen."""
    return consent[key] if isinstance(consent, dict) else getattr(consent, key)


def opposed(consent) -> bool:
    """A recorded opposition to the channel: not wanted, or consent refused."""
    return consent is not None and (not _get(consent, "allowed") or _get(consent, "consent") == "refused")


def _when(consent) -> datetime:
    moment = _get(consent, "consent_at")
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_consent(mine, theirs) -> tuple[str, str]:
    """(MINE or OTHER, why) for one channel, `mine`/`theirs` being the consent rows (or None)."""
    if theirs is None:
        return MINE, "only"
    if mine is None:
        return OTHER, "only"
    if opposed(mine) != opposed(theirs):
        return (MINE if opposed(mine) else OTHER), "opposition"
    return (OTHER if _when(theirs) > _when(mine) else MINE), "recent"


def same_consent(mine, theirs) -> bool:
    def state(c):
        if c is None:
            return True, "unknown", None
        return bool(_get(c, "allowed")), _get(c, "consent"), _get(c, "consent_source")

    return state(mine) == state(theirs)


def default_custom(mine: str | None, theirs: str | None) -> str:
    return MINE if mine not in (None, "") else OTHER


def kept_tags(mine: set[int], theirs: set[int], chosen: set[int] | None) -> set[int]:
    """The survivor's tags after the merge: the chosen ones among both cards' (default: all of them)."""
    both = mine | theirs
    return both if chosen is None else set(chosen) & both
