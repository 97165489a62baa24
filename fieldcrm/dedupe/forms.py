"""The merge screen's form (WTForms, see fieldcrm.web.forms). Which rows it shows depends on the two
cards (a field per differing value `f-<name>`, a consent per channel `c-<channel>`, a custom field
`cf-<id>`, the tags to keep `tag`), so the form reads those itself from what was submitted; what is
missing or unreadable keeps the screen's default."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField

from fieldcrm.dedupe.choices import MINE, OTHER, MergeChoices
from fieldcrm.web.forms import SUBMITTED, IdsField, submitted_formdata


class MergeForm(FlaskForm):
    action = StringField()  # "dismiss": the two cards are different clients
    tags_shown = StringField()  # unticked boxes are not sent: this marker says the choice was offered
    tag = IdsField()

    def __init__(self, formdata=SUBMITTED, **kwargs):
        if formdata is SUBMITTED:
            formdata = submitted_formdata()
        super().__init__(formdata, **kwargs)
        self.raw = formdata or {}

    def dismissed(self) -> bool:
        return self.action.data == "dismiss"

    def _side(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if value in (MINE, OTHER) else None

    def fields_taken_from_other(self, rows) -> set[str]:
        """The differing fields (rows of the screen) whose value comes from the other card."""
        return {r["name"] for r in rows
                if (self._side(f"f-{r['name']}") or (OTHER if r["take_other"] else MINE)) == OTHER}

    def choices(self, sides) -> MergeChoices:
        """The picks for tags, consents and custom fields; what is missing keeps the default."""
        tags = None
        if self.tags_shown.data:
            tags = set(self.tag.data) & {tag_id for tag_id, *_rest in sides.tags}
        consents = {c["channel"]: side for c in sides.consents if (side := self._side(f"c-{c['channel']}"))}
        custom = {c["field"].id: side for c in sides.custom if (side := self._side(f"cf-{c['field'].id}"))}
        return MergeChoices(tags=tags, consents=consents, custom=custom)
