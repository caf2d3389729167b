"""One structured audit record per question: who asked, what ran, how it ended.

A data team needs to answer "who saw what, produced by which generator, from which SQL" without
reading application logs. Each ``Assistant.ask`` emits one JSON object on the ``nl2sql.audit`` logger at
INFO; route that logger to a file (``logging.FileHandler``) or to the platform's log collector to keep a
JSON-lines trail. Records carry no result values (rows can be confidential) and pass through the same
scrubber as every other log line, so a key pasted into a question never lands in the trail.

>>> from nl2sql.answer import Answer
>>> record = audit_record(Answer(question="revenue by region", status="abstained", error_code="abstained"),
...                       principal="ana@example.com", question_id="q1")
>>> record["principal"], record["status"], record["sql"], "rows" in record
('ana@example.com', 'abstained', None, False)
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from nl2sql.redact import redact

if TYPE_CHECKING:
    from nl2sql.answer import Answer

AUDIT_LOGGER = "nl2sql.audit"
_log = logging.getLogger(AUDIT_LOGGER)


def audit_record(answer: Answer, *, principal: str | None, question_id: str) -> dict[str, Any]:
    """The audit fields of one answered (or declined, refused, failed) question; never its result values."""
    return {
        "ts": round(time.time(), 3),
        "question_id": question_id,
        "principal": principal,
        "question": answer.question,
        "status": answer.status,
        "generator": answer.generator,
        "trusted": answer.trusted,
        "sql": answer.sql,
        "tables": list(answer.tables),
        "error_code": answer.error_code,
        "row_count": len(answer.rows),
        "attempts": [{"generator": a.generator, "outcome": a.outcome} for a in answer.attempts],
        "timings_ms": {k: round(v, 1) for k, v in answer.timings_ms.items()},
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }


def emit(answer: Answer, *, principal: str | None, question_id: str, secrets: tuple[str | None, ...] = ()) -> None:
    """Log the audit record as one JSON line (scrubbed of secrets); a logging failure never fails the answer."""
    if not _log.isEnabledFor(logging.INFO):
        return
    try:
        line = json.dumps(audit_record(answer, principal=principal, question_id=question_id),
                          ensure_ascii=False, default=str)
        _log.info(redact(line, secrets))
    except Exception:  # the trail is best effort; the user's answer is not
        logging.getLogger(__name__).exception("could not write the audit record")
