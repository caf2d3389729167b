"""No import cycle among our modules: at import time, under type checking, or through imports inside functions.

The graph is read from the source with ``ast`` (nothing is imported): an edge A → B for every ``import`` /
``from … import`` in A that names a module B of ``nl2sql``, ``catalog_semantics`` or ``app``, whether at module
level, under ``if TYPE_CHECKING:`` or inside a function. A strongly connected component of more than one module
is a cycle. ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``. Importing
``pkg.sub.mod`` first runs ``pkg/__init__.py`` and ``pkg/sub/__init__.py``, so it is also an edge to those
packages (except the importer's own: a module runs inside its package's import already).
(A library such as grimp would also do this; the walk below is fifty lines and needs no dependency.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGES = ("nl2sql", "catalog_semantics", "app")


def module_files(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under the packages (``pkg/__init__.py`` is ``pkg``)."""
    out: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every dotted name ``module`` imports, anywhere in the file (module level, TYPE_CHECKING, functions)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:                                  # relative: from .x import y / from . import y
                here = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                yield f"{base}.{alias.name}"


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    modules = module_files(root, packages)

    def owner(name: str) -> str | None:                    # the longest prefix that is one of our modules
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def with_packages(importer: str, target: str) -> set[str]:
        """The target and the packages whose ``__init__`` importing it runs first (not the importer's own)."""
        parts = target.split(".")
        own = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 2)}
        return {target} | ({p for i in range(1, len(parts)) if (p := ".".join(parts[:i])) in modules} - own)

    return {m: {e for n in imported_names(m, p) if (t := owner(n)) for e in with_packages(m, t)} - {m}
            for m, p in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative).

    >>> cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
    return sorted(found)


def test_no_import_cycle_in_our_packages() -> None:
    graph = import_graph(REPO_ROOT)
    assert len(graph) > 100 and "nl2sql.pipeline" in graph        # the walk saw the real tree
    assert cycles(graph) == []


def test_the_walk_finds_a_type_only_cycle_and_one_through_a_function(tmp_path: Path) -> None:
    """The check can fail: a TYPE_CHECKING import back, and a relative import inside a function, are cycles."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import B\nclass A: ...\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\nclass B: ...\n")
    (package / "c.py").write_text("def f():\n    from . import d\n")
    (package / "d.py").write_text("from pkg import c\n")
    (package / "e.py").write_text("import pkg.a\n")                # imports into a cycle, is not part of one
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]


def test_the_walk_counts_a_package_init_as_imported_with_its_modules(tmp_path: Path) -> None:
    """``core`` imports a leaf of ``sub``, whose ``__init__`` imports ``api``, which imports ``core``: a cycle."""
    (tmp_path / "top" / "sub").mkdir(parents=True)
    (tmp_path / "top" / "__init__.py").write_text("")
    (tmp_path / "top" / "sub" / "__init__.py").write_text("from top.sub.api import run\n")
    (tmp_path / "top" / "sub" / "api.py").write_text("from top.core import work\ndef run(): ...\n")
    (tmp_path / "top" / "sub" / "leaf.py").write_text("import top.sub.other\n")    # runs top.sub's init: no edge
    (tmp_path / "top" / "sub" / "other.py").write_text("")
    (tmp_path / "top" / "core.py").write_text("def work():\n    from top.sub.leaf import api\n")
    assert cycles(import_graph(tmp_path, ("top",))) == [["top.core", "top.sub", "top.sub.api"]]
