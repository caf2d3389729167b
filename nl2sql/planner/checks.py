"""Checks before any answer: an ordered tuple of small rules over the frame (``QuerySpec``).

Each rule returns the frame (maybe with a deterministic tie-break added) and the notes the user should
read, or raises ``NotUnderstood`` when answering would be a confident wrong answer: contradictory
filters on one column (which silently return nothing), a sum or average of identifiers. The question
itself is checked first: a request to change data is declined, whatever else it says.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from catalog_semantics.question import QuestionWords
from nl2sql.planner.checks_contradiction import no_contradiction, values_spelled_out
from nl2sql.planner.checks_described import no_count_past_a_default, no_unapplied_exclusion
from nl2sql.planner.checks_ties import no_rank_of_unique_values, tie_break
from nl2sql.planner.checks_spelling import no_mixed_spellings
from nl2sql.planner.checks_shares import no_share_dated_by_its_event
from nl2sql.planner.intent_average import no_average_of_some_rows
from catalog_semantics.text import stem
from nl2sql.planner.joins import Ambiguous, Edge, JoinGraph, all_up, role_of
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.words import word_list

Check = Callable[[QuerySpec, Lexicon, JoinGraph], tuple[QuerySpec, tuple[str, ...]]]
_OPENERS = frozenset(word_list("openers"))


def check_question(question: str | QuestionWords) -> None:
    """A question that starts with a verb that changes data is declined.

    >>> check_question("cancel all the trial accounts")
    Traceback (most recent call last):
    ...
    nl2sql.planner.unread.NotUnderstood: This asks to change data; I only read it.
    >>> check_question("how many accounts were cancelled"), check_question("refund count by reason")
    (None, None)
    >>> check_question("stores that sold in every month of 2024")
    Traceback (most recent call last):
    ...
    nl2sql.planner.unread.NotUnderstood: “in every month” may mean rows found in each month or one figure per month; ask “per month” for the second.
    >>> check_question("share of passes, with or without conditions")
    Traceback (most recent call last):
    ...
    nl2sql.planner.unread.NotUnderstood: “with or without” keeps both kinds of rows; I cannot tell which values that covers.
    """
    plain = question_words(question).plain
    first = next((w for w in plain if w not in _OPENERS), "")
    idiom = any(tuple(plain[:len(p.split())]) == tuple(p.split())
                for p in (*word_list("followup", "idiom_openers"), *word_list("followup", "column_requests")))
    at = plain.index(first) if first in plain else len(plain)
    adds_rows = first != "add" or plain[at + 1:at + 2] in ((), *((w,) for w in word_list("add_objects")))
    noun = bool(set(plain[at + 1:at + 2]) & set(word_list("command_noun_heads")))     # "refund count by reason"
    if first in word_list("commands") and not idiom and adds_rows and not noun:
        raise NotUnderstood("This asks to change data; I only read it.", (first,))
    said = " ".join(plain)
    for phrase in word_list("causal"):
        if f" {phrase} " in f" {said} ":
            raise NotUnderstood("This asks why; the data shows what happened, not its causes.", (phrase,))
    for phrase in word_list("either_way"):
        if f" {phrase} " in f" {said} ":
            raise NotUnderstood(f"“{phrase}” keeps both kinds of rows; I cannot tell which values that covers.",
                                (phrase,))
    for phrase in word_list("every_period"):
        for grain in word_list("relative_periods", "grains"):
            if f" {phrase} {grain} " in f" {said} " or f" {phrase} {grain}s " in f" {said} ":
                raise NotUnderstood(f"“{phrase} {grain}” may mean rows found in each {grain} or one figure per "
                                    f"{grain}; ask “per {grain}” for the second.", (phrase, grain))


def check_relative_period(question: str | QuestionWords) -> None:
    """A period named relative to today ("this quarter", "last year") is declined: the data has no today.

    >>> check_relative_period("Show me revenue for this quarter")
    Traceback (most recent call last):
    ...
    nl2sql.planner.unread.NotUnderstood: “this quarter” is relative to today, which the data does not know; name the period (such as “in 1997”).
    >>> check_relative_period("revenue per quarter in 1997")
    >>> check_relative_period("revenue in the last quarter of 1997")
    """
    said = question_words(question).plain
    grains = {tuple(g.split()) for g in word_list("relative_periods", "grains")}
    deictic = set(word_list("relative_periods", "deictic"))
    for i, w in enumerate(said):
        if w not in deictic:
            continue
        for grain in grains:
            after = said[i + 1 + len(grain):i + 2 + len(grain)]
            if tuple(x.rstrip("s") for x in said[i + 1:i + 1 + len(grain)]) == grain and after != ("of",):
                phrase = " ".join((w, *said[i + 1:i + 1 + len(grain)]))
                raise NotUnderstood(f"“{phrase}” is relative to today, which the data does not know; name the "
                                    "period (such as “in 1997”).", (phrase,))


def no_sum_of_keys(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """Identifiers are counted, never added up or averaged."""
    for m in spec.measures:
        if m.kind == "agg" and m.fn in ("sum", "avg", "median") and m.col is not None \
                and m.col.column in lex.tables[m.col.table].keys:
            raise NotUnderstood("That would add up identifiers, which are labels rather than amounts.",
                                (m.col.column,))
    return spec, ()


def no_filter_decided_by_another(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """'customers in FRANCE in ASIA': a value of a table and a value of a table it belongs to, along one
    path. The first decides the second, so the second is either redundant or contradicts it (no rows);
    which one needs the data, so decline. Different paths (customer region, supplier country) are fine."""
    valued = [c for c in spec.conditions if c.kind == "in" and not c.negated and c.col is not None]
    for a in valued:
        for b in valued:
            if a.table == b.table or a.col is None or b.col is None or a.col.via != b.col.via:
                continue
            names = lex.tables[a.table].labels + lex.tables[a.table].pk
            if a.col.column not in names:        # a segment does not decide a customer's country
                continue
            try:
                path = graph.path(a.table, b.table)
            except Ambiguous:
                continue
            if path and all_up(path):
                raise NotUnderstood(f"“{a.text}” already decides “{b.text}”: naming both either repeats it or "
                                    "leaves nothing.", (a.text, b.text))
    return spec, ()


def no_extreme_of_text(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """The highest or lowest of a text column is its last or first in alphabetical order, which is not
    what 'the best-selling ship mode' asks."""
    for m in spec.measures:
        if m.kind == "agg" and m.fn in ("max", "min") and m.col is not None:
            info = lex.tables[m.col.table]
            if m.col.column not in info.numeric and m.col.column not in info.dates:
                raise NotUnderstood("The highest or lowest of a text column is only its alphabetical order.",
                                    (m.col.column,))
    return spec, ()


def no_unsaid_link_state(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """'customers on an annual plan' reaches plans through subscriptions, rows that have a state the model
    names (an active or a cancelled subscription): the question does not say whether the link must be
    current, so decline rather than count cancelled links too. Said states on the link are fine, and so are
    rows below the link ("policyholders who never made a claim": a claim of any of their policies), and so is a
    period of the link's rows ("customers who ordered green parts in 1996": the orders of 1996, whatever their state)."""
    said = {c.table for c in spec.conditions if c.kind in ("filter", "in", "compare", "range")}
    for c in spec.conditions:
        try:
            path = graph.path(spec.base, c.table, c.col.via if c.col else None)
        except Ambiguous:
            continue
        down = next((i for i, e in enumerate(path or ()) if not e.up), None)
        if path is None or down is None or all(not e.up for e in path[down:]):
            continue        # "tenants who never paid late": payments of their leases, whatever the lease's state
        link = path[down].dst
        states = [f.name for f in lex.filters.values() if f.table.lower() == link and _state_test(f.sql, lex, link)]
        if len(states) >= 2 and link not in said:
            raise NotUnderstood(f"“{c.text}” is reached through {link}, which can be {' or '.join(states)}; "
                                "say which (for example “with an active one”).", (c.text,))
    return spec, ()


def no_silent_second_path(spec: QuerySpec, lex: Lexicon, graph: JoinGraph, said: frozenset[str]) -> None:
    """'patients seen at Harbor View': the clinic is the patient's home clinic (the shortest path) or the
    clinic of the appointments the question is also about (rows below the patients that belong to a
    clinic). The two give different rows; unless the question named the path (``said``, the question's
    stems, holds the words of its key column: "home clinic"), decline naming the words rather than take the
    shortest one silently."""
    used = {t for t in _tables_of(spec) if t != spec.base}
    for c in spec.conditions:
        if c.col is None or c.col.via is not None or c.via is not None or c.table == spec.base:
            continue
        try:
            direct = graph.path(spec.base, c.table)
        except Ambiguous:
            continue
        on_path = {e.dst for e in direct or ()}
        if direct and _names_link(direct[0], lex, said):
            continue
        for u in used - on_path - {c.table}:
            try:
                down, up = graph.path(spec.base, u), graph.path(u, c.table)
            except Ambiguous:
                continue
            # (rows asked about only as existing, whose way up goes back through the base, reach the base's
            # own row: no second reading)
            # (nor rows below the base whose way up walks back the same keys: "customers in ASIA who ordered in
            # 1997", the orders' customer is the customer)
            back = up is not None and down is not None \
                and [role_of(e) for e in up[:len(down)]] == [role_of(e) for e in reversed(down)]
            if down and up and not all_up(down) and all_up(up) and c.table not in {e.dst for e in down} and not back \
                    and not (spec.base in {e.dst for e in up} and u in _only_existing(spec)):
                raise NotUnderstood(f"“{c.text}” could be the {c.table} of {spec.base} or of {u}; say which.",
                                    (c.text,))


def _only_existing(spec: QuerySpec) -> set[str]:
    """Tables the question names only as existing or not ("customers who never ordered"): no measure,
    grouping or shown column of theirs."""
    exists = {c.table for c in spec.conditions if c.kind == "exists"}
    return exists - {m.table for m in spec.measures} - {d.col.table for d in spec.dims} - {p.table for p in spec.projections}


def _names_link(edge: Edge, lex: Lexicon, said: frozenset[str]) -> bool:
    """Whether the question says the words a key column adds to its table's name ('home' of home_clinic_id)."""
    info = lex.tables[edge.src]
    own = {stem(w) for w in lex.tables[edge.dst].words} | {"id", "key", "code", "number"}
    extra = {stem(w) for c in edge.src_cols for w in info.column_words.get(c, ())} - own
    return bool(extra) and extra <= said


def _tables_of(spec: QuerySpec) -> set[str]:
    tables = {c.table for c in spec.conditions} | {m.table for m in spec.measures}
    return tables | {d.col.table for d in spec.dims} | {p.table for p in spec.projections}


def _state_test(sql: str, lex: Lexicon, table: str) -> bool:
    """Whether a filter tests one listed value of a column (``status = 'active'``)."""
    try:
        node = sqlglot.parse_one(sql, read=lex.dialect)
    except sqlglot.errors.SqlglotError:
        return False
    if not (isinstance(node, exp.EQ) and isinstance(node.this, exp.Column) and isinstance(node.expression, exp.Literal)):
        return False
    column = lex.tables[table].table.column(node.this.name) if table in lex.tables else None
    return column is not None and bool(column.sample_values)


def no_top_n_of_one_row(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """A top N (N > 1) over a single total: nothing is grouped or listed, so the one row cannot be ranked and
    the words that named what to rank were lost (e.g. absorbed by a named filter): declined, never a total
    shown as if it were the top N."""
    if spec.limit is not None and spec.limit > 1 and spec.measures and not spec.dims and not spec.projections:
        raise NotUnderstood(f"This asks for a top {spec.limit}, but I could not tell what to rank.", ())
    return spec, ()


def no_contrary_order(spec: QuerySpec, lex: Lexicon, graph: JoinGraph) -> tuple[QuerySpec, tuple[str, ...]]:
    """One column sorted both ways ('ordered by age from the oldest to the youngest' read as two sorts):
    the words said one order the reading could not put together; declined, never a sort that looks
    deliberate."""
    seen: dict[object, bool] = {}
    for o in spec.order:
        key = (o.measure, o.col, o.dim)
        if seen.get(key, o.desc) != o.desc:
            raise NotUnderstood("The question sorts one column both ways; say highest first or lowest first.", ())
        seen[key] = o.desc
    return spec, ()


CHECKS: tuple[Check, ...] = (values_spelled_out, no_contradiction, no_average_of_some_rows, no_contrary_order, no_filter_decided_by_another, no_unsaid_link_state, no_sum_of_keys,
                             no_extreme_of_text, no_mixed_spellings, no_top_n_of_one_row, no_rank_of_unique_values,
                             no_share_dated_by_its_event, no_unapplied_exclusion, no_count_past_a_default,
                             tie_break)


def run_checks(spec: QuerySpec, lex: Lexicon, graph: JoinGraph,
               checks: tuple[Check, ...] = CHECKS) -> tuple[QuerySpec, list[str]]:
    notes: list[str] = []
    for check in checks:
        spec, said = check(spec, lex, graph)
        notes.extend(said)
    return spec, notes
