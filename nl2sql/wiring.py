"""Build the assistant's parts from settings: the one place that picks adapters.

Demo default: no ``db_path``/``db_url`` → the embedded TPC-H demo warehouse (built on first use in the
data directory) with the demo overlay. An LLM is wired only when one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from catalog_semantics.model import SemanticModel
from nl2sql.errors import ConfigError
from nl2sql.ports import LlmClient, Warehouse
from nl2sql.settings import DEMO_OVERLAY, Settings

if TYPE_CHECKING:
    from catalog_semantics.adapters.unity_bulk import BulkOptions
    from nl2sql.adapters.databricks_config import DatabricksConfig
    from nl2sql.adapters.databricks_connection import WarehouseLimits
    from nl2sql.feedback import FeedbackStore


@dataclass(frozen=True)
class AssistantParts:
    model: SemanticModel
    warehouse: Warehouse
    llm: LlmClient | None
    feedback: FeedbackStore | None


def open_warehouse(settings: Settings) -> tuple[Warehouse, Path | None]:
    """The configured warehouse and the overlay that goes with it by default."""
    if settings.db_url and settings.db_path:
        raise ConfigError("Set either a DuckDB file (NL2SQL_DB / --db) or a SQLAlchemy URL (NL2SQL_DB_URL / --url), not both.")
    return select_warehouse(settings).opens(settings)


def url_scheme(url: str) -> str:
    """The URL's scheme without its driver suffix, lower-cased.

    >>> url_scheme("databricks+connector://h"), url_scheme("postgresql+psycopg://u@h/db"), url_scheme("SQLite:///a.db")
    ('databricks', 'postgresql', 'sqlite')
    """
    return url.partition(":")[0].split("+")[0].strip().lower()


def select_warehouse(settings: Settings) -> WarehouseEntry:
    """The first entry of ``WAREHOUSES`` for the setting given (URL by scheme, else DuckDB file, else demo)."""
    if settings.db_url:
        scheme = url_scheme(settings.db_url)
        return next(e for e in WAREHOUSES if e.source == "url" and (scheme in e.schemes or not e.schemes))
    source = "file" if settings.db_path else "default"
    return next(e for e in WAREHOUSES if e.source == source)


def _open_databricks(settings: Settings) -> tuple[Warehouse, Path | None]:
    from nl2sql.adapters.databricks_warehouse import DatabricksWarehouse

    return DatabricksWarehouse.from_url(settings.db_url or "", defaults=databricks_defaults(settings),
                                        limits=databricks_limits(settings), principal=settings.principal,
                                        bulk_options=databricks_bulk(settings)), None


def _open_sqlalchemy(settings: Settings) -> tuple[Warehouse, Path | None]:
    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    try:
        return SqlAlchemyWarehouse(settings.db_url or "", memory_limit=settings.memory_limit), None
    except ModuleNotFoundError as e:
        raise ConfigError(
            f"The database driver '{e.name}' for this URL is not installed.",
            hint="Install it with pip (e.g. psycopg[binary] for PostgreSQL).",
        ) from None


def _open_duckdb_file(settings: Settings) -> tuple[Warehouse, Path | None]:
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse

    path = Path(settings.db_path or "").expanduser()
    if not path.exists():
        raise ConfigError(f"The DuckDB file {path} does not exist.", hint="Build the demo with: nl2sql demo build PATH")
    return DuckDbWarehouse(path, memory_limit=settings.memory_limit), None


def _open_demo(settings: Settings) -> tuple[Warehouse, Path | None]:
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
    from nl2sql.demo.build import ensure_demo_warehouse

    path = ensure_demo_warehouse(settings.resolved_data_dir())
    return DuckDbWarehouse(path, name="demo TPC-H (DuckDB)", memory_limit=settings.memory_limit), DEMO_OVERLAY


@dataclass(frozen=True)
class WarehouseEntry:
    """One kind of warehouse: the setting that selects it and how it opens (its adapter is imported only then).

    ``source`` is which setting names it: ``url`` (NL2SQL_DB_URL / --url, matched on ``schemes``; no schemes =
    any scheme an earlier entry did not take), ``file`` (NL2SQL_DB / --db) or ``default`` (neither given).
    """

    kind: str
    source: Literal["url", "file", "default"]
    opens: Callable[[Settings], tuple[Warehouse, Path | None]]
    schemes: frozenset[str] = frozenset()


# The registry: adding a warehouse is one adapter module plus one entry here. First match wins, so a URL entry
# with schemes comes before the SQLAlchemy catch-all.
WAREHOUSES: tuple[WarehouseEntry, ...] = (
    WarehouseEntry("databricks", "url", _open_databricks, frozenset({"databricks"})),
    WarehouseEntry("sqlalchemy", "url", _open_sqlalchemy),          # postgresql, sqlite, duckdb, mysql, ...
    WarehouseEntry("duckdb file", "file", _open_duckdb_file),
    WarehouseEntry("demo", "default", _open_demo),
)


def databricks_defaults(settings: Settings) -> "DatabricksConfig":
    """The SQL-only Databricks values from ``Settings`` (host and credentials are databricks-sdk's to resolve)."""
    from nl2sql.adapters.databricks_config import DatabricksConfig

    return DatabricksConfig(http_path=settings.databricks_http_path, catalog=settings.databricks_catalog,
                            schema=settings.databricks_schema)


def databricks_bulk(settings: Settings) -> "BulkOptions":
    from catalog_semantics.adapters.unity_bulk import BulkOptions

    return BulkOptions(time_budget_s=settings.databricks_catalog_budget_s)


def databricks_limits(settings: Settings) -> "WarehouseLimits":
    from nl2sql.adapters.databricks_connection import WarehouseLimits

    return WarehouseLimits(max_connections=settings.databricks_max_connections,
                           connect_timeout_s=settings.databricks_connect_timeout_s,
                           pool_timeout_s=settings.databricks_pool_timeout_s,
                           statement_timeout_s=settings.query_timeout_s + 5)   # server-side backstop of the cancel


def build_model(warehouse: Warehouse, overlay_path: str | Path | None) -> SemanticModel:
    from catalog_semantics.overlay import apply_overlay, load_overlay

    catalog = warehouse.read_catalog()
    overlay = None
    if overlay_path:
        path = Path(overlay_path).expanduser()
        if not path.exists():
            raise ConfigError(f"The overlay file {path} does not exist.")
        overlay = load_overlay(path)
    from catalog_semantics.adapters.unity_metric_views import with_metric_views  # measures of metric views: MEASURE()

    return with_metric_views(apply_overlay(catalog, overlay))


def build_llm(settings: Settings) -> LlmClient | None:
    if not settings.llm_configured or settings.generator == "offline":
        return None
    if settings.llm_databricks_auth and not settings.llm_api_key:
        from nl2sql.adapters.databricks_config import DatabricksAuth, parse_url
        from nl2sql.adapters.databricks_serving import serving_llm_from_settings

        url = settings.db_url if settings.db_url and url_scheme(settings.db_url) == "databricks" else None
        return serving_llm_from_settings(settings, DatabricksAuth(parse_url(url) if url else databricks_defaults(settings)))
    from nl2sql.adapters.openai_llm import OpenAiLlm

    llm = OpenAiLlm.from_settings(settings)
    if not settings.llm_reply_cache:
        return llm
    from nl2sql.eval.cache import CachedLlm, reply_cache_request

    return CachedLlm(llm, settings.resolved_data_dir() / "llm_replies.sqlite", request=reply_cache_request(settings))


def build_assistant_parts(settings: Settings) -> AssistantParts:
    warehouse, default_overlay = open_warehouse(settings)
    model = build_model(warehouse, settings.overlay_path or default_overlay)
    warn = getattr(warehouse, "warn_if_role_reads_more", None)    # PostgreSQL: can the role read more?
    if warn is not None:
        warn(settings.allowed_table_names() or [t.qualified_name for t in model.tables])
    from nl2sql.feedback import FeedbackStore

    data_dir = settings.resolved_data_dir()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"The data directory {data_dir} cannot be created ({e.strerror}).",
                          hint="Set NL2SQL_DATA_DIR to a writable folder.") from None
    feedback = FeedbackStore(data_dir / "feedback.sqlite")
    return AssistantParts(model, warehouse, build_llm(settings), feedback)
