"""The real OpenAiLlm adapter against the real local stub server: success, usage, retries, failures, secrecy."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request

import pytest

from nl2sql.adapters.openai_llm import PLACEHOLDER_KEY, OpenAiLlm
from nl2sql.errors import ConfigError, LlmReplyError, LlmUnavailable, UserFacingError
from nl2sql.llm.extract import extract_sql
from nl2sql.ports import Message
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer

KEY = "sk-test-0123456789abcdefSECRET"
MESSAGES = (Message("system", "Write SQL."), Message("user", "How many orders?"))


def client(url: str, **overrides: object) -> OpenAiLlm:
    values: dict[str, object] = dict(
        base_url=url, api_key=KEY, model="test-model", timeout_s=0.5, max_retries=2
    )
    values.update(overrides)
    return OpenAiLlm(**values)  # type: ignore[arg-type]


def test_scripted_reply_usage_and_request_shape(llm_stub: StubLlmServer) -> None:
    llm_stub.script("```sql\nSELECT COUNT(*) FROM orders\n```")
    reply = client(llm_stub.url, temperature=0.0, max_tokens=300).complete(MESSAGES)
    assert reply.text == "```sql\nSELECT COUNT(*) FROM orders\n```"
    assert reply.model == "test-model"
    assert reply.attempts == 1
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert reply.elapsed_ms > 0
    (request,) = llm_stub.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body is not None
    assert request.body["model"] == "test-model"
    assert request.body["max_tokens"] == 300
    assert request.body["temperature"] == 0.0
    assert request.messages == [m.as_dict() for m in MESSAGES]


def test_responder_answers_by_question(llm_stub: StubLlmServer) -> None:
    gold = {"How many orders?": "SELECT COUNT(*) FROM orders", "How many parts?": "SELECT COUNT(*) FROM part"}
    llm_stub.responder = lambda body: f"```sql\n{gold[body['messages'][-1]['content']]}\n```"
    llm = client(llm_stub.url)
    assert "part" in llm.complete((Message("user", "How many parts?"),)).text
    assert "orders" in llm.complete((Message("user", "How many orders?"),)).text


def test_429_then_success_honours_retry_after(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("429", retry_after=0.3).script("SELECT 1")
    started = time.monotonic()
    reply = client(llm_stub.url).complete(MESSAGES)
    assert reply.text == "SELECT 1"
    assert reply.attempts == 2
    assert time.monotonic() - started >= 0.3          # the openai client waited as the server asked
    assert len(llm_stub.requests) == 2


def test_retry_after_beyond_two_minutes_is_not_waited_for(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("429", retry_after=3600).script("SELECT 1")
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="asked to wait 3600 s"):
        client(llm_stub.url).complete(MESSAGES)
    # the property is "not an hour": a bound far from both the hour and a loaded machine's slowest run
    assert time.monotonic() - started < 60 and len(llm_stub.requests) == 1


def test_persistent_429_is_bounded(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("429", times=10, retry_after=0)
    with pytest.raises(LlmUnavailable, match="3 attempts"):
        client(llm_stub.url, max_retries=2).complete(MESSAGES)
    assert len(llm_stub.requests) == 3


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_transient_failure_then_success(llm_stub: StubLlmServer, kind: str) -> None:
    llm_stub.fail_next(kind).script("SELECT 2")  # type: ignore[arg-type]
    reply = client(llm_stub.url).complete(MESSAGES)
    assert (reply.text, reply.attempts) == ("SELECT 2", 2)


@pytest.mark.parametrize("kind", ["500", "503", "drop"])
def test_persistent_failure_is_unavailable(llm_stub: StubLlmServer, kind: str) -> None:
    llm_stub.fail_next(kind, times=5)  # type: ignore[arg-type]
    with pytest.raises(LlmUnavailable) as info:
        client(llm_stub.url, max_retries=1).complete(MESSAGES)
    assert len(llm_stub.requests) == 2
    assert "did not answer after 2 attempts" in info.value.message
    assert info.value.hint


def test_timeout_is_unavailable_within_bounded_time(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("timeout", times=5, delay_s=120)     # the stub stalls until it is closed or 120 s pass
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="no reply within 0.3 s"):
        client(llm_stub.url, timeout_s=0.3, max_retries=1).complete(MESSAGES)
    # 2 attempts x 0.3 s + backoff (about 1 s), never the 2 x 120 s stall; the bound is far from both, so a
    # loaded machine cannot fail it
    assert time.monotonic() - started < 60
    assert len(llm_stub.requests) == 2


def test_timeout_then_success(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("timeout", delay_s=2).script("SELECT 3")
    assert client(llm_stub.url, timeout_s=0.3).complete(MESSAGES).text == "SELECT 3"


def test_malformed_body_is_a_reply_error_and_not_retried(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("malformed").script("SELECT 1")
    with pytest.raises(LlmReplyError, match="not a chat completion"):
        client(llm_stub.url).complete(MESSAGES)
    assert len(llm_stub.requests) == 1


def test_empty_choices_is_a_reply_error(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("empty_choices")
    with pytest.raises(LlmReplyError, match="no choices"):
        client(llm_stub.url).complete(MESSAGES)


def test_empty_text_is_a_reply_error(llm_stub: StubLlmServer) -> None:
    llm_stub.script("   ")
    with pytest.raises(LlmReplyError, match="empty message"):
        client(llm_stub.url).complete(MESSAGES)


def test_reasoning_model_parameters_are_adapted_once() -> None:
    with StubLlmServer(rejected_params=("max_tokens", "temperature")) as stub:
        llm = client(stub.url, max_tokens=200)
        stub.script("SELECT 1", "SELECT 2")
        assert llm.complete(MESSAGES).text == "SELECT 1"
        assert len(stub.requests) == 3                    # max_tokens refused, temperature refused, then served
        assert llm.complete(MESSAGES).text == "SELECT 2"
        assert len(stub.requests) == 4                    # the adapted parameters are kept
        body = stub.requests[-1].body or {}
        assert body.get("max_completion_tokens") == 200 and "max_tokens" not in body and "temperature" not in body


def test_other_bad_requests_are_not_adapted() -> None:
    with StubLlmServer(rejected_params=("messages",)) as stub:
        with pytest.raises(LlmUnavailable, match="refused"):
            client(stub.url).complete(MESSAGES)
        assert len(stub.requests) == 1


def test_content_parts_keep_only_the_text(llm_stub: StubLlmServer) -> None:
    llm_stub.script([
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "SELECT wrong FROM thoughts"}]},
        {"type": "text", "text": "```sql\nSELECT 42 AS answer\n```"},
    ])
    assert client(llm_stub.url).complete(MESSAGES).text == "```sql\nSELECT 42 AS answer\n```"


def test_endless_reply_is_truncated(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("endless", times=2)            # the second time with four times the budget
    reply = client(llm_stub.url, max_tokens=100).complete(MESSAGES)
    assert len(reply.text) == 6_400                   # 16 characters a token of the x4 budget
    assert dict(reply.extra)["truncated"] == "true" and reply.finish_reason == "length"


def test_rejected_key_is_not_retried_and_never_shown(llm_stub: StubLlmServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    llm_stub.fail_next("401", times=3)
    with pytest.raises(LlmUnavailable) as info:
        client(llm_stub.url).complete(MESSAGES)
    assert len(llm_stub.requests) == 1
    assert "API key was rejected" in str(info.value)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", ["401", "429", "500", "timeout", "malformed", "drop", "empty_choices"])
def test_key_never_in_errors_or_logs(llm_stub: StubLlmServer, caplog: pytest.LogCaptureFixture, kind: str) -> None:
    caplog.set_level(logging.DEBUG)                   # every logger: ours, openai's, httpx's
    llm_stub.fail_next(kind, times=5, retry_after=0, delay_s=1)  # type: ignore[arg-type]
    llm = client(llm_stub.url, timeout_s=0.2, max_retries=1)
    with pytest.raises(UserFacingError) as info:
        llm.complete(MESSAGES)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert KEY not in repr(llm)
    assert caplog.text and KEY not in caplog.text
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_local_server_needs_no_key(llm_stub: StubLlmServer) -> None:
    llm = client(llm_stub.url, api_key=None)
    llm_stub.script("SELECT 1")
    assert llm.complete(MESSAGES).text == "SELECT 1"
    assert llm_stub.requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


def test_nothing_configured_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAiLlm(base_url=None, api_key=None, model="m")


def test_databricks_serving_endpoints_path(llm_stub: StubLlmServer) -> None:
    root = llm_stub.url.removesuffix("/v1")
    llm_stub.script("SELECT 1")
    llm = client(f"{root}/serving-endpoints", api_key="dapi0123456789abcdef0123456789abcdef", model="my-endpoint")
    assert llm.complete(MESSAGES).text == "SELECT 1"
    assert llm_stub.requests[0].path == "/serving-endpoints/chat/completions"
    assert llm_stub.requests[0].body["model"] == "my-endpoint"  # type: ignore[index]


def test_from_settings(llm_stub: StubLlmServer) -> None:
    settings = Settings(llm_base_url=llm_stub.url, llm_api_key=KEY, llm_model="gpt-x", llm_timeout_s=0.5,
                        llm_max_retries=0, llm_temperature=0.2)
    llm = OpenAiLlm.from_settings(settings)
    assert (llm.model, llm.max_retries, llm.temperature, llm.timeout_s) == ("gpt-x", 0, 0.2, 0.5)
    llm_stub.fail_next("500")
    with pytest.raises(LlmUnavailable, match="after 1 attempts"):
        llm.complete(MESSAGES)


def test_one_client_shared_across_threads(llm_stub: StubLlmServer) -> None:
    llm = client(llm_stub.url)
    questions = [f"question {i}" for i in range(12)]
    answers: dict[str, str] = {}

    def ask(q: str) -> None:
        answers[q] = llm.complete((Message("user", q),)).text

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert all(f"SELECT '{q}' AS question" in answers[q] for q in questions)
    assert llm.calls == 12 and len(llm_stub.requests) == 12


def test_stub_lists_models(llm_stub: StubLlmServer) -> None:
    with urllib.request.urlopen(f"{llm_stub.url}/models", timeout=2) as response:
        assert json.load(response)["data"][0]["id"] == "stub-model"


def test_stub_rejects_unknown_failure_kind(llm_stub: StubLlmServer) -> None:
    with pytest.raises(ValueError, match="unknown failure kind"):
        llm_stub.fail_next("teapot")  # type: ignore[arg-type]


def test_reply_without_sql_is_a_reply_error_at_extraction(llm_stub: StubLlmServer) -> None:
    llm_stub.fail_next("no_sql", text="Sorry, I cannot see a table about shipments.")
    reply = client(llm_stub.url).complete(MESSAGES)
    with pytest.raises(LlmReplyError, match="did not reply with a SQL query"):
        extract_sql(reply.text)


def test_gold_sql_round_trip_through_server_and_extraction(llm_stub: StubLlmServer) -> None:
    gold = "SELECT o_orderpriority, COUNT(*) FROM orders GROUP BY 1"
    llm_stub.responder = lambda body: f"Here is the query:\n```sql\n{gold};\n```\nIt counts orders by priority."
    assert extract_sql(client(llm_stub.url).complete(MESSAGES).text) == gold
