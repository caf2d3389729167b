"""The semantic model turned into phrases: every way a question can name a table, column, value, metric
or filter, built once per model and cached.

Sources, strongest first: names and synonyms (3), words derived from names (2: prefixes such as
``l_`` dropped, run-together words split), comment heads and head nouns (1). Values come from sample
values, and code labels read from comments ("F = fulfilled, O = open").
"""

from __future__ import annotations

import re
import weakref
from dataclasses import replace

from catalog_semantics.model import Column, SemanticModel
from catalog_semantics.text import plain_words, stem, words
from nl2sql.planner.lexicon_keys import key_said_beside
from nl2sql.planner.lexicon_names import (
    COMMENT_STOP,
    TableInfo,
    _comment_phrases,
    _free_text,
    _is_texty,
    _known_words,
    _table_info,
    code_label_words,
)
from nl2sql.planner.code_lists import code_list
from nl2sql.planner.lexicon_implied import metric_counts, stored_values, values_head
from nl2sql.planner.lexicon_phrasings import after_own_word, bare_verbs, restated_with_grouping, short_names
from nl2sql.planner.lexicon_phrasings import other_spellings, verb_phrasings, weak_names
from nl2sql.planner.counting import count_nouns, implied_defaults
from nl2sql.planner.told_codes import told_codes
from nl2sql.planner.told_units import told_units
from nl2sql.planner.told_dates import told_dates, told_metric_dates
from nl2sql.planner.verified_dates import verified_dates
from nl2sql.planner.lexicon_index import (  # re-exported: the planner imports them from here
    Concept as Concept, Lexicon as Lexicon, _add, described_words, settle_index)
from nl2sql.planner.synonyms import add_synonyms, flag_filters
from nl2sql.planner.tokens import name_stem, singular
from nl2sql.planner.vocabulary import CUES, cue_index
from nl2sql.planner.words import word_map, vocabulary, word_list

_KEY_WORDS = frozenset(word_list("key_words"))
# Words every table has a column for: "car names" is not what "the names of the countries" means
_ATTRIBUTE_HEADS = frozenset(word_list("attribute_heads"))
# Words that name a table's role rather than its rows ("cars data", "student details", "order records")
_CONTAINER_WORDS = frozenset(word_list("container_words"))
_UNITS = frozenset(word_list("measure_units"))
_MEANINGFUL = frozenset(word_list("meaningful"))
_PROSE_COLUMNS = frozenset(word_list("prose_columns"))
_PARTICLES = frozenset(word_list("particles"))  # "came back": never a value word on its own
# How a count is named ("number of X", "X count") and asked for ("how many X"): see counting_phrasings
_COUNT_AS = tuple(tuple(words(p)) for p in word_list("metric_phrasings", "count_as"))
# "F = fulfilled (all items shipped), O = open" -> (F, fulfilled), (O, open)
_DATE_VERB_WORDS = frozenset(w for ps in dict(vocabulary().get("date_verbs") or {}).values() for p in ps
                              for w in words(str(p)))
_PARTICIPLE = tuple(word_list("participle_suffixes"))
_IRREGULAR = word_map("irregular_participles")        # "sold" -> "sell"
# "month billed" is no date "month" names: a grain word asks for a grain ("payments by month"), not a date
_GRAIN_WORDS = frozenset(("date", "time", *(g for g in word_list("relative_periods", "grains") if " " not in g)))
# "since" of a customer-since date: a word that opens a period ("since 2024") never names a date
_PERIOD_WORDS = frozenset(stem(p) for p, cue in CUES if cue.kind == "date_cmp" and " " not in p)
_CODE_LABEL = re.compile(r"\b([A-Z0-9][A-Z0-9-]{0,3})\s*=\s*([A-Za-z][A-Za-z ]*)")

_CACHE: weakref.WeakKeyDictionary[SemanticModel, Lexicon] = weakref.WeakKeyDictionary()


def lexicon_for(model: SemanticModel) -> Lexicon:
    """The model's lexicon, built on first use and cached while the model lives."""
    try:
        return _CACHE[model]
    except (KeyError, TypeError):
        pass
    lex = build_lexicon(model)
    try:
        _CACHE[model] = lex
    except TypeError:  # unhashable model (mutable parts): no cache, still correct
        pass
    return lex


def build_lexicon(model: SemanticModel) -> Lexicon:
    """Every phrase of the model: tables and their columns, then metrics and filters, then the word
    indexes (longest phrase, known words, words by first letter for typo correction)."""
    known = _known_words(model)
    fk_cols = {(r.from_table.lower(), c.lower()) for r in model.relationships for c in r.from_columns}
    fk_cols |= {(r.to_table.lower(), c.lower()) for r in model.relationships for c in r.to_columns}
    lex = Lexicon({}, {}, {}, {}, {}, dialect=model.dialect)
    # the first word of a multi-word table name ("TV" of TV_Channel, TV_series) names those tables
    table_words = frozenset(name_stem(words(t.name)[0]) for t in model.tables if len(words(t.name)) > 1)
    lex.metrics = {m.name: m for m in model.metrics}
    lex.dated_values = verified_dates(model)      # how verified queries date a value's rows ("returns": received)
    lex.filters, lex.told_codes, lex.told_units = {f.name: f for f in model.filters}, told_codes(model), told_units(model)
    for t in model.tables:
        info = _table_info(t, known, fk_cols)
        told = (*info.told_key, *(c.name for c in t.columns if c.name not in info.labels)) if info.told_key else ()
        if (shown := next((k for k in told if key_said_beside(model.instructions, info.labels[0], k)), None)):
            info = replace(info, shown_key=(shown,))     # "show cust_cd with cust_nm": that key (or code) beside it
        _add_table(lex, info, table_words)
    add_synonyms(lex)                    # "stores" for a shop table: after every table, so a model's own names win
    lex.implied_defaults = implied_defaults(model.metrics, lambda ws, t: _names_table(lex, ws, t),
                                            (*model.filters,), model.dialect)
    _add_metrics_and_filters(lex, model)
    settle_index(lex)
    lex.told_dates, lex.prose = told_dates(model, lex), described_words(model)   # "sales are dated by ..."
    lex.told_metric_dates = told_metric_dates(model, lex)     # "...; collections by the payment date inv.paid_dt"
    for key in (*lex.names, *lex.values):
        lex.max_len = max(lex.max_len, len(key))
        lex.words.update(key)
        for w in key:
            if len(w) >= 4 and not w.isdigit():
                lex.vocab.setdefault(w[0], set()).add(w)
    return lex


def _add_table(lex: Lexicon, info: TableInfo, table_words: frozenset[str]) -> None:
    """A table's names (its own, synonyms, head nouns, comment head) and its columns."""
    t = info.table
    lex.tables[info.key] = info
    concept = Concept("table", info.key)
    _add(lex.names, info.words, concept)
    _add(lex.names, tuple(words(t.name)), concept)
    for syn in t.synonyms:
        _add(lex.names, tuple(words(syn)), concept)
    # "items" alone for "line items": the head noun of a longer name, weakly
    for phrase in (info.words, *(tuple(words(syn)) for syn in t.synonyms)):
        if len(phrase) > 1 and phrase[-1] not in _KEY_WORDS and stem(phrase[-1]) not in _ATTRIBUTE_HEADS:
            _add(lex.names, phrase[-1:], Concept("table", info.key, strength=1))
        if len(phrase) > 1 and stem(phrase[-1]) in _CONTAINER_WORDS:
            # "cars_data", "student_details": the words before say what the rows are ("cars")
            _add(lex.names, tuple(stem(w) for w in phrase[:-1]), Concept("table", info.key, strength=1))
    for phrase in _comment_phrases(t.comment, table=True)[-1:]:
        if len(phrase) == 1:         # "Suppliers (vendors) ...": the bracketed word, or a one-word head
            _add(lex.names, phrase, Concept("table", info.key, strength=1))
    for c in t.columns:
        _add_column(lex, info, c, table_words)
    if (head := values_head(info)) is not None:
        _add(lex.names, (head,), Concept("table", info.key, strength=1))
        kept = [c for c in lex.values.get((head,), []) if not (c.kind == "valueword" and c.table == info.key)]
        if kept:
            lex.values[(head,)] = kept
        else:
            lex.values.pop((head,), None)
    if len(info.pk) == 1:            # "the ids of the students": the key of the table named next
        pk = Concept("column", info.key, info.pk[0], strength=1)
        for word in ("id", "ids", "identifier"):
            lex.names.setdefault((stem(word),), []).append(pk)


def _add_metrics_and_filters(lex: Lexicon, model: SemanticModel) -> None:
    for m in model.metrics:
        concept = Concept("metric", m.table.lower(), name=m.name)
        for phrase in (names := tuple(p.replace("%", " percent") for p in (m.name, *m.synonyms))):   # "margin %"
            if restated_with_grouping(tuple(words(phrase)), (m.name, *m.synonyms)):
                continue    # "delay minutes by cause": the metric and a grouping the question says itself
            if m.table.lower() in lex.implied_defaults and _names_table(lex, count_nouns(tuple(words(phrase))),
                                                                         m.table.lower()):
                continue    # "number of employees" counts the table's rows, under its implied default
            _add(lex.names, tuple(words(phrase)), concept)
            for variant in counting_phrasings(tuple(words(phrase))) if metric_counts(m, model.dialect) else ():
                _add(lex.names, variant, concept)
            for variant in (*verb_phrasings(said := tuple(words(phrase))), *other_spellings(said, names)):   # "avg"
                _add(lex.names, variant, concept)
            for verb in bare_verbs(tuple(words(phrase))):             # "which tenants owe us the most"
                if verb not in lex.names:
                    _add(lex.names, verb, replace(concept, strength=1))
    for f in (*model.filters, *flag_filters(model)):
        lex.filters.setdefault(f.name, f)
        concept = Concept("filter", f.table.lower(), name=f.name)
        for phrase in (f.name, *f.synonyms):
            _add(lex.names, tuple(words(phrase)), concept)
            said = tuple(words(phrase))     # "outstanding orders": "orders are still outstanding" says it too
            if len(said) == 2 and _names_table(lex, said[-1:], f.table.lower()) and _free_adjective(lex, said[0]):
                _add(lex.names, said[:1], replace(concept, strength=1))


def _free_adjective(lex: Lexicon, word: str) -> bool:
    """A word no name, function word or date verb of the model has ("outstanding", not "shipped"); another
    filter's adjective alone ("active" of an active account) leaves it free."""
    w = stem(word)
    weak_filters_only = all(c.kind == "filter" and c.strength == 1 for c in lex.names.get((w,), ()))
    return weak_filters_only and (w,) not in cue_index() and w not in lex.date_hints and w not in lex.date_names \
        and word not in _DATE_VERB_WORDS


def _names_table(lex: Lexicon, phrase: tuple[str, ...], table: str) -> bool:
    key = tuple(name_stem(w) for w in phrase)
    return bool(phrase) and any(c.kind == "table" and c.table == table and c.strength >= 2
                                for c in lex.names.get(key, ()))


def counting_phrasings(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A metric named as a count of X ("number of X", "X count") is also asked for with every counting
    lead of vocabulary.yaml ``metric_phrasings`` ("how many X", "count of X"); other names have none.

    >>> counting_phrasings(("session", "count"))[:2]
    (('how', 'many', 'session'), ('number', 'of', 'session'))
    >>> counting_phrasings(("revenue",))
    ()
    """
    nouns = count_nouns(phrase)
    if not nouns:
        return ()
    return tuple(v for v in ((*lead, *nouns) for lead in _COUNT_AS) if v != phrase)


def _add_column(lex: Lexicon, info: TableInfo, c: Column, table_words: frozenset[str] = frozenset()) -> None:
    col = c.name
    base = info.column_words[col]
    strong = Concept("column", info.key, col, value="label" if col in info.labels else None)
    _add(lex.names, base, strong)
    _add(lex.names, tuple(words(col)), strong)
    for syn in c.synonyms:
        _add(lex.names, tuple(words(syn)), strong)
    for short in after_own_word(info, c):    # "status" of the invoices' "invoice status"
        _add(lex.names, short, Concept("column", info.key, col, strength=2))
    for short in short_names(info, col):     # "capacity" of capacity_kg, "type code" of template_type_code
        _add(lex.names, short, Concept("column", info.key, col, strength=2))
    for weak in weak_names(base, table_words):   # one word of the name alone, weakly ("tv", "email")
        _add(lex.names, weak, Concept("column", info.key, col, strength=1))
    coded = code_list(c.comment, c.sample_values) or lex.told_codes.get((info.key, col), ())
    for phrase in () if coded else _comment_phrases(c.comment, table=False):   # a code list names no column
        _add(lex.names, phrase, Concept("column", info.key, col, strength=1))
    if col in info.dates:    # its comment's words, and the participles of its synonyms ("received on")
        for w in (*words(c.comment or ""), *(w for s in c.synonyms for w in words(s) if w.endswith(_PARTICIPLE))):
            if w not in COMMENT_STOP and len(w) > 2:
                lex.date_hints.setdefault(stem(w), set()).add((info.key, col))
    if col in info.dates:
        for w in (w for w in base[:-1] if stem(w) not in _PERIOD_WORDS):
            lex.date_hints.setdefault(stem(w), set()).add((info.key, col))
        # "delivery date" names the receipt date: first words of a date's names (never "date" nor a grain)
        for phrase in (base, *(tuple(words(s)) for s in c.synonyms)):
            if len(phrase) > 1 and phrase[0] not in _GRAIN_WORDS and stem(phrase[0]) not in _PERIOD_WORDS:
                lex.date_names.setdefault(stem(phrase[0]), set()).add((info.key, col))
            for w in (w for w in phrase if phrase is not base and (w.endswith(_PARTICIPLE) and w != phrase[0]
                                                                  or w in _IRREGULAR)):   # "date received", "sold"
                for form in (w, _IRREGULAR.get(w, w)):
                    lex.date_names.setdefault(stem(form), set()).add((info.key, col))
    values = stored_values(info, c)
    for v in values:
        _add_value(lex, info.key, col, v)
    if not c.sample_values and col not in info.keys and _is_texty(c):
        _add_vocabulary(lex, info, c)
    for code, label in (*_CODE_LABEL.findall(c.comment or ""), *coded):
        label_words = code_label_words(label)
        if len(label_words) == 1 and (_cue_word(label_words[0]) or label_words[0] in base) \
                or _MEANINGFUL & set(label_words):  # "F first": a ranking word; 'will' asks about the future;
            continue                 # "REG code or permit ..." of the reason code: the column's own word
        if label_words and len(label_words) <= 3 and (not values or code in values):
            concept = Concept("value", info.key, col, value=code, name="comment label", strength=2)
            _add(lex.values, tuple(label_words), concept)
            _add(lex.values, tuple(singular(w) for w in label_words), concept, stemmed=False)


def _cue_word(word: str) -> bool:
    """A function word other than a filler ("first" ranks; "manufacturing" only shares the filler's stem)."""
    return any(c.kind != "stop" for c in cue_index().get((stem(word),), ()))


def _add_vocabulary(lex: Lexicon, info: TableInfo, c: Column) -> None:
    """Values too many to show: their words still name rows ("BRASS parts"), and a row's name names it whole ("the
    Larimer Medical Office Building"), however long."""
    prose = _free_text(c.value_vocabulary)
    for v in c.value_vocabulary:
        if c.name in info.labels:
            _add(lex.values, tuple(singular(w) for w in words(v)), Concept("value", info.key, c.name, value=v),
                 stemmed=False)
        if not prose:
            _add_value_words(lex, info.key, c.name, tuple(singular(w) for w in words(v)))


def _add_value_words(lex: Lexicon, table: str, col: str, ws: tuple[str, ...]) -> None:
    # a description's words are prose ("revised" of 'Revised footing per engineer'), never a category's words
    if len(ws) > 1 and not set(lex.tables[table].column_words.get(col, ())) & _PROSE_COLUMNS:
        # "brass" in 'ECONOMY ANODIZED BRASS': a word of several values, matched as containment
        for w in ws:
            if len(w) >= 4 and not w.isdigit() and w not in _PARTICLES and (w,) not in cue_index():
                _add(lex.values, (w,), Concept("valueword", table, col, value=w, strength=1), stemmed=False)


def _add_value(lex: Lexicon, table: str, col: str, value: str) -> None:
    ws = tuple(singular(w) for w in words(value))
    _add_value_words(lex, table, col, ws)
    if len(value) == 1 and value.isalpha() and value.isupper():
        lex.letters.setdefault(value.lower(), []).append(Concept("value", table, col, value=value))
    if not ws or (len(ws) == 1 and (len(ws[0]) < 2 or (ws[0],) in cue_index() or ws[0].isdigit())):
        return
    concept = Concept("value", table, col, value=value)
    _add(lex.values, ws, concept, stemmed=False)
    written = tuple(singular(w) for w in plain_words(value))
    if written != ws:                # "JetBlue" as written, besides "jet blue"
        _add(lex.values, written, concept, stemmed=False)
    # "1-URGENT" is also just "urgent": a leading code is dropped when words remain
    if ws[0].isdigit() and len(ws) > 1 and not any(w.isdigit() for w in ws[1:]):
        rest = ws[1:]
        if not (len(rest) == 1 and (rest[0],) in cue_index()):
            _add(lex.values, rest, Concept("value", table, col, value=value, strength=2), stemmed=False)


