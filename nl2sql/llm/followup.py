"""Link a follow-up on the conversation, not on its last question alone.

"and which of those are Bachelor ones?" names no table: linked alone, on a schema above the keep-whole size,
it loses the tables the earlier turn used, and the model cannot write the follow-up. So the linked schema of
a question with history is ``link()``'s result for the new question, plus every table the earlier turns'
SQL read (and, for a turn the model answered with a question back, the tables its question linked to),
plus the bridge tables that join them to the new ones. Built on ``catalog_semantics.linking.link`` results;
the linker itself is untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlglot
from sqlglot import exp

from catalog_semantics.join_paths import bridge_tables, join_graph
from catalog_semantics.linking import LinkedSchema, LinkedTable, link, link_words
from catalog_semantics.question import QuestionWords
from catalog_semantics.model import SemanticModel, Table
from nl2sql.llm.extract import sqlglot_dialect
from nl2sql.llm.prompt import MAX_HISTORY_TURNS, looks_like_sql

HISTORY_SCORE = 1.0                            # the earlier turns used these tables: as sure as a name match


def tables_of_sql(sql: str, model: SemanticModel) -> tuple[str, ...]:
    """The model's tables (as the model spells them) that ``sql`` reads, in order of first use; () if unparsable.

    CTE names are not tables; a name is matched case-insensitively, qualified or not.
    """
    try:
        trees = sqlglot.parse(sql, read=sqlglot_dialect(model.dialect))
    except sqlglot.errors.SqlglotError:
        return ()
    by_name = {t.name.lower(): t.name for t in model.tables}
    found: list[str] = []
    for tree in trees:
        if tree is None:
            continue
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if name in by_name and name not in ctes and by_name[name] not in found:
                found.append(by_name[name])
    return tuple(found)


def link_conversation(model: SemanticModel, question: str | QuestionWords,
                      history: Sequence[tuple[str, str | None]] = (), *, sampled: Sequence[Table] = ()) -> LinkedSchema:
    """``link(model, question)`` (or ``link_words``, for a question's words read already) widened by the tables
    the conversation's earlier turns needed (for a turn with no SQL, asked back or not answered, the tables its
    question linked to). ``sampled``: as for ``link``."""
    linked = link_words(model, question, sampled=sampled) if isinstance(question, QuestionWords) \
        else link(model, question, sampled=sampled)
    if not history or linked.complete:
        return linked
    earlier: list[str] = []
    for earlier_question, earlier_reply in list(history)[-MAX_HISTORY_TURNS:]:
        if earlier_reply and looks_like_sql(earlier_reply):
            used = tables_of_sql(earlier_reply, model)
        else:                                   # the model asked back: what did that question link to?
            used = tuple(t.name for t in link(model, earlier_question).tables if t.reason == "match")
        earlier += [t for t in used if t not in earlier]
    have = {t.name.lower() for t in linked.tables}
    added = [t for t in earlier if t.lower() not in have]
    if not added:
        return linked
    picked = [t.name for t in linked.tables if t.reason == "match"] + added
    bridges = [b for b in bridge_tables(join_graph(model), picked) if b.lower() not in have | {a.lower() for a in added}]
    tables = (*linked.tables, *(LinkedTable(t, HISTORY_SCORE, "history") for t in added),
              *(LinkedTable(b, 0.0, "bridge") for b in bridges))
    return replace(linked, tables=tables, complete=len(tables) >= len(model.tables))
