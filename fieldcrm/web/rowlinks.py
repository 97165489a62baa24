"""Links of a list's rows built once per page: `url_for` runs the URL map's rules for every call (a
few dozen microseconds), so a page of 30 rows with two links each spent more time building links than
drawing rows. `list_url` (a template global) builds the link once per request, call site and fixed
values, with a placeholder for the one `*_id` value, then fills in each row's id by concatenation:

    <a href="{{ list_url('clients.detail', client_id=c.id) }}">
"""

from __future__ import annotations

from flask import Flask, g, url_for

PLACEHOLDER = 900000001  # the ids no row has in a test or a demo (one more for each id of a URL)


def list_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) for one row of a list (see the module's docstring): the `*_id`
    values change from row to row, the others are fixed for the call site. Without an `*_id` value,
    or when a placeholder shows up elsewhere in the URL, it is url_for."""
    try:
        cache = g._list_urls
    except AttributeError:
        cache = g._list_urls = {}
    key = (endpoint, *[k if k[-3:] == "_id" else (k, v) for k, v in values.items()])
    try:
        parts = cache[key]
    except KeyError:
        parts = cache[key] = _pattern(endpoint, values)
    if not parts:
        return url_for(endpoint, **values)
    pieces, names = parts
    if len(names) == 1:
        return f"{pieces[0]}{int(values[names[0]])}{pieces[1]}"
    out = [pieces[0]]
    for name, piece in zip(names, pieces[1:], strict=True):
        out += [str(int(values[name])), piece]
    return "".join(out)


def _pattern(endpoint: str, values: dict) -> tuple[list[str], list[str]] | None:
    """The URL cut around each id's placeholder: ([before, between…, after], [id names in order])."""
    marks = {k: str(PLACEHOLDER + i) for i, k in enumerate(k for k in values if k.endswith("_id"))}
    if not marks:
        return None
    url = url_for(endpoint, **{**values, **{k: int(m) for k, m in marks.items()}})
    if any(url.count(m) != 1 for m in marks.values()):
        return None
    pieces, names, last = [], [], 0
    for position, name in sorted((url.index(m), k) for k, m in marks.items()):
        pieces.append(url[last:position])
        names.append(name)
        last = position + len(marks[name])
    pieces.append(url[last:])
    return pieces, names


def init_app(app: Flask) -> None:
    app.add_template_global(list_url)
