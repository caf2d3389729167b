"""Several candidates chosen by execution, through the real pipeline and the stub server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.imperfect_llm import ImperfectModel, wrong_variants
from tests.llm_stub import StubLlmServer, StubReply
from tests.test_llm_defects import _assistant, school  # noqa: F401  (the school database fixture)


def test_the_result_most_candidates_agree_on_wins(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```",
                    "```sql\nSELECT first_name FROM students WHERE city = 'Paris'\n```",
                    "```sql\nSELECT s.first_name FROM students s WHERE s.city = 'Paris' ORDER BY 1\n```")
    answer = _assistant(school, llm_stub, llm_candidates=3).ask("Which students live in Paris?")
    assert answer.status == "answered" and sorted(answer.rows) == [("Ann",), ("Bo",)]
    outcomes = [a.outcome for a in answer.attempts if a.generator == "llm"]
    assert outcomes == ["outvoted", "ran", "agreed"]
    assert "2 of 3" in answer.notes[-1]
    assert llm_stub.requests[0].body["n"] == 3 and llm_stub.requests[0].body["temperature"] == 0.7  # type: ignore[index]


def test_a_refused_candidate_is_repaired_and_votes(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script("```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```",
                    "```sql\nSELECT nope FROM students\n```",
                    "```sql\nSELECT first_name FROM students WHERE city = 'Paris'\n```")
    answer = _assistant(school, llm_stub, llm_candidates=2).ask("Which students live in Paris?")
    llm = [(a.outcome, a.error) for a in answer.attempts if a.generator == "llm"]
    assert [o for o, _ in llm] == ["refused", "outvoted", "ran"]   # Rome and the repaired Paris: one vote each
    assert "fits the question's words better" in (llm[1][1] or "")  # the question says Paris: the repaired one wins
    assert sorted(answer.rows) == [("Ann",), ("Bo",)]
    assert len(llm_stub.requests) == 2                       # the refused one went back once, with its error
    assert "nope" in llm_stub.requests[1].messages[-2]["content"]


def test_cut_candidates_are_asked_again_shorter_and_never_run(school: Path, llm_stub: StubLlmServer) -> None:
    llm_stub.script(StubReply("```sql\nSELECT first_name FROM students", "length"),
                    "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```",
                    "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```")
    answer = _assistant(school, llm_stub, llm_candidates=2).ask("Which students live in Rome?")
    assert answer.rows == (("Cy",),)
    assert all(a.sql is None for a in answer.attempts if a.outcome == "cut")
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["cut", "ran", "agreed"]
    assert "n" not in (llm_stub.requests[1].body or {})     # one sample was cut: one asked again
    assert "cut off" in llm_stub.requests[1].messages[-1]["content"]


def test_imperfect_model_is_seeded_and_varies_by_choice() -> None:
    gold = {"How many students?": "SELECT count(*) FROM students WHERE city = 'Paris'"}
    model = ImperfectModel(gold, seed=3, p_gold=0.3, p_cut=0.2)
    body = {"messages": [{"role": "user", "content": "Question: How many students?"}]}
    replies = [model({**body, "_stub_choice": i}) for i in range(20)]
    assert replies == [ImperfectModel(gold, seed=3, p_gold=0.3, p_cut=0.2)({**body, "_stub_choice": i})
                       for i in range(20)]
    assert {r.finish_reason for r in replies} == {"stop", "length"}
    assert len({json.dumps(r.content) for r in replies}) >= 3
    assert "SELECT COUNT(*) FROM students" in wrong_variants(gold["How many students?"])


def test_candidates_setting_is_bounded() -> None:
    import pytest

    from nl2sql.errors import ConfigError
    from nl2sql.settings import Settings

    assert Settings.from_env({"NL2SQL_LLM_CANDIDATES": "5"}).llm_candidates == 5
    with pytest.raises(ConfigError, match="between 1 and 20"):
        Settings.from_env({"NL2SQL_LLM_CANDIDATES": "0"})
