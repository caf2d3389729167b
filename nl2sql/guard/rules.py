"""The guard's rules: small functions ``(tree, policy) -> Iterable[Issue]`` over the sqlglot AST.

Each rule looks at one concern and says, in a sentence a business user can read, what it refused.
``GUARD_RULES`` (in ``nl2sql.guard``) is the ordered tuple; tests shrink or extend it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from collections.abc import Callable, Iterable, Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.allowlist import function_allowed
from nl2sql.guard.resources_fold import series_count
from nl2sql.guard.functions import SERIES_FUNCTIONS, function_names, is_forbidden
from nl2sql.guard.names import Allowlist, is_system_table, lookalike_reason, looks_like_path, real_tables, table_name

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

GuardRule = Callable[["exp.Expr", "GuardPolicy"], Iterable[Issue]]


def _classes(*names: str) -> tuple[type[exp.Expr], ...]:
    """sqlglot classes by name, skipping any a given sqlglot version lacks."""
    return tuple(c for c in (getattr(exp, n, None) for n in names) if isinstance(c, type))


# Statements and clauses that write, change the session, reach other databases or describe the engine.
# ``exp.DML``/``exp.DDL`` cover INSERT, UPDATE, DELETE, MERGE, COPY, CREATE; the rest are listed by name.
WRITE_OR_SESSION_NODES: tuple[type[exp.Expr], ...] = (exp.DML, exp.DDL) + _classes(
    "Insert", "Update", "Delete", "Merge", "Copy", "Create", "Drop", "Alter", "AlterRename", "TruncateTable",
    "Into", "Pragma", "Set", "SetItem", "Use", "Attach", "Detach", "Export", "Install", "LoadData",
    "Grant", "Revoke", "Commit", "Rollback", "Transaction", "Declare", "Execute", "ExecuteSql", "Analyze",
    "Comment", "Lock", "LockingStatement", "Cache", "Uncache", "Refresh", "Kill", "Describe", "Show",
    "Summarize", "Block", "IfBlock", "WhileBlock", "LoopBlock", "RepeatBlock", "UserDefinedFunction",
    "MultitableInserts", "ConditionalInsert", "Command",
)


def _kind(node: exp.Expr) -> str:
    return node.key.replace("_", " ").upper()


def no_command(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """sqlglot falls back to ``exp.Command`` (raw text) for syntax it does not know: never run raw text."""
    for node in tree.find_all(exp.Command):
        word = str(node.this or "").split(" ")[0].upper()[:40]
        yield Issue("unsupported_command", f"The statement '{word}' is not a question about data.", word)


def query_root(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """The statement itself must be a query: SELECT, a set operation, WITH ... SELECT, or one in parentheses."""
    root = tree
    while isinstance(root, exp.Subquery) and not root.alias:
        root = root.this
    if isinstance(root, (exp.Select, exp.SetOperation)) or isinstance(root, exp.Command):
        return
    if is_pivot_statement(root) or isinstance(root, exp.Values):
        return                                                 # PIVOT/UNPIVOT statement, VALUES (...): read only
    yield Issue("not_read_only", f"Only a single read-only SELECT query can be run; this is a {_kind(root)} statement.",
                _kind(root))


def is_pivot_statement(node: exp.Expr) -> bool:
    """``PIVOT t ON ...`` / ``UNPIVOT t ON ... INTO NAME k VALUE v`` as a statement (DuckDB): a query."""
    return isinstance(node, exp.Pivot) and isinstance(node.this, (exp.Table, exp.Subquery))


def read_only(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """No write, DDL, session or engine statement anywhere: not in a CTE, a subquery or a SELECT ... INTO."""
    for node in tree.walk():
        if isinstance(node, WRITE_OR_SESSION_NODES) and not isinstance(node, exp.Command):
            kind = "SELECT ... INTO" if isinstance(node, exp.Into) else _kind(node)
            yield Issue("not_read_only", f"The query contains a {kind} part; only reading data is allowed.", kind)


def allowed_tables(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Every table is on the allowlist; files, URLs and table functions are not tables.

    Messages repeat only what the user typed, never the names of other tables.
    """
    dialects = tuple(dict.fromkeys(d for d in (policy.dialect, policy.output_dialect) if d))
    allow = Allowlist(policy.allowed_tables or (), policy.dialect, default_catalog=policy.default_catalog,
                      default_schema=policy.default_schema)
    for table in real_tables(tree, policy.dialect):
        ref = table_name(table, policy.dialect)
        if allow.allows(ref) or (policy.allow_any_table and not is_system_table(ref)):
            continue
        typed = table.sql(dialect=policy.dialect, comments=False).split(" AS ")[0][:120]
        if looks_like_path(ref.name):
            yield Issue("table_not_allowed", f"Reading files or web addresses ({typed}) is not allowed.", typed)
        else:
            yield Issue("table_not_allowed", f"The table {typed} is not available to you.", typed)
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) or (table.this is None and table.args.get("rows_from")):
            continue                                           # ROWS FROM (f(), g()): each f checked as a table
        names = function_names(table.this) if isinstance(table.this, exp.Func) else frozenset()
        qualified = bool(table.args.get("db") or table.args.get("catalog"))      # main.f(): maybe a macro
        if any(is_forbidden(n) for n in names) or (
                isinstance(table.this, exp.Func) and not qualified and function_allowed(table.this, dialects)):
            continue                                           # allowed, or refused by forbidden_functions
        typed = (table.this or table).sql(dialect=policy.dialect, comments=False)[:80]
        yield Issue("table_not_allowed", f"Only the available tables can be read, not {typed}.", typed)


def forbidden_functions(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """No function that reads files or URLs, the environment, settings, secrets or runs SQL from a string."""
    for node in tree.find_all(exp.Func):
        bad = sorted(n for n in function_names(node) if is_forbidden(n))
        if bad:
            yield Issue("forbidden_function", f"The function {bad[0]}() is not allowed in questions about data.",
                        bad[0])


def series_size(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Generated series with constant bounds stay under ``policy.max_generated_rows`` rows."""
    for node in tree.find_all(exp.Func):
        if not (isinstance(node, exp.GenerateSeries) or function_names(node) & SERIES_FUNCTIONS):
            continue
        start, end, step = _bounds(node)
        if start is None or end is None:
            count = _moment_count(node)                        # a date/timestamp spine with an interval step
            if count is None:
                continue                                       # not constant: the warehouse timeout bounds it
        else:
            count = abs(end - start) / max(abs(step or 1.0), 1e-9)
        if count > policy.max_generated_rows:
            yield Issue("too_complex", f"The query would generate about {count:,.0f} rows; the limit is "
                        f"{policy.max_generated_rows:,}.", f"{count:.0f}")


def _moment_count(node: exp.Func) -> float | None:
    """Rows of a series between two constant dates or timestamps (round three: ``generate_series(TIMESTAMP
    '2000-01-01', TIMESTAMP '3000-01-01', INTERVAL 1 SECOND)`` is 3e10 rows though no bound is a number)."""
    if isinstance(node, exp.GenerateSeries):
        start, end, step = node.args.get("start"), node.args.get("end"), node.args.get("step")
    else:
        args = list(node.expressions) + [None, None, None]
        start, end, step = args[:3]
    return series_count(start, end, step) if start is not None and end is not None else None


def _bounds(node: exp.Func) -> tuple[float | None, float | None, float | None]:
    """(start, end, step) of a series call: sqlglot's GenerateSeries, or positional arguments when a dialect
    leaves ``range(n)`` / ``range(a, b, s)`` anonymous (Spark)."""
    if isinstance(node, exp.GenerateSeries):
        return _number(node.args.get("start")), _number(node.args.get("end")), _number(node.args.get("step"))
    args = [_number(a) for a in node.expressions]
    if len(args) == 1:
        return 0.0, args[0], None
    if len(args) in (2, 3):
        return args[0], args[1], args[2] if len(args) == 3 else None
    return None, None, None


_ARITH: dict[type[exp.Expr], Callable[[float, float], float]] = {exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b,
          exp.Pow: lambda a, b: a ** min(b, 64.0)}


def _number(node: exp.Expr | None) -> float | None:
    """Fold a constant numeric expression (literals, + - * ^, casts, parentheses); None if not constant."""
    if node is None:
        return None
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    if isinstance(node, (exp.Paren, exp.Cast, exp.TryCast)):
        return _number(node.this)
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return None if inner is None else -inner
    for cls, op in _ARITH.items():
        if isinstance(node, cls):
            a, b = _number(node.this), _number(node.expression)
            try:
                return None if a is None or b is None else float(op(a, b))
            except (OverflowError, ValueError):
                return float("inf")
    return None


def lookalike_identifiers(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """Names that imitate other names (Cyrillic 'о' for 'o', full-width letters, invisible characters)."""
    allowed = {a.lower() for a in policy.allowed_tables or ()}
    seen: set[str] = set()
    names = [str(i.this) for i in tree.find_all(exp.Identifier)]
    names += [str(f.name) for f in tree.find_all(exp.Anonymous)]
    for name in names:
        reason = lookalike_reason(name)
        if reason and name not in seen and name.lower() not in allowed:
            seen.add(name)
            yield Issue("confusable_identifier", f"The name '{name}' {reason}.", name)


# Spark-family engines (Databricks SQL, Spark, Hive) substitute ${env:X}, ${system:X}, ${hiveconf:X} and
# ${spark.conf} in the raw statement text before parsing, even inside string literals: a read of the
# environment hidden in plain sight.
SUBSTITUTING_DIALECTS = frozenset({"databricks", "spark", "spark2", "hive"})


def substitutes_variables(dialect: str | None) -> bool:
    return (dialect or "").lower() in SUBSTITUTING_DIALECTS


def no_variable_substitution(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """No ``${...}`` anywhere in a query for an engine that would substitute it."""
    if not (substitutes_variables(policy.dialect) or substitutes_variables(policy.output_dialect)):
        return
    for node in tree.walk():
        if isinstance(node, exp.Parameter) or any(isinstance(v, str) and "${" in v for v in node.args.values()):
            yield Issue("variable_substitution",
                        "Text of the form ${...} is not allowed: the engine would replace it with a setting.",
                        node.sql(dialect=policy.dialect)[:80])
            return
