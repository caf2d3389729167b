"""Everything shown about a result besides its rows: one call from ``nl2sql.outcomes.answered``.

Every caller (the CLI, the Python API, the app) gets the same summary, notes and follow-ups. Notes that need
another look at the data run through ``probe`` (the pipeline passes one when NL2SQL_ANSWER_NOTES is on).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog_semantics.model import SemanticModel
from nl2sql.present.followups import suggest_followups
from nl2sql.present.notes import Probe, data_notes, result_notes
from nl2sql.present.readas import read_as_notes
from nl2sql.present.reading import read_result
from nl2sql.present.sentence import result_sentence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Presentation:
    summary: str | None = None                   # the result in one sentence
    labels: tuple[str, ...] = ()                 # business name per column
    units: tuple[str, ...] = ()                  # unit per column (nl2sql.present.formats.UNITS)
    notes: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()              # candidates; callers keep the answerable ones


def present_result(
    sql: str, dialect: str, model: SemanticModel | None, columns: Sequence[str], rows: Sequence[Sequence[Any]],
    *, truncated: bool = False, probe: Probe | None = None, question: str | None = None,
) -> Presentation:
    """Never fatal: a result this cannot read gets an empty presentation (the table still shows)."""
    try:
        reading = read_result(sql, dialect, model, columns, rows)
        looked = data_notes(reading, sql, dialect, rows, probe) if probe is not None else ()
        read_as = read_as_notes(question, sql, dialect) if question else ()
        return Presentation(
            summary=_capital(result_sentence(reading, rows, truncated=truncated)),
            labels=tuple(c.label for c in reading.columns),
            units=tuple(c.unit for c in reading.columns),
            notes=(*read_as, *result_notes(reading, rows, truncated=truncated, max_rows=None), *looked),
            followups=suggest_followups(reading, rows, model) if model is not None else (),
        )
    except Exception:
        log.exception("could not present the result")
        return Presentation()


def _capital(text: str | None) -> str | None:
    """A sentence starts with a capital ("the first 1,000 orders …" when the row cap cut the list)."""
    return text[:1].upper() + text[1:] if text else text
