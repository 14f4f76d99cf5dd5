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

The schema the model sees is lean: types, enums and limits, no titles, no
descriptions and no defaults, because the prompt says what each field means
(`summarize schema` keeps the documented one). In `json_schema` and
`tools_strict` modes it is sent in OpenAI's strict form: every property
required, those with a null default nullable, no additional properties.
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
        if settings.mode in STRICT_MODES:
            _make_strict(self._template)
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


# Modes whose schema the provider enforces, sent in OpenAI's strict form.
STRICT_MODES = frozenset({Mode.JSON_SCHEMA, Mode.TOOLS_STRICT})
_UNDOCUMENTED = frozenset({"title", "description", "default"})


@cache
def response_model() -> type[Extraction]:
    """Extraction wrapped for instructor once, showing the model its lean schema.

    Given the bare model, instructor wraps it anew on every request, and each new
    class misses its schema cache (~10 ms a call).
    """
    import instructor

    def model_json_schema(cls: type, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return lean_schema()

    wrapped = instructor.response_schema(Extraction)
    # Named as the model: the name is the tool's, or the json_schema's, in the request.
    lean = type("Extraction", (wrapped,), {"model_json_schema": classmethod(model_json_schema)})
    return cast("type[Extraction]", lean)


@cache
def _lean_schema_json() -> str:
    documented = Extraction.model_json_schema()
    lean = _nullable_as_type_lists(_strip(documented, _UNDOCUMENTED))
    lean["title"] = "Extraction"
    lean["description"] = "Events, headline, brief."
    return json.dumps(lean)


def lean_schema() -> dict[str, Any]:
    """Extraction's JSON Schema as the model sees it (a fresh copy each call)."""
    return cast("dict[str, Any]", json.loads(_lean_schema_json()))


def strict_schema() -> dict[str, Any]:
    """The lean schema in OpenAI's strict form: every object closed and fully required."""
    return cast("dict[str, Any]", _strictly(lean_schema()))


def _strictly(node: Any) -> Any:
    if isinstance(node, list):
        return [_strictly(item) for item in node]
    if not isinstance(node, dict):
        return node
    strict = {key: _strictly(value) for key, value in node.items()}
    if strict.get("type") == "object":
        strict.setdefault("additionalProperties", False)
        if "properties" in strict:
            strict["required"] = list(strict["properties"])
    return strict


def _strip(node: Any, keys: frozenset[str]) -> Any:
    if isinstance(node, list):
        return [_strip(item, keys) for item in node]
    if not isinstance(node, dict):
        return node
    # A property may be *named* like a keyword ("date", "summary"): only keywords go.
    return {
        key: (
            {name: _strip(value, keys) for name, value in value.items()}
            if key in ("properties", "$defs")
            else _strip(value, keys)
        )
        for key, value in node.items()
        if key not in keys
    }


def _nullable_as_type_lists(node: Any) -> Any:
    """`{"anyOf": [{"type": "string"}, {"type": "null"}]}` as `{"type": ["string", "null"]}`."""
    if isinstance(node, list):
        return [_nullable_as_type_lists(item) for item in node]
    if not isinstance(node, dict):
        return node
    compact = {key: _nullable_as_type_lists(value) for key, value in node.items()}
    variants = compact.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        (other,) = (variant for variant in variants if variant != {"type": "null"})
        if isinstance(other.get("type"), str):
            del compact["anyOf"]
            compact.update(other, type=[other["type"], "null"])
    return compact


def _make_strict(template: dict[str, Any]) -> None:
    """Replace the schema instructor put in the request with its strict form."""
    schema = strict_schema()
    if "response_format" in template:
        template["response_format"]["json_schema"].update(schema=schema, strict=True)
    for tool in template.get("tools", ()):
        tool["function"].update(parameters=schema, strict=True)


def instructor_mode(mode: Mode) -> instructor.Mode:
    import instructor

    # tools_strict is instructor's tools request with the strict schema put in
    # (`_make_strict`): instructor's own TOOLS_STRICT is deprecated and not strict.
    return {
        Mode.TOOLS: instructor.Mode.TOOLS,
        Mode.TOOLS_STRICT: instructor.Mode.TOOLS,
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
