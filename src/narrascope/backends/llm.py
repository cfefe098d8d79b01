"""Optional LLM backend: one client for any OpenAI-compatible chat-completions endpoint.

Off by default: nothing in narrascope talks to a model unless an :class:`LLMBackend` is built with
a URL and a model name. Analyzers (narratives, entity roles, persuasion techniques) ask it for
JSON that conforms to a schema (:meth:`LLMBackend.complete_json`) and then check what came back
against the article and the taxonomy (``backends.llm_answers``: the schema validator, the
label-choice schema, :func:`~narrascope.backends.llm_answers.verify_evidence` and
:func:`~narrascope.backends.llm_answers.validate_labels`).

Here: the HTTP client (retries, backoff, response-format fallback, one repair request), the
on-disk answer cache and the token and cost accounting (:class:`LLMUsage`). Standard library only
(``urllib``).

The API key is read from an environment variable for each request and sent only in the
``Authorization`` header: it is not stored on the object, logged, hashed into the cache key or
written to the cache.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import os
import random
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..errors import NarrascopeError
from .llm_answers import _show, check_schema, schema_errors

__all__ = ["CACHE_FORMAT", "DEFAULT_API_KEY_ENV", "LLMBackend", "LLMError", "LLMUsage", "default_cache_dir"]

log = logging.getLogger("narrascope.llm")

CACHE_FORMAT = "narrascope.llm-cache/1"
DEFAULT_API_KEY_ENV = "NARRASCOPE_LLM_API_KEY"


class LLMError(NarrascopeError):
    """The model could not give a usable answer: HTTP failure after retries, a refused request,
    or a reply that is still not valid JSON for the schema after one repair attempt.
    ``status`` is the last HTTP status when there was one."""

    exit_code = 1

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/narrascope/llm``, else ``~/.cache/narrascope/llm``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "narrascope" / "llm"


# --------------------------------------------------------------------------------------------
# usage accounting


@dataclass
class LLMUsage:
    """Counters over the life of one backend. ``requests`` counts HTTP requests sent (retries
    included); ``calls`` counts :meth:`LLMBackend.complete_json` calls, ``cache_hits`` those answered
    from disk without a request; ``estimated_cost`` is None unless both prices were given."""

    calls: int = 0
    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    repairs: int = 0
    fallbacks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost: float | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_tokens": self.total_tokens}


# --------------------------------------------------------------------------------------------
# the backend


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow redirects: a redirected POST would carry the Authorization header elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


class _HTTPFailure(Exception):
    def __init__(self, status: int | None, body: str, retry_after: float | None, retryable: bool) -> None:
        super().__init__(body)
        self.status, self.body, self.retry_after, self.retryable = status, body, retry_after, retryable


def _parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now()
    return max(0.0, seconds) if math.isfinite(seconds) else None


_NAME_OK = re.compile(r"[^A-Za-z0-9_-]")


class LLMBackend:
    """A client for ``POST {url}/chat/completions`` on any OpenAI-compatible server (OpenAI,
    vLLM, llama.cpp server, Ollama, LiteLLM, ...).

    ``url`` is the API base (``https://api.openai.com/v1``, ``http://127.0.0.1:8000/v1``); a URL that
    already ends in ``/chat/completions`` is used as is. The bearer key is read from the environment
    variable ``api_key_env`` at each request; when it is unset no ``Authorization`` header is sent
    (local servers need none). ``timeout`` bounds each connect and each read in seconds.

    Failures on 429, 5xx, timeouts and connection errors are retried up to ``max_retries`` times with
    exponential backoff (``backoff_base * 2**n``, capped at ``max_backoff``, times a jitter factor in
    [0.5, 1)); a ``Retry-After`` header is waited exactly, and one asking for more than
    ``max_retry_after`` seconds ends the call with :class:`LLMError`. ``sleep`` and ``rng`` are
    injectable for tests. Other 4xx are not retried.

    Replies are cached on disk under ``cache_dir`` (default :func:`default_cache_dir`);
    ``cache=False`` turns the cache off.
    """

    def __init__(
        self,
        url: str,
        model: str,
        api_key_env: str = DEFAULT_API_KEY_ENV,
        cache_dir: str | os.PathLike[str] | None = None,
        timeout: float = 60,
        max_retries: int = 4,
        temperature: float = 0,
        price_per_1k_input: float | None = None,
        price_per_1k_output: float | None = None,
        *,
        cache: bool = True,
        max_tokens: int | None = None,
        backoff_base: float = 1.0,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not url or not isinstance(url, str):
            raise ValueError("LLMBackend needs the server URL (e.g. http://127.0.0.1:8000/v1)")
        if not model or not isinstance(model, str):
            raise ValueError("LLMBackend needs a model name")
        if timeout <= 0 or max_retries < 0:
            raise ValueError("timeout must be > 0 and max_retries >= 0")
        self.url = url.rstrip("/")
        self.endpoint = self.url if self.url.endswith("/chat/completions") else self.url + "/chat/completions"
        self.model = model
        self.api_key_env = api_key_env
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.cache_enabled = cache
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.temperature = temperature
        self.price_per_1k_input = price_per_1k_input
        self.price_per_1k_output = price_per_1k_output
        self.max_tokens = max_tokens
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._lock = threading.Lock()
        # "json_schema" until the server refuses it, then "json_object", then "none" (prompt only)
        self.response_format_mode = "json_schema"
        self.usage = LLMUsage()
        if price_per_1k_input is not None and price_per_1k_output is not None:
            self.usage.estimated_cost = 0.0

    def __repr__(self) -> str:
        return f"LLMBackend(url={self.url!r}, model={self.model!r}, api_key_env={self.api_key_env!r})"

    # -- public -------------------------------------------------------------------------------
    def complete_json(self, messages: list[dict[str, Any]], schema: dict[str, Any], *, name: str) -> dict[str, Any]:
        """Ask for a JSON object conforming to ``schema`` and return it, parsed and validated.

        Sends ``response_format`` ``json_schema`` (strict); when the server answers 400 about
        ``response_format``, falls back to ``json_object`` with the schema in the system prompt (and,
        if that is refused too, to the prompt alone) for this and later calls. A reply that is not JSON
        or breaks the schema gets one repair request quoting the error; a second failure raises
        :class:`LLMError`. Answers are cached on disk (see the class docstring).
        """
        self._check_messages(messages)
        try:
            check_schema(schema)
        except ValueError as exc:
            raise ValueError(f"complete_json({name!r}): {exc}") from None
        if schema.get("type") != "object":
            raise ValueError(f"complete_json({name!r}): the top-level schema must have type 'object'")
        safe_name = _NAME_OK.sub("_", name)[:64] or "reply"
        with self._lock:
            self.usage.calls += 1
        key = self.cache_key(messages, schema)
        cached = self._cache_read(key, schema)
        if cached is not None:
            with self._lock:
                self.usage.cache_hits += 1
            log.debug("LLM cache hit %s (%s)", key[:12], safe_name)
            return cached
        convo = list(messages)
        content, finish = self._chat(convo, schema, safe_name)
        result, error = self._parse(content, schema, finish)
        if error is not None:
            log.info("LLM reply for %s invalid (%s); asking once for a repair", safe_name, error)
            with self._lock:
                self.usage.repairs += 1
            convo += [
                {"role": "assistant", "content": content or ""},
                {"role": "user", "content": f"Your reply was not valid: {error}\nReply again with only the corrected "
                                            f"JSON object, conforming exactly to the required JSON schema."},
            ]
            content, finish = self._chat(convo, schema, safe_name)
            result, error = self._parse(content, schema, finish)
            if error is not None:
                raise LLMError(f"{self.model} gave no valid JSON for {safe_name!r} after one repair attempt: {error}")
        assert result is not None
        self._cache_write(key, result, safe_name)
        return result

    def cache_key(self, messages: list[dict[str, Any]], schema: dict[str, Any]) -> str:
        """sha256 over (format tag, url, model, messages, schema, temperature); no key, no secrets."""
        payload = json.dumps([CACHE_FORMAT, self.url, self.model, messages, schema, self.temperature],
                             sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()

    def usage_summary(self) -> str:
        """One line: requests, cache hits, retries, tokens and the estimated cost when prices are known."""
        u = self.usage
        parts = [f"{u.calls} call{'s' if u.calls != 1 else ''}", f"{u.requests} request{'s' if u.requests != 1 else ''}",
                 f"{u.cache_hits} cache hit{'s' if u.cache_hits != 1 else ''}", f"{u.retries} retr{'ies' if u.retries != 1 else 'y'}"]
        if u.repairs:
            parts.append(f"{u.repairs} repair{'s' if u.repairs != 1 else ''}")
        line = (f"LLM {self.model}: " + ", ".join(parts)
                + f"; tokens {u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion = {u.total_tokens:,}")
        if u.estimated_cost is not None:
            line += f"; estimated cost {u.estimated_cost:.4f}"
        else:
            line += "; cost unknown (no prices given)"
        return line

    # -- request building ---------------------------------------------------------------------
    @staticmethod
    def _check_messages(messages: Any) -> None:
        if not isinstance(messages, list) or not messages:
            raise ValueError("messages must be a non-empty list of {'role': ..., 'content': ...} objects")
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or not isinstance(m.get("role"), str) or "content" not in m:
                raise ValueError(f"messages[{i}] must be an object with 'role' and 'content'")

    def _body(self, messages: list[dict[str, Any]], schema: dict[str, Any], name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "temperature": self.temperature}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        mode = self.response_format_mode
        if mode == "json_schema":
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": name, "schema": schema, "strict": True}}
        else:
            if mode == "json_object":
                body["response_format"] = {"type": "json_object"}
            instruction = ("Reply with a single JSON object and nothing else. It must conform to this JSON Schema:\n"
                           + json.dumps(schema, ensure_ascii=False))
            messages = list(messages)
            first = messages[0]
            if first.get("role") == "system" and isinstance(first.get("content"), str):
                messages[0] = {**first, "content": first["content"] + "\n\n" + instruction}
            else:
                messages.insert(0, {"role": "system", "content": instruction})
        body["messages"] = messages
        return body

    def _chat(self, messages: list[dict[str, Any]], schema: dict[str, Any], name: str) -> tuple[str | None, str | None]:
        """One chat completion (with retries and response-format fallback): (content, finish_reason)."""
        while True:
            try:
                data = self._post(self._body(messages, schema, name))
                break
            except _HTTPFailure as exc:
                mentions_format = re.search(r"response_format|json_schema|json_object", exc.body, re.I)
                if exc.status == 400 and mentions_format and self.response_format_mode != "none":
                    old = self.response_format_mode
                    self.response_format_mode = "json_object" if old == "json_schema" else "none"
                    with self._lock:
                        self.usage.fallbacks += 1
                    log.warning("%s refused response_format %s; falling back to %s with the schema in the prompt",
                                self.url, old, self.response_format_mode)
                    continue
                raise self._error(exc) from None
        self._account(data.get("usage"))
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            raise LLMError(f"{self.endpoint} answered without choices[0].message: {_show(data, 200)}") from None
        if message.get("refusal"):
            raise LLMError(f"{self.model} refused: {_show(message['refusal'], 200)}")
        content = message.get("content")
        if isinstance(content, list):  # some servers return content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return content, choice.get("finish_reason")

    def _error(self, exc: _HTTPFailure) -> LLMError:
        body = self._redact(exc.body)[:300]
        if exc.status is None:
            return LLMError(f"cannot reach {self.endpoint} after {self.max_retries} retr{'y' if self.max_retries == 1 else 'ies'}: {body}")
        hint = ""
        if exc.status in (401, 403):
            hint = (f" (is {self.api_key_env} set to a valid key?)" if os.environ.get(self.api_key_env)
                    else f" ({self.api_key_env} is not set)")
        return LLMError(f"{self.endpoint} answered HTTP {exc.status}{hint}: {body}", status=exc.status)

    def _redact(self, text: str) -> str:
        key = os.environ.get(self.api_key_env)
        return text.replace(key, "[redacted]") if key else text

    # -- transport ------------------------------------------------------------------------------
    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
        attempt = 0
        while True:
            try:
                return self._post_once(payload)
            except _HTTPFailure as exc:
                if not exc.retryable or attempt >= self.max_retries:
                    raise
                if exc.retry_after is not None:
                    if exc.retry_after > self.max_retry_after:
                        raise LLMError(f"{self.endpoint} asked to wait {exc.retry_after:.0f} s (Retry-After), more than "
                                       f"max_retry_after={self.max_retry_after:.0f} s", status=exc.status) from None
                    delay = exc.retry_after
                else:
                    delay = min(self.max_backoff, self.backoff_base * 2 ** attempt) * (0.5 + 0.5 * self._rng.random())
                attempt += 1
                with self._lock:
                    self.usage.retries += 1
                log.info("LLM request failed (%s); retry %d/%d in %.2f s", exc.status or self._redact(exc.body)[:80],
                         attempt, self.max_retries, delay)
                self._sleep(delay)

    def _post_once(self, payload: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "narrascope"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.endpoint, data=payload, headers=headers, method="POST")
        with self._lock:
            self.usage.requests += 1
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                text = exc.read().decode("utf-8", "replace")
            except Exception:  # noqa: BLE001 - a broken error body is still an HTTP error
                text = ""
            status = exc.code
            retryable = status == 429 or status >= 500 or status == 408
            retry_after = _parse_retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            raise _HTTPFailure(status, text or str(exc.reason), retry_after, retryable) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _HTTPFailure(None, f"{type(reason).__name__}: {reason}", None, True) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise LLMError(f"{self.endpoint} answered with something that is not JSON: {_show(raw[:200].decode('utf-8', 'replace'))}") from None
        if not isinstance(data, dict):
            raise LLMError(f"{self.endpoint} answered with JSON that is not an object")
        return data

    def _account(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        prompt = usage.get("prompt_tokens") or 0
        completion = usage.get("completion_tokens") or 0
        prompt = prompt if isinstance(prompt, int) else 0
        completion = completion if isinstance(completion, int) else 0
        with self._lock:
            self.usage.prompt_tokens += prompt
            self.usage.completion_tokens += completion
            if self.usage.estimated_cost is not None:
                self.usage.estimated_cost += (prompt * self.price_per_1k_input + completion * self.price_per_1k_output) / 1000

    # -- parsing ------------------------------------------------------------------------------
    @staticmethod
    def _parse(content: str | None, schema: dict[str, Any], finish: str | None) -> tuple[dict[str, Any] | None, str | None]:
        if not isinstance(content, str) or not content.strip():
            return None, "the reply was empty"
        text = content.strip()
        fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.S)
        if fenced:
            text = fenced.group(1)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            note = " (the reply was cut off: finish_reason=length)" if finish == "length" else ""
            return None, f"not valid JSON: {exc}{note}"
        errors = list(schema_errors(value, schema))
        if errors:
            more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
            return None, "does not match the schema: " + "; ".join(errors[:5]) + more
        return value, None

    # -- cache --------------------------------------------------------------------------------
    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_read(self, key: str, schema: dict[str, Any]) -> dict[str, Any] | None:
        if not self.cache_enabled:
            return None
        path = self._cache_path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("ignoring unreadable LLM cache file %s: %s", path, exc)
            return None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("key") != key:
            return None
        result = entry.get("result")
        if not isinstance(result, dict) or next(schema_errors(result, schema), None) is not None:
            return None
        return result

    def _cache_write(self, key: str, result: dict[str, Any], name: str) -> None:
        if not self.cache_enabled:
            return
        path = self._cache_path(key)
        entry = {"format": CACHE_FORMAT, "key": key, "model": self.model, "name": name,
                 "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "result": result}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(entry, fh, ensure_ascii=False, indent=1)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only or full disk costs the cache, not the answer
            log.warning("cannot write LLM cache file %s: %s", path, exc)
