"""Other ways a question says a model name: a metric with its verb ("how much rent did we collect"), a column
without its unit or its table's own word ("capacity" of capacity_kg, "type code" of template_type_code, "status" of
a synonym "invoice status"), who did what a "<verb>ed by" column records ("director" of directed_by), and a
metric's participle as a bare verb ("which tenants owe us the most")."""

from __future__ import annotations

from catalog_semantics.text import STOPWORDS, stem, words
from catalog_semantics.model import Column
from nl2sql.planner.lexicon_names import _ATTRIBUTE_HEADS, _UNITS, TableInfo
from nl2sql.planner.tokens import name_stem
from nl2sql.planner.vocabulary import CUES
from nl2sql.planner.words import word_list, word_map

_KEY_WORDS = frozenset(word_list("key_words"))
_GROUPING_WORDS = frozenset(p for p, cue in CUES if cue.kind == "group" and " " not in p)
_MODIFIER_HEADS = frozenset(word_list("modifier_heads"))
_IRREGULAR = word_map("irregular_participles")     # "lent" -> "lend"


def verb_phrasings(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A metric named by nouns and a participle, asked with the verb after an auxiliary (vocabulary.yaml
    ``metric_phrasings.verb_auxiliaries``); names match on stems, so "collect" meets "collected".

    >>> verb_phrasings(("rent", "collected"))[:2]
    (('rent', 'did', 'we', 'collected'), ('rent', 'do', 'we', 'collected'))
    >>> verb_phrasings(("total", "revenue"))
    ()
    """
    if len(phrase) < 2 or len(phrase[-1]) < 5 or not phrase[-1].endswith("ed"):
        return ()
    return tuple((*phrase[:-1], *words(aux), phrase[-1]) for aux in word_list("metric_phrasings", "verb_auxiliaries"))


def short_names(info: TableInfo, column: str) -> tuple[tuple[str, ...], ...]:
    """Shorter names of a column, weaker than its own: without a unit at the end ("capacity" of capacity_kg,
    "net worth" of net_worth_millions), and without its table's own word first ("type code" of the templates'
    template_type_code: the table's word says whose, as a prefix does; "cost" of its cost_of_treatment).

    >>> from catalog_semantics.model import Column, Table
    >>> from nl2sql.planner.lexicon_names import _table_info
    >>> info = _table_info(Table("templates", (Column("template_type_code", "TEXT"),)), set(), set())
    >>> short_names(info, "template_type_code")
    (('type', 'code'),)
    """
    base = info.column_words[column]
    out = [base[:-1]] if len(base) > 1 and base[-1] in _UNITS else []
    out += agent_nouns(base)
    own = {name_stem(w) for w in info.words}
    if len(base) > 2 and name_stem(base[0]) in own:
        out.append(base[1:])
    if len(base) > 2 and base[-2] == "of" and name_stem(base[-1]) in own and base[0] not in _ATTRIBUTE_HEADS:
        out.append(base[:-2])                # "cost" of the treatments' cost_of_treatment (not "date" alone)
    return tuple(out)


def after_own_word(info: TableInfo, c: Column) -> list[tuple[str, ...]]:
    """'status' of the invoices' column called "invoice status": a synonym of two words whose first is the table's
    own says whose with it, so the second names the column too, weaker (said beside the invoices it is theirs, not
    another table's "status"); only of a column that sorts rows into kinds, never a number's ("value" of "order value"
    would take "the total value of our inventory"), a date's, a key's or a label's."""
    own = {name_stem(w) for w in info.words}
    if c.name in info.numeric or c.name in info.dates or c.name in info.keys or c.name in info.labels:
        return []
    return [said[1:] for said in (tuple(words(s)) for s in c.synonyms) if len(said) == 2 and name_stem(said[0]) in own]


def weak_names(base: tuple[str, ...], table_words: frozenset[str]) -> list[tuple[str, ...]]:
    """One word of a column's name that names it alone, weakly: the last ("tv" of high_definition_tv; never a key
    word, a unit or the word of a table, "cartoons on TV"), and the first of two before a head that only says what
    kind of value it is (vocabulary ``modifier_heads``: "email" of email_address, "role" of role_code, "cell" of
    cell_number).

    >>> weak_names(("email", "address"), frozenset()), weak_names(("order", "date"), frozenset())
    ([('address',), ('email',)], [('date',)])
    """
    out = []
    if len(base) > 1 and base[-1] not in _KEY_WORDS and base[-1] not in _UNITS and name_stem(base[-1]) not in table_words:
        out.append(base[-1:])
    if len(base) == 2 and base[-1] in _MODIFIER_HEADS and base[0] not in _KEY_WORDS and len(base[0]) > 2:
        out.append(base[:1])
    return out


def agent_nouns(base: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Who did it, of a column named "<verb>ed by" (directed_by: "director", created_by: "creator", owned_by:
    "owner"): the verb's stem with each agent ending.

    >>> agent_nouns(("directed", "by")), agent_nouns(("written", "by")), agent_nouns(("order", "date"))
    ([('director',), ('directer',)], [], [])
    """
    if len(base) != 2 or base[1] != "by" or not base[0].endswith("ed") or len(base[0]) < 6:
        return []
    root = stem(base[0])
    return [(root + "or",), (root + "er",)]


def bare_verbs(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A metric named by a noun and a participle ("amount owed", "billed amount") is also its verb alone, weakly
    ("which tenants owe us the most"): the participle without its ending, as a question's word stems.

    >>> bare_verbs(("amount", "owed")), bare_verbs(("billed", "amount")), bare_verbs(("total", "revenue"))
    ((('owe',),), (('bill',),), ())
    >>> bare_verbs(("amount", "lent"))       # an irregular participle (vocabulary irregular_participles)
    (('lend',),)
    """
    if len(phrase) != 2:
        return ()
    amounts = set(word_list("amount_words"))
    verb, noun = (phrase[1], phrase[0]) if _participle(phrase[1]) else (phrase[0], phrase[1])
    if not _participle(verb) or noun not in amounts or len(verb) < 4:
        return ()
    root = _IRREGULAR.get(verb) or (verb[:-2] if len(verb[:-2]) >= 4 else verb[:-1])  # "billed" -> "bill", "owed" -> "owe"
    return ((stem(root),),)


def _participle(word: str) -> bool:
    return word.endswith("ed") or word in _IRREGULAR


def restated_with_grouping(phrase: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """Whether a metric's synonym is another of its names followed by a grouping word and more
    ("delay minutes by cause" of "delay minutes"); "revenue per user" of ARPU stays a name.

    >>> restated_with_grouping(("sales", "by", "item"), ("sales", "revenue", "sales by item"))
    True
    >>> restated_with_grouping(("revenue", "per", "user"), ("arpu", "revenue per user"))
    False
    """
    own = {tuple(words(n)) for n in names}
    return any(w in _GROUPING_WORDS and phrase[:i] in own and i < len(phrase) - 1 for i, w in enumerate(phrase))


def other_spellings(phrase: tuple[str, ...], names: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """A metric's name with its words in their business shorthand, or spelled out (vocabulary
    ``question_shorthand``): a model that says "avg ride time" keeps "avg" as a word of its own, so "avg trip
    duration" must find "average trip duration" as said; and with a word that opens another of its names before
    it, of the same head noun ("net trip revenue" where "net fare revenue" is one): the metric's own word, no other
    condition ("profit margin" is no "profit amount").

    >>> other_spellings(("average", "trip", "duration"))
    (('avg', 'trip', 'duration'),)
    >>> other_spellings(("trip", "revenue"), ("trip revenue", "net fare revenue", "ride count"))
    (('trip', 'rev'), ('net', 'trip', 'revenue'))
    """
    short = word_map("question_shorthand")
    full = {v: k for k, v in short.items()}
    out = []
    for table in (full, short):
        variant = tuple(table.get(w, w) for w in phrase)
        if variant != phrase and variant not in out:
            out.append(variant)
    openers = {ws[0] for n in names if len(ws := words(n)) > 1 and ws[0] not in phrase and ws[0] not in STOPWORDS
               and phrase[-1:] and phrase[-1] in ws[1:]}    # of the same head noun: "net fare revenue", "net revenue"
    return (*out, *((w, *phrase) for w in sorted(openers)))
