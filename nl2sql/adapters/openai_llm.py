"""LLM adapter: any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI v1, Databricks Model Serving, vLLM, Ollama).

The ``openai`` package does the HTTP *and the retrying*: ``max_retries`` attempts on 408/409/429/5xx, timeouts
and dropped connections, exponential backoff with jitter, ``Retry-After``/``retry-after-ms`` honoured (up to
two minutes; a server asking for longer is not retried). What it lacks, and so is written here:

- mapping its exceptions to ours (``LlmUnavailable`` / ``LlmReplyError``), through ``redact`` so the key never
  reaches an exception, a log line or the UI;
- adapting to reasoning models that refuse ``max_tokens`` or a temperature with a 400 (resend once without);
- reading ``finish_reason``: a reply cut at ``length`` is never passed on as if it were whole. When every
  choice was cut the request is sent once more with four times the token budget (a reasoning model that spent
  the whole budget thinking returns empty text; a verbose one runs out mid-query); a choice still cut is
  returned marked ``finish_reason="length"`` so the generator drops it;
- ``n`` completions in one request (``complete_many``); a server that refuses or ignores ``n`` then gets one
  request a reply, and each further sample (``complete_sample``) carries its own ``seed`` and temperature so
  that a server deterministic per request still samples.

Decision: a malformed 200 body is an ``LlmReplyError`` and is not retried. The endpoint *did* answer; a
body that is not a chat completion almost always means a wrong ``OPENAI_BASE_URL`` (an HTML page, a proxy),
which retrying would only make slower to report.

One module (about 390 lines) on purpose: it is the only code that talks to the endpoint, and each part above
wraps the same client call; split, the error mapping and the retry decisions would sit apart from the call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import openai

from nl2sql.errors import (
    ConfigError,
    InternalError,
    LlmReplyError,
    LlmUnavailable,
    LlmUnreachable,
)
from nl2sql.ports import Completion, Message
from nl2sql.redact import redact

if TYPE_CHECKING:
    from nl2sql.settings import Settings

log = logging.getLogger(__name__)

OPENAI_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"                 # local servers (vLLM, Ollama) accept any key; the SDK wants one
RETRYABLE_STATUS = frozenset({408, 409, 429}) | frozenset(range(500, 600))
LENGTH_BUDGET_FACTOR = 4                       # a cut reply is asked once more with this many times the budget
MAX_BUDGET = 32_768


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
        candidate_temperature: float = 0.7,
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
        self.candidate_temperature = candidate_temperature
        self.max_tokens = max_tokens
        self.max_reply_chars = max_tokens * LENGTH_BUDGET_FACTOR * 16     # ~4 chars a token, with a wide margin
        self._secrets = (api_key,) if api_key else ()
        self._shown_url = redact(self.base_url, self._secrets)     # a URL may carry user:password@
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or PLACEHOLDER_KEY, timeout=timeout_s,
            max_retries=self.max_retries,
        )
        self._lock = threading.Lock()              # httpx clients are thread-safe; this guards our own state
        self.calls = 0
        # Sampling parameters; adapted once if the model rejects one (see ``_create``).
        self._params: dict[str, float | int] = {"temperature": temperature, "max_tokens": max_tokens}
        self._n_supported = True
        self._refused: set[str] = set()            # optional request fields the server answered a 400 for
        # Has one request's choices ever differed? Then the server samples each choice, and choices that agree
        # are the model agreeing, not one reply copied into every choice (see generators.LlmGenerator._replies).
        self.choices_vary = False

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAiLlm:
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            candidate_temperature=settings.llm_candidate_temperature,
        )

    def __repr__(self) -> str:
        return f"OpenAiLlm(base_url={self._shown_url!r}, model={self.model!r})"

    def complete(self, messages: Sequence[Message]) -> Completion:
        """Send ``messages``; return the reply text with its usage (the client retries transient failures)."""
        return self.complete_many(messages, 1)[0]

    def complete_many(self, messages: Sequence[Message], n: int) -> tuple[Completion, ...]:
        """Up to ``n`` replies to the same ``messages`` in one request (the API's ``n``), sampled at
        ``candidate_temperature`` when ``n > 1``.

        A server that refuses ``n`` (a 400 naming it) or ignores it (one choice back: Ollama, some proxies) is
        sent one request without ``n`` from then on, and fewer than ``n`` replies come back: the caller asks for
        the rest with ``complete_sample``, each request different (a server deterministic per request would
        answer ``n`` identical requests ``n`` identical times).
        """
        with self._lock:
            self.calls += 1
        sampling: dict[str, float | int] = {}
        if n > 1:
            sampling = {"temperature": self.candidate_temperature}
            if self._n_supported:
                sampling["n"] = n
        try:
            completions = self._complete(messages, sampling)
        except _NRefused:
            with self._lock:
                self._n_supported = False
            log.warning("LLM %s refused n=%d; asking for one reply a request from now on", self.model, n)
            return self._complete(messages, {k: v for k, v in sampling.items() if k != "n"})
        if len({c.text for c in completions}) > 1:
            self.choices_vary = True
        if "n" in sampling and len(completions) < n:
            with self._lock:
                self._n_supported = False
            log.warning("LLM %s sent %d of %d choices; asking for one reply a request from now on", self.model,
                        len(completions), n)
        return completions

    def complete_sample(self, messages: Sequence[Message], index: int) -> Completion:
        """Sample ``index`` (1, 2, ...) of several: one request with its own ``seed`` and a temperature a step
        above ``candidate_temperature`` per index (``sample_temperature``), so that no two samples are the same
        request. A server that refuses ``seed`` is sent none from then on; a reasoning model gets no temperature.
        """
        with self._lock:
            self.calls += 1
        extra: dict[str, float | int] = {"temperature": sample_temperature(self.candidate_temperature, index)}
        if "seed" not in self._refused:
            extra["seed"] = index
        return self._complete(messages, extra)[0]

    def _complete(self, messages: Sequence[Message], extra: dict[str, float | int]) -> tuple[Completion, ...]:
        started = time.monotonic()
        completions = self._request(messages, extra, started)
        if all(c.finish_reason == "length" for c in completions):
            budget = int(self._budget() or self.max_tokens)
            larger = min(MAX_BUDGET, budget * LENGTH_BUDGET_FACTOR)
            log.warning("LLM %s reply cut at %d tokens; asking once more with %d", self.model, budget, larger)
            completions = self._request(messages, {**extra, self._budget_key(): larger}, started)
        if all(c.finish_reason == "length" and not c.text.strip() for c in completions):
            raise LlmReplyError(
                self._safe("The language model used its whole token budget (thinking, for a reasoning model) "
                           "without writing an answer."),
                hint="Raise NL2SQL_LLM_MAX_TOKENS, or use a model or endpoint with a lower reasoning effort.",
            )
        return completions

    def _request(self, messages: Sequence[Message], extra: dict[str, float | int],
                 started: float) -> tuple[Completion, ...]:
        try:
            raw = self._create(messages, extra)
            response = raw.parse()
        except openai.APIStatusError as e:
            raise self._failed(e) from None
        except openai.APITimeoutError:
            raise self._gave_up(f"no reply within {self.timeout_s:g} s") from None
        except openai.APIConnectionError as e:
            # The client's transport (httpx for openai 1.x, httpx2 later) names a connection that was never
            # opened (refused, no route, unknown host) ConnectError; a dropped reply is another class.
            if type(e.__cause__).__name__ == "ConnectError":
                raise self._unreachable(type(e.__cause__).__name__) from None
            raise self._gave_up(f"connection failed ({type(e.__cause__ or e).__name__})") from None
        except (ValueError, openai.APIResponseValidationError) as e:
            # JSONDecodeError is a ValueError: the body was not JSON at all.
            raise self._unusable(f"a body that is not a chat completion ({type(e).__name__})") from None
        return self._completions(response, started, 1 + int(getattr(raw, "retries_taken", 0) or 0))

    def _budget_key(self) -> str:
        return "max_tokens" if "max_tokens" in self._params else "max_completion_tokens"

    def _budget(self) -> float | int | None:
        return self._params.get("max_tokens", self._params.get("max_completion_tokens"))

    def _create(self, messages: Sequence[Message], extra: dict[str, float | int]) -> Any:
        """One request (the client retries it). Reasoning models (o1, o3, gpt-5) refuse ``max_tokens`` and a
        non-default temperature with a 400; then resend with ``max_completion_tokens`` / without temperature,
        and keep that for later."""
        for _ in range(len(self._params) + 3):
            params = {**self._params, **{k: v for k, v in extra.items() if k not in self._refused}}
            if "temperature" not in self._params:
                params.pop("temperature", None)
            if "max_completion_tokens" in params and "max_tokens" in params:
                params["max_completion_tokens"] = params.pop("max_tokens")
            try:
                return self._client.chat.completions.with_raw_response.create(  # type: ignore[call-overload]
                    model=self.model, messages=[m.as_dict() for m in messages], **params
                )
            except openai.BadRequestError as e:
                message = str(getattr(e, "message", ""))
                if "n" in extra and _names_param(message, "n"):
                    raise _NRefused() from None
                if "seed" in params and _names_param(message, "seed"):
                    log.warning("LLM %s refused 'seed'; samples are sent without it", self.model)
                    with self._lock:
                        self._refused.add("seed")
                    continue
                adapted = _adapt_params(self._params, message)
                if adapted is None:
                    raise
                log.warning("LLM %s rejected a parameter; resending with %s", self.model, sorted(adapted))
                with self._lock:
                    self._params = adapted
        raise InternalError("parameter adaptation did not converge")  # each round removes a parameter

    def _completions(self, response: object, started: float, attempts: int) -> tuple[Completion, ...]:
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list):
            raise self._unusable("a body that is not a chat completion")
        if not choices:
            raise self._unusable("no choices")
        usage = getattr(response, "usage", None)
        prompt_details = getattr(usage, "prompt_tokens_details", None)
        completion_details = getattr(usage, "completion_tokens_details", None)
        out = []
        for i, choice in enumerate(choices):
            message = getattr(choice, "message", None)
            text = _text_of(getattr(message, "content", None))
            finish = str(getattr(choice, "finish_reason", None) or "stop")
            if not text.strip() and finish != "length":
                refusal = getattr(message, "refusal", None)
                if len(choices) == 1:
                    raise self._unusable("a refusal" if refusal else "an empty message")
                finish = "refusal" if refusal else "empty"
            extra: tuple[tuple[str, str], ...] = ()
            if len(text) > self.max_reply_chars:
                log.warning("LLM reply of %d characters truncated to %d", len(text), self.max_reply_chars)
                text, finish = text[: self.max_reply_chars], "length"
                extra = (("truncated", "true"),)
            first = i == 0                      # usage is per response: the first choice carries it
            out.append(Completion(
                text=text,
                model=str(getattr(response, "model", None) or self.model),
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0) if first else 0,
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0) if first else 0,
                elapsed_ms=(time.monotonic() - started) * 1000,
                attempts=attempts,
                extra=extra,
                finish_reason=finish,
                cached_tokens=int(getattr(prompt_details, "cached_tokens", 0) or 0) if first else 0,
                reasoning_tokens=int(getattr(completion_details, "reasoning_tokens", 0) or 0) if first else 0,
            ))
        return tuple(out)

    def _failed(self, error: openai.APIStatusError) -> LlmUnavailable:
        status = error.status_code
        if status in RETRYABLE_STATUS:
            wait = _retry_after_s(error.response.headers)
            if wait is not None and wait > 120:   # the client does not retry a wait above two minutes
                return self._gave_up(f"HTTP {status}, asked to wait {wait:.0f} s", attempts=1)
            return self._gave_up(f"HTTP {status}")
        return self._rejected(status, error)

    def _gave_up(self, failure: str, attempts: int | None = None) -> LlmUnavailable:
        attempts = attempts or 1 + self.max_retries
        log.error("LLM %s at %s: giving up after %d attempts (%s)", self.model, self._shown_url, attempts, failure)
        return LlmUnavailable(
            self._safe(f"The language model did not answer after {attempts} attempts ({failure})."),
            hint="Try again in a minute, or ask a question the built-in offline engine can answer.",
        )

    def _unreachable(self, failure: str) -> LlmUnreachable:
        log.error("LLM %s at %s: no connection after %d attempts (%s)", self.model, self._shown_url,
                  1 + self.max_retries, failure)
        return LlmUnreachable(
            self._safe(f"The language model could not be reached ({1 + self.max_retries} "
                       f"attempt{'s' if self.max_retries else ''}, connection failed: {failure})."),
            hint="Ask whoever runs this assistant to check the OPENAI_BASE_URL setting (the language model's address) "
                 "and that the service is up. Verified questions and the offline engine still work.",
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


class _NRefused(Exception):
    """The server refused the ``n`` parameter (internal signal: fall back to one request per reply)."""


SAMPLE_TEMPERATURE_STEP = 0.05                 # each sample a little warmer than the last, cycling over six steps


def sample_temperature(base: float, index: int) -> float:
    """The temperature of sample ``index``: ``base`` plus a small step per index, cycling, so that samples differ
    in every knob a server may key its sampling on, without drifting far from ``base``.

    >>> [sample_temperature(0.7, i) for i in (1, 2, 6, 7)]
    [0.75, 0.8, 1.0, 0.75]
    """
    return round(base + SAMPLE_TEMPERATURE_STEP * ((index - 1) % 6 + 1), 3)


def _names_param(error: str, name: str) -> bool:
    """Does a 400's message name the parameter ``name``?

    >>> _names_param("Unsupported parameter: 'n' is not supported", "n"), _names_param("bad 'messages'", "n")
    (True, False)
    """
    lowered = error.lower()
    return f"'{name}'" in lowered or f'"{name}"' in lowered or f"`{name}`" in lowered


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
    """Seconds a server asked us to wait (``Retry-After: 2``); None when absent or not a number.
    Only used to explain a give-up: the client itself parses and honours the header."""
    get = getattr(headers, "get", None)
    raw = get("retry-after") if get is not None else None
    try:
        return float(raw) if raw else None
    except ValueError:
        return None
