"""Secret scrubbing: credential shapes, known values, and the logging filter."""

from __future__ import annotations

import io
import logging

import pytest

from nl2sql.redact import MASK, RedactingFilter, install, redact

SECRETS = [
    ("sk-abcdefghijklmnopqrstuvwxyz012345", "openai key"),
    ("sk-proj-AbC_dEf-0123456789abcdefghij", "openai project key"),
    ("dapi0123456789abcdef0123456789abcdef-2", "databricks token"),
    ("dapi0123ab9f", "databricks token cut short"),
    ("dose7c4e02d1a9", "databricks oauth secret cut short"),
    ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github token"),
    ("AKIAIOSFODNN7EXAMPLE", "aws key id"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt"),
]


@pytest.mark.parametrize(("secret", "what"), SECRETS, ids=[w for _, w in SECRETS])
def test_credential_shapes_are_masked_in_any_sentence(secret: str, what: str) -> None:
    for template in ("{s}", "key {s} rejected", "Error: '{s}'.", "x={s}&y=1", '{{"key": "{s}"}}'):
        out = redact(template.format(s=secret))
        assert secret not in out and MASK in out, (what, template, out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer ***"),
        ("postgresql://etl:Pa55w0rd@db.internal:5432/sales", "postgresql://etl:***@db.internal:5432/sales"),
        ("https://host/x?user=bob&password=hunter2&x=1", "https://host/x?user=bob&password=***&x=1"),
        ('{"api_key": "abc123xyz"}', '{"api_key": "***"}'),
        ("client_secret=s3cr3t, next", "client_secret=***, next"),
        ("pwd: letmein", "pwd: ***"),
    ],
)
def test_named_credentials_keep_their_name(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SELECT o_orderkey, SUM(l_extendedprice) FROM orders GROUP BY 1",
        "prompt_tokens: 120, completion_tokens: 14, max_tokens=1024",
        "The task-management skill is in sk-8 room",            # short sk- strings are not keys
        "SELECT dosefaced, dapi12, dose_mg FROM doses",          # dapi/dose words without a hex token
        "https://api.openai.com/v1/chat/completions returned 429",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_known_secret_values_of_any_shape() -> None:
    assert redact("connecting with tok3n-of-any-shape!", secrets=["tok3n-of-any-shape!"]) == "connecting with ***"
    assert redact("abc", secrets=["abc"]) == "abc"           # too short to hunt for without wrecking text
    assert redact("k", secrets=[None, ""]) == "k"
    # the longest secret first, so no fragment of it survives
    assert redact("AAAABBBB", secrets=["AAAA", "AAAABBBB"]) == MASK


def _capture(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    logger = logging.getLogger(f"test.redact.{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_filter_scrubs_messages_args_and_tracebacks() -> None:
    logger, stream = _capture(["my-org-secret-value"])
    logger.warning("calling %s with key %s", "https://u:pw12345@host/v1", "sk-abcdefghijklmnopqrstuvwxyz")
    try:
        raise RuntimeError("server said: Incorrect API key provided: my-org-secret-value")
    except RuntimeError:
        logger.exception("call failed")
    out = stream.getvalue()
    assert "pw12345" not in out and "sk-abcdefghijklmnopqrstuvwxyz" not in out
    assert "my-org-secret-value" not in out
    assert "Traceback" in out and "Incorrect API key provided: ***" in out
    assert "calling https://u:***@host/v1 with key ***" in out


def test_install_adds_the_filter_to_every_handler_of_a_logger() -> None:
    logger, stream = _capture([])
    logger.handlers[0].filters.clear()
    install(["hidden-value-123"], logger=logger)
    logger.error("value is hidden-value-123")
    assert stream.getvalue().strip() == "ERROR value is ***"
