"""The LLM backend: instructor over the openai client, for any OpenAI-compatible endpoint.

Two retry layers, each owning one kind of failure, so they never multiply:

- instructor re-asks when a reply fails validation (`max_reasks`), sending the
  validation error back to the model;
- tenacity retries transient HTTP failures (`summarizer.backends.retry`).

A reply whose body is not JSON at all (cut off by a proxy) is a parse error to
instructor, which repeats the same request up to `max_reasks` times.

The openai client's own retries are switched off (`max_retries=0`): left on, each
tenacity attempt would hide up to three requests.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.backends.failures import backend_error
from summarizer.backends.retry import retrying
from summarizer.errors import BackendError, ConfigurationError
from summarizer.prompts import PromptTemplate, load_prompt
from summarizer.schema import Extraction, Usage
from summarizer.settings import LLMSettings, Mode

if TYPE_CHECKING:
    import instructor

# openai's client insists on a key; local servers (Ollama, llama.cpp, vLLM) ignore it.
KEYLESS_PLACEHOLDER = "no-key"
# Keys shorter than this are placeholders for keyless local servers ("EMPTY", "ollama"):
# not secrets, and replacing them in messages would mangle ordinary words.
MIN_SECRET_LENGTH = 8
REDACTED = "[redacted]"


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
        self._secret = (
            settings.api_key
            if settings.api_key and len(settings.api_key) >= MIN_SECRET_LENGTH
            else None
        )
        if self._secret is not None:
            _mask_in_instructor_logs(self, self._secret)
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
            for attempt in retrying(tenacity.Retrying, self.config):
                with attempt:
                    result = client.create(**self._request(article, tally))
        except Exception as error:
            raise self._backend_error(error, article, tally) from None
        return self._draft(result, tally)

    async def aextract(self, article: Article) -> Draft:
        import tenacity

        client = self._async_client_()
        tally = _Tally()
        try:
            async for attempt in retrying(tenacity.AsyncRetrying, self.config):
                with attempt:
                    result = await client.create(**self._request(article, tally))
        except Exception as error:
            raise self._backend_error(error, article, tally) from None
        return self._draft(result, tally)

    def _request(self, article: Article, tally: _Tally) -> dict[str, Any]:
        from instructor.core.hooks import Hooks

        hooks = Hooks()
        hooks.on("completion:kwargs", tally.count_request)
        hooks.on("completion:response", tally.add_usage)
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
            "max_retries": self.config.max_reasks,
            "temperature": self.config.temperature,
            "strict": False,
            "hooks": hooks,
        }

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

    def _backend_error(self, error: Exception, article: Article, tally: _Tally) -> BackendError:
        failure = backend_error(
            error,
            article_id=article.id,
            model=self.config.model,
            endpoint=self.config.base_url or "OpenAI",
            requests=tally.requests,
            usage=(tally.prompt_tokens, tally.completion_tokens),
        )
        if self._secret is not None:
            failure = failure.redacted(self._secret, REDACTED)
        return failure


class _KeyMask(logging.Filter):
    """Masks one API key in the log records of the libraries a backend calls.

    instructor logs every failed request with the error's text at ERROR, and a
    provider that echoes the key in a 401 body would put it in the caller's logs.
    """

    # instructor's loggers that write a failed request's error text.
    LOGGERS = ("instructor.v2.retry", "instructor.v2")

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, REDACTED), None
        return True


def _mask_in_instructor_logs(backend: LLMBackend, secret: str) -> None:
    """Mask `secret` in instructor's logs for as long as `backend` lives."""
    mask = _KeyMask(secret)
    loggers = [logging.getLogger(name) for name in _KeyMask.LOGGERS]
    for logger in loggers:
        logger.addFilter(mask)
    weakref.finalize(backend, _remove_filter, loggers, mask)


def _remove_filter(loggers: list[logging.Logger], mask: logging.Filter) -> None:
    for logger in loggers:
        logger.removeFilter(mask)


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
