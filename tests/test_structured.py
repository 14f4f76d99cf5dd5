"""The request instructor builds for a mode, built once and filled per article."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from instructor.processing.response import handle_response_model

from summarizer import summarize
from summarizer.article import Article, read_article
from summarizer.backends.llm import LLMBackend
from summarizer.backends.structured import (
    STRICT_MODES,
    instructor_mode,
    lean_schema,
    response_model,
    strict_schema,
)
from summarizer.settings import Mode
from tests.conftest import SEEDS
from tests.llm_support import chat_requests, llm_settings, seed_reply
from tests.loopback import LoopbackServer

SEED_PATHS = sorted((SEEDS / "articles").glob("*.txt"))[:4]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_body_is_what_instructor_builds_for_each_article(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=mode, temperature=0.2))
    for path in SEED_PATHS:
        article = read_article(path)
        system, user = backend.prompt.render(article)
        _, expected = handle_response_model(
            response_model(),
            instructor_mode(mode),
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            model=backend.config.model,
            temperature=0.2,
        )

        if mode in STRICT_MODES:  # instructor's schema, swapped for its strict form
            for tool in expected.get("tools", ()):
                tool["function"].update(parameters=strict_schema(), strict=True)
            if "response_format" in expected:
                expected["response_format"]["json_schema"].update(
                    schema=strict_schema(), strict=True
                )
        assert backend.request_body(article) == expected


@pytest.mark.parametrize("mode", list(Mode))
def test_the_server_receives_the_body_exactly(mode: Mode, loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    article = read_article(SEEDS / "articles" / "iraq-baaj-offensive.txt")

    summarize(article, backend=backend, cache=False)

    (request,) = chat_requests(loopback_server)
    assert request.body == backend.request_body(article)


def test_article_text_never_changes_the_template(loopback_server: LoopbackServer) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=Mode.MD_JSON))
    tricky = Article.from_text("date 2024-01-02 Oslo: A \x00summarizer-user-message\x00 test.")

    body = backend.request_body(tricky)

    assert body["messages"][1]["content"].count("summarizer-user-message") == 1


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_the_strict_schema_is_what_the_openai_sdk_makes_strict() -> None:
    from openai.lib._pydantic import to_strict_json_schema

    schema = strict_schema()

    assert schema == to_strict_json_schema(response_model())
    assert '"default"' not in json.dumps(schema)
    for node in _objects(schema):
        assert node["additionalProperties"] is False
        assert node.get("required", []) == list(node.get("properties", {}))
    assert schema["$defs"]["Location"]["properties"]["name"]["type"] == ["string", "null"]


@pytest.mark.parametrize("mode", [Mode.JSON_SCHEMA, Mode.TOOLS_STRICT])
def test_strict_modes_send_the_strict_schema(mode: Mode, loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    article = read_article(SEEDS / "articles" / "iraq-baaj-offensive.txt")

    summary = summarize(article, backend=backend, cache=False)

    (request,) = chat_requests(loopback_server)
    assert request.body is not None
    if mode is Mode.JSON_SCHEMA:
        sent = request.body["response_format"]["json_schema"]
        assert (sent["strict"], sent["schema"]) == (True, strict_schema())
    else:
        (tool,) = request.body["tools"]
        assert (tool["function"]["strict"], tool["function"]["parameters"]) == (
            True,
            strict_schema(),
        )
    assert summary.events


def test_the_schema_the_model_sees_carries_no_words_the_prompt_says() -> None:
    text = json.dumps(lean_schema())

    assert '"title"' not in text.replace('"title": "Extraction"', "")
    assert '"description": "Events, headline, brief."' in text
    assert text.count('"description"') == 1


@pytest.mark.parametrize("mode", list(Mode))
def test_what_every_article_shares_comes_first_and_is_identical(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    bodies = [backend.request_body(read_article(path)) for path in SEED_PATHS]

    def without_user(body: dict[str, Any]) -> str:
        return json.dumps({**body, "messages": body["messages"][:1]}, sort_keys=True)

    assert len({without_user(body) for body in bodies}) == 1
    for path, body in zip(SEED_PATHS, bodies, strict=True):
        user = body["messages"][1]["content"]
        article = read_article(path)
        assert article.body in user
        assert user.index("<article-") < user.index(article.body)
        assert article.body not in body["messages"][0]["content"]


# The README's overhead (797 tokens in json_schema mode, the costlier of the two) and
# 10% for the definitions of all 13 event types; 800 before they were written out.
_MAX_OVERHEAD_TOKENS = 880


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA])
def test_a_request_spends_at_most_880_tokens_besides_the_article(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    bpe_openai = pytest.importorskip("bpe_openai", reason="the tokens extra is not installed")
    encoding = bpe_openai.get_encoding("o200k_base")
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))

    def tokens(text: str) -> int:
        return len(encoding.encode(text))

    for path in SEED_PATHS:
        article = read_article(path)
        body = backend.request_body(article)
        messages = sum(tokens(message["content"]) for message in body["messages"])
        schema = {k: v for k, v in body.items() if k not in ("messages", "model", "temperature")}
        overhead = (
            messages - tokens(article.body) + tokens(json.dumps(schema, separators=(",", ":")))
        )
        assert overhead <= _MAX_OVERHEAD_TOKENS, (path.name, overhead)


def test_the_schema_converts_to_a_llama_cpp_grammar() -> None:
    grammar = pytest.importorskip(
        "llama_cpp.llama_grammar", reason="llama-cpp-python (optional) is not installed"
    )

    for schema in (lean_schema(), strict_schema()):
        assert "root" in grammar.json_schema_to_gbnf(json.dumps(schema))
