"""Suggested next questions, from the semantic model and the reading of the answer's SQL.

Drill down (region → country), change the period (the year before), a trend (by year / monthly),
another breakdown, a top 10. Suggestions are questions in the model's own words; the caller keeps only
those a deterministic generator answers (``answerable``), so a click never lands on an abstention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from catalog_semantics.model import SemanticModel
from nl2sql.present.reading import ResultReading, business_name, display_text

MAX_SUGGESTIONS = 4


def suggest_followups(reading: ResultReading, rows: Sequence[Sequence[Any]], model: SemanticModel) -> tuple[str, ...]:
    measures = reading.of_role("measure")
    metric_names = {m.name.lower() for m in model.metrics}
    measure = next((m for m in measures if m.label.lower() in metric_names), None)
    if measure is None:
        return ()
    label = measure.label
    dims = reading.of_role("dimension")
    times = reading.of_role("time")
    period = reading.period
    year = period.start.year if period and period.start and period.end and \
        (period.end.year - period.start.year == 1 and period.start.month == 1) else None
    when = f" in {year}" if year else ""
    # The answer's own filters stay on every suggestion ("for country Germany"): a follow-up that silently
    # widened the scope would answer another question.
    kept = [c.phrase for c in reading.conditions if c.phrase and c.phrase.startswith("for ")]
    scope = "".join(f" {p}" for p in kept)
    out: list[str] = []
    if dims and dims[0].source and rows:
        child = _child_dimension(model, dims[0].source)
        names = [c.name for c in reading.columns]
        idx, at = names.index(dims[0].name), names.index(measure.name)
        ranked = [r for r in rows if isinstance(r[at], (int, float)) or type(r[at]).__name__ == "Decimal"]
        top = max(ranked, key=lambda r: float(r[at]))[idx] if ranked else rows[0][idx]   # drill into the largest
        if child and isinstance(top, str):
            out.append(f"{label} by {child} in {display_text(top)}{when}{scope}")
    if year:
        out.append(f"{label} by {dims[0].label} in {year - 1}{scope}" if dims else f"{label} in {year - 1}{scope}")
    if not times:
        out.append(f"monthly {label} in {year}{scope}" if year else f"{label} by year{scope}")
    for other in _breakdowns(model, exclude={d.label for d in dims}):
        if not any(f"for {other} " in f"{p} " for p in kept):       # not a breakdown of what is filtered
            out.append(f"{label} by {other}{when}{scope}")
            break
    if not dims and not times:
        out.append(f"top 10 customers by {label}{when}{scope}")
    return tuple(dict.fromkeys(q[:1].upper() + q[1:] for q in out))


def keep_answerable(questions: Sequence[str], answerable: Callable[[str], bool]) -> tuple[str, ...]:
    return tuple(q for q in questions if answerable(q))[:MAX_SUGGESTIONS]


def _child_dimension(model: SemanticModel, source: tuple[str, str]) -> str | None:
    """A finer level of the same hierarchy: a table that refers to this one (nation → region) and has a
    named text column (the overlay's synonyms)."""
    table, _ = source
    for rel in model.relationships:
        if rel.to_table.lower() == table.lower() and rel.from_table.lower() != table.lower():
            child = model.table(rel.from_table)
            if child is None:
                continue
            named = next((c for c in child.columns if c.synonyms and "name" in c.name.lower()
                          and "CHAR" in c.type.upper() + "VARCHAR"), None)
            if named is not None and (child.row_count or 0) <= 100:
                return business_name(named)
    return None


def _breakdowns(model: SemanticModel, *, exclude: set[str]) -> list[str]:
    """Low-cardinality named columns (the overlay lists their values): segment, priority, ship mode."""
    return [business_name(c) for t in model.tables for c in t.columns
            if c.sample_values and c.synonyms and 3 <= len(c.sample_values) <= 12 and business_name(c) not in exclude]
