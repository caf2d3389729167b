"""Join paths between tables: which tables must come along so that the ones a question needs can be joined.

The graph is undirected (a many-to-one join can be walked either way to connect tables) and built from the
model's relationships, declared keys and overlay join paths alike. Used by schema linking.
"""

from __future__ import annotations

from collections import deque

from catalog_semantics.model import SemanticModel


def join_graph(model: SemanticModel) -> dict[str, set[str]]:
    """Undirected join graph over table names (a join works both ways for connectivity)."""
    canonical = {t.name.lower(): t.name for t in model.tables}
    graph: dict[str, set[str]] = {t.name: set() for t in model.tables}
    for r in model.relationships:
        a, b = canonical.get(r.from_table.lower()), canonical.get(r.to_table.lower())
        if a and b and a != b:
            graph[a].add(b)
            graph[b].add(a)
    return graph


def bridge_tables(graph: dict[str, set[str]], picked: list[str], cap: int = 4) -> list[str]:
    """Tables to add so the picked ones are joinable: those on the shortest join paths between each pair.

    Where several paths are equally short (a region reached through customers or through suppliers) the
    tables on all of them are added, up to ``cap`` per pair, so the prompt offers each reading: recall is
    what matters here. Past the cap (a dense graph) one shortest path is taken.

    >>> g = {"sales": {"customer", "supplier"}, "customer": {"sales", "nation"}, "supplier": {"sales", "nation"},
    ...      "nation": {"customer", "supplier", "region"}, "region": {"nation"}, "misc": set()}
    >>> bridge_tables(g, ["region", "sales", "misc"])
    ['customer', 'nation', 'supplier']
    """
    added: list[str] = []
    hops = {p: hops_from(graph, {p}) for p in picked}
    for i, a in enumerate(picked):
        for b in picked[i + 1:]:
            length = hops[a].get(b)
            if length is None or length < 2:
                continue
            on_paths = sorted(n for n, d in hops[a].items()
                              if 0 < d < length and hops[b].get(n, length + 1) + d == length)
            if len(on_paths) > cap:
                on_paths = _one_path(graph, hops[a], b)
            added += [n for n in on_paths if n not in picked and n not in added]
    return added


def hops_from(graph: dict[str, set[str]], sources: set[str]) -> dict[str, int]:
    """Join hops from the nearest of ``sources`` to every reachable table (breadth-first)."""
    dist = {s: 0 for s in sources}
    queue = deque(sorted(sources))
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph.get(node, ())):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def _one_path(graph: dict[str, set[str]], from_a: dict[str, int], b: str) -> list[str]:
    """The tables strictly between ``a`` (distance 0) and ``b`` on one shortest path, first names first."""
    path, node = [], b
    while from_a[node] > 1:
        node = min(n for n in graph[node] if from_a.get(n) == from_a[node] - 1)
        path.append(node)
    return path[::-1]
