"""Tours' views, split by purpose over several modules that all register on one blueprint
(see ``blueprint``); importing this module registers them all."""

from fieldcrm.tours import day_routes, settings_routes, stop_routes, week_routes  # noqa: F401  (views)
from fieldcrm.tours.blueprint import bp

__all__ = ["bp"]
