"""What the linking index needs from one table, derived from that table alone: its retrieval terms with their
field weights, its identifier words, and the sample values a question may name.

Derived per table so the index of a big catalog can be cached table by table (``link_index._disk_cached``):
when one table changes, only its terms are computed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog_semantics.model import Table
from catalog_semantics.text import STOPWORDS, is_text_type, link_stem, plain_words, words

_FIELD_WEIGHT = {"name": 3.0, "column": 1.0, "comment": 0.4, "value": 0.6}


@dataclass(frozen=True)
class ValueEntry:
    table: str
    column: str
    value: str
    words: tuple[str, ...]
    vocabulary: bool = False                   # from the column's value vocabulary (big catalogs only)


@dataclass(frozen=True)
class TableTerms:
    """Everything the index needs from one table, derived from it alone (so it can be cached per table)."""

    name: str
    schema: str                                # "catalog.schema"; tables of one schema are linked together
    df_stems: frozenset[str]                   # name and column-name stems: the detailed scorer's word rarity
    vocabulary: frozenset[str]                 # stems of every name, synonym and comment word
    values: tuple[ValueEntry, ...]
    open_text: bool                            # a text column too varied to sample (names, cities)
    terms: tuple[tuple[str, float], ...]       # retrieval term -> field-weighted frequency


def table_terms(table: Table) -> TableTerms:
    name_stems = {link_stem(w) for w in words(table.name)}
    df_stems = frozenset({link_stem(w) for c in table.columns for w in words(c.name)} | name_stems)
    vocabulary = frozenset(link_stem(w) for text in _texts(table) for w in words(text))
    values = []
    for c in table.columns:
        for v, from_vocabulary in [*((v, False) for v in c.sample_values), *((v, True) for v in c.value_vocabulary)]:
            vw = plain_words(v)
            if any(len(w) >= 2 and not w.isdigit() for w in vw) and not all(w in STOPWORDS for w in vw):
                values.append(ValueEntry(table.name, c.name, v, vw, from_vocabulary))
    open_text = any(is_text_type(c.type) and not c.sample_values and not c.is_primary_key for c in table.columns)
    tf: dict[str, float] = {}

    def add(text: str, field: str, split: bool = True) -> None:
        for w in (words(text) if split else plain_words(text)):
            if len(w) > 1 and not w.isdigit() and w not in STOPWORDS:
                s = link_stem(w)
                tf[s] = tf.get(s, 0.0) + _FIELD_WEIGHT[field]

    for text in (table.name, *table.synonyms):
        add(text, "name")
    for c in table.columns:
        for text in (c.name, *c.synonyms):
            add(text, "column")
        if c.comment:
            add(c.comment, "comment")
        for word in sorted({w for v in (*c.sample_values, *c.value_vocabulary) for w in plain_words(v)}):
            add(word, "value", split=False)
    if table.comment:
        add(table.comment, "comment")
    schema = ".".join(p for p in (table.catalog, table.schema) if p)
    return TableTerms(table.name, schema, df_stems, vocabulary, tuple(values), open_text, tuple(sorted(tf.items())))


def _texts(table: Table) -> tuple[str, ...]:
    return (table.name, table.comment or "", *table.synonyms,
            *(x for c in table.columns for x in (c.name, c.comment or "", *c.synonyms)))
