"""Hooks the client file offers to the capabilities built on it.

clients/ sits below sales, segments, dedupe and maps, so it never imports them: they plug in here
instead, from their `init_app(app)` which create_app calls (so the web app, the worker and the tests
all have the same plug-ins). Registering again replaces the earlier entry (one app per test).

- list sorts: an extra order of the client list (sales: by revenue, last purchase…);
- list filters: a record named by id in the list's query string that narrows it (segments: `segment`);
- similar-client finders: looked up before a new card is saved, to warn about a duplicate (dedupe);
- on-saved hooks: run after a card is created or edited and committed (maps: locate its address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.sql import Select


@dataclass(frozen=True)
class ListFilter:
    """`load(db, actor, id)` returns the record in the actor's reach (or raises access.NotVisible);
    `apply(stmt, record)` narrows a select over Client by it."""
    load: Callable
    apply: Callable[[Select, object], Select]


# sort key -> order(stmt, key) returning (stmt, order_by columns)
_sorts: dict[str, Callable[[Select, str], tuple[Select, tuple]]] = {}
_filters: dict[str, ListFilter] = {}
_similar_finders: dict[str, Callable] = {}
_saved_hooks: dict[str, Callable] = {}


def register_sort(key: str, order: Callable[[Select, str], tuple[Select, tuple]]) -> None:
    _sorts[key] = order


def sort(key: str) -> Callable | None:
    """The registered order for sort `key`, None for the list's own sorts."""
    return _sorts.get(key)


def register_filter(name: str, load: Callable, apply: Callable) -> None:
    _filters[name] = ListFilter(load, apply)


def filters() -> dict[str, ListFilter]:
    return dict(_filters)


def register_similar_finder(name: str, find: Callable) -> None:
    """`find(db, actor, data)` -> existing clients that look like the card about to be created."""
    _similar_finders[name] = find


def similar_clients(db, actor, data: dict) -> list:
    return [match for find in _similar_finders.values() for match in find(db, actor, data)]


def on_client_saved(name: str, hook: Callable) -> None:
    """`hook(db, client, config, address_changed)` runs after a card is created or edited."""
    _saved_hooks[name] = hook


def client_saved(db, client, config, address_changed: bool) -> None:
    for hook in _saved_hooks.values():
        hook(db, client, config, address_changed)
