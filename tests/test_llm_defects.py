"""Each defect of issue 11, reproduced against the local OpenAI-compatible stub server and the real pipeline."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.errors import LlmReplyError
from nl2sql.llm.followup import link_conversation
from nl2sql.pipeline import Assistant
from nl2sql.ports import Message
from nl2sql.llm.prompt import CUT_OFF_REQUEST
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer, StubReply

MESSAGES = (Message("system", "Write SQL."), Message("user", "How many students?"))
EMPTY_BLOCK = "```sql\n\n```"


def _client(url: str, **overrides: Any) -> OpenAiLlm:
    return OpenAiLlm(**{"base_url": url, "api_key": "k", "model": "m", "timeout_s": 2, "max_retries": 0,
                        **overrides})


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite school database with ten tables: above the size the linker keeps whole."""
    path = tmp_path_factory.mktemp("school") / "school.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE degree_programs (degree_program_id INTEGER PRIMARY KEY, degree_summary_name TEXT);
        CREATE TABLE students (student_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, city TEXT);
        CREATE TABLE student_enrolment (student_enrolment_id INTEGER PRIMARY KEY,
            student_id INTEGER REFERENCES students(student_id),
            degree_program_id INTEGER REFERENCES degree_programs(degree_program_id));
        CREATE TABLE courses (course_id INTEGER PRIMARY KEY, course_name TEXT);
        CREATE TABLE semesters (semester_id INTEGER PRIMARY KEY, semester_name TEXT);
        CREATE TABLE departments (department_id INTEGER PRIMARY KEY, department_name TEXT);
        CREATE TABLE buildings (building_id INTEGER PRIMARY KEY, building_name TEXT);
        CREATE TABLE rooms (room_id INTEGER PRIMARY KEY, building_id INTEGER REFERENCES buildings(building_id));
        CREATE TABLE teachers (teacher_id INTEGER PRIMARY KEY, teacher_name TEXT);
        CREATE TABLE transcripts (transcript_id INTEGER PRIMARY KEY, transcript_date TEXT);
        INSERT INTO degree_programs VALUES (1, 'Bachelor'), (2, 'Master');
        INSERT INTO students VALUES (1, 'Ann', 'Lee', 'Paris'), (2, 'Bo', 'Kim', 'Paris'), (3, 'Cy', 'Ng', 'Rome');
        INSERT INTO student_enrolment VALUES (1, 1, 1), (2, 2, 2), (3, 3, 1);
    """)
    con.commit()
    con.close()
    return path


def _assistant(school: Path, stub: StubLlmServer, **changes: Any) -> Assistant:
    """An LLM assistant on the school database. Several candidates draw no extra samples unless the test gives
    ``llm_max_candidates`` (tests of widening a split vote do; the others count their requests)."""
    warehouse = SqlAlchemyWarehouse.sqlite_file(school)
    changes.setdefault("llm_max_candidates", changes.get("llm_candidates", 1))
    settings = replace(Settings(llm_base_url=stub.url, llm_api_key="k", llm_model="stub", llm_max_retries=0,
                                generator="llm"), **changes)
    return Assistant(apply_overlay(warehouse.read_catalog(), None), warehouse, settings,
                     llm=OpenAiLlm.from_settings(settings))


# ------------------------------------------------------------------ finish_reason "length"
def test_cut_reply_is_asked_again_with_a_larger_budget(llm_stub: StubLlmServer) -> None:
    llm_stub.script(StubReply("```sql\nSELECT first_name FROM students s", "length"),
                    "```sql\nSELECT first_name FROM students s WHERE city = 'Paris'\n```")
    reply = _client(llm_stub.url, max_tokens=300).complete(MESSAGES)
    assert reply.finish_reason == "stop" and "WHERE" in reply.text
    assert [r.body["max_tokens"] for r in llm_stub.requests] == [300, 1200]  # type: ignore[index]


def test_reasoning_model_that_spends_its_budget_thinking(llm_stub: StubLlmServer) -> None:
    with StubLlmServer(rejected_params=("max_tokens",)) as stub:
        stub.script(StubReply("", "length", reasoning_tokens=300), StubReply("", "length", reasoning_tokens=1200))
        with pytest.raises(LlmReplyError, match="whole token budget") as info:
            _client(stub.url, max_tokens=300).complete(MESSAGES)
        assert "NL2SQL_LLM_MAX_TOKENS" in (info.value.hint or "")
        bodies = [r.body or {} for r in stub.requests]
        assert [b.get("max_completion_tokens") for b in bodies] == [None, 300, 1200]
        stub.script(StubReply("", "length", reasoning_tokens=300),
                    StubReply("```sql\nSELECT 1\n```", reasoning_tokens=900, cached_tokens=64))
        reply = _client(stub.url, max_tokens=300).complete(MESSAGES)
        assert reply.text.startswith("```sql") and reply.reasoning_tokens == 900 and reply.cached_tokens == 64


def test_a_reply_cut_at_length_is_never_run(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.responder = lambda body: StubReply("```sql\nSELECT first_name FROM students s", "length")
    answer = _assistant(school, llm_stub, max_repairs=1).ask("Which students live in Paris?")
    assert answer.status == "error" and "cut off" in (answer.message or "")
    assert not any(a.outcome == "ran" for a in answer.attempts)
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["cut", "cut"]
    retry = llm_stub.requests[-1].messages
    assert retry[-1]["content"] == CUT_OFF_REQUEST
    assert all(m["content"] != EMPTY_BLOCK for m in retry)


def test_cut_candidate_is_dropped_and_the_whole_one_answers(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script(StubReply("```sql\nSELECT first_name FROM students", "length"),
                    "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```",
                    StubReply("```sql\nSELECT first_name FROM students WHERE", "length"),   # asked again: cut again
                    "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```")     # then with 4x the budget
    answer = _assistant(school, llm_stub, llm_candidates=2).ask("Which students live in Rome?")
    assert answer.status == "answered" and answer.rows == (("Cy",),)
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["cut", "ran", "agreed"]
    assert [(r.body or {}).get("max_tokens") for r in llm_stub.requests] == [1024, 1024, 4096]
    assert llm_stub.requests[0].body["n"] == 2  # type: ignore[index]


# ------------------------------------------------------------------ replies with no SQL
def test_a_question_back_is_a_clarify_answer_and_the_next_turn_carries_it(school: Path,
                                                                          llm_stub: StubLlmServer) -> None:
    asked = "Do you mean students enrolled in a Bachelor program, or students living in a given city?"
    llm_stub.script(asked)
    assistant = _assistant(school, llm_stub)
    answer = assistant.ask("Which students count?")
    assert (answer.status, answer.message, answer.generator) == ("clarify", asked, "llm")
    llm_stub.script("```sql\nSELECT COUNT(*) FROM student_enrolment e JOIN degree_programs d "
                    "ON e.degree_program_id = d.degree_program_id WHERE d.degree_summary_name = 'Bachelor'\n```")
    follow = assistant.ask("The Bachelor ones.", [("Which students count?", answer.message or "")])
    assert follow.status == "answered" and follow.rows == ((2,),)
    sent = llm_stub.requests[-1].messages
    assert {"role": "assistant", "content": asked} in sent and all(m["content"] != EMPTY_BLOCK for m in sent)


def test_cannot_answer_stays_an_abstention(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("CANNOT ANSWER: there is no table about weather?")
    assert _assistant(school, llm_stub).ask("How warm was it?").status == "abstained"


def test_prose_without_sql_is_asked_again_without_an_empty_sql_turn(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("I think the students table has what you need.", "```sql\nSELECT COUNT(*) FROM students\n```")
    answer = _assistant(school, llm_stub).ask("How many students are there?")
    assert answer.status == "answered" and answer.rows == ((3,),)
    retry = llm_stub.requests[-1].messages
    assert retry[-2] == {"role": "assistant", "content": "I think the students table has what you need."}
    assert all(m["content"] != EMPTY_BLOCK for m in retry)


def test_failed_query_repair_never_echoes_an_empty_block(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("```sql\nSELECT nope FROM students\n```", "```sql\nSELECT COUNT(*) FROM students\n```")
    answer = _assistant(school, llm_stub, max_repairs=1).ask("How many students are there?")
    assert answer.status == "answered"
    assert all(m["content"] != EMPTY_BLOCK for r in llm_stub.requests for m in r.messages)


# ------------------------------------------------------------------ follow-up linking
def test_follow_up_keeps_the_tables_of_the_earlier_turn(school: Path, llm_stub: StubLlmServer) -> None:
    model = apply_overlay(SqlAlchemyWarehouse.sqlite_file(school).read_catalog(), None)
    earlier = ("How many students are enrolled in each degree program?",
               "SELECT d.degree_summary_name, COUNT(*) FROM student_enrolment e JOIN degree_programs d "
               "ON e.degree_program_id = d.degree_program_id GROUP BY 1")
    follow = "and which of those are Bachelor ones?"
    needed = {"student_enrolment", "degree_programs"}
    alone = {t.name for t in link_conversation(model, follow).tables}
    assert not needed <= alone                          # the defect: linked alone, the earlier tables are lost
    assert needed <= {t.name for t in link_conversation(model, follow, [earlier]).tables}
    llm_stub.script("```sql\nSELECT COUNT(*) FROM degree_programs WHERE degree_summary_name = 'Bachelor'\n```")
    answer = _assistant(school, llm_stub).ask(follow, [earlier])
    assert "CREATE TABLE student_enrolment" in (answer.context or "")
    assert {"student_enrolment", "degree_programs"} <= set(answer.linked_tables)


# ------------------------------------------------------------------ n candidates
def test_n_refused_falls_back_to_one_request_per_candidate() -> None:
    with StubLlmServer(rejected_params=("n",)) as stub:
        stub.responder = lambda body: f"```sql\nSELECT {body['_stub_choice']}\n```"
        llm = _client(stub.url)
        replies = llm.complete_many(MESSAGES, 3)      # refused once, then one reply a request: the caller samples
        assert len(replies) == 1 and len(stub.requests) == 2 and "n" not in (stub.requests[1].body or {})
        assert len(llm.complete_many(MESSAGES, 2)) == 1 and len(stub.requests) == 3   # no n from the start now
        sample = llm.complete_sample(MESSAGES, 2)
        body = stub.requests[-1].body or {}
        assert sample.text and body["seed"] == 2 and body["temperature"] == 0.8 and "n" not in body


# ------------------------------------------------------------------ cost per answer
def test_answer_reports_cached_and_reasoning_tokens(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script(StubReply("```sql\nSELECT COUNT(*) FROM students\n```", reasoning_tokens=120, cached_tokens=512))
    answer = _assistant(school, llm_stub).ask("How many students are there?")
    assert answer.status == "answered"
    assert (answer.cached_tokens, answer.reasoning_tokens) == (512, 120)
    assert answer.completion_tokens >= 120 and answer.to_dict()["cached_tokens"] == 512


def test_a_failed_answer_still_reports_what_the_model_cost(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.responder = lambda body: StubReply("```sql\nSELECT first_name FROM students s", "length")
    answer = _assistant(school, llm_stub, max_repairs=0).ask("Which students live in Paris?")
    assert answer.status == "error" and answer.prompt_tokens > 0 and answer.completion_tokens > 0


# ------------------------------------------------------------------ production reply cache
def test_reply_cache_is_opt_in_and_keyed_on_the_full_request(school: Path, llm_stub: StubLlmServer,
                                                             tmp_path: Path) -> None:
    from nl2sql.eval.cache import CachedLlm
    from nl2sql.wiring import build_llm

    settings = Settings(llm_base_url=llm_stub.url, llm_api_key="k", llm_model="stub", generator="llm",
                        data_dir=str(tmp_path))
    assert not isinstance(build_llm(settings), CachedLlm)
    cached = build_llm(replace(settings, llm_reply_cache=True))
    assert isinstance(cached, CachedLlm)
    llm_stub.responder = lambda body: "```sql\nSELECT COUNT(*) FROM students\n```"
    model = apply_overlay(SqlAlchemyWarehouse.sqlite_file(school).read_catalog(), None)
    assistant = Assistant(model, SqlAlchemyWarehouse.sqlite_file(school), settings, llm=cached)
    first = assistant.ask("How many students are there?")
    again = assistant.ask("How many students are there?")
    other = assistant.ask("How many students are there in total?")
    assert first.rows == again.rows == other.rows == ((3,),)
    assert len(llm_stub.requests) == 2 and cached.hits == 1          # the repeat came from the cache
    assert (tmp_path / "llm_replies.sqlite").exists()


def test_follow_up_to_a_question_back_links_what_that_question_linked(school: Path) -> None:
    model = apply_overlay(SqlAlchemyWarehouse.sqlite_file(school).read_catalog(), None)
    asked = ("How many students are in each degree program?", "Do you mean enrolled students, or all of them?")
    tables = {t.name for t in link_conversation(model, "enrolled ones", [asked]).tables}
    assert "degree_programs" in tables


def test_a_server_that_ignores_n_is_sent_one_request_a_reply_from_then_on() -> None:
    with StubLlmServer(ignore_n=True) as stub:
        stub.responder = lambda body: "```sql\nSELECT 1\n```"
        llm = _client(stub.url)
        assert len(llm.complete_many(MESSAGES, 3)) == 1 and len(stub.requests) == 1
        assert len(llm.complete_many(MESSAGES, 2)) == 1 and len(stub.requests) == 2
        assert "n" not in (stub.requests[-1].body or {})            # no longer asks for n
