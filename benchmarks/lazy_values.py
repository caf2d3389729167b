"""Value questions on the whole Spider catalog read without values: linked before and after the lazy read.

Usage: python benchmarks/lazy_values.py [--spider DIR] [--limit N] [--budget S] [--llm]

The 873-table catalog of ``catalog_scale.py`` (one DuckDB schema per Spider database, rows for the 20 shipped with
data), its tables renamed as the whole-catalog model names them (``concert_singer.concert_singer__singer``) in a
copy built once into $NL2SQL_DATA_DIR. Questions: the runnable Spider dev questions whose gold SQL compares a
column with a text literal (``WHERE country = 'France'``), the ones a value can link. Each is linked three ways:
``without`` (the model has no values: a Unity Catalog scope read in bulk), ``lazy`` (the same model, then the
pipeline's ``values`` step: the shortlisted tables' values read through the guard from the warehouse and linked
again; ``nl2sql/lazy_values.py``) and ``eager`` (every value read up front, as the DuckDB reader does). Prints
JSON: per way, every gold table kept (recall), the question asked back because schemas tie (clarify), both: every
gold table kept and nothing asked back (at_once: what the schema-aware stub model of ``catalog_eval_stub.py`` would
answer), a value matched on a gold table, the best table a gold one; and the step's time per question, cold (the
warehouse read) and warm (the cache).

``--llm``: the same questions through ``Assistant.ask`` with the LLM generator (the local stub server; the model
read without values), its value index read two ways, each from a cold cache: ``whole`` (every text column of the
catalog on the first LLM question: ``NL2SQL_VALUE_INDEX_WHOLE_UP_TO`` above the catalog's size) and ``shortlist``
(each question's shortlisted tables: the default above 60 tables; ``nl2sql/llm/question_values.py``). Prints, per
way, the first question's seconds and warehouse statements, the later questions' median, and the questions whose
prompt names a value of a gold table (``'X' is a value of t.c`` / ``may mean 'X', a value of t.c``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlglot
from sqlglot import exp

from benchmarks.linking_recall import gold_tables, spider_dir
from catalog_semantics.linking import LinkedSchema, link
from nl2sql.eval.spider_catalog import SEPARATOR, build_catalog_warehouse, catalog_model, catalog_table_name


def data_dir() -> Path:
    return Path(os.environ.get("NL2SQL_DATA_DIR") or Path(tempfile.gettempdir()) / "nl2sql-catalog-scale")


def prefixed_copy(source: Path, path: Path) -> Path:
    """The catalog warehouse with each table named as the whole-catalog model names it (built once)."""
    import duckdb

    if path.exists() and path.stat().st_mtime >= source.stat().st_mtime:
        return path
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        rows = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src'").fetchall()
        for schema in sorted({s for s, _ in rows}):
            con.execute(f'CREATE SCHEMA "{schema}"')
        for schema, table in rows:
            con.execute(f'CREATE TABLE "{schema}"."{catalog_table_name(schema, table)}" AS '
                        f'SELECT * FROM src."{schema}"."{table}"')
    tmp.replace(path)
    return path


def names_a_value(sql: str) -> bool:
    """Whether the gold SQL compares a column with a text literal (``WHERE country = 'France'``, ``LIKE``)."""
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except sqlglot.errors.SqlglotError:
        return False
    return any(isinstance(c.this, exp.Column) and isinstance(c.expression, exp.Literal) and c.expression.is_string
               and c.expression.this.strip("% ") for c in tree.find_all(exp.EQ, exp.Like, exp.NEQ))


def score(linked: LinkedSchema, wanted: set[str]) -> dict[str, bool]:
    kept = {n.lower() for n in linked.table_names}
    return {"recall": wanted <= kept, "clarify": bool(linked.ties), "at_once": wanted <= kept and not linked.ties,
            "value_on_gold": any(v.table.lower() in wanted for v in linked.values),
            "best_is_gold": bool(linked.tables) and linked.tables[0].name.lower() in wanted}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", help="Spider folder (default: $NL2SQL_SPIDER_DIR or ../shared/benchmarks/spider)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N value questions")
    parser.add_argument("--budget", type=float, default=5.0, help="NL2SQL_LAZY_VALUES_BUDGET_S for the step")
    parser.add_argument("--llm", action="store_true", help="the first LLM question's value reads, whole vs shortlist")
    args = parser.parse_args(argv)
    spider = spider_dir(args.spider)
    if spider is None:
        print(json.dumps({"error": "Spider dev pack not found: set NL2SQL_SPIDER_DIR"}))
        return 2
    os.environ.setdefault("NL2SQL_DATA_DIR", str(data_dir()))
    root = Path(os.environ["NL2SQL_DATA_DIR"])
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
    from nl2sql.guard import policy_for_model
    from nl2sql.lazy_values import LazyValues
    from nl2sql.settings import Settings

    source = build_catalog_warehouse(spider, root / "spider_catalog.duckdb")
    warehouse = DuckDbWarehouse(prefixed_copy(source, root / "spider_catalog_prefixed.duckdb"))
    without = catalog_model(spider)
    examples = json.loads((spider / "dev.json").read_text())
    asked = [ex for ex in examples if (spider / "database" / ex["db_id"] / f"{ex['db_id']}.sqlite").exists()
             and names_a_value(ex["query"]) and gold_tables(ex["query"])][: args.limit]
    if args.llm:
        link(without, "warm-up")
        print(json.dumps({"questions": len(asked), "tables": len(without.tables),
                          **{way: ask_llm(without, warehouse.path, asked, whole=way == "whole", budget=args.budget)
                             for way in ("whole", "shortlist")}}, indent=2))
        return 0
    eager = catalog_model(spider, source)
    cache = Path(tempfile.mkdtemp(prefix="lazy-values-"))           # a cold cache for every run
    step = LazyValues(warehouse, policy_for_model(without, max_rows=1000, dialect="duckdb"),
                      Settings(data_dir=str(cache), lazy_values_budget_s=args.budget))
    link(without, "warm-up"), link(eager, "warm-up")
    totals: dict[str, dict[str, int]] = {w: {} for w in ("without", "lazy", "eager")}
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    notes: list[str] = []
    for ex in asked:
        wanted = {catalog_table_name(ex["db_id"], t).lower() for t in gold_tables(ex["query"]) or ()}
        first = link(without, ex["question"])
        start = time.perf_counter()
        read = step.relink(without, ex["question"], (), first)
        timings["cold"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        step.relink(without, ex["question"], (), first)
        timings["warm"].append((time.perf_counter() - start) * 1000)
        notes += [read.note] if read.note else []
        for way, linked in (("without", first), ("lazy", read.linked), ("eager", link(eager, ex["question"]))):
            for key, hit in score(linked, wanted).items():
                totals[way][key] = totals[way].get(key, 0) + hit
    n = len(asked)
    report: dict[str, Any] = {
        "questions": n, "tables": len(without.tables), "separator": SEPARATOR,
        **{way: {k: f"{v}/{n} ({100 * v / max(n, 1):.1f}%)" for k, v in counts.items()}
           for way, counts in totals.items()},
        "step_ms": {k: {"median": round(statistics.median(v), 1), "max": round(max(v), 1)}
                    for k, v in timings.items() if v},
        "notes": notes[:5],
    }
    print(json.dumps(report, indent=2))
    return 0


def ask_llm(model: Any, path: Path, asked: list[dict[str, Any]], *, whole: bool, budget: float) -> dict[str, Any]:
    """The questions through the LLM path (module doc, ``--llm``), a cold cache; statements counted as they run."""
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse
    from nl2sql.adapters.openai_llm import OpenAiLlm
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings
    from tests.llm_stub import StubLlmServer

    class Counted(DuckDbWarehouse):
        statements = 0

        def run(self, checked: Any, *, max_rows: int | None, timeout_s: float) -> Any:
            Counted.statements += 1
            return super().run(checked, max_rows=max_rows, timeout_s=timeout_s)

    hint = re.compile(r"a value of ([^.\s]+)\.")
    with (StubLlmServer(responder=lambda body: "CANNOT ANSWER: measuring the prompt only.") as stub,
          tempfile.TemporaryDirectory(prefix="value-index-") as cache):
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="m", generator="llm", max_repairs=0,
                            llm_max_retries=0, answer_notes=False, lazy_values_budget_s=budget, data_dir=cache,
                            value_index_whole_up_to=len(model.tables) if whole else 60)
        assistant = Assistant(model, Counted(path), settings, llm=OpenAiLlm.from_settings(settings))
        seconds, statements, on_gold = [], [], 0
        for ex in asked:
            sent, before, start = len(stub.requests), Counted.statements, time.perf_counter()
            assistant.ask(ex["question"], generators=("llm",))
            seconds.append(time.perf_counter() - start)
            statements.append(Counted.statements - before)
            wanted = {catalog_table_name(ex["db_id"], t).lower() for t in gold_tables(ex["query"]) or ()}
            prompts = " ".join(str(m.get("content")) for r in stub.requests[sent:] for m in r.messages)
            named = {t.lower() for t in hint.findall(prompts)}
            on_gold += bool(named & wanted)
    return {"first_s": round(seconds[0], 2), "first_statements": statements[0],
            "later_median_s": round(statistics.median(seconds[1:]), 3),
            "later_median_statements": statistics.median(statements[1:]), "statements": sum(statements),
            "value_hint_on_gold": f"{on_gold}/{len(asked)}"}


if __name__ == "__main__":
    raise SystemExit(main())
