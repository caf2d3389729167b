"""The lexicon's values: a ``Concept`` (one thing a phrase can mean: a table, column, value, metric or filter),
the ``Lexicon`` (every phrase of a model, indexed by its stems), and how a phrase joins an index (``_add``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from catalog_semantics.model import Metric, NamedFilter, SemanticModel
from nl2sql.planner.lexicon_names import TableInfo
from catalog_semantics.text import stem, words
from nl2sql.planner.tokens import name_stem
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import word_map

_AGENT = re.compile(r"\b([a-z]{2,}(?:ed|en|ght))\s+by\b")     # "taught by", "supplied by", "written by"


# "valueword": a word found inside a text column's values, read as a substring match.
ConceptKind = Literal["table", "column", "value", "valueword", "metric", "filter"]


@dataclass(frozen=True)
class Concept:
    kind: ConceptKind
    table: str                   # lower-case table name (the measure's grain for metrics)
    column: str | None = None
    value: str | None = None     # the stored value, as the warehouse spells it
    name: str = ""               # metric or filter name
    strength: int = 3


@dataclass
class Lexicon:
    names: dict[tuple[str, ...], list[Concept]]
    values: dict[tuple[str, ...], list[Concept]]
    tables: dict[str, TableInfo]
    vocab: dict[str, set[str]]                # first letter -> words, for typo correction
    date_hints: dict[str, set[tuple[str, str]]]   # stem -> date columns whose comment uses it
    date_names: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # stem -> date columns so named
    max_len: int = 1
    words: set[str] = field(default_factory=set)  # every word of every phrase
    metrics: dict[str, Metric] = field(default_factory=dict)
    filters: dict[str, NamedFilter] = field(default_factory=dict)
    dialect: str = "duckdb"
    letters: dict[str, list[Concept]] = field(default_factory=dict)  # one-letter codes ('A'), by letter
    dated_values: dict[tuple[str, str], str] = field(default_factory=dict)  # (column, value) -> date (verified)
    # the rows a table's count means when a metric named as that count counts only some (counting.py)
    implied_defaults: dict[str, NamedFilter] = field(default_factory=dict)
    told_dates: dict[str, tuple[str, str]] = field(default_factory=dict)  # table -> date, as instructions say
    told_units: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)   # column -> (op, number)
    told_metric_dates: dict[str, tuple[str, str]] = field(default_factory=dict)  # metric -> its own table's date
    told_codes: dict[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)  # legends told
    prose: frozenset[str] = frozenset()       # the words of the model's descriptions: spelled right, no typos
    agent_verbs: dict[str, set[str]] = field(default_factory=dict)   # stem -> tables described "<verb> by ..."


def _add(index: dict[tuple[str, ...], list[Concept]], phrase: tuple[str, ...], concept: Concept,
         *, stemmed: bool = True) -> None:
    if not phrase:
        return
    key = tuple(name_stem(w) for w in phrase) if stemmed else phrase
    if len(key) == 1 and key in cue_index() and concept.strength < 3:
        return                               # a weak name never shadows a function word
    found = index.setdefault(key, [])
    for i, old in enumerate(found):
        if (old.kind, old.table, old.column, old.value, old.name) == (
                concept.kind, concept.table, concept.column, concept.value, concept.name):
            if concept.strength > old.strength:
                found[i] = concept
            return
    found.append(concept)


def settle_index(lex: Lexicon) -> None:
    """The indexes once every name is in: dates a verb names, schema words that are no value fragments, verbs of
    code labels, and verbs a table's description relates it by."""
    prefer_named_dates(lex)
    schema_words_not_fragments(lex)
    label_verbs(lex)
    lex.agent_verbs = agent_verbs(lex)


def agent_verbs(lex: Lexicon) -> dict[str, set[str]]:
    """Verbs a table's description says its rows are done by ("one course taught by one instructor"), with their
    base forms (vocabulary ``irregular_participles``): said in a question that names that table, they only say how
    the tables relate ("instructors who taught the most sections")."""
    bases = word_map("irregular_participles")
    out: dict[str, set[str]] = {}
    for info in lex.tables.values():
        for verb in _AGENT.findall((info.table.comment or "").lower()):
            for form in (verb, bases.get(verb, verb)):
                out.setdefault(stem(form), set()).add(info.key)
    return out


def label_verbs(lex: Lexicon) -> None:
    """A code's one-word label said as a participle ("CMP completed") is also met by its verb ("did each vet
    complete"), as the stored value, not as a word inside other tables' texts ('Complete Blood Count')."""
    for key, concepts in list(lex.values.items()):
        labels = [c for c in concepts if c.kind == "value" and c.name == "comment label"]
        if len(key) != 1 or not labels or not key[0].endswith("ed") or len(key[0]) < 6:
            continue
        for base in {key[0][:-1], key[0][:-2]}:           # complete(d), book(ed)
            if (base,) not in lex.names and not any(c.kind == "value" for c in lex.values.get((base,), [])):
                lex.values[(base,)] = [c for c in lex.values.get((base,), []) if c.kind != "valueword"] + labels


def schema_words_not_fragments(lex: Lexicon) -> None:
    """A word inside longer values that is also a word of a table's or column's name ("request" of 'DUPLICATE
    REQUEST' where tables hold service requests and "request types") names the schema: "the emergency request
    types" are rows of the request type table, not types whose text contains "request"."""
    named = {w for key, concepts in lex.names.items() for w in key
             if any(c.kind in ("table", "column") for c in concepts)}
    # a name that abbreviates the word ("hosp" of HOSP, the hospitals, for 'HOSPITAL' in facility names)
    heads = {w for w in named if len(w) >= 4}
    for key in [k for k in lex.values if len(k) == 1 and (stem(k[0]) in named or any(
            k[0].startswith(h) and len(k[0]) - len(h) <= 5 for h in heads))]:
        kept = [c for c in lex.values[key] if c.kind != "valueword"]
        if kept:
            lex.values[key] = kept
        else:
            lex.values.pop(key)


def prefer_named_dates(lex: Lexicon) -> None:
    """A verb that names a date column ("opened" of opened_date) hints that date only, not every date whose
    comment also uses it ("NULL while open" of closed_date)."""
    for word, hinted in lex.date_hints.items():
        named = {h for h in hinted if word in {stem(w) for w in lex.tables[h[0]].column_words.get(h[1], ())}
                 or h in lex.date_names.get(word, ())}
        if named and named != hinted:
            lex.date_hints[word] = named


def described_words(model: SemanticModel) -> frozenset[str]:
    """Every word the model's own descriptions use (tables' and columns' comments): a question's word among them
    is a word of this domain spelled right ("filed", of "date the application was filed"), never a typo of a
    value a letter away ("FAILED")."""
    texts = (t.comment or "" for t in model.tables)
    columns = (c.comment or "" for t in model.tables for c in t.columns)
    return frozenset(w for text in (*texts, *columns) for w in words(text.lower()) if len(w) >= 4)
