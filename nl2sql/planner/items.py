"""One matched span of a question: a model concept (with every candidate it could mean), a function-word cue, a
number, a date, a quoted literal, or an unknown word (``matching.match_items`` makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nl2sql.planner.lexicon import Concept
from nl2sql.planner.vocabulary import Cue, CueKind


ItemKind = Literal["concept", "cue", "number", "date", "literal", "unknown"]


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    start: int
    end: int                                # token span [start, end)
    text: str
    concepts: tuple[Concept, ...] = ()
    cues: tuple[Cue, ...] = ()
    number: float | None = None
    fuzzy: bool = False

    def cue(self, kind: CueKind) -> Cue | None:
        return next((c for c in self.cues if c.kind == kind), None)

    def has(self, *kinds: CueKind) -> bool:
        return any(c.kind in kinds for c in self.cues)

    def arg(self, kind: CueKind) -> str:
        """The argument of this item's cue of that kind; callers check ``has(kind)`` first, so a missing cue
        is a bug in the caller (``LookupError``, which the planner reports as a failure, never as an answer)."""
        found = self.cue(kind)
        if found is None:
            raise LookupError(f"no {kind!r} cue in {self.text!r}")
        return found.arg
