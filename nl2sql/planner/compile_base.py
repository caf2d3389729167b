"""The compiler's state and the tables it joins: aliases, many-to-one join paths, columns and literals."""

from __future__ import annotations

import re
from datetime import date

from sqlglot import exp

from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.clarify import Ambiguity, path_qualifiers, path_through
from nl2sql.planner.joins import Ambiguous, Edge, JoinGraph, Path
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import iso_text_date
from nl2sql.planner.spec import ColRef, Condition, QuerySpec

# The joins that reach a table, one (src, dst, src_cols) per step: the key of the table's alias
PathKey = tuple[tuple[str, str, tuple[str, ...]], ...]


_CMP = {"=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}
_AGG = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "median": exp.Median}


class CompilerBase:
    def __init__(self, spec: QuerySpec, lex: Lexicon, graph: JoinGraph, dialect: str,
                 helpful: bool = True) -> None:
        self.helpful = helpful                  # also show ranking measures and the columns a list is filtered on
        self.spec = spec
        self.lex = lex
        self.graph = graph
        self.dialect = dialect
        self.aliases: dict[PathKey, str] = {(): spec.base}
        self.used_names: set[str] = {spec.base}
        self.joins: list[tuple[exp.Expr, exp.Expr]] = []
        self.joined_down = False                # a child table is joined (see _join_instead)

    # ---- tables and joins -----------------------------------------------------------------------
    def table_expr(self, table: str, alias: str) -> exp.Table:
        t = self.lex.tables[table].table
        node = exp.table_(t.name, db=t.schema, catalog=t.catalog, quoted=_needs_quotes(t.name))
        if alias != t.name:
            node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        return node

    def _new_alias(self, table: str) -> str:
        name, n = table, 2
        while name in self.used_names:
            name, n = f"{table}_{n}", n + 1
        self.used_names.add(name)
        return name

    def one_path(self, table: str, via: str | None = None) -> Path | None:
        """The join path from the base to ``table``; two equally short paths are a question back (``Ambiguity``,
        an ordinary decline or clarify naming the table), never an exception out of the compiler."""
        try:
            return self.graph.path(self.spec.base, table, via)
        except Ambiguous:
            spec = self.spec                 # the one path through a table the question names (clarify.path_through)
            named = {c.table for c in spec.conditions} | {m.table for m in spec.measures}
            through = path_through(self.graph, spec.base, table, named) if via is None else None
            if through is not None:
                return through
            raise Ambiguity(f"There is more than one way to relate {self.spec.base} to {table}; say which one you "
                            "mean.", (table,), target=table,
                            tables=path_qualifiers(self.graph, self.spec.base, table)) from None

    def path_to(self, table: str, via: str | None = None) -> Path:
        path = self.one_path(table, via)
        if path is None:
            raise NotUnderstood(f"I could not relate {table} to {self.spec.base}.", (table,))
        return path

    def alias_for(self, table: str, via: str | None = None) -> str:
        """Join the path up to ``table`` (many-to-one steps only) and return the table's alias."""
        path = self.path_to(table, via)
        key: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
        alias = self.spec.base
        for edge in path:
            if not edge.up:
                raise NotUnderstood("That would count some rows more than once.", (table,))
            key = key + ((edge.src, edge.dst, edge.src_cols),)
            if key not in self.aliases:
                new = self._new_alias(edge.dst)
                on = _join_on(edge, alias, new)
                self.joins.append((self.table_expr(edge.dst, new), on))
                self.aliases[key] = new
            alias = self.aliases[key]
        return alias

    def column(self, ref: ColRef, alias: str | None = None) -> exp.Expr:
        """A column of the query; one the overlay retyped (numbers stored as text) is read through a CAST, so
        it compares and adds up as its declared type, never alphabetically."""
        a = alias or self.alias_for(ref.table, ref.via)
        col = exp.column(ref.column, table=a, quoted=_needs_quotes(ref.column))
        declared = self.lex.tables[ref.table].table.column(ref.column) if ref.table in self.lex.tables else None
        if declared is not None and declared.stored_type is not None:
            return exp.Cast(this=col, to=exp.DataType.build(declared.type, dialect=self.dialect))
        if declared is not None and self.dialect != "sqlite" and iso_text_date(declared):
            return exp.Cast(this=col, to=exp.DataType.build("DATE"))    # SQLite compares ISO text as dates
        return col

    # ---- expressions ----------------------------------------------------------------------------
    def literal(self, ref: ColRef | None, value: object) -> exp.Expr:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if ref is not None and ref.column not in self.lex.tables[ref.table].numeric and \
                    ref.column not in self.lex.tables[ref.table].keys:
                text = str(int(value)) if value == int(value) else str(value)
                return exp.Literal.string(text)
            return exp.Literal.number(int(value) if value == int(value) else value)
        return exp.Literal.string(str(value))

    def date_literal(self, d: date) -> exp.Expr:
        text = exp.Literal.string(d.isoformat())
        if self.dialect in ("sqlite", "mysql"):
            return text
        return exp.cast(text, "DATE")

    def _grain(self, col: exp.Expr, grain: str | None) -> exp.Expr:
        if grain is None or grain == "day":
            return col
        if self.dialect == "sqlite":
            return _sqlite_grain(col, grain)
        if grain == "quarter" and self.dialect in ("postgres", "redshift"):
            return exp.Extract(this=exp.var("QUARTER"), expression=col)
        if grain == "year":
            return exp.Year(this=col)
        if grain == "quarter":
            return exp.Quarter(this=col)
        if grain == "quarter_start":
            return exp.DateTrunc(this=col, unit=exp.Literal.string("quarter"))
        if grain == "month_of_year":
            return exp.Month(this=col)
        return exp.DateTrunc(this=col, unit=exp.Literal.string(grain))

    def _inner_alias(self, c: Condition, base_alias: str) -> str:
        """Inside an EXISTS any direction is fine (it only asks whether a row exists)."""
        path = self.one_path(c.table, c.col.via if c.col and c.col.via != self.spec.base else None)
        if path is None:
            raise NotUnderstood(f"I could not relate {c.table}.", (c.text,))
        alias = base_alias
        key: PathKey = ()
        for edge in path:
            key = key + ((edge.src, edge.dst, edge.src_cols),)
            if key not in self.aliases:
                new = self._new_alias(edge.dst)
                self.joins.append((self.table_expr(edge.dst, new), _join_on(edge, alias, new)))
                self.aliases[key] = new
            alias = self.aliases[key]
        return alias


def _join_on(edge: Edge, left: str, right: str) -> exp.Expr:
    return exp.and_(*[
        exp.EQ(this=exp.column(sc, table=left, quoted=_needs_quotes(sc)),
               expression=exp.column(dc, table=right, quoted=_needs_quotes(dc)))
        for sc, dc in zip(edge.src_cols, edge.dst_cols)
    ])


def _needs_quotes(name: str) -> bool:
    return not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)


def _name(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "value"
    if base[0].isdigit():
        base = f"v_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _sqlite_grain(col: exp.Expr, grain: str) -> exp.Expr:
    """SQLite has no YEAR/MONTH/DATE_TRUNC: dates are ISO text, so STRFTIME cuts them."""
    def part(fmt: str) -> exp.Expr:
        return exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string(fmt), col.copy()])

    def number(fmt: str) -> exp.Expr:
        return exp.cast(part(fmt), "INTEGER")

    if grain == "year":
        return number("%Y")
    if grain == "month_of_year":
        return number("%m")
    if grain == "quarter_start":   # the quarter's first day: the month back to 1, 4, 7 or 10
        back = exp.Paren(this=exp.Sub(this=number("%m"), expression=exp.Literal.number(1)))
        months = exp.Paren(this=exp.Mod(this=back, expression=exp.Literal.number(3)))
        shift = exp.DPipe(this=exp.Literal.string("-"), expression=exp.DPipe(
            this=months, expression=exp.Literal.string(" months")))
        return exp.Anonymous(this="DATE", expressions=[col.copy(), exp.Literal.string("start of month"), shift])
    if grain == "quarter":
        return exp.IntDiv(this=exp.Paren(this=exp.Add(this=number("%m"), expression=exp.Literal.number(2))),
                          expression=exp.Literal.number(3))
    if grain == "month":
        return part("%Y-%m-01")
    if grain == "week":
        return exp.Anonymous(this="DATE", expressions=[col.copy(), exp.Literal.string("weekday 0"),
                                                       exp.Literal.string("-6 days")])
    raise NotUnderstood(f"Grouping by {grain.replace('_', ' ')} is not available on this database.", (grain,))
