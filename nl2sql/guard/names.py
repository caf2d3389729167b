"""Names the guard compares: table references, the allowlist, CTE scoping and look-alike identifiers.

Table names are compared on normalised parts (catalog, schema, name). Dialects that fold identifiers
case-insensitively (DuckDB, SQLite, Databricks) fold every part; dialects where a quoted name keeps its
case (PostgreSQL, Snowflake) fold only unquoted parts, so ``"Orders"`` is not ``orders`` there.

Missing parts are filled from the policy's default catalog and schema on both sides, then compared
exactly: ``orders`` matches ``main.orders`` when ``main`` is the default schema, and ``other.orders`` never
matches a bare ``orders`` entry unless ``other`` is the default, or a table of the same name in another
schema would slip through.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from collections.abc import Iterable, Iterator

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect, NormalizationStrategy


@dataclass(frozen=True)
class TableName:
    name: str
    schema: str | None = None
    catalog: str | None = None

    def __str__(self) -> str:
        return ".".join(p for p in (self.catalog, self.schema, self.name) if p)


def case_insensitive(dialect: str) -> bool:
    return Dialect.get_or_raise(dialect).normalization_strategy is NormalizationStrategy.CASE_INSENSITIVE


def normalise_identifier(ident: exp.Identifier | str, dialect: str) -> str:
    """One identifier's comparison key: NFKC, then case-folded unless a quoted name keeps its case."""
    if isinstance(ident, str):
        return unicodedata.normalize("NFKC", ident).lower()
    name = unicodedata.normalize("NFKC", str(ident.this))
    if ident.quoted and not case_insensitive(dialect):
        return name
    return name.lower()


def table_name(table: exp.Table, dialect: str) -> TableName:
    def part(key: str) -> str | None:
        ident = table.args.get(key)
        return normalise_identifier(ident, dialect) if isinstance(ident, exp.Identifier) else None

    return TableName(name=normalise_identifier(table.this, dialect), schema=part("db"), catalog=part("catalog"))


def with_clause(node: exp.Expr) -> exp.With | None:
    found = node.args.get("with_") or node.args.get("with")
    return found if isinstance(found, exp.With) else None


def cte_key(cte: exp.CTE, dialect: str) -> str:
    """A CTE's name as the engine compares it: quoted ``"Secrets"`` keeps its case in PostgreSQL."""
    alias = cte.args.get("alias")
    ident = alias.this if isinstance(alias, exp.TableAlias) else None
    return normalise_identifier(ident if isinstance(ident, exp.Identifier) else cte.alias, dialect)


def is_cte_reference(table: exp.Table, dialect: str) -> bool:
    """Whether a bare table name refers to a CTE visible at that point (scope-aware, conservative).

    Inside a CTE's own body only the earlier CTEs of the same WITH are visible (and itself when the WITH is
    RECURSIVE): a name that is not visible there is a real table, and is checked against the allowlist.
    """
    if table.args.get("db") or table.args.get("catalog") or not isinstance(table.this, exp.Identifier):
        return False
    wanted = normalise_identifier(table.this, dialect)
    child: exp.Expr = table
    node = table.parent
    skip: exp.With | None = None
    while node is not None:
        if isinstance(node, exp.With) and isinstance(child, exp.CTE):
            ctes = list(node.expressions)
            index = next(i for i, c in enumerate(ctes) if c is child)
            visible = ctes[:index] + ([child] if _recursive_reference(table, child, node) else [])
            if any(cte_key(c, dialect) == wanted for c in visible):
                return True
            skip = node
        else:
            w = with_clause(node)
            if w is not None and w is not skip and child is not w:
                if any(cte_key(c, dialect) == wanted for c in w.expressions):
                    return True
        child, node = node, node.parent
    return False


def _recursive_reference(table: exp.Table, cte: exp.CTE, with_: exp.With) -> bool:
    """Whether a CTE's own name inside its body binds to the CTE itself.

    Only in a WITH RECURSIVE whose body is ``base UNION [ALL] step``, and only inside the recursive step.
    Anywhere else the engines differ (DuckDB binds ``WITH RECURSIVE x AS (SELECT * FROM x)`` to the *real*
    table ``x``; PostgreSQL and SQLite refuse it), so the name is treated as a real table and checked
    against the allowlist: if the engine reads the CTE instead, nothing outside the allowlist was read.
    """
    body = cte.this
    if not with_.args.get("recursive") or not isinstance(body, exp.Union):
        return False
    step = body.expression
    node: exp.Expr | None = table
    while node is not None and node is not body:
        if node is step:
            return True
        node = node.parent
    return False


def real_tables(tree: exp.Expr, dialect: str) -> Iterator[exp.Table]:
    """Table nodes that name a stored table or view (not CTEs, not table functions)."""
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and not is_cte_reference(table, dialect):
            yield table


# Catalogs of the engines themselves: never readable without being named on an allowlist.
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog", "system", "sys", "mysql", "performance_schema",
                            "temp", "pg_toast"})
# Spark reads files through "schemas" named after a format: csv.`/path`, delta.`/mnt/...`.
FILE_FORMAT_SCHEMAS = frozenset({"csv", "parquet", "json", "delta", "text", "binaryfile", "orc", "avro", "jdbc"})
SYSTEM_TABLE_PREFIXES = ("sqlite_", "duckdb_", "pg_", "pragma_")


def is_system_table(ref: TableName) -> bool:
    """Whether a name points into an engine's own catalog (information_schema.tables, sqlite_master, ...) or
    at a file or URL (DuckDB replacement scans, Spark format schemas).

    >>> is_system_table(TableName("tables", "information_schema")), is_system_table(TableName("x.csv"))
    (True, True)
    >>> is_system_table(TableName("orders", "main"))
    False
    """
    parts = {p for p in (ref.schema, ref.catalog) if p}
    return (bool(parts & (SYSTEM_SCHEMAS | FILE_FORMAT_SCHEMAS)) or ref.name.startswith(SYSTEM_TABLE_PREFIXES)
            or ref.name in SYSTEM_SCHEMAS or looks_like_path(ref.name))


class Allowlist:
    """Allowed table names, matched with the policy's default catalog and schema."""

    def __init__(self, entries: Iterable[str], dialect: str, *, default_catalog: str | None = None,
                 default_schema: str | None = None) -> None:
        self.dialect = dialect
        fold = case_insensitive(dialect)
        self.default_catalog = default_catalog.lower() if default_catalog and fold else default_catalog
        self.default_schema = default_schema.lower() if default_schema and fold else default_schema
        self.entries = tuple(self._fill(self._parse(e.lower() if fold else e)) for e in entries)

    @staticmethod
    def _parse(entry: str) -> TableName:
        parts = [unicodedata.normalize("NFKC", p) for p in entry.strip().split(".")]
        name, schema, catalog = (parts[::-1] + [None, None])[:3]
        return TableName(name=name or "", schema=schema, catalog=catalog)

    def _fill(self, t: TableName) -> TableName:
        schema = t.schema if t.schema is not None else self.default_schema
        catalog = t.catalog if t.catalog is not None else self.default_catalog
        return TableName(t.name, schema, catalog)

    def allows(self, ref: TableName) -> bool:
        if ref.schema is None and ref.catalog is not None:
            return False                                       # malformed; never guess
        r = self._fill(ref)
        for e in self.entries:
            if e.name == r.name and _part_ok(r.schema, e.schema) and _part_ok(r.catalog, e.catalog):
                return True
        return False


def _part_ok(ref_part: str | None, entry_part: str | None) -> bool:
    """Parts compare after both sides took the policy's defaults. A part the reference leaves out and no
    default fills is resolved by the engine's search path, which we cannot see: it then matches only an
    entry that leaves it out too (a bare allowlist name), never a qualified one that might be elsewhere."""
    return ref_part == entry_part


_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN"}


def lookalike_reason(name: str) -> str | None:
    """Why an identifier could impersonate another one, or None.

    >>> lookalike_reason("orders") is None, lookalike_reason("оrders"), lookalike_reason("ｏrders")
    (True, 'mixes letters from different alphabets', 'uses look-alike (full-width or compatibility) characters')
    """
    if name.isascii():
        return None
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn") for ch in name):
        return "contains invisible or control characters"
    if unicodedata.normalize("NFKC", name) != name:
        return "uses look-alike (full-width or compatibility) characters"
    scripts = {unicodedata.name(ch, "?").split(" ")[0] for ch in name if ch.isalpha()}
    if len(scripts & _LOOKALIKE_SCRIPTS) > 1:
        return "mixes letters from different alphabets"
    return None


def looks_like_path(name: str) -> bool:
    """A table 'name' that DuckDB or Spark would read as a file or URL (replacement scan)."""
    lowered = name.lower()
    return any(s in lowered for s in ("/", "\\", "://", "*", "?")) or lowered.rsplit(".", 1)[-1] in {
        "csv", "tsv", "parquet", "json", "jsonl", "ndjson", "txt", "gz", "zst", "xlsx", "db", "duckdb", "sqlite",
        "arrow", "avro", "orc",
    }

