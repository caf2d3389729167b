"""LLM adapter: any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI v1, Databricks Model Serving, vLLM, Ollama).

The ``openai`` package does the HTTP; it is built with ``max_retries=0`` so retrying is ours: bounded
attempts, exponential backoff with jitter, ``Retry-After`` honoured up to a cap. Every failure leaves this
module as ``LlmUnavailable`` (could not get an answer: network, timeout, 429, 5xx, rejected key) or
``LlmReplyError`` (got an answer we cannot use: malformed JSON, no choices, empty text). Messages are
passed through ``redact`` with the key, so the key never reaches an exception, a log line or the UI.

Decision: a malformed 200 body is an ``LlmReplyError`` and is not retried. The endpoint *did* answer; a
body that is not a chat completion almost always means a wrong ``OPENAI_BASE_URL`` (an HTML page, a proxy),
which retrying would only make slower to report.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import openai

from nl2sql.errors import ConfigError, InternalError, LlmReplyError, LlmUnavailable
from nl2sql.ports import Completion, Message
from nl2sql.redact import redact

if TYPE_CHECKING:
    from nl2sql.settings import Settings

log = logging.getLogger(__name__)

OPENAI_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"                 # local servers (vLLM, Ollama) accept any key; the SDK wants one
RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class Backoff:
    """How long to wait between attempts: ``base_s * 2**n`` plus up to 50% jitter, never above ``max_s``.

    A server's ``Retry-After`` replaces the computed delay but is capped at ``max_retry_after_s``, so a
    server asking for a minute cannot freeze a user's question for a minute.
    """

    base_s: float = 0.5
    max_s: float = 8.0
    max_retry_after_s: float = 20.0

    def delay(self, retry_index: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return max(0.0, min(retry_after_s, self.max_retry_after_s))
        computed = self.base_s * (2 ** retry_index)
        return min(self.max_s, computed * (1 + random.random() * 0.5))


class OpenAiLlm:
    """``LlmClient`` over the OpenAI chat completions API; one instance is safe to share across threads."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        model: str,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        temperature: float = 0.0,
        max_tokens: int = 1_024,
        backoff: Backoff = Backoff(),
    ) -> None:
        if not api_key and not base_url:
            raise ConfigError(
                "No language model is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a non-OpenAI endpoint).",
                hint="Or use the offline generator: NL2SQL_GENERATOR=offline.",
            )
        self.model = model
        self.base_url = (base_url or OPENAI_URL).rstrip("/")
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.max_reply_chars = max_tokens * 16         # ~4 chars a token, with a wide margin
        self.backoff = backoff
        self._secrets = (api_key,) if api_key else ()
        self._shown_url = redact(self.base_url, self._secrets)     # a URL may carry user:password@
        # httpx clients are thread-safe; a lock guards only our counter.
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or PLACEHOLDER_KEY, timeout=timeout_s, max_retries=0
        )
        self._lock = threading.Lock()
        self.calls = 0
        # Sampling parameters; adapted once if the model rejects one (see ``_create``).
        self._params: dict[str, float | int] = {"temperature": temperature, "max_tokens": max_tokens}

    @classmethod
    def from_settings(cls, settings: "Settings") -> "OpenAiLlm":
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
        )

    def __repr__(self) -> str:
        return f"OpenAiLlm(base_url={self._shown_url!r}, model={self.model!r})"

    def complete(self, messages: Sequence[Message]) -> Completion:
        """Send ``messages``; retry transient failures; return the reply text with its usage and cost."""
        with self._lock:
            self.calls += 1
        started = time.monotonic()
        attempts = 1 + self.max_retries
        for attempt in range(1, attempts + 1):
            try:
                response = self._create(messages)
            except openai.APIStatusError as e:
                status = e.status_code
                if status not in RETRYABLE_STATUS:
                    raise self._rejected(status, e) from None
                failure, retry_after = f"HTTP {status}", _retry_after_s(e.response.headers)
            except openai.APITimeoutError:
                failure, retry_after = f"no reply within {self.timeout_s:g} s", None
            except openai.APIConnectionError as e:
                failure, retry_after = f"connection failed ({type(e.__cause__ or e).__name__})", None
            except (ValueError, openai.APIResponseValidationError) as e:
                # JSONDecodeError is a ValueError: the body was not JSON at all.
                raise self._unusable(f"a body that is not a chat completion ({type(e).__name__})") from None
            else:
                return self._completion(response, started, attempt)
            if attempt == attempts:
                break
            wait = self.backoff.delay(attempt - 1, retry_after)
            log.warning("LLM %s at %s: attempt %d/%d failed (%s); retrying in %.2f s",
                        self.model, self._shown_url, attempt, attempts, failure, wait)
            time.sleep(wait)
        log.error("LLM %s at %s: giving up after %d attempts (%s)", self.model, self._shown_url, attempts, failure)
        raise LlmUnavailable(
            self._safe(f"The language model did not answer after {attempts} attempts ({failure})."),
            hint="Try again in a minute, or ask a question the built-in offline engine can answer.",
        )

    def _create(self, messages: Sequence[Message]) -> object:
        """One request. Reasoning models (o1, o3, gpt-5) refuse ``max_tokens`` and a non-default temperature
        with a 400; then resend with ``max_completion_tokens`` / without temperature, and keep that for later."""
        for _ in range(len(self._params) + 1):
            params = self._params
            try:
                return self._client.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model, messages=[m.as_dict() for m in messages], **params
                )
            except openai.BadRequestError as e:
                adapted = _adapt_params(params, str(getattr(e, "message", "")))
                if adapted is None:
                    raise
                log.warning("LLM %s rejected a parameter; resending with %s", self.model, sorted(adapted))
                with self._lock:
                    self._params = adapted
        raise InternalError("parameter adaptation did not converge")  # each round removes a parameter

    def _completion(self, response: object, started: float, attempt: int) -> Completion:
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list):
            raise self._unusable("a body that is not a chat completion")
        if not choices:
            raise self._unusable("no choices")
        message = getattr(choices[0], "message", None)
        text = _text_of(getattr(message, "content", None))
        if not text.strip():
            refusal = getattr(message, "refusal", None)
            raise self._unusable("a refusal" if refusal else "an empty message")
        extra: tuple[tuple[str, str], ...] = ()
        if len(text) > self.max_reply_chars:
            log.warning("LLM reply of %d characters truncated to %d", len(text), self.max_reply_chars)
            text = text[: self.max_reply_chars]
            extra = (("truncated", "true"),)
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            model=str(getattr(response, "model", None) or self.model),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            elapsed_ms=(time.monotonic() - started) * 1000,
            attempts=attempt,
            extra=extra,
        )

    def _rejected(self, status: int, error: openai.APIStatusError) -> LlmUnavailable:
        """A non-retryable status: the request itself is wrong (key, model name, URL, request size)."""
        reason = {
            401: ("the API key was rejected", "Check OPENAI_API_KEY (for Databricks: a valid personal access token)."),
            403: ("this key may not use that model", "Check the key's permissions on the model or serving endpoint."),
            404: (f"no model or endpoint named {self.model!r} was found at {self._shown_url}",
                  "Check NL2SQL_LLM_MODEL and OPENAI_BASE_URL."),
        }.get(status, (f"the request was refused (HTTP {status})",
                       "Try a shorter question, or check the model settings."))
        detail = self._safe(str(getattr(error, "message", "") or ""))[:300]
        log.error("LLM %s at %s refused the request: HTTP %d %s", self.model, self._shown_url, status, detail)
        return LlmUnavailable(self._safe(f"The language model could not be used: {reason[0]}."), hint=reason[1])

    def _unusable(self, what: str) -> LlmReplyError:
        log.error("LLM %s at %s answered with %s", self.model, self._shown_url, what)
        return LlmReplyError(
            self._safe(f"The language model answered with {what}, so no query could be read from it."),
            hint="Check OPENAI_BASE_URL points at an OpenAI-compatible chat endpoint, then try again.",
        )

    def _safe(self, text: str) -> str:
        return redact(text, self._secrets)


def _adapt_params(params: dict[str, float | int], error: str) -> dict[str, float | int] | None:
    """``params`` changed to satisfy a 400 that names one of them; None when the error is about something else.

    >>> _adapt_params({"temperature": 0.0, "max_tokens": 9}, "Unsupported parameter: 'max_tokens' ...")
    {'temperature': 0.0, 'max_completion_tokens': 9}
    """
    lowered = error.lower()
    if "max_tokens" in params and "max_tokens" in lowered:
        adapted = {k: v for k, v in params.items() if k != "max_tokens"}
        return {**adapted, "max_completion_tokens": params["max_tokens"]}
    if "temperature" in params and "temperature" in lowered:
        return {k: v for k, v in params.items() if k != "temperature"}
    return None


def _text_of(content: object) -> str:
    """The reply text: a plain string, or the "text" parts of a content list (Databricks reasoning models send
    ``[{"type": "reasoning", ...}, {"type": "text", "text": "..."}]``); reasoning parts are not the answer."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") if isinstance(p, dict) else getattr(p, "text", None) for p in content
                 if (p.get("type") if isinstance(p, dict) else getattr(p, "type", None)) in ("text", "output_text")]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def _retry_after_s(headers: object) -> float | None:
    """Seconds a server asked us to wait: ``retry-after-ms``, ``Retry-After: 2`` or an HTTP date; else None."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    raw_ms = get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    raw = get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())
