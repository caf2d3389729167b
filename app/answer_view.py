"""Render one answer: the sentence, the table, the chart, CSV download, and how it was answered."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import streamlit as st

from app.presenting import Turn, choice_text, failure_text, generator_label, headline
from nl2sql.explain import SqlUsage, pretty_sql

UsageOf = Callable[[str], SqlUsage]
Ask = Callable[[str], None]


def render_answer(turn: Turn, *, llm_model: str | None, usage_of: UsageOf, dialect: str, ask: Ask) -> None:
    answer = turn.answer
    if answer.status == "clarify":
        st.info(answer.message or "Which did you mean?", icon=":material/help:")
        # The button says the question a click asks, in the user's words; the engine's reading of it (which
        # can spell out a metric's formula) is the tooltip.
        for i, choice in enumerate(answer.choices):
            st.button(choice_text(choice), key=f"choice_{turn.id}_{i}", help=choice.label, on_click=ask,
                      args=(choice.question,))
        return
    if not answer.ok:
        message, hint = failure_text(answer)
        show = st.warning if answer.status in ("refused", "abstained") else st.error
        show(message, icon=":material/shield:" if answer.status == "refused" else None)
        st.caption(f"**What to try:** {hint}")
        if turn.did_you_mean:
            st.button(f"Did you mean: {turn.did_you_mean}", key=f"dym_{turn.id}", icon=":material/spellcheck:",
                      on_click=ask, args=(turn.did_you_mean,))
        return
    if answer.trusted:
        st.success("Trusted answer: a person verified this question and its SQL.", icon=":material/verified:")
    st.markdown(f"#### {headline(answer)}")
    for note in dict.fromkeys((*answer.notes, *turn.notes)):   # turn.notes: conversations saved before
        st.info(note, icon=":material/info:")
    if answer.rows:
        _chart(answer.chart)
        frame, config = _table(answer)
        st.dataframe(frame, hide_index=True, key=f"table_{turn.id}", column_config=config)
        st.download_button(
            "Download CSV",
            data=answer.dataframe.to_csv(index=False).encode("utf-8"),
            file_name="answer.csv",
            mime="text/csv",
            key=f"csv_{turn.id}",
        )
    with st.expander("How this was answered"):
        _how(turn, llm_model=llm_model, usage_of=usage_of, dialect=dialect)
    if turn.followups:
        st.caption("Ask next")
        for start in range(0, len(turn.followups), 2):     # two per row: the questions stay readable
            cols = st.columns(2)
            for i, (col, question) in enumerate(zip(cols, turn.followups[start:start + 2]), start):
                col.button(question, key=f"followup_{turn.id}_{i}", on_click=ask, args=(question,), width="stretch")


# Streamlit's own number and date formats per unit: the table keeps numbers (so sorting a column sorts
# values, not text) and shows them like the sentence does.
NUMBER_FORMATS = {"currency": "dollar", "percent": "percent", "count": "localized", "number": "localized"}
DATE_FORMATS = {"year": "YYYY", "quarter": "[Q]Q YYYY", "month": "MMM YYYY", "week": "[week of] YYYY-MM-DD",
                "day": "YYYY-MM-DD", "timestamp": "YYYY-MM-DD HH:mm"}


def _table(answer: Any) -> tuple[Any, dict[str, Any]]:
    """The rows with business column labels and formats by unit; the text view when values came back as
    text (a conversation restored from JSON) or the units are unknown."""
    import datetime as dt

    frame = answer.dataframe
    units, labels = answer.column_units, answer.column_labels
    if len(units) != len(frame.columns) or len(labels) != len(frame.columns):
        return answer.formatted, {}
    config: dict[str, Any] = {}
    for name, unit, label in zip(frame.columns, units, labels):
        title = label[:1].upper() + label[1:]
        values = [v for v in frame[name] if v is not None]
        if unit in ("quarter_of_year", "month_of_year"):
            from nl2sql.present.formats import format_value

            frame[name] = [format_value(v, unit) for v in frame[name]]
            config[name] = st.column_config.Column(title)
        elif unit in DATE_FORMATS and values and all(isinstance(v, (dt.date, dt.datetime)) for v in values):
            config[name] = st.column_config.DatetimeColumn(title, format=DATE_FORMATS[unit])
        elif unit == "year" and all(isinstance(v, (int, float)) for v in values):
            config[name] = st.column_config.NumberColumn(title, format="%d")
        elif unit in NUMBER_FORMATS and str(frame[name].dtype).startswith(("int", "float", "Int", "Float")):
            config[name] = st.column_config.NumberColumn(title, format=NUMBER_FORMATS[unit])
        elif unit in DATE_FORMATS or unit in NUMBER_FORMATS:
            return answer.formatted, {}
        else:
            config[name] = st.column_config.Column(title)
    return frame, config


def _chart(spec: dict[str, Any] | None) -> None:
    if not spec:
        return                                         # the table alone says it best
    meta = spec.get("usermeta", {}).get("nl2sql", {})
    if meta.get("kind") == "metric":
        return                                         # the sentence above already says the one number
    else:
        st.vega_lite_chart(spec, width="stretch")


def _how(turn: Turn, *, llm_model: str | None, usage_of: UsageOf, dialect: str) -> None:
    answer = turn.answer
    st.markdown(f"**Answered by:** {generator_label(answer, llm_model)}")
    if answer.interpretation and answer.generator != "verified":
        st.markdown(f"**Understood as:** {answer.interpretation}")
    st.markdown("**The SQL that ran**")
    st.code(pretty_sql(answer.sql or "", dialect=dialect), language="sql")
    if answer.explanation:
        st.markdown("**What it does** (read from the SQL itself)")
        st.markdown("\n".join(f"- {line}" for line in answer.explanation.splitlines()))
    usage = usage_of(answer.sql or "")
    if usage.tables:
        st.markdown("**Tables:** " + "; ".join(_named(t, c) for t, c in usage.tables))
    if usage.columns:
        st.markdown("**Columns:** " + "; ".join(_named(f"{t}.{c}", d) for t, c, d in usage.columns))
    if usage.metrics:
        st.markdown("**Metrics:** " + "; ".join(_named(m, d) for m, d in usage.metrics))
    if usage.filters:
        st.markdown("**Named filters:** " + "; ".join(_named(f, d) for f, d in usage.filters))
    if answer.timings_ms:
        st.markdown("**Timings:** " + ", ".join(f"{k} {v:,.0f} ms" for k, v in answer.timings_ms.items()))
    if answer.prompt_tokens or answer.completion_tokens:
        st.caption(f"Tokens: {answer.prompt_tokens:,} prompt, {answer.completion_tokens:,} completion.")


def _named(name: str, comment: str | None) -> str:
    return f"`{name}` ({comment.rstrip('.')})" if comment else f"`{name}`"
