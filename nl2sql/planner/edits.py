"""The edit a follow-up asks for, as frozen values (read by ``followup.read_edit``, applied by
``conversation.apply_edit``)."""

from __future__ import annotations

from dataclasses import dataclass

from nl2sql.planner.lexicon import Concept
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.timefilters import Period


class NotAnEdit(NotUnderstood):
    """A follow-up whose words ask for something an edit cannot express (a comparison, an explanation)."""


@dataclass(frozen=True)
class ValueEdit:
    """A value named by the follow-up; which column it filters is settled against the previous frame."""

    concepts: tuple[Concept, ...]
    negated: bool
    text: str
    via: str | None = None                    # 'suppliers from JAPAN': the country reached through suppliers
    kept: bool = False                        # "and MACHINERY too": beside the values already filtered on


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
    negated_filters: tuple[Concept, ...] = ()   # "without urgent orders", "with no discount"
    groups: tuple[GroupEdit, ...] = ()
    grains: tuple[str, ...] = ()
    limit: int | None = None
    fn: str | None = None                     # a new aggregate for the measure
    metric: Concept | None = None             # a new measure
    window_col: Concept | None = None         # the date the period applies to ("tickets opened in 2024")
    scope: tuple[str, ...] = ()               # tables named as what the rows are ("only orders from 1997")
    scope_choices: tuple[tuple[str, ...], ...] = ()   # a noun naming several tables ("payments"): one, by the frame
    compares: tuple[tuple[Concept, float, str], ...] = ()   # "parts of size 50", "size above 40": column, number, op
    adding: bool = False                      # "put X next to it": a measure added, not swapped
    adding_if_same: bool = False              # "and the number of X": added when of the same rows, else swapped
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
    dated: bool = False                       # a word names the date ("by year shipped")
    quarter: int | None = None                # "Q2?": a quarter of the previous period's year
    having: tuple[str, float] | None = None   # "only those above 14M": the measure compared per group
    all_rows: bool = False                    # "show all regions": no cut to the first N
    plural_ref: bool = False                  # "which of those are ...": the rows, not one group
    ranked: bool = False                      # "which one is highest": fn came from a ranking word
    rank_of: tuple[Concept, ...] = ()         # "which segment is highest": the grouping whose first row is asked
    rank_grain: str | None = None             # "which month was best": a time grain of the answer, ranked
    ungroup: bool = False                     # "and overall?": the groupings dropped
    order_by: tuple[Concept, ...] = ()        # "sort by name": a column of the previous answer
    instead_of: tuple[Concept, ...] = ()      # "per region instead of segment": the grouping replaced
    instead_of_grains: tuple[str, ...] = ()   # "by channel instead of month": the period grain replaced
    replaced_filters: tuple[Concept, ...] = ()   # "returned items instead of late ones": the named filter replaced
    columns: tuple[tuple[Concept, ...], ...] = ()   # "add their account balance": columns shown beside the rows
    versus_year: int | None = None            # "compare with 1996": that year beside the previous one
    versus_shift: int | None = None           # "compare with the previous year": -1 (or +1 for the next)
    side_by_side: bool = False                # "vs ASIA": the value beside the previous one, grouped by it
    whole_year: bool = False                  # "and the whole year": the previous period's calendar year
    unpin: tuple[Concept, ...] = ()           # "for all regions": the previous filter on regions dropped
    end: bool | None = None                   # "and the bottom ones?": that end of the previous top N (desc?)

    @property
    def acts(self) -> bool:
        """Whether the edit changes something: also "list them" and "same for suppliers" (rows only)."""
        return not self.empty or self.listing or len(self.scope) + len(self.scope_choices) == 1

    @property
    def empty(self) -> bool:
        # naming the rows alone ("which countries ...") changes nothing of the previous question
        return self == Edit(marked=self.marked, replacing=self.replacing, regroup=self.regroup, scope=self.scope,
                            scope_choices=self.scope_choices,
                            adding=self.adding, adding_if_same=self.adding_if_same, anaphora=self.anaphora, plural_ref=self.plural_ref)
