"""The question an ``Assistant`` could not answer, remembered per conversation so the next turn knows it.

Callers pass ``history`` as the (question, sql) pairs that were answered, as they always have; a follow-up
asked right after an unanswered question builds on that question, not on the answered turn before it. The
assistant remembers, for the history it was given, the question it could not answer, and on the next ask
with that same history appends it as (question, None) (the planner decides what that turn means:
``nl2sql.planner.turns``). Bounded, and guarded by a lock: one assistant serves many threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from nl2sql.answer import Answer

Turns = tuple[tuple[str, str | None], ...]
KEEP = 64               # conversations remembered; the oldest is forgotten first


class UnansweredMemory:
    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._asked: OrderedDict[tuple[str, Turns], str] = OrderedDict()

    def recall(self, who: str, history: Sequence[tuple[str, str | None]]) -> Turns:
        """``history`` with the question last left unanswered after it, as (question, None), if any."""
        turns = tuple(history)
        with self._lock:
            question = self._asked.get((who, turns))
        return turns if question is None else (*turns, (question, None))

    def note(self, who: str, history: Sequence[tuple[str, str | None]], answer: Answer) -> None:
        """Remember an abstention for ``history``; an answer given with it forgets the earlier one.

        An empty history is never a key: it does not tell one conversation's first turn from another's."""
        turns = tuple(history)
        if not turns:
            return
        with self._lock:
            self._asked.pop((who, turns), None)
            if answer.status == "abstained":
                self._asked[(who, turns)] = answer.question
                while len(self._asked) > self._keep:
                    self._asked.popitem(last=False)
