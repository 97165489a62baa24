"""Print figures of fieldcrm's import graph: imports between capabilities, imports placed inside
functions, pairs of capabilities importing each other, and imports that point to a higher floor.

    python bench/import_graph.py [checkout]      (-v lists them)

The floors and the import reading are the layering test's (tests/test_layering.py), so the figures
and the test agree. "Capability" here is any top-level folder or module of fieldcrm/ (the kernel's
modules count as their own), as in the first measurement of the graph."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

root = Path(next((a for a in sys.argv[1:] if not a.startswith("-")), Path(__file__).resolve().parent.parent))
here = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("layering", here / "tests" / "test_layering.py")
layering = importlib.util.module_from_spec(spec)
spec.loader.exec_module(layering)
layering.ROOT, layering.PACKAGE = root, root / "fieldcrm"


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


edges, function_level, upward = Counter(), [], []
for module, targets in layering.all_imports().items():
    for target, in_function in targets:
        if in_function:
            function_level.append((module, target))
        if top(module) != top(target):
            edges[(top(module), top(target))] += 1
        if layering.floor_of(target) > layering.floor_of(module) and not (
                layering.is_routes(module) and target in layering.ROUTES_MAY_USE):
            upward.append((module, target))
pairs = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
capability_edges = {(layering.capability_of(m), layering.capability_of(t))
                    for m, targets in layering.all_imports().items() for t, _ in targets}
capability_edges = {(a, b) for a, b in capability_edges if a and b and a != b}
capability_pairs = sorted({tuple(sorted(e)) for e in capability_edges if (e[1], e[0]) in capability_edges})
print("imports between top-level folders/modules:", sum(edges.values()), "edges:", len(edges))
print("function-level imports of fieldcrm code:", len(function_level))
print("pairs importing each other:", len(pairs), pairs)
print("pairs of capabilities (floors 3-6) importing each other:", len(capability_pairs), capability_pairs)
print("imports pointing to a higher floor:", len(upward))
if "-v" in sys.argv:
    for module, target in function_level:
        print("  in a function:", module, "->", target)
    for module, target in upward:
        print("  upward:", module, "->", target)
