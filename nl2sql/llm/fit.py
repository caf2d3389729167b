"""How well a candidate query fits the question's words: the vote's second witness, after agreement of results.

Sampled mistakes that agree with each other (a model's habitual misreading) can outvote the right query; what
often tells them apart is the question itself. A query is read as a set of features: the words of the names
and values it uses, its aggregates (``agg:count``), extremes (``ext:max``: ``MAX`` or ``ORDER BY ... DESC
LIMIT``), negation, comparisons, numbers and quoted values; the question is read the same way, with the planner's
function words (``vocabulary.yaml``'s cues: "how many" is ``agg:count``, "at least" is ``cmp:>=``, "two" is
``num:2``). Only the question's features that some candidate has are at stake (a word no query could use says
nothing about which query is right); a query's fit is the share of those it has, less a part for each number,
value, negation or aggregate it uses that the question never mentions (a condition nobody asked for).

This is what CHESS's and CHASE-SQL's selection steps ask a model to judge, done with words only, so it costs
nothing and is never the only witness: ``candidates.choose`` adds it to the vote, scaled by the number of
ballots, and agreement still decides when the fits are alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
import sqlglot.errors
from sqlglot import exp

from catalog_semantics.text import STOPWORDS, fold, link_stem, stem, words

UNASKED = 0.5          # a number, value, negation, aggregate, extreme or comparison nobody asked for: half a feature

# The cue kinds of the planner's vocabulary that a query's shape can show, and the feature each one is.
_CUE_FEATURES = {"agg": "agg", "extreme": "ext", "neg": "neg", "cmp": "cmp", "cmp_post": "cmp", "date_cmp": "cmp",
                 "numword": "num"}
_QUOTED = re.compile(r"""(?<!\w)'([^']+)'(?!\w)|"([^"]+)"|“([^”]+)”|‘([^’]+)’""")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?!\w|\.\d)")
_UNASKED_KINDS = ("num:", "lit:", "neg", "agg:", "ext:", "cmp:", "set:")
_AGGREGATES = {exp.Count: "count", exp.Sum: "sum", exp.Avg: "avg", exp.Max: "max", exp.Min: "min"}
_COMPARISONS = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=", exp.Between: "between"}


@dataclass(frozen=True)
class Reading:
    """A question's features, the quoted values it names (matched inside a query's values), and its content words'
    stems in order, repeats kept (how many times it names a thing)."""

    features: frozenset[str]
    quoted: tuple[str, ...]
    words: tuple[str, ...] = ()


@lru_cache(maxsize=4096)
def read(question: str) -> Reading:
    """The question's features: its function words' cues, the other content words (stems), numbers and quoted
    values.

    >>> sorted(read("How many singers are older than 40 and not from 'France'?").features)
    ['agg:count', 'cmp:>', 'lit:france', 'neg', 'num:40', 'w:france', 'w:singer']
    >>> sorted(read("Show the ids of shops with at least two employees.").features)
    ['cmp:>=', 'num:2', 'w:employee', 'w:id', 'w:shop']
    """
    quoted = tuple(fold(next(g for g in m.groups() if g)).strip() for m in _QUOTED.finditer(question))
    split = words(question)
    cues, used = _cues(split)
    content = tuple(_word(w) for i, w in enumerate(split) if i not in used and w not in STOPWORDS and not w.isdigit())
    found = {f"w:{w}" for w in content} | {f"num:{_number(n)}" for n in _NUMBER.findall(question)}
    found |= {feature for feature, phrases in _set_phrases() if any(_within(p, split) for p in phrases)}
    found |= {f"lit:{q}" for q in quoted}
    return Reading(frozenset(found | cues), quoted, content)


@lru_cache(maxsize=1)
def _set_phrases() -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """The planner's set-operation words (``vocabulary.yaml`` ``set_operations``) as features: "both" and "shared
    by" are ``set:both`` (rows on both sides: INTERSECT), "or" is ``set:or`` (either side: UNION or OR)."""
    from nl2sql.planner.words import word_list

    kinds = {"set:both": ("intersect", "shared"), "set:or": ("union",)}
    return tuple((feature, tuple(words(p) for kind in names for p in word_list("set_operations", kind)))
                 for feature, names in kinds.items())


def _within(phrase: tuple[str, ...], split: tuple[str, ...]) -> bool:
    return any(split[i:i + len(phrase)] == phrase for i in range(len(split) - len(phrase) + 1))


def _word(word: str) -> str:
    """A question word's stem; a short plural too ('ids' is 'id', which the stemmer leaves whole)."""
    return word[:-1] if len(word) == 3 and word.endswith("s") else link_stem(word)


def _cues(split: tuple[str, ...]) -> tuple[set[str], set[int]]:
    """The features of the question's function words (longest phrase first, left to right), and the positions
    of the words they took (no longer content words: "number of" is a count, not a column called number). A
    phrase that is also a stop word or carries two readings of one kind ('from': a range or a date) gives none."""
    from nl2sql.planner.vocabulary import cue_index

    index = cue_index()
    stems = tuple(stem(w) for w in split)
    out: set[str] = set()
    used: set[int] = set()
    i = 0
    while i < len(stems):
        for size in (4, 3, 2, 1):
            cues = index.get(stems[i:i + size])
            if cues is None:
                continue
            kinds = [c.kind for c in cues]
            got = {_CUE_FEATURES[c.kind] + (f":{c.arg}" if c.arg else "") for c in cues if c.kind in _CUE_FEATURES}
            if "stop" in kinds or "list" in kinds or len(set(kinds)) < len(kinds):
                got = set()
            out |= {"num:" + _number(f[4:]) if f.startswith("num:") else f for f in got}
            if got or "stop" in kinds or "list" in kinds:
                used |= set(range(i, i + size))
            i += size - 1
            break
        i += 1
    return out, used


def _number(text: str) -> str:
    """One spelling per number: '2', '2.0' and '02' are '2'."""
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True)
class Query:
    """A query's features (module doc), the words of the tables it reads, and the names of the plain columns it
    returns and groups by (checked against the question: a column nobody asked for)."""

    features: frozenset[str]
    tables: frozenset[str]
    outputs: tuple[str, ...]
    groups: tuple[str, ...]
    keys: tuple[str, ...] = ()                  # the columns it sorts by or tests against a value (_keys)


@lru_cache(maxsize=4096)
def features(sql: str) -> Query | None:
    """A query's features (module doc); None when it does not parse.

    >>> q = features("SELECT name FROM singer WHERE age > 40 AND country <> 'France' ORDER BY age DESC LIMIT 1")
    >>> sorted(q.features), q.outputs
    (['cmp:>', 'ext:max', 'lit:france', 'neg', 'num:40', 'w:age', 'w:country', 'w:france', 'w:name', 'w:singer'], ('name',))
    """
    try:
        tree = sqlglot.parse_one(sql.replace("`", '"'))
    except (sqlglot.errors.SqlglotError, ValueError):
        return None
    out = {f"w:{w}" for node in tree.find_all(exp.Column, exp.Table) if node.find_ancestor(exp.Join) is None
           for w in name_words(node.name)}         # a join's keys are how tables meet, not what was asked
    out |= {f"w:{w}" for join in tree.find_all(exp.Join) for w in name_words(join.this.name)}
    for literal in tree.find_all(exp.Literal):
        if literal.find_ancestor(exp.Limit, exp.Offset) is not None:
            continue
        text = str(literal.this)
        if literal.is_string and not _NUMBER.fullmatch(text.strip()):
            out |= {f"lit:{fold(text).strip('%').strip()}"} | {f"w:{link_stem(w)}" for w in words(text)}
        elif _NUMBER.fullmatch(text.strip()):
            out.add(f"num:{_number(text)}")
    out |= {f"agg:{name}" if name in ("count", "sum", "avg") else f"ext:{name}"
            for kind, name in _AGGREGATES.items() if tree.find(kind) is not None}
    out |= {f"cmp:{op}" for kind, op in _COMPARISONS.items() if tree.find(kind) is not None}
    if tree.find(exp.Not, exp.NEQ, exp.Except) is not None:
        out.add("neg")
    out |= {"set:both"} if tree.find(exp.Intersect) is not None else set()
    out |= {"set:or"} if tree.find(exp.Union, exp.Or) is not None else set()
    out |= _ranked(tree)
    tables = frozenset(w for t in tree.find_all(exp.Table) for w in name_words(t.name))
    first = tree
    while isinstance(first, exp.SetOperation):
        first = first.this
    outputs = tuple(e.unalias().name for e in first.expressions if isinstance(e.unalias(), exp.Column)) \
        if isinstance(first, exp.Select) else ()
    group = first.args.get("group") if isinstance(first, exp.Select) else None
    groups = tuple(e.name for e in group.expressions if isinstance(e, exp.Column)) if group is not None else ()
    return Query(frozenset(out), tables, outputs, groups, _keys(tree))


def _keys(tree: exp.Expr) -> tuple[str, ...]:
    """The columns a query sorts by or tests against a value: the ones a question names to say which rows and in
    what order ("older than 40", "by age"). A column matched against a subquery's rows (``NOT shop_id IN (SELECT
    shop_id ...)``) is how two tables meet, which no question names.

    >>> _keys(sqlglot.parse_one("SELECT name FROM shop WHERE NOT shop_id IN (SELECT shop_id FROM hiring) ORDER BY age"))
    ('age',)
    """
    names = [c.name for order in tree.find_all(exp.Order) for c in order.find_all(exp.Column)]
    for clause in tree.find_all(exp.Where, exp.Having):
        for test in clause.find_all(exp.Predicate):
            if test.find(exp.Literal) is not None and test.find(exp.Select) is None:
                names += [c.name for c in test.find_all(exp.Column)]
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=16384)
def name_words(name: str) -> tuple[str, ...]:
    """The stems of a column's or table's name, abbreviations spelled out (the planner's vocabulary: fname is
    first name).

    >>> name_words("LName"), name_words("stuid"), name_words("Song_release_year")
    (('last', 'name'), ('student', 'id'), ('song', 'release', 'year'))
    """
    from nl2sql.planner.lexicon_names import ABBREVIATIONS

    whole = "".join(words(name))
    parts = ABBREVIATIONS.get(whole) or tuple(w for part in words(name) for w in ABBREVIATIONS.get(part, (part,)))
    return tuple(link_stem(w) for w in parts)


def asked(name: str, question: frozenset[str], tables: frozenset[str], taken: frozenset[str] = frozenset()) -> bool:
    """Does the question ask for this column? It does when a word of its name other than its tables' words
    (``stadium`` in stadium_id) and other than ``taken`` (words other columns already answer) is a word of the
    question (``question``: its stems), or is two such words run together (pettype: pet + type).

    >>> q = frozenset({"type", "pet", "youngest", "name", "stadium"})
    >>> asked("pettype", q, frozenset({"pet"})), asked("Stadium_ID", q, frozenset({"stadium"}))
    (True, False)
    >>> asked("Model", frozenset({"model"}), frozenset({"model", "list"}))
    True
    >>> asked("manager_name", q, frozenset(), taken=frozenset({"name"}))
    False
    """
    own = [w for w in name_words(name) if w not in tables] or name_words(name)    # a column named as its table
    for w in own:
        if w in taken:
            continue
        if w in question:
            return True
        for i in range(2, len(w) - 1):
            halves = {link_stem(w[:i]), link_stem(w[i:])}
            if halves <= question | tables and halves & question - tables - taken:
                return True
    return False


def _ranked(tree: exp.Expr) -> set[str]:
    """``ORDER BY x DESC LIMIT n`` is the largest x (``ext:max``), ascending the smallest."""
    out: set[str] = set()
    for select in tree.find_all(exp.Select):
        order = select.args.get("order")
        if order is None or select.args.get("limit") is None:
            continue
        out |= {"ext:max" if ordered.args.get("desc") else "ext:min" for ordered in order.expressions}
    return out


def _has(query: Query, feature: str) -> bool:
    """Does the query have the feature? A quoted value counts when one of the query's values holds it."""
    if feature.startswith("lit:"):
        return any(f.startswith("lit:") and feature[4:] in f[4:] for f in query.features)
    return feature in query.features


def _unasked(query: Query, reading: Reading) -> int:
    """How many of the query's numbers, values, negations, aggregates, returned columns and grouping columns the
    question never mentions (a key column grouped by is how a query counts per row, not something to ask)."""
    said = frozenset(f[2:] for f in reading.features if f.startswith("w:"))
    count = 0
    for f in query.features:
        if not f.startswith(_UNASKED_KINDS):
            continue
        value = f[4:]
        if f.startswith("lit:"):
            count += not any(value in q or q in value for q in reading.quoted) and \
                not all(link_stem(w) in said for w in words(value))
        else:
            count += f not in reading.features
    count += sum(not asked(c, said, query.tables) for c in query.outputs)
    count += sum(not asked(c, said, query.tables) and not _key(c) for c in query.groups)
    return count


def _key(name: str) -> bool:
    from nl2sql.planner.words import word_list

    return bool(set(name_words(name)) & set(word_list("key_words")))


def fits(question: str, queries: Sequence[str]) -> tuple[float, ...]:
    """Each query's fit to the question among these queries (module doc): at most 1, 0 for one that does not
    parse; all 0 when no feature of the question is at stake.

    >>> [round(f, 2) for f in fits("How many singers are older than 40?", [
    ...     "SELECT COUNT(*) FROM singer WHERE age > 40", "SELECT COUNT(*) FROM singer WHERE age > 30",
    ...     "SELECT COUNT(*) FROM singer"])]
    [1.0, 0.62, 0.5]
    """
    reading = read(question)
    parsed = [features(q) for q in queries]
    stake = {f for f in reading.features if any(p is not None and _has(p, f) for p in parsed)}
    if not stake:
        return tuple(0.0 for _ in queries)
    return tuple(0.0 if p is None else
                 (sum(_has(p, f) for f in stake) - UNASKED * _unasked(p, reading)) / len(stake) for p in parsed)
