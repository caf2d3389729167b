"""Thumbs up/down with a comment on every answer, and the editor view that promotes good answers."""

from __future__ import annotations

import logging

import streamlit as st

from app.presenting import Turn, answer_meta
from nl2sql.errors import UserFacingError
from nl2sql.feedback import FeedbackStore, Rating

log = logging.getLogger(__name__)
_SHOWN_RATING: dict[str, Rating] = {"good answers": "up", "wrong answers": "down"}   # the editor's filter; "all": none


def render_thumbs(turn: Turn, store: FeedbackStore | None) -> None:
    if store is None:
        return
    if turn.rating:
        verdict = "a good answer" if turn.rating == "up" else "a wrong answer"
        st.caption(f"Thanks, your feedback was saved (marked as {verdict}).")
        return
    comment_key = f"comment_{turn.id}"
    # Material icons ship with Streamlit, so they render even where no emoji font is installed.
    left, middle, right = st.columns([2, 2, 6])
    left.button("Good answer", icon=":material/thumb_up:", key=f"up_{turn.id}", on_click=_rate,
                args=(turn.id, store, "up", comment_key))
    middle.button("Wrong answer", icon=":material/thumb_down:", key=f"down_{turn.id}", on_click=_rate,
                  args=(turn.id, store, "down", comment_key))
    right.text_input("Comment (optional)", key=comment_key, label_visibility="collapsed",
                     placeholder="Optional comment, then rate the answer")


def _rate(turn_id: int, store: FeedbackStore, rating: Rating, comment_key: str) -> None:
    turn = next((t for t in st.session_state.get("turns", []) if t.id == turn_id), None)
    if turn is None:                                   # the conversation was reset meanwhile
        return
    try:
        turn.feedback_id = store.record(
            turn.question, turn.answer.sql, rating,
            comment=st.session_state.get(comment_key) or None, answer_meta=answer_meta(turn.answer),
        )
        turn.rating = rating
    except UserFacingError as e:
        st.session_state["flash"] = ("error", e.message)
    except Exception:  # a bug of ours: log it, never show a traceback
        log.exception("could not record feedback")
        st.session_state["flash"] = ("error", "Your feedback could not be saved. Please try again.")


def render_editor(store: FeedbackStore | None) -> None:
    st.header("Feedback editor")
    if store is None:
        st.info("Feedback is not available: the data directory could not be opened.")
        return
    st.caption("Promote a good answer to make it a verified question→SQL pair: "
               "the same question is then answered from it and labelled trusted.")
    rating = st.radio("Show", ("all", "good answers", "wrong answers"), horizontal=True, key="editor_filter")
    wanted = _SHOWN_RATING.get(rating)
    entries = store.list(rating=wanted)
    if not entries:
        st.info("No feedback yet. Rate answers in the Ask view.")
    for entry in entries:
        with st.container(border=True):
            icon = ":material/thumb_up:" if entry.rating == "up" else ":material/thumb_down:"
            st.markdown(f"{icon} **{entry.question}**")
            meta = entry.meta
            st.caption(f"{entry.created_at} · answered by {meta.get('generator', '?')} · "
                       f"{meta.get('rows', '?')} rows" + (f" · “{entry.comment}”" if entry.comment else ""))
            if entry.sql:
                st.code(entry.sql, language="sql")
            if entry.promoted:
                st.caption(":material/verified: Verified")
            elif entry.sql:
                st.button("Promote to verified", key=f"promote_{entry.id}", on_click=_promote,
                          args=(store, entry.id))
    verified = store.verified_queries()
    if verified:
        st.subheader("Verified questions added here")
        for i, query in enumerate(verified):
            left, right = st.columns([8, 2])
            left.markdown(f"**{query.question}**")
            right.button("Remove", key=f"unpromote_{i}", on_click=_unpromote, args=(store, query.question))


def _promote(store: FeedbackStore, feedback_id: int) -> None:
    try:
        query = store.promote(feedback_id)
        st.session_state["flash"] = ("success", f"“{query.question}” is now a verified question.")
    except UserFacingError as e:
        st.session_state["flash"] = ("error", e.message)
    except Exception:  # a bug of ours: log it, never show a traceback
        log.exception("could not promote feedback %s", feedback_id)
        st.session_state["flash"] = ("error", "The answer could not be promoted. Please try again.")


def _unpromote(store: FeedbackStore, question: str) -> None:
    try:
        store.unpromote(question)
    except UserFacingError as e:
        st.session_state["flash"] = ("error", e.message)
    except Exception:
        log.exception("could not remove a verified question")
        st.session_state["flash"] = ("error", "The verified question could not be removed. Please try again.")
