"""Everyday synonyms of the nouns in a model's names ("stores" for a shop table, "students" for Highschooler):
groups of words kept as data (``noun_synonyms`` in vocabulary.yaml), never a schema's own names.

A name gets the other words of its last word's group, weakly; a one-word name that ends in a group's word
("highschooler": "schooler") gets the group's other words alone. The lexicon adds them only where the model
does not already use the word for something else.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp

from catalog_semantics.model import NamedFilter, SemanticModel
from catalog_semantics.text import stem, words
from nl2sql.planner.lexicon_index import Concept, Lexicon, _add
from nl2sql.planner.tokens import name_stem, singular
from nl2sql.planner.words import vocabulary, word_list

_MIN_TAIL = 6           # a compound's tail shorter than this ("car" of "oscar") is not a word of it


@cache
def _groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    raw = vocabulary().get("noun_synonyms", [])
    return tuple(tuple(tuple(words(str(w))) for w in group) for group in raw if isinstance(group, list))


def synonym_phrases(phrase: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Other ways to say a name, its head noun swapped for each word of the noun's group.

    >>> synonym_phrases(("shop",)), synonym_phrases(("coffee", "shops"))
    ((('store',),), (('coffee', 'store'),))
    >>> synonym_phrases(("highschooler",)), synonym_phrases(("oscar",))
    ((('student',), ('pupil',)), ())
    """
    if not phrase:
        return ()
    head = singular(phrase[-1])
    out: list[tuple[str, ...]] = []
    for group in _groups():
        for member in group:
            joined = "".join(member)
            if member == (head,) or (len(phrase) == 1 and len(joined) >= _MIN_TAIL and head.endswith(joined)):
                whole = member == (head,)
                out.extend((*phrase[:-1], *other) if whole else other for other in group if other != member)
    return tuple(dict.fromkeys(out))


def add_synonyms(lex: Lexicon) -> None:
    """Each table's and column's synonyms, weakly, where the model has no name of its own for the words; and the
    one-word verbs of an event (vocabulary ``date_verbs``) as hints of the date named after it."""
    _date_verb_hints(lex)
    _code_words(lex)
    taken = set(lex.names)
    found: dict[tuple[str, ...], list[Concept]] = {}
    for key, info in lex.tables.items():
        for phrase in synonym_phrases(info.words):
            found.setdefault(phrase, []).append(Concept("table", key, strength=1))
        for col, base in info.column_words.items():
            for phrase in synonym_phrases(base):
                found.setdefault(phrase, []).append(Concept("column", key, col, strength=1))
    for phrase, concepts in found.items():
        if tuple(name_stem(w) for w in phrase) in taken:
            continue
        for concept in concepts:
            _add(lex.names, phrase, concept)


def _code_words(lex: Lexicon) -> None:
    """'only women': the words of a one-letter code (vocabulary ``code_words``) name that value of a column whose
    values hold every code of the set (F and M), unless the model names something else with the word."""
    for codes in (dict(group) for group in vocabulary().get("code_words") or ()):
        columns = [{(c.table, c.column or "") for c in lex.letters.get(str(code).lower(), ()) if c.kind == "value"}
                   for code in codes]
        for table, col in set.intersection(*columns) if columns else set():
            for code, said in codes.items():
                for w in (singular(str(x).lower()) for x in said or ()):
                    if (w,) not in lex.values and (name_stem(w),) not in lex.names:
                        _add(lex.values, (w,), Concept("value", table, col, value=str(code)), stemmed=False)


_PARTICIPLE = tuple(word_list("participle_suffixes"))


def _date_verb_hints(lex: Lexicon) -> None:
    """'employees who left in 2022': a one-word verb of an event ("left", of termination) names the date the model
    names after that event (termination_date), as a word of the date's own name would; a word the model already
    names something with keeps that meaning."""
    for event, verbs in dict(vocabulary().get("date_verbs") or {}).items():
        # (a date named for the event by its column's own first word: start_dt, whose "start" is also the stem
        # of the date comparison "starting", so never a date name of its own)
        dates = lex.date_names.get(stem(str(event)), set()) or {
            (t, col) for t, info in lex.tables.items() for col in info.dates
            if info.column_words.get(col, ())[:1] == (str(event),)}
        for verb in (str(v) for v in verbs or ()):
            if dates and len(verb.split()) == 1 and ((stem(verb),) not in lex.names or verb.endswith(_PARTICIPLE)):
                lex.date_hints.setdefault(stem(verb), set()).update(dates)


def flag_filters(model: SemanticModel) -> list[NamedFilter]:
    """A BOOLEAN column named as a state ('is_active', 'has_discount', 'active_flg') is a condition its rows meet:
    'active users' is ``users.is_active``, like a named filter of the model; a named filter of the same name wins;
    one that tests the column itself is also named by the state's words ("providers who are no longer active")."""
    named = {f.name for f in model.filters}
    prefixes, suffixes = word_list("flag_prefixes"), word_list("flag_suffixes")
    out: list[NamedFilter] = []
    for t in model.tables:
        for c in t.columns:
            parts = words(c.name)
            if c.type.upper() not in ("BOOLEAN", "BOOL"):
                continue
            if len(parts) >= 2 and parts[0] in prefixes:
                state = " ".join(parts[1:])
            elif len(parts) >= 2 and parts[-1] in suffixes:
                state = " ".join(parts[:-1])
            elif len(parts) == 1 and parts[0].endswith("ed"):
                state = parts[0]        # a participle names the state too: 'completed' enrolments
            else:
                continue
            same = [f.name for f in model.filters if f.table.lower() == t.name.lower() and _tests_column(f.sql, c.name)]
            name = same[0] if same else f"{state} {' '.join(words(t.name))}"
            if same or name not in named:
                out.append(NamedFilter(name=name, sql=f"{t.name}.{c.name}", table=t.name,
                                       synonyms=(state, *c.synonyms)))
    return out


def _tests_column(sql: str, column: str) -> bool:
    """Whether a filter's SQL is the bare column itself (a flag that is true).

    >>> _tests_column("active_flg", "active_flg"), _tests_column("p.active_flg", "active_flg"), _tests_column("x > 0", "x")
    (True, True, False)
    """
    try:
        tree = sqlglot.parse_one(sql)
    except sqlglot.errors.ParseError:
        return False
    return isinstance(tree, exp.Column) and tree.name.lower() == column.lower()
