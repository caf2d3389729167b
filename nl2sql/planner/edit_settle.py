"""What the words of a follow-up say about its whole edit, once every word is claimed: "and by X" replaces the
grouping, "their total balance" measures the previous rows, "list those in X" lists them, "X too" keeps the
values already filtered beside the new ones (vocabulary ``followup``)."""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.edits import Edit, ValueEdit
from nl2sql.planner.filter_values import filter_value
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.words import phrases

Stems = list[tuple[str, ...]]


def settled(edit: Edit, stems: Stems, lex: Lexicon) -> Edit:
    """The edit with the flags its words set as a whole."""
    keeping = any(s in phrases("followup", "keeping") for s in stems) or _says(stems, "keeping")
    if (edit.groups or edit.grains) and _opens(stems, "regroup_leading") and not keeping:
        edit = replace(edit, regroup=True)     # "and by shift", "same but by supplier country": the new grouping
    if edit.anaphora and (edit.measure_col or edit.metric):
        edit = replace(edit, marked=True)      # "what is their total balance?": a measure of the previous rows
    if edit.anaphora and edit.values and _opens(stems, "list_verbs"):
        edit = replace(edit, listing=True)     # "list those in Lakeside": the rows, narrowed
    if edit.values and not keeping and _opens(stems, "value_adders"):
        # "add AIR" after TRUCK's quantities: one more series beside TRUCK's, or both added up? Not a guess
        raise NotUnderstood("Beside the values already asked for, or added to them? Say “too” or “separately”.",
                            tuple(v.text for v in edit.values))
    if keeping and edit.values:                # "and MACHINERY too": beside the segment already filtered
        edit = replace(edit, values=tuple(replace(v, kept=True) for v in edit.values))
    if keeping and edit.filters:
        # "and the lapsed ones too" after cancelled policies: either state (not a filter instead of the other,
        # nor both at once): a named filter that is one value of a column is that value, kept beside the previous
        # ones; any other has no list of values to add to, so it is declined
        values = [filter_value(f, lex) for f in edit.filters]
        if any(v is None for v in values):
            raise NotUnderstood("I could not tell how to keep the previous filter beside this one.",
                                tuple(f.name for f in edit.filters))
        edit = replace(edit, filters=(), values=edit.values + tuple(
            ValueEdit((v,), False, f.name, kept=True) for f, v in zip(edit.filters, values) if v is not None))
    return edit


def _opens(stems: Stems, key: str) -> bool:
    flat = tuple(w for s in stems for w in s)
    return any(flat[:n] in phrases("followup", key) for n in (1, 2, 3, 4))


def _says(stems: Stems, key: str) -> bool:
    flat = tuple(w for s in stems for w in s)
    return any(flat[n:n + len(p)] == p for p in phrases("followup", key) for n in range(len(flat)))
