"""Join paths over the model's relationships: shortest paths, with the many-to-one direction noted.

A step "up" follows a relationship from the many side to the one side (line item -> order) and never
multiplies rows; a step "down" does, so the compiler turns anything reached downwards into an EXISTS
instead of a join. Two different shortest paths to the same table are an ambiguity the caller reports.
"""

from __future__ import annotations

import weakref
from collections import deque
from dataclasses import dataclass, field

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import words
from nl2sql.planner.joins_roles import qualified_roles, root as _root, secondary_roles


@dataclass(frozen=True)
class Edge:
    src: str                        # lower-case table names
    dst: str
    src_cols: tuple[str, ...]
    dst_cols: tuple[str, ...]
    up: bool                        # many-to-one from src to dst


Path = tuple[Edge, ...]


class Ambiguous(Exception):
    """More than one shortest path leads to the table; the question must say which."""


@dataclass(frozen=True)
class JoinGraph:
    edges: dict[str, tuple[Edge, ...]]
    usage: dict[frozenset[str], int]      # how many verified queries join these two tables
    # foreign keys that have a sibling to the same table which the overlay names after that table (rnt.rtn_brn_id
    # beside rnt.pu_brn_id, whose synonyms say "branch"): (child, parent, child columns), lower case
    secondary: frozenset[tuple[str, str, tuple[str, ...]]] = frozenset()
    # foreign keys named with a role before the parent's key (patient.home_clinic_id -> clinic.clinic_id): of
    # equally short paths, one through plain keys only (appt.clinic_id) is what the parent's name alone means
    qualified: frozenset[tuple[str, str, tuple[str, ...]]] = frozenset()
    # foreign keys whose columns may be NULL while a sibling path's are all NOT NULL (tmsht.inv_id: "NULL until
    # invoiced"): a shortest path through one loses the rows not linked yet; see ``_linked_always``
    optional: frozenset[tuple[str, str, tuple[str, ...]]] = frozenset()
    cache: dict[tuple[str, str, str | None], Path | None | Ambiguous] = field(
        default_factory=dict, compare=False, repr=False)   # paths found so far (the graph never changes)

    def path(self, start: str, target: str, via: str | None = None) -> Path | None:
        """The unique shortest path from ``start`` to ``target`` (through ``via`` when given).

        Among paths of equal length the one with fewer downward steps wins; a remaining tie raises
        ``Ambiguous``. ``None`` when the tables are not connected.
        """
        key = (start, target, via)
        if key in self.cache:
            found = self.cache[key]
            if isinstance(found, Ambiguous):
                raise found
            return found
        try:
            result = self._path(start, target, via)
        except Ambiguous as e:
            self.cache[key] = e
            raise
        self.cache[key] = result
        return result

    def parent_of(self, table: str, column: str) -> str | None:
        """The table a foreign key column of ``table`` points to (many-to-one), else None."""
        return next((e.dst for e in self.edges.get(table, ()) if e.up and e.src_cols == (column,)), None)

    def _path(self, start: str, target: str, via: str | None) -> Path | None:
        if via and via not in (start, target):
            first = self.path(start, via)
            second = self.path(via, target)
            if first is None or second is None:
                return None
            return first + second
        try:
            shortest = self._shortest(start, target)
        except Ambiguous:
            # equally short paths: the one of keys never NULL, else the one the verified queries walk (if exactly one)
            if (always := self._linked_always(start, target, self._length(start, target))) is not None:
                return always
            if not self.usage or (used := self._most_used(start, target, self._length(start, target))) is None:
                raise
            return used
        if shortest is not None and all(e.up for e in shortest) and any(role_of(e) in self.optional for e in shortest) \
                and (always := self._linked_always(start, target, len(shortest))) is not None:
            return always
        if shortest is None or not self.usage:
            return shortest
        return self._most_used(start, target, len(shortest)) or shortest

    def _linked_always(self, start: str, target: str, shortest: int) -> Path | None:
        """'hours billed by client': timesheets reach clients through their invoice (a key NULL until invoiced) and
        through their assignment's job order (keys never NULL). An all-up path of keys never NULL, at most two steps
        longer, is the rows' own link: every row reaches the target by it; the optional one would drop rows."""
        if not self.optional:
            return None
        found: list[Path] = []
        frontier: deque[tuple[str, Path]] = deque([(start, ())])
        while frontier:
            node, path = frontier.popleft()
            for e in self.edges.get(node, ()):
                if not e.up or role_of(e) in self.optional or any(x.src == e.dst for x in path) or e.dst == start:
                    continue
                if e.dst == target:
                    found.append(path + (e,))
                elif len(path) + 1 < shortest + 2:
                    frontier.append((e.dst, path + (e,)))
        return found[0] if len(found) == 1 else None

    def _length(self, start: str, target: str) -> int:
        hops = {start: 0}
        frontier = deque([start])
        while frontier:
            node = frontier.popleft()
            for edge in self.edges.get(node, ()):
                if edge.dst not in hops:
                    hops[edge.dst] = hops[node] + 1
                    frontier.append(edge.dst)
        return hops.get(target, 0)

    def _most_used(self, start: str, target: str, shortest: int) -> Path | None:
        """Where verified queries show how the data team joins (a customer's region rather than a
        supplier's), prefer that path among the short ones."""
        scored: list[tuple[float, Path]] = []
        stack: list[tuple[str, Path]] = [(start, ())]
        while stack:
            node, path = stack.pop()
            for edge in self.edges.get(node, ()):
                if not edge.up or edge.dst == start or any(e.src == edge.dst for e in path):
                    continue
                new = path + (edge,)
                if edge.dst == target:
                    if all(self.usage.get(frozenset((e.src, e.dst)), 0) for e in new):
                        mean = sum(self.usage[frozenset((e.src, e.dst))] for e in new) / len(new)
                        scored.append((mean, new))
                elif len(new) < shortest + 2:
                    stack.append((edge.dst, new))
        if not scored:
            return None
        scored.sort(key=lambda sp: (-sp[0], len(sp[1])))
        if len(scored) > 1 and scored[1][0] == scored[0][0] and len(scored[1][1]) == len(scored[0][1]):
            return None
        return scored[0][1]

    def _shortest(self, start: str, target: str) -> Path | None:
        if start == target:
            return ()
        best: list[Path] = []
        frontier: deque[tuple[str, Path]] = deque([(start, ())])
        seen_depth: dict[str, int] = {start: 0}
        limit: int | None = None
        while frontier:
            node, path = frontier.popleft()
            if limit is not None and len(path) >= limit:
                break
            for edge in self.edges.get(node, ()):
                nxt = edge.dst
                if any(e.src == nxt for e in path) or nxt == start:
                    continue
                new = path + (edge,)
                if nxt == target:
                    best.append(new)
                    limit = len(new)
                    continue
                if seen_depth.get(nxt, len(new)) < len(new):
                    continue
                seen_depth[nxt] = len(new)
                frontier.append((nxt, new))
        if not best:
            return None
        fewest_down = min(sum(not e.up for e in p) for p in best)
        best = [p for p in best if sum(not e.up for e in p) == fewest_down]
        distinct = {tuple((e.src, e.dst, e.src_cols, e.dst_cols) for e in p) for p in best}
        if len(distinct) > 1 and self.secondary:
            # a role the overlay names after the table it points at is that table's default role
            primary = [p for p in best if not any(role_of(e) in self.secondary for e in p)]
            if primary and len({tuple((e.src, e.dst, e.src_cols) for e in p) for p in primary}) == 1:
                return primary[0]
        plain = [p for p in best if not any(role_of(e) in self.qualified for e in p)]
        if len(distinct) > 1 and plain and len({tuple((e.src, e.dst, e.src_cols) for e in p) for p in plain}) == 1:
            return plain[0]
        if len(distinct) > 1:
            owner = _owner_link(best)
            if owner is None:
                raise Ambiguous(target)
            return owner
        return best[0]


_CACHE: weakref.WeakKeyDictionary[SemanticModel, JoinGraph] = weakref.WeakKeyDictionary()


def join_graph(model: SemanticModel) -> JoinGraph:
    try:
        return _CACHE[model]
    except (KeyError, TypeError):
        pass
    edges: dict[str, list[Edge]] = {}
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for r in model.relationships:
        src, dst = r.from_table.lower(), r.to_table.lower()
        key = (src, dst, tuple(c.lower() for c in r.from_columns))
        if key in seen or src == dst:
            continue
        seen.add(key)
        up = Edge(src, dst, tuple(r.from_columns), tuple(r.to_columns), True)
        down = Edge(dst, src, tuple(r.to_columns), tuple(r.from_columns), False)
        edges.setdefault(src, []).append(up)
        edges.setdefault(dst, []).append(down)
    graph = JoinGraph({k: tuple(v) for k, v in edges.items()}, _verified_usage(model), secondary_roles(model),
                      qualified_roles(model), _optional_keys(model))
    try:
        _CACHE[model] = graph
    except TypeError:
        pass
    return graph


def role_of(e: Edge) -> tuple[str, str, tuple[str, ...]]:
    """The relationship an edge walks, as (child, parent, child columns), whichever way it is walked."""
    return (e.src, e.dst, tuple(c.lower() for c in e.src_cols)) if e.up \
        else (e.dst, e.src, tuple(c.lower() for c in e.dst_cols))


def _owner_link(paths: list[Path]) -> Path | None:
    """friend(student_id, friend_id) -> highschooler twice: the key named after the table itself
    (friend_id, liked_id in likes) points at the other party; the remaining one is whose row it is."""
    if any(len(p) != 1 for p in paths):
        return None
    owners = []
    for (e,) in paths:
        child, cols = (e.src, e.src_cols) if e.up else (e.dst, e.dst_cols)
        table_stems = {_root(w) for w in words(child)}
        col_stems = {_root(w) for c in cols for w in words(c)} - {"id", "key", "code"}
        if not col_stems & table_stems:
            owners.append((e,))
    return owners[0] if len(owners) == 1 else None


def all_up(path: Path) -> bool:
    return all(e.up for e in path)


def up_from(graph: JoinGraph, start: str, target: str, via: str | None = None) -> bool:
    """Whether each row of ``start`` belongs to one row of ``target`` (a path of many-to-one steps)."""
    try:
        path = graph.path(start, target, via)
    except Ambiguous:
        return False
    return path is not None and len(path) > 0 and all_up(path)


def _verified_usage(model: SemanticModel) -> dict[frozenset[str], int]:
    """Pairs of tables joined together in verified queries, counted once per query."""
    import sqlglot
    from sqlglot import exp

    usage: dict[frozenset[str], int] = {}
    for vq in model.verified_queries:
        try:
            tree = sqlglot.parse_one(vq.sql, read=model.dialect)
        except sqlglot.errors.SqlglotError:  # a verified query we cannot read teaches nothing
            continue
        aliases = {(t.alias_or_name or "").lower(): t.name.lower() for t in tree.find_all(exp.Table)}
        pairs: set[frozenset[str]] = set()
        for eq in tree.find_all(exp.EQ):
            left, right = eq.left, eq.right
            if isinstance(left, exp.Column) and isinstance(right, exp.Column) and left.table and right.table:
                a, b = aliases.get(left.table.lower()), aliases.get(right.table.lower())
                if a and b and a != b:
                    pairs.add(frozenset((a, b)))
        for pair in pairs:
            usage[pair] = usage.get(pair, 0) + 1
    return usage


def _optional_keys(model: SemanticModel) -> frozenset[tuple[str, str, tuple[str, ...]]]:
    """(child, parent, child columns) of foreign keys with a column the catalog says may be NULL, in a model that
    declares some foreign key NOT NULL (a model that declares none says nothing about either)."""
    columns = {(t.name.lower(), c.name.lower()): c for t in model.tables for c in t.columns}
    keys = [(r.from_table.lower(), r.to_table.lower(), tuple(c.lower() for c in r.from_columns))
            for r in model.relationships]
    nullable = {k for k in keys if any((c := columns.get((k[0], n))) is None or c.nullable for n in k[2])}
    return frozenset(nullable) if nullable and len(nullable) < len(keys) else frozenset()
