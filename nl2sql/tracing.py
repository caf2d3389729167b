"""Optional MLflow tracing: each question one trace, each pipeline step one span (``NL2SQL_MLFLOW_TRACING``).

Off by default, and then nothing here imports MLflow (the ``mlflow`` extra may be absent). On, a question
opens a root span ``question`` (inputs: the question; outputs: status, SQL, generator, rows, tokens) and
every ``_Timer.step`` of the pipeline opens a child span: ``link`` (retriever), ``read_values`` (the shortlisted
tables' values read lazily; ``lazy_values.note`` says what was not read and why), ``generate`` (the
generator as an attribute; an LLM span for the LLM, which renders its context and prompt inside it; on a big
catalog ``nl2sql.values.index_note`` says which tables its value index left out: ``llm/question_values.py``),
``guard``, ``run``, ``present``. The LLM call inside ``generate`` is traced by MLflow's own OpenAI autologging, which records
the prompt messages, the reply and the token usage as a ``CHAT_MODEL`` span (our LLM adapter is built on
the ``openai`` client); no prompt text is copied by hand.

Where traces go is MLflow's own configuration (``MLFLOW_TRACKING_URI``, ``MLFLOW_EXPERIMENT_NAME``;
``databricks`` on a workspace). With no tracking URI set, a local store under ``NL2SQL_DATA_DIR/mlruns``
(as ``nl2sql eval --mlflow`` does), so a laptop never writes into the working directory.

Which spans are open is a context variable, so concurrent questions in one process never mix their spans.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterator

from nl2sql.errors import ConfigError

if TYPE_CHECKING:
    from nl2sql.answer import Answer

log = logging.getLogger(__name__)

_ACTIVE: ContextVar[bool] = ContextVar("nl2sql_tracing", default=False)
_SETUP_LOCK = threading.Lock()
_SET_UP: list[str] = []                     # the data dir the process-wide MLflow setup was done for

GENERATORS = ("verified", "offline", "llm")
# pipeline step -> (span name, MLflow span type)
SPANS: dict[str, tuple[str, str]] = {
    "link": ("link", "RETRIEVER"),
    "values": ("read_values", "RETRIEVER"),
    "render": ("render_context", "CHAIN"),
    "prompt": ("prompt", "CHAIN"),
    "verified": ("generate", "CHAIN"),
    "offline": ("generate", "CHAIN"),
    "llm": ("generate", "LLM"),
    "guard": ("guard", "PARSER"),
    "run": ("run", "TOOL"),
    "present": ("present", "CHAIN"),
}


def span_for(step: str) -> tuple[str, str, dict[str, str]]:
    """(span name, span type, attributes) of a pipeline step.

    >>> span_for("llm"), span_for("guard")
    (('generate', 'LLM', {'nl2sql.step': 'llm', 'generator': 'llm'}), ('guard', 'PARSER', {'nl2sql.step': 'guard'}))
    """
    name, kind = SPANS.get(step, (step, "UNKNOWN"))
    attributes = {"nl2sql.step": step}
    if step in GENERATORS:
        attributes["generator"] = step
    return name, kind, attributes


def answer_outputs(answer: "Answer") -> dict[str, Any]:
    """What the root span records as the question's outcome: never the rows themselves, only their count."""
    return {"status": answer.status, "sql": answer.sql, "generator": answer.generator, "row_count": len(answer.rows),
            "error_code": answer.error_code, "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens}


def _ignore(answer: "Answer") -> None:
    return None


@contextmanager
def question_trace(question: str, *, enabled: bool, data_dir: Path) -> Iterator[Callable[["Answer"], None]]:
    """One trace for one question; yields ``record(answer)`` that sets the trace's outputs.

    Disabled: a no-op that imports nothing.
    """
    if not enabled:
        yield _ignore
        return
    mlflow = _set_up(data_dir)
    with mlflow.start_span(name="question", span_type="CHAIN") as span:
        span.set_inputs({"question": question})
        token = _ACTIVE.set(True)
        try:
            yield lambda answer: span.set_outputs(answer_outputs(answer))
        finally:
            _ACTIVE.reset(token)


@contextmanager
def step_span(step: str) -> Iterator[None]:
    """A child span for one pipeline step, inside a question's trace; a no-op outside one."""
    if not _ACTIVE.get():
        yield
        return
    import mlflow

    name, kind, attributes = span_for(step)
    with mlflow.start_span(name=name, span_type=kind, attributes=attributes):
        yield


def note(key: str, value: str) -> None:
    """An attribute on the current step's span (why a step did less than it could); a no-op outside a trace."""
    if not _ACTIVE.get():
        return
    import mlflow

    span = mlflow.get_current_active_span()
    if span is not None:
        span.set_attribute(key, value)


def _set_up(data_dir: Path) -> Any:
    """Import MLflow, pick the local store when none is configured, and turn on OpenAI autologging; once."""
    try:
        import mlflow
    except ImportError:
        raise ConfigError("NL2SQL_MLFLOW_TRACING is on but MLflow is not installed.",
                          hint="pip install 'lakehouse-nl2sql[mlflow]', or set NL2SQL_MLFLOW_TRACING=false.") from None
    with _SETUP_LOCK:
        if str(data_dir) in _SET_UP:
            return mlflow
        from mlflow.environment_variables import MLFLOW_TRACKING_URI

        if not MLFLOW_TRACKING_URI.is_set():
            from nl2sql.eval.mlflow_log import _local_store  # the eval's local store: SQLite or the file store

            try:
                _local_store(mlflow, data_dir / "mlruns", "nl2sql-questions")
            except Exception as e:
                raise ConfigError(f"MLflow tracing could not open its local store in {data_dir / 'mlruns'}: "
                                  f"{type(e).__name__}.", hint="Set MLFLOW_TRACKING_URI, or NL2SQL_MLFLOW_TRACING=false.") from e
        try:
            mlflow.openai.autolog()           # the prompt, the reply and the token usage of each LLM call
        except Exception as e:
            log.warning("MLflow OpenAI autologging unavailable (%s); LLM calls are traced without their prompt",
                        type(e).__name__)
        _SET_UP.append(str(data_dir))
    return mlflow
