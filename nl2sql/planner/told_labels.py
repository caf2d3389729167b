"""The column that names a table's rows, as the overlay tells it: a text column whose synonym is "title" or "name",
alone or after the table's own noun ("course title" of crs.crs_ttl), when nothing in the column's own name says so
(``lexicon_names._labels``: "ttl" may be a title or a total; the overlay's words settle it)."""

from __future__ import annotations

from catalog_semantics.model import Table
from catalog_semantics.text import stem, words


def told_label(t: Table, own: tuple[str, ...], skipped: tuple[str, ...]) -> tuple[str, ...]:
    """The one column (``skipped``: keys and numbers never are) an overlay synonym calls the rows' title or name;
    () when none or several are.

    >>> from catalog_semantics.model import Column
    >>> t = Table("crs", (Column("crs_id", "INTEGER"), Column("crs_ttl", "VARCHAR", synonyms=("course title",))))
    >>> told_label(t, ("course",), ("crs_id",))
    ('crs_ttl',)
    """
    nouns = {stem(w) for w in (*own, *(w for s in t.synonyms for w in words(s)), *words(t.name))}
    found = [c.name for c in t.columns if c.name not in skipped
             and any(_names_rows(tuple(words(s)), nouns) for s in c.synonyms)]
    return tuple(found) if len(found) == 1 else ()


def _names_rows(said: tuple[str, ...], nouns: set[str]) -> bool:
    """'title', 'name', 'course title': the last word a name or title, any word before it the table's noun."""
    return said[-1:] in (("name",), ("title",)) and all(stem(w) in nouns for w in said[:-1])
