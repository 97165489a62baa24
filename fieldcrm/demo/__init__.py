"""A realistic French demo data set (`fieldcrm demo`): reps in two teams, a manager, an admin, 300+
clients at real postal-code/commune pairs (official commune list), their purchases, and each rep's
recent activity dated from today on working days, so every screen has something to show.

people: the organisation and the cards · places: where a card sits on the map (offline data only) ·
activity: history, follow-ups, appointments · purchases · tours: the last day driven · calendar: the
working days · loader: all of it in one call."""

from fieldcrm.demo.loader import load_demo
from fieldcrm.demo.people import DEMO_DOMAIN, DEMO_PASSWORD, REPS

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "REPS", "load_demo"]
