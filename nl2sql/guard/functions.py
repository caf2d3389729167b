"""The denylist: SQL functions the guard refuses in every dialect, checked before the allowlists.

A function is refused when it can reach outside the allowed tables: files, URLs, the network, the
environment, settings, secrets, other databases, or the engine's own catalogs; or when it writes state
(sequences) or runs SQL given as a string. The list is the union over every dialect we read
(DuckDB, Databricks/Spark, SQLite, PostgreSQL): a name that is harmless in one engine and dangerous in
another is refused everywhere, because the guard must not depend on which engine is behind it.

Names are compared after NFKC normalisation and case folding (see ``function_names``). docs/security.md
reproduces this list; keep them in step. Since round two every function must also be on the dialect's
allowlist (nl2sql/guard/allowlist.py); this list stays as the second line and names the reason.
"""

from __future__ import annotations

import unicodedata

from sqlglot import exp

# Exact names (lower case).
FORBIDDEN_FUNCTIONS: frozenset[str] = frozenset(
    {
        # DuckDB: files, globs, other formats and engines
        "glob", "sniff_csv", "parquet_scan", "parquet_metadata", "parquet_schema", "parquet_file_metadata",
        "parquet_kv_metadata", "parquet_bloom_probe", "iceberg_scan", "iceberg_metadata", "iceberg_snapshots",
        "delta_scan", "sqlite_attach", "postgres_attach", "postgres_query", "postgres_execute", "mysql_query",
        "mysql_execute", "st_read", "st_readosm", "st_read_meta", "st_readshp",
        # DuckDB: SQL given as a string, settings, environment, secrets, session state
        "query", "query_table", "json_execute_serialized_sql", "getenv", "current_setting", "getvariable",
        "which_secret", "load_extension", "checkpoint", "force_checkpoint", "nextval", "currval", "setval",
        "set_config", "test_all_types", "summary", "sql_auto_complete", "enable_logging", "disable_logging",
        "truncate_duckdb_logs", "create_secret", "drop_secret",
        # SQLite: file access and extensions
        "readfile", "writefile", "edit", "fsdir", "zipfile", "fts3_tokenizer",
        # PostgreSQL: files, server, SQL-as-string, sleeping
        "lo_import", "lo_export", "lo_get", "lo_put", "dblink", "query_to_xml", "query_to_xml_and_xmlschema",
        "query_to_xmlschema", "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml",
        "table_to_xml_and_xmlschema", "database_to_xml_and_xmlschema", "schema_to_xml_and_xmlschema",
        "sleep", "benchmark",
        # Databricks / Spark: JVM reflection, secrets, external reads, model calls
        "reflect", "java_method", "try_reflect", "secret", "try_secret", "list_secrets", "read_files",
        "read_kafka", "read_kinesis", "read_pubsub", "read_pulsar", "read_statestore", "cloud_files_state",
        "event_log", "ai_query", "http_request", "vector_search", "input_file_name", "input_file_block_start",
        "input_file_block_length",
    }
)

# Families refused by prefix (lower case): file readers, engine catalogs, extensions, network clients.
FORBIDDEN_PREFIXES: tuple[str, ...] = (
    "read_",           # read_csv, read_csv_auto, read_parquet, read_json*, read_ndjson*, read_text, read_blob, read_xlsx
    "duckdb_",         # duckdb_settings(), duckdb_tables(), duckdb_secrets(), duckdb_extensions() ...
    "pragma_",         # pragma_table_info(), pragma_database_list() ...
    "sqlite_",         # sqlite_scan, sqlite_master as a function, sqlite_* introspection
    "pg_",             # pg_read_file, pg_ls_dir, pg_sleep, pg_terminate_backend ...
    "http",            # http_get, http_post, httpfs helpers
    "dblink",          # dblink_exec, dblink_connect ...
    "load_",           # load_aws_credentials ...
    "ducklake_",       # DuckLake catalog functions
    "ai_",             # Databricks AI functions send rows to a model endpoint
    "iceberg_", "delta_", "postgres_", "mysql_", "excel_",
)

# ... and by suffix: every "*_scan" is a reader (arrow_scan, pandas_scan, sqlite_scan, seq_scan ...).
FORBIDDEN_SUFFIXES: tuple[str, ...] = ("_scan",)

# Series generators: their literal bounds are checked against ``GuardPolicy.max_generated_rows``.
SERIES_FUNCTIONS: frozenset[str] = frozenset({"generate_series", "range"})


def fold(name: str) -> str:
    """Normalise a name for comparison: NFKC (full-width and ligature forms collapse) then case-fold.

    >>> fold("ＲＥＡＤ_CSV")
    'read_csv'
    """
    return unicodedata.normalize("NFKC", name).casefold()


def function_names(node: exp.Func) -> frozenset[str]:
    """Every name a function node may be known by: as written (Anonymous) and sqlglot's canonical names."""
    names = {node.key}
    if isinstance(node, exp.Anonymous):
        names.add(str(node.name))
    else:
        names.update(node.sql_names())
    return frozenset(fold(n) for n in names if n)


def is_forbidden(name: str) -> bool:
    """Whether a folded function name is on the denylist.

    >>> is_forbidden("read_csv_auto"), is_forbidden("sum"), is_forbidden("arrow_scan")
    (True, False, True)
    """
    return name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES) or name.endswith(FORBIDDEN_SUFFIXES)
