"""The part and the whole of a share (frame rule ``share_sides``).

"share of orders that are urgent" takes the plain conditions as the part. Conditions said on both sides are
declined ("what fraction of late items were shipped by TRUCK": which is the part depends on word order the
reading does not keep), unless their values settle it: "what percentage of the used cars we sold were certified
pre-owned" names two tests of the vehicle's condition, used (U or C) and certified (C); a part that lies inside
the other condition only makes sense as "of those, how many", so the wider test is the whole (WHERE) and the
narrower the part, however the walk filed them. Otherwise word order settles it where the question says
where the part begins ("what percentage of urgent orders are open", "share of postpaid lines that are SIM only"):
conditions said before that word are the whole, those after it the part.
"""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import stem, words
from nl2sql.planner.filter_values import tested_values
from nl2sql.planner.frame import Frame
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.spec import Condition
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import word_list

# the kinds of plain conditions a share is of ("share of orders that are urgent")
PLAIN = ("in", "filter", "contains", "compare")
# the words that start the part of a share: "percentage of urgent orders | that are | open"
_PART_LEADS = frozenset(stem(w) for w in word_list("share_part_leads"))
# "what fraction of them": a share of the rows said before it (frame_shares._share_of_them)
_SHARE_WORDS = frozenset(p[0] for p, cues in cue_index().items() if len(p) == 1 and any(c.kind == "share" for c in cues))
_PRONOUNS = frozenset(stem(w) for w in word_list("anaphora") if " " not in w)


def share_sides(f: Frame, lex: Lexicon) -> Frame:
    """The part and the whole of a share: 'share of orders that are urgent' takes the plain conditions as
    the part; a ratio of two things, or conditions on both sides that their values do not settle, are declined."""
    if f.when or not f.share:
        return f
    if "ratio" in f.words and any(w in f.words for w in word_list("ratio_sides")):
        # "ratio of urgent orders to low priority orders": two sides, each with its own condition
        raise NotUnderstood("A ratio of two different things is not something I can compute yet.", ("ratio",))
    plain = tuple(c for c in f.conditions if c.kind in PLAIN)
    nested = _nested((*f.share_conditions, *plain), lex)
    if nested is not None:
        whole, part = nested
        rest = tuple(c for c in f.conditions if c is not part and c is not whole)
        return replace(f, share_conditions=(part,), conditions=(*rest, whole))
    ordered = _by_word_order((*f.share_conditions, *plain), f.words)
    if ordered is not None:
        wholes, parts = ordered
        kept = tuple(c for c in f.conditions if c not in parts)
        return replace(f, share_conditions=parts, conditions=(*kept, *(c for c in wholes if c not in kept)))
    if f.share_conditions and plain and all(_said_only(c, f.words) for c in f.share_conditions) \
            and not any(_said_only(c, f.words) for c in plain):      # the "only" ones are the whole, the rest the part
        return replace(f, share_conditions=plain, conditions=(*(c for c in f.conditions if c not in plain),
                                                              *f.share_conditions))
    if f.share_conditions and plain and not all(_said_only(c, f.words) for c in plain):
        raise NotUnderstood("I could not tell which condition is the part and which the whole.",
                            tuple(c.text for c in (*f.share_conditions, *plain)))
    # "share of checkouts renewed in 2025, physical items only": a condition said with "only" narrows the whole
    said = f.share_conditions or plain
    wholes = tuple(c for c in said if _said_only(c, f.words)) if len(said) > 1 else ()
    parts = tuple(c for c in said if c not in wholes)
    return replace(f, share_conditions=parts,
                   conditions=tuple(c for c in f.conditions if c not in parts) + tuple(c for c in wholes
                                                                                      if c not in f.conditions))


def _said_only(c: Condition, said: tuple[str, ...]) -> bool:
    """Whether the condition's words are said right after "only"/"just" or before "only" (a word between)."""
    own = tuple(stem(w) for w in words(c.text))
    hits = [n for n in range(len(said) - len(own) + 1) if own and said[n:n + len(own)] == own]
    return any(said[n - 1:n] in (("only",), ("just",)) or "only" in said[n + len(own):n + len(own) + 2]
               for n in hits)          # ("online orders only": the rows' noun may come between)


def _nested(conds: tuple[Condition, ...], lex: Lexicon) -> tuple[Condition, Condition] | None:
    """(whole, part) when the only two conditions test one column and the part's values lie inside the whole's."""
    if len(conds) != 2:
        return None
    (a, va), (b, vb) = ((c, _values(c, lex)) for c in conds)
    if va is None or vb is None or va[0] != vb[0]:
        return None
    if vb[1] < va[1]:
        return a, b
    if va[1] < vb[1]:
        return b, a
    return None


def _values(c: Condition, lex: Lexicon) -> tuple[tuple[str, str], frozenset[str]] | None:
    """(table and column, the values it keeps) of a plain test of stored values, else None."""
    if c.negated:
        return None
    if c.kind == "in" and c.col is not None:
        return (c.table, c.col.column.lower()), frozenset(str(v).lower() for v in c.values)
    f = lex.filters.get(c.filter_name) if c.kind == "filter" else None
    pairs = tested_values(f.sql, lex.dialect) if f is not None else ()
    if not pairs or len({col for col, _v in pairs}) != 1:
        return None
    return (c.table, pairs[0][0]), frozenset(v for _col, v in pairs)


def _by_word_order(conds: tuple[Condition, ...],
                   said: tuple[str, ...]) -> tuple[tuple[Condition, ...], tuple[Condition, ...]] | None:
    """(whole, part) by where each condition was said: before the first word that starts the part ("that",
    "are") the whole, after it the part; None when the question has no such word or every condition is part."""
    split = _share_of_them(said)
    split = _share_after_of(said) if split is None else split
    split = next((i for i, w in enumerate(said) if w in _PART_LEADS), None) if split is None else split
    if split is None or not conds:
        return None
    at = [_position(c, said) for c in conds]
    if None in at:
        return None
    whole = tuple(c for c, i in zip(conds, at) if i is not None and i < split)
    part = tuple(c for c in conds if c not in whole)
    if whole and not part:      # "share of closed credits that were issued in 2024": a part no condition holds
        raise NotUnderstood("I could not tell what the share is of.", tuple(c.text for c in whole))
    return (whole, part) if whole and part else None


def _share_of_them(said: tuple[str, ...]) -> int | None:
    """'for shipments that went by AIR in 1997, what fraction of them arrived late': a share of the rows said
    before it (a share word, "of", a pronoun: vocabulary ``anaphora``) begins the part where it is said."""
    return next((i for i in range(len(said) - 2) if said[i] in _SHARE_WORDS and said[i + 1] == "of"
                 and said[i + 2] in _PRONOUNS), None)


def _share_after_of(said: tuple[str, ...]) -> int | None:
    """'of everything we shipped by air in 1996, what share arrived late': a question that opens with "of" names
    the whole first; the part begins at the share word."""
    return next((i for i, w in enumerate(said) if w in _SHARE_WORDS), None) if said[:1] == ("of",) else None


def _position(c: Condition, said: tuple[str, ...]) -> int | None:
    """The word position a condition was said at: where its words' stems first occur in order (the reading may
    leave out a word between them)."""
    stems = tuple(stem(w.lower()) for w in words(c.text))
    return next((i for i in range(len(said)) if stems and said[i] == stems[0]
                 and _in_order(stems[1:], said[i + 1:i + 2 * len(stems)])), None)


def _in_order(wanted: tuple[str, ...], said: tuple[str, ...]) -> bool:
    """Whether the words come in this order, maybe with others between ("after promised date" of "after the
    promised date")."""
    rest = iter(said)
    return all(w in rest for w in wanted)
