"""The question's own words in the vote (nl2sql/llm/fit.py, nl2sql/llm/extra_columns.py) on hand-made ballots: a
habitual mistake outnumbering the right query loses to the query the question's words fit; a result that is another
plus columns nobody asked for gives its ballots to the other, and keeps them when the question asks for those
columns; without the question the vote is the count it was."""

from __future__ import annotations

from nl2sql.llm import fit
from nl2sql.llm.candidates import Ballot, choose, decided

AGES = ((36.0,),)
IDS = ((4.3,),)


def _ballots(*groups: tuple[int, str, tuple[tuple[object, ...], ...], tuple[str, ...]]) -> list[Ballot]:
    out: list[Ballot] = []
    for count, sql, rows, columns in groups:
        out += [Ballot(len(out) + k, sql, rows, columns) for k in range(count)]
    return out


def test_the_question_s_words_outweigh_a_habit_sampled_more_often() -> None:
    ballots = _ballots((3, "SELECT AVG(id) FROM visitor WHERE level <= 4", IDS, ("AVG(id)",)),
                       (2, "SELECT AVG(age) FROM visitor WHERE level <= 4", AGES, ("AVG(age)",)))
    question = "What is the average age of the visitors whose level is at most 4?"
    verdict = choose(ballots, question=question)
    assert ballots[verdict.winner].rows == AGES
    assert "fits the question's words better" in (verdict.reasons[0] or "")
    assert "fits the question's words better" in verdict.basis
    assert not decided(ballots, verdict)               # chosen over more ballots: worth more samples
    assert ballots[choose(ballots).winner].rows == IDS  # without the question: the count


def test_a_value_the_question_never_names_counts_against_a_query() -> None:
    sqls = ["SELECT COUNT(*) FROM museum WHERE open_year > 2013 OR open_year < 2008",
            "SELECT COUNT(*) FROM museum WHERE open_year > 2013",
            "SELECT COUNT(*) FROM museum WHERE open_year > 2013 AND staff > 30"]
    full, dropped, added = fit.fits("How many museums opened after 2013 or before 2008?", sqls)
    assert full > dropped and full > added
    assert fit.fits("Which of them live there?", sqls) == (0.0, 0.0, 0.0)     # no word at stake: no witness


def test_columns_nobody_asked_for_give_their_ballots_to_the_result_without_them() -> None:
    rows = ((3, "FC Honka"), (7, "KuPS"))
    ballots = _ballots((3, "SELECT shop_id, name FROM shop WHERE NOT shop_id IN (SELECT shop_id FROM hiring)", rows,
                        ("shop_id", "name")),
                       (2, "SELECT name FROM shop WHERE NOT shop_id IN (SELECT shop_id FROM hiring)",
                        tuple((name,) for _, name in rows), ("name",)))
    verdict = choose(ballots, question="Find the names of the shops that do not hire any employee.")
    assert verdict.winner == 3 and verdict.weight[3] > verdict.weight[0]
    assert "plus shop_id, which the question does not ask for" in (verdict.reasons[0] or "")
    # asked for ("their ids and names"), the narrower result is the one missing something
    asked = choose(ballots[1:], question="Give the ids and names of the shops that do not hire any employee.")
    assert asked.winner == 0 and "without shop_id, which the question asks for" in (asked.reasons[-1] or "")


def test_a_column_named_after_its_table_or_run_together_is_read_as_asked() -> None:
    said = frozenset({"type", "pet", "weight", "youngest"})
    assert fit.asked("pettype", said, frozenset({"pet"}))                 # pet + type
    assert not fit.asked("PetID", said, frozenset({"pet"}))               # its table's word, and an id
    assert fit.asked("Model", frozenset({"model"}), frozenset({"model", "list"}))
    assert fit.name_words("Fname") == ("first", "name")                   # the vocabulary's abbreviations
