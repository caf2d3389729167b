"""Days between two dates of the rows: "average number of days between the order date and the ship date",
"how many days on average from ship date to receipt date". A measure of its own (``Measure.since``: the days
from that date to the measure's column), aggregated by the function said with it; one said without any
("the number of days between ...") is declined: for each row, or in total?"""

from __future__ import annotations

from catalog_semantics.text import stem
from nl2sql.planner.joins import Ambiguous, JoinGraph, all_up
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.spec import ColRef, Measure
from nl2sql.planner.words import phrases, vocabulary, word_list


def days_between(seq: list[Item], lex: Lexicon, graph: JoinGraph) -> tuple[Measure, set[int]] | None:
    """The measure of days between two dates the phrases at "days" name, and the indexes it used."""
    for k, it in enumerate(seq):
        if not (it.has("unit") and it.arg("unit") == "day"):
            continue
        n = k + 1
        after = [n] if n < len(seq) and _function(seq[n]) else []     # "how many days on average between"
        n += len(after)
        found = _dates_after(seq, n, lex)
        if found is None:
            continue
        start, end, last = found
        if start is None or end is None or start == end:
            continue
        before = [i for i in range(k - 1, max(k - 3, -1), -1) if _function(seq[i])]
        fns = [f for i in before + after if (f := _function(seq[i])) != "count"]
        if len(set(fns)) != 1:
            raise NotUnderstood("Days between two dates: the average, the total, or each row's? Say which.",
                                (it.text,))
        table = _rows_of(start, end, graph)
        if table is None:
            raise NotUnderstood("Those two dates do not belong to the same rows.",
                                tuple(" ".join(lex.tables[d.table].column_words.get(d.column, (d.column,))) for d in (start, end)))
        return Measure("agg", table, fns[0], col=end, since=start), {*before, *after, *range(k, last + 1)}
    return None


def _dates_after(seq: list[Item], n: int, lex: Lexicon) -> tuple[ColRef | None, ColRef | None, int] | None:
    """The two dates said after "days" from ``n``, and the index of the last word used: "between A and B", "from A
    to B", or "A to B" after words naming nothing that they define ("days in transit (ship date to receipt date)");
    or one date after "to" whose start the rows imply ("days to close a ticket")."""
    m = n
    while m < len(seq) and m - n < 3 and seq[m].kind == "unknown" and _date(seq[m], lex) is None:
        m += 1                                     # the duration's own name, defined by the dates after it
    if m + 3 < len(seq) and _opens(seq[m]) and _joins(seq[m + 2]):
        return _date(seq[m + 1], lex), _date(seq[m + 3], lex), m + 3
    if m + 2 < len(seq) and seq[m + 1].text.lower() == "to" and (start := _date(seq[m], lex)) is not None:
        return start, _date(seq[m + 2], lex), m + 2
    return _implied(seq, n, lex) if m == n else None


def _implied(seq: list[Item], n: int, lex: Lexicon) -> tuple[ColRef, ColRef, int] | None:
    """'days to close a ticket': from the date its rows are dated by (or their one other date) to the date the
    verb names, of the rows the word after it names if any; declined when the rows have no one such date."""
    if n + 1 >= len(seq) or seq[n].text.lower() != "to" or (end := _date(seq[n + 1], lex)) is None:
        return None
    said = next((c.table for c in seq[n + 2].concepts if c.kind == "table"), None) if n + 2 < len(seq) else None
    if said is not None and said != end.table:
        return None
    info = lex.tables[end.table]
    others = [d for d in info.dates if d != end.column]
    start = info.table.default_date if info.table.default_date in others else None
    if start is None and len(others) != 1:
        raise NotUnderstood("Days to that date from which other date? Name both dates.", (seq[n + 1].text,))
    return ColRef(end.table, start or others[0]), end, n + (2 if said else 1)


def _function(it: Item) -> str:
    """The aggregate a word says ("average", "how many", "longest"), or ""."""
    if it.has("agg"):
        return it.arg("agg")
    return it.arg("extreme") if it.has("extreme") and it.arg("extreme") in ("max", "min") else ""


def _opens(it: Item) -> bool:
    """'between' or 'from' before the first date."""
    return it.has("cmp") and it.arg("cmp") == "between" or it.text.lower() == "from"


def _joins(it: Item) -> bool:
    return it.has("and") or it.text.lower() == "to"


def _date(it: Item, lex: Lexicon) -> ColRef | None:
    """The one date column a phrase names ("ship date", "order date"), or its event does ("order", "shipment")."""
    dates = {(c.table, c.column) for c in it.concepts if c.kind == "column" and c.column
             and c.column in lex.tables[c.table].dates}
    if not dates and len(it.text.split()) == 1:
        dates = set(lex.date_names.get(_event(stem(it.text.lower())), ()))
    return ColRef(*dates.pop()) if len(dates) == 1 else None


def _event(word: str) -> str:
    """'shipment' names the shipping date as 'ship' does: a nominal suffix (vocabulary.yaml) comes off."""
    return next((word[:-len(s)] for s in word_list("nominal_suffixes") if word.endswith(s) and len(word) > len(s) + 2),
                word)


def period_date_unsaid(stems: tuple[str, ...], lex: Lexicon) -> bool:
    """Whether, the duration's own dates aside, no word of the question names the date a period is on ("avg days
    between ship date and receipt date in 1997": shipped, received or ordered in 1997?)."""
    return not any(lex.date_names.get(_event(w)) for w in stems) and not any(
        stems[n:n + len(p)] == p for event in dict(vocabulary().get("date_verbs") or {})
        for p in phrases("date_verbs", str(event)) for n in range(len(stems)))


def _rows_of(a: ColRef, b: ColRef, graph: JoinGraph) -> str | None:
    """The rows both dates belong to: their own table, or the one below whose rows reach the other's."""
    if a.table == b.table:
        return a.table
    for low, high in ((a.table, b.table), (b.table, a.table)):
        try:
            path = graph.path(low, high)
        except Ambiguous:
            continue
        if path and all_up(path):
            return low
    return None
