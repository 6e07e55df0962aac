"""Fail when smsconsole's modules import each other in a circle.

import-linter's contracts bound imports between parts; this checks every internal import
(deferred and TYPE_CHECKING ones too) for a cycle anywhere, inside a part as well. Prints
the modules, the imports and each circle found (a strongly connected component).
"""

from __future__ import annotations

import sys

import grimp


def circles(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def main() -> int:
    graph = grimp.build_graph("smsconsole")
    modules = sorted(graph.modules)
    edges = {
        module: sorted(graph.find_modules_directly_imported_by(module) & graph.modules)
        for module in modules
    }
    found = circles(edges)
    imports = sum(len(targets) for targets in edges.values())
    print(f"{len(modules)} modules, {imports} internal imports, {len(found)} import circles")
    for component in found:
        print("  circle:", " ".join(component))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
