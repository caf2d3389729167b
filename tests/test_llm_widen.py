"""A split vote draws more samples (adaptive consistency, ``Runner.widen``), through the real pipeline and the stub
server: no extra request when one result leads by two, extra rounds of half N until one does or the cap is
reached, a server that replays its choices by index asked past them, and a cut extra sample never voting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nl2sql.errors import ConfigError
from nl2sql.settings import Settings
from tests.llm_stub import Reply, StubLlmServer, StubReply
from tests.test_llm_defects import _assistant, school  # noqa: F401  (the school database fixture)

PARIS = "```sql\nSELECT first_name FROM students WHERE city = 'Paris'\n```"      # Ann, Bo
ROME = "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```"        # Cy
EVERYONE = "```sql\nSELECT first_name FROM students\n```"                        # Ann, Bo, Cy
SURNAME = "```sql\nSELECT last_name FROM students WHERE city = 'Rome'\n```"      # Ng
QUESTION = "Which of them live there?"     # no word any query uses: the vote alone decides (llm/fit.py)


def _extra(body: dict[str, Any]) -> bool:
    return "Approach for this reply" in str(body["messages"][-1]["content"])


def _split_then(extra: Reply) -> Any:
    """The first request's three choices all differ; every extra sample (asked with an approach) is ``extra``."""
    def respond(body: dict[str, Any]) -> Reply:
        return extra if _extra(body) else (ROME, PARIS, EVERYONE)[body["_stub_choice"] % 3]
    return respond


def test_a_clear_lead_draws_no_more_samples(school: Path) -> None:
    with StubLlmServer(responder=lambda body: (PARIS, PARIS, PARIS, PARIS, PARIS, ROME)[body["_stub_choice"]]) as stub:
        answer = _assistant(school, stub, llm_candidates=6, llm_max_candidates=18).ask(QUESTION)
        assert len(stub.requests) == 1                            # 5 to 1 is decided (candidates.decided)
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "5 of 6" in answer.notes[-1]


def test_a_split_vote_draws_more_until_one_result_leads(school: Path) -> None:
    with StubLlmServer(responder=_split_then(PARIS)) as stub:
        answer = _assistant(school, stub, llm_candidates=3, llm_max_candidates=9).ask(QUESTION)
        bodies = [r.body or {} for r in stub.requests]
    # rounds of half N: Paris then leads 3 to 1 (not decided: candidates.decided), then 5 to 1 (decided)
    assert [b.get("n") for b in bodies] == [3, 2, 2]
    assert _extra(bodies[1]) and bodies[1]["temperature"] == 0.7
    assert bodies[1]["messages"][:-1] == bodies[0]["messages"][:-1]            # the cacheable prefix is kept
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "5 of 7" in answer.notes[-1]
    assert [a.outcome for a in answer.attempts if a.generator == "llm"].count("agreed") == 4


def test_the_cap_bounds_the_samples_and_the_vote_still_answers(school: Path) -> None:
    with StubLlmServer(responder=_split_then(SURNAME)) as stub:
        answer = _assistant(school, stub, llm_candidates=3, llm_max_candidates=6).ask(QUESTION)
        asked = sum((r.body or {}).get("n", 1) for r in stub.requests)
    # 3 split, 2 more (Ng leads 2 to 1: not clear), 1 more to the cap of 6 (Ng 3 to 1): stop either way. Ng's
    # query is one edit from Rome's, and so are the other two: their second preferences choose Rome (Cy)
    assert asked == 6 and answer.status == "answered" and list(answer.rows) == [("Cy",)]
    assert "second preferences" in next(a.error or "" for a in answer.attempts if a.sql and "last_name" in a.sql)
    assert "1 of 6" in answer.notes[-1] and "returned 3 times" in answer.notes[-1]


def test_more_samples_off_when_the_cap_is_n(school: Path) -> None:
    with StubLlmServer(responder=_split_then(PARIS)) as stub:
        answer = _assistant(school, stub, llm_candidates=3, llm_max_candidates=3).ask(QUESTION)
        assert len(stub.requests) == 1
    assert list(answer.rows) == [("Cy",)]                                 # a three-way tie: the first sample


def test_a_server_replaying_choices_by_index_is_asked_past_them(school: Path) -> None:
    """A server that draws each choice by its index alone (whatever the prompt) answers a new request with the
    first request's choices again: those are not samples, so the next choices are asked for."""
    by_index = (ROME, PARIS, EVERYONE, PARIS, PARIS, PARIS, PARIS, SURNAME)
    with StubLlmServer(responder=lambda body: by_index[body["_stub_choice"]]) as stub:
        answer = _assistant(school, stub, llm_candidates=3, llm_max_candidates=9).ask(QUESTION)
        ns = [(r.body or {}).get("n") for r in stub.requests]
    # each round's two came back as choices 0 and 1: asked past the choices drawn (3, then 5)
    assert ns == [3, 2, 5, 2, 7]
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "5 of 7" in answer.notes[-1]


def test_a_cut_extra_sample_never_votes(school: Path) -> None:
    """Extra samples cut at the length limit hold a whole-looking query that would win if it voted."""
    with StubLlmServer(responder=_split_then(StubReply(SURNAME.removesuffix("\n```"), "length"))) as stub:
        answer = _assistant(school, stub, llm_candidates=3, llm_max_candidates=5).ask(QUESTION)
        assert len(stub.requests) >= 2
    assert list(answer.rows) == [("Cy",)] and ("Ng",) not in answer.rows
    outcomes = [a.outcome for a in answer.attempts if a.generator == "llm"]
    assert outcomes.count("cut") == 2 and "Ng" not in str(answer.sql)


def test_a_cap_below_n_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NL2SQL_LLM_MAX_CANDIDATES"):
        Settings.from_env({"NL2SQL_LLM_CANDIDATES": "5", "NL2SQL_LLM_MAX_CANDIDATES": "3"})
    assert Settings.from_env({"NL2SQL_LLM_CANDIDATES": "5", "NL2SQL_LLM_MAX_CANDIDATES": "5"}).llm_max_candidates == 5


def test_a_clear_lead_short_of_a_majority_is_not_sent_to_selection(school: Path) -> None:
    """3 of 7 ballots against four lone results: a plurality two ahead, which a judge should not overturn."""
    lees = "```sql\nSELECT last_name FROM students WHERE city = 'Paris'\n```"
    by_index = (PARIS, ROME, PARIS, EVERYONE, SURNAME, PARIS, lees)
    with StubLlmServer(responder=lambda body: by_index[body["_stub_choice"]]) as stub:
        answer = _assistant(school, stub, llm_candidates=7, llm_selection=True).ask(QUESTION)
        assert len(stub.requests) == 1
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "3 of 7" in answer.notes[-1]
