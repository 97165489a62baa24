"""Every URL rule of the app, filled with realistic values (or with hostile ones), for the tests that
walk the whole app: GETs never write, huge ids never crash, NUL bytes are refused."""

from __future__ import annotations

import re

HUGE = 2**64 + 12345  # past the 64-bit integers of SQLite and PostgreSQL's bigint
# Just past PostgreSQL's integer (the id columns), just past 64 bits, and far past.
TOO_LARGE = (2**31, 2**63, HUGE)
HTMX = {"HX-Request": "true"}

# URL arguments that are not ids, with a value that reaches the view.
PLAIN_VALUES = {"fmt": "csv", "filename": "css/app.css", "rule_key": "prospects", "source": "interaction"}
RECORDS = {"user_id": "rep_a", "item_id": "interaction_a"}  # any other `<kind>_id` takes world["<kind>_a"]


def rich_world(app, db, world: dict) -> dict:
    """The access tests' world (tests.access.world) plus what the other rules take:
    a custom field, rep_a's calendar feed token, a retention batch to review."""
    from fieldcrm.agenda import services as agenda
    from fieldcrm.customfields import services as customfields
    from fieldcrm.privacy import retention

    with app.test_request_context():
        world["field_a"] = customfields.define_field(db, "Surface", "text")
        world["token_a"] = agenda.create_feed(db, world["rep_a"])
        world["run_a"] = retention.run_rule(db, "audit_trail", trigger="manual", now=_far_future())
    return world


def _far_future():
    from datetime import timedelta

    from fieldcrm import timeutil

    return timeutil.now() + timedelta(days=3 * 365)  # every audit entry is past its period: a batch


def rule_values(rule, world: dict, *, huge: int | None = None) -> dict:
    """Values for every argument of `rule`: rep_a's records, or `huge` for every id."""
    values = {}
    for name in rule.arguments:
        if name in PLAIN_VALUES:
            values[name] = PLAIN_VALUES[name]
        elif name == "token":
            values[name] = world["token_a"]
        elif huge:
            values[name] = huge
        elif name.endswith("_uid"):  # a record named by the id a phone gave it
            values[name] = world[name.removesuffix("_uid") + "_a"].uid
        else:
            values[name] = world[RECORDS.get(name, name.removesuffix("_id") + "_a")].id
    return values


def url_of(rule, values: dict) -> str:
    """The URL of `rule`, built by hand: the integer converter refuses to build a huge id."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
    return path


def app_rules(app, method: str):
    """Every rule of the app answering `method`."""
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods]
