"""Numbers stored as text that the publisher's description declares as such ("Digits stored as text", "Year of
publication (text)"): read as numbers through a CAST, as an overlay's ``type:`` would, so they add up and compare
as numbers, never alphabetically. Only plain numbers: a description that mentions blanks (a CAST reads '' as 0,
which an average or a minimum would count), separators or currency signs (a CAST stops at ',' or '$') keeps
the column as text, and so do codes, keys and dates, whose digits are names, not quantities.
"""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.model import Column, Table
from nl2sql.planner.words import word_list

_DECLARED = tuple(word_list("text_numbers", "declared"))
_NOT_PLAIN = tuple(word_list("text_numbers", "not_plain"))
_NAME_WORDS = frozenset(word_list("key_words")) | frozenset(word_list("text_numbers", "name_words"))
_YEAR_WORDS = frozenset(word_list("text_numbers", "year_words"))
TEXT_NUMBER = "text_number"        # the tag of a column read as a number here (shown as stored, as its publisher wrote it)
_NUMERIC = ("INT", "DEC", "NUMERIC", "DOUBLE", "FLOAT", "REAL", "NUMBER", "MONEY", "DATE", "TIME", "BOOL")


def read_as_number(t: Table, col_words: dict[str, tuple[str, ...]]) -> Table:
    """The table with each declared text number retyped (``stored_type`` keeps the warehouse's type)."""
    columns = tuple(_retyped(c, col_words.get(c.name, ())) for c in t.columns)
    return t if columns == t.columns else replace(t, columns=columns)


def _retyped(c: Column, names: tuple[str, ...]) -> Column:
    comment = (c.comment or "").lower()
    if c.stored_type is not None or any(k in c.type.upper() for k in _NUMERIC) or c.is_primary_key \
            or not any(d in comment for d in _DECLARED) or any(n in comment for n in _NOT_PLAIN) \
            or _NAME_WORDS & set(names) or not all(_plain(v) for v in c.sample_values):
        return c
    number = "INTEGER" if _YEAR_WORDS & set(names) else "DOUBLE"     # PostgreSQL's REAL would round the sums
    return replace(c, type=number, stored_type=c.type, tags=(*c.tags, TEXT_NUMBER))


def _plain(value: str) -> bool:
    """'1958', '-3.5': what a CAST reads whole ('007' is a code: its leading zero would be lost)."""
    digits = value.lstrip("-")
    return digits.replace(".", "", 1).isdigit() and not (len(digits) > 1 and digits[0] == "0" and digits[1] != ".")
