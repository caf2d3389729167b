"""What a table's rows mean as a quantity when a frame rule counts them per group: the rows, or the table's own
amount ("charges per year" adds up the charge amount), or the amount a named filter's noun says ("sick days")."""

from __future__ import annotations

from catalog_semantics.text import stem, words
from dataclasses import replace

from nl2sql.planner.frame import Frame
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.lexicon_names import TableInfo
from nl2sql.planner.spec import ColRef, Measure
from nl2sql.planner.tokens import singular
from nl2sql.planner.unread import NotUnderstood
from nl2sql.planner.words import word_list

# words that ask for a count of rows, never an amount ("number of charges", "how many payments")
_COUNT_WORDS = frozenset(stem(w) for w in word_list("count_words"))
# nouns of money ("fees", "dues"): a named filter said with one adds up its rows' one currency column
MONEY_WORDS = frozenset(singular(w) for w in word_list("money_words"))
# ... and rows that are each money paid ("claim payments"): the table's noun said, its amount is meant
_MONEY_NOUNS = frozenset(stem(w) for w in (*MONEY_WORDS, *word_list("money_rows")))


def rows_or_own_amount(f: Frame, info: TableInfo, table: str) -> tuple[Measure, tuple[str, ...]]:
    """Rows counted per group, unless the table's noun is also its one amount's name and no word asks for
    a count: "charges per year" means the charge amount (said in the notes), "number of charges" a count
    (that reading has its count measure before this)."""
    if any(w in _COUNT_WORDS for w in f.words):
        return Measure("rows", table, "count"), ()
    col = own_amount(info) or _said_amount(f, info) or _filter_amount(f, info, table)
    if col is None:
        return Measure("rows", table, "count"), ()
    amount = " ".join(info.column_words[col])
    return (Measure("agg", table, "sum", col=ColRef(table, col)),
            (f"{table} read as the total {amount}; ask for the number of {table} to count them",))


def _said_amount(f: Frame, info: TableInfo) -> str | None:
    """'claim payments by payment type': the table called by a noun of money (vocabulary money_words) said in the
    question means its money: the column called that noun's amount ("payment amount", by name or synonym), else
    its one currency column; as a table named so means its own amount (`own_amount`)."""
    heads = {stem(n[-1]) for n in (info.words, *(words(s) for s in info.table.synonyms)) if n} & set(f.free_words) \
        & _MONEY_NOUNS
    money = [c for c in info.table.columns if c.name in info.numeric and c.name not in info.keys]
    named = [c.name for c in money if any(len(n) == 2 and n[1] == "amount" and stem(n[0]) in heads
                                          for n in (info.column_words.get(c.name, ()), *map(words, c.synonyms)))]
    found = named or [c.name for c in money if heads and c.format == "currency"]
    if len(found) > 1:
        noun = sorted(heads)[0]
        raise NotUnderstood(f"“{noun}” may mean how many there are or the sum of one of their amounts; ask “how "
                            "many” or name the amount.", (noun,))
    return found[0] if found else None


def _filter_amount(f: Frame, info: TableInfo, table: str) -> str | None:
    """'sick days by department': a named filter said with the noun of its table's one amount column (days) asks
    for that amount of the rows it keeps, not how many rows."""
    # the noun as said, plural or not ("sick days": days), never a word of the same stem ("discounted items")
    said = [singular(c.text.split()[-1].lower()) for c in f.conditions if c.kind == "filter" and c.table == table
            and c.text.split()]
    found = [c for c in info.numeric if c not in info.keys and len(said) == 1
             and tuple(singular(w) for w in info.column_words.get(c, ())) == (said[0],)]
    if not found and len([w for w in said if w in MONEY_WORDS]) == 1:
        # "initiation fees (collected) per quarter": the money of the rows it keeps, from their one currency column
        found = [c.name for c in info.table.columns if c.format == "currency" and c.name in info.numeric
                 and c.name not in info.keys]
    return found[0] if len(found) == 1 else None


def own_amount(info: TableInfo) -> str | None:
    """The one amount column named after its table ('charge amount' of charges, 'payment amount' of
    payments): what the table's noun means as a quantity ("lab charges per year" adds the charges up).
    """
    amounts = set(word_list("amount_words")) - set(word_list("duration_words"))
    own = tuple(stem(w) for w in info.words)
    found = [c for c in info.numeric if c not in info.keys and len(info.column_words.get(c, ())) == len(own) + 1
             and tuple(stem(w) for w in info.column_words[c][:-1]) == own and info.column_words[c][-1] in amounts]
    return found[0] if len(found) == 1 else None


def one_count_of_rows(f: Frame, lex: Lexicon) -> Frame:
    """'how many online sections were offered': the rows counted and a metric that only counts those rows
    ("number of sections" = COUNT(*)) are one measure, the metric, not the same figure twice."""
    tables = {metric.table for m in f.measures if m.kind == "metric" and (metric := lex.metrics.get(m.metric))
              and not metric.joins and _counts_rows(metric.sql)}
    kept = tuple(m for m in f.measures if not (m.kind == "rows" and m.table in tables and not m.hidden))
    return replace(f, measures=kept) if len(kept) < len(f.measures) else f


def _counts_rows(sql: str) -> bool:
    return sql.replace(" ", "").upper() in ("COUNT(*)", "COUNT(1)")
