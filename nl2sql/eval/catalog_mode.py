"""Whole-catalog evaluation (``--dataset spider-catalog:PATH``): each question asked against every schema at once.

Spider dev's questions, but the generator no longer sees its question's own database: it sees the whole
warehouse of all 166 Spider schemas (``spider_catalog.py``: one DuckDB schema per database, names prefixed by
schema in the model). The product's ``link(model, question)`` chooses the tables, ``render_context`` writes the
prompt, the configured OpenAI-compatible model answers. Its SQL names catalog tables
(``concert_singer__singer``); tables of the question's own schema are renamed to their bare names on the AST
and the query is scored on that database's SQLite file as usual. A table from another schema stays as
written, so the guard refuses the query: picking the wrong schema is a wrong answer.

The report's linking figure (``linking``: questions whose context kept every gold table) is the whole-catalog
linking recall; with a model that answers exactly when its prompt holds every gold table (the schema-aware
stub of ``benchmarks/catalog_eval_stub.py``), execution accuracy measures what linking lets through.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from catalog_semantics.linking import link
from catalog_semantics.model import SemanticModel
from catalog_semantics.render import render_context
from nl2sql.errors import ConfigError, UserFacingError
from nl2sql.eval.dataset import Example
from nl2sql.eval.generators import Prediction
from nl2sql.eval.spider_catalog import SEPARATOR, build_catalog_warehouse, catalog_model
from nl2sql.llm.extract import abstention_reason, extract_sql
from nl2sql.ports import LlmClient
from nl2sql.llm.prompt import build_messages

if TYPE_CHECKING:
    from nl2sql.eval.request import EvalRequest
    from nl2sql.settings import Settings

PREFIX = "spider-catalog:"


def is_catalog_dataset(spec: str) -> bool:
    return spec.startswith(PREFIX)


def spider_folder(spec: str) -> Path:
    path = Path(spec[len(PREFIX):]).expanduser()
    return path.parent if path.is_file() else path


def local_table_sql(sql: str, db_id: str, dialect: str = "sqlite") -> str:
    """The query with the question's own schema's catalog names made bare; other tables left as written.

    The rendered context shows ``concert_singer.concert_singer__singer`` (schema-qualified): either form works.

    >>> local_table_sql("SELECT name FROM concert_singer.concert_singer__singer AS s JOIN pets_1__pets ON 1=1",
    ...                 "concert_singer")
    'SELECT name FROM singer AS s JOIN pets_1__pets ON 1 = 1'
    """
    prefix = f"{db_id}{SEPARATOR}".lower()
    tree = sqlglot.parse_one(sql, read=dialect)
    for table in tree.find_all(exp.Table):
        if table.name.lower().startswith(prefix) and table.db.lower() in ("", db_id.lower()):
            table.set("this", exp.to_identifier(table.name[len(prefix):]))
            table.set("db", None)
    return tree.sql(dialect=dialect)


class CatalogLlmGenerator:
    """Link over the whole catalog, prompt the LLM, score its SQL on the question's own database."""

    name = "llm"

    def __init__(self, spider: Path, llm: LlmClient, *, data_dir: Path | None = None, max_rows: int = 1000,
                 budget_tokens: int = 6000, include_values: bool = True) -> None:
        self._spider, self._llm = spider, llm
        self._data_dir = data_dir or Path(tempfile.gettempdir()) / "nl2sql-catalog"
        self._max_rows, self._budget, self._values = max_rows, budget_tokens, include_values
        self._model: SemanticModel | None = None
        self._lock = threading.Lock()

    def model(self) -> SemanticModel:
        with self._lock:
            if self._model is None:
                if not (self._spider / "tables.json").is_file():
                    raise ConfigError(f"No Spider tables.json in {self._spider}.")
                warehouse = build_catalog_warehouse(self._spider, self._data_dir / "spider_catalog.duckdb")
                self._model = replace(catalog_model(self._spider, warehouse), dialect="sqlite")
            return self._model

    def predict(self, example: Example) -> Prediction:
        model = self.model()
        start = time.perf_counter()
        linked = link(model, example.question)
        prefix = f"{example.db_id}{SEPARATOR}".lower()
        linked_tables = tuple(n[len(prefix):] if n.lower().startswith(prefix) else n for n in linked.table_names)
        base = Prediction(None, linked_tables=linked_tables, generator=self.name)
        context = render_context(model, linked, budget_tokens=self._budget, include_values=self._values)
        messages = build_messages(example.question, context, dialect=model.dialect, max_rows=self._max_rows)
        try:
            completion = self._llm.complete(messages)
        except UserFacingError as e:
            return replace(base, outcome="abstained", reason=str(e), generate_ms=_ms(start))
        reply = completion.text
        base = replace(base, prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens)
        declined = abstention_reason(reply)
        if declined is not None:
            return replace(base, outcome="abstained", reason=declined, generate_ms=_ms(start))
        try:
            sql = local_table_sql(extract_sql(reply, dialect=model.dialect), example.db_id)
        except (UserFacingError, sqlglot.errors.SqlglotError) as e:
            return replace(base, outcome="sql_error", reason=str(e), generate_ms=_ms(start))
        return replace(base, sql=sql, generate_ms=_ms(start))


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def catalog_generator(request: EvalRequest, settings: Settings, llm: LlmClient | None) -> CatalogLlmGenerator:
    """The whole-catalog generator of an ``EvalRequest`` (only ``llm`` links across the catalog)."""
    if request.generator != "llm" or llm is None:
        raise ConfigError("The spider-catalog dataset runs the llm, gold or predictions generator.",
                          hint="Use --generator llm (the offline engine answers one database at a time).")
    return CatalogLlmGenerator(spider_folder(request.dataset), llm, data_dir=settings.resolved_data_dir(),
                               budget_tokens=settings.context_token_budget, include_values=settings.send_data_to_llm)
