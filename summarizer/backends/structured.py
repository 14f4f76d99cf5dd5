"""Structured output through instructor's public client, and the request it sends.

Every request goes through `instructor.from_openai(...)` and
`chat.completions.create_with_completion`: instructor turns the response model
and the mode into request fields (`tools`, or a `response_format`, or
instructions appended to the messages), parses the reply with the model's
validators, and re-asks when a reply fails them.

A provider batch file must carry exactly the body that client sends. So the body
is not built here: `RequestTemplate` lets the client send one request, with
placeholder messages, into an `httpx.MockTransport`, keeps the JSON it received,
and fills each article's messages in. Batch replies are parsed the same way: the
stored completion is handed to the client through a transport that answers
with it (`ReplayedReply`), so live and batch replies share one parsing path.

The schema the model sees is lean: types, enums and limits, no titles, no
descriptions and no defaults, because the prompt says what each field means
(`summarize schema` keeps the documented one). In `json_schema` and
`tools_strict` modes it is sent in OpenAI's strict form: every property
required, those with a null default nullable, no additional properties. The
response model's own JSON schema is the lean one (pydantic's documented
`__get_pydantic_json_schema__`), so instructor puts it in the request as it is.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from summarizer.schema import Extraction
from summarizer.settings import LLMSettings, Mode

if TYPE_CHECKING:
    import instructor
    import tenacity
    from instructor.core import Hooks
    from pydantic import GetJsonSchemaHandler
    from pydantic_core import CoreSchema

# Modes whose schema the provider enforces, sent in OpenAI's strict form.
STRICT_MODES = frozenset({Mode.JSON_SCHEMA, Mode.TOOLS_STRICT})
_UNDOCUMENTED = frozenset({"title", "description", "default"})

# Stand-ins for the two messages while the request is captured.
_SYSTEM = "\x00summarizer-system-message\x00"
_USER = "\x00summarizer-user-message\x00"
_PLACEHOLDER = re.compile(f"{_SYSTEM}|{_USER}")
# The messages instructor is given: one-variable templates (see `request_kwargs`).
_TEMPLATED_MESSAGES = (
    {"role": "system", "content": "{{ system_message }}"},
    {"role": "user", "content": "{{ user_message }}"},
)
_CAPTURE_URL = "http://request-capture.invalid/v1"


def instructor_mode(mode: Mode) -> instructor.Mode:
    import instructor

    # tools_strict is instructor's tools request with `"strict": true` added
    # (`_strict_fields`): instructor's own TOOLS_STRICT is an alias of TOOLS.
    return {
        Mode.TOOLS: instructor.Mode.TOOLS,
        Mode.TOOLS_STRICT: instructor.Mode.TOOLS,
        Mode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
        Mode.JSON: instructor.Mode.JSON,
        Mode.MD_JSON: instructor.Mode.MD_JSON,
    }[mode]


@cache
def response_model(model: type[BaseModel] = Extraction, *, strict: bool = False) -> type[Any]:
    """`model` as instructor is given it: its JSON schema lean (strict form if `strict`),
    wrapped for instructor once.

    Given a bare model, instructor wraps it anew on every request, and each new
    class misses its schema cache. Parsed replies are instances of this class,
    a subclass of `model` that answers to the model's name.
    """
    import instructor

    def lean_json_schema(
        cls: type[BaseModel], core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        reference = handler(core_schema)
        top = handler.resolve_ref_schema(reference)
        seen: set[str] = set()
        pending = [top]
        while pending:
            node = pending.pop()
            node_lean = _lean(node, strict=strict)
            node.clear()
            node.update(node_lean)
            for ref in _refs(node):
                if ref not in seen:
                    seen.add(ref)
                    pending.append(handler.resolve_ref_schema({"$ref": ref}))
        top["title"] = model.__name__
        top["description"] = _summary(model)
        return reference

    lean = type(
        model.__name__,
        (model,),
        {
            "__get_pydantic_json_schema__": classmethod(lean_json_schema),
            "__doc__": model.__doc__,
            "__module__": model.__module__,
        },
    )
    wrapped: type[Any] = instructor.response_schema(lean)
    return wrapped


def lean_schema(model: type[BaseModel] = Extraction) -> dict[str, Any]:
    """`model`'s JSON Schema as the model sees it in tools, json and md_json modes."""
    return cast("dict[str, Any]", response_model(model).model_json_schema())


def strict_schema(model: type[BaseModel] = Extraction) -> dict[str, Any]:
    """The lean schema in OpenAI's strict form: every object closed and fully required."""
    return cast("dict[str, Any]", response_model(model, strict=True).model_json_schema())


def _summary(model: type[BaseModel]) -> str:
    """The schema's one description: the model's fields by name ("Headline, brief,
    events."), since the prompt says what they mean."""
    return ", ".join(model.model_fields).capitalize() + "."


def _lean(node: Any, *, strict: bool) -> Any:
    lean = _nullable_as_type_lists(_strip(node, _UNDOCUMENTED))
    return _strictly(lean) if strict else lean


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _refs(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)


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


def reask_policy(
    retrying_class: type[tenacity.BaseRetrying], max_reasks: int
) -> tenacity.BaseRetrying:
    """instructor's `max_retries`: re-ask only a reply that broke the schema or a
    validator (or a body that was not JSON), at most `max_reasks` times.

    Anything else (an HTTP failure) ends instructor's loop at once, for the
    backend's own tenacity policy (`summarizer.backends.retry`) to judge, so the
    two layers never multiply.
    """
    import tenacity

    return retrying_class(
        retry=tenacity.retry_if_exception_type(reask_errors()),
        stop=tenacity.stop_after_attempt(max_reasks + 1),
        reraise=True,
    )


def reask_errors() -> tuple[type[Exception], ...]:
    """The failures of a reply that a re-ask can mend: it broke the schema or a validator."""
    from instructor.core import ResponseParsingError
    from pydantic import ValidationError

    return (ValidationError, json.JSONDecodeError, ResponseParsingError)


def request_kwargs(
    settings: LLMSettings,
    model: type[BaseModel],
    *,
    system: str,
    user: str,
    context: dict[str, Any],
    max_retries: tenacity.BaseRetrying,
    extra_body: dict[str, Any] | None = None,
    hooks: Hooks | None = None,
) -> dict[str, Any]:
    """The arguments of `create_with_completion` for two messages: the one place a
    request is described, for live requests, their capture and replayed replies."""
    kwargs: dict[str, Any] = {
        "model": settings.model,
        # instructor renders every message as a Jinja template whenever `context` is
        # given, and `context` is also what carries the article to the validators.
        # So the messages are one-variable templates whose values are the texts our
        # own templates rendered: the article stays data, never template.
        "messages": [dict(message) for message in _TEMPLATED_MESSAGES],
        "context": {
            **context,
            "system_message": _blank_lines_emptied(system),
            "user_message": _blank_lines_emptied(user),
        },
        "response_model": response_model(model, strict=settings.mode in STRICT_MODES),
        "max_retries": max_retries,
        "temperature": settings.temperature,
        # Types as JSON gives them (a date as a string): pydantic's lax mode.
        "strict": False,
    }
    if extra_body:
        kwargs["extra_body"] = extra_body
    if hooks is not None:
        kwargs["hooks"] = hooks
    return kwargs


def _blank_lines_emptied(text: str) -> str:
    """`text` with lines of nothing but blanks emptied.

    instructor dedents each rendered message (textwrap.dedent), which empties
    such lines; done here first, the text sent is the text filled into a
    captured body, byte for byte.
    """
    return re.sub(r"(?m)^[^\S\n]+$", "", text)


class RequestTemplate:
    """The request instructor's client sends for `settings` and `model`, captured once.

    `extra_body` is what every request adds to instructor's arguments: in a strict
    mode, the field that carries the schema, with `"strict": true` added (openai's
    `extra_body` puts it in place of instructor's, which is the same but for that
    flag: instructor has no public way to ask for it). `body` fills an article's
    messages into the captured JSON body.
    """

    def __init__(self, settings: LLMSettings, model: type[BaseModel] = Extraction) -> None:
        self.model = model
        self.extra_body = _strict_fields(settings, _capture(settings, model, extra_body=None))
        self._template = _capture(settings, model, extra_body=self.extra_body)

    def body(self, system: str, user: str) -> dict[str, Any]:
        """The JSON body of the request for these two messages."""
        texts = {_SYSTEM: _blank_lines_emptied(system), _USER: _blank_lines_emptied(user)}

        def filled(message: dict[str, Any]) -> dict[str, Any]:
            content = message.get("content")
            if not isinstance(content, str):
                return message
            # One pass: a placeholder inside an article's text is left as it is.
            return {**message, "content": _PLACEHOLDER.sub(lambda m: texts[m[0]], content)}

        return {**self._template, "messages": [filled(m) for m in self._template["messages"]]}


def _strict_fields(settings: LLMSettings, sent: dict[str, Any]) -> dict[str, Any]:
    """The strict form of the schema field of `sent` (a captured body); none when the
    mode is not strict."""
    if settings.mode is Mode.JSON_SCHEMA:
        response_format = sent["response_format"]
        return {
            "response_format": {
                **response_format,
                "json_schema": {**response_format["json_schema"], "strict": True},
            }
        }
    if settings.mode is Mode.TOOLS_STRICT:
        return {
            "tools": [
                {**tool, "function": {**tool["function"], "strict": True}} for tool in sent["tools"]
            ]
        }
    return {}


def _capture(
    settings: LLMSettings, model: type[BaseModel], *, extra_body: dict[str, Any] | None
) -> dict[str, Any]:
    """The body instructor's client sends for placeholder messages, read at the HTTP
    transport, which answers with a reply cut off at the token limit: instructor
    gives up on that at once, without a re-ask or a log line."""
    import tenacity

    httpx = _http_library()
    sent: list[dict[str, Any]] = []

    def answer(request: Any) -> Any:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=_completion(settings.model, "{}", "length"))

    client = _instructor_client(settings, httpx.MockTransport(answer))
    kwargs = request_kwargs(
        settings,
        model,
        system=_SYSTEM,
        user=_USER,
        context={},
        max_retries=reask_policy(tenacity.Retrying, 0),
        extra_body=extra_body,
    )
    from instructor.core import IncompleteOutputException

    # Given up on as cut off; the request was sent, and that is all this needs.
    with contextlib.suppress(IncompleteOutputException):
        client.chat.completions.create_with_completion(**kwargs)
    (body,) = sent
    return body


# The stored completion the replaying transport answers with, set for one call.
_REPLAYED: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("replayed_reply")


class ReplayedReply:
    """instructor's client over a transport that answers with a stored completion: a
    batch reply parsed and validated exactly as a live one is."""

    def __init__(self, settings: LLMSettings) -> None:
        httpx = _http_library()

        def answer(request: Any) -> Any:
            return httpx.Response(200, json=_REPLAYED.get())

        self.client = _instructor_client(settings, httpx.MockTransport(answer))

    def create(self, completion: dict[str, Any], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        """`create_with_completion(**kwargs)`, answered by `completion`."""
        token = _REPLAYED.set(completion)
        try:
            return cast(
                "tuple[Any, Any]", self.client.chat.completions.create_with_completion(**kwargs)
            )
        finally:
            _REPLAYED.reset(token)


def _http_library() -> Any:
    """The HTTP library openai's client is built on: httpx2 from openai 3, httpx before."""
    import importlib

    try:
        return importlib.import_module("httpx2")
    except ImportError:
        return importlib.import_module("httpx")


def _instructor_client(settings: LLMSettings, transport: Any) -> Any:
    """instructor's client over openai's, whose requests `transport` answers."""
    import instructor
    import openai

    http = openai.OpenAI(
        api_key="transport",  # never sent anywhere: the transport answers
        base_url=_CAPTURE_URL,
        max_retries=0,
        http_client=openai.DefaultHttpxClient(transport=transport),
    )
    return instructor.from_openai(http, mode=instructor_mode(settings.mode))


def _completion(model: str, content: str, finish_reason: str) -> dict[str, Any]:
    return {
        "id": "capture",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
    }
