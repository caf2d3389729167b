""""On average" said apart from the count it averages: the phrases put back side by side before the reading.

"How many orders does a customer place on average?" and "On average per order, how many line items are there?"
ask what "on average, how many orders per customer" asks: rows of one table counted per row of the table they
belong to (``Measure("rows_per")``). The reader reads an average of a count only where the two words meet ("on
average how many lines does an order have"), so the adverb is moved to just before the count, and a "per X" that
came with it to the end, where the count's "per" is read (``AggregateSteps._aggregate``). Nothing else moves: an
adverb with no count, or with words of its own between it and the count, is left where it was.
"""

from __future__ import annotations

from nl2sql.planner.frame_amounts import _counts_rows
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import _one
from nl2sql.planner.words import word_list

# "on average", "on avg": the adverb, never the adjective of a noun ("the average price")
_ADVERBS = frozenset(word_list("average_adverbs"))


def average_beside_count(seq: list[Item], lex: Lexicon) -> list[Item]:
    """``seq`` (significant items) with a lone "on average" moved before the one count it goes with.

    >>> average_beside_count([], None)
    []
    """
    adverbs = [n for n, it in enumerate(seq) if it.text.lower() in _ADVERBS and it.has("agg")]
    counts = [n for n, it in enumerate(seq) if _is_count(it, lex)]
    if len(adverbs) != 1 or len(counts) != 1 or abs(adverbs[0] - counts[0]) == 1:
        return seq
    a, c = adverbs[0], counts[0]
    per: list[Item] = []
    if a < c:                            # "on average per order, how many line items": "per order" goes last
        between = seq[a + 1:c]
        if between and not (len(between) == 2 and between[0].has("group") and _one(between[1], "table")):
            return seq
        per = between
    elif any(it.kind != "cue" for it in seq[a + 1:]):
        return seq                       # "how many orders ... on average per year": words of its own after it
    rest = [it for n, it in enumerate(seq) if n != a and it not in per]
    at = rest.index(seq[c])
    return rest[:at] + [seq[a]] + rest[at:] + per


def _is_count(it: Item, lex: Lexicon) -> bool:
    """'how many', 'number of', or a metric that counts rows ('how many orders' as "number of orders")."""
    if it.has("agg") and it.arg("agg") == "count":
        return True
    metric = _one(it, "metric")
    return metric is not None and metric.name in lex.metrics and _counts_rows(lex.metrics[metric.name].sql)
