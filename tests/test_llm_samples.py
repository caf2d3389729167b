"""Several candidates from servers unlike the stubs' own way of sampling (tests/server_behaviours.py), through the
real pipeline and the stub server: one that ignores ``n``, one that answers identical requests identically, one
that copies one reply into every choice, one that refuses ``seed``. Each must still give N different requests,
the first of them the single-candidate prompt unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nl2sql.eval.cache import CachedLlm
from nl2sql.llm.prompt_sampling import APPROACHES
from nl2sql.ports import Message
from tests.llm_stub import Reply, StubLlmServer
from tests.server_behaviours import per_prompt, per_request, server_for
from tests.test_llm_defects import _assistant, _client, school  # noqa: F401  (the school database fixture)

PARIS = "```sql\nSELECT first_name FROM students WHERE city = 'Paris'\n```"
ROME = "```sql\nSELECT first_name FROM students WHERE city = 'Rome'\n```"
QUESTION = "Which students live in Paris?"
NEUTRAL = "Which of them live there?"      # no word any query uses: the vote alone decides (llm/fit.py)


def _by_approach(body: dict[str, Any]) -> Reply:
    """A model that answers Rome to the plain prompt and Paris when told an approach (a reply per prompt)."""
    last = str(body["messages"][-1]["content"])
    return PARIS if "Approach for this reply" in last else ROME


def test_the_first_request_is_the_single_candidate_prompt(school: Path) -> None:
    with StubLlmServer(responder=lambda body: PARIS) as one, StubLlmServer(responder=lambda body: PARIS) as five:
        _assistant(school, one).ask(QUESTION)
        _assistant(school, five, llm_candidates=5).ask(QUESTION)
    single, first = one.requests[0].body or {}, five.requests[0].body or {}
    assert len(one.requests) == 1 and single["temperature"] == 0 and "n" not in single and "seed" not in single
    assert first["messages"] == single["messages"] and first["n"] == 5


def test_a_server_deterministic_per_request_that_ignores_n_gets_n_different_requests(school: Path) -> None:
    with server_for("per-request-one", _by_approach) as stub:
        answer = _assistant(school, stub, llm_candidates=3).ask(QUESTION)
        bodies = [r.body or {} for r in stub.requests]
    assert len(bodies) == 3 and all("n" not in b for b in bodies[1:])
    assert [b.get("seed") for b in bodies] == [None, 1, 2]
    assert [b["temperature"] for b in bodies] == [0.7, 0.75, 0.8]
    lasts = [str(b["messages"][-1]["content"]) for b in bodies]
    assert APPROACHES[0].split(":")[1][:30] in lasts[1] and APPROACHES[1].split(":")[1][:30] in lasts[2]
    assert all(last.endswith(f"Question: {QUESTION}") for last in lasts)
    assert [b["messages"][:-1] for b in bodies[1:]] == [bodies[0]["messages"][:-1]] * 2   # the prefix is kept
    assert sorted(answer.rows) == [("Ann",), ("Bo",)]          # two approaches agree on Paris, the plain one not
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["outvoted", "ran", "agreed"]


def test_copies_of_one_reply_in_every_choice_count_once(school: Path) -> None:
    with StubLlmServer(responder=per_prompt(_by_approach)) as stub:
        answer = _assistant(school, stub, llm_candidates=3).ask(QUESTION)
        assert stub.requests[0].body and stub.requests[0].body["n"] == 3
        assert len(stub.requests) == 3                              # the copies were one vote, two samples more
    assert sorted(answer.rows) == [("Ann",), ("Bo",)]
    assert len([a for a in answer.attempts if a.generator == "llm"]) == 3


def test_copies_confirmed_by_a_different_request_stop_sampling(school: Path) -> None:
    with StubLlmServer(responder=per_prompt(lambda body: PARIS)) as stub:
        answer = _assistant(school, stub, llm_candidates=5).ask(QUESTION)
        assert len(stub.requests) == 2                              # five copies, one differently made request
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "2 of 2" in answer.notes[-1]


def test_a_server_that_refuses_seed_is_sampled_without_it(school: Path) -> None:
    with StubLlmServer(responder=per_request(_by_approach), rejected_params=("seed",), ignore_n=True) as stub:
        answer = _assistant(school, stub, llm_candidates=3).ask(QUESTION)
        bodies = [r.body or {} for r in stub.requests]
    assert len(bodies) == 4 and "seed" in bodies[1] and all("seed" not in b for b in (bodies[0], *bodies[2:]))
    assert sorted(answer.rows) == [("Ann",), ("Bo",)]


def test_a_failed_sample_is_repaired_in_its_own_conversation(school: Path) -> None:
    def respond(body: dict[str, Any]) -> Reply:
        last = str(body["messages"][-1]["content"])
        if "That query failed" in last:
            return PARIS
        return "```sql\nSELECT nope FROM students\n```" if "Approach for this reply" in last else ROME

    with server_for("per-request-one", respond) as stub:
        answer = _assistant(school, stub, llm_candidates=2).ask(QUESTION)
        repair = stub.requests[-1].messages
    assert "Approach for this reply" in repair[-3]["content"] and "nope" in repair[-2]["content"]
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["refused", "outvoted", "ran"]  # Paris


def test_reply_cache_keys_each_sample_apart(llm_stub: StubLlmServer, tmp_path: Path) -> None:
    llm_stub.responder = per_request(lambda body: f"```sql\nSELECT {body['seed']}\n```")
    cached = CachedLlm(_client(llm_stub.url), tmp_path / "replies.sqlite")
    messages = (Message("user", "Question: How many?"),)
    first, second = cached.complete_sample(messages, 1), cached.complete_sample(messages, 2)
    assert (first.text, second.text) == ("```sql\nSELECT 1\n```", "```sql\nSELECT 2\n```")
    assert cached.complete_sample(messages, 2).text == second.text and cached.hits == 1
    assert len(llm_stub.requests) == 2


def test_identical_choices_from_a_server_seen_to_sample_are_agreement(school: Path) -> None:
    with StubLlmServer() as stub:
        assistant = _assistant(school, stub, llm_candidates=3)
        stub.script(ROME, PARIS, PARIS)                             # the server shows it samples each choice
        assistant.ask(QUESTION)
        sent = len(stub.requests)
        stub.script(PARIS, PARIS, PARIS)
        answer = assistant.ask(QUESTION)
        assert len(stub.requests) == sent + 1                       # no extra request to check for copies
    assert "3 of 3" in answer.notes[-1]


# ------------------------------------------------------------------ the model chooses when the vote is split
def _chooser(choice: str) -> Any:
    def respond(body: dict[str, Any]) -> Reply:
        last = str(body["messages"][-1]["content"])
        if "Which one answers the question" in last:
            return choice
        return PARIS if "Approach for this reply" in last else ROME
    return respond


def test_a_split_vote_goes_to_the_model_when_selection_is_on(school: Path) -> None:
    with server_for("per-request-one", _chooser("ANSWER: B")) as stub:
        answer = _assistant(school, stub, llm_candidates=2, llm_selection=True).ask(NEUTRAL)
        asked = stub.requests[-1].messages
    assert sorted(answer.rows) == [("Ann",), ("Bo",)] and "the model chose this one" in answer.notes[-1]
    assert "'Rome'" in asked[-1]["content"] and "Cy" in asked[-1]["content"]     # query A with its rows
    assert asked[:-1] == (stub.requests[0].messages)                          # the first request's prefix
    lost = [a for a in answer.attempts if a.outcome == "outvoted"]
    assert len(lost) == 1 and "the model chose the answer's" in (lost[0].error or "")


def test_an_unusable_selection_reply_keeps_the_vote(school: Path) -> None:
    for reply in ("```sql\nSELECT 1\n```", "A query that reads the students table", "QUESTION: which one?"):
        with server_for("per-request-one", _chooser(reply)) as stub:
            answer = _assistant(school, stub, llm_candidates=2, llm_selection=True).ask(NEUTRAL)
            assert len(stub.requests) == 3
        assert answer.rows == (("Cy",),) and "the model chose" not in answer.notes[-1]   # the tie rule's pick


def test_selection_is_off_by_default_and_shows_no_values_when_data_stays_home(school: Path) -> None:
    with server_for("per-request-one", _chooser("ANSWER: B")) as stub:
        answer = _assistant(school, stub, llm_candidates=2).ask(NEUTRAL)
        assert len(stub.requests) == 2 and answer.rows == (("Cy",),)
    with server_for("per-request-one", _chooser("ANSWER: B")) as stub:
        _assistant(school, stub, llm_candidates=2, llm_selection=True, send_data_to_llm=False).ask(NEUTRAL)
        shown = stub.requests[-1].messages[-1]["content"]
    assert "It returns 1 row." in shown and "Cy" not in shown


def test_a_cut_sample_is_asked_again_in_its_own_conversation_and_never_runs(school: Path) -> None:
    from tests.llm_stub import StubReply

    def respond(body: dict[str, Any]) -> Reply:
        last = str(body["messages"][-1]["content"])
        if "cut off at the length limit" in last:
            return PARIS
        return StubReply("```sql\nSELECT first_name FROM students", "length") if "Approach" in last else ROME

    with server_for("per-request-one", respond) as stub:
        answer = _assistant(school, stub, llm_candidates=2).ask(NEUTRAL)
        again = stub.requests[-1].messages
    assert "Approach for this reply" in again[-2]["content"] and len(stub.requests) == 4   # x4 budget, then shorter
    assert [a.outcome for a in answer.attempts if a.generator == "llm"] == ["cut", "ran", "outvoted"]
    assert all(a.sql is None for a in answer.attempts if a.outcome == "cut")
