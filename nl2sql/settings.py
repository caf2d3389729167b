"""Settings: one frozen object, declared once with defaults and help, built at the edge.

``Settings.from_env()`` is called only by the CLI, the app and the eval entry points; everything else
receives plain values. Each field's comment is its help, ``ENV_VARS`` names its variable, and a test
checks that the README's settings table lists every variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from nl2sql.errors import ConfigError

GeneratorPolicy = Literal["auto", "offline", "llm"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_OVERLAY = REPO_ROOT / "fixtures" / "tpch" / "overlay.yaml"
DEFAULT_MEMORY_LIMIT = "2GB"                    # a laptop's share for one query; the app keeps running beside it
_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
               "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def size_bytes(text: str) -> int:
    """A memory size as DuckDB writes it ('2GB', '512 MiB', '1.5GB') in bytes; ConfigError otherwise.

    >>> size_bytes("2GB"), size_bytes("512 MiB")
    (2000000000, 536870912)
    """
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]I?B|B)?\s*", text or "", re.IGNORECASE)
    if not match:
        raise ConfigError(f"NL2SQL_MEMORY_LIMIT must be a size such as 2GB or 512MB, not {text!r}.")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").upper()])


def default_data_dir() -> Path:
    return Path(os.environ.get("NL2SQL_DATA_DIR") or Path.home() / ".nl2sql")


@dataclass(frozen=True)
class Settings:
    # --- LLM (any OpenAI-compatible endpoint: OpenAI, Azure, Databricks Model Serving, vLLM, Ollama) ---
    llm_api_key: str | None = None              # OPENAI_API_KEY; never logged or shown
    llm_base_url: str | None = None             # OPENAI_BASE_URL; e.g. https://<host>/serving-endpoints
    llm_model: str = "gpt-4o-mini"              # NL2SQL_LLM_MODEL
    llm_timeout_s: float = 60.0                 # NL2SQL_LLM_TIMEOUT_S: per request
    llm_max_retries: int = 2                    # NL2SQL_LLM_MAX_RETRIES: on 429/5xx/timeouts, with backoff
    llm_temperature: float = 0.0                # NL2SQL_LLM_TEMPERATURE
    llm_max_tokens: int = 1_024                 # NL2SQL_LLM_MAX_TOKENS: reply budget (a cut reply is retried once x4)
    llm_candidates: int = 1                     # NL2SQL_LLM_CANDIDATES: replies per question, chosen by execution
    llm_candidate_temperature: float = 0.7      # NL2SQL_LLM_CANDIDATE_TEMPERATURE: sampling when candidates > 1
    llm_max_candidates: int = 0                 # NL2SQL_LLM_MAX_CANDIDATES: cap with extra samples (0: 3 x the above)
    llm_reply_cache: bool = False               # NL2SQL_LLM_REPLY_CACHE: reuse replies to identical requests
    llm_selection: bool = False                 # NL2SQL_LLM_SELECTION: the model chooses when candidates' vote is split
    # --- warehouse ---
    db_path: str | None = None                  # NL2SQL_DB: a DuckDB file; unset = the demo warehouse
    db_url: str | None = None                   # NL2SQL_DB_URL: a SQLAlchemy URL (sqlite:///..., postgresql://...)
    overlay_path: str | None = None             # NL2SQL_OVERLAY: YAML overlay; unset = the demo overlay for the demo
    data_dir: str | None = None                 # NL2SQL_DATA_DIR: demo warehouse, feedback store, caches
    # --- answering ---
    generator: GeneratorPolicy = "auto"         # NL2SQL_GENERATOR: auto (verified, offline, then LLM), offline, llm
    max_rows: int = 1_000                       # NL2SQL_MAX_ROWS: row cap added to every query
    query_timeout_s: float = 30.0               # NL2SQL_QUERY_TIMEOUT_S: warehouse time limit per query
    answer_notes: bool = True                   # NL2SQL_ANSWER_NOTES: ties, partial periods, empty results (≤6 probes)
    memory_limit: str = DEFAULT_MEMORY_LIMIT    # NL2SQL_MEMORY_LIMIT: DuckDB memory_limit; SQLite longest value /16
    max_repairs: int = 2                        # NL2SQL_MAX_REPAIRS: extra LLM tries after a warehouse error
    max_question_chars: int = 2_000             # NL2SQL_MAX_QUESTION_CHARS: longer questions are refused
    context_token_budget: int = 8_000           # NL2SQL_CONTEXT_TOKENS: prompt context size (models read far more)
    send_data_to_llm: bool = True               # NL2SQL_SEND_DATA_TO_LLM: false = no sample values or rows in prompts
    lazy_values_per_column: int = 1_000         # NL2SQL_LAZY_VALUES_PER_COLUMN: values read per text column of a
                                                # question's shortlisted tables that have none (0: never read)
    lazy_values_budget_s: float = 5.0           # NL2SQL_LAZY_VALUES_BUDGET_S: time those reads take at most a question
    value_index_whole_up_to: int = 60           # NL2SQL_VALUE_INDEX_WHOLE_UP_TO: tables a model may have for the LLM's
                                                # value index to read every text column once; a bigger one indexes each
                                                # question's shortlisted tables (60: linking's SHORTLIST_FROM)
    # --- Databricks (host and credentials come from databricks-sdk: DATABRICKS_HOST, _TOKEN, _CLIENT_ID, profiles) ---
    databricks_connect_timeout_s: float = 30.0  # NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S: opening a warehouse connection
    databricks_pool_timeout_s: float = 30.0     # NL2SQL_DATABRICKS_POOL_TIMEOUT_S: waiting for a free pooled connection
    databricks_max_connections: int = 4         # NL2SQL_DATABRICKS_MAX_CONNECTIONS: statements in flight at once
    databricks_catalog_budget_s: float = 300.0  # NL2SQL_DATABRICKS_CATALOG_BUDGET_S: reading a whole-catalog scope
    # the SQL-only values the SDK has no attribute for (a databricks:// URL's own values win; else the SDK's profile)
    databricks_http_path: str | None = None     # DATABRICKS_HTTP_PATH: the SQL warehouse's HTTP path
    databricks_catalog: str | None = None       # DATABRICKS_CATALOG: default catalog (the scope read, unqualified names)
    databricks_schema: str | None = None        # DATABRICKS_SCHEMA: default schema
    llm_databricks_auth: bool = False           # NL2SQL_LLM_DATABRICKS_AUTH: Model Serving key from the SDK (refreshed)
    # --- observability ---
    mlflow_tracing: bool = False                # NL2SQL_MLFLOW_TRACING: each question an MLflow trace (the mlflow extra)
    # --- access ---
    principal: str | None = None                # NL2SQL_PRINCIPAL: who is asking (shown in the app, logged)
    allowed_tables: str | None = None           # NL2SQL_ALLOWED_TABLES: comma-separated tables the principal may read
    scope: str | None = None                    # NL2SQL_SCOPE: catalogs/schemas/tables questions are asked across
    editors: str | None = None                  # NL2SQL_EDITORS: comma-separated principals who may promote answers

    def allowed_table_names(self) -> tuple[str, ...] | None:
        """The allowlist from NL2SQL_ALLOWED_TABLES, or None when every table of the warehouse is allowed."""
        if self.allowed_tables is None:
            return None
        return tuple(t.strip() for t in self.allowed_tables.split(",") if t.strip())

    def scope_patterns(self) -> tuple[str, ...] | None:
        """The scope from NL2SQL_SCOPE (``sales.*, samples.tpch.orders``), or None for the whole warehouse."""
        from catalog_semantics.scope import parse_scope

        return parse_scope(self.scope)

    def is_editor(self, principal: str | None) -> bool:
        """Whether this principal may open the feedback editor and promote answers (NL2SQL_EDITORS)."""
        names = {n.strip().lower() for n in (self.editors or "").split(",") if n.strip()}
        return principal is not None and principal.strip().lower() in names

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key or self.llm_databricks_auth)

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    def with_overrides(self, **changes: Any) -> Settings:    # Any: each flag has its own field's type
        """Return a copy with the given fields changed, ignoring ``None`` values (CLI flags not given)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}                        # Any: _parse gives each field its kind's type
        for name, (var, kind) in ENV_VARS.items():
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            values[name] = _parse(var, raw.strip(), kind)
        settings = cls(**values)
        size_bytes(settings.memory_limit)                      # a typo is a ConfigError now, not at first query
        if not 1 <= settings.llm_candidates <= 20:
            raise ConfigError(f"NL2SQL_LLM_CANDIDATES must be between 1 and 20, not {settings.llm_candidates}.")
        if settings.llm_max_candidates and not settings.llm_candidates <= settings.llm_max_candidates <= 60:
            raise ConfigError(f"NL2SQL_LLM_MAX_CANDIDATES must be 0 (three times NL2SQL_LLM_CANDIDATES) or between "
                              f"NL2SQL_LLM_CANDIDATES and 60, not {settings.llm_max_candidates}.")
        if settings.generator not in ("auto", "offline", "llm"):
            raise ConfigError(
                f"NL2SQL_GENERATOR must be auto, offline or llm, not {settings.generator!r}."
            )
        return settings

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        shown = ", ".join(
            f"{f.name}={'***' if f.name == 'llm_api_key' and getattr(self, f.name) else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"Settings({shown})"


EnvKind = Literal["str", "int", "float", "bool"]   # how _parse reads a variable's text

# field -> (environment variable, parser kind)
ENV_VARS: dict[str, tuple[str, EnvKind]] = {
    "llm_api_key": ("OPENAI_API_KEY", "str"),
    "llm_base_url": ("OPENAI_BASE_URL", "str"),
    "llm_model": ("NL2SQL_LLM_MODEL", "str"),
    "llm_timeout_s": ("NL2SQL_LLM_TIMEOUT_S", "float"),
    "llm_max_retries": ("NL2SQL_LLM_MAX_RETRIES", "int"),
    "llm_temperature": ("NL2SQL_LLM_TEMPERATURE", "float"),
    "llm_max_tokens": ("NL2SQL_LLM_MAX_TOKENS", "int"),
    "llm_candidates": ("NL2SQL_LLM_CANDIDATES", "int"),
    "llm_candidate_temperature": ("NL2SQL_LLM_CANDIDATE_TEMPERATURE", "float"),
    "llm_max_candidates": ("NL2SQL_LLM_MAX_CANDIDATES", "int"),
    "llm_reply_cache": ("NL2SQL_LLM_REPLY_CACHE", "bool"),
    "llm_selection": ("NL2SQL_LLM_SELECTION", "bool"),
    "db_path": ("NL2SQL_DB", "str"),
    "db_url": ("NL2SQL_DB_URL", "str"),
    "overlay_path": ("NL2SQL_OVERLAY", "str"),
    "data_dir": ("NL2SQL_DATA_DIR", "str"),
    "generator": ("NL2SQL_GENERATOR", "str"),
    "max_rows": ("NL2SQL_MAX_ROWS", "int"),
    "query_timeout_s": ("NL2SQL_QUERY_TIMEOUT_S", "float"),
    "answer_notes": ("NL2SQL_ANSWER_NOTES", "bool"),
    "memory_limit": ("NL2SQL_MEMORY_LIMIT", "str"),
    "max_repairs": ("NL2SQL_MAX_REPAIRS", "int"),
    "max_question_chars": ("NL2SQL_MAX_QUESTION_CHARS", "int"),
    "context_token_budget": ("NL2SQL_CONTEXT_TOKENS", "int"),
    "send_data_to_llm": ("NL2SQL_SEND_DATA_TO_LLM", "bool"),
    "lazy_values_per_column": ("NL2SQL_LAZY_VALUES_PER_COLUMN", "int"),
    "lazy_values_budget_s": ("NL2SQL_LAZY_VALUES_BUDGET_S", "float"),
    "value_index_whole_up_to": ("NL2SQL_VALUE_INDEX_WHOLE_UP_TO", "int"),
    "databricks_connect_timeout_s": ("NL2SQL_DATABRICKS_CONNECT_TIMEOUT_S", "float"),
    "databricks_pool_timeout_s": ("NL2SQL_DATABRICKS_POOL_TIMEOUT_S", "float"),
    "databricks_max_connections": ("NL2SQL_DATABRICKS_MAX_CONNECTIONS", "int"),
    "databricks_catalog_budget_s": ("NL2SQL_DATABRICKS_CATALOG_BUDGET_S", "float"),
    "databricks_http_path": ("DATABRICKS_HTTP_PATH", "str"),
    "databricks_catalog": ("DATABRICKS_CATALOG", "str"),
    "databricks_schema": ("DATABRICKS_SCHEMA", "str"),
    "llm_databricks_auth": ("NL2SQL_LLM_DATABRICKS_AUTH", "bool"),
    "mlflow_tracing": ("NL2SQL_MLFLOW_TRACING", "bool"),
    "principal": ("NL2SQL_PRINCIPAL", "str"),
    "allowed_tables": ("NL2SQL_ALLOWED_TABLES", "str"),
    "scope": ("NL2SQL_SCOPE", "str"),
    "editors": ("NL2SQL_EDITORS", "str"),
}


def _parse(var: str, raw: str, kind: EnvKind) -> object:
    try:
        if kind == "int":
            return int(raw.replace("_", ""))
        if kind == "float":
            return float(raw)
        if kind == "bool":
            lowered = raw.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{var} must be a {kind}, not {raw!r}.") from None
    return raw
