"""The request instructor's client sends, captured once and filled per article."""

from __future__ import annotations

import ast
import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer import summarize
from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.backends.structured import lean_schema, response_model, strict_schema
from summarizer.errors import InvalidOutputError
from summarizer.readers import read_article
from summarizer.settings import Mode
from tests.conftest import SEEDS
from tests.llm_support import chat_requests, llm_settings, seed_payload, seed_reply, valid_reply
from tests.loopback import LoopbackServer, Reply

SEED_PATHS = sorted((SEEDS / "articles").glob("*.txt"))[:4]
PACKAGE = Path(__file__).resolve().parent.parent / "summarizer"
# Text that instructor's handling of messages could change: Jinja delimiters,
# blank lines holding spaces and tabs, an indented paragraph, the capture's own
# placeholders, and no trailing full stop.
TRICKY = Article.from_text(
    "date 2024-01-02 Oslo: Police said {{ 7*7 }} and {% if x %}y{% endif %} {# note #}.\n"
    "   \n\t\n    An indented paragraph, then \x00summarizer-user-message\x00 and "
    "\x00summarizer-system-message\x00 in the text\n  \nThe end",
    id="tricky",
)


def completion_for(server: LoopbackServer, body: dict[str, Any]) -> dict[str, Any]:
    """The server's reply to `body` posted as it is, as a batch output line stores it."""
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.load(response))


def articles() -> list[Article]:
    return [*(read_article(path) for path in SEED_PATHS), TRICKY]


@pytest.mark.parametrize("mode", list(Mode))
def test_the_batch_body_is_what_the_realtime_path_sends(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    loopback_server.respond_with(valid_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode, temperature=0.2))

    for article in articles():
        backend.extract(article)
        request = chat_requests(loopback_server)[-1]
        assert request.body == backend.request_body(article), (mode, article.id)
    assert len(chat_requests(loopback_server)) == len(articles())


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.MD_JSON])
def test_the_async_path_sends_the_same_body(mode: Mode, loopback_server: LoopbackServer) -> None:
    import asyncio

    loopback_server.respond_with(valid_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))

    asyncio.run(backend.aextract(TRICKY))

    (request,) = chat_requests(loopback_server)
    assert request.body == backend.request_body(TRICKY)


@pytest.mark.parametrize("mode", list(Mode))
def test_a_stored_reply_is_parsed_as_a_live_one(
    mode: Mode, loopback_server: LoopbackServer
) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    article = read_article(SEEDS / "articles" / "iraq-baaj-offensive.txt")
    live = backend.extract(article)
    stored = completion_for(loopback_server, backend.request_body(article))

    replayed = backend.draft_from_completion(article, stored)

    assert replayed == live
    assert type(replayed.extraction) is type(live.extraction) is backend.response_model


def test_a_stored_reply_that_fails_validation_is_not_reasked(
    loopback_server: LoopbackServer,
) -> None:
    backend = LLMBackend(llm_settings(loopback_server))
    article = read_article(SEEDS / "articles" / "iraq-baaj-offensive.txt")
    loopback_server.respond_with(seed_reply)
    stored = completion_for(loopback_server, backend.request_body(article))
    arguments = stored["choices"][0]["message"]["tool_calls"][0]["function"]
    arguments["arguments"] = json.dumps(seed_payload(headline="one two " * 10))

    with pytest.raises(InvalidOutputError) as caught:
        backend.draft_from_completion(article, stored)

    assert "after 1 request(s): headline" in str(caught.value)
    assert len(chat_requests(loopback_server)) == 1


def test_the_response_model_is_a_parameter(loopback_server: LoopbackServer) -> None:
    from pydantic import BaseModel, Field, ValidationInfo, field_validator

    class Headline(BaseModel):
        """Just a headline."""

        headline: str = Field(description="Short.")

        @field_validator("headline")
        @classmethod
        def _named_in_article(cls, headline: str, info: ValidationInfo) -> str:
            if headline not in (info.context or {}).get("article_text", ""):
                raise ValueError("quote the headline from the article")
            return headline

    loopback_server.script(Reply({"headline": "Not in it"}), Reply({"headline": "Police said"}))
    backend = LLMBackend(llm_settings(loopback_server), response_model=Headline)

    draft = backend.extract(TRICKY)

    first, second = chat_requests(loopback_server)
    assert first.body is not None
    (tool,) = first.body["tools"]
    assert tool["function"]["name"] == "Headline"
    assert tool["function"]["parameters"] == {
        "type": "object",
        "properties": {"headline": {"type": "string"}},
        "required": ["headline"],
    }
    assert "quote the headline from the article" in json.dumps(second.body)
    assert type(draft.extraction) is Headline
    assert draft.extraction.headline == "Police said"
    assert draft.attempts == 2
    assert second.body == {**backend.request_body(TRICKY), "messages": second.body["messages"]}


def test_article_text_never_changes_the_template(loopback_server: LoopbackServer) -> None:
    backend = LLMBackend(llm_settings(loopback_server, mode=Mode.MD_JSON))

    body = backend.request_body(TRICKY)

    assert body["messages"][1]["content"].count("summarizer-user-message") == 1
    assert body["messages"][1]["content"].count("summarizer-system-message") == 1
    assert "{{ 7*7 }}" in body["messages"][1]["content"]


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
        # instructor moves the title and description to the function, and sorts
        # `required` (which in strict form names every property).
        schema = strict_schema()
        parameters = {key: schema[key] for key in schema if key not in ("title", "description")}
        parameters["required"] = sorted(schema["required"])
        assert (tool["function"]["strict"], tool["function"]["parameters"]) == (True, parameters)
        assert tool["function"]["description"] == schema["description"]
    assert summary.events


def test_the_schema_the_model_sees_carries_no_words_the_prompt_says() -> None:
    text = json.dumps(lean_schema())

    assert '"title"' not in text.replace('"title": "Extraction"', "")
    assert '"description": "Headline, brief, events."' in text
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


# The overhead docs/benchmarks.md states (797 tokens in json_schema mode, the costlier of
# the two) and 10% for the definitions of all 13 event types; 800 before they were written out.
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


def _imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_package_uses_only_public_apis_of_instructor_and_openai() -> None:
    private = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text("utf-8")
        if re.search(r"instructor\.(processing|v2)|client\.post\(", source):
            private.append(f"{path.name}: instructor internals or openai's low-level post")
        for module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] in ("instructor", "openai", "httpx", "httpx2") and any(
                part.startswith("_") for part in parts[1:]
            ):
                private.append(f"{path.name}: {module}")

    assert private == []
