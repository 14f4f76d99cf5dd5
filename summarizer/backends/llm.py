"""The LLM backend: instructor over the openai client, for any OpenAI-compatible endpoint.

Two retry layers, each owning one kind of failure, so they never multiply:

- a reply that fails validation is re-asked (`max_reasks`), with instructor's
  message carrying the validation error back to the model
  (`summarizer.backends.structured`);
- tenacity retries transient HTTP failures (`summarizer.backends.retry`); a
  retry starts the article again, re-asks and all.

A reply whose content is not JSON at all is a parse error, re-asked like an
invalid one.

The openai client's own retries are switched off (`max_retries=0`): left on, each
tenacity attempt would hide up to three requests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.backends.failures import InvalidReplies, backend_error
from summarizer.backends.retry import retrying
from summarizer.backends.structured import StructuredRequest, reask_errors
from summarizer.errors import BackendError, ConfigurationError
from summarizer.prompts import PromptTemplate, load_prompt
from summarizer.schema import Extraction, Usage, ValidationContext
from summarizer.settings import LLMSettings

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion

# openai's client insists on a key; local servers (Ollama, llama.cpp, vLLM) ignore it.
KEYLESS_PLACEHOLDER = "no-key"


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
        # Held, not looked up per request, so the version in every cache key is the
        # version of the text actually sent.
        self.prompt: PromptTemplate = load_prompt(folder=settings.prompt_dir)
        self.prompt_version = self.prompt.version
        self._request: StructuredRequest | None = None
        self._client: openai.OpenAI | None = None
        self._async_client: openai.AsyncOpenAI | None = None
        self._async_loop: asyncio.AbstractEventLoop | None = None
        # Whether the server has answered any request yet, if only to refuse it: a
        # refused connection before then stops the run (`failures.run_wide_reason`).
        self.reached = False

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

    def request_body(self, article: Article) -> dict[str, Any]:
        """The chat-completions JSON body for `article`: what the realtime path sends
        first, and what a provider batch file carries."""
        system, user = self.prompt.render(article)
        return self._structured().body(system, user)

    def extract(self, article: Article) -> Draft:
        import openai
        import tenacity

        client = self._sync_client()
        context = article.validation_context()
        tally = _Tally()
        try:
            for attempt in retrying(tenacity.Retrying, self.config, self._was_reached):
                with attempt:
                    body = self.request_body(article)
                    for reasks_left in range(self.config.max_reasks, -1, -1):
                        tally.requests += 1
                        try:
                            reply = client.post(**_post(body))
                        except json.JSONDecodeError as error:  # a body cut off on its way
                            reply = error
                        except openai.APIStatusError:
                            self.reached = True
                            raise
                        self.reached = True
                        outcome = self._after_reply(body, reply, context, reasks_left, tally)
                        if isinstance(outcome, Draft):
                            return outcome
                        body = outcome
        except Exception as error:
            raise self._backend_error(error, article, tally) from None
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def aextract(self, article: Article) -> Draft:
        import openai
        import tenacity

        client = self._async_client_()
        context = article.validation_context()
        tally = _Tally()
        try:
            async for attempt in retrying(tenacity.AsyncRetrying, self.config, self._was_reached):
                with attempt:
                    body = self.request_body(article)
                    for reasks_left in range(self.config.max_reasks, -1, -1):
                        tally.requests += 1
                        try:
                            reply = await client.post(**_post(body))
                        except json.JSONDecodeError as error:  # a body cut off on its way
                            reply = error
                        except openai.APIStatusError:
                            self.reached = True
                            raise
                        self.reached = True
                        outcome = self._after_reply(body, reply, context, reasks_left, tally)
                        if isinstance(outcome, Draft):
                            return outcome
                        body = outcome
        except Exception as error:
            raise self._backend_error(error, article, tally) from None
        raise AssertionError("unreachable: the retry loop returns or raises")

    def draft_from_completion(self, article: Article, completion: dict[str, Any]) -> Draft:
        """A reply to `request_body` (a chat-completions JSON body, as a batch output
        line carries it), parsed and validated as a realtime reply is, with the
        article's validation context.

        Raises InvalidOutputError, with the reply's usage, when it is not a valid
        extraction of the article.
        """
        from instructor.core import IncompleteOutputException
        from openai.types.chat import ChatCompletion

        invalid: tuple[type[Exception], ...] = (*reask_errors(), IncompleteOutputException)
        tally = _Tally(requests=1)
        try:
            reply = ChatCompletion.model_validate(completion)
            tally.add_usage(reply)
            extraction = self._structured().parse(reply, article.validation_context())
        except invalid as error:
            raise self._backend_error(InvalidReplies(error), article, tally) from None
        return self._draft(extraction, tally)

    def _after_reply(
        self,
        body: dict[str, Any],
        reply: ChatCompletion | json.JSONDecodeError,
        context: ValidationContext,
        reasks_left: int,
        tally: _Tally,
    ) -> Draft | dict[str, Any]:
        """The draft a reply gives, or the body to send next; raises when no re-ask is left."""
        structured = self._structured()
        error: Exception
        if isinstance(reply, json.JSONDecodeError):
            error = reply
        else:
            tally.add_usage(reply)
            try:
                return self._draft(structured.parse(reply, context), tally)
            except reask_errors() as invalid:
                error = invalid
        if not reasks_left:
            raise InvalidReplies(error) from error
        # An unreadable body has no reply to quote back: the same request again.
        return (
            body
            if isinstance(reply, json.JSONDecodeError)
            else structured.reask(body, reply, error)
        )

    def _was_reached(self) -> bool:
        return self.reached

    def _structured(self) -> StructuredRequest:
        if self._request is None:
            self._request = StructuredRequest(self.config)
        return self._request

    def _openai_kwargs(self) -> dict[str, Any]:
        return {
            "api_key": self.config.api_key or KEYLESS_PLACEHOLDER,
            "base_url": self.config.base_url,
            "max_retries": 0,
            "timeout": self.config.timeout,
        }

    def _sync_client(self) -> openai.OpenAI:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(**self._openai_kwargs())
        return self._client

    def _async_client_(self) -> openai.AsyncOpenAI:
        # Pooled connections belong to the event loop that opened them: a client kept
        # from an earlier asyncio.run() fails its first request on the new loop, and
        # that failure would be retried as if the server had dropped the connection.
        loop = asyncio.get_running_loop()
        if self._async_client is None or self._async_loop is not loop:
            import openai

            # openai's own default HTTP client, when dropped, schedules its close on the
            # running loop, where the connections of a closed loop fail and asyncio logs
            # "Task exception was never retrieved"; this one is left to the collector.
            http_client = openai.DefaultAsyncHttpxClient()
            self._async_client = openai.AsyncOpenAI(
                **self._openai_kwargs(), http_client=http_client
            )
            self._async_loop = loop
        return self._async_client

    def _draft(self, result: Extraction, tally: _Tally) -> Draft:
        return Draft(
            extraction=Extraction.model_validate(result.model_dump()),
            usage=tally.usage,
            attempts=max(tally.requests, 1),
        )

    def _backend_error(self, error: Exception, article: Article, tally: _Tally) -> BackendError:
        failure = backend_error(
            error,
            article_id=article.id,
            model=self.config.model,
            endpoint=self.config.base_url or "OpenAI",
            requests=tally.requests,
            usage=tally.usage,
            key=self.config.api_key,
            reached=self.reached,
        )
        return failure


@dataclass
class _Tally:
    """The requests sent for one article and the tokens their replies cost.

    Re-asks and the requests of a tenacity retry are all in it, failed ones too.
    """

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add_usage(self, response: Any) -> None:
        usage = getattr(response, "usage", None)  # local servers may leave it out
        self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0

    @property
    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)


def _post(body: dict[str, Any]) -> dict[str, Any]:
    """openai's low-level POST of a prepared body: the typed `create` would walk the
    body's types to transform it (about 2 ms a request) and send the same JSON."""
    from openai.types.chat import ChatCompletion

    return {"path": "/chat/completions", "body": body, "cast_to": ChatCompletion}
