"""Role-playing keys: a table with two keys to one table (a rental's pickup and return branch).

``joins._secondary_roles`` lets the key the overlay names after the parent table ("branch" among pu_brn_id's
synonyms) be the default way between the two tables. Taking that default is right only while the question does
not speak of the other role: "rentals returned to Miami" must not silently count pickups at Miami. This check
declines, naming the words, when the question says a word that only a secondary role's column carries.
"""

from __future__ import annotations

from catalog_semantics.text import stem, words
from nl2sql.planner.joins import Ambiguous, JoinGraph, role_of
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.words import word_list

_KEY_WORDS = frozenset(stem(w) for w in word_list("key_words"))    # what a key column adds to its table's name


def role_words(lex: Lexicon, child: str, columns: tuple[str, ...]) -> set[str]:
    """Stems of a key column's name words and synonyms."""
    info = lex.tables[child]
    out: set[str] = set()
    for name in columns:
        out |= {stem(w) for w in info.column_words.get(name, (name,))}
        column = info.table.column(name)
        for synonym in column.synonyms if column is not None else ():
            out |= {stem(w) for w in words(synonym)}
    return out - _KEY_WORDS


def noun(lex: Lexicon, table: str) -> str:
    """How the overlay calls a table (its first synonym), else its name's words."""
    info = lex.tables[table]
    return info.table.synonyms[0] if info.table.synonyms else " ".join(info.words)


def _parent_words(lex: Lexicon, parent: str) -> set[str]:
    table = lex.tables[parent].table
    return {stem(w) for w in lex.tables[parent].words} | {stem(w) for s in table.synonyms for w in words(s)}


def no_silent_role(spec: QuerySpec, lex: Lexicon, graph: JoinGraph, said: frozenset[str]) -> None:
    """Decline when a path the answer takes chose a default role while the question says the other's words."""
    if not graph.secondary:
        return
    tables = {c.table for c in spec.conditions} | {m.table for m in spec.measures} \
        | {d.col.table for d in spec.dims} | {p.table for p in spec.projections}
    for table in tables - {spec.base}:
        try:
            path = graph.path(spec.base, table)
        except Ambiguous:
            continue
        for edge in path or ():
            child, parent, used = role_of(edge)
            others = [r for r in graph.secondary if r[:2] == (child, parent) and r[2] != used]
            if not others:
                continue
            own = role_words(lex, child, tuple(c for c in (col.name for col in lex.tables[child].table.columns)
                                               if c.lower() in used)) | _parent_words(lex, parent)
            for _, _, columns in others:
                named = tuple(c for c in (col.name for col in lex.tables[child].table.columns) if c.lower() in columns)
                heard = sorted((role_words(lex, child, named) - own) & said)
                if heard:
                    raise NotUnderstood(f"“{' '.join(heard)}”: I can only read the {noun(lex, parent)} of a "
                                        f"{noun(lex, child)} as its default one ({', '.join(used)}), not "
                                        f"{', '.join(named)}.", tuple(heard))
