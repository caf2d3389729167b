"""Calibrated doubt: frame shapes that, on questions nobody here had seen, were often answered wrongly.

Each rule looks at the frame (``QuerySpec``) and the question's words and raises ``NotUnderstood``
(naming the words it was unsure of) or ``Ambiguity`` (two or three readings, offered as choices) where
answering was, on the blind sets, more often wrong than right. The shapes and their figures (wrong
answers caught / right answers lost, on five engines each run on the blind sets written after it:
docs/offline_engine.md, "Calibrated abstention"):

- a bare noun phrase answered as a list ("units shipped by MAIL in 1997", "complaints per depot"):
  no word asks for a list, yet the rows shown are not simply the named rows: count, total or list?
- more groupings than the question has grouping phrases ("average bill per tariff across all accounts"
  read by tariff *and* account; one grain twice in "quarter by quarter");
- a grouping on an identifier the question never called one ("outstanding balance for each insurer"
  grouped by ``payer_id``: the rows have a name the model did not find);
- a count of one table's rows with a past event the frame does not read ("products ever sold").

The rules run on a question read on its own (``plan_spec``), not on follow-up edits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import sqlglot
from sqlglot import exp

from catalog_semantics.question import QuestionWords
from catalog_semantics.text import stem, words
from nl2sql.planner.clarify import Ambiguity
from nl2sql.planner.defaults import columns_of
from nl2sql.planner.describe import business_name
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import table_nouns, text_code
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.vocabulary import CueKind, cue_index
from nl2sql.planner.words import word_list

Doubt = Callable[[QuerySpec, QuestionWords, Lexicon], None]


@cache
def _cue_phrases(kind: CueKind) -> frozenset[tuple[str, ...]]:
    return frozenset(p for p, cues in cue_index().items() if any(c.kind == kind for c in cues))


def _says(stems: tuple[str, ...], kind: CueKind) -> bool:
    """Whether the question has a function word of the vocabulary's cue ``kind`` (``list``, ``group``)."""
    return any(stems[n:n + len(p)] == p for p in _cue_phrases(kind) for n in range(len(stems)))


def _grouping_phrases(stems: tuple[str, ...]) -> int:
    """How many grouping phrases the question has ("per clerk per year": 2), each the longest cue phrase at
    its place, so that a stop phrase holding a grouping word ("across all accounts") does not count."""
    index = cue_index()
    longest = max(len(p) for p in index)
    n, found = 0, 0
    while n < len(stems):
        size = next((k for k in range(min(longest, len(stems) - n), 0, -1) if stems[n:n + k] in index), 0)
        if size and any(c.kind in ("group", "grain") for c in index[stems[n:n + size]]):
            found += 1
        n += max(size, 1)
    return found


def _shown(spec: QuerySpec) -> tuple[ColRef, ...]:
    return spec.projections + tuple(d.col for d in spec.dims)


def bare_list(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'units shipped by MAIL in 1997', 'complaints per depot': no word asks for a list (list, show, which,
    what ...), yet the frame lists amounts, keys or another table's names, or lists rows 'by' something.
    Count, total or list: offered as choices."""
    if spec.measures or _says(question.plain_stems, "list"):
        return
    info = lex.tables[spec.base]
    ranked = {o.col for o in spec.order if o.col is not None}   # "top 10 customers by balance": by = the key
    allowed = {ColRef(spec.base, c) for c in info.labels} | {c for c in ranked if c.table == spec.base}
    # the rows' own attributes ("ship and commit dates of order 1") are fine; amounts, keys, others' names are not
    allowed |= {ColRef(spec.base, c.name) for c in info.table.columns if c.name not in info.numeric + tuple(info.keys)}
    plain = all(ColRef(c.table, c.column) in allowed for c in _shown(spec))
    if plain and (ranked or not _says(question.plain_stems, "group")):
        return
    first = question.words[0] if question.words else ""
    readings = tuple(f"{r} {first}" for r in word_list("doubts", "bare_list_readings"))
    raise Ambiguity("I could not tell whether to list these rows, count them or add them up.", (first,),
                    phrase=first, readings=readings)


def extra_grouping(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """More groupings than the question has phrases for: two groupings need a joining word ("by region and
    segment", "region, segment"); the same grouping twice ("quarter by quarter") is one too many."""
    if len(spec.dims) < 2:
        return
    keys = [(d.col.table, d.col.column, d.grain) for d in spec.dims]
    joiners = set(word_list("doubts", "grouping_joiners"))
    stems = question.plain_stems
    room = max(1, _grouping_phrases(stems)) + sum(1 for s in stems if s in joiners) + question.text.count(",")
    if len(set(keys)) == len(keys) and len(keys) <= room:
        return
    names = tuple(business_name(lex.tables[d.col.table], d.col.column) for d in spec.dims)
    raise NotUnderstood(f"I read {len(names)} groupings ({', '.join(names)}) but the question names fewer; "
                        "say what to group by.", names)


def identifier_grouping(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """A grouping shown only as an identifier ('each insurer' grouped by ``payer_id``) when the question
    never asked for identifiers: the rows' name was not found, so the answer would show codes."""
    if _asks_identifiers(question):
        return
    for d in spec.dims:
        info = lex.tables[d.col.table]
        if d.grain is None and not d.keys and d.col.column in info.keys \
                and not (not d.name and d.col.column not in info.pk and text_code(info, d.col.column)):
            # (a text code the question named as a column, "by origin airport" -> IATA codes, is what it asked)
            name = business_name(info, d.col.column)
            raise NotUnderstood(f"I could only show each group by its identifier ({name}); name the column that "
                                "names it, or ask for the identifier.", (name,))


def pinned_list(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """A list whose every shown column a condition pins to the value the question gave ("the names of Kyle's
    friends" read as the names of the students named Kyle): the answer would only repeat the question's value,
    so the words that named other rows (whose friends) were read as the same rows; declined."""
    if spec.measures or spec.dims or not spec.projections or spec.setop is not None:
        return
    pinned = {ColRef(c.col.table, c.col.column) for c in spec.conditions
              if c.col is not None and not c.negated and c.kind == "in" and len(c.values) == 1}
    if all(ColRef(p.table, p.column) in pinned for p in spec.projections):
        words = tuple(c.text for c in spec.conditions if c.col is not None and ColRef(c.col.table, c.col.column)
                      in pinned)
        raise NotUnderstood("The answer would only repeat the value the question gives; say which rows to list.",
                            words)




def identifier_list(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """A list that shows only number identifiers when the question never asked for identifiers, and they are
    another table's ('which employees are managers' as ``manager_id``) or the rows have a column named by their
    own noun that is not shown ('which units ...' as ``unit_id`` when ``unit_no`` is called "unit"): the rows'
    name was not found. A table known only by its key ("orders with a total price above ...") lists its keys."""
    if spec.measures or spec.dims or spec.setop or _asks_identifiers(question):
        return
    info = lex.tables[spec.base]
    shown = spec.projections or tuple(ColRef(spec.base, c) for c in info.labels)   # the rows' labels
    if not shown or not all(p.column in lex.tables[p.table].keys and not text_code(lex.tables[p.table], p.column)
                            for p in shown):
        return
    named = {c.column for cs in lex.names.values() if any(t.kind == "table" and t.table == spec.base for t in cs)
             for c in cs if c.kind == "column" and c.table == spec.base and c.column not in info.keys}
    if named or any(p.table != spec.base or p.column not in info.pk for p in shown):
        names = tuple(business_name(lex.tables[p.table], p.column) for p in shown)
        raise NotUnderstood("I could only show these rows by their identifiers; name the column that names them, "
                            "or ask for the identifiers.", names)


def _asks_identifiers(question: QuestionWords) -> bool:
    """Whether the question names identifiers ("ids", "codes", "order number"); "no" counts only as a key word
    ("unit no"), never as the negation "had no sales"."""
    said = {stem(w) for w in word_list("key_words")} | {stem(w) for w in word_list("doubts", "identifier_words")}
    negations = {p[0] for p in _cue_phrases("neg") if len(p) == 1}
    return bool((said - negations) & set(question.plain_stems))


def ranked_attribute(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'which 3 clerks booked the highest order value': a top N of an attribute many rows share (a clerk, not a
    row's own key or name), ranked by another column of those rows, lists single rows; the question may mean each
    clerk's total or best. Two readings of a ranking: declined, naming the words."""
    if spec.limit is None or not spec.distinct or spec.dims or spec.measures or not spec.projections or not spec.order:
        return                   # (a list made DISTINCT: the attribute repeats over the rows ranked)
    first, by = spec.projections[0], spec.order[0].col
    info = lex.tables.get(first.table)
    if info is None or by is None or by == first or first.column in info.pk or first.column in info.labels \
            or first.column in info.keys or by.table != first.table or by.column not in info.numeric:
        return
    shown = business_name(info, first.column)
    raise NotUnderstood(f"Top {spec.limit} by {business_name(info, by.column)}: of single rows, or each "
                        f"{shown}'s total? Ask for the total per {shown} or the largest single one.", (shown,))


def unread_event(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'how many different products have ever been sold?': a past event of the rows counted (vocabulary
    ``event_participles``) that nothing of the frame reads (one table, no condition, no period) would count
    every product, sold or not; which rows make the event is not said, so decline naming the word. In the
    present ("how many brands do we sell?") the verb says what the business offers, and is read so."""
    said = [w for w in question.plain if w in word_list("event_participles")]
    if not said or spec.conditions or spec.dims or spec.setop is not None or not spec.measures or \
            any(m.table != spec.base or not (m.kind == "rows" or _counts_rows(lex, m.metric)) for m in spec.measures):
        return
    raise NotUnderstood(f"“{said[0]}” says these rows took part in something the question does not tie to any "
                        "data; name it (for example “that appear on an order”) or give a period.", (said[0],))


def filter_event_undated(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'line items delivered late in 1997': a named filter said with an event's participle ("delivered", vocabulary
    ``event_participles``) that names no date of the model, testing dates but not the one the period is on:
    the period may be of that event (the delivery) or of the date it fell on (the order); decline naming it."""
    periods = {c.col.column.lower() for c in spec.conditions if c.kind == "range" and c.col is not None}
    for c in spec.conditions:
        f = lex.filters.get(c.filter_name) if c.kind == "filter" else None
        said = [w for w in c.text.lower().split() if w in word_list("event_participles") and stem(w) not in
                lex.date_hints and stem(w) not in lex.date_names]
        if f is None or not said or not periods:
            continue
        dates = {d.lower() for d in lex.tables[f.table.lower()].dates} if f.table.lower() in lex.tables else set()
        tested = columns_of(f.sql, lex.dialect) & dates
        if tested and not tested & periods:
            raise NotUnderstood(f"“{said[0]}” may say which date the period is of; name the date (for example "
                                "“by receipt date”).", (said[0],))


def per_group_top(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'for each manufacturer, which container type sold the most': the top rows within each group (vocabulary
    ``per_group_leads``), which one ranking over all groups does not answer; declined naming the words."""
    said = f" {' '.join(question.plain)} "
    lead = next((p for p in word_list("per_group_leads") if f" {p} " in said), None)
    if lead is not None and spec.limit is not None and spec.order:
        raise NotUnderstood("The top rows within each group is not something I can answer yet; ask about one "
                            "group at a time.", (lead,))


def money_unmeasured(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'what did each segment bring in during 1997': a verb of money (vocabulary ``money_verbs``) with nothing
    measured asks for an amount the question does not name; a list of the rows would answer another question."""
    said = f" {' '.join(question.plain)} "
    verb = next((p for p in word_list("money_verbs") if f" {p} " in said), None)
    if verb is not None and not spec.measures:
        raise NotUnderstood("Which amount? Name it (for example one of the model's measures).", (verb,))


def filters_versus(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'avg discount on late lines vs on-time lines': two named filters set against each other (vocabulary
    ``versus_words``) are two groups to compare, never both at once, which would keep no row; declined."""
    if not set(word_list("versus_words")) & set(question.plain):
        return
    named = [c for c in spec.conditions if c.kind == "filter" and not c.negated]
    if len(named) >= 2:
        raise NotUnderstood("Comparing two groups named by filters is not something I can answer yet; ask about "
                            "each.", tuple(c.text for c in named[:2]))


def amount_noun_counted(spec: QuerySpec, question: QuestionWords, lex: Lexicon) -> None:
    """'unpaid fines by fee type': rows counted by group though no word asks for a count, when the rows' noun names a total
    of theirs ("fines assessed" = SUM(amt): the noun, then what was done with it; never "rental revenue", whose noun
    is another) and no count ("fines issued" = COUNT(*)): how many, or how much? Offered."""
    m = spec.measures[0] if len(spec.measures) == 1 else None
    if m is None or (m.kind, m.fn) != ("rows", "count") or m.hidden or spec.having or not spec.dims \
            or _asks_count(question.plain_stems):
        return
    info = lex.tables[m.table]
    said = table_nouns(info) & set(question.plain_stems)
    named = {n: met for n, met in lex.metrics.items() if met.table.lower() == m.table     # "fines assessed": the
             and len(ws := words(n)) >= 2 and stem(ws[0]) in said and ws[-1].endswith("ed")}  # noun, then a verb
    totals = [n for n, met in named.items() if "SUM(" in met.sql.upper().replace(" ", "")]
    if totals and not any(_counts_rows(lex, n) for n in named):
        noun = next(w for w in question.plain if stem(w) in said)
        raise Ambiguity(f"“{noun}” may mean how many there are or how much they come to.", (noun,), phrase=noun,
                        readings=(f"number of {noun}", totals[0]))


def _asks_count(stems: tuple[str, ...]) -> bool:
    """Whether a function word asks for a count ("how many", "number of")."""
    return any(stems[n:n + len(p)] == p for p, cues in cue_index().items()
               if any(c.kind == "agg" and c.arg == "count" for c in cues) for n in range(len(stems)))


def _counts_rows(lex: Lexicon, metric: str) -> bool:
    """Whether a metric of the model counts its table's rows (COUNT(*): "number of orders")."""
    try:
        node = sqlglot.parse_one(lex.metrics[metric].sql, read=lex.dialect)
    except (sqlglot.errors.SqlglotError, KeyError):
        return False
    return isinstance(node, exp.Count) and isinstance(node.this, exp.Star)


DOUBTS: tuple[Doubt, ...] = (bare_list, extra_grouping, identifier_grouping, pinned_list, identifier_list,
                             ranked_attribute, unread_event, filter_event_undated, per_group_top, money_unmeasured,
                             filters_versus, amount_noun_counted)


def run_doubts(spec: QuerySpec, question: str | QuestionWords, lex: Lexicon,
               doubts: tuple[Doubt, ...] | None = None) -> None:
    """Raise on the first shape that was more often wrong than right on unseen questions."""
    read = question_words(question)
    for doubt in DOUBTS if doubts is None else doubts:
        doubt(spec, read, lex)
