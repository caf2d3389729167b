"""Which of several foreign keys to one table is a role of it ("adv_id", a student's advisor, to instructors) and
which is what the table's name alone means ("instr_id" of a section): of equally short join paths, the one through
plain keys is taken (nl2sql/planner/joins.py)."""

from __future__ import annotations

from collections.abc import Sequence

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import stem, words


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text))


def secondary_roles(model: SemanticModel) -> frozenset[tuple[str, str, tuple[str, ...]]]:
    """Of several foreign keys from one table to another (a rental's pickup and return branch), the ones that
    are not the default role, where exactly one sibling has a synonym that is the parent table's own name or
    synonym ("branch" among pu_brn_id's synonyms): the data team said which one "the branch" of a row is."""
    tables = {t.name.lower(): t for t in model.tables}
    siblings: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for r in model.relationships:
        child, parent = r.from_table.lower(), r.to_table.lower()
        if child != parent and child in tables and parent in tables:
            siblings.setdefault((child, parent), set()).add(tuple(c.lower() for c in r.from_columns))
    out: set[tuple[str, str, tuple[str, ...]]] = set()
    for (child, parent), keys in siblings.items():
        if len(keys) < 2:
            continue
        names = {_phrase(parent)} | {_phrase(s) for s in tables[parent].synonyms}
        named = [k for k in keys if len(k) == 1 and (col := tables[child].column(k[0])) is not None
                 and any(_phrase(s) in names for s in col.synonyms)]
        if len(named) == 1:
            out |= {(child, parent, k) for k in keys if k != named[0]}
    return frozenset(out)


def qualified_roles(model: SemanticModel) -> frozenset[tuple[str, str, tuple[str, ...]]]:
    """Foreign keys whose name is the parent's key name with words before it ("home_clinic_id" to
    "clinic_id"): a role of the parent, as (child, parent, child columns), lower case."""
    out: set[tuple[str, str, tuple[str, ...]]] = set()
    for r in model.relationships:
        if len(r.from_columns) == 1 and len(r.to_columns) == 1:
            child, parent = words(r.from_columns[0]), words(r.to_columns[0])
            if len(parent) > 1 and len(child) > len(parent) and child[-len(parent):] == parent \
                    or _renamed(child, parent, words(r.to_table)):
                out.add((r.from_table.lower(), r.to_table.lower(), (r.from_columns[0].lower(),)))
    return frozenset(out)


def _renamed(child: Sequence[str], parent: Sequence[str], table: Sequence[str]) -> bool:
    """A key named for a role and not for what it points at ("adv_id" to instructor's "instr_id"): no word of it
    but the key's own ("id") is a word of the parent's key or table name.

    >>> _renamed(["adv", "id"], ["instr", "id"], ["instr"]), _renamed(["instr", "id"], ["instr", "id"], ["instr"])
    (True, False)
    >>> _renamed(["teacher", "id"], ["id"], ["teacher"]), _renamed(["id"], ["id"], ["x"])
    (False, False)
    >>> _renamed(["cust", "no"], ["customer", "id"], ["customer"])
    False
    """
    own = {root(w) for w in child} - _KEY_WORDS
    theirs = {root(w) for w in (*parent, *table)}
    # an abbreviation meets its word ("cust_no" to customer): either begins with the other
    return bool(own) and not any(a.startswith(b) or b.startswith(a) for a in own for b in theirs if min(len(a), len(b)) >= 3)


_KEY_WORDS = frozenset({"id", "key", "cod", "no", "num", "nbr"})


def root(word: str) -> str:
    """A word's stem without a final silent e, so that a verb's past meets its noun ("liked" and "likes").

    >>> root("liked"), root("Likes"), root("friend_id")
    ('lik', 'lik', 'friend_id')
    """
    return stem(word).removesuffix("e")
