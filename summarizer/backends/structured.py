"""Structured output through instructor, with its per-mode work done once per backend.

instructor turns a response model and a mode into request fields (`tools`, or a
`response_format`, or instructions appended to the messages), parses a reply
back into the model with the validators, and writes the re-ask messages when a
reply fails them. Its client does all three on every call, and walks the model
for asynchronous validators several times per call: about half the CPU an LLM
request costs here. `StructuredRequest` asks instructor once, for placeholder
messages, and fills each article's messages into that template, so the body is
byte for byte what instructor builds (a test compares them), and calls
instructor's own parser and re-ask writer for the mode.

The body is plain JSON, sent as it is by the realtime path and written as it is
into provider batch files: one source of truth for both.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from summarizer.errors import ConfigurationError
from summarizer.schema import Extraction, ValidationContext
from summarizer.settings import LLMSettings, Mode

if TYPE_CHECKING:
    import instructor
    from openai.types.chat import ChatCompletion

# Stand-ins for the two messages while instructor works out the mode's request.
_SYSTEM = "\x00summarizer-system-message\x00"
_USER = "\x00summarizer-user-message\x00"


@dataclass(frozen=True)
class _Handlers:
    parse: Any
    reask: Any


class StructuredRequest:
    """The chat-completions request for `settings`' model and mode, built once."""

    def __init__(self, settings: LLMSettings) -> None:
        from instructor.processing.response import handle_response_model

        self.mode = settings.mode
        placeholders = [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": _USER},
        ]
        self.response_model, self._template = handle_response_model(
            response_model(),
            instructor_mode(settings.mode),
            messages=placeholders,
            model=settings.model,
            temperature=settings.temperature,
        )
        messages = self._template["messages"]
        if [(_count(m, _SYSTEM), _count(m, _USER)) for m in messages] != [(1, 0), (0, 1)]:
            raise ConfigurationError(
                f"this instructor release shapes {settings.mode.value} requests in a way "
                "summarizer does not know; install instructor>=1.17,<2"
            )
        self._handlers = _handlers(settings.mode)

    def body(self, system: str, user: str) -> dict[str, Any]:
        """The JSON body of the request for these two messages."""
        system_message, user_message = self._template["messages"]
        return {
            **self._template,
            "messages": [
                {**system_message, "content": system_message["content"].replace(_SYSTEM, system)},
                {**user_message, "content": user_message["content"].replace(_USER, user)},
            ],
        }

    def parse(self, completion: ChatCompletion, context: ValidationContext) -> Extraction:
        """The reply as a validated Extraction; raises what instructor raises for a bad one.

        A ValidationError or JSONDecodeError is worth a re-ask; instructor's
        IncompleteOutputException (cut off at the token limit) is not.
        """
        parsed = self._handlers.parse(
            response=completion,
            response_model=self.response_model,
            validation_context=dict(context),
            strict=False,
            stream=False,
            is_async=False,
        )
        return cast("Extraction", parsed)

    def reask(
        self, body: dict[str, Any], completion: ChatCompletion, error: Exception
    ) -> dict[str, Any]:
        """The next request: `body` with the failed reply and the error that explains it."""
        reasked = self._handlers.reask(
            kwargs=copy.deepcopy(body), response=completion, exception=error
        )
        return cast("dict[str, Any]", reasked)


def reask_errors() -> tuple[type[Exception], ...]:
    """The failures of a reply that a re-ask can mend: it broke the schema or a validator."""
    from instructor.core.exceptions import ResponseParsingError
    from pydantic import ValidationError

    return (ValidationError, json.JSONDecodeError, ResponseParsingError)


@cache
def response_model() -> type[Extraction]:
    """Extraction wrapped for instructor once: given the bare model, instructor wraps it
    anew on every request, and each new class misses its schema cache (~10 ms a call)."""
    import instructor

    return cast("type[Extraction]", instructor.response_schema(Extraction))


def instructor_mode(mode: Mode) -> instructor.Mode:
    import instructor

    return {
        Mode.TOOLS: instructor.Mode.TOOLS,
        Mode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
        Mode.JSON: instructor.Mode.JSON,
        Mode.MD_JSON: instructor.Mode.MD_JSON,
    }[mode]


@cache
def _handlers(mode: Mode) -> _Handlers:
    # instructor's own dispatch for OpenAI and the mode: what its retry loop calls
    # after its per-call checks (the asynchronous-validator walk finds none in
    # Extraction, which has none).
    from instructor.v2.core.providers import Provider
    from instructor.v2.core.registry import mode_registry

    handlers = mode_registry.get_handlers(Provider.OPENAI, instructor_mode(mode))
    return _Handlers(parse=handlers.response_parser, reask=handlers.reask_handler)


def _count(message: dict[str, Any], placeholder: str) -> int:
    content = message.get("content")
    return content.count(placeholder) if isinstance(content, str) else -1
