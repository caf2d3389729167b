"""MLflow tracing of questions (NL2SQL_MLFLOW_TRACING): one trace per question, a span per pipeline step.

Traces go to a real local MLflow store in a temporary NL2SQL_DATA_DIR (the file store mlflow-skinny writes, or
SQLite where MLflow's SQL backend is installed) and are read back with MLflow's own client. The LLM is the real
``OpenAiLlm`` talking to the local stub server. Skipped when the ``mlflow`` extra is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from nl2sql.adapters.openai_llm import OpenAiLlm
from nl2sql.pipeline import Assistant
from nl2sql.settings import Settings
from tests.llm_stub import StubLlmServer

REPO = Path(__file__).resolve().parent.parent
SQL = "SELECT r_name, COUNT(*) AS nations FROM region JOIN nation ON n_regionkey = r_regionkey GROUP BY r_name"


def read_trace(mlflow: Any, trace_id: str) -> Any:
    if hasattr(mlflow, "flush_trace_async_logging"):
        mlflow.flush_trace_async_logging()
    return mlflow.get_trace(trace_id)


@pytest.fixture
def mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    module = pytest.importorskip("mlflow")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    # Traces written as they end, not by mlflow's background queue: what is read back is the same, and a test
    # does not wait out the queue's polling (about 3 s a trace here).
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    return module


def test_an_llm_question_is_one_trace_with_a_span_per_step(mlflow: Any, tmp_path: Path, demo_model: Any,
                                                           demo_warehouse: Any) -> None:
    with StubLlmServer(responder=lambda body: f"```sql\n{SQL}\n```") as stub:
        settings = Settings(llm_base_url=stub.url, llm_api_key="sk-trace-secret-0001", llm_model="stub",
                            llm_timeout_s=5.0, llm_max_retries=0, generator="llm", mlflow_tracing=True,
                            data_dir=str(tmp_path))
        assistant = Assistant(demo_model, demo_warehouse, settings, llm=OpenAiLlm.from_settings(settings))
        answer = assistant.ask("How many nations are in each region?")
    assert answer.status == "answered", answer.message
    trace = read_trace(mlflow, mlflow.get_last_active_trace_id())
    spans = {s.name: s for s in trace.data.spans}
    root = next(s for s in trace.data.spans if s.parent_id is None)
    assert root.name == "question"
    assert root.inputs == {"question": "How many nations are in each region?"}
    assert root.outputs["status"] == "answered" and root.outputs["sql"] == answer.sql
    assert {"link", "generate", "guard", "run", "present"} <= set(spans)   # the prompt: in the LLM call span
    by_parent = {s.span_id: s for s in trace.data.spans}
    for name in ("link", "guard", "run", "present"):
        assert by_parent[spans[name].parent_id].name == "question", name
    generates = [s for s in trace.data.spans if s.name == "generate"]
    llm_step = next(s for s in generates if s.attributes.get("generator") == "llm")
    assert llm_step.span_type == "LLM"
    # The LLM call itself, by MLflow's OpenAI autologging: the prompt messages and the token usage.
    calls = [s for s in trace.data.spans if s.parent_id == llm_step.span_id]
    assert calls, "the LLM call is not traced under generate"
    call = calls[0]
    messages = call.inputs["messages"]
    assert messages[0]["role"] == "system" and "How many nations are in each region?" in messages[-1]["content"]
    assert "region" in json.dumps(messages)                                      # the rendered schema context
    usage = call.attributes.get("mlflow.chat.tokenUsage") or {}
    assert usage.get("input_tokens", 0) > 0 and usage.get("output_tokens", 0) > 0
    assert root.outputs["prompt_tokens"] == answer.prompt_tokens > 0
    assert "sk-trace-secret-0001" not in trace.to_json()                         # the key never reaches the trace
    assert (tmp_path / "mlruns").is_dir()                                         # the local store, not the cwd


def test_an_offline_question_and_a_failed_one_each_make_their_own_trace(mlflow: Any, tmp_path: Path,
                                                                         demo_model: Any, demo_warehouse: Any) -> None:
    settings = Settings(generator="offline", mlflow_tracing=True, data_dir=str(tmp_path))
    assistant = Assistant(demo_model, demo_warehouse, settings)
    first = assistant.ask("total revenue by region")
    first_id = mlflow.get_last_active_trace_id()
    assert first.status == "answered"
    spans = read_trace(mlflow, first_id).data.spans
    names = [s.name for s in spans]
    assert names.count("question") == 1 and {"link", "generate", "guard", "run", "present"} <= set(names)
    assert {s.attributes.get("generator") for s in spans if s.name == "generate"} >= {first.generator}
    assistant.ask("zzzz qqqq")                                    # abstains: still one trace, its own
    second_id = mlflow.get_last_active_trace_id()
    assert second_id != first_id
    second = read_trace(mlflow, second_id)
    root = next(s for s in second.data.spans if s.parent_id is None)
    assert root.outputs["status"] in ("abstained", "clarify") and "run" not in {s.name for s in second.data.spans}


def test_tracing_off_imports_nothing_of_mlflow(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from nl2sql import pipeline, tracing\n"
        "from nl2sql.settings import Settings\n"
        "assert Settings.from_env({}).mlflow_tracing is False\n"
        "with tracing.question_trace('q', enabled=False, data_dir=Path('.')) as record:\n"
        "    with tracing.step_span('link'):\n"
        "        pass\n"
        "    record(None)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NL2SQL_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_tracing_on_without_mlflow_is_a_clear_config_error(tmp_path: Path, demo_model: Any, demo_warehouse: Any) -> None:
    code = (
        "import sys\n"
        "sys.modules['mlflow'] = None          # as if the extra were not installed\n"
        "from pathlib import Path\n"
        "from nl2sql import tracing\n"
        "from nl2sql.errors import ConfigError\n"
        "try:\n"
        "    with tracing.question_trace('q', enabled=True, data_dir=Path('.')):\n"
        "        pass\n"
        "except ConfigError as e:\n"
        "    print(e.hint)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "NL2SQL_MLFLOW_TRACING=false" in out.stdout and "[mlflow]" in out.stdout


def test_the_setting_is_read_from_the_environment() -> None:
    assert Settings.from_env({"NL2SQL_MLFLOW_TRACING": "true"}).mlflow_tracing is True
    assert replace(Settings(), mlflow_tracing=True).mlflow_tracing
