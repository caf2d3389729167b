"""Follow-ups read as edits of the previous question's frame, never as a new question glued to it.

"and in 1997?" replaces the period, "only for ASIA" replaces the filter on the same column, "break that
down by ship mode" adds a grouping and keeps the measure and filters, "top 3 instead" changes N, "average
instead" changes the aggregate. ``read_edit`` turns the follow-up's words into an ``Edit`` (every content
word must be claimed, or the edit is not understood); ``apply_edit`` applies it to the previous
``QuerySpec``. The words that mark a follow-up live in ``vocabulary.yaml``.
"""

from __future__ import annotations

from dataclasses import replace

from nl2sql.planner.edit_items import _stems
from nl2sql.planner.edit_rules import EDIT_RULES
from nl2sql.planner.edit_settle import settled
from nl2sql.planner.edits import Edit, GroupEdit, NotAnEdit, ValueEdit
from nl2sql.planner.filter_values import filters_as_values, idiom_opener
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item, matched
from nl2sql.planner.metric_rows import rows_noun
from nl2sql.planner.reading import NotUnderstood, significant
from nl2sql.planner.resolve import strongest
from nl2sql.planner.timefilters import Period, find_periods
from nl2sql.planner.spec import QuerySpec
from nl2sql.planner.tokens import question_words
from nl2sql.planner.unfilter_words import named_unfilter
from nl2sql.planner.words import phrases, word_list

__all__ = ["Edit", "GroupEdit", "NotAnEdit", "ValueEdit", "after_unfilter", "is_fragment", "is_marked", "named_unfilter",
           "goes_on_unasked", "ranked_end", "read_edit", "starts_as_followup", "unfilters"]


def is_marked(question: str) -> bool:
    """Whether the wording says it continues the previous question.

    >>> is_marked("and in 1997?"), is_marked("top 3 instead"), is_marked("revenue by region")
    (True, True, False)
    """
    items = matched(question, _EMPTY)
    stems = [_stems(it) for it in items]
    leading = phrases("followup", "leading")
    anywhere = phrases("followup", "anywhere")
    return _opens_with(stems, leading) or any(s in anywhere for s in stems)


def goes_on_unasked(question: str, lex: Lexicon) -> bool:
    """Whether a turn opens as a follow-up and names no measure of its own ("just the unlimited plans, per
    month"): it goes on from the previous question, whatever it reads as alone ("ok then just number of customers
    by region" asks in full)."""
    return starts_as_followup(question) and not any(
        any(c.kind in ("agg", "share", "extreme") for c in it.cues)
        or any(c.kind == "metric" and not rows_noun(it.text, c, lex) for c in it.concepts)
        for it in matched(question, lex))



def starts_as_followup(question: str) -> bool:
    """Whether the question opens with words that continue another ("only for ...", "what about ...").

    >>> starts_as_followup("only for express parcels"), starts_as_followup("which parcels are express")
    (True, False)
    """
    stems = [_stems(it) for it in matched(question, _EMPTY)]
    leading = phrases("followup", "leading")
    return _opens_with(stems, leading)


def _opens_with(stems: list[tuple[str, ...]], leading: frozenset[tuple[str, ...]]) -> bool:
    """Whether the words open with one of the phrases ("and", "what about", "as a share of")."""
    flat = tuple(w for s in stems for w in s)
    return any(flat[:n] in leading for n in range(1, min(len(flat), 4) + 1))


def ranked_end(question: str, previous: QuerySpec) -> str:
    """'and the worst five?' after a top N ranked on a measure: the other end of that ranking ("bottom"), and
    'best' the same end; the words (vocabulary ``followup.ranking_ends``) are asked back only on a first turn,
    where no ranking says which way is good."""
    from catalog_semantics.text import words

    ranked = previous.limit is not None and previous.order and previous.order[0].measure is not None
    if not ranked:
        return question
    ends = {"other": "bottom" if previous.order[0].desc else "top", "same": "top" if previous.order[0].desc else "bottom"}
    swaps = {w: ends[side] for side in ends for w in word_list("followup", "ranking_ends", side)}
    return " ".join(swaps.get(w.lower(), w) for w in words(question)) if any(w.lower() in swaps for w in words(question)) \
        else question


def is_fragment(question: str) -> bool:
    """Whether the question is a phrase that only narrows another ("for 1998 shipments", "in asia"): it opens
    with a preposition (vocabulary ``followup.fragment_openers``) and asks for nothing of its own (no asking
    word, aggregate or list verb).

    >>> is_fragment("for 1998 shipments"), is_fragment("in 1996, which region had the most revenue?")
    (True, False)
    """
    items = matched(question, _EMPTY)
    if not items or _stems(items[0]) not in phrases("followup", "fragment_openers"):
        return False
    return not any(it.has("list", "agg", "extreme", "top", "share", "mode") for it in items[1:])


def unfilters(question: str) -> bool:
    """Whether the follow-up only asks to drop the previous filter.

    >>> unfilters("ok, drop the filter"), unfilters("drop the orders table")
    (True, False)
    """
    return after_unfilter(question) == ""


def after_unfilter(question: str) -> str | None:
    """What a follow-up asks beside dropping the previous filter: "" when that is all it asks, the rest
    when it goes on with "and" ("drop the filter and show 1994"); None when it drops no filter.

    >>> after_unfilter("drop the filter and show 1994"), after_unfilter("drop the filter"), after_unfilter("by year")
    ('show 1994', '', None)
    """
    from catalog_semantics.text import stem

    fillers = phrases("followup", "fillers") | phrases("followup", "leading")
    said = list(question_words(question).words)
    while said and (stem(said[0]),) in fillers:          # "ok, drop the filter": the openers aside
        said.pop(0)
    stems = tuple(stem(w) for w in said)
    for n in range(len(stems), 0, -1):
        if stems[:n] in phrases("followup", "unfilter"):
            rest = said[n:]
            if not rest:
                return ""
            return " ".join(rest[1:]) if rest[0] in ("and", "then") and rest[1:] else None
    return None


def read_edit(question: str, lex: Lexicon) -> Edit:
    """The edit a follow-up asks for; raises ``NotUnderstood`` naming the words no edit claims."""
    found = idiom_opener(matched(question, lex))
    words = [_stems(it) for it in found]
    versus, side_by_side = _versus(words), _versus_value(found)
    _refuse_non_edits(found, words, versus is not None or side_by_side)
    items = [replace(it, concepts=strongest(it.concepts)) for it in significant(found)]
    periods, used = find_periods(items, [w for it in found for w in it.text.lower().split()])
    if len(periods) == 2 and items and _stems(items[0]) in phrases("followup", "swap"):
        periods = periods[1:]            # "replace 1998 with 1992": the second in place of the first
    if len(periods) > 1 or any(p.each in ("pair", "month_of_year") for p in periods):
        raise NotUnderstood("The follow-up names more than one period.", tuple(p.text for p in periods))
    stems = [_stems(it) for it in matched(question, _EMPTY)]
    flat = tuple(w for ws in words for w in ws)
    widen = any(flat[n:n + len(p)] == p for p in phrases("followup", "widen") for n in range(len(flat)))
    ungroup = any(flat[n:n + len(p)] == p for p in phrases("followup", "ungroup") for n in range(len(flat)))
    adding = any(flat[n:n + len(p)] == p for p in phrases("followup", "adding") for n in range(len(flat)))
    whole_year = any(flat[n:n + len(p)] == p for p in phrases("followup", "whole_year") for n in range(len(flat)))
    listing = any(it.has("list") and not it.concepts for it in found) and all(     # "list them", "which ones?"
        _stems(it) in phrases("followup", "plural_ends") for it in items)
    if adding and periods and versus is None and not side_by_side:
        # "put 1994 beside it": the year is shown next to the previous one, never put in its place
        versus = _whole_year(periods[0])
        if versus is None:
            raise NotUnderstood("Showing another period beside the previous one works for whole years only.",
                                (periods[0].text,))
    shown_n = any(a.has("list") and b.kind == "number" for a, b in zip(found, found[1:]))      # "show 10"
    edit = Edit(window=periods[0] if periods else None, marked=is_marked(question) or shown_n, widen=widen,
                all_rows=not widen and any((w,) in phrases("followup", "all_rows") for w in flat),
                plural_ref=any(w in phrases("followup", "plural_refs") for w in words),
                adding=adding, ungroup=ungroup, listing=listing, anaphora=any(w in phrases("anaphora") for w in words),
                replacing=_starts_with(stems, phrases("followup", "replacing")),
                adding_if_same=_starts_with(stems, phrases("followup", "adding_openers")),
                regroup=any(s in phrases("followup", "regroup_always") for s in stems) or any(
                    s in phrases("followup", "regroup") for s in stems) and not any(
                    flat[n:n + len(p)] == p for p in phrases("followup", "splitting") for n in range(len(flat))),
                whole_year=whole_year)
    edit = replace(edit, side_by_side=side_by_side, unpin=_all_of(found))
    if versus is not None:      # the year compared with is not the period of the follow-up
        year, shift = versus
        edit = replace(edit, versus_year=year, versus_shift=shift,
                       window=None if year is not None else edit.window)
    edit = settled(_claim(items, used, edit, lex), stems, lex)       # "and by X", "list those in X", "X too"
    return filters_as_values(edit, lex)     # "just urgent and high": either priority


def _claim(items: list[Item], used: set[int], edit: Edit, lex: Lexicon) -> Edit:
    """The edit with every significant word claimed by a period, a date word or an edit rule; raises
    ``NotUnderstood`` naming the words none claims."""
    unknown: list[str] = []
    dated = _date_words(items, lex)      # "by year shipped": which date the grain or period is on
    j = 0
    while j < len(items):
        if j in used or (j in dated and (edit.window is not None or any(it.cue("grain") for it in items))):
            edit = replace(edit, dated=edit.dated or j in dated)
            j += 1
            continue
        for rule in EDIT_RULES:
            found = rule(items, j, edit)
            if found is not None:
                edit, j = found
                break
        else:
            unknown.append(items[j].text)
            j += 1
    if unknown:
        raise NotUnderstood("Some words of the follow-up did not map to a change of the previous question.",
                            tuple(unknown))
    return edit


def _all_of(matched: list[Item]) -> tuple[Concept, ...]:
    """What 'all' / 'every' is said right before ("do that for all regions"): a table or column whose filter
    the follow-up drops (``edit_conditions.unpinned``)."""
    found: list[Concept] = []
    for it, nxt in zip(matched, matched[1:]):
        if _stems(it)[-1:] and (_stems(it)[-1],) in phrases("followup", "all_rows"):
            found += [c for c in strongest(nxt.concepts) if c.kind in ("table", "column")]
    return tuple(found)


def _refuse_non_edits(matched: list[Item], words: list[tuple[str, ...]], comparing: bool) -> None:
    """Raise ``NotAnEdit`` naming the words that ask for more than an edit ("why", "both"); a comparison
    with a year or a value ("vs 1994", "compare with ASIA") is an edit (``edit_versus``, ``edit_values``)."""
    blocked = [it.text for it, w in zip(matched, words) if w in phrases("not_edits")] + \
        [" ".join(it.text for it in matched[n:n + 3]) for n in range(len(words))
         if tuple(x for w in words[n:n + 3] for x in w) in phrases("not_edits") and len(words[n:n + 3]) == 3]
    if comparing:
        blocked = [b for b in blocked if stem_all(b) not in phrases("followup", "compare")]
    flat = tuple(x for w in words for x in w)       # "remove the year": a widen phrase, not a change of data
    widened = {x for p in phrases("followup", "widen") for n in range(len(flat)) if flat[n:n + len(p)] == p for x in p}
    blocked = [b for b in blocked if not set(stem_all(b)) <= widened]
    if blocked:
        raise NotAnEdit("The follow-up asks for more than a change of the previous question.", tuple(blocked))


def _versus_value(matched: list[Item]) -> bool:
    """Whether a comparison word is followed by a value ("vs ASIA", "compare with MACHINERY")."""
    leads = phrases("followup", "compare")
    for n, it in enumerate(matched):
        if _stems(it) not in leads:
            continue
        rest = [x for x in matched[n + 1:] if _stems(x) not in (("with",), ("to",), ("the",), ("it",))]
        if rest and rest[0].concepts and all(c.kind == "value" for c in rest[0].concepts):
            return True
    return False


def stem_all(text: str) -> tuple[str, ...]:
    from catalog_semantics.text import stem, words

    return tuple(stem(w) for w in words(text))


def _versus(words: list[tuple[str, ...]]) -> tuple[int | None, int | None] | None:
    """(year, shift) when a comparison word is followed by a year or by a year said relative to the previous
    one ("compare with 1996", "compare with the previous year"); None otherwise.

    >>> _versus([("compare",), ("with",), ("the",), ("previous",), ("year",)]), _versus([("vs",), ("1994",)])
    ((None, -1), (1994, None))
    >>> _versus([("compare",), ("regions",)])
    """
    flat = tuple(w for ws in words for w in ws)
    leads = phrases("followup", "compare")
    after = [flat[n + len(p):] for p in leads for n in range(len(flat)) if flat[n:n + len(p)] == p]
    for rest in after:
        rest = tuple(w for w in rest if w not in ("the", "with", "to", "it"))
        if rest[:1] and rest[0].isdigit() and len(rest[0]) == 4:
            return int(rest[0]), None
        for key, shift in (("earlier_year", -1), ("later_year", 1)):
            if any(rest[:len(y)] == y for y in phrases("followup", key)):
                return None, shift
    return None


def _whole_year(period: Period) -> tuple[int, None] | None:
    """(year, None) when a period is one whole calendar year, as ``_versus`` gives a year compared with."""
    start, end = period.start, period.end
    if start is None or end is None or (start.month, start.day, end.month, end.day) != (1, 1, 1, 1) \
            or end.year != start.year + 1:
        return None
    return start.year, None


def _date_words(items: list[Item], lex: Lexicon) -> set[int]:
    """Items no other rule knows whose stem names a date column ("shipped": the ship date); the date is
    then chosen from the question's words by ``edit_conditions.date_column``."""
    from nl2sql.planner.assemble import _verb_of

    return {j for j, it in enumerate(items) if it.kind == "unknown" and len(_stems(it)) == 1
            and lex.date_names.get(_verb_of(_stems(it)[0]))}


def _starts_with(stems: list[tuple[str, ...]], options: frozenset[tuple[str, ...]]) -> bool:
    flat = [w for s in stems for w in s]
    return any(tuple(flat[:n]) in options for n in (1, 2, 3, 4))


def _empty_lexicon() -> Lexicon:
    return Lexicon(names={}, values={}, tables={}, vocab={}, date_hints={})


_EMPTY = _empty_lexicon()
