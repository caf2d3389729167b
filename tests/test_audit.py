"""The audit trail: one JSON record per question on the ``nl2sql.audit`` logger, with no result values."""

from __future__ import annotations

import json
import logging

import pytest

from catalog_semantics.scope import Principal
from nl2sql.audit import AUDIT_LOGGER
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings


def _records(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == AUDIT_LOGGER]


def test_each_question_leaves_one_record_with_who_what_and_how(demo_model, demo_warehouse, caplog) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"),
                          principal=Principal.of("ana@example.com"))
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    answered = assistant.ask("How many customers are there?")
    declined = assistant.ask("Why did revenue drop next year?")

    first, second = _records(caplog)
    assert answered.status == "answered" and declined.status != "answered"
    assert first["principal"] == "ana@example.com"
    assert (first["status"], first["generator"], first["sql"]) == ("answered", answered.generator, answered.sql)
    assert first["row_count"] == len(answered.rows) and first["tables"] == list(answered.tables)
    assert first["timings_ms"]["total"] > 0
    assert second["status"] == declined.status and second["sql"] is None
    assert first["question_id"] != second["question_id"]
    # Result values never reach the trail: the count the question returned is not in the record.
    count = answered.rows[0][0]
    assert str(count) not in json.dumps({k: v for k, v in first.items() if k not in ("ts", "timings_ms")})


def test_a_secret_typed_into_a_question_is_scrubbed_from_the_trail(demo_model, demo_warehouse, caplog) -> None:
    key = "sk-proj-abcdefghijklmnopqrstuvwx1234"
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    caplog.set_level(logging.INFO, logger=AUDIT_LOGGER)
    assistant.ask(f"how many orders, my key is {key}")
    (record,) = _records(caplog)
    assert key not in record["question"] and "***" in record["question"]


def test_nothing_is_built_when_the_audit_logger_is_off(demo_model, demo_warehouse, caplog) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    caplog.set_level(logging.WARNING, logger=AUDIT_LOGGER)
    assistant.ask("How many customers are there?")
    assert _records(caplog) == []
