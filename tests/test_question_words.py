"""One reading of the question's words: linking and the offline planner read the same ``QuestionWords``.

The pipeline reads the question once with the planner's word forms (``offline_words``), links those words, and
the offline generator plans from ``linked.question_words``: the same answer as planning from the text, and
words read without the planner's forms (plain ``link``) are read again rather than trusted.
"""

from __future__ import annotations

from catalog_semantics.linking import link, link_words
from catalog_semantics.question import read_question
from nl2sql.generators import OfflineGenerator, generate_offline, offline_words
from nl2sql.planner.tokens import question_words

QUESTIONS = ("revenue by region in 1996", "number of orders by order priority", "top 5 customers by account balance",
             "revenue by customer mood")


def test_link_reads_the_words_it_is_given(demo_model) -> None:
    for q in QUESTIONS:
        words = offline_words(q)
        linked = link_words(demo_model, words)
        assert linked == link(demo_model, q)                 # the same tables, columns, values, metrics, filters
        assert linked.question_words is words and linked.question == q


def test_the_offline_generator_plans_from_linked_words(demo_model) -> None:
    generator = OfflineGenerator(demo_model)
    for q in QUESTIONS:
        linked = link_words(demo_model, offline_words(q))
        (candidate,) = generator.generate(q, (), linked)
        assert candidate == generate_offline(q, demo_model)
        (other,) = generator.generate("revenue by region in 1997", (), linked)   # words of another question
        assert other == generate_offline("revenue by region in 1997", demo_model)


def test_words_without_the_planners_forms_are_read_again() -> None:
    planner = offline_words("how many people")
    assert question_words(planner) is planner
    bare = read_question("how many people")            # linking's own reading knows no irregular plurals
    assert [t.stem for t in bare.tokens][-1] == "people"
    assert [t.stem for t in question_words(bare).tokens][-1] == "person"


def test_one_match_pass_per_question_and_lexicon(demo_model) -> None:
    from nl2sql.planner.lexicon import lexicon_for
    from nl2sql.planner.matching import match_items, matched
    from nl2sql.planner.tokens import read_question as planner_read

    lex = lexicon_for(demo_model)
    q = "revenue by region in 1996"
    assert planner_read(q) is offline_words(q)          # one reading per text, whichever step asks
    first = matched(q, lex)
    first.clear()                                        # a caller's list is its own: the shared pass is unchanged
    assert matched(offline_words(q), lex) == match_items(planner_read(q).tokens, lex) != []
