"""A note when the answer groups by a name that repeats in the data.

Rows whose name repeats are grouped by their key as well, so two people of one name stay two rows
(``TableInfo.told_key``), but the key is not shown: the golds written for business models split on showing it,
and a name alone is what was asked. Two identical-looking rows would then puzzle the reader, so the answer
says why they can appear (the note reaches ``Answer.notes`` and the interpretation).
"""

from __future__ import annotations

from nl2sql.planner.describe import business_name
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import ColRef, QuerySpec


def repeating_name_notes(spec: QuerySpec, lex: Lexicon) -> list[str]:
    """One note per table whose repeating name the answer groups or lists by."""
    refs: list[ColRef] = [d.col for d in spec.dims if d.grain is None] + list(spec.projections)
    notes: list[str] = []
    for ref in refs:
        info = lex.tables.get(ref.table)
        if info is None or not info.told_key or info.shown_key or ref.column not in info.labels:
            continue
        label, key = business_name(info, ref.column), business_name(info, info.told_key[0])
        note = f"a {label} can repeat: rows showing the same {label} are different records (told apart by {key}, not shown)"
        if note not in notes:
            notes.append(note)
    return notes
