"""The LLM backend: instructor over the openai client, for any OpenAI-compatible endpoint.

Requests go through instructor's public client (`create_with_completion`) over
openai's `chat.completions`. Two retry layers, each owning one kind of failure,
so they never multiply:

- a reply that fails validation, or whose body is not JSON, is re-asked by
  instructor (`max_reasks`, `structured.reask_policy`), with its message carrying
  the validation error back to the model;
- tenacity retries transient HTTP failures (`summarizer.backends.retry`); a
  retry starts the article again, re-asks and all.

The openai client's own retries are switched off (`max_retries=0`): left on, each
tenacity attempt would hide up to three requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.backends.failures import (
    MIN_SECRET_LENGTH,
    REDACTED,
    InvalidReplies,
    backend_error,
)
from summarizer.backends.retry import http_error, retrying
from summarizer.backends.structured import (
    ReplayedReply,
    RequestTemplate,
    reask_errors,
    reask_policy,
    request_kwargs,
)
from summarizer.errors import BackendError, ConfigurationError
from summarizer.prompts import PromptTemplate, load_prompt
from summarizer.schema import Usage
from summarizer.settings import LLMSettings

if TYPE_CHECKING:
    import instructor
    import tenacity
    from instructor.core import Hooks

    from summarizer.codebook import Codebook

# openai's client insists on a key; local servers (Ollama, llama.cpp, vLLM) ignore it.
KEYLESS_PLACEHOLDER = "no-key"


class LLMBackend:
    """Extraction by a model behind an OpenAI-compatible chat-completions endpoint.

    It extracts `codebook` (None: `news`): the prompt renders it, and a reply must
    validate as its `extraction_model`, unless `response_model` names another
    Pydantic model; the schema the model sees is the lean form of that model.
    """

    name = "openai"

    def __init__(
        self,
        settings: LLMSettings,
        response_model: type[BaseModel] | None = None,
        codebook: Codebook | None = None,
    ) -> None:
        from summarizer.codebook import DEFAULT_CODEBOOK, Codebook

        if not settings.configured:
            raise ConfigurationError(
                "no LLM endpoint configured: set OPENAI_API_KEY for OpenAI, or "
                "OPENAI_BASE_URL / --base-url for a local server (Ollama, vLLM, llama.cpp)"
            )
        self.config = settings
        self.codebook = codebook or Codebook.load(DEFAULT_CODEBOOK)
        self._own_response_model = response_model
        self.response_model = response_model or self.codebook.extraction_model
        self.model: str | None = settings.model
        # Held, not looked up per request, so the version in every cache key is the
        # version of the text actually sent.
        self.prompt: PromptTemplate = load_prompt(folder=settings.prompt_dir)
        self.prompt_version = self.codebook.versioned(self.prompt.version)
        self._template: RequestTemplate | None = None
        self._replayed: ReplayedReply | None = None
        self._client: instructor.Instructor | None = None
        self._async_client: instructor.AsyncInstructor | None = None
        self._async_loop: asyncio.AbstractEventLoop | None = None
        # Whether the server has answered any request yet, if only to refuse it: a
        # refused connection before then stops the run (`failures.run_wide_reason`).
        self.reached = False
        self._logs_masked = False

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (for a worker process) opens its own clients: theirs hold sockets
        # and belong to an event loop. It keeps this prompt, the one in the cache keys.
        # A codebook's models are made at run time: the codebook travels as its data.
        return (
            LLMBackend,
            (self.config, self._own_response_model, self.codebook),
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

    @property
    def chunk_tokens(self) -> int:
        """The chunk budget of a long document: from the model's context window when
        genai-prices knows it, else `chunking.DEFAULT_CHUNK_TOKENS`."""
        from summarizer.chunking import default_chunk_tokens
        from summarizer.cost import context_window

        return default_chunk_tokens(context_window(self.config.model, self.config.base_url))

    def request_body(self, article: Article) -> dict[str, Any]:
        """The chat-completions JSON body for `article`: what instructor's client sends
        first (captured from it, `RequestTemplate`), and what a provider batch file
        carries."""
        system, user = self.prompt.render(article, self.codebook)
        return self._request_template().body(system, user)

    # The two drivers of one exchange (`_Exchange`): they differ only in how they wait.

    def extract(self, article: Article) -> Draft:
        import tenacity

        exchange = self._exchange(article, tenacity.Retrying)
        try:
            for attempt in retrying(tenacity.Retrying, self.config, self._was_reached):
                with attempt, exchange.translated():
                    client = self._sync_client()
                    return exchange.draft(
                        client.chat.completions.create_with_completion(**exchange.kwargs)
                    )
        except Exception as error:
            raise exchange.failure(error) from None
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def aextract(self, article: Article) -> Draft:
        import tenacity

        exchange = self._exchange(article, tenacity.AsyncRetrying)
        try:
            async for attempt in retrying(tenacity.AsyncRetrying, self.config, self._was_reached):
                with attempt, exchange.translated():
                    client = self._async_client_()
                    return exchange.draft(
                        await client.chat.completions.create_with_completion(**exchange.kwargs)
                    )
        except Exception as error:
            raise exchange.failure(error) from None
        raise AssertionError("unreachable: the retry loop returns or raises")

    def draft_from_completion(self, article: Article, completion: dict[str, Any]) -> Draft:
        """A reply to `request_body` (a chat-completions JSON body, as a batch output
        line carries it), parsed and validated by instructor's client as a realtime
        reply is, with the article's validation context; never re-asked.

        Raises InvalidOutputError, with the reply's usage, when it is not a valid
        extraction of the article.
        """
        import tenacity

        if self._replayed is None:
            self._replayed = ReplayedReply(self.config)
            self._mask_key_in_logs()
        exchange = self._exchange(article, tenacity.Retrying, reasks=0)
        try:
            with exchange.translated():
                return exchange.draft(self._replayed.create(completion, exchange.kwargs))
        except Exception as error:
            raise exchange.failure(error) from None

    def _exchange(
        self,
        article: Article,
        retrying_class: type[tenacity.BaseRetrying],
        *,
        reasks: int | None = None,
    ) -> _Exchange:
        template = self._request_template()
        system, user = self.prompt.render(article, self.codebook)
        exchange = _Exchange(self, article)
        exchange.kwargs = request_kwargs(
            self.config,
            self.response_model,
            system=system,
            user=user,
            context=dict(article.validation_context()),
            max_retries=reask_policy(
                retrying_class, self.config.max_reasks if reasks is None else reasks
            ),
            extra_body=template.extra_body,
            hooks=exchange.hooks(),
        )
        return exchange

    def _was_reached(self) -> bool:
        return self.reached

    def _request_template(self) -> RequestTemplate:
        if self._template is None:
            self._template = RequestTemplate(self.config, self.response_model)
        return self._template

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
                openai.OpenAI(**self._openai_kwargs()),
                mode=_instructor_mode(self.config),
            )
            self._mask_key_in_logs()
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
                mode=_instructor_mode(self.config),
            )
            self._async_loop = loop
            self._mask_key_in_logs()
        return self._async_client

    def _mask_key_in_logs(self) -> None:
        """Once instructor is loaded: mask the API key in its logs while this backend lives."""
        key = self.config.api_key
        if not self._logs_masked and key and len(key) >= MIN_SECRET_LENGTH:
            _mask_in_instructor_logs(self, key)
            self._logs_masked = True


def _instructor_mode(settings: LLMSettings) -> instructor.Mode:
    from summarizer.backends.structured import instructor_mode

    return instructor_mode(settings.mode)


@dataclass
class _Exchange:
    """One article's requests: their arguments, what they cost, and how they end.

    Requests and tokens are counted through instructor's hooks, so re-asks and
    the requests of a tenacity retry are all in them, failed ones too.
    """

    backend: LLMBackend
    article: Article
    kwargs: dict[str, Any] = field(default_factory=dict)
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def hooks(self) -> Hooks:
        from instructor.core import Hooks

        hooks = Hooks()
        hooks.on("completion:kwargs", self._count_request)
        hooks.on("completion:response", self._add_usage)
        return hooks

    def _count_request(self, *args: Any, **kwargs: Any) -> None:
        self.requests += 1

    def _add_usage(self, response: Any) -> None:
        self.backend.reached = True
        usage = getattr(response, "usage", None)  # local servers may leave it out
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0

    @property
    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        """instructor's failures as this backend's: an HTTP failure as itself, for the
        tenacity policy to judge; re-asks that never got a valid reply as InvalidReplies."""
        import openai
        from instructor.core import InstructorRetryException

        try:
            yield
        except openai.APIStatusError:
            self.backend.reached = True
            raise
        except InstructorRetryException as error:
            cause = error.__cause__
            failure = http_error(cause) if cause is not None else None
            if failure is not None:
                # A refusal with a status is an answer: the server is there.
                self.backend.reached |= isinstance(failure, openai.APIStatusError)
                # Its cause stays: it tells a refused connection from a timeout.
                raise failure from failure.__cause__
            if isinstance(cause, reask_errors()):
                raise InvalidReplies(cause) from None
            raise

    def draft(self, reply: tuple[BaseModel, Any]) -> Draft:
        parsed, _ = reply
        model = self.backend.response_model
        # The response model's own class, unvalidated again: instructor's is a subclass
        # made at run time, which cannot be pickled (to or from a worker process).
        extraction = model.model_construct(parsed.model_fields_set, **dict(parsed))
        return Draft(extraction=extraction, usage=self.usage, attempts=max(self.requests, 1))

    def failure(self, error: Exception) -> BackendError:
        """The BackendError for a request that failed for good, the API key masked."""
        config = self.backend.config
        return backend_error(
            error,
            article_id=self.article.id,
            model=config.model,
            endpoint=config.base_url or "OpenAI",
            requests=self.requests,
            usage=self.usage,
            key=config.api_key,
            reached=self.backend.reached,
        )


class _KeyMask(logging.Filter):
    """Masks one API key in the log records of instructor's loggers.

    instructor logs every failed request with the error's text at ERROR, and a
    provider that echoes the key in a 401 body would put it in the caller's logs.
    """

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
    # A logger's filters see only its own records, not its children's: every logger
    # instructor has made (it makes them as its modules load) gets the mask.
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] == "instructor"]
    loggers = [logging.getLogger(name) for name in ["instructor", *names]]
    for logger in loggers:
        logger.addFilter(mask)
    weakref.finalize(backend, _remove_filter, loggers, mask)


def _remove_filter(loggers: list[logging.Logger], mask: logging.Filter) -> None:
    for logger in loggers:
        logger.removeFilter(mask)
