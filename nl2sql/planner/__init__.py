"""The offline answer engine: a question mapped onto the semantic model and compiled to SQL, no LLM.

``plan(question, model)`` returns a ``Candidate`` with SQL, a plain-words interpretation and a
confidence, or an abstention naming the words it did not understand. All knowledge comes from the
model (names, comments, synonyms, sample values, metrics, filters, relationships); nothing here knows
any particular schema.

Steps, each its own module: tokens -> matching (lexicon) -> resolve -> intent (the walk, a frozen ``Frame``)
-> frame_rules (``FRAME_RULES`` settle the frame) -> assemble -> compile, with describe for the interpretation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

from sqlglot import exp

from catalog_semantics.model import SemanticModel
from catalog_semantics.question import QuestionWords
from nl2sql.answer import Candidate, Choice
from nl2sql.planner.assemble import Assembler
from nl2sql.planner.checks import check_question, check_relative_period, no_silent_second_path, run_checks
from nl2sql.planner.clarify import Ambiguity, check_all_of, check_polar, choices_for
from nl2sql.planner.compile import Compiler
from nl2sql.planner.compile_setops import by_key, with_set
from nl2sql.planner.evidence import with_evidence
from nl2sql.planner.frame_period_rows import period_of_named_rows
from nl2sql.planner.defaults import default_note, no_event_left_out, no_event_unread, with_default_filter
from nl2sql.planner.defaults_exists import with_existence_defaults
from nl2sql.planner.defaults_owner import with_owner_defaults
from nl2sql.planner.doubts import run_doubts
from nl2sql.planner.describe import business_name, describe
from nl2sql.planner.frame_rules import settle
from nl2sql.planner.intent import NotUnderstood, Reader
from nl2sql.planner.joins import join_graph
from nl2sql.planner.roles import no_silent_role
from nl2sql.planner.notes_repeats import repeating_name_notes
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.matching import matched
from nl2sql.planner.preambles import around_reading, is_context_note, said_of
from nl2sql.planner.reflected import check_reflected
from nl2sql.planner.relative_years import anchored_years, with_short_years as with_short_years
from nl2sql.planner.resolve import resolve
from nl2sql.planner.setops import describe_set, each_side, set_reading
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words

__all__ = ["NotUnderstood", "checked_sql", "compile_spec", "plan", "plan_spec"]

_LOG = logging.getLogger(__name__)



def rephrase_hint(model: SemanticModel) -> str:
    """How to ask, with examples taken from this model (a metric, a grouping, a value)."""
    lex = lexicon_for(model)
    measures = [m.name for m in model.metrics[:2]]
    groups: list[str] = []
    values: list[str] = []
    for info in lex.tables.values():
        for c in info.table.columns:
            if c.sample_values and c.name not in info.keys and len(groups) < 2:
                groups.append(f"by {business_name(info, c.name)}")
                values.append(c.sample_values[0])
        if not measures and info.numeric:
            measures.append(f"average {' '.join(info.column_words.get(info.numeric[0], ()))}")
    if len(measures) < 2 and lex.tables:
        measures.append(f"number of {' '.join(next(iter(lex.tables.values())).words)}")
    parts = [f"a measure ({', '.join(measures[:2])})"]
    if groups:
        parts.append(f"what to group by ({', '.join(groups)})")
    if values:
        parts.append(f"and any filters (such as {values[0]})")
    return "Try naming " + ", ".join(parts) + "."


def plan_spec(question: str | QuestionWords, model: SemanticModel) -> tuple[QuerySpec, list[str], float]:
    """The spec, assumption notes and confidence for a question (or its words, read once: ``question_words``);
    raises ``NotUnderstood``. A question the planner cannot read whole may be two readings joined by a set
    operation (planner.setops)."""
    words = question_words(question)
    if (anchored := anchored_years(words.text)) != words.text:     # "1997 compared to last year": 1996
        words = question_words(anchored)

    def as_set(first: bool) -> tuple[QuerySpec, list[str], float] | None:
        return set_reading(words.text, lambda q: read_spec(q, model), lexicon_for(model), join_graph(model),
                           first=first)

    combined = as_set(True)
    if combined is not None:
        return combined
    try:
        return read_spec(words, model)
    except NotUnderstood as e:
        combined = as_set(False)
        if combined is None and not isinstance(e, Ambiguity):     # context around the question (planner.preambles)
            lex = lexicon_for(model)
            combined = around_reading(words.text, lambda q: plan_spec(q, model), lex,
                                      lambda s: said_of(s, lex, compile_spec(s, model)))
        if combined is None:
            raise
        return combined


def read_spec(question: str | QuestionWords, model: SemanticModel) -> tuple[QuerySpec, list[str], float]:
    """One reading of the whole question: its spec, assumption notes and confidence. The question's words are
    read once (``question_words``): the checks, the match, the default filter and the doubts all use them."""
    words = question_words(question)
    check_question(words)
    check_relative_period(words)
    check_polar(words)
    lex = lexicon_for(model)
    graph = join_graph(model)
    items = matched(words, lex)
    check_all_of(items)
    items, ambiguous = resolve(items, lex, graph)
    if ambiguous:
        first = next(it for it in items if it.text in ambiguous)
        raise Ambiguity("Some words could mean more than one thing.", tuple(ambiguous), phrase=first.text,
                        tables=tuple(dict.fromkeys(c.table for c in first.concepts)))
    frame = settle(period_of_named_rows(Reader(items, lex, graph).read(), lex, graph), lex)
    assembler = Assembler(frame, lex, graph)
    spec = with_existence_defaults(with_default_filter(assembler.assemble(), words, lex), words, lex, graph)
    spec = with_owner_defaults(spec, words, lex, graph)
    no_event_left_out(spec, frame.date_hints, bool(frame.periods or frame.unit_dims), lex)
    no_event_unread(spec, frame.date_hints, bool(frame.periods or frame.unit_dims or frame.date_cols), lex)
    no_silent_second_path(spec, lex, graph, frozenset(frame.words))
    no_silent_role(spec, lex, graph, frozenset(frame.words))
    check_reflected(items, spec, lex, graph)
    run_doubts(spec, words, lex)
    confidence = 0.9 - 0.1 * frame.fuzzy - 0.05 * frame.weak - 0.05 * len(assembler.notes)
    return spec, assembler.notes, max(0.3, min(1.0, confidence))


def checked_sql(spec: QuerySpec, model: SemanticModel, *, dialect: str | None = None,
                columns: Literal["helpful", "asked"] = "asked") -> tuple[QuerySpec, list[str], str]:
    """The spec after the checks before any answer (``checks.CHECKS``), their notes, and its SQL."""
    lex = lexicon_for(model)
    spec, notes = each_side(spec, lambda side: run_checks(side, lex, join_graph(model)))
    notes += [default_note(t, lex) for t in spec.default_filters]
    if columns == "helpful":                 # only then are such rows kept apart by their key (compile._label_keys)
        notes += repeating_name_notes(spec, lex)
    return spec, notes, compile_spec(spec, model, dialect=dialect, columns=columns)


def compile_spec(spec: QuerySpec, model: SemanticModel, *, dialect: str | None = None,
                 columns: Literal["helpful", "asked"] = "asked") -> str:
    """The SQL of a spec on the model's (or the given) dialect; raises ``NotUnderstood``."""
    target = dialect or model.dialect
    return _compiled(spec, model, target, columns).sql(dialect=target)


def _compiled(spec: QuerySpec, model: SemanticModel, target: str, columns: Literal["helpful", "asked"]) -> exp.Expression:
    compiler = Compiler(spec, lexicon_for(model), join_graph(model), target, helpful=columns == "helpful")
    compiler.exists_only = by_key(spec, compiler.lex.tables[spec.base].pk)
    tree = compiler.compile()
    if not tree.expressions:
        # nothing to show (a "most common X" where X has no column to name it): never an empty SELECT
        raise NotUnderstood("I could not tell which column to show.", ())
    return with_set(tree, spec, lambda side: _compiled(side, model, target, columns), compiler.column,
                    compiler.lex.tables[spec.base].pk)


def plan(question: str, model: SemanticModel, *, dialect: str | None = None,
         columns: Literal["helpful", "asked"] = "asked") -> Candidate:
    """Answer a question with SQL over the model, or abstain saying which words were not understood.

    ``columns="asked"`` (the default) shows what the question asks for: the measures and columns it
    names and the label of a "which X"; ``"helpful"`` also shows what a ranking is ranked by and what a
    list is filtered or sorted on (docs/offline_engine.md, "Columns shown").
    """
    hinted = with_evidence(question, model)      # BIRD's "Hint: ...": named filters and synonyms, or declined
    if hinted.unusable:
        return unusable_hint(hinted.unusable, model)
    question, model = hinted.question, hinted.model
    return answer_spec(lambda: plan_spec(question, model), model, dialect=dialect, columns=columns,
                       question=question)


def unusable_hint(clause: str, model: SemanticModel) -> Candidate:
    return Candidate("offline", None, abstain_reason=f"I could not use this part of the hint: “{clause}”. "
                     f"{rephrase_hint(model)}", unknown_words=(clause,))


def clarify(question: str, model: SemanticModel, error: Ambiguity, dialect: str | None,
            columns: Literal["helpful", "asked"]) -> tuple[Choice, ...]:
    """The readings left when the question is ambiguous, each one that compiles."""
    def read(q: str) -> tuple[QuerySpec, list[str], float]:
        spec, notes, confidence = plan_spec(q, model)
        spec, said, _sql = checked_sql(spec, model, dialect=dialect, columns=columns)
        return spec, notes + said, confidence

    return choices_for(question, model, error, read)


def answer_spec(read: Callable[[], tuple[QuerySpec, list[str], float]], model: SemanticModel, *,
                dialect: str | None = None, columns: Literal["helpful", "asked"] = "asked",
                question: str = "") -> Candidate:
    """Run a reading and compile it into a Candidate; a reading that fails becomes an abstention, or a
    clarifying question with choices when two or three readings of ``question`` remain."""
    try:
        spec, notes, confidence = read()
        spec, said, sql = checked_sql(spec, model, dialect=dialect, columns=columns)
        return Candidate("offline", sql, confidence=confidence,
                         notes=(*(n for n in notes if is_context_note(n)), *said),
                         interpretation=describe_set(spec, lambda s, n: describe(s, lexicon_for(model), n),
                                                        notes + said))
    except NotUnderstood as e:
        choices = clarify(question, model, e, dialect, columns) if isinstance(e, Ambiguity) and question else ()
        if choices:
            return Candidate("offline", None, choices=choices, clarification=f"{e.reason} Which one?",
                             abstain_reason=e.reason, unknown_words=tuple(dict.fromkeys(e.words)))
        words = tuple(dict.fromkeys(e.words))
        named = f" I did not understand: {', '.join(repr(w) for w in words)}." if words else ""
        return Candidate("offline", None, abstain_reason=f"{e.reason}{named} {rephrase_hint(model)}",
                         unknown_words=words)
    except Exception:
        _LOG.exception("offline planner failed on a question")
        return Candidate("offline", None,
                         abstain_reason=f"The offline engine could not handle this question. {rephrase_hint(model)}")
