"""The English function words the planner understands, independent of any schema.

Everything a question says is either one of these, a concept of the semantic model, a number, a date
or a literal; anything else makes the planner abstain and name the word. Phrases are written plainly
and matched on stems, so "averages" and "sorted" work too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from catalog_semantics.text import stem, words


@dataclass(frozen=True)
class Cue:
    kind: str          # agg, extreme, group, grain, unit, top, order, dir, cmp, cmp_post, neg, share, ...
    arg: str = ""


def _table(kind: str, arg: str, phrases: str) -> tuple[tuple[str, Cue], ...]:
    return tuple((p.strip(), Cue(kind, arg)) for p in phrases.split(",") if p.strip())


# A phrase may carry several cues ("by": group and stop; "top": extreme and top); the intent decides.
CUES: tuple[tuple[str, Cue], ...] = (
    *_table("agg", "count", "how many, number of, count of, count, counts, total number of, the number of, "
                             "how many total, tally of"),
    *_table("agg", "sum", "total, sum, sum of, total of, overall, combined, in total, altogether, together, "
                           "how much, cumulative, aggregate"),
    *_table("agg", "avg", "average, avg, mean, on average, typical"),
    *_table("agg", "median", "median"),
    *_table("extreme", "max", "maximum, max, highest, largest, biggest, greatest, most, latest, longest, "
                               "top, most recent, heaviest, oldest, best, newest, tallest, best selling, "
                               "top selling, highest grossing, most valuable, leading"),
    *_table("extreme", "min", "minimum, min, lowest, smallest, least, fewest, earliest, shortest, cheapest, "
                               "lightest, youngest, worst"),
    *_table("star", "", "all the information, all information, all the details, all details, everything, "
                        "all the data, all the info, all attributes, all the attributes, all columns"),
    *_table("distinct", "", "distinct, different, unique, separate, various"),
    *_table("mode", "", "most common, most frequent, most popular, most often, commonest"),
    *_table("group", "", "by, per, for each, each, for every, every, across, broken down by, split by, grouped by, "
                          "group by, in each, of each, for all, breakdown by, broken out by, by each, for the different"),
    *_table("grain", "day", "daily, per day, each day, by day, day by day"),
    *_table("grain", "week", "weekly, per week, each week, by week"),
    *_table("grain", "month", "monthly, per month, each month, by month, month by month, month over month, over the months"),
    *_table("grain", "quarter", "quarterly, per quarter, each quarter, by quarter"),
    *_table("grain", "month_of_year", "month of the year, month of year, calendar month, months of the year"),
    *_table("grain", "year", "yearly, annual, annually, per year, each year, by year, year by year, "
                              "year over year, over the years, across years, across the years"),
    *_table("unit", "day", "day"),
    *_table("unit", "week", "week"),
    *_table("unit", "month", "month"),
    *_table("unit", "quarter", "quarter"),
    *_table("unit", "year", "year"),
    *_table("top", "desc", "top, first, the top"),
    *_table("top", "asc", "bottom, last, the bottom"),
    *_table("order", "", "sorted by, ordered by, order by, sort by, ranked by, rank by, sorted on, ranking by, "
                          "in order of, arranged by, sort, sorted, ranked"),
    *_table("dir", "desc", "descending, in descending order, from highest to lowest, from largest to smallest, "
                            "highest first, largest first, descending order, decreasing, from most to least"),
    *_table("dir", "asc", "ascending, in ascending order, from lowest to highest, from smallest to largest, "
                           "lowest first, smallest first, ascending order, increasing, alphabetically, "
                           "alphabetical order, in alphabetical order, alphabetical, from least to most"),
    *_table("cmp", ">", "more than, greater than, larger than, bigger than, higher than, above, over, exceeding, "
                         "exceeds, exceed, in excess of, heavier than, older than, longer than, "
                         "is greater than, is more than, is larger than, is above, is over"),
    *_table("cmp", ">=", "at least, no less than, not less than, minimum of, no fewer than, "
                          "greater than or equal to, more than or equal to"),
    *_table("cmp", "<", "less than, fewer than, smaller than, lower than, below, under, cheaper than, "
                         "younger than, shorter than, lighter than, is less than, is below, is under"),
    *_table("cmp", "<=", "at most, no more than, not more than, up to, maximum of, no greater than, "
                          "less than or equal to, fewer than or equal to"),
    *_table("cmp", "=", "equal to, equals, exactly, is equal to, of exactly"),
    *_table("cmp", "between", "between, from"),
    *_table("cmp_post", ">=", "or more, or above, or higher, or greater, and above, and more, and over, plus"),
    *_table("cmp_post", "<=", "or less, or fewer, or below, or lower, and below, and under"),
    *_table("date_cmp", ">", "after, later than"),
    *_table("date_cmp", ">=", "since, from, starting, starting from, beginning, starting in, as of"),
    *_table("date_cmp", "<", "before, earlier than, prior to"),
    *_table("date_cmp", "<=", "until, till, up until, through, up to, to"),
    *_table("neg", "", "not, never, no, without, other than, except, excluding, except for, apart from, "
                        "none, nobody, non, is not, are not, do not, does not, did not, have not, has not, not a single, "
                        "not any, no single, "
                        "have never, has never, not in"),
    *_table("share", "", "share of, proportion of, fraction of, share, proportion, fraction, ratio of, "
                          "rate of, what fraction, share of all, portion of"),
    *_table("share", "percent", "percentage of, percent of, percentage, what percent, percentage of all, "
                                "what percentage, pct of, percent"),
    *_table("contains", "contains", "contains, containing, contain, mentions, mentioning, mention, has the word, "
                                     "with the word, that contains, which contains, with the text"),
    *_table("contains", "starts", "starts with, starting with, start with, begins with, beginning with, "
                                   "begin with"),
    *_table("contains", "ends", "ends with, ending with, end with, ending in"),
    *_table("and", "", "and, as well as, along with, plus, together with, also, both"),
    *_table("or", "", "or, either"),
    *_table("list", "", "list, show, give, display, find, return, get, tell, what, which, who, whom, "
                         "what is, what are, which are, who are, list all, show all, show me, give me, "
                         "tell me, find all, identify, report, provide, see, view, fetch, retrieve, compute, "
                         "calculate, determine, look up, enumerate, compare, comparison of, breakdown of, break down, "
                         "distribution of, split of, overview of, summary of, summarize, analyze, analyse"),
    *_table("stop", "", "the, a, an, of, is, are, was, were, be, been, being, do, does, did, to, for, in, on, at, "
                         "with, from, that, which, whose, who, whom, where, there, their, its, it, this, these, "
                         "those, all, any, ever, our, we, us, me, my, i, you, your, please, have, has, had, "
                         "having, as, into, within, about, by, than, then, so, such, some, each, every, "
                         "they, them, he, she, his, her, what, when, how, can, could, would, should, "
                         "currently, current, now, overall, respectively, listed, recorded, stored, known, "
                         "corresponding, related, associated, together, whole, entire, also, just, only, "
                         "here, amount of, via, single, use, uses, used, using, produced, manufactured, live, lives, living, reside, resides, "
                         "ones, kind, kinds, all of, did, got, gets, made, make, exist, exists, "
                         "available, registered, there are, there is, along, both, whether, among, amongst, "
                         "based, located, situated, generated, generate, generates, came, come, comes, coming, "
                         "bring, brings, bring in, brought, brought in, earn, earned, earns, collected, contribute, "
                         "contributes, contributed, sell, sells, sold, selling, trend, trends, trending, "
                         "work with, handled, handle, handles, went, go, goes, gone, placed, place, "
                         "hold, holds, held, own, owns, belong, belongs, belonging, account for, "
                         "accounts for, accounted for, we, do we, did we, have we, overview, altogether, "
                         "across all years, over all years, in all years, of all years, all years, all time, over time, given, give, gave, giving, granted, happen, happened, occur, occurred, recorded, broken"),
    *_table("numword", "1", "one"),
    *_table("numword", "2", "two"),
    *_table("numword", "3", "three"),
    *_table("numword", "4", "four"),
    *_table("numword", "5", "five"),
    *_table("numword", "6", "six"),
    *_table("numword", "7", "seven"),
    *_table("numword", "8", "eight"),
    *_table("numword", "9", "nine"),
    *_table("numword", "10", "ten"),
    *_table("numword", "20", "twenty"),
    *_table("numword", "100", "hundred"),
)

MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
HALVES: dict[str, int] = {"first half": 1, "second half": 2, "h1": 1, "h2": 2, "1st half": 1, "2nd half": 2}
QUARTERS: dict[str, int] = {
    "q1": 1, "q2": 2, "q3": 3, "q4": 4, "first quarter": 1, "second quarter": 2, "third quarter": 3,
    "fourth quarter": 4, "1st quarter": 1, "2nd quarter": 2, "3rd quarter": 3, "4th quarter": 4,
}


# Adjectives of degree and the attribute they rank by ("the oldest singer" ranks by age); the model
# still has to have such a column on the table in question.
ADJECTIVE_ATTRIBUTES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "expensive": (True, ("price", "cost")), "cheap": (False, ("price", "cost")),
    "cheapest": (False, ("price", "cost")), "oldest": (True, ("age",)), "youngest": (False, ("age",)),
    "old": (True, ("age",)), "young": (False, ("age",)), "heaviest": (True, ("weight",)),
    "lightest": (False, ("weight",)), "heavy": (True, ("weight",)), "tallest": (True, ("height",)),
    "shortest": (False, ("height", "length", "duration")), "longest": (True, ("length", "duration")),
    "richest": (True, ("balance", "wealth", "income")), "populous": (True, ("population",)),
    # verbs of value before a comparison: "orders worth more than 300000", "parts costing under 900"
    "worth": (True, ("price", "value", "amount", "total", "cost")),
    "costing": (True, ("price", "cost")), "priced": (True, ("price",)), "valued": (True, ("value", "price")),
}


@lru_cache(maxsize=1)
def exact_phrases(kind: str) -> frozenset[tuple[str, ...]]:
    """Cue phrases of one kind as written (not stemmed): 'orders by' is not 'ordered by'."""
    return frozenset(tuple(words(p)) for p, c in CUES if c.kind == kind)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The stems a phrase is matched on.

    >>> phrase_key("Sorted by"), phrase_key("how many")
    (('sort', 'by'), ('how', 'many'))
    """
    return tuple(stem(w) for w in words(phrase))


@lru_cache(maxsize=1)
def cue_index() -> dict[tuple[str, ...], tuple[Cue, ...]]:
    """Every cue phrase by its stems; one phrase may carry several cues (e.g. 'top': extreme and top)."""
    index: dict[tuple[str, ...], list[Cue]] = {}
    for phrase, cue in CUES:
        found = index.setdefault(phrase_key(phrase), [])
        if cue not in found:
            found.append(cue)
    for name, month in MONTHS.items():
        index.setdefault(phrase_key(name), []).append(Cue("month", str(month)))
    for name, half in HALVES.items():
        index.setdefault(phrase_key(name), []).append(Cue("half", str(half)))
    for name, quarter in QUARTERS.items():
        index.setdefault(phrase_key(name), []).append(Cue("quarter", str(quarter)))
    return {k: tuple(v) for k, v in index.items()}
