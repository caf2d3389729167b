"""How a table's and its columns' names and comments become words: run-together names split, common
abbreviations spelled out, the head noun phrases of comments, and the columns that name a row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog_semantics.model import Column, SemanticModel, Table
from catalog_semantics.text import stem, words
from nl2sql.planner.text_numbers import read_as_number
from nl2sql.planner.told_labels import told_label
from nl2sql.planner.tokens import singular
from nl2sql.planner.words import word_list, word_map

NUMERIC_TYPES = ("INT", "DEC", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "NUMBER", "MONEY")
_DATE = ("DATE", "TIME")
# units written at the end of a column's name (vocabulary measure_units): the words before name it too
_UNITS = frozenset(word_list("measure_units"))
_TABLE_PREFIXES = frozenset(word_list("table_prefixes"))
_ATTRIBUTE_HEADS = frozenset(word_list("attribute_heads"))   # words every table has a column for
COMMENT_STOP = frozenset(word_list("comment_stop"))
_STATE_ADVERBS = frozenset(word_list("state_adverbs"))
_EVERYDAY = frozenset(word_list("everyday_names"))
_ISO_FORMATS = tuple(word_list("iso_date_formats"))
_SECONDARY = tuple(word_list("secondary_names"))
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
    # several name columns and no rule picks one (COMMON_NM, SCI_NM): the key stands in as the label, but
    # showing a code for "which species" would be a guess; these are the names a reader could have meant
    label_doubt: tuple[str, ...] = ()
    # the key grouped by beside the label: the name repeats in the data ("John Smith"), grouping by it would merge
    told_key: tuple[str, ...] = ()
    shown_key: tuple[str, ...] = ()           # that key shown before the name too, as instructions ask (lexicon_keys)


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


def table_nouns(info: TableInfo) -> frozenset[str]:
    """Stems of the words a table is called by: its own name's and its synonyms' ("line", "item", "order")."""
    return frozenset(stem(w) for w in (*info.words, *(w for s in info.table.synonyms for w in words(s))))


def code_label_words(label: str) -> tuple[str, ...]:
    """The words of a code's label up to the first comment stop word, without a state adverb said first (vocabulary
    ``state_adverbs``): the data records the state now, which is what "still" asks about.

    >>> [code_label_words(w) for w in ("still scheduled", "partially paid by the patient", "on hold")]
    [('scheduled',), ('partially', 'paid'), ('on', 'hold')]
    """
    out: list[str] = []
    for w in words(label):
        if w in COMMENT_STOP and out:    # "on hold": a leading function word is part of the label
            break
        out.append(w)
    return tuple(out[1:] if out[:1] and out[0] in _STATE_ADVERBS else out)


def _free_text(values: tuple[str, ...]) -> bool:
    """Remarks and addresses are not categories: their words would match anything."""
    return bool(values) and sum(len(words(v)) for v in values) / len(values) > 3.5


def text_code(info: TableInfo, column: str) -> bool:
    """A character-typed column (an IATA code, a tail number): a reader knows the rows by its values."""
    return any(c.name == column and any(k in c.type.upper() for k in ("CHAR", "TEXT", "STRING"))
               for c in info.table.columns)


def _numbers(t: Table, columns: tuple[str, ...]) -> bool:
    """Whether the columns are numbers (a surrogate key: 'BRK-100' names its row; 42 does not)."""
    return bool(columns) and all((c := t.column(n)) is not None and not _is_texty(c) for n in columns)


def _is_texty(c: Column) -> bool:
    return not any(k in c.type.upper() for k in NUMERIC_TYPES)


def _table_info(t: Table, known: set[str], fk_cols: set[tuple[str, str]]) -> TableInfo:
    key = t.name.lower()
    prefix = _shared_prefix(t)
    col_words = {c.name: _split_words(c.name[len(prefix):] if prefix else c.name, known) for c in t.columns}
    t = read_as_number(t, col_words)          # "Digits stored as text": a number, read through a CAST
    pk = tuple(t.primary_key) or tuple(c.name for c in t.columns if c.is_primary_key)
    keys = frozenset(pk) | {c.name for c in t.columns if (key, c.name.lower()) in fk_cols}
    keys |= {c.name for c in t.columns if col_words[c.name] and col_words[c.name][-1] in ("id", "key")}
    dates = tuple(c.name for c in t.columns if any(k in c.type.upper() for k in _DATE) or iso_text_date(c))
    numeric = tuple(c.name for c in t.columns if any(k in c.type.upper() for k in NUMERIC_TYPES)
                    and c.name not in keys)
    own = _split_words(t.name, known)
    own = own[1:] if len(own) > 1 and own[0] in _TABLE_PREFIXES else own     # "Ref_Template_Types"
    labels = _labels(t, col_words, pk, own)
    labels = (told_label(t, own, (*keys, *numeric)) or pk) if labels == pk and _numbers(t, pk) else labels
    names = _name_columns(t, col_words)
    doubt = tuple(names) if labels == pk and len(names) > 1 else ()
    label = t.column(labels[0]) if len(labels) == 1 and labels[0] not in pk else None
    told = pk if label is not None and label.repeats and len(pk) == 1 \
        and not _shared_category(label, col_words[label.name], t.name, own) else ()
    return TableInfo(t, key, own, pk, labels, dates, numeric, frozenset(keys), col_words, doubt, told)


def iso_text_date(c: Column) -> bool:
    """A date stored as text in ISO order ('YYYY-MM-DD', as its description says): it compares and groups as a
    date (read through a CAST where the dialect needs one); other orders (MM/DD/YYYY) do not, so they are not."""
    return _is_texty(c) and any(f in (c.comment or "") for f in _ISO_FORMATS)


def _labels(t: Table, col_words: dict[str, tuple[str, ...]], pk: tuple[str, ...],
            table_words: tuple[str, ...] = ()) -> tuple[str, ...]:
    exact = [c.name for c in t.columns if col_words[c.name] in (("name",), ("title",))]
    if len(exact) == 1:
        return tuple(exact)
    # a text column named like its table names its rows: orchestra.Orchestra, airlines.Airline
    table_stems = tuple(stem(w) for w in words(t.name))
    same = [c.name for c in t.columns if tuple(stem(w) for w in col_words[c.name]) == table_stems
            and not any(k in c.type.upper() for k in NUMERIC_TYPES) and c.name not in pk]
    if len(same) == 1:
        return tuple(same)
    ending = _name_columns(t, col_words)
    if len(ending) == 1:
        return tuple(ending)
    # rstr_nm and city_nm in rstr: the name that starts with the table's own name names its rows
    # (the table's words as read, abbreviations expanded: cust -> customer, as its columns' words are)
    spelled = tuple(stem(w) for w in table_words) or table_stems
    own = [c for c in ending if _abbreviates(tuple(stem(w) for w in col_words[c][:-1]), table_stems)
           or _abbreviates(tuple(stem(w) for w in col_words[c][:-1]), spelled)]
    if len(own) == 1:
        return tuple(own)
    if len(said := _named_as_rows_name(t, table_words)) == 1:
        return said
    # "common name" beside "scientific name": the everyday name (vocabulary everyday_names) names the rows
    everyday = [c for c in ending if len(col_words[c]) == 2 and col_words[c][0] in _EVERYDAY]
    # "the name on the sign, if different; often blank": a name the description makes optional names no row
    kept = [c for c in ending if not any(m in ((col := t.column(c)) and col.comment or "").lower() for m in _SECONDARY)]
    if len(everyday) == 1 or len(kept) == 1 < len(ending):
        return tuple(everyday if len(everyday) == 1 else kept)
    firstlast = [c for c in ending if col_words[c][0] in ("first", "last", "given", "family")]
    if len(firstlast) == 2:
        return tuple(firstlast)
    return pk


def _named_as_rows_name(t: Table, table_words: tuple[str, ...]) -> tuple[str, ...]:
    """The text columns the overlay calls the rows' name ("account name" of acct_nm where the table is called
    "account"; "product name" of item_desc where it is called "product"), when the column names give no single one."""
    nouns = {tuple(stem(w) for w in words(p)) for p in (t.name, " ".join(table_words), *t.synonyms)}
    return tuple(c.name for c in t.columns if not any(k in c.type.upper() for k in NUMERIC_TYPES) and any(
        len(ws := words(p)) > 1 and ws[-1] in ("name", "title") and tuple(stem(w) for w in ws[:-1]) in nouns
        for p in c.synonyms))


def _shared_category(label: Column, label_words: tuple[str, ...], table: str, own: tuple[str, ...]) -> bool:
    """'mfr_nm' of aircraft, 'gate_name' of gate scans: a name of something else (its words before "name" are
    not the table's) that repeats over few values the catalog sampled is a category the rows share: grouped by
    ("aircraft by manufacturer"), it is grouped by alone, not split by the rows' key as a person's name is."""
    qualifier = tuple(stem(w) for w in label_words[:-1])
    return bool(label.repeats and label.sample_values) and bool(qualifier) and not (
        _abbreviates(qualifier, tuple(stem(w) for w in words(table)))
        or _abbreviates(qualifier, tuple(stem(w) for w in own)))


def _name_columns(t: Table, col_words: dict[str, tuple[str, ...]]) -> list[str]:
    return [c.name for c in t.columns if col_words[c.name][-1:] in (("name",), ("title",))]


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
    >>> _split_words("LName", set())
    ('last', 'name')
    """
    out: list[str] = []
    parts = list(words(name))
    n = 0
    while n < len(parts):
        w = parts[n]
        if len(w) == 1 and n + 1 < len(parts) and w + parts[n + 1] in ABBREVIATIONS:
            w = w + parts[n + 1]             # "LName": an initial split off by its capital ("lname", last name)
            n += 1
        out.extend(_split_compound(w, known))
        n += 1
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

