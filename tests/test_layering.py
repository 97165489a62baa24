"""The map of who may import whom in fieldcrm/ (ARCHITECTURE.md tells the story; this test keeps it true).

Every module sits on a floor. A module imports from its own folder or from lower floors, never upward;
two capabilities on the same floor may use each other one way only (no cycle). Each import of
fieldcrm code sits at the top of its module: an import tucked inside a function is how a cycle hides.
A capability's routes talk to queries and services, never to another capability's routes.

The imports are read with `ast` (nothing is imported): both module-level and function-level ones,
leaving out those under `if TYPE_CHECKING:` (annotations only).
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldcrm"

# The floors, lowest first. A key is a module or a folder (its prefix); the longest matching key wins.
FLOORS: dict[str, int] = {
    # 1. kernel: settings, database, the one clock, pure helpers, the job queue, web plumbing
    "fieldcrm.config": 1, "fieldcrm.db": 1, "fieldcrm.dbfaults": 1, "fieldcrm.timeutil": 1,
    "fieldcrm.extensions": 1, "fieldcrm.csrf_masking": 1, "fieldcrm.extras": 1, "fieldcrm.fieldrules": 1, "fieldcrm.paths": 1,
    "fieldcrm.migrate": 1, "fieldcrm.jobs": 1, "fieldcrm.paging": 1, "fieldcrm.geo": 1, "fieldcrm.web": 1,
    "fieldcrm.audit": 1,  # the audit trail table every capability writes to (knows no client model)
    "fieldcrm.workdays": 1,  # working days and French public holidays (pure)
    "fieldcrm.outbox": 1,  # actions a phone queued, done once per action id (knows no capability)
    # 2. the actor's reach: visible owners, scope_owned, require_*, the NotVisible error
    "fieldcrm.access": 2,
    # the request-wide error answers: NotVisible becomes the same 404 as a missing page
    "fieldcrm.web.errors": 2, "fieldcrm.web.unavailable": 2, "fieldcrm.web.migration_guard": 2,
    # 3. users, teams, sessions
    "fieldcrm.accounts": 3,
    # 4. the client card, its contacts and custom fields, the list (and the hooks built on it plug into)
    "fieldcrm.clients": 4, "fieldcrm.customfields": 4,
    # 5. capabilities on the client file
    "fieldcrm.visits": 5, "fieldcrm.followups": 5, "fieldcrm.sales": 5, "fieldcrm.segments": 5,
    "fieldcrm.dedupe": 5, "fieldcrm.maps": 5,
    # 6. capabilities combining several
    "fieldcrm.agenda": 6, "fieldcrm.tours": 6, "fieldcrm.imports": 6, "fieldcrm.exports": 6,
    "fieldcrm.analyses": 6, "fieldcrm.privacy": 6, "fieldcrm.handover": 6,
    "fieldcrm.offline": 6,  # the day a phone keeps: agenda and tours -> offline
    # The routes' load-and-check decorators: they call the queries of the capabilities whose records
    # come by id, so they sit high; only routes modules use them (see ROUTES_MAY_USE).
    "fieldcrm.web.guards": 6,
    # 7. wiring: the app factory, the command line, the worker entry point, demo data, all models for Alembic
    "fieldcrm": 7, "fieldcrm.cli": 7, "fieldcrm.worker": 7, "fieldcrm.demo": 7, "fieldcrm.models": 7,
}
ROUTES_MAY_USE = {"fieldcrm.web.guards"}  # a routes module sits at the top of its capability

# Imports inside a function that are allowed: none. An import hidden in a function to dodge a cycle means
# an arrow points the wrong way; offer a hook on the lower floor instead (see ARCHITECTURE.md).
FUNCTION_LEVEL_ALLOWED: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def floor_of(module: str) -> int:
    key = max((k for k in FLOORS if module == k or module.startswith(k + ".")), key=len)
    return FLOORS[key]


# Folders that are part of another capability: the custom fields are part of the client card (their
# services use the card's models; the card's form and page use their services).
PART_OF = {"customfields": "clients"}


def capability_of(module: str) -> str | None:
    """The capability folder of a module (clients, tours…), None for the kernel, access and wiring."""
    parts = module.split(".")
    if len(parts) > 2 and floor_of(module) in (3, 4, 5, 6) and parts[1] != "web":
        return PART_OF.get(parts[1], parts[1])
    return None


def _under_type_checking(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _in_function(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
    return False


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported fieldcrm module, imported inside a function?) for each import in the file."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            # `from fieldcrm.clients import queries` imports the module fieldcrm.clients.queries
            targets = [f"{base}.{a.name}" if (PACKAGE.parent / f"{base}.{a.name}".replace(".", "/")).exists()
                       or (PACKAGE.parent / (f"{base}.{a.name}".replace(".", "/") + ".py")).exists()
                       else base for a in node.names]
        else:
            continue
        if _under_type_checking(node, parents):
            continue
        found += [(t, _in_function(node, parents)) for t in targets if t == "fieldcrm" or t.startswith("fieldcrm.")]
    return found


def is_routes(module: str) -> bool:
    """A routes module: `routes`, or one of a capability's several (`day_routes`, `correction_routes`…)."""
    last = module.rsplit(".", 1)[-1]
    return last == "routes" or last.endswith("_routes")


@functools.cache
def all_imports() -> dict[str, list[tuple[str, bool]]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_no_module_imports_a_higher_floor():
    wrong = []
    for module, targets in all_imports().items():
        for target, _in_fn in targets:
            if is_routes(module) and target in ROUTES_MAY_USE:
                continue
            if floor_of(target) > floor_of(module):
                wrong.append(f"{module} (floor {floor_of(module)}) imports {target} (floor {floor_of(target)})")
    assert not wrong, "A lower floor imports a higher one:\n  " + "\n  ".join(sorted(set(wrong)))


def test_fieldcrm_imports_sit_at_module_level():
    wrong = [f"{module} imports {target} inside a function"
             for module, targets in all_imports().items() for target, in_fn in targets
             if in_fn and (module, target) not in FUNCTION_LEVEL_ALLOWED]
    assert not wrong, ("An import inside a function hides a cycle; make the arrow point down (a hook the "
                       "lower floor offers) instead:\n  " + "\n  ".join(sorted(set(wrong))))


def test_routes_never_import_another_capabilitys_routes():
    wrong = [f"{module} imports {target}" for module, targets in all_imports().items()
             if is_routes(module) for target, _ in targets
             if is_routes(target) and capability_of(target) != capability_of(module)]
    assert not wrong, ("Routes talk to queries and services; move the shared helper to web/ or to the "
                       "owning capability's pure module:\n  " + "\n  ".join(sorted(set(wrong))))


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_capabilities_depend_on_each_other_without_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in all_imports().items():
        here = capability_of(module)
        for target, _ in targets:
            there = capability_of(target)
            if here and there and here != there:
                graph[here].add(there)
    cycle = _cycle(graph)
    assert cycle is None, "Capabilities import each other in a circle: " + " -> ".join(cycle)


def test_the_map_knows_every_module():
    """A new top-level module or folder needs a floor (the fallback would put it with the wiring)."""
    top = {m.split(".")[1] for m in all_imports() if m.count(".") >= 1}
    unknown = sorted(t for t in top if not any(k.split(".")[1:2] == [t] for k in FLOORS if "." in k))
    assert not unknown, f"Give these a floor in FLOORS: {unknown}"


def test_task_modules_are_loaded_by_the_wiring_only():
    """Services and routes enqueue a job by name (jobs.enqueue); only create_app loads the task modules."""
    wrong = [f"{module} imports {target}" for module, targets in all_imports().items() for target, _ in targets
             if target.endswith(".tasks") and floor_of(module) != 7]
    assert not wrong, "Enqueue by name instead:\n  " + "\n  ".join(sorted(set(wrong)))
