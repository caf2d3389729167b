"""'… and when they closed': the date a "when" clause asks for, named by its verb.

A clause "when <subject> <verb>" asks to see the date of the event its verb names ("closed" names the closing
date when a date column of the rows is so named: ``Lexicon.date_names``). The verb may also be a named filter's
word ("closed" for the filter "closed club"); after "when" it is the date, not the filter a second time.
"""

from __future__ import annotations

from catalog_semantics.text import STOPWORDS
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.matching import Item
from nl2sql.planner.reading import NotUnderstood, _stem
from nl2sql.planner.spec import ColRef, Condition
from nl2sql.planner.words import word_list


def when_date(items: list[Item], j: int, raw_words: list[str], lex: Lexicon, tables: set[str]) -> ColRef | None:
    """The one date column of ``tables`` (or of the tables the clause names) that item ``j``'s verb names,
    when it ends a "when" clause whose other words are stop words or table nouns; else None."""
    it = items[j]
    words = it.text.lower().split()
    if len(words) != 1 or "when" not in raw_words[:it.start]:
        return None
    start = max(k for k in range(it.start) if raw_words[k] == "when")
    subject = {c.table for other in items if start < other.start < it.start
               for c in other.concepts if other.kind == "concept" and c.kind == "table"}
    between = [w for other in items if start < other.start < it.start and not _is_table(other)
               for w in other.text.lower().split()]
    if any(w not in STOPWORDS for w in between):
        return None                       # "when the order was shipped late": more than a verb
    named = {(t, col) for t, col in lex.date_names.get(_stem(words[0]), set()) if t in (subject or tables)}
    if len(named) != 1:
        return None
    table, col = named.pop()
    return ColRef(table, col)


def _is_table(it: Item) -> bool:
    return it.kind == "concept" and bool(it.concepts) and all(c.kind == "table" for c in it.concepts)


def dates_compared(seq: list[Item], j: int, used: set[int], hints: list[tuple[str, str]],
                   lex: Lexicon) -> Condition | None:
    """'line items that shipped after their commit date': a date word ("after", "before") right before another date
    column of the rows a verb dated ("shipped": the ship date) compares the two dates of each row (the second date's
    position is used, the verb's date hint taken). Said of no verb's date, it is declined (which date?), never dropped."""
    k = j + 1
    nxt = seq[k] if k < len(seq) and k not in used else None
    dates = [c for c in (nxt.concepts if nxt is not None else ()) if c.kind == "column" and c.column
             and c.table in lex.tables and c.column in lex.tables[c.table].dates]
    said = seq[j].arg("date_cmp") or ""
    op = said if seq[j].text.lower() in word_list("inclusive_date_cmp") else {">=": ">", ">": ">", "<": "<", "<=": "<"}.get(said)
    if nxt is None or len(dates) != 1 or op is None:
        return None
    other = dates[0]
    own = list(dict.fromkeys(h for h in hints if h[0] == other.table and h[1] != other.column))   # "delivered ... arrived"
    verb = lex.date_hints.get(_stem(seq[j - 1].text), set()) if j > 0 else set()
    if len(own) > 1 and len(said_right_before := [h for h in own if h in verb]) == 1:
        own = said_right_before          # "shipped in 1997 ... arrived on or before the promised date": arrived
    if len(own) != 1:
        raise NotUnderstood(f"Which date is compared with the {nxt.text}?", (seq[j].text, nxt.text))
    hints.remove(own[0])
    used.add(k)
    return Condition("compare", other.table, ColRef(*own[0]), op, (ColRef(other.table, other.column or ""),),
                     text=f"{seq[j].text} {nxt.text}")
