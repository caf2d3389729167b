"""How a table's and its columns' names and comments become words: run-together names split, common
abbreviations spelled out, the head noun phrases of comments, and the columns that name a row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog_semantics.model import Column, SemanticModel, Table
from catalog_semantics.text import stem, words
from nl2sql.planner.tokens import singular
from nl2sql.planner.words import word_list, word_map

NUMERIC_TYPES = ("INT", "DEC", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "NUMBER", "MONEY")
_DATE = ("DATE", "TIME")
COMMENT_STOP = frozenset(word_list("comment_stop"))
# "... e.g. GERMANY or UNITED STATES." / "e.g. 'forest green lace blush navy'": examples of stored values
_EXAMPLES = re.compile(r"\b(?:e\.g\.|for example|such as)\s*(.+?)(?:\)|\.(?:\s|$)|;|$)", re.IGNORECASE)


@dataclass(frozen=True)
class TableInfo:
    table: Table
    key: str                                  # lower-case name
    words: tuple[str, ...]                    # the table's own words, e.g. ('line', 'item')
    pk: tuple[str, ...]
    labels: tuple[str, ...]                   # columns that name a row (name, title), else the key
    dates: tuple[str, ...]
    numeric: tuple[str, ...]
    keys: frozenset[str]                      # primary and foreign key columns (counted, never summed)
    column_words: dict[str, tuple[str, ...]] = field(default_factory=dict)


def comment_examples(comment: str | None) -> tuple[str, ...]:
    """Values a comment gives as examples, when the catalog sampled none.

    >>> comment_examples("Name of the country, in upper case, e.g. GERMANY or UNITED STATES.")
    ('GERMANY', 'UNITED STATES')
    >>> comment_examples("Five colour words, e.g. 'forest green lace blush navy'.")
    ('forest green lace blush navy',)
    """
    out: list[str] = []
    for m in _EXAMPLES.finditer(comment or ""):
        for part in re.split(r",|\bor\b|\band\b", m.group(1)):
            text = part.strip().strip("'\"`").strip()
            if 2 <= len(text) <= 60:
                out.append(text)
    return tuple(dict.fromkeys(out))


# "WX weather, ATC air traffic control" / "Cabin - F first, J business": a list of stored codes, each with its label
_CODE_ITEM = re.compile(r"^\s*([A-Z0-9][A-Z0-9-]{0,4})\s+([A-Za-z][A-Za-z ]*?)\s*\.?\s*$")


def code_list(comment: str | None, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs of a comment that lists stored codes with their meanings, when at least two of
    its items are codes the column holds (so a sentence is never read as one).

    >>> code_list("CMP completed, CNX cancelled, DVT diverted", ("CMP", "CNX", "DVT"))
    (('CMP', 'completed'), ('CNX', 'cancelled'), ('DVT', 'diverted'))
    >>> code_list("Sales channel - WEB website, TA travel agent.", ("WEB", "TA"))
    (('WEB', 'website'), ('TA', 'travel agent'))
    >>> code_list("Aircraft type code: E175, A320", ("E175", "A320"))
    ()
    """
    text = re.split(r"\s[-:]\s|:\s", comment or "", maxsplit=1)[-1]
    known = set(values)
    found = [(m.group(1), m.group(2)) for part in re.split(r"[,;]", text)
             if (m := _CODE_ITEM.match(part)) and m.group(1) in known]
    return tuple(found) if len(found) >= 2 else ()


def _free_text(values: tuple[str, ...]) -> bool:
    """Remarks and addresses are not categories: their words would match anything."""
    return bool(values) and sum(len(words(v)) for v in values) / len(values) > 3.5


def text_code(info: TableInfo, column: str) -> bool:
    """A character-typed column (an IATA code, a tail number): a reader knows the rows by its values."""
    return any(c.name == column and any(k in c.type.upper() for k in ("CHAR", "TEXT", "STRING"))
               for c in info.table.columns)


def _is_texty(c: Column) -> bool:
    return not any(k in c.type.upper() for k in NUMERIC_TYPES)


def _table_info(t: Table, known: set[str], fk_cols: set[tuple[str, str]]) -> TableInfo:
    key = t.name.lower()
    prefix = _shared_prefix(t)
    col_words = {c.name: _split_words(c.name[len(prefix):] if prefix else c.name, known) for c in t.columns}
    pk = tuple(t.primary_key) or tuple(c.name for c in t.columns if c.is_primary_key)
    keys = frozenset(pk) | {c.name for c in t.columns if (key, c.name.lower()) in fk_cols}
    keys |= {c.name for c in t.columns if col_words[c.name] and col_words[c.name][-1] in ("id", "key")}
    dates = tuple(c.name for c in t.columns if any(k in c.type.upper() for k in _DATE))
    numeric = tuple(c.name for c in t.columns if any(k in c.type.upper() for k in NUMERIC_TYPES)
                    and c.name not in keys)
    return TableInfo(t, key, _split_words(t.name, known), pk, _labels(t, col_words, pk), dates, numeric,
                     frozenset(keys), col_words)


def _labels(t: Table, col_words: dict[str, tuple[str, ...]], pk: tuple[str, ...]) -> tuple[str, ...]:
    exact = [c.name for c in t.columns if col_words[c.name] in (("name",), ("title",))]
    if len(exact) == 1:
        return tuple(exact)
    # a text column named like its table names its rows: orchestra.Orchestra, airlines.Airline
    table_stems = tuple(stem(w) for w in words(t.name))
    same = [c.name for c in t.columns if tuple(stem(w) for w in col_words[c.name]) == table_stems
            and not any(k in c.type.upper() for k in NUMERIC_TYPES) and c.name not in pk]
    if len(same) == 1:
        return tuple(same)
    ending = [c.name for c in t.columns if col_words[c.name][-1:] in (("name",), ("title",))]
    if len(ending) == 1:
        return tuple(ending)
    # rstr_nm and city_nm in rstr: the name that starts with the table's own name names its rows
    own = [c for c in ending if _abbreviates(tuple(stem(w) for w in col_words[c][:-1]), table_stems)]
    if len(own) == 1:
        return tuple(own)
    firstlast = [c for c in ending if col_words[c][0] in ("first", "last", "given", "family")]
    if len(firstlast) == 2:
        return tuple(firstlast)
    return pk


def _abbreviates(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether a name's words are the table's, or its one word their consonant skeleton's start ("brkr" for
    broker, "rstr" for restaurant: data teams drop vowels).

    >>> _abbreviates(("brkr",), ("broker",)), _abbreviates(("rstr",), ("restaur",)), _abbreviates(("agenc",), ("broker",))
    (True, True, False)
    """
    if short == full:
        return True
    if len(short) != 1 or len(full) != 1 or len(short[0]) < 3:
        return False
    word = full[0]
    skeleton = word[0] + "".join(ch for ch in word[1:] if ch not in "aeiou")
    return skeleton.startswith(short[0])


def _shared_prefix(t: Table) -> str:
    """TPC-H style column prefixes ('l_', 'ps_') shared by most columns of a table."""
    heads = [c.name.split("_", 1)[0] + "_" for c in t.columns if "_" in c.name]
    if len(t.columns) < 2 or len(heads) < len(t.columns):
        return ""
    first = heads[0]
    return first if len(first) <= 4 and all(h.lower() == first.lower() for h in heads) else ""


def _split_words(name: str, known: set[str]) -> tuple[str, ...]:
    """Words of a name, with run-together words split where the tail is a known word.

    >>> _split_words("extendedprice", {"price", "date"}), _split_words("ShipDate", set())
    (('extended', 'price'), ('ship', 'date'))
    """
    out: list[str] = []
    for w in words(name):
        out.extend(_split_compound(w, known))
    return tuple(out)


# Abbreviations common in column names, spelled out so questions can name them ("Fname" -> first name);
# the list is vocabulary data (`abbreviations:`).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {k: tuple(v.split()) for k, v in word_map("abbreviations").items()}


def _split_compound(w: str, known: set[str]) -> tuple[str, ...]:
    if w in ABBREVIATIONS:
        return ABBREVIATIONS[w]
    if w in known or len(w) < 6:
        return (w,)
    for cut in range(3, len(w) - 2):
        head, tail = w[:cut], w[cut:]
        # an unknown head must be a word's length: "capacity" is not "capa city"
        if tail in known and (head in known or len(head) >= 5):
            return (*_split_compound(head, known), tail)
    return (w,)


def _known_words(model: SemanticModel) -> set[str]:
    known = {"key", "date", "name", "price", "cost", "type", "size", "status", "number", "count", "code",
             "total", "amount", "value", "id", "item", "line", "order", "flag", "mode", "segment", "priority",
             "comment", "address", "phone", "balance", "quantity", "qty", "time", "year", "month", "day"}
    for t in model.tables:
        known.update(w for w in words(t.comment or "") if len(w) >= 3)
        known.update(w for w in words(t.name) if len(w) >= 3)
        known.update(singular(w) for w in words(t.name) if len(w) >= 3)
        for c in t.columns:
            known.update(w for w in words(c.comment or "") if len(w) >= 3)
    return known


def _comment_phrases(comment: str | None, *, table: bool) -> list[tuple[str, ...]]:
    """Short noun phrases at the head of a comment: 'Current account balance of ...' gives
    ('current','account','balance'), ('account','balance'), ('balance',); '(vendors)' right after
    the head is a synonym."""
    if not comment:
        return []
    m = re.match(r"\s*([A-Za-z][A-Za-z ]*?)\s*(?:\(([A-Za-z ]+)\))?\s*(?:[,.:;(]|\s(?:of|who|which|that|the|"
                 r"with|where|for|in|on|by|from|to|and|or|is|are|was|were)\s|$)", comment)
    if not m:
        return []
    out: list[tuple[str, ...]] = []
    head = tuple(w for w in words(m.group(1)))
    if 1 <= len(head) <= 3:
        for i in range(len(head)):
            if not table and len(head) - i == 1 and len(head) > 1 or len(head) - i >= 1:
                out.append(head[i:])
    paren = tuple(words(m.group(2) or ""))
    if 1 <= len(paren) <= 3:
        out.append(paren)
    return [p for p in out if not (len(p) == 1 and p[0] in COMMENT_STOP)]


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


def bare_verbs(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A metric named by a noun and a participle ("amount owed", "billed amount") is also its verb alone, weakly
    ("which tenants owe us the most"): the participle without its ending, as a question's word stems.

    >>> bare_verbs(("amount", "owed")), bare_verbs(("billed", "amount")), bare_verbs(("total", "revenue"))
    ((('owe',),), (('bill',),), ())
    """
    if len(phrase) != 2:
        return ()
    amounts = set(word_list("amount_words"))
    verb, noun = (phrase[1], phrase[0]) if phrase[1].endswith("ed") else (phrase[0], phrase[1])
    if not verb.endswith("ed") or noun not in amounts or len(verb) < 4:
        return ()
    root = verb[:-2] if len(verb[:-2]) >= 4 else verb[:-1]    # "billed" -> "bill", "owed" -> "owe"
    return ((stem(root),),)


def coded_key(info: TableInfo, c: Column) -> bool:
    """A table's own text key whose values are codes people type ("HSG-220", "NL01"): letters and digits,
    read as values of the key (a foreign key's copies of them are not, or every code would name two columns)."""
    return info.pk == (c.name,) and _is_texty(c) and bool(c.sample_values) and all(
        any(ch.isalpha() for ch in v) and any(ch.isdigit() for ch in v) for v in c.sample_values)
