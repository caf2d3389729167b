"""Linking across schemas: retrieve a shortlist from a big catalog, then keep whole readings, schema by schema.

A model of more than ``SHORTLIST_FROM`` tables (``linking.py``) is linked in two stages: ``shortlist`` asks the
index (``link_index.py``) for the tables and schemas the question's words reach, the detailed scorer ranks only
those, and ``prune_by_schema`` turns the ranking into a context of readings (one schema each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog_semantics.join_paths import bridge_tables
from catalog_semantics.link_index import LinkIndex
from catalog_semantics.link_match import LinkedTable, Question, ValueMatch, word_share
from catalog_semantics.model import SemanticModel, Table
from catalog_semantics.text import link_stem, typo_match, words

SHORTLIST = 40                 # tables the retrieval stage hands to the detailed scorer
FIRST_READING_MAX = 6          # tables the best reading may take, bridges and the rest of its schema included
OTHER_READING_TABLES = 2       # matched tables of each reading after the best one
WHOLE_SCHEMA_UP_TO = 6         # the best reading keeps its whole schema when it has at most this many tables
SCHEMA_WEIGHT = 0.6            # a reading's strength: its best table's score + this x its schema's coverage (0..1)
READING_WORDS = 0.3            # ... + this x the share of the question's words its shortlisted tables explain together
READING_SHARE = 0.3            # a schema reading keeps tables scoring this share of its best (3 and 0.5: worse)
TIE_MARGIN = 0.02             # readings this close to the best one's strength are ties (the question can't choose)
NAMED_SCHEMA_BONUS = 1.0       # a schema the question names ("... in sales") outranks the readings it does not name
MAX_CONTEXT = 10               # tables a link across schemas keeps at most, bridges included


@dataclass(frozen=True)
class Reading:
    """One schema's reading of a question: the schema ("catalog.schema") and its tables in the context."""

    schema: str
    tables: tuple[str, ...]


def schema_of(table: Table) -> str:
    return ".".join(p for p in (table.catalog, table.schema) if p)


def shortlist(model: SemanticModel, q: Question, index: LinkIndex, values: tuple[ValueMatch, ...],
               named_tables: set[str]) -> tuple[tuple[Table, ...], dict[str, float]]:
    """Stage one: the tables the index retrieves for the question's words (as ``_match_word`` meets them),
    plus the tables of matched values, metrics and filters."""
    terms: dict[str, tuple[float, str]] = {}     # term -> (weight, the question word it stands for)

    def add(term: str, weight: float, word: str) -> None:
        if weight > terms.get(term, (0.0, ""))[0]:
            terms[term] = (weight, word)

    for s in sorted(q.stems):                     # sorted: the same sums, so the same ties, in every process
        own = q.weight.get(s, 1.0)                # an operator word's guesses weigh no more than it does
        add(s, own, s)
        if len(s) >= 5:
            for n in range(len(s) - 2, len(s) + 3):
                for t in index.term_shape.get((s[0], n), ()):
                    if t != s and len(t) >= 5 and typo_match(t, s):
                        add(t, 0.8 * own, s)
        if len(s) >= 4:
            for t in index.term_grams.get(s, ()):
                add(t, 0.6 * own, s)                               # "segment" inside "mktsegment"
            for n in range(4, len(s)):
                if s[:n] in index.vocabulary:
                    add(s[:n], 0.6 * own, s)                       # "acct"-style abbreviations
    for s in sorted(q.implied & index.vocabulary):    # "mpg", never a value ('ITA' for "is the average")
        add(s, 0.7, s)
    for s in sorted(q.joined):
        add(s, 1.0, s)
    found = index.retrieve(terms, SHORTLIST)
    names = set(found.tables) | {v.table for v in values} | named_tables
    for schema in found.whole_schemas:
        names.update(index.schema_tables(schema))
    # The index lists tables in the model's order, so positions pick them without a pass over the catalog.
    ids = sorted(index.position[n] for n in names if n in index.position)
    # Coverage of every schema the shortlist reaches, not only of the best-covering ones: a reading's strength
    # adds it, and a schema left at 0 would lose to any that happens to be among the best-covering.
    reached = {int(index.schema_of[i]) for i in ids}
    coverage = {index.schemas[i]: float(found.coverage[i]) for i in reached if found.coverage[i] > 0}
    return tuple(model.tables[i] for i in ids), coverage


def prune_by_schema(q: Question, index: LinkIndex, ranked: list[Table], scores: dict[str, float],
                    coverage: dict[str, float], explained: dict[str, dict[str, float]], max_tables: int,
                    min_score: float) -> tuple[list[LinkedTable], tuple[Reading, ...]]:
    """Several schemas: each is a reading of the question (its matched tables and their bridges), best first.

    A question is almost always about one schema, and a word like "employees" can name a table in many; so
    rather than the best tables overall (a mix no query can use), the context holds whole readings: the best
    schema's matched tables joined by their bridges, then the next schema's, up to ``MAX_CONTEXT`` tables.
    Also returns the readings tied with the best one (two or more, or none): the words fit several schemas
    equally well, so the product asks which one rather than choosing (a schema named in the question wins).
    ``explained`` holds, per table, the question words it explains (``link_match.explained_words``).
    """
    by_schema: dict[str, list[Table]] = {}
    for t in ranked:
        by_schema.setdefault(schema_of(t), []).append(t)
    top = scores[ranked[0].name] if ranked else 0.0
    floor = max(min_score, 0.1 * top)
    together = {s: word_share(q, index, reading_words(ts, explained)) for s, ts in by_schema.items()}

    def strength(schema: str) -> float:        # its best table, and how much of the question it covers
        named = NAMED_SCHEMA_BONUS if names_schema(q.text, schema) else 0.0
        return (scores[by_schema[schema][0].name] + SCHEMA_WEIGHT * coverage.get(schema, 0.0)
                + READING_WORDS * together[schema] + named)

    order = [s for s in sorted(by_schema, key=lambda s: (-strength(s), s)) if scores[by_schema[s][0].name] >= floor]
    chosen: list[LinkedTable] = []
    readings: list[Reading] = []
    for schema in order:
        tables = by_schema[schema]
        first = not chosen
        lead = scores[tables[0].name]
        cap = max_tables if first else min(max_tables, OTHER_READING_TABLES)
        picked = [t.name for t in tables if scores[t.name] >= max(floor, READING_SHARE * lead)][:cap]
        group = [LinkedTable(n, scores[n]) for n in picked]
        group += [LinkedTable(b, scores.get(b, 0.0), "bridge") for b in bridge_tables(index.graph, picked)]
        if first:
            whole = index.schema_tables(schema)
            if len(whole) <= WHOLE_SCHEMA_UP_TO:        # the best reading's small schema comes whole, as
                shown = {g.name for g in group}         # a small single-schema model does
                group += [LinkedTable(n, scores.get(n, 0.0), "kept") for n in whole if n not in shown]
        room = MAX_CONTEXT - len(chosen)
        if first:                                   # leave room for other readings (matches first, then bridges)
            group = group[:min(room, FIRST_READING_MAX)]
        if len(group) <= room:
            chosen += group
            readings.append(Reading(schema, tuple(g.name for g in group)))
        if len(chosen) >= MAX_CONTEXT:
            break
    if not any(names_schema(q.text, s) for s in order):
        tied = word_ties(q, [by_schema[s] for s in order])[:MAX_CONTEXT]
        if len(tied) > 1:                      # each tied schema's table first, then the readings' other tables
            names = [t.name for t in tied]
            names += [c.name for c in chosen if c.name not in names][:MAX_CONTEXT - len(names)]
            reasons = {c.name: c.reason for c in chosen}
            schemas = {n: schema_of(t) for n, t in ((t.name, t) for ts in by_schema.values() for t in ts)}
            schemas.update({n: r.schema for r in readings for n in r.tables})      # bridges
            return ([LinkedTable(n, scores.get(n, 0.0), reasons.get(n, "match")) for n in names],
                    tuple(Reading(schema_of(t), tuple(n for n in names if schemas.get(n) == schema_of(t)))
                          for t in tied))
    best = strength(order[0]) if order else 0.0
    ties = tuple(r for r in readings if strength(r.schema) >= best - TIE_MARGIN)
    return chosen, ties if len(ties) > 1 else ()


def reading_words(tables: list[Table], explained: dict[str, dict[str, float]]) -> dict[str, float]:
    """The question words a schema's tables explain together, each by its best match: "which region is the city
    Kabul in" is answered by a reading whose city table holds Kabul and whose country table holds region."""
    best: dict[str, float] = {}
    for t in tables:
        for word, quality in explained.get(t.name, {}).items():
            best[word] = max(quality, best.get(word, 0.0))
    return best


def word_ties(q: Question, readings: list[list[Table]]) -> list[Table]:
    """Each reading's best table whose name holds every word the question asks about, when several do.

    "How many courses are there?" against a catalog with a course table in twenty schemas: every such table
    holds all the question's words (its aggregation words aside), so nothing in the question chooses among
    them, whatever their names' other words or their sizes make their scores; a value or a second concept
    the names lack ("courses in Spanish") leaves no tie. Readings come best first, tables best first.

    >>> from catalog_semantics.model import Column
    >>> t = [[Table(n, (Column("id", "INT"),), schema=s)] for s, n in (("a", "courses"), ("b", "course_list"))]
    >>> [x.name for x in word_ties(Question("How many courses are there?", operator_weight=0.4), t)]
    ['courses', 'course_list']
    >>> word_ties(Question("How many courses are in Spanish?", operator_weight=0.4), t)
    []
    """
    asked = q.stems - set(q.weight)
    if not asked:
        return []
    found = []
    for tables in readings:
        for t in tables:
            held = {link_stem(w) for w in (*words(t.name), *(w for s in t.synonyms for w in words(s)))}
            if asked <= held:
                found.append(t)
                break
    return found if len(found) > 1 else []


def table_ties(q: Question, ranked: list[Table], scores: dict[str, float], min_score: float) -> tuple[Reading, ...]:
    """Ties in a model linked in one stage (small, every table scored): schemas whose best tables score as well as
    the best one, e.g. ``a.shipments`` and ``b.shipments`` for "total amount of shipments"; none when the question
    names one of them or fewer than two schemas match.

    >>> from catalog_semantics.model import Column
    >>> t = [Table("shipments", (Column("amount", "DOUBLE"),), schema=s) for s in ("a", "b")]
    >>> [r.schema for r in table_ties(Question("total amount of shipments"), t, {"shipments": 1.2}, 0.3)]
    ['a', 'b']
    """
    best: dict[str, float] = {}
    for t in ranked:
        best.setdefault(schema_of(t), scores[t.name])
    if len(best) < 2 or any(names_schema(q.text, s) for s in best):
        return ()
    top = max(best.values())
    tied = [s for s in sorted(best) if best[s] >= max(min_score, top - TIE_MARGIN)]
    if len(tied) < 2:
        return ()
    return tuple(Reading(s, tuple(t.name for t in ranked if schema_of(t) == s and scores[t.name] >= min_score))
                 for s in tied)


def names_schema(question: str, schema: str) -> bool:
    """Whether the question names the schema explicitly: "schema hr", "the hr schema", or ``catalog.schema``.

    A bare word is not enough: a schema called ``sales`` or ``singer`` shares its name with what questions ask.

    >>> [names_schema(q, "prod.hr_1") for q in ("employees (schema hr_1)?", "the hr_1 schema", "in prod.hr_1",
    ...                                        "hr_1 employees", "schema hr_10")]
    [True, True, True, False, False]
    """
    lowered = question.lower()
    name = re.escape(schema.rsplit(".", 1)[-1].lower())
    forms = [rf"\bschema\s+{name}(?![\w])", rf"(?<![\w.]){name}\s+schema\b"]
    if "." in schema:
        forms.append(rf"(?<![\w.]){re.escape(schema.lower())}(?![\w])")
    return bool(name) and any(re.search(f, lowered) for f in forms)
