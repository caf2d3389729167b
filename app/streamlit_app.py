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
import uuid
from dataclasses import asdict
from pathlib import Path

import streamlit as st

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # `streamlit run` adds app/, not the repo
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.answer_view import UsageOf, render_answer
from app.databricks_user import for_request, show_identity
from app.feedback_view import render_editor, render_thumbs
from app.presenting import Turn, clip, history, llm_down, sources, turn_from_dict, turn_to_dict
from app.turn_extras import extras
from catalog_semantics.scope import parse_scope
from nl2sql.conversations import ConversationStore
from nl2sql.errors import UserFacingError
from nl2sql.explain import SqlUsage, sql_usage
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings

log = logging.getLogger("nl2sql.app")
VIEWS = ("Ask", "Feedback editor")


def who_is_asking(assistant: Assistant) -> str | None:
    """The principal asking: the assistant's (NL2SQL_PRINCIPAL, or one a sign-in plugs in), else none."""
    if assistant.principal is not None:
        return assistant.principal.name
    return assistant.settings.principal


@st.cache_resource(show_spinner="Opening the warehouse…")
def _assistant(settings_key: str, _settings: Settings) -> Assistant:
    """One assistant per distinct settings (the key), shared across sessions; it holds no per-user state (each
    session passes its own unanswered turns in the history, so the assistant's memory of them is off)."""
    return Assistant.from_settings(_settings, remember_unanswered=False)


@st.cache_resource(show_spinner="Narrowing the catalog…")
def _scoped(settings_key: str, scope: tuple[str, ...], _assistant: Assistant) -> Assistant:
    """The configured assistant asking across another scope (the sidebar's), shared by sessions that chose it."""
    return _assistant.with_scope(scope or None)


def _schemas(assistant: Assistant) -> list[str]:
    return sorted({".".join(p for p in (t.catalog, t.schema) if p) for t in assistant.full_model.tables} - {""})


def _in_scope(assistant: Assistant, settings_key: str) -> Assistant:
    """The session's scope: the sidebar's entry (catalogs, schemas or tables), else NL2SQL_SCOPE's."""
    configured = ", ".join(assistant.scope or ())
    text = st.session_state.setdefault("scope_text", configured)
    st.session_state.pop("scope_error", None)
    scope = parse_scope(text)
    if scope == assistant.scope:
        return assistant
    try:
        return _scoped(settings_key, scope or (), assistant)
    except UserFacingError as e:                        # names no table: keep the configured scope, say why
        st.session_state["scope_error"] = e
        return assistant


@st.cache_resource
def _conversation_store(path: str) -> ConversationStore | None:
    try:
        return ConversationStore(path)
    except UserFacingError:
        log.exception("conversations will not be kept")
        return None


def _conversations(assistant: Assistant) -> ConversationStore | None:
    """Kept beside the feedback store (the data directory)."""
    return _conversation_store(str(assistant.settings.resolved_data_dir() / "conversations.sqlite"))


def _owner(assistant: Assistant) -> str | None:
    """Whose conversations to keep: the signed-in principal. Anonymous users share one history only when
    the app is opened on this machine (localhost); on a shared server an anonymous session keeps none, so
    nobody sees another's questions."""
    who = who_is_asking(assistant)
    if who:
        return who
    try:
        host = (st.context.headers.get("Host") or "").split(":")[0]
    except Exception:                                   # no request context (AppTest): a local run
        host = "localhost"
    return "local user" if host in ("localhost", "127.0.0.1", "::1", "[::1]", "") else None


def _settings_key(settings: Settings) -> str:
    return hashlib.sha256(json.dumps(asdict(settings), sort_keys=True, default=str).encode()).hexdigest()


def _open() -> Assistant:
    try:
        settings = Settings.from_env()
        key = _settings_key(settings)
        scoped = _in_scope(_assistant(key, settings), key)
        return for_request(scoped)                       # the user's own, on Databricks Apps
    except UserFacingError as e:
        st.error(f"The app could not start: {e.message}")
        st.caption(f"**What to try:** {e.hint or 'Check the settings (environment variables) and restart the app.'}")
    except Exception:
        log.exception("could not build the assistant")
        st.error("The app could not open the warehouse.")
        st.caption("**What to try:** check the warehouse settings and the server log, then restart the app.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _sidebar(assistant: Assistant, editor: bool) -> str:
    with st.sidebar:
        st.title("Ask your data")
        view = st.radio("View", VIEWS, key="view", label_visibility="collapsed") if editor else VIEWS[0]
        st.button("New conversation", key="new_conversation", on_click=_new_conversation, type="primary")
        st.divider()
        model = assistant.model
        st.markdown(f"**Data:** {model.name}" + (f" — {model.description}" if model.description else ""))
        schemas = _schemas(assistant)
        if len(schemas) > 1:                            # a catalog of several schemas: choose where to ask
            st.text_input("Ask across", key="scope_text", placeholder=f"{schemas[0]}.*, {schemas[-1]}.*",
                          help="Catalogs, schemas or tables, comma-separated, with * wildcards (sales.*, "
                          "samples.tpch.orders). Empty: the whole warehouse.")
            error = st.session_state.get("scope_error")
            if error is not None:
                st.error(error.message)
                st.caption(error.hint or "")
            st.caption(f"{len(model.tables):,} of {len(assistant.full_model.tables):,} tables")
        st.markdown(f"**Answers come from:** {sources(assistant.generator_order())}")
        if assistant.llm is not None:
            if st.session_state.get("llm_down"):
                st.markdown("**Language model:** :red[not reachable] — ask whoever runs this app to check "
                            "OPENAI_BASE_URL")
            else:
                st.markdown("**Language model:** on")
        who = who_is_asking(assistant)
        if who:
            st.markdown(f"**Signed in as:** {who}" + (" (editor)" if editor else ""))
        if len(model.example_questions) and st.session_state.get("turns"):
            with st.expander("Example questions"):
                for i, example in enumerate(model.example_questions):
                    st.button(example, key=f"side_example_{i}", on_click=_ask_example, args=(example,))
        store, owner = _conversations(assistant), _owner(assistant)
        saved = store.list(owner) if store and owner else ()
        if saved:
            st.markdown("**Your conversations**")
            for conv in saved:
                st.button(clip(conv.title, 60), key=f"conversation_{conv.id}", on_click=_open_conversation,
                          args=(store, owner, conv.id), type="tertiary")
    return str(view)


def _open_conversation(store: ConversationStore, owner: str, conversation_id: str) -> None:
    turns = [turn_from_dict(t) for t in store.load(owner, conversation_id)]
    st.session_state["turns"] = turns
    st.session_state["conversation_id"] = conversation_id
    st.session_state["next_turn"] = max((t.id for t in turns), default=-1) + 1
    st.session_state.pop("pending", None)


def _save_conversation(assistant: Assistant, turns: list[Turn]) -> None:
    store, owner = _conversations(assistant), _owner(assistant)
    if store is None or owner is None or not turns:
        return
    conversation_id = st.session_state.setdefault("conversation_id", uuid.uuid4().hex)
    try:
        store.save(owner, conversation_id, turns[0].question, [turn_to_dict(t) for t in turns])
    except Exception:                               # keeping history is a courtesy: never lose the answer for it
        log.exception("could not save the conversation")


def _new_conversation() -> None:
    st.session_state["turns"] = []
    st.session_state.pop("pending", None)
    st.session_state.pop("conversation_id", None)


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
            st.text(clip(pending))
        with st.chat_message("assistant"), st.spinner("Working on it…"):
            answer = assistant.ask(pending, history(turns))   # never raises for user-facing failures
            followups, corrected = extras(assistant, answer)
        if assistant.llm is not None:
            st.session_state["llm_down"] = llm_down(answer) or (
                bool(st.session_state.get("llm_down")) and answer.generator != "llm")
        turn = Turn(id=st.session_state.get("next_turn", 0), question=pending, answer=answer,
                    followups=followups, did_you_mean=corrected)
        st.session_state["next_turn"] = turn.id + 1
        turns.append(turn)
        _save_conversation(assistant, turns)
        st.rerun()                                  # draw the new turn with its own widgets
    st.chat_input("Ask a question, or a follow-up…", key="question_box", on_submit=_ask_typed)


def _render_turn(turn: Turn, assistant: Assistant, llm_model: str | None, usage_of: UsageOf) -> None:
    with st.chat_message("user"):
        st.text(clip(turn.question))
    with st.chat_message("assistant"):
        render_answer(turn, llm_model=llm_model, usage_of=usage_of,
                      dialect=assistant.warehouse.dialect, ask=_ask_example)
        if turn.answer.ok:                          # a rating is about an answer, not about a failure
            render_thumbs(turn, assistant.feedback)


def _flash() -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])


def main() -> None:
    st.set_page_config(page_title="Ask your data", page_icon="📊", layout="wide")
    assistant = _open()
    editor = assistant.settings.is_editor(who_is_asking(assistant))
    view = _sidebar(assistant, editor)
    show_identity(assistant)
    _flash()
    try:
        if view == "Ask" or not editor:
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
