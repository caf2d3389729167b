"""A follow-up asked right after a question the engine could not answer builds on that question, so an edit
is declined naming it; a complete question is answered; a turn declined as out of scope is transparent
(the follow-up continues from the last answered turn). Planner and ``Assistant`` on the demo warehouse."""

from __future__ import annotations

from nl2sql.generators import generate_offline
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings

ASKED = "number of orders by order priority"     # answered by the planner (no verified query)
NOT_READ = "revenue by customer mood"        # a data question the engine cannot read ("mood")


def _answered(model):
    return (ASKED, generate_offline(ASKED, model).sql)


def test_an_edit_after_an_unanswered_turn_is_declined_naming_it(demo_model) -> None:
    assert generate_offline(NOT_READ, demo_model, (_answered(demo_model),)).sql is None
    edit = generate_offline("and in 1997?", demo_model, (_answered(demo_model), (NOT_READ, None)))
    assert edit.sql is None
    assert f"previous question (‘{NOT_READ}’)" in (edit.abstain_reason or "")
    # "" marks an unanswered turn as None does
    assert generate_offline("and in 1997?", demo_model, (_answered(demo_model), (NOT_READ, ""))).sql is None


def test_an_edit_with_no_unanswered_turn_still_edits(demo_model) -> None:
    edit = generate_offline("and in 1997?", demo_model, (_answered(demo_model),))
    assert edit.sql is not None and "1997" in edit.sql and "o_orderpriority" in edit.sql


def test_a_complete_question_after_an_unanswered_turn_is_answered(demo_model) -> None:
    history = (_answered(demo_model), (NOT_READ, None))
    alone = generate_offline("revenue per nation", demo_model)
    assert alone.sql is not None
    assert generate_offline("revenue per nation", demo_model, history).sql == alone.sql


def test_a_turn_that_goes_on_without_a_measure_of_its_own_stays_declined(demo_model) -> None:
    """"just the urgent orders, per month" reads alone as a count of orders, but it goes on from the question
    that was not answered (the first of the conversation: no earlier answer to edit)."""
    history = ((NOT_READ, None),)
    for turn in ("just the urgent orders, per month", "only the AUTOMOBILE customers by nation"):
        assert generate_offline(turn, demo_model).sql is not None
        assert generate_offline(turn, demo_model, history).sql is None, turn


def test_a_turn_declined_as_out_of_scope_is_transparent(demo_model) -> None:
    edited = generate_offline("and in 1997?", demo_model, (_answered(demo_model),)).sql
    for declined in ("why did orders by order priority drop?", "how many orders will there be in 1999?",
                     "delete the orders of 1997"):
        history = (_answered(demo_model), (declined, None))
        assert generate_offline("and in 1997?", demo_model, history).sql == edited, declined


def test_the_assistant_remembers_the_question_it_could_not_answer(demo_model, demo_warehouse) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    first = assistant.ask(ASKED)
    history = ((ASKED, first.sql),)
    assert first.status == "answered" and first.sql
    assert assistant.ask("and in 1997?", history).status == "answered"     # nothing left unanswered yet
    assert assistant.ask(NOT_READ, history).status == "abstained"
    after = assistant.ask("and in 1997?", history)                         # the same history, as scripts pass it
    assert after.status == "abstained"
    assert NOT_READ in after.message
    # another assistant has no memory of it: the follow-up edits the answered turn, as before
    fresh = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    assert fresh.ask("and in 1997?", history).status == "answered"


def test_the_assistant_takes_unanswered_turns_from_the_caller(demo_model, demo_warehouse) -> None:
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"))
    first = assistant.ask(ASKED)
    answer = assistant.ask("and in 1997?", ((ASKED, first.sql), (NOT_READ, None)))
    assert answer.status == "abstained" and NOT_READ in answer.message


def test_the_llm_prompt_and_linking_take_an_unanswered_turn(demo_model) -> None:
    from nl2sql.llm.followup import link_conversation
    from nl2sql.llm.prompt import NOT_ANSWERED, build_messages

    history = (_answered(demo_model), ("revenue per supplier nation", None))
    messages = build_messages("and in 1997?", "schema", dialect="duckdb", max_rows=100, history=history)
    assert [m.content for m in messages if m.role == "assistant"][-1] == NOT_ANSWERED
    linked = {t.name for t in link_conversation(demo_model, "and in 1997?", history).tables}
    assert "supplier" in linked      # the unanswered question's tables stay in the linked context


def test_a_shared_assistant_remembers_nothing_when_told(demo_model, demo_warehouse) -> None:
    """The app's one assistant serves every session (which pass their own unanswered turns): with the memory off,
    a question one user could not get answered never reaches another user with the same history."""
    assistant = Assistant(demo_model, demo_warehouse, Settings(generator="offline"), remember_unanswered=False)
    first = assistant.ask(ASKED)
    history = ((ASKED, first.sql),)
    assert assistant.ask(NOT_READ, history).status == "abstained"
    after = assistant.ask("and in 1997?", history)
    assert after.status == "answered" and NOT_READ not in after.message
    assert assistant.with_scope(None).remember_unanswered is False
