"""Tests for the loopback server, through the real openai and instructor clients.

The ``loopback_server`` fixture comes from tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import instructor
import openai
import pydantic
import pytest
from instructor.core import InstructorRetryException

from tests.loopback import (
    Fault,
    LoopbackServer,
    RecordedRequest,
    Reply,
    Reset,
    Slow,
    Step,
    Truncated,
)

MESSAGES: list[Any] = [{"role": "user", "content": "Summarize: nothing happened."}]

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "report_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


class Person(pydantic.BaseModel):
    name: str
    age: int


@contextmanager
def make_client(server: LoopbackServer, **options: Any) -> Iterator[openai.OpenAI]:
    # max_retries=0 so each call maps to exactly one scripted step.
    options.setdefault("max_retries", 0)
    with openai.OpenAI(api_key="sk-test", base_url=server.base_url, **options) as client:
        yield client


def chat(client: openai.OpenAI, **kwargs: Any) -> Any:
    return client.chat.completions.create(model="gpt-test", messages=MESSAGES, **kwargs)


def test_reply_to_tools_request_is_a_tool_call(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reply({"city": "Oslo"}, usage=(30, 7)))
    with make_client(loopback_server) as client:
        completion = chat(
            client,
            tools=[WEATHER_TOOL],
            tool_choice={"type": "function", "function": {"name": "report_weather"}},
        )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.function.name == "report_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    assert completion.model == "gpt-test"
    assert completion.object == "chat.completion"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (30, 7)
    assert completion.usage.total_tokens == 37


def test_tool_name_follows_tool_choice_then_first_tool(
    loopback_server: LoopbackServer,
) -> None:
    other_tool = {"type": "function", "function": {"name": "other", "parameters": {}}}
    loopback_server.script(Reply("{}"), Reply("{}"))
    with make_client(loopback_server) as client:
        forced = chat(
            client,
            tools=[WEATHER_TOOL, other_tool],
            tool_choice={"type": "function", "function": {"name": "other"}},
        )
        auto = chat(client, tools=[WEATHER_TOOL, other_tool], tool_choice="auto")

    assert forced.choices[0].message.tool_calls[0].function.name == "other"
    assert auto.choices[0].message.tool_calls[0].function.name == "report_weather"


def test_reply_without_tools_is_content(loopback_server: LoopbackServer) -> None:
    fenced = '```json\n{"name": "Ann"\n'
    loopback_server.script(
        Reply({"name": "Ann"}), Reply(fenced), Reply("x", finish_reason="length")
    )
    with make_client(loopback_server) as client:
        as_dict, as_text, cut = chat(client), chat(client), chat(client)

    assert as_dict.choices[0].finish_reason == "stop"
    assert as_dict.choices[0].message.tool_calls is None
    assert json.loads(as_dict.choices[0].message.content) == {"name": "Ann"}
    assert as_text.choices[0].message.content == fenced
    assert cut.choices[0].finish_reason == "length"


def test_rate_limit_fault(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Fault(429, headers={"Retry-After": "1"}))
    with make_client(loopback_server) as client, pytest.raises(openai.RateLimitError) as caught:
        chat(client)

    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"
    assert len(loopback_server.requests) == 1


def test_server_error_fault_with_custom_body(loopback_server: LoopbackServer) -> None:
    body = {"error": {"message": "boom", "type": "server_error", "code": None}}
    loopback_server.script(Fault(500), Fault(503, body=body))
    with make_client(loopback_server) as client:
        with pytest.raises(openai.InternalServerError) as first:
            chat(client)
        with pytest.raises(openai.InternalServerError) as second:
            chat(client)

    assert first.value.status_code == 500
    assert second.value.status_code == 503
    assert second.value.message == "Error code: 503 - " + str(body)


def test_openai_default_retries_make_three_requests(
    loopback_server: LoopbackServer,
) -> None:
    # retry-after-ms keeps the client's backoff short (it honours it before Retry-After).
    fast = {"retry-after-ms": "10"}
    loopback_server.script(*[Fault(500, headers=fast)] * 3, Fault(429, headers=fast), Reply("ok"))
    with make_client(loopback_server, max_retries=openai.DEFAULT_MAX_RETRIES) as client:
        with pytest.raises(openai.InternalServerError):
            chat(client)
        recovered = chat(client)

    assert openai.DEFAULT_MAX_RETRIES == 2
    assert recovered.choices[0].message.content == "ok"
    retry_counts = [r.headers["x-stainless-retry-count"] for r in loopback_server.requests]
    assert retry_counts == ["0", "1", "2", "0", "1"]


def test_reset_is_a_connection_error(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reset(), Reply("after reset"))
    with make_client(loopback_server) as client:
        with pytest.raises(openai.APIConnectionError) as caught:
            chat(client)
        # The server keeps serving fresh connections after dropping one.
        after = chat(client)

    assert type(caught.value) is openai.APIConnectionError  # not the timeout subclass
    assert after.choices[0].message.content == "after reset"


def test_slow_beyond_client_timeout_is_a_timeout(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Slow(2.0, Reply("too late")))
    started = time.monotonic()
    with make_client(loopback_server, timeout=0.2) as client, pytest.raises(openai.APITimeoutError):
        chat(client)

    assert time.monotonic() - started < 1.5


def test_slow_within_timeout_performs_its_step(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Slow(0.1, Fault(503)))
    with make_client(loopback_server) as client, pytest.raises(openai.InternalServerError):
        chat(client)


def test_truncated_body_raises_raw_json_decode_error(
    loopback_server: LoopbackServer,
) -> None:
    loopback_server.script(Truncated('{"name": "Ann"}'))
    with make_client(loopback_server) as client, pytest.raises(json.JSONDecodeError) as caught:
        chat(client)

    # openai does not wrap it: it is neither an OpenAIError nor retried.
    assert not isinstance(caught.value, openai.OpenAIError)
    assert len(loopback_server.requests) == 1


def test_requests_are_recorded(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reply("a"), Reply("b"))
    with make_client(loopback_server) as client:
        chat(client, temperature=0)
        chat(client)

    first, second = loopback_server.requests
    assert first.method == "POST"
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.headers["content-type"] == "application/json"
    assert first.body == {"model": "gpt-test", "messages": MESSAGES, "temperature": 0}
    assert json.loads(first.raw_body) == first.body
    assert first.timestamp <= second.timestamp
    assert loopback_server.pending_steps == 0


def test_base_url_without_v1(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reply("no prefix"))
    base_url = loopback_server.base_url.removesuffix("/v1")
    with openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0) as client:
        completion = chat(client)

    assert completion.choices[0].message.content == "no prefix"
    assert loopback_server.requests[0].path == "/chat/completions"


def test_responder_answers_once_the_script_is_empty(
    loopback_server: LoopbackServer,
) -> None:
    def echo_model(request: RecordedRequest) -> Step:
        assert request.body is not None
        return Reply({"model": request.body["model"]})

    loopback_server.script(Reply("scripted"))
    loopback_server.respond_with(echo_model)
    with make_client(loopback_server) as client:
        scripted, generated = chat(client), chat(client)
        loopback_server.respond_with(None)
        with pytest.raises(openai.APIStatusError) as exhausted:
            chat(client)

    assert scripted.choices[0].message.content == "scripted"
    assert json.loads(generated.choices[0].message.content) == {"model": "gpt-test"}
    assert exhausted.value.status_code == 418
    assert exhausted.value.code == "script_exhausted"


def test_crashing_responder_is_reported_to_the_client(
    loopback_server: LoopbackServer,
) -> None:
    def crash(request: RecordedRequest) -> Step:
        raise KeyError("oops")

    loopback_server.respond_with(crash)
    with (
        make_client(loopback_server, max_retries=2) as client,
        pytest.raises(openai.APIStatusError) as caught,
    ):
        chat(client)

    assert caught.value.code == "responder_error"
    assert "KeyError('oops')" in caught.value.message
    assert len(loopback_server.requests) == 1  # x-should-retry: false beats max_retries


def test_models_endpoint_and_unknown_paths(loopback_server: LoopbackServer) -> None:
    with make_client(loopback_server) as client:
        models = client.models.list()
    assert [model.id for model in models.data] == ["loopback-model"]

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(loopback_server.base_url + "/nope", timeout=5)
    with caught.value as response:
        assert response.code == 404
        assert "error" in json.loads(response.read())
    # Neither endpoint consumes scripted steps, but both are recorded.
    assert [r.path for r in loopback_server.requests] == ["/v1/models", "/v1/nope"]


def test_concurrent_requests_overlap(loopback_server: LoopbackServer) -> None:
    loopback_server.latency = 0.2
    loopback_server.respond_with(lambda request: Reply("ok"))
    started = time.monotonic()
    with make_client(loopback_server) as client, ThreadPoolExecutor(max_workers=32) as pool:
        replies = list(pool.map(lambda _: chat(client), range(32)))

    assert time.monotonic() - started < 3.0
    assert all(reply.choices[0].message.content == "ok" for reply in replies)
    assert len(loopback_server.requests) == 32


def test_async_client_with_64_in_flight(loopback_server: LoopbackServer) -> None:
    loopback_server.latency = 0.25
    loopback_server.respond_with(lambda request: Reply({"n": 1}))

    async def run() -> list[Any]:
        async with openai.AsyncOpenAI(
            api_key="sk-test", base_url=loopback_server.base_url, max_retries=0
        ) as client:
            calls = (
                client.chat.completions.create(model="gpt-test", messages=MESSAGES)
                for _ in range(64)
            )
            return list(await asyncio.gather(*calls))

    started = time.monotonic()
    replies = asyncio.run(run())

    assert time.monotonic() - started < 3.0
    assert len(replies) == len(loopback_server.requests) == 64


def test_close_abandons_slow_requests_promptly() -> None:
    server = LoopbackServer()
    server.script(Slow(30.0, Reply("never")))
    errors: list[BaseException] = []

    def call() -> None:
        with make_client(server) as client:
            try:
                chat(client)
            except openai.APIConnectionError as exc:
                errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not server.requests:
        time.sleep(0.01)
    started = time.monotonic()
    server.close()
    caller.join(5)

    assert time.monotonic() - started < 2.0
    assert len(errors) == 1
    server.close()  # idempotent


def test_instructor_tools_mode_parses_tool_call(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reply({"name": "Ann", "age": 41}))
    with make_client(loopback_server) as raw:
        client = instructor.from_openai(raw, mode=instructor.Mode.TOOLS)
        person = client.chat.completions.create(
            model="gpt-test", response_model=Person, messages=MESSAGES
        )

    # instructor attaches private state (the raw completion), so compare dumps.
    assert person.model_dump() == {"name": "Ann", "age": 41}
    body = loopback_server.requests[0].body
    assert body is not None
    # instructor names the tool after the model's JSON-schema title (the class name).
    assert body["tools"][0]["function"]["name"] == "Person"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Person"}}


def test_instructor_json_schema_mode_parses_content(
    loopback_server: LoopbackServer,
) -> None:
    loopback_server.script(Reply({"name": "Bo", "age": 7}))
    with make_client(loopback_server) as raw:
        client = instructor.from_openai(raw, mode=instructor.Mode.JSON_SCHEMA)
        person = client.chat.completions.create(
            model="gpt-test", response_model=Person, messages=MESSAGES
        )

    assert person.model_dump() == {"name": "Bo", "age": 7}
    body = loopback_server.requests[0].body
    assert body is not None
    assert "tools" not in body
    assert body["response_format"]["type"] == "json_schema"


def test_instructor_reasks_once_on_invalid_json(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Reply('{"name": "Cy", "age": '), Reply({"name": "Cy", "age": 3}))
    with make_client(loopback_server) as raw:
        client = instructor.from_openai(raw, mode=instructor.Mode.JSON_SCHEMA)
        person = client.chat.completions.create(
            model="gpt-test", response_model=Person, messages=MESSAGES
        )

    assert person.name == "Cy"
    assert len(loopback_server.requests) == 2


def test_instructor_wraps_openai_errors(loopback_server: LoopbackServer) -> None:
    loopback_server.script(Fault(429), *[Truncated("{}")] * 4)
    with make_client(loopback_server) as raw:
        client = instructor.from_openai(raw, mode=instructor.Mode.TOOLS)
        with pytest.raises(InstructorRetryException) as rate_limited:
            client.chat.completions.create(
                model="gpt-test", response_model=Person, messages=MESSAGES
            )
        with pytest.raises(InstructorRetryException) as truncated:
            client.chat.completions.create(
                model="gpt-test", response_model=Person, messages=MESSAGES
            )

    # Status errors are wrapped but not retried; a truncated body counts as a
    # parse error, so instructor re-sends the request (default max_retries=3).
    assert isinstance(rate_limited.value.__cause__, openai.RateLimitError)
    assert isinstance(truncated.value.__cause__, json.JSONDecodeError)
    assert truncated.value.n_attempts == 4
    assert len(loopback_server.requests) == 1 + 4
