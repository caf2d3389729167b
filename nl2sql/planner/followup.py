"""Follow-ups read as edits of the previous question's frame, never as a new question glued to it.

"and in 1997?" replaces the period, "only for ASIA" replaces the filter on the same column, "break that
down by ship mode" adds a grouping and keeps the measure and filters, "top 3 instead" changes N, "average
instead" changes the aggregate. ``read_edit`` turns the follow-up's words into an ``Edit`` (every content
word must be claimed, or the edit is not understood); ``apply_edit`` applies it to the previous
``QuerySpec``. The words that mark a follow-up live in ``vocabulary.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching import Item, match_items
from nl2sql.planner.reading import NotUnderstood, significant
from nl2sql.planner.resolve import strongest
from nl2sql.planner.timefilters import Period, find_periods, is_year
from nl2sql.planner.tokens import tokenize
from nl2sql.planner.words import phrases

_AGGS = frozenset({"avg", "sum", "min", "max", "median", "count"})


class NotAnEdit(NotUnderstood):
    """A follow-up whose words ask for something an edit cannot express (a comparison, an explanation)."""


@dataclass(frozen=True)
class ValueEdit:
    """A value named by the follow-up; which column it filters is settled against the previous frame."""

    concepts: tuple[Concept, ...]
    negated: bool
    text: str
    via: str | None = None                    # 'suppliers from JAPAN': the country reached through suppliers


@dataclass(frozen=True)
class GroupEdit:
    """A grouping added by the follow-up: a column or a table (its label), maybe through another table."""

    concepts: tuple[Concept, ...]
    via: str | None
    text: str


@dataclass(frozen=True)
class Edit:
    window: Period | None = None
    widen: bool = False                       # drop the previous period ("across all years")
    values: tuple[ValueEdit, ...] = ()
    filters: tuple[Concept, ...] = ()         # named filters of the model
    groups: tuple[GroupEdit, ...] = ()
    grains: tuple[str, ...] = ()
    limit: int | None = None
    fn: str | None = None                     # a new aggregate for the measure
    metric: Concept | None = None             # a new measure
    window_col: Concept | None = None         # the date the period applies to ("tickets opened in 2024")
    scope: tuple[str, ...] = ()               # tables named as what the rows are ("only orders from 1997")
    compares: tuple[tuple[Concept, float], ...] = ()   # "parts of size 50": a column equal to a number
    adding: bool = False                      # "put X next to it": a measure added, not swapped
    measure_col: tuple[Concept, str] | None = None   # "their total account balance": column and aggregate
    rank: tuple[bool, tuple[Concept, ...]] | None = None  # "the most parts": descending?, what ranks
    direction: bool | None = None             # "sort it highest first": descending?
    listing: bool = False                     # "list them": the rows the previous answer counted
    per_previous: bool = False                # "how many customers in each?": per row of the previous list
    count_of: str | None = None               # "how many customers": the rows now counted
    anaphora: bool = False                    # "those", "them": the previous answer's rows
    marked: bool = False                      # the words say "this edits the previous question"
    replacing: bool = False                   # "and X?": X replaces the previous named filter
    regroup: bool = False                     # "now by X": X replaces the previous grouping

    @property
    def acts(self) -> bool:
        """Whether the edit changes something: also "list them" and "same for suppliers" (rows only)."""
        return not self.empty or self.listing or len(self.scope) == 1

    @property
    def empty(self) -> bool:
        # naming the rows alone ("which countries ...") changes nothing of the previous question
        return self == Edit(marked=self.marked, replacing=self.replacing, regroup=self.regroup, scope=self.scope,
                            adding=self.adding, anaphora=self.anaphora)


def is_marked(question: str) -> bool:
    """Whether the wording says it continues the previous question.

    >>> is_marked("and in 1997?"), is_marked("top 3 instead"), is_marked("revenue by region")
    (True, True, False)
    """
    items = [it for it in match_items(tokenize(question), _EMPTY)]
    stems = [_stems(it) for it in items]
    leading = phrases("followup", "leading")
    anywhere = phrases("followup", "anywhere")
    if stems and (stems[0] in leading or tuple(w for s in stems[:2] for w in s) in leading):
        return True
    return any(s in anywhere for s in stems)


def read_edit(question: str, lex: Lexicon) -> Edit:
    """The edit a follow-up asks for; raises ``NotUnderstood`` naming the words no edit claims."""
    matched = match_items(tokenize(question), lex)
    words = [_stems(it) for it in matched]
    blocked = [it.text for it, w in zip(matched, words) if w in phrases("not_edits")] + \
        [" ".join(it.text for it in matched[n:n + 3]) for n in range(len(words))
         if tuple(x for w in words[n:n + 3] for x in w) in phrases("not_edits") and len(words[n:n + 3]) == 3]
    if blocked:
        raise NotAnEdit("The follow-up asks for more than a change of the previous question.", tuple(blocked))
    items = [replace(it, concepts=strongest(it.concepts)) for it in significant(matched)]
    periods, used = find_periods(items)
    if len(periods) > 1:
        raise NotUnderstood("The follow-up names more than one period.", tuple(p.text for p in periods))
    stems = [_stems(it) for it in match_items(tokenize(question), _EMPTY)]
    flat = tuple(w for ws in words for w in ws)
    widen = any(flat[n:n + len(p)] == p for p in phrases("followup", "widen") for n in range(len(flat)))
    adding = any(flat[n:n + len(p)] == p for p in phrases("followup", "adding") for n in range(len(flat)))
    listing = any(it.has("list") and not it.concepts for it in matched) and not items
    edit = Edit(window=periods[0] if periods else None, marked=is_marked(question), widen=widen,
                adding=adding, listing=listing, anaphora=any(w in phrases("anaphora") for w in words),
                replacing=_starts_with(stems, phrases("followup", "replacing")),
                regroup=any(s in phrases("followup", "regroup") for s in stems))
    unknown: list[str] = []
    j = 0
    while j < len(items):
        if j in used:
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


def _starts_with(stems: list[tuple[str, ...]], options: frozenset[tuple[str, ...]]) -> bool:
    flat = [w for s in stems for w in s]
    return any(tuple(flat[:n]) in options for n in (1, 2, 3, 4))


# ---- rules: each looks at item j and returns the edit extended and the next index, or None ----------
Found = tuple[Edit, int] | None


def _filler(items: list[Item], j: int, edit: Edit) -> Found:
    it = items[j]
    for n in (3, 2):          # "next to it", "how about": fillers of several items
        span = tuple(w for x in items[j:j + n] for w in _stems(x))
        if len(items[j:j + n]) == n and span in phrases("followup", "fillers"):
            return edit, j + n
    if _stems(it) in phrases("followup", "fillers") or (
            it.kind == "cue" and not it.concepts and all(c.kind in ("and", "or", "stop", "list") for c in it.cues)):
        return edit, j + 1
    return None


def _widen(items: list[Item], j: int, edit: Edit) -> Found:
    for n in (3, 2, 1):
        span = tuple(w for it in items[j:j + n] for w in _stems(it))
        if len(items[j:j + n]) == n and span in phrases("followup", "widen"):
            return replace(edit, widen=True), j + n
    return None


def _group(items: list[Item], j: int, edit: Edit) -> Found:
    """'by ship mode', 'per customer region', 'split by supplier country'."""
    it = items[j]
    if not it.has("group"):
        return None
    if j + 1 >= len(items):
        return replace(edit, per_previous=True), j + 1        # "... in each?": each row of the previous list
    nxt = items[j + 1]
    if nxt.kind != "concept":
        grain = nxt.cue("unit")
        return (replace(edit, grains=edit.grains + (grain.arg,)), j + 2) if grain else None
    if j + 2 < len(items) and items[j + 2].kind == "concept" and _kinds(nxt) == {"table"} \
            and "column" in _kinds(items[j + 2]):
        via = nxt.concepts[0].table
        group = GroupEdit(_of_kind(items[j + 2], "column", "table"), via, f"{nxt.text} {items[j + 2].text}")
        return replace(edit, groups=edit.groups + (group,)), j + 3
    concepts = _of_kind(nxt, "column", "table")
    if not concepts:
        return None
    return replace(edit, groups=edit.groups + (GroupEdit(concepts, None, nxt.text),)), j + 2


def _grain(items: list[Item], j: int, edit: Edit) -> Found:
    grain = items[j].cue("grain")
    if grain is None:
        return None
    return replace(edit, grains=edit.grains + (grain.arg,)), j + 1


def _top(items: list[Item], j: int, edit: Edit) -> Found:
    """'top 3', 'the first 10', or a bare '3 instead' (N of the previous ranking)."""
    it = items[j]
    if it.has("top") and j + 1 < len(items) and _count(items[j + 1]) is not None:
        return replace(edit, limit=_count(items[j + 1])), j + 2
    if it.kind == "number" and _count(it) is not None and edit.marked:
        return replace(edit, limit=_count(it)), j + 1
    return None


def _extreme(items: list[Item], j: int, edit: Edit) -> Found:
    """'the most parts', 'the highest account balance': what the previous rows are ranked by."""
    cue = items[j].cue("extreme")
    if cue is None or j + 1 >= len(items) or items[j + 1].kind != "concept" or edit.rank is not None:
        return None
    target = _of_kind(items[j + 1], "column", "table", "metric")
    return (replace(edit, rank=(cue.arg == "max", target)), j + 2) if target else None


def _direction(items: list[Item], j: int, edit: Edit) -> Found:
    cue = items[j].cue("dir")
    return (replace(edit, direction=cue.arg == "desc"), j + 1) if cue is not None else None


def _measure_column(items: list[Item], j: int, edit: Edit) -> Found:
    """'their total account balance', 'the average quantity': an aggregate of a column."""
    cue = items[j].cue("agg")
    if cue is None or cue.arg not in _AGGS or j + 1 >= len(items):
        return None
    nxt = items[j + 1]
    if cue.arg == "count" and _kinds(nxt) == {"table"}:
        return replace(edit, count_of=nxt.concepts[0].table), j + 2
    cols = _of_kind(nxt, "column")
    if len(cols) != 1 or cue.arg == "count":
        return None
    return replace(edit, measure_col=(cols[0], cue.arg)), j + 2


def _aggregate(items: list[Item], j: int, edit: Edit) -> Found:
    """'average instead', 'the total': the previous measure with another aggregate."""
    cue = items[j].cue("agg")
    extreme = items[j].cue("extreme")
    if cue is None and extreme is not None and (j + 1 == len(items) or items[j + 1].kind != "concept"):
        cue = extreme                      # "the maximum instead": nothing after it to rank
    if cue is None or cue.arg not in _AGGS or edit.fn is not None:
        return None
    return replace(edit, fn=cue.arg), j + 1


def _value(items: list[Item], j: int, edit: Edit) -> Found:
    """'ASIA', 'not BRAZIL', 'excluding the MACHINERY segment', 'MACHINERY customers', 'suppliers from
    JAPAN' (whose country: the suppliers'); several values joined by and/or."""
    via = None
    if _kinds(items[j]) == {"table"} and j + 1 < len(items):
        k = j + 2 if _preposition(items[j + 1]) else j + 1
        if k < len(items) and _of_kind(items[k], "value"):
            via, j = items[j].concepts[0].table, k
    negated = items[j].has("neg") and not items[j].concepts
    k = j + 1 if negated else j
    values: list[ValueEdit] = []
    while k < len(items):
        concepts = _of_kind(items[k], "value")
        if not concepts:
            break
        values.append(ValueEdit(concepts, negated, items[k].text, via))
        k += 1
        if k + 1 < len(items) and items[k].has("and", "or") and _of_kind(items[k + 1], "value"):
            k += 1
        # "the MACHINERY segment": the value's own column named after it
        if k < len(items) and (_names_column(items[k], concepts) or _kinds(items[k]) == {"table"} and
                               items[k].concepts[0].table in {c.table for c in concepts}):
            k += 1
    if not values:
        return None
    return replace(edit, values=edit.values + tuple(values)), k


def _named(items: list[Item], j: int, edit: Edit) -> Found:
    """A named filter ('urgent orders') or a metric ('revenue instead')."""
    it = items[j]
    filters = _of_kind(it, "filter")
    if len(filters) == 1:
        k = j + 1
        if k < len(items) and _kinds(items[k]) == {"table"} and items[k].concepts[0].table == filters[0].table:
            k += 1                                   # "urgent orders": the filter's own table named after it
        return replace(edit, filters=edit.filters + filters), k
    metrics = _of_kind(it, "metric")
    if len(metrics) == 1 and edit.metric is None:
        return replace(edit, metric=metrics[0]), j + 1
    return None


def _column_number(items: list[Item], j: int, edit: Edit) -> Found:
    """'size 50', 'of size 50': a numeric column and the number it should equal; 'opened in 2024': a date
    column and its year."""
    cols = _of_kind(items[j], "column")
    if len(cols) != 1 or j + 1 >= len(items) or items[j + 1].kind != "number" or items[j + 1].number is None:
        return None
    if is_year(items[j + 1]) and edit.window is not None and (j + 1) in edit.window.span:
        return replace(edit, window_col=cols[0]), j + 2     # the period found already: its date
    if is_year(items[j + 1]) and edit.window is None:
        year = int(items[j + 1].number)
        window = Period(date(year, 1, 1), date(year + 1, 1, 1), items[j + 1].text, (j + 1,))
        return replace(edit, window=window, window_col=cols[0]), j + 2
    return replace(edit, compares=edit.compares + ((cols[0], float(items[j + 1].number)),)), j + 2


def _scope(items: list[Item], j: int, edit: Edit) -> Found:
    """A table named as what the rows are ('only orders from 1997', 'for parts'); checked against the frame."""
    if _kinds(items[j]) != {"table"}:
        return None
    return replace(edit, scope=edit.scope + (items[j].concepts[0].table,)), j + 1


EDIT_RULES = (_widen, _group, _grain, _top, _measure_column, _extreme, _direction, _aggregate, _value, _named,
              _column_number, _scope, _filler)


# ---- helpers ------------------------------------------------------------------------------------------
def _stems(it: Item) -> tuple[str, ...]:
    from catalog_semantics.text import stem, words

    return tuple(stem(w) for w in words(it.text))


def _kinds(it: Item) -> set[str]:
    return {c.kind for c in it.concepts}


def _of_kind(it: Item, *kinds: str) -> tuple[Concept, ...]:
    if it.kind not in ("concept", "literal"):
        return ()
    return tuple(c for c in it.concepts if c.kind in kinds)


def _preposition(it: Item) -> bool:
    return it.kind == "cue" and _stems(it) in phrases("followup", "prepositions")


def _names_column(it: Item, values: tuple[Concept, ...]) -> bool:
    cols = {(c.table, c.column) for c in values}
    return it.kind == "concept" and bool(it.concepts) and all(
        c.kind == "column" and (c.table, c.column) in cols for c in it.concepts)


def _count(it: Item) -> int | None:
    n = it.number
    if it.kind == "number" and n is not None and n == int(n) and 0 < n <= 1000:
        return int(n)
    word = it.cue("numword")
    return int(word.arg) if word else None


def _empty_lexicon() -> Lexicon:
    return Lexicon(names={}, values={}, tables={}, vocab={}, date_hints={})


_EMPTY = _empty_lexicon()
