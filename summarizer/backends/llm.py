"""The LLM backend: instructor over the openai client, for any OpenAI-compatible endpoint.

Two retry layers, each owning one kind of failure, so they never multiply:

- instructor re-asks when a reply fails validation (`max_reasks`), sending the
  validation error back to the model;
- tenacity retries transient HTTP failures (429, 408/409, 5xx, timeouts, lost
  connections) with exponential backoff and jitter, honouring Retry-After,
  bounded by `max_attempts` and `max_retry_seconds`. A wait (backoff or
  Retry-After) that would end past `max_retry_seconds` stops the retries at once.

A reply whose body is not JSON at all (cut off by a proxy) is a parse error to
instructor, which repeats the same request up to `max_reasks` times.

The openai client's own retries are switched off (`max_retries=0`): left on, each
tenacity attempt would hide up to three requests.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import time
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.errors import BackendError, ConfigurationError, InvalidOutputError
from summarizer.prompts import PromptTemplate, load_prompt
from summarizer.schema import Extraction, Usage

if TYPE_CHECKING:
    import instructor
    import openai
    import tenacity

DEFAULT_MODEL = "gpt-4o-mini"
# openai's client insists on a key; local servers (Ollama, llama.cpp, vLLM) ignore it.
KEYLESS_PLACEHOLDER = "no-key"
# Keys shorter than this are placeholders for keyless local servers ("EMPTY", "ollama"):
# not secrets, and replacing them in messages would mangle ordinary words.
MIN_SECRET_LENGTH = 8
BACKOFF_MAX_SECONDS = 20.0


class Mode(str, Enum):
    """How the model is asked for structured output; local servers often lack `tools`."""

    TOOLS = "tools"
    JSON_SCHEMA = "json_schema"
    JSON = "json"
    MD_JSON = "md_json"


@dataclass(frozen=True, kw_only=True)
class LLMSettings:
    """Where and how to call the model.

    >>> settings = LLMSettings.from_env(model="llama3.1", base_url="http://localhost:11434/v1")
    >>> backend = LLMBackend(settings)
    """

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: Mode = Mode.TOOLS
    temperature: float = 0.0
    max_reasks: int = 2
    max_attempts: int = 4
    max_retry_seconds: float = 120.0
    # The first backoff between transient failures; it doubles per attempt, plus up
    # to as much again in jitter, capped at BACKOFF_MAX_SECONDS.
    retry_backoff: float = 0.5
    timeout: float = 120.0

    @classmethod
    def from_env(
        cls,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: Mode | str | None = None,
        **options: Any,
    ) -> LLMSettings:
        """Arguments first, then `SUMMARIZER_MODEL`, `OPENAI_BASE_URL`, `OPENAI_API_KEY`."""
        try:
            resolved_mode = Mode(mode) if mode is not None else Mode.TOOLS
        except ValueError:
            choices = ", ".join(m.value for m in Mode)
            raise ConfigurationError(f"unknown mode {mode!r}; choose one of {choices}") from None
        return cls(
            model=model or os.environ.get("SUMMARIZER_MODEL") or DEFAULT_MODEL,
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or None,
            mode=resolved_mode,
            **options,
        )

    @property
    def configured(self) -> bool:
        return bool(self.api_key or self.base_url)


def is_llm_configured() -> bool:
    """Whether the environment names an LLM endpoint (a key for OpenAI, or a base URL)."""
    return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))


class LLMBackend:
    """Extraction by a model behind an OpenAI-compatible chat-completions endpoint."""

    name = "openai"

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.configured:
            raise ConfigurationError(
                "no LLM endpoint configured: set OPENAI_API_KEY for OpenAI, or "
                "OPENAI_BASE_URL / --base-url for a local server (Ollama, vLLM, llama.cpp)"
            )
        self.config = settings
        self.model: str | None = settings.model
        if settings.api_key and len(settings.api_key) >= MIN_SECRET_LENGTH:
            _LOG_REDACTOR.watch(settings.api_key)
        # Held, not looked up per request, so the version in every cache key is the
        # version of the text actually sent.
        self.prompt: PromptTemplate = load_prompt()
        self.prompt_version = self.prompt.version
        self._client: instructor.Instructor | None = None
        self._async_client: instructor.AsyncInstructor | None = None
        self._async_loop: asyncio.AbstractEventLoop | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (for a worker process) opens its own clients: theirs hold sockets
        # and belong to an event loop. It keeps this prompt, the one in the cache keys.
        return (
            LLMBackend,
            (self.config,),
            {"prompt": self.prompt, "prompt_version": self.prompt_version},
        )

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "model": self.config.model,
            "base_url": self.config.base_url,
            "mode": self.config.mode.value,
            "temperature": self.config.temperature,
        }

    def extract(self, article: Article) -> Draft:
        import tenacity

        client = self._sync_client()
        tally = _Tally()
        try:
            for attempt in self._retrying(tenacity.Retrying):
                with attempt:
                    result = client.create(**self._request(article, tally))
        except Exception as error:
            raise self._backend_error(error, article, tally.requests) from None
        return self._draft(result, tally)

    async def aextract(self, article: Article) -> Draft:
        import tenacity

        client = self._async_client_()
        tally = _Tally()
        try:
            async for attempt in self._retrying(tenacity.AsyncRetrying):
                with attempt:
                    result = await client.create(**self._request(article, tally))
        except Exception as error:
            raise self._backend_error(error, article, tally.requests) from None
        return self._draft(result, tally)

    def request_body(self, article: Article) -> dict[str, Any]:
        """The chat-completions JSON body the realtime path sends first for `article`.

        Built from the same arguments as `extract`, by the steps instructor's client
        runs before it sends them: the response model's handling for the mode, then
        the message templates. So a batch request line asks exactly what a realtime
        request asks.
        """
        import json

        from instructor.processing import handle_response_model

        # instructor re-exports it untyped (a star import): mypy sees no such name.
        from instructor.v2.core.templating import handle_templating  # type: ignore[attr-defined]

        arguments = self._create_arguments(article)
        context = arguments.pop("context")
        mode = _instructor_mode(self.config.mode)
        _, body = handle_response_model(arguments.pop("response_model"), mode=mode, **arguments)
        body = handle_templating(body, mode=mode, context=context)
        # Through JSON once: the body as it goes over the wire, plain types only.
        return cast("dict[str, Any]", json.loads(json.dumps(body)))

    def draft_from_completion(self, article: Article, completion: dict[str, Any]) -> Draft:
        """A reply to `request_body` (a chat-completions JSON body), parsed and validated
        as instructor parses a realtime reply, with the article's validation context.

        Raises InvalidOutputError when the reply is not a valid extraction of the article.
        """
        from instructor.core import IncompleteOutputException
        from instructor.processing import process_response
        from openai.types.chat import ChatCompletion

        try:
            response = ChatCompletion.model_validate(completion)
            result = process_response(
                response,
                response_model=_response_model(),
                stream=False,
                validation_context=dict(article.validation_context()),
                strict=False,
                mode=_instructor_mode(self.config.mode),
            )
        # pydantic's ValidationError and a reply that is not JSON are both ValueErrors.
        except (ValueError, IncompleteOutputException) as error:
            message = f"invalid reply from {self.config.model}: {describe_invalid_reply(error)}"
            raise InvalidOutputError(
                self._redact(message), article_id=article.id, attempts=1
            ) from None
        tally = _Tally(requests=1)
        tally.add_usage(response)
        return self._draft(result, tally)

    def _request(self, article: Article, tally: _Tally) -> dict[str, Any]:
        from instructor.core.hooks import Hooks

        hooks = Hooks()
        hooks.on("completion:kwargs", tally.count_request)
        hooks.on("completion:response", tally.add_usage)
        return {
            **self._create_arguments(article),
            "max_retries": self.config.max_reasks,
            "strict": False,
            "hooks": hooks,
        }

    def _create_arguments(self, article: Article) -> dict[str, Any]:
        """What both `extract` and `request_body` hand to instructor for `article`."""
        system, user = self.prompt.render(article)
        return {
            "model": self.config.model,
            # instructor renders every message as a template, compiling it anew per
            # call, whenever `context` is given, and `context` is also what carries the
            # article to the validators. So it gets one-variable templates whose values
            # are the messages our compiled templates rendered: the article stays data.
            "messages": [
                {"role": "system", "content": "{{ system_message }}"},
                {"role": "user", "content": "{{ user_message }}"},
            ],
            "context": {
                **article.validation_context(),
                "system_message": system,
                "user_message": user,
            },
            "response_model": _response_model(),
            "temperature": self.config.temperature,
        }

    def _retrying(self, retrying_class: type[tenacity.BaseRetrying]) -> Any:
        import tenacity

        return retrying_class(
            retry=tenacity.retry_if_exception(is_transient),
            stop=tenacity.stop_after_attempt(self.config.max_attempts)
            | tenacity.stop_before_delay(self.config.max_retry_seconds),
            wait=_RetryWait(self.config.retry_backoff),
            reraise=True,
        )

    def _openai_kwargs(self) -> dict[str, Any]:
        return {
            "api_key": self.config.api_key or KEYLESS_PLACEHOLDER,
            "base_url": self.config.base_url,
            "max_retries": 0,
            "timeout": self.config.timeout,
        }

    def _sync_client(self) -> instructor.Instructor:
        if self._client is None:
            import instructor
            import openai

            self._client = instructor.from_openai(
                openai.OpenAI(**self._openai_kwargs()), mode=_instructor_mode(self.config.mode)
            )
        return self._client

    def _async_client_(self) -> instructor.AsyncInstructor:
        # Pooled connections belong to the event loop that opened them: a client kept
        # from an earlier asyncio.run() fails its first request on the new loop, and
        # that failure would be retried as if the server had dropped the connection.
        loop = asyncio.get_running_loop()
        if self._async_client is None or self._async_loop is not loop:
            import instructor
            import openai

            # openai's own default HTTP client, when dropped, schedules its close on the
            # running loop, where the connections of a closed loop fail and asyncio logs
            # "Task exception was never retrieved"; this one is left to the collector.
            http_client = openai.DefaultAsyncHttpxClient()
            self._async_client = instructor.from_openai(
                openai.AsyncOpenAI(**self._openai_kwargs(), http_client=http_client),
                mode=_instructor_mode(self.config.mode),
            )
            self._async_loop = loop
        return self._async_client

    def _draft(self, result: Extraction, tally: _Tally) -> Draft:
        return Draft(
            extraction=Extraction.model_validate(result.model_dump()),
            usage=Usage(
                prompt_tokens=tally.prompt_tokens, completion_tokens=tally.completion_tokens
            ),
            attempts=max(tally.requests, 1),
        )

    def _backend_error(self, error: Exception, article: Article, requests: int) -> BackendError:
        from instructor.core import IncompleteOutputException, InstructorRetryException

        endpoint = self.config.base_url or "OpenAI"
        failure = http_error(error)
        # A reply cut off at the token limit is the model's failure, like an invalid one.
        invalid_reply = (InstructorRetryException, IncompleteOutputException)
        if failure is None and isinstance(error, invalid_reply):
            message = (
                f"no valid reply from {self.config.model} after {requests} request(s): "
                f"{describe_invalid_reply(error)}"
            )
            return InvalidOutputError(
                self._redact(message), article_id=article.id, attempts=requests
            )
        message = (
            f"{endpoint} failed after {requests} request(s): "
            f"{describe_http_error(failure or error)}"
        )
        return BackendError(self._redact(message), article_id=article.id, attempts=requests)

    def _redact(self, message: str) -> str:
        return redact_secret(message, self.config.api_key)


def redact_secret(message: str, key: str | None) -> str:
    """`message` with the API key masked (a provider may echo it in an error)."""
    if key and len(key) >= MIN_SECRET_LENGTH:
        return message.replace(key, "[redacted]")
    return message


class _SecretRedactor(logging.Filter):
    """Masks API keys in the log records of the libraries this backend calls.

    instructor logs every failed request with the error's text at ERROR, and a
    provider that echoes the key in a 401 body would put it in the caller's logs.
    """

    # instructor's loggers that write a failed request's error text.
    LOGGERS = ("instructor.v2.retry", "instructor.v2")

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def watch(self, secret: str) -> None:
        self._secrets.add(secret)
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            if self not in logger.filters:
                logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = message
        for secret in self._secrets:
            masked = masked.replace(secret, "[redacted]")
        if masked != message:
            record.msg, record.args = masked, None
        return True


_LOG_REDACTOR = _SecretRedactor()


@dataclass
class _Tally:
    """The requests sent for one article and the tokens their replies cost.

    Counted through instructor's hooks, so re-asks and the requests of a tenacity
    retry are all in it: instructor's own usage total restarts with each retry.
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def count_request(self, *args: Any, **kwargs: Any) -> None:
        self.requests += 1

    def add_usage(self, response: Any) -> None:
        usage = getattr(response, "usage", None)  # local servers may leave it out
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0


@cache
def _response_model() -> type[Extraction]:
    """Extraction wrapped for instructor once: given the bare model, instructor wraps it
    anew on every request, and each new class misses its schema cache (~10 ms a call)."""
    import instructor

    return cast("type[Extraction]", instructor.response_schema(Extraction))


def _instructor_mode(mode: Mode) -> instructor.Mode:
    import instructor

    return {
        Mode.TOOLS: instructor.Mode.TOOLS,
        Mode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
        Mode.JSON: instructor.Mode.JSON,
        Mode.MD_JSON: instructor.Mode.MD_JSON,
    }[mode]


def http_error(error: BaseException) -> openai.APIError | None:
    """The HTTP failure behind an error: the error itself, or the one instructor wrapped.

    instructor raises every failed request as InstructorRetryException with the
    openai error as its cause; a reply that failed validation has a different cause.
    """
    import openai

    for candidate in (error, error.__cause__):
        if isinstance(candidate, openai.APIError):
            return candidate
    return None


def is_transient(error: BaseException) -> bool:
    """Failures worth retrying: rate limits, server errors, timeouts, lost connections."""
    import openai

    failure = http_error(error)
    if isinstance(failure, openai.APIConnectionError):  # timeouts are a subclass
        return True
    if isinstance(failure, openai.APIStatusError):
        return failure.status_code in (408, 409, 429) or failure.status_code >= 500
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (seconds or an HTTP date, or retry-after-ms), if any."""
    import openai

    failure = http_error(error)
    if not isinstance(failure, openai.APIStatusError):
        return None
    headers = failure.response.headers
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


@dataclass(frozen=True)
class _RetryWait:
    """The server's Retry-After when it sends one, else exponential backoff with jitter.

    Retry-After is taken as given, however long: the stop condition compares the
    wait with what is left of `max_retry_seconds` and gives up rather than retry
    early, which a rate-limited server would only refuse again.
    """

    backoff: float

    def __call__(self, state: tenacity.RetryCallState) -> float:
        import tenacity

        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        retry_after = retry_after_seconds(error) if error is not None else None
        if retry_after is not None:
            return max(retry_after, 0.0)
        # Composed rather than wait_exponential_jitter, whose arguments changed in tenacity 9.
        backoff = tenacity.wait_exponential(multiplier=self.backoff, max=BACKOFF_MAX_SECONDS)
        jitter = tenacity.wait_random(0, self.backoff)
        return float((backoff + jitter)(state))


def describe_http_error(error: BaseException) -> str:
    """One line for an HTTP-level failure: the server's own error message, not its whole body."""
    import openai

    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}: {_first_line(_server_message(error))}"
    if isinstance(error, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(error, openai.APIConnectionError):
        return f"could not connect ({_first_line(str(error.__cause__ or error))})"
    return f"{type(error).__name__}: {_first_line(str(error))}"


def _server_message(error: openai.APIStatusError) -> str:
    """`message` of an OpenAI-style error body, else the status line's reason (an HTML 502)."""
    body = error.body  # openai has already unwrapped {"error": {...}}
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return error.response.reason_phrase


def describe_invalid_reply(error: BaseException) -> str:
    """What was wrong with the last reply: the validation errors, one clause each."""
    from pydantic import ValidationError

    failed = getattr(error, "failed_attempts", None) or []
    last = failed[-1].exception if failed else error.__cause__ or error
    if isinstance(last, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'reply'}: {item['msg']}"
            for item in last.errors()[:3]
        ]
        more = f" (+{last.error_count() - 3} more)" if last.error_count() > 3 else ""
        return "; ".join(problems) + more
    return f"{type(last).__name__}: {_first_line(str(last))}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:297] + "..."
