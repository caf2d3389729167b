"""Generate the guard's function allowlists (nl2sql/guard/allow/<dialect>.yaml) from each engine's catalogue.

Run once per engine upgrade, then review the diff (docs/security.md, "Function allowlists"):

    python scripts/guard_allowlists.py duckdb sqlite
    python scripts/guard_allowlists.py postgres --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    python scripts/guard_allowlists.py databricks          # starts a local SparkSession (Java 17, pyspark)

Each engine lists its own built-in functions (DuckDB ``duckdb_functions()``, SQLite ``pragma function_list``,
PostgreSQL ``pg_proc`` in ``pg_catalog``, Spark's function registry); the review in
nl2sql/guard/allow/review.yaml then drops every function that takes SQL text, object names, paths or
settings, reads catalogs or engine state, or writes anything. Table functions are not taken from the
catalogue at all: only the reviewed ``table_functions`` names are allowed in FROM/JOIN/LATERAL.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nl2sql.guard.functions import is_forbidden

OUT = Path(__file__).resolve().parent.parent / "nl2sql" / "guard" / "allow"
REVIEW = yaml.safe_load((OUT / "review.yaml").read_text(encoding="utf-8"))
Kinds = dict[str, set[str]]


def refused(name: str) -> str | None:
    """The review's reason for refusing a function name, or None when no rule refuses it."""
    for pattern, reason in REVIEW["refuse_patterns"].items():
        if re.search(pattern, name):
            return reason
    if is_forbidden(name):
        return "on the guard's denylist (nl2sql/guard/functions.py) for some engine"
    return None


def duckdb_catalogue() -> tuple[str, Kinds]:
    import duckdb

    con = duckdb.connect()
    kinds: Kinds = {"scalar": set(), "aggregate": set(), "window": set()}
    rows = con.sql("SELECT DISTINCT function_name, function_type FROM duckdb_functions() "
                   "WHERE database_name = 'system'").fetchall()
    for name, kind in rows:
        bucket = {"scalar": "scalar", "macro": "scalar", "aggregate": "aggregate", "window": "window"}.get(kind)
        if bucket:                                   # table, table_macro and pragma: never from the catalogue
            kinds[bucket].add(name.lower())
    return f"DuckDB {duckdb.__version__} duckdb_functions()", kinds


def sqlite_catalogue() -> tuple[str, Kinds]:
    import sqlite3

    kinds: Kinds = {"scalar": set(), "aggregate": set(), "window": set()}
    for name, builtin, kind, *_ in sqlite3.connect(":memory:").execute("PRAGMA function_list"):
        if builtin:
            kinds[{"s": "scalar", "a": "aggregate", "w": "window"}[kind]].add(name.lower())
    return f"SQLite {sqlite3.sqlite_version} pragma function_list", kinds


def postgres_catalogue(url: str) -> tuple[str, Kinds]:
    import psycopg

    bad_types, skip_types = set(REVIEW["refuse_postgres_types"]), set(REVIEW["skip_postgres_overload_types"])
    checked: dict[str, set[str]] = {}                # name -> refused types its name_arguments rule checks
    for type_name, names in (REVIEW.get("postgres_checked_overloads") or {}).items():
        for name in names:
            checked.setdefault(name, set()).add(type_name)
    kinds: Kinds = {"scalar": set(), "aggregate": set(), "window": set()}
    with psycopg.connect(url) as con:
        version = con.execute("SHOW server_version").fetchone()[0]
        rows = con.execute(
            "SELECT p.proname, p.prokind, p.proretset, p.prorettype::regtype::text,"
            " array(SELECT t::regtype::text FROM unnest(p.proargtypes) t)"
            " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pg_catalog'").fetchall()
    typed_out: set[str] = set()
    for name, kind, retset, rettype, argtypes in rows:
        if kind == "p" or ({rettype, *argtypes} & bad_types) - checked.get(name, set()):
            typed_out.add(name)                      # any overload with a refused type refuses the name
            continue
        if retset or {rettype, *argtypes} & skip_types:
            continue                                 # set-returning: table_functions only; internal values
        kinds[{"f": "scalar", "a": "aggregate", "w": "window"}[kind]].add(name.lower())
    for bucket in kinds.values():
        bucket -= typed_out
    return f"PostgreSQL {version} pg_proc (pg_catalog)", kinds


def spark_catalogue() -> tuple[str, Kinds]:
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("guard-allowlists")
             .config("spark.ui.enabled", "false").getOrCreate())
    kinds: Kinds = {"scalar": set(), "aggregate": set(), "window": set()}
    try:
        for f in spark.catalog.listFunctions():
            cls = f.className or ""
            if ".aggregate." in cls:
                kinds["aggregate"].add(f.name.lower())
            elif ".window" in cls.lower() or cls.endswith(("Rank", "RowNumber", "NTile", "Lag", "Lead", "CumeDist",
                                                            "NthValue")):
                kinds["window"].add(f.name.lower())
            elif re.fullmatch(r"[a-z_][a-z0-9_]*", f.name.lower()):      # operators (+, <=>) are syntax
                kinds["scalar"].add(f.name.lower())
        return f"Spark {spark.version} spark.catalog.listFunctions()", kinds
    finally:
        spark.stop()


def write(dialect: str, source: str, kinds: Kinds) -> Path:
    out: dict[str, object] = {"dialect": dialect, "source": source}
    dropped: dict[str, str] = {}
    for kind in ("scalar", "aggregate", "window"):
        keep = []
        for name in sorted(kinds[kind]):
            reason = refused(name)
            if reason:
                dropped[name] = reason
            else:
                keep.append(name)
        out[kind] = keep
    out["table"] = sorted(REVIEW["table_functions"][dialect])
    out["refused_by_review"] = dict(sorted(dropped.items()))
    path = OUT / f"{dialect}.yaml"
    header = (f"# Generated by scripts/guard_allowlists.py from {source}, then reviewed against\n"
              "# nl2sql/guard/allow/review.yaml. Do not edit by hand: change the review and regenerate.\n")
    path.write_text(header + yaml.safe_dump(out, sort_keys=False, width=120), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engines", nargs="+", choices=["duckdb", "sqlite", "postgres", "databricks"])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    for engine in args.engines:
        source, kinds = {"duckdb": duckdb_catalogue, "sqlite": sqlite_catalogue, "databricks": spark_catalogue,
                         "postgres": lambda: postgres_catalogue(args.postgres_url)}[engine]()
        print(write(engine, source, kinds), file=sys.stderr)


if __name__ == "__main__":
    main()
