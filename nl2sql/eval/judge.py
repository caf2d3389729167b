"""One question's verdict: run gold and prediction, compare, and record everything a report shows.

``status`` is ``correct`` exactly when Spider's execution match holds on every scored file of the
database (one difference: an ORDER BY only inside a CTE or subquery does not make row order count, where the
evaluator's substring test would; ``score_ties.outer_order_matters``); otherwise it says why not (``wrong_result``, ``sql_error``, ``refused``, ``abstained``,
``timeout``), or ``skipped`` when the question cannot be run (database missing, gold SQL failing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from nl2sql.eval.dataset import Example
from nl2sql.eval.execute import Execution, ScoringDatabase
from nl2sql.eval.generators import Prediction
from nl2sql.eval.score import official_sql, order_key_columns, relaxed_eq, result_eq
from nl2sql.eval.score_ties import outer_order_matters

Status = Literal["correct", "wrong_result", "sql_error", "refused", "abstained", "timeout", "skipped"]
STATUSES: tuple[Status, ...] = ("correct", "wrong_result", "sql_error", "refused", "abstained", "timeout", "skipped")
HEAD_ROWS = 5


@dataclass(frozen=True)
class QuestionResult:
    id: str
    db_id: str
    question: str
    status: Status
    pred_sql: str | None
    gold_sql: str
    relaxed: bool | None = None                # None when not scored (skipped)
    reason: str | None = None                  # why not correct, in words (error text, refusal, abstention)
    difficulty: str | None = None
    tags: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0                     # of prompt_tokens, served from the provider's prompt cache
    reasoning_tokens: int = 0                  # of completion_tokens, spent thinking by a reasoning model
    gold_tables: tuple[str, ...] = ()
    linked_tables: tuple[str, ...] | None = None
    linking_kept_gold_tables: bool | None = None   # None: the generator does no schema linking
    gold_head: tuple[tuple[Any, ...], ...] = ()
    pred_head: tuple[tuple[Any, ...], ...] = ()
    gold_row_count: int | None = None
    pred_row_count: int | None = None
    declined_as_expected: bool | None = None       # questions without gold SQL: did the generator decline?

    @property
    def runnable(self) -> bool:
        return self.status != "skipped"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["gold_head"] = [[_jsonable(v) for v in row] for row in self.gold_head]
        data["pred_head"] = [[_jsonable(v) for v in row] for row in self.pred_head]
        data["timings_ms"] = {k: round(v, 3) for k, v in self.timings_ms.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "QuestionResult":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("tags", "gold_tables"):
            known[key] = tuple(known.get(key) or ())
        if known.get("linked_tables") is not None:
            known["linked_tables"] = tuple(known["linked_tables"])
        for key in ("gold_head", "pred_head"):
            known[key] = tuple(tuple(row) for row in known.get(key) or ())
        return cls(**known)


def skipped(example: Example, reason: str) -> QuestionResult:
    return QuestionResult(example.id, example.db_id, example.question, "skipped", None, example.gold_sql,
                          reason=reason, difficulty=example.difficulty, tags=example.tags)


def expected_abstention(example: Example, prediction: Prediction) -> QuestionResult:
    """A question with no gold SQL: kept out of execution accuracy; records whether the generator declined."""
    declined = prediction.outcome in ("abstained", "refused") or not prediction.sql
    result = skipped(example, "No gold SQL: the question expects an abstention.")
    return _replace(result, pred_sql=prediction.sql, declined_as_expected=declined,
                    timings_ms={"generate": prediction.generate_ms}, linked_tables=prediction.linked_tables,
                    prompt_tokens=prediction.prompt_tokens, completion_tokens=prediction.completion_tokens,
                    cached_tokens=prediction.cached_tokens, reasoning_tokens=prediction.reasoning_tokens)


def judge(example: Example, prediction: Prediction, db: ScoringDatabase, *, keep_distinct: bool = False,
          dialect: str = "sqlite") -> QuestionResult:
    gold_text = official_sql(example.gold_sql, keep_distinct=keep_distinct)
    golds = [db.execute(gold_text, i) for i in range(len(db.warehouses))]
    base = QuestionResult(
        example.id, example.db_id, example.question, "skipped", prediction.sql, example.gold_sql,
        difficulty=example.difficulty, tags=example.tags,
        timings_ms={"generate": prediction.generate_ms, "gold": sum(g.elapsed_ms for g in golds)},
        prompt_tokens=prediction.prompt_tokens, completion_tokens=prediction.completion_tokens,
        cached_tokens=prediction.cached_tokens, reasoning_tokens=prediction.reasoning_tokens,
        gold_tables=gold_tables(example.gold_sql, dialect), linked_tables=prediction.linked_tables,
        gold_head=golds[0].rows[:HEAD_ROWS], gold_row_count=len(golds[0].rows) if golds[0].ok else None,
    )
    base = _with_linking(base)
    failed_gold = next((g for g in golds if not g.ok or g.truncated), None)
    if failed_gold is not None:
        why = failed_gold.error or "its result is larger than the scoring cap"
        return _replace(base, status="skipped", reason=f"The gold SQL could not be scored: {why}")
    if prediction.outcome != "sql" or not prediction.sql:
        status: Status = prediction.outcome if prediction.outcome != "sql" else "abstained"
        return _replace(base, status=status, relaxed=False, reason=prediction.reason or "No SQL was produced.")
    pred_text = official_sql(prediction.sql, predicted=True, keep_distinct=keep_distinct)
    ordered = outer_order_matters(gold_text, dialect)      # an ORDER BY only inside a CTE or subquery: no order
    status, reason, first = "correct", None, None
    for index, gold in enumerate(golds):
        pred = db.execute(pred_text, index)
        first = first or pred
        if pred.status != "ok":                     # (not pred.ok, said so the status narrows to a failure)
            status, reason = pred.status, pred.error
            break
        if not result_eq(gold.rows, pred.rows, ordered=ordered):
            status, reason = "wrong_result", "The result differs from the gold result."
            break
    assert first is not None
    tie_key = order_key_columns(gold_text, dialect) if ordered else None     # ties: any order (relaxed only)
    relaxed = first.ok and relaxed_eq(golds[0].rows, first.rows, ordered=ordered, tie_key=tie_key)
    timings = {**base.timings_ms, "pred": first.elapsed_ms}
    return _replace(base, status=status, reason=reason, relaxed=bool(relaxed) or status == "correct",
                    timings_ms=timings, pred_head=first.rows[:HEAD_ROWS],
                    pred_row_count=len(first.rows) if first.ok else None)


def gold_tables(sql: str, dialect: str) -> tuple[str, ...]:
    """Tables a query reads (CTE names excluded), lower-case; empty when it does not parse.

    >>> gold_tables("WITH x AS (SELECT * FROM a) SELECT * FROM x JOIN B ON 1=1", "sqlite")
    ('a', 'b')
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except Exception:
        return ()
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return tuple(sorted({t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes}))


def _with_linking(result: QuestionResult) -> QuestionResult:
    if result.linked_tables is None or not result.gold_tables:
        return result
    linked = {t.lower().rsplit(".", 1)[-1] for t in result.linked_tables}
    return _replace(result, linking_kept_gold_tables=set(result.gold_tables) <= linked)


def _replace(result: QuestionResult, **changes: Any) -> QuestionResult:
    from dataclasses import replace

    return replace(result, **changes)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


__all__ = ["QuestionResult", "STATUSES", "Execution", "expected_abstention", "judge", "skipped", "gold_tables"]
