"""The values a question names, for the LLM's hints (value retrieval, after CHESS), read as the catalog's size allows.

A model of at most ``NL2SQL_VALUE_INDEX_WHOLE_UP_TO`` tables (default 60: the size above which the linker itself
retrieves a shortlist before scoring, ``catalog_semantics.linking.SHORTLIST_FROM``) gets one index of every text
column's values, read on its first LLM question and cached on disk with the catalog (``value_index.py``). A bigger
one would be scanned whole on that first question (a catalog of thousands of tables: every text column, unbounded
time), so there the index covers the question's shortlist only: the tables ``lazy_values.shortlist`` gives for the
linked schema (the linked tables, then the rest of their small schemas, at most ``MAX_TABLES``), with the values the
model holds and, for the text columns without, those ``LazyValues.read_tables`` reads: the same bounded, guarded
(the assistant's policy: its scope's and principal's tables only), time-budgeted reads and the same cache per table
and catalog version as the pipeline's ``values`` step, which has usually read them for this question already. A
column of more than ``NL2SQL_LAZY_VALUES_PER_COLUMN`` values keeps its first ones here (linking keeps none).

Each table's index is built once and kept in memory (up to ``KEPT_VALUES`` values in all); a question's tables'
indexes are asked together (``values.match_all``), as one index would be. Never a reason to fail a question: a table
whose read fails or runs late is left out (logged); an error of ours gives no hits. Asked only with
NL2SQL_SEND_DATA_TO_LLM on (``inputs.py``): off, nothing is read for the index and no value reaches a prompt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from catalog_semantics.adapters.unity_reader import MASK_TAG
from catalog_semantics.linking import LinkedSchema
from catalog_semantics.model import SemanticModel, Table
from catalog_semantics.text import is_text_type
from catalog_semantics.values import ValueHit, ValueIndex, match_all
from nl2sql import tracing
from nl2sql.lazy_values import MAX_TABLES, LazyValues, needs_values, shortlist, table_key
from nl2sql.llm.value_index import CachedValueIndex, Columns

log = logging.getLogger(__name__)

KEPT_VALUES = 50_000            # values of the tables' indexes kept in memory (~1.6 KB each with typo neighbours)

# Shared by every assistant of the process, as ``lazy_values``'s own cache: a table's index is the same whoever asks.
_INDEXES: dict[tuple[object, ...], ValueIndex] = {}
_LOCK = threading.Lock()


class QuestionValues:
    """The value hits for one assistant's questions: from the whole model's index (``per_question`` off), or from
    the values of each question's shortlisted tables (on: a catalog above the size)."""

    def __init__(self, whole: CachedValueIndex, lazy: LazyValues, *, per_question: bool) -> None:
        self.whole, self.lazy, self.per_question = whole, lazy, per_question

    def hits(self, model: SemanticModel, question: str, linked: LinkedSchema) -> tuple[ValueHit, ...]:
        """The values ``question`` names (``model``: the assistant's, scoped; ``linked``: the question's link)."""
        try:
            if not self.per_question:
                return self.whole.get().match(question)
            return match_all(self.indexes(shortlist(model, linked)[:MAX_TABLES]), question)
        except Exception:                       # a bug of ours must not cost the answer: ask without value hints
            log.exception("value retrieval failed; the question goes to the LLM without value hints")
            return ()

    def indexes(self, tables: Sequence[Table]) -> tuple[ValueIndex, ...]:
        """Each table's index: the values the model holds and those read lazily (none: NL2SQL_LAZY_VALUES_PER_COLUMN
        is 0); a table whose read failed or ran late has the model's values only, until a later question reads it."""
        wanted = [t for t in tables if needs_values(t)] if self.lazy.per_column > 0 else []
        reads = self.lazy.read_tables(wanted)
        read = {t.name: columns for t, columns in reads.values}
        if reads.note:
            log.info("value index: %s", reads.note)
            tracing.note("nl2sql.values.index_note", reads.note)
        missed = {t.name for t in wanted} - set(read)
        made = (self._index(t, read.get(t.name, []), keep=t.name not in missed) for t in tables)
        return tuple(i for i in made if len(i))

    def _index(self, table: Table, read: Columns, *, keep: bool) -> ValueIndex:
        own = tuple((c.name, (*c.sample_values, *c.value_vocabulary)) for c in table.columns
                    if is_text_type(c.type or "") and MASK_TAG not in c.tags
                    and (c.sample_values or c.value_vocabulary))
        key = (str(self.lazy.cache_dir), table_key(self.lazy.warehouse, table, self.lazy.per_column), hash(own))
        with _LOCK:
            index = _INDEXES.get(key)
        if index is not None:
            return index
        first = self.lazy.per_column             # a column of more values keeps its first ones (module doc)
        index = ValueIndex.build([*((table.name, name, values) for name, values in own),
                                  *((table.name, name, values[:first]) for _, name, values in read)])
        if keep:
            with _LOCK:
                _INDEXES[key] = index
                while sum(len(i) for i in _INDEXES.values()) > KEPT_VALUES and len(_INDEXES) > 1:
                    _INDEXES.pop(next(iter(_INDEXES)))          # the oldest; a dict keeps insertion order
        return index
