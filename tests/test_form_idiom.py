"""One way to read what a person submits (fieldcrm/web/forms.py tells the idiom): a route builds a
WTForms form, or reads a one-value button with `posted()`; it never reads `request.form`,
`request.values`, `request.files` or the JSON body itself. This test reads every module of fieldcrm/
with `ast` (nothing is imported) and names each function that does, unless the allow-list below says
why it may — and an entry of the allow-list that no longer reads anything must go.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldcrm"
RAW_READERS = {"form", "values", "files", "json", "get_json"}

# (module path from the repository root, or a folder ending in "/"; function, or "*" for all of them)
# -> why it reads the request itself.
ALLOWED = {
    ("fieldcrm/web/forms.py", "submitted_formdata"): "the one reader every form and posted() go through",
    ("fieldcrm/web/boundary.py", "_refuse_nul_bytes"): "refuses NUL bytes in any request before a form reads it",
}


def _raw_reads(path: Path, module: str | None = None) -> set[tuple[str, str]]:
    """(module, function) for each read of the raw request in `path`; "<module>" outside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module or path.relative_to(ROOT).as_posix()
    found = set()

    def visit(node, function):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name if function == "<module>" else function
        if (isinstance(node, ast.Attribute) and node.attr in RAW_READERS
                and (isinstance(node.value, ast.Name) and node.value.id == "request"
                     or isinstance(node.value, ast.Attribute) and node.value.attr == "request")):
            found.add((module, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def _all_raw_reads() -> set[tuple[str, str]]:
    return {read for path in sorted(PACKAGE.rglob("*.py")) for read in _raw_reads(path)}


def _covers(key: tuple[str, str], module: str, function: str) -> bool:
    where, which = key
    return (module == where or where.endswith("/") and module.startswith(where)) and which in ("*", function)


def _allowed(module: str, function: str) -> bool:
    return any(_covers(key, module, function) for key in ALLOWED)


def test_routes_read_submissions_through_forms():
    unexplained = sorted(f"{module}: {function}()" for module, function in _all_raw_reads()
                         if not _allowed(module, function))
    assert not unexplained, ("These read request.form / values / files / the JSON body by hand; use a form "
                             "(fieldcrm/web/forms.py says how) or posted():\n" + "\n".join(unexplained))


def test_the_allow_list_is_short_and_current():
    reads = _all_raw_reads()
    stale = [key for key in ALLOWED if not any(_covers(key, module, function) for module, function in reads)]
    assert not stale, f"Allowed but no longer reading the request by hand, remove them: {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())
    assert len(ALLOWED) <= 5


def test_the_check_sees_a_hand_read(tmp_path):
    """The reader itself: a route reading request.form, flask.request.values or the JSON body is seen."""
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom flask import request\n\n"
                      "def save():\n    return request.form.get('x')\n\n"
                      "def other():\n    def inner():\n        return flask.request.values\n    return inner\n\n"
                      "def api():\n    return request.get_json()\n\n"
                      "def fine():\n    return request.args.get('page')\n", encoding="utf-8")
    assert {function for _module, function in _raw_reads(sample, "sample.py")} == {"save", "other", "api"}
