"""Settings: parsed from the environment, documented in the README, and never leaking the key."""

from __future__ import annotations

from dataclasses import fields

import pytest

from nl2sql.errors import ConfigError
from nl2sql.settings import ENV_VARS, Settings
from tests.conftest import REPO_ROOT


def test_every_setting_has_an_environment_variable() -> None:
    assert {f.name for f in fields(Settings)} == set(ENV_VARS)


def test_readme_documents_every_environment_variable() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [var for var, _ in ENV_VARS.values() if f"`{var}`" not in readme]
    assert not missing, f"README.md does not document {missing}"


def test_from_env_parses_types_and_defaults() -> None:
    s = Settings.from_env({"NL2SQL_MAX_ROWS": "50", "NL2SQL_SEND_DATA_TO_LLM": "false", "NL2SQL_LLM_TIMEOUT_S": "2.5"})
    assert (s.max_rows, s.send_data_to_llm, s.llm_timeout_s) == (50, False, 2.5)
    assert Settings.from_env({}).max_rows == 1_000
    assert not Settings.from_env({}).llm_configured


@pytest.mark.parametrize(
    "env",
    [{"NL2SQL_MAX_ROWS": "many"}, {"NL2SQL_SEND_DATA_TO_LLM": "perhaps"}, {"NL2SQL_GENERATOR": "magic"}],
)
def test_bad_values_are_a_config_error_naming_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as e:
        Settings.from_env(env)
    assert next(iter(env)) in str(e.value)


def test_repr_hides_the_api_key() -> None:
    s = Settings.from_env({"OPENAI_API_KEY": "sk-secret-123"})
    assert "sk-secret-123" not in repr(s)
    assert s.llm_configured
