"""The choice among candidates (nl2sql/llm/candidates.py) on hand-made ballots: each rule of the stated order, and
the second imperfect model (tests/imperfect_llm_b.py) behaving as its docstring says."""

from __future__ import annotations

from pathlib import Path

import pytest

from nl2sql.llm.candidates import Ballot, choose, settled
from tests.imperfect_llm_b import ImperfectModelB, distribution

PARIS = (("Ann",), ("Bo",))


def test_the_largest_group_wins() -> None:
    verdict = choose([Ballot(0, "q0", (("Cy",),)), Ballot(1, "q1", PARIS), Ballot(2, "q2", PARIS)])
    assert verdict.winner == 1 and verdict.support == (1, 2, 2)
    assert verdict.reasons[0] is not None and "outvoted" in verdict.reasons[0]


def test_agreeing_on_nothing_counts_half() -> None:
    empty = [Ballot(i, f"SELECT a FROM t WHERE x = {i}", ()) for i in range(3)]
    nulls = [Ballot(3 + i, f"SELECT MAX(a) FROM t WHERE x = {i}", ((None,),)) for i in range(2)]
    # three empty results lose to two that found rows, two tie with one (and lose the tie); three beat one
    assert choose([*empty, Ballot(9, "q", PARIS), Ballot(10, "q'", PARIS)]).winner == 3
    assert choose([*empty[:2], Ballot(9, "q", PARIS)]).winner == 2
    assert choose([*empty, Ballot(9, "q", PARIS)]).winner == 0
    reason = choose([*nulls, Ballot(9, "q", PARIS)]).reasons[0]
    assert reason is not None and "counts half" in reason


def test_a_tie_goes_to_the_most_central_query() -> None:
    ballots = [Ballot(0, "SELECT name FROM t WHERE age > 30", (("Dee",),)),
               Ballot(1, "SELECT name FROM t WHERE age > 20", (("Ann",), ("Bo",)))]
    refused = "SELECT name FROM t WHERE age > 20 AND nme = 'x'"        # wrote but did not run: evidence, no vote
    verdict = choose(ballots, evidence=[*(b.sql for b in ballots), refused])
    assert verdict.winner == 1
    assert verdict.reasons[0] is not None and "further from the other queries" in verdict.reasons[0]


SINGER = "SELECT name FROM singer WHERE age > 20 ORDER BY age"


def test_second_preferences_choose_the_result_the_other_queries_surround() -> None:
    """A habitual mistake (LIMIT left out) returned three times against the right query's two: every other query
    is closest to the right one, the habit's included, so their second preferences choose it."""
    ballots = [Ballot(0, SINGER, (("Ann",), ("Bo",), ("Cy",), ("Di",))),
               Ballot(1, f"{SINGER} LIMIT 3", (("Ann",), ("Bo",), ("Cy",))),
               Ballot(2, SINGER, (("Ann",), ("Bo",), ("Cy",), ("Di",))),
               Ballot(3, f"{SINGER.replace('>', '>=')} LIMIT 3", (("Al",), ("Ann",), ("Bo",))),
               Ballot(4, f"{SINGER} LIMIT 3", (("Ann",), ("Bo",), ("Cy",))),
               Ballot(5, SINGER, (("Ann",), ("Bo",), ("Cy",), ("Di",))),
               Ballot(6, f"{SINGER.replace('name', 'country', 1)} LIMIT 3", (("FR",), ("UK",), ("FR",)))]
    verdict = choose(ballots)
    assert verdict.winner == 1 and verdict.support[0] == 3 and verdict.support[1] == 2
    assert verdict.reasons[0] is not None and "second preferences" in verdict.reasons[0]
    assert not settled(ballots, verdict)                    # chosen over more ballots: worth more samples
    # with only two different results a second preference says nothing: the count decides
    assert choose(ballots[:3] + ballots[4:6]).winner == 0


def test_the_earliest_wins_a_full_tie() -> None:
    assert choose([Ballot(0, "SELECT a FROM t", ((1,),)), Ballot(1, "SELECT a FROM t", ((2,),))]).winner == 0


GOLD = "SELECT name FROM singer WHERE age > 20 AND country = 'France' ORDER BY age DESC LIMIT 3"
SCHEMA = {"singer": ["singer_id", "name", "country", "age", "is_male"]}


def _body(temperature: float | None, choice: int = 0) -> dict[str, object]:
    body: dict[str, object] = {"messages": [{"role": "user", "content": "Question: Which singers?"}],
                               "_stub_choice": choice}
    return body if temperature is None else {**body, "temperature": temperature}


def test_stub_b_is_greedy_at_temperature_0_and_samples_above() -> None:
    model = ImperfectModelB([{"question": "Which singers?", "query": GOLD, "db_id": "s"}], {"s": SCHEMA}, seed=3)
    greedy = {str(model(_body(0.0, i)).content) for i in range(10)}
    sampled = {str(model(_body(1.0, i)).content) for i in range(40)}
    assert len(greedy) == 1 and len(sampled) >= 3
    kinds = {m.kind for m in distribution("Which singers?", GOLD, SCHEMA, 3)}
    assert {"gold", "wrong", "broken", "cut", "prose", "ask"} <= kinds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stub_b_mistakes_are_realistic_edits(seed: int) -> None:
    wrong = [m.text for m in distribution("Which singers?", GOLD, SCHEMA, seed) if m.kind == "wrong"]
    assert wrong and all(w != GOLD for w in wrong)
    assert abs(sum(m.weight for m in distribution("Which singers?", GOLD, SCHEMA, seed)) - 1) < 1e-9


def test_stub_b_reads_spider_files(tmp_path: Path) -> None:
    import json

    from tests.imperfect_llm_b import load

    (tmp_path / "dev.json").write_text(json.dumps([{"question": "q", "query": GOLD, "db_id": "s"}]))
    (tmp_path / "tables.json").write_text(json.dumps([{
        "db_id": "s", "table_names_original": ["singer"],
        "column_names_original": [[-1, "*"], [0, "name"], [0, "age"]]}]))
    records, schemas = load(tmp_path)
    assert records[0]["db_id"] == "s" and schemas == {"s": {"singer": ["name", "age"]}}
