"""extract_sql on every reply shape real models use, and fidelity over all runnable Spider dev gold queries."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import pytest
import sqlglot

from nl2sql.errors import LlmReplyError
from nl2sql.llm.extract import abstention_reason, extract_sql

# Reply shapes: templates with {sql}. Each must give back exactly {sql} (minus a trailing semicolon).
SHAPES: dict[str, str | None] = {
    "fenced_sql": "```sql\n{sql}\n```",
    "fenced_sql_upper": "```SQL\n{sql}\n```",
    "fenced_sqlite": "```sqlite\n{sql};\n```",
    "fenced_plain": "```\n{sql}\n```",
    "fenced_tilde": "~~~sql\n{sql}\n~~~",
    "fenced_one_line": "```{sql}```",
    "fenced_unclosed": "Here it is:\n```sql\n{sql}",
    "fenced_with_prose": "Sure! Here is the query you asked for:\n\n```sql\n{sql};\n```\n\nIt returns what you need.",
    "two_fences_last_wins": "First attempt:\n```sql\nSELECT 1 AS draft\n```\nCorrected:\n```sql\n{sql}\n```",
    "sql_fence_beats_plain": "```sql\n{sql}\n```\nExpected output:\n```\nname | count\n```",
    "fence_after_python": "```python\nprint('select * from x')\n```\nThe query:\n```sql\n{sql}\n```",
    "bare": "{sql}",
    "bare_semicolon": "{sql};",
    "bare_semicolon_comment": "{sql}; -- done",
    "sql_prefix": "SQL: {sql}",
    "bold_label": "**SQL query:** {sql}",
    "after_prose_same_line": "Here is the query: {sql}",
    "after_prose_next_line": "To answer this, I join the tables.\n{sql}",
    "trailing_commentary": "{sql}\n\nThis query counts the rows in each group.",
    "trailing_commentary_same_line": "Query: {sql}; this returns each group.",
    "leading_and_trailing": "Let me think.\n\nAnswer:\n{sql}\n\nExplanation: it filters then groups.",
    "sql_tags": "<sql>{sql}</sql>",
    "sql_tags_with_prose": "The answer is <SQL>\n{sql}\n</SQL> as requested.",
    "json": None,                               # built with json.dumps (quotes and backslashes)
    "json_fenced": None,
    "inline_code": "Run `{sql}` to get the answer",
    "windows_line_endings": "Here you go:\r\n```sql\r\n{sql}\r\n```\r\n",
    "blockquote": "> {sql}",
}


def wrap(shape: str, sql: str) -> str:
    if shape == "json":
        return json.dumps({"sql": sql, "explanation": "counts rows"})
    if shape == "json_fenced":
        return "```json\n" + json.dumps({"query": sql}, indent=2) + "\n```"
    template = SHAPES[shape]
    assert template is not None
    return template.format(sql=sql)


QUERIES = (
    "SELECT name FROM singer WHERE age > 30",
    "select count(*) from singer",
    "SELECT r_name, SUM(o_totalprice) AS revenue\nFROM orders\nJOIN region ON r_id = o_region\n"
    "GROUP BY r_name\nORDER BY revenue DESC",
    "WITH big AS (\n  SELECT id FROM orders WHERE total > 100\n)\nSELECT COUNT(*) FROM big",
    "SELECT 'a; b' AS s, \"quoted col\" FROM t WHERE x = 'It''s. Done' AND y IN (SELECT y FROM u)",
)


ONE_LINE_SHAPES = {"fenced_one_line", "inline_code", "after_prose_same_line", "sql_prefix", "bold_label",
                   "trailing_commentary_same_line", "blockquote"}
CASES = [(shape, i) for shape in sorted(SHAPES) for i, sql in enumerate(QUERIES)
         if "\n" not in sql or shape not in ONE_LINE_SHAPES]


@pytest.mark.parametrize(("shape", "query"), CASES)
def test_every_shape_gives_back_the_sql_verbatim(shape: str, query: int) -> None:
    sql = QUERIES[query]
    assert extract_sql(wrap(shape, sql)) == sql


@pytest.mark.parametrize(
    "reply",
    [
        "I am not sure which table holds that information.",
        "",
        "   \n ",
        "You could select the customers who ordered most, but the schema has no orders table.",
        "```python\nprint('hello')\n```",
        "With the data given, it is not possible to answer.",
    ],
)
def test_no_sql_raises_reply_error(reply: str) -> None:
    with pytest.raises(LlmReplyError, match="did not reply with a SQL query"):
        extract_sql(reply)


def test_abstention_reason_is_reported() -> None:
    reply = "CANNOT ANSWER: there is no table about the weather."
    assert abstention_reason(reply) == "there is no table about the weather."
    with pytest.raises(LlmReplyError, match="no table about the weather"):
        extract_sql(reply)
    assert abstention_reason("SELECT 1") is None
    with pytest.raises(LlmReplyError, match="no orders table"):   # declining wins over SQL-looking prose
        extract_sql("CANNOT ANSWER: no orders table; SELECT * FROM orders would fail.")


def test_multiple_statements_stay_together_for_the_guard() -> None:
    assert extract_sql("```sql\nSELECT 1; DROP TABLE orders;\n```") == "SELECT 1; DROP TABLE orders"
    assert extract_sql("SELECT 1; DROP TABLE orders") == "SELECT 1; DROP TABLE orders"


def test_write_statements_are_extracted_so_the_guard_can_refuse_them() -> None:
    assert extract_sql("Done:\nDELETE FROM orders WHERE id = 1") == "DELETE FROM orders WHERE id = 1"
    assert extract_sql("```sql\nDROP TABLE orders\n```") == "DROP TABLE orders"


def test_unparseable_sql_fence_is_returned_for_the_guard_and_repair() -> None:
    assert extract_sql("```sql\nSELECT a FROM t WHERE\n```") == "SELECT a FROM t WHERE"


def test_unparseable_upper_case_bare_sql_is_returned() -> None:
    assert extract_sql("SELECT a FROM t WHERE\n\nThis is cut off.") == "SELECT a FROM t WHERE"


def test_parsing_fence_preferred_over_later_broken_one() -> None:
    reply = "```sql\nSELECT a FROM t\n```\nor maybe\n```sql\nSELECT a FROM t WHERE\n```"
    assert extract_sql(reply) == "SELECT a FROM t"


def test_prose_select_is_not_mistaken_for_sql() -> None:
    reply = "To select the singers, we filter by age:\nSELECT name FROM singer WHERE age > 30"
    assert extract_sql(reply) == "SELECT name FROM singer WHERE age > 30"


def test_cte_is_not_split_at_the_inner_select() -> None:
    reply = "Query:\nWITH a AS (SELECT 1 AS x)\n\nSELECT x FROM a\n\nThat is all."
    assert extract_sql(reply) == "WITH a AS (SELECT 1 AS x)\n\nSELECT x FROM a"


def test_sentence_period_after_sql_is_not_part_of_it() -> None:
    assert extract_sql("The query is SELECT a FROM t. It lists a.") == "SELECT a FROM t"
    assert extract_sql("Use SELECT a FROM t.\nIt lists a.") == "SELECT a FROM t"


def test_comments_inside_sql_are_kept() -> None:
    sql = "-- revenue by region\nSELECT r_name FROM region"
    assert extract_sql(f"```sql\n{sql}\n```") == sql


def test_duckdb_dialect_specific_sql() -> None:
    sql = "SELECT list_aggregate([1, 2], 'sum') AS s, x::INTEGER FROM t QUALIFY ROW_NUMBER() OVER () = 1"
    assert extract_sql(f"Here: {sql}", dialect="duckdb") == sql


def test_unknown_dialect_falls_back_to_generic_parsing() -> None:
    assert extract_sql("```\nSELECT 1\n```", dialect="no-such-engine") == "SELECT 1"


def test_long_rambling_reply_is_bounded() -> None:
    assert extract_sql(("select the best option. " * 3_000) + "\n```sql\nSELECT 1\n```") == "SELECT 1"
    started = time.monotonic()
    assert extract_sql("select the best option\n" * 3_000 + "SELECT 1") == "SELECT 1"
    assert extract_sql("SELECT the best option now\n" * 3_000 + "\n\nSELECT 1")  # budget spent: a fallback
    assert time.monotonic() - started < 60           # sqlglot work is capped per reply (many minutes uncapped)


# ----------------------------------------------------------------------------- Spider fidelity

FIDELITY_SHAPES = tuple(s for s in sorted(SHAPES) if s != "inline_code")  # gold with backticks would nest


@functools.cache
def spider_gold(spider: Path) -> tuple[tuple[str, object], ...]:
    """Runnable gold queries (wta_1 has no database) that sqlglot can read, with their sqlite ASTs."""
    gold = []
    for item in json.loads((spider / "dev.json").read_text()):
        if item["db_id"] == "wta_1":
            continue
        try:
            gold.append((item["query"], sqlglot.parse_one(item["query"], read="sqlite")))
        except sqlglot.errors.ParseError:
            continue
    return tuple(gold)


@pytest.mark.spider
@pytest.mark.parametrize("shape", FIDELITY_SHAPES)
def test_spider_gold_survives_every_shape(spider: Path, shape: str) -> None:
    gold = spider_gold(spider)
    assert len(gold) > 950
    failures = []
    for sql, expected in gold:
        try:
            got = extract_sql(wrap(shape, sql), dialect="sqlite")
            # The same text (minus a final ";") is the same AST; otherwise compare the ASTs.
            same = got == sql.strip().rstrip(";").strip() or sqlglot.parse_one(got, read="sqlite") == expected
        except Exception as e:
            got, same = f"{type(e).__name__}: {e}", False
        if not same:
            failures.append((sql, got))
    assert not failures, f"{len(failures)} of {len(gold)} differ, e.g. {failures[:3]}"
