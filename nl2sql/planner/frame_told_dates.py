"""The date an instruction gives a metric ("collections by the payment date inv.paid_dt") dates a period or a series
of that metric when the question names no date of its own: "cash collected in Q3 2025" is by payment date, not by
the invoices' default date. A frame rule (``frame_rules.FRAME_RULES``)."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.frame import Frame
from nl2sql.planner.lexicon import Lexicon


def metric_told_date(f: Frame, lex: Lexicon) -> Frame:
    """The frame with the told date of its metrics as the date hint, when they all share one."""
    if not (f.periods or f.unit_dims) or f.date_hints or f.date_cols or not f.measures \
            or any(m.kind != "metric" for m in f.measures):
        return f
    dates = {lex.told_metric_dates.get(m.metric) for m in f.measures}
    told = next(iter(dates)) if len(dates) == 1 else None
    return f if told is None else replace(f, date_hints=(told,))
