"""Ask your data: the Streamlit app over ``nl2sql.pipeline.Assistant``.

Run with ``nl2sql app`` (or ``streamlit run app/streamlit_app.py``). Settings come from the environment
(``Settings.from_env()``); the assistant is built once per settings and shared by every session.
Every failure is a friendly message with something to try; tracebacks only reach the server log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

import streamlit as st

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # `streamlit run` adds app/, not the repo
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.answer_view import render_answer  # noqa: E402
from app.databricks_user import for_request, show_identity  # noqa: E402
from app.feedback_view import render_editor, render_thumbs  # noqa: E402
from app.presenting import Turn, history  # noqa: E402
from nl2sql.errors import UserFacingError  # noqa: E402
from nl2sql.explain import SqlUsage, sql_usage  # noqa: E402
from nl2sql.pipeline import Assistant  # noqa: E402
from nl2sql.settings import Settings  # noqa: E402

log = logging.getLogger("nl2sql.app")
VIEWS = ("Ask", "Feedback editor")


@st.cache_resource(show_spinner="Opening the warehouse…")
def _assistant(settings_key: str, _settings: Settings) -> Assistant:
    """One assistant per distinct settings (the key), shared across sessions; it holds no mutable state."""
    return Assistant.from_settings(_settings)


def _settings_key(settings: Settings) -> str:
    return hashlib.sha256(json.dumps(asdict(settings), sort_keys=True, default=str).encode()).hexdigest()


def _open() -> Assistant:
    try:
        settings = Settings.from_env()
        return for_request(_assistant(_settings_key(settings), settings))   # the user's own, on Databricks Apps
    except UserFacingError as e:
        st.error(f"The app could not start: {e.message}")
        st.caption(f"**What to try:** {e.hint or 'Check the settings (environment variables) and restart the app.'}")
    except Exception:
        log.exception("could not build the assistant")
        st.error("The app could not open the warehouse.")
        st.caption("**What to try:** check the warehouse settings and the server log, then restart the app.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _sidebar(assistant: Assistant) -> str:
    with st.sidebar:
        st.title("Ask your data")
        view = st.radio("View", VIEWS, key="view", label_visibility="collapsed")
        st.button("New conversation", key="new_conversation", on_click=_new_conversation, type="primary")
        st.divider()
        warehouse = assistant.warehouse
        st.markdown(f"**Warehouse:** {assistant.model.name} ({warehouse.name}, {warehouse.dialect})")
        st.markdown(f"**Generator policy:** {assistant.settings.generator} "
                    f"({' → '.join(assistant.generator_order())})")
        st.markdown(f"**Model:** {assistant.llm.model if assistant.llm else 'none (offline engine only)'}")
        if assistant.principal is not None:
            st.markdown(f"**Asking as:** {assistant.principal.name} (sees {len(assistant.model.tables)} tables)")
        st.caption(f"{len(assistant.model.tables)} tables · {len(assistant.model.metrics)} metrics · "
                   f"feedback {'on' if assistant.feedback else 'off'}")
    return str(view)


def _new_conversation() -> None:
    st.session_state["turns"] = []
    st.session_state.pop("pending", None)


def _ask_example(question: str) -> None:
    st.session_state["pending"] = question


def _ask_typed() -> None:
    typed = st.session_state.get("question_box")
    if typed and str(typed).strip():
        st.session_state["pending"] = str(typed).strip()


def _ask_view(assistant: Assistant) -> None:
    turns: list[Turn] = st.session_state.setdefault("turns", [])
    pending = st.session_state.pop("pending", None)
    if not turns and not pending:
        st.markdown(f"### Ask a question about {assistant.model.name}")
        if assistant.model.description:
            st.caption(assistant.model.description)
        for i, example in enumerate(assistant.model.example_questions):
            st.button(example, key=f"example_{i}", on_click=_ask_example, args=(example,))

    def usage_of(sql: str) -> SqlUsage:
        return sql_usage(sql, dialect=assistant.warehouse.dialect, model=assistant.model)

    llm_model = assistant.llm.model if assistant.llm else None
    for turn in turns:
        _render_turn(turn, assistant, llm_model, usage_of)
    if pending:
        with st.chat_message("user"):
            st.markdown(pending)
        with st.chat_message("assistant"), st.spinner("Working on it…"):
            answer = assistant.ask(pending, history(turns))   # never raises for user-facing failures
        turn = Turn(id=st.session_state.get("next_turn", 0), question=pending, answer=answer)
        st.session_state["next_turn"] = turn.id + 1
        turns.append(turn)
        st.rerun()                                  # draw the new turn with its own widgets
    st.chat_input("Ask a question, or a follow-up…", key="question_box", on_submit=_ask_typed)


def _render_turn(turn: Turn, assistant: Assistant, llm_model: str | None, usage_of: object) -> None:
    with st.chat_message("user"):
        st.markdown(turn.question)
    with st.chat_message("assistant"):
        render_answer(turn, llm_model=llm_model, usage_of=usage_of,  # type: ignore[arg-type]
                      dialect=assistant.warehouse.dialect)
        render_thumbs(turn, assistant.feedback)


def _flash() -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])


def main() -> None:
    st.set_page_config(page_title="Ask your data", page_icon="📊", layout="wide")
    assistant = _open()
    view = _sidebar(assistant)
    show_identity(assistant)
    _flash()
    try:
        if view == "Ask":
            _ask_view(assistant)
        else:
            render_editor(assistant.feedback)
    except UserFacingError as e:
        st.error(e.message)
        st.caption(f"**What to try:** {e.hint or 'Try again, or start a new conversation.'}")
    except Exception:  # st.rerun/st.stop are BaseExceptions and pass through
        log.exception("the app failed while drawing the page")
        st.error("Something went wrong on our side. Please try again, or start a new conversation.")


main()
