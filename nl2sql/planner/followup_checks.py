"""Checks of a follow-up's edited frame before it is answered: an ordered tuple of small pure rules, each
returning the reason to decline (``NotUnderstood`` naming the words) or None.

Each rule is a shape of follow-up that unseen conversations answered wrongly while looking confident
(docs/offline_engine.md, "Follow-ups the engine declines"): the edit reads fine, but what it changes of the
previous question is a guess. Declining ("I could not tell how this changes the previous question") costs a
rephrasing; a wrong answer costs trust.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sqlglot
from sqlglot import exp

from nl2sql.planner.edit_conditions import filter_columns
from nl2sql.planner.edits import Edit
from nl2sql.planner.filter_values import tested_values
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import Condition, QuerySpec
from nl2sql.planner.words import phrases

Column = tuple[str, str]          # (table, lower-case column)


@dataclass(frozen=True)
class Turn:
    """What the rules look at: the follow-up's words (stems), its edit, the frame before and after it."""

    stems: tuple[str, ...]
    edit: Edit
    previous: QuerySpec
    new: QuerySpec
    lex: Lexicon

    def says(self, key: str) -> bool:
        """Whether the follow-up says one of the phrases of ``followup.<key>`` (vocabulary.yaml)."""
        return any(self.stems[n:n + len(p)] == p for p in phrases("followup", key) for n in range(len(self.stems)))


Rule = Callable[[Turn], "NotUnderstood | None"]


def filtered_columns(spec: QuerySpec, lex: Lexicon) -> set[Column]:
    """The columns a frame's positive conditions (periods aside) test: a value's column, a named filter's."""
    found: set[Column] = set()
    for c in spec.conditions:
        if c.negated or c.kind == "range":
            continue
        if c.kind == "filter":
            found |= {(c.table, col) for col in filter_columns(lex, c.filter_name)}
        elif c.col is not None and c.kind in ("in", "compare", "contains"):
            found.add((c.col.table, c.col.column.lower()))
    return found


def tables_of(spec: QuerySpec) -> set[str]:
    """The tables a frame reads: its rows, what it measures, groups, shows and filters (and through what)."""
    refs = [d.col for d in spec.dims] + list(spec.projections) + [c.col for c in spec.conditions if c.col]
    return {spec.base} | {m.table for m in spec.measures} | {c.table for c in spec.conditions} | \
        {r.table for r in refs} | {r.via for r in refs if r.via}


def value_on_another_column(turn: Turn) -> NotUnderstood | None:
    """'and Pediatrics?' after appointments at one clinic: said like a replacement ("and X?", "what about X"),
    but X is a value of a column the previous question did not filter on, while it filtered another. Instead
    of the clinic, or at that clinic too? Both are read by people; "only X" / "just X" says it narrows."""
    if not turn.edit.replacing or turn.says("narrowing") or turn.says("keeping"):
        return None
    before = filtered_columns(turn.previous, turn.lex)
    if not before:
        return None
    for v in turn.edit.values:
        if not v.negated and not {(c.table, (c.column or "").lower()) for c in v.concepts} & before:
            return NotUnderstood("It could replace the previous filter or narrow it further; say \"only "
                                 f"{v.text}\" to keep the previous filter, or name both.", (v.text,))
    return None


def word_in_unrelated_values(turn: Turn) -> NotUnderstood | None:
    """'only the Oregon ones' after visits by clinic, where 'Oregon' is only seen inside payer names: a word
    found inside the values of a table the previous question never touched is a guess at what it means."""
    seen = tables_of(turn.previous)
    for v in turn.edit.values:
        if all(c.kind == "valueword" for c in v.concepts) and not {c.table for c in v.concepts} & seen:
            return NotUnderstood("That word only appears inside values of rows the previous question was not "
                                 "about.", (v.text,))
    return None


def grouping_added_or_replaced(turn: Turn) -> NotUnderstood | None:
    """'and by specialty?' after a breakdown by clinic: one set of conversations reads a bare "by X" on a grouped
    answer as a replacement, another as a further breakdown. Only words that say which are answered: "now" /
    "instead" replace, "break that down" / "it" / "too" add; a grouping pinned to one value by a filter, or
    a time grain of the same date, gives way either way (``conversation._edit_groups``)."""
    edit, previous, new = turn.edit, turn.previous, turn.new
    if not (edit.groups or edit.grains) or edit.regroup or edit.instead_of or edit.anaphora or turn.says("keeping"):
        return None
    kept = [d for d in previous.dims if d in new.dims and d.grain is None]
    added = [d for d in new.dims if d not in previous.dims]
    if not (kept and added):
        return None
    words = tuple(g.text for g in edit.groups) + edit.grains
    return NotUnderstood("Add that grouping to the previous one, or group by it instead? Say \"break that down "
                         "by ...\" to add it, or \"now by ...\" to replace.", words)


def metric_pinned_by_filter(turn: Turn) -> NotUnderstood | None:
    """'no-show rate instead' after visits (completed appointments): the new measure reads the status that a
    filter kept from the previous question pins, so it would measure nothing (a no-show rate of completed
    appointments is 0). The filter came with the old measure's words; which of them still holds is a guess."""
    kept = [c for c in turn.new.conditions if c in turn.previous.conditions]
    for m in turn.new.measures:
        if m in turn.previous.measures or m.kind != "metric":
            continue
        read, tests = _metric_columns(turn.lex, m.metric), _metric_tests(turn.lex, m.metric)
        clash = [c for c in kept if c.table == m.table and {(c.table, col) for col in _tested(c, turn.lex)} & {
            (m.table, col) for col in read} and not (tests and _filter_tests(c, turn.lex) == tests)]
        if clash:
            return NotUnderstood(f"The previous filter ({clash[0].text or clash[0].filter_name}) fixes what "
                                 f"{m.metric} measures; ask it again without that filter, or with it named.",
                                 (m.metric,))
    return None


def changes_nothing(turn: Turn) -> NotUnderstood | None:
    """'who placed them?' after a list of orders: the edit read nothing that changes the answer (a shown helper
    column aside); answering the same again would ignore what was asked. An order asked again ("sort it highest
    first") restates the answer's own order: fine."""
    if turn.edit.direction is None and _as_set(turn.new) == _as_set(turn.previous):
        return NotUnderstood("I could not tell what this changes in the previous answer.", ())
    return None


def _as_set(spec: QuerySpec) -> QuerySpec:
    """The spec with its conditions in one order (a condition said again may come back in another place)."""
    return replace(spec, helpers=(), conditions=tuple(sorted(spec.conditions, key=repr)))


def list_keeps_measure(turn: Turn) -> NotUnderstood | None:
    """'list the faulty ones' after a count of meters: the follow-up asks for rows, but its edit only narrows
    the count; answering the count again would ignore the verb."""
    if turn.says("list_verbs") and turn.new.measures:
        return NotUnderstood("This asks for a list, but I could only read it as a change of the previous "
                             "measure.", tuple(w for w in turn.stems if (w,) in phrases("followup", "list_verbs")))
    return None


def years_side_by_side_kept(turn: Turn) -> NotUnderstood | None:
    """'and in 1997?' after revenue per region, 1995 vs 1996 (a column a year): filters and groupings apply to
    both columns, but a new period, grain, measure or ranking would leave the columns about the old years."""
    if not any(m.only for m in turn.previous.measures):
        return None
    rest = replace(turn.edit, values=(), filters=(), negated_filters=(), groups=(), compares=(), unpin=(),
                   instead_of=(), regroup=False, direction=None, ungroup=False, order_by=())
    if rest.empty and all(m.only for m in turn.new.measures):
        return None
    return NotUnderstood("The previous answer puts two years side by side; ask for this in full.", ())


def _tested(c: Condition, lex: Lexicon) -> set[str]:
    if c.kind == "filter":
        return filter_columns(lex, c.filter_name)
    return {c.col.column.lower()} if c.col is not None and c.kind != "range" else set()


def _metric_columns(lex: Lexicon, name: str) -> set[str]:
    """The columns a metric's definition reads inside a condition (CASE WHEN status = 'NS'), lower-case."""
    try:
        node = sqlglot.parse_one(lex.metrics[name].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return set()
    tests = [*node.find_all(exp.If), *node.find_all(exp.Filter)]
    return {col.name.lower() for t in tests for col in t.find_all(exp.Column)}


def _metric_tests(lex: Lexicon, name: str) -> frozenset[tuple[str, str]]:
    """The (column, value) pairs a metric's one condition tests (CASE WHEN status = 'CMP'): a kept filter that
    tests the same keeps exactly the rows the metric counts, so it measures them ("add the number of visits")."""
    try:
        node = sqlglot.parse_one(lex.metrics[name].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return frozenset()
    conds = [t.this for t in node.find_all(exp.If)]
    return frozenset(tested_values(conds[0].sql(lex.dialect), lex.dialect)) if len(conds) == 1 else frozenset()


def _filter_tests(c: Condition, lex: Lexicon) -> frozenset[tuple[str, str]]:
    named = lex.filters.get(c.filter_name or "") if c.kind == "filter" else None
    return frozenset(tested_values(named.sql, lex.dialect)) if named is not None else frozenset()


FOLLOWUP_CHECKS: tuple[Rule, ...] = (changes_nothing, value_on_another_column, word_in_unrelated_values,
                                     grouping_added_or_replaced,
                                     metric_pinned_by_filter, list_keeps_measure, years_side_by_side_kept)


def check_followup(question: str, edit: Edit, previous: QuerySpec, new: QuerySpec, lex: Lexicon) -> None:
    """Raise the first rule's reason to decline the edited frame, if any."""
    from nl2sql.planner.tokens import question_words

    turn = Turn(question_words(question).stems, edit, previous, new, lex)
    for rule in FOLLOWUP_CHECKS:
        reason = rule(turn)
        if reason is not None:
            raise reason
