"""What to tell the user when a tour cannot be planned as asked (a tours.services.TourError)."""

from __future__ import annotations

from flask_babel import gettext as _


def error_message(error) -> str:
    messages = {
        "no_start": _("Say where the day starts (an address, or your current position) before optimising."),
        "start_after_end": _("The day must end after it starts: check the start time and the end of the day."),
        "too_many": _("A tour holds at most %(limit)s stops (%(count)s asked). Split them over several days "
                      "with “Plan a week”.", **error.params),
    }
    return messages.get(error.code, _("This tour cannot be planned as asked."))
