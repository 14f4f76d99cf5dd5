"""Tests for the loopback server, through the real openai and instructor clients.

The ``loopback_server`` fixture comes from tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import io
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
    BatchScript,
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


@pytest.mark.slow  # waits on purpose: seconds of wall time
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


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_concurrent_requests_overlap(loopback_server: LoopbackServer) -> None:
    loopback_server.latency = 0.2
    loopback_server.respond_with(lambda request: Reply("ok"))
    started = time.monotonic()
    with make_client(loopback_server) as client, ThreadPoolExecutor(max_workers=32) as pool:
        replies = list(pool.map(lambda _: chat(client), range(32)))

    assert time.monotonic() - started < 3.0
    assert all(reply.choices[0].message.content == "ok" for reply in replies)
    assert len(loopback_server.requests) == 32


@pytest.mark.slow  # waits on purpose: seconds of wall time
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


# -- files and batches ------------------------------------------------------------------


def request_file(count: int) -> bytes:
    lines = [
        {
            "custom_id": f"req-{number}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-test", "messages": MESSAGES},
        }
        for number in range(count)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def start_batch(client: openai.OpenAI, data: bytes) -> Any:
    uploaded = client.files.create(file=("requests.jsonl", io.BytesIO(data)), purpose="batch")
    return client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "test"},
    )


def jsonl(client: openai.OpenAI, file_id: str | None) -> list[Any]:
    assert file_id is not None
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def test_files_upload_retrieve_content_and_list(loopback_server: LoopbackServer) -> None:
    data = request_file(2)
    with make_client(loopback_server) as client:
        uploaded = client.files.create(file=("shard.jsonl", io.BytesIO(data)), purpose="batch")
        retrieved = client.files.retrieve(uploaded.id)
        content = client.files.content(uploaded.id).content
        listed = [stored.id for stored in client.files.list(purpose="batch")]
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve("file-missing")

    assert (retrieved.filename, retrieved.purpose, retrieved.bytes) == (
        "shard.jsonl",
        "batch",
        len(data),
    )
    assert content == data
    assert listed == [uploaded.id]
    assert [stored.data for stored in loopback_server.uploads] == [data]


def test_a_batch_goes_through_its_scripted_lifecycle(loopback_server: LoopbackServer) -> None:
    loopback_server.script_batches(
        BatchScript(progress=("validating", "in_progress", "finalizing"))
    )
    loopback_server.respond_with(lambda request: Reply("an answer", usage=(5, 3)))
    with make_client(loopback_server) as client:
        batch = start_batch(client, request_file(3))
        statuses = [client.batches.retrieve(batch.id).status for _ in range(5)]
        ended = client.batches.retrieve(batch.id)
        output = jsonl(client, ended.output_file_id)
        listed = [found.id for found in client.batches.list()]

    assert batch.status == "validating"
    assert statuses == ["validating", "in_progress", "finalizing", "completed", "completed"]
    assert ended.request_counts is not None
    assert (ended.request_counts.total, ended.request_counts.completed) == (3, 3)
    assert [line["custom_id"] for line in output] == ["req-0", "req-1", "req-2"]
    body = output[0]["response"]["body"]
    assert output[0]["response"]["status_code"] == 200
    assert body["choices"][0]["message"]["content"] == "an answer"
    assert body["usage"]["prompt_tokens"] == 5
    assert ended.metadata == {"job": "test"}
    assert listed == [batch.id]
    assert chat_requests_made(loopback_server) == 0  # answered inside the server


def chat_requests_made(server: LoopbackServer) -> int:
    return sum(request.path.endswith("/chat/completions") for request in server.requests)


def test_an_expired_batch_answers_only_its_first_requests(loopback_server: LoopbackServer) -> None:
    loopback_server.script_batches(BatchScript(end="expired", answered=2))
    loopback_server.respond_with(lambda request: Reply("ok"))
    with make_client(loopback_server) as client:
        ended = client.batches.retrieve(start_batch(client, request_file(5)).id)
        output = jsonl(client, ended.output_file_id)

    assert ended.status == "expired"
    assert [line["custom_id"] for line in output] == ["req-0", "req-1"]


def test_a_cancelled_batch_keeps_what_it_answered(loopback_server: LoopbackServer) -> None:
    loopback_server.script_batches(BatchScript(progress=("in_progress",) * 9, answered=1))
    loopback_server.respond_with(lambda request: Reply("ok"))
    with make_client(loopback_server) as client:
        batch = start_batch(client, request_file(3))
        cancelling = client.batches.cancel(batch.id)
        ended = client.batches.retrieve(batch.id)
        output = jsonl(client, ended.output_file_id)

    assert (cancelling.status, ended.status) == ("cancelling", "cancelled")
    assert [line["custom_id"] for line in output] == ["req-0"]


def test_faults_become_error_file_lines_and_the_script_can_break_lines(
    loopback_server: LoopbackServer,
) -> None:
    loopback_server.script(Fault(500), Reset(), Reply("first"), Truncated("cut"))
    loopback_server.script_batches(BatchScript(malformed=1, unknown_ids=1))
    loopback_server.respond_with(lambda request: Reply("later"))
    with make_client(loopback_server) as client:
        ended = client.batches.retrieve(start_batch(client, request_file(6)).id)
        errors = jsonl(client, ended.error_file_id)
        assert ended.output_file_id is not None
        raw_output = client.files.content(ended.output_file_id).text.splitlines()

    assert ended.request_counts is not None
    assert (ended.request_counts.completed, ended.request_counts.failed) == (4, 2)
    assert errors[0]["custom_id"] == "req-0"
    assert errors[0]["response"]["status_code"] == 500
    assert errors[1]["response"] is None and errors[1]["error"]["code"] == "server_error"
    parsed = []
    for line in raw_output:
        try:
            parsed.append(json.loads(line)["custom_id"])
        except ValueError:
            parsed.append("not JSON")
    # req-2 was broken by the script's `malformed`, req-3 by its Truncated step.
    assert parsed == ["not JSON", "not JSON", "req-4", "req-5", "unknown-0"]


def test_a_held_reply_comes_after_the_work_is_done(loopback_server: LoopbackServer) -> None:
    loopback_server.hold_reply(lambda request: request.method == "POST", seconds=0.3)
    with make_client(loopback_server, timeout=0.1) as client:
        with pytest.raises(openai.APITimeoutError):
            client.files.create(file=("a.jsonl", io.BytesIO(request_file(1))), purpose="batch")
        assert loopback_server.holding.is_set()
        # The upload happened although its reply never arrived.
        assert [stored.filename for stored in client.files.list()] == ["a.jsonl"]


def test_a_server_without_batches_answers_404() -> None:
    with LoopbackServer(batch_api=False) as server, make_client(server) as client:
        with pytest.raises(openai.NotFoundError):
            client.files.list(purpose="batch")
        with pytest.raises(openai.NotFoundError):
            client.batches.list()


def test_the_server_fails_a_batch_whose_input_file_breaks_the_format(
    loopback_server: LoopbackServer,
) -> None:
    with openai.OpenAI(
        api_key="sk-test", base_url=loopback_server.base_url, max_retries=0
    ) as client:
        uploaded = client.files.create(file=("bad.jsonl", io.BytesIO(b"{oops\n")), purpose="batch")
        created = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        ended = client.batches.retrieve(created.id)

    assert ended.status == "failed"
    assert ended.errors is not None and ended.errors.data
    assert "line 1 is not valid JSON" in (ended.errors.data[0].message or "")
    assert ended.output_file_id is None
