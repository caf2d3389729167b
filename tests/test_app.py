"""The Streamlit app, driven by ``streamlit.testing.v1.AppTest`` over the real demo warehouse and the LLM stub."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from nl2sql.demo.build import DEMO_FILE_NAME
from nl2sql.feedback import FeedbackStore
from tests.conftest import REPO_ROOT
from tests.llm_stub import StubLlmServer

APP = str(REPO_ROOT / "app" / "streamlit_app.py")
PARTS_SQL = "```sql\nSELECT COUNT(*) AS parts FROM part\n```"


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory (own feedback store) holding a copy of the session's demo warehouse."""
    shutil.copy(demo_data_dir / DEMO_FILE_NAME, tmp_path / DEMO_FILE_NAME)
    import os

    for var in list(os.environ):
        if var.startswith(("OPENAI_", "NL2SQL_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("NL2SQL_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def with_llm(data_dir: Path, llm_stub: StubLlmServer, monkeypatch: pytest.MonkeyPatch) -> StubLlmServer:
    """The app configured to write SQL with the stub LLM only (after verified questions)."""
    monkeypatch.setenv("OPENAI_BASE_URL", llm_stub.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    monkeypatch.setenv("NL2SQL_LLM_MODEL", "stub-model")
    monkeypatch.setenv("NL2SQL_GENERATOR", "llm")
    monkeypatch.setenv("NL2SQL_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("NL2SQL_MAX_REPAIRS", "0")
    return llm_stub


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert_no_traceback(at)
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question_box").set_value(question).run()
    assert_no_traceback(at)
    return at


def assert_no_traceback(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(elements: Any) -> list[str]:
    return [str(e.value) for e in elements]


def test_first_load_shows_examples_and_the_sidebar(data_dir: Path) -> None:
    at = start()
    labels = texts(at.button)
    assert "What is the total revenue by region?" in " ".join(b.label for b in at.button)
    assert len([b for b in at.button if b.key and b.key.startswith("example_")]) >= 3
    sidebar = " ".join(texts(at.sidebar.markdown))
    assert "**Data:** tpch" in sidebar and "built-in question engine" in sidebar
    for developer_word in ("duckdb", "Generator policy", "offline →", "verified →"):
        assert developer_word not in sidebar
    assert labels  # buttons render
    assert not at.sidebar.radio                                     # not an editor: no feedback editor


def test_asking_an_example_shows_sentence_table_chart_and_sql(data_dir: Path) -> None:
    at = start()
    example = at.button(key="example_0")
    example.click().run()
    assert_no_traceback(at)
    assert example.label in texts(at.text)                          # the question, in the conversation
    sentence = next(t for t in texts(at.markdown) if t.startswith("#### "))
    assert sentence.startswith("#### Middle East had the highest revenue: $435.6M, 1.9% above Europe"), sentence
    frame = at.dataframe[0].value
    assert len(frame) > 0
    assert str(frame["revenue"].dtype) == "float64"                 # numbers sort as numbers; shown as $
    assert len(at.get("vega_lite_chart")) == 1
    assert at.code[0].value.upper().startswith("SELECT")
    assert len(at.get("download_button")) == 1
    how = " ".join(texts(at.markdown))
    assert "**Tables:**" in how and "**Timings:**" in how and "**Answered by:**" in how


def test_one_number_is_said_in_the_sentence_with_its_unit(data_dir: Path) -> None:
    at = start()
    single = next(b for b in at.button if b.label == "What share of line items arrived late?")
    single.click().run()
    assert_no_traceback(at)
    assert "#### Late delivery rate: 63.3%." in texts(at.markdown)


def test_followups_examples_and_did_you_mean_ask_again(data_dir: Path) -> None:
    at = start()
    ask(at, "revenue by region in 1996")
    followups = [b for b in at.button if b.key and b.key.startswith("followup_0_")]
    assert followups and any(b.label == "Revenue by region in 1995" for b in followups)
    next(b for b in followups if b.label == "Revenue by region in 1995").click().run()
    assert_no_traceback(at)
    assert any(t.startswith("#### Middle East had the highest revenue in 1995") or "in 1995" in t
               for t in texts(at.markdown) if t.startswith("#### "))
    assert any(b.key == "side_example_0" for b in at.button)        # examples stay reachable
    ask(at, "average discount by shp mode")
    dym = next(b for b in at.button if b.key == "dym_2")
    assert dym.label == "Did you mean: average discount by ship mode"
    dym.click().run()
    assert_no_traceback(at)
    assert len(at.dataframe) == 3
    assert not any(b.key == "up_2" for b in at.button)              # no rating buttons on an abstention


def test_conversations_survive_a_restart_and_stay_per_user(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "ann@example.com")
    at = start()
    ask(at, "revenue by region in 1996")
    sentence = next(t for t in texts(at.markdown) if t.startswith("#### "))
    at = start()                                                    # a new session: the app restarted
    assert not at.dataframe
    saved = [b for b in at.sidebar.button if (b.key or "").startswith("conversation_")]
    assert [b.label for b in saved] == ["revenue by region in 1996"]
    saved[0].click().run()
    assert_no_traceback(at)
    assert sentence in texts(at.markdown) and len(at.dataframe) == 1
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "bob@example.com")
    at = start()
    assert not [b for b in at.sidebar.button if (b.key or "").startswith("conversation_")]


def test_a_long_question_is_clipped_in_the_echo(data_dir: Path) -> None:
    at = start()
    ask(at, "revenue by region " + "please " * 200)
    assert all(len(t) < 400 for t in texts(at.text))


def test_editor_can_promote_and_non_editor_cannot(with_llm: StubLlmServer, data_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with_llm.script(PARTS_SQL)
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "ann@example.com")
    monkeypatch.setenv("NL2SQL_EDITORS", "bob@example.com")
    at = start()
    ask(at, "How many parts are there?")
    at.button(key="up_0").click().run()
    assert not at.sidebar.radio and not any((b.key or "").startswith("promote_") for b in at.button)
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "bob@example.com")
    at = start()
    at.sidebar.radio(key="view").set_value("Feedback editor").run()
    entry = FeedbackStore(data_dir / "feedback.sqlite").list()[0]
    at.button(key=f"promote_{entry.id}").click().run()
    assert any("now a verified question" in t for t in texts(at.success))


def test_follow_up_sends_the_conversation_and_new_conversation_clears_it(with_llm: StubLlmServer) -> None:
    with_llm.script(PARTS_SQL, "```sql\nSELECT COUNT(*) AS parts FROM part WHERE p_size > 10\n```")
    at = start()
    assert "**Language model:** on" in " ".join(texts(at.sidebar.markdown))
    ask(at, "How many parts are there?")
    ask(at, "and only those larger than size 10?")
    assert len(at.dataframe) == 2
    assert len(with_llm.requests) == 2
    follow_up = " ".join(str(m.get("content")) for m in with_llm.requests[1].messages)
    assert "How many parts are there?" in follow_up                  # the earlier turn went along
    at.button(key="new_conversation").click().run()
    assert_no_traceback(at)
    assert len(at.dataframe) == 0
    assert any(b.key == "example_0" for b in at.button)


def test_a_question_the_model_asked_back_goes_with_the_next_question(with_llm: StubLlmServer) -> None:
    with_llm.script("QUESTION: Do you mean parts of every size, or only the large ones?",
                    "```sql\nSELECT COUNT(*) AS parts FROM part\n```")
    at = start()
    ask(at, "How many parts are there?")
    assert any("every size" in t for t in texts(at.markdown) + texts(at.info) + texts(at.warning))
    ask(at, "every size")
    assert len(with_llm.requests) == 2 and len(at.dataframe) == 1
    second = " ".join(str(m.get("content")) for m in with_llm.requests[1].messages)
    assert "How many parts are there?" in second and "Do you mean parts of every size" in second


def test_thumbs_promote_and_the_same_question_comes_back_trusted(with_llm: StubLlmServer, data_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "editor")
    monkeypatch.setenv("NL2SQL_EDITORS", "editor")
    with_llm.script(PARTS_SQL)
    at = start()
    ask(at, "How many parts are there?")
    assert not at.success                                           # an LLM answer is not trusted
    at.text_input(key="comment_0").input("exactly what I needed")
    at.button(key="up_0").click().run()
    assert_no_traceback(at)
    assert any("feedback was saved" in t for t in texts(at.caption))

    entries = FeedbackStore(data_dir / "feedback.sqlite").list()
    assert [(e.question, e.rating, e.comment) for e in entries] == [
        ("How many parts are there?", "up", "exactly what I needed")]
    assert entries[0].meta["generator"] == "llm"

    at.sidebar.radio(key="view").set_value("Feedback editor").run()
    assert_no_traceback(at)
    at.button(key=f"promote_{entries[0].id}").click().run()
    assert_no_traceback(at)
    assert any("now a verified question" in t for t in texts(at.success))

    at.sidebar.radio(key="view").set_value("Ask").run()
    at.button(key="new_conversation").click().run()
    ask(at, "how many parts are there")
    assert len(with_llm.requests) == 1                              # answered without the LLM
    assert any("Trusted answer" in t for t in texts(at.success))
    assert "Trusted verified query" in " ".join(texts(at.markdown))


def test_thumbs_down_with_a_comment_is_stored(with_llm: StubLlmServer, data_dir: Path) -> None:
    with_llm.script(PARTS_SQL)
    at = start()
    ask(at, "How many parts are there?")
    at.text_input(key="comment_0").input("I meant suppliers")
    at.button(key="down_0").click().run()
    assert_no_traceback(at)
    (entry,) = FeedbackStore(data_dir / "feedback.sqlite").list()
    assert (entry.rating, entry.comment, entry.sql is not None) == ("down", "I meant suppliers", True)


def test_llm_down_is_a_friendly_message(with_llm: StubLlmServer) -> None:
    with_llm.fail_next("503", times=5)
    at = start()
    ask(at, "How many parts are there?")
    assert len(at.error) == 1
    message = at.error[0].value
    assert not any((b.key or "").startswith(("up_", "down_")) for b in at.button)   # no rating of a failure
    assert "Traceback" not in message and "something went wrong on our side" not in message.lower()
    assert "sk-test" not in message                                  # the key never shows
    assert any("What to try" in t for t in texts(at.caption))
    assert len(at.dataframe) == 0


def test_guard_refusal_is_a_friendly_message(with_llm: StubLlmServer) -> None:
    with_llm.script("```sql\nDELETE FROM orders\n```")
    at = start()
    ask(at, "Remove every order")
    assert len(at.warning) == 1
    assert "was not run" in at.warning[0].value and "DELETE" in at.warning[0].value   # what was refused, and why
    assert any("What to try" in t for t in texts(at.caption))
    assert len(at.dataframe) == 0


def test_a_bad_setting_is_a_friendly_message(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL2SQL_DB", str(data_dir / "missing.duckdb"))
    at = start()
    assert len(at.error) == 1 and "could not start" in at.error[0].value
    assert any("What to try" in t for t in texts(at.caption))


def test_unreachable_llm_names_the_setting_and_the_sidebar_says_so(data_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:                                      # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-secret")
    monkeypatch.setenv("NL2SQL_LLM_MAX_RETRIES", "0")
    at = start()
    ask(at, "Which parts smell of lavender?")
    assert "OPENAI_BASE_URL" in " ".join(texts(at.caption))
    assert "offline engine still work" in at.error[0].value
    assert "not reachable" in " ".join(texts(at.sidebar.markdown))


def test_editor_with_no_feedback_says_so(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NL2SQL_PRINCIPAL", "editor")
    monkeypatch.setenv("NL2SQL_EDITORS", "editor")
    at = start()
    at.sidebar.radio(key="view").set_value("Feedback editor").run()
    assert_no_traceback(at)
    assert any("No feedback yet" in t for t in texts(at.info))


def test_the_app_verb_runs_streamlit_with_the_flags_as_settings(tmp_path: Path) -> None:
    from nl2sql.cli import build_parser
    from nl2sql.cli.app import app_environment, streamlit_command

    args = build_parser().parse_args(
        ["app", "--db", str(tmp_path / "w.duckdb"), "--generator", "offline", "--", "--server.port", "8502"])
    command = streamlit_command(args)
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == APP
    assert "--client.showErrorDetails=none" in command and command[-2:] == ["--server.port", "8502"]
    assert "--client.toolbarMode=viewer" in command                 # no Deploy button, no developer menu
    env = app_environment(args, base={"NL2SQL_DB_URL": "unchanged"})
    assert env["NL2SQL_DB"] == str((tmp_path / "w.duckdb").resolve())
    assert env["NL2SQL_GENERATOR"] == "offline" and env["NL2SQL_DB_URL"] == "unchanged"


def test_the_app_verb_has_help() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "nl2sql.cli", "app", "--help"], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=60)
    assert result.returncode == 0 and "streamlit run" in result.stdout


def test_sigterm_to_the_app_verb_stops_streamlit(data_dir: Path) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    parent = subprocess.Popen(
        [sys.executable, "-m", "nl2sql.cli", "app", "--", "--server.port", str(port), "--server.headless=true"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert parent.stdout is not None
    for line in parent.stdout:                                      # the event: Streamlit says it listens
        if "URL" in line or "port" in line.lower():
            break
    children = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
    assert children, "streamlit child not found"
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=60) == 0
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()


def _clarify_page() -> None:
    import streamlit as st

    from app.answer_view import render_answer
    from app.presenting import Turn
    from nl2sql.answer import Answer, Choice

    answer = Answer("revenue by date", "clarify", message="Which date did you mean?",
                    choices=(Choice("by order date", "revenue by order date"),
                             Choice("by ship date", "revenue by ship date")))

    def ask(question: str) -> None:
        st.session_state["asked"] = question

    render_answer(Turn(0, "revenue by date", answer), llm_model=None, usage_of=lambda sql: None,  # type: ignore
                  dialect="duckdb", ask=ask)


def test_clarify_choices_are_buttons_that_ask_the_choice() -> None:
    at = AppTest.from_function(_clarify_page, default_timeout=60)
    at.run()
    assert_no_traceback(at)
    assert [b.label for b in at.button] == ["Revenue by order date", "Revenue by ship date"]
    assert [b.help for b in at.button] == ["by order date", "by ship date"]
    at.button(key="choice_0_1").click().run()
    assert at.session_state["asked"] == "revenue by ship date"
