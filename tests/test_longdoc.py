# ruff: noqa: RUF001
"""Long documents: read in chunks through the real LLM backend against the loopback server.

The document is the project's own long labelled one (evals/longdoc); the server
answers each chunk from the gold label: every gold event one of whose quotes
(evals/longdoc/evidence.json) the chunk holds, quoting what it holds. Two events
are stated again in the closing section, so they come from two chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article
from summarizer.backends import get_backend
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache
from summarizer.errors import ConfigurationError, PartialResultError
from summarizer.estimate import estimate_run
from summarizer.evidence import span_matches
from summarizer.pipeline import Pipeline
from summarizer.readers import read_article
from summarizer.schema import ArticleSummary
from tests.llm_support import article_block, chat_requests, llm_settings, reply_with, run_cli
from tests.llm_support import use_loopback as point_cli_at
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Step

LONGDOC = Path(__file__).parent.parent / "evals" / "longdoc"
DOC_ID = "east-africa-weekly-security-review"
DOC_PATH = LONGDOC / "articles" / f"{DOC_ID}.txt"
# About 4,500 tokens at four characters a token (the loopback model has no tokenizer):
# a 1,000-token budget makes five chunks.
SMALL_CHUNKS = 1_000


def gold_events() -> list[tuple[dict[str, Any], list[str]]]:
    label = json.loads((LONGDOC / "labels" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    quotes = json.loads((LONGDOC / "evidence.json").read_text(encoding="utf-8"))[DOC_ID]
    events = [{k: v for k, v in event.items() if k != "required"} for event in label["events"]]
    return list(zip(events, quotes, strict=True))


def chunk_reply(request: RecordedRequest) -> Step:
    """The gold events a chunk states, each with the quotes of it the chunk holds."""
    block = article_block(request)
    events = [
        {**event, "evidence": inside}
        for event, quotes in gold_events()
        if (inside := [quote for quote in quotes if quote in block])
    ]
    brief = events[0]["summary"] if events else "The review gives background to the week."
    payload = {"headline": "East Africa weekly security review", "brief": brief, "events": events}
    return reply_with(request, payload)


def failing(chunk_holding: str, fault: Fault) -> Callable[[RecordedRequest], Step]:
    """`chunk_reply`, but `fault` for the request whose chunk holds `chunk_holding`."""

    def respond(request: RecordedRequest) -> Step:
        return fault if chunk_holding in article_block(request) else chunk_reply(request)

    return respond


def key(event: Any) -> tuple[str, str, str | None]:
    return (event.event_type.value, str(event.date), event.location.name)


def gold_key(event: dict[str, Any]) -> tuple[str, str, str | None]:
    return (event["event_type"], event["date"], event["location"]["name"])


@pytest.fixture
def document() -> Article:
    return read_article(DOC_PATH)


def pipeline_for(
    server: LoopbackServer, cache: ResultCache | None = None, **options: Any
) -> Pipeline:
    return Pipeline(LLMBackend(llm_settings(server)), cache, **options)


def test_a_long_document_read_in_chunks_finds_every_gold_event_once(
    loopback_server: LoopbackServer, document: Article
) -> None:
    loopback_server.respond_with(chunk_reply)
    pipeline = pipeline_for(loopback_server, chunk_tokens=SMALL_CHUNKS)

    summary = pipeline.run(document).summary

    requests = chat_requests(loopback_server)
    assert len(pipeline.plan(document)) == len(requests) >= 4
    # Every gold event once, the two stated again at the end (Bulo Marer, El Fasher) too.
    assert sorted(map(key, summary.events)) == sorted(gold_key(e) for e, _ in gold_events())
    # Every quote's offsets select it in the whole document, not in its chunk.
    for event in summary.events:
        for quote in event.evidence:
            assert quote.start is not None and quote.end is not None
            assert span_matches(quote.text, document.text, quote.start, quote.end), quote
    repeated = next(event for event in summary.events if event.location.name == "El Fasher")
    assert len(repeated.evidence) == 2  # a quote from each chunk that states it
    assert repeated.evidence[1].start > len(document.text) * 3 // 4
    # One brief, within the limits, from the chunks' briefs; usage summed over chunks.
    assert summary.brief.startswith("Al-Shabaab fighters stormed a Somali army base")
    assert summary.usage.prompt_tokens == 12 * len(requests)
    assert summary.attempts == len(requests)
    assert summary.id == DOC_ID and str(summary.published) == "2024-03-16"


def test_a_failed_chunk_leaves_a_partial_result_and_alone_is_retried_on_the_rerun(
    loopback_server: LoopbackServer, document: Article, tmp_path: Path
) -> None:
    kassala = "The health ministry declared a cholera outbreak in Kassala"
    loopback_server.respond_with(failing(kassala, Fault(400)))
    cache = ResultCache(tmp_path / "cache")
    pipeline = pipeline_for(loopback_server, cache, chunk_tokens=SMALL_CHUNKS)
    chunks = pipeline.plan(document)
    (bad,) = [chunk.number for chunk in chunks if kassala in chunk.article.text]

    with pytest.raises(PartialResultError) as raised:
        pipeline.run(document)

    error = raised.value
    assert error.failed_chunks == [bad] and error.chunks == len(chunks)
    assert f"1 of {len(chunks)} chunks failed (chunk {bad};" in str(error)
    partial = error.partial
    assert isinstance(partial, ArticleSummary)
    # The other chunks' events, and only theirs; the failed chunk's are missing.
    others = [chunk.article.text for chunk in chunks if chunk.number != bad]
    expected = [
        gold_key(event)
        for event, quotes in gold_events()
        if any(quote in text for quote in quotes for text in others)
    ]
    assert sorted(map(key, partial.events)) == sorted(expected)
    assert "Kassala" not in {event.location.name for event in partial.events}
    first_run = len(chat_requests(loopback_server))
    assert first_run == len(chunks)

    loopback_server.respond_with(chunk_reply)
    outcome = pipeline.run(document)

    assert len(chat_requests(loopback_server)) - first_run == 1  # the failed chunk alone
    assert kassala in article_block(chat_requests(loopback_server)[-1])
    assert len(outcome.summary.events) == len(gold_events())
    assert not outcome.cached
    # Now every chunk is cached: the document is answered without a request.
    assert pipeline.lookup(document) is not None
    assert pipeline.run(document).cached
    cache.close()


def test_the_cli_writes_a_partial_document_as_an_error_record_naming_its_chunks(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_cli_at(monkeypatch, loopback_server)
    loopback_server.respond_with(failing("M23 rebels seized the town", Fault(400)))

    result = run_cli(["--jsonl", "--no-cache", "--chunk-tokens", str(SMALL_CHUNKS), str(DOC_PATH)])

    assert result.exit_code == 1
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["error"]["type"] == "PartialResultError"
    assert len(record["failed_chunks"]) == 1 and record["chunks"] >= 4
    assert record["partial"]["id"] == DOC_ID
    assert "Nyanzale" not in {e["location"]["name"] for e in record["partial"]["events"]}
    assert result.error_lines == [f"Error: {record['error']['message']}"]


def test_a_context_length_error_cuts_the_chunk_smaller_and_never_resends_it(
    loopback_server: LoopbackServer, document: Article
) -> None:
    limit = 2_400  # characters of article a request may carry

    def respond(request: RecordedRequest) -> Step:
        if len(article_block(request)) > limit:
            return Fault(
                400,
                {
                    "error": {
                        "message": "This model's maximum context length is 1024 tokens.",
                        "type": "invalid_request_error",
                        "param": "messages",
                        "code": "context_length_exceeded",
                    }
                },
            )
        return chunk_reply(request)

    loopback_server.respond_with(respond)
    pipeline = pipeline_for(loopback_server, chunk_tokens=2 * SMALL_CHUNKS)

    summary = pipeline.run(document).summary

    blocks = [article_block(request) for request in chat_requests(loopback_server)]
    planned = [chunk.article.body for chunk in pipeline.plan(document)]
    # Each planned chunk was sent once; those the server refused were cut smaller (and
    # smaller again where needed): no text was sent twice.
    assert all(body in blocks for body in planned)
    assert len(set(blocks)) == len(blocks)
    assert sum(len(body) > limit for body in planned) >= 2
    assert len(blocks) > len(planned) + 2
    assert sorted(map(key, summary.events)) == sorted(gold_key(e) for e, _ in gold_events())


def test_a_context_length_error_on_an_article_read_whole_splits_it(
    loopback_server: LoopbackServer, document: Article
) -> None:
    def respond(request: RecordedRequest) -> Step:
        if len(article_block(request)) > len(document.body) // 2 + 1_000:
            return Fault(400, {"error": {"message": "prompt exceeds the context window"}})
        return chunk_reply(request)

    loopback_server.respond_with(respond)
    # The default budget (6,000 tokens) takes the document whole: the server says otherwise.
    pipeline = pipeline_for(loopback_server)
    assert [chunk.whole for chunk in pipeline.plan(document)] == [True]

    summary = pipeline.run(document).summary

    assert len(chat_requests(loopback_server)) > 2
    assert len(summary.events) == len(gold_events())


def test_offsets_point_into_the_whole_text_in_chinese(loopback_server: LoopbackServer) -> None:
    paragraphs = [
        f"第{chr(0x4E00 + n)}段。市政府官员周二表示，城市的道路正在维修，居民应当耐心等待。"
        for n in range(60)
    ]
    target = "消防部门说，仓库大火已经被扑灭，没有人员伤亡。"
    paragraphs[50] += target
    document = Article.from_text("\n\n".join(paragraphs), id="long-zh")

    def respond(request: RecordedRequest) -> Step:
        events = [{"event_type": "other", "summary": "火灾被扑灭。", "evidence": [target]}]
        holds = target in article_block(request)
        return reply_with(
            request,
            {"headline": "城市新闻", "brief": "城市新闻。", "events": events if holds else []},
        )

    loopback_server.respond_with(respond)
    pipeline = pipeline_for(loopback_server, chunk_tokens=100)

    summary = pipeline.run(document).summary

    assert len(pipeline.plan(document)) >= 4
    (event,) = summary.events
    (quote,) = event.evidence
    # The span leaves out the closing full stop, as for any quote (evidence.locate_quote).
    assert document.text[quote.start : quote.end] == target.removesuffix("。")
    assert quote.start == document.text.index(target)


def test_the_offline_backend_reads_a_long_document_whole(document: Article) -> None:
    pipeline = Pipeline(get_backend("offline"))

    assert [chunk.whole for chunk in pipeline.plan(document)] == [True]
    assert len(pipeline.run(document).summary.events) == len(gold_events())
    with pytest.raises(ConfigurationError, match="reads every document whole"):
        Pipeline(get_backend("offline"), chunk_tokens=SMALL_CHUNKS)


def test_an_estimate_counts_a_request_per_chunk(
    loopback_server: LoopbackServer, document: Article
) -> None:
    pipeline = pipeline_for(loopback_server, chunk_tokens=SMALL_CHUNKS)

    figures = estimate_run([document], pipeline)

    assert figures.requests == len(pipeline.plan(document)) >= 4
    assert figures.chunked == 1
    assert chat_requests(loopback_server) == []


def test_a_batch_export_refuses_a_document_longer_than_one_chunk(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    from summarizer.batchjobs import export_requests
    from summarizer.batchjobs.manifest import INPUTS_FILE
    from tests.conftest import SEED_ARTICLE

    pipeline = pipeline_for(loopback_server, chunk_tokens=SMALL_CHUNKS)

    (path,) = export_requests(tmp_path / "job", [str(DOC_PATH), str(SEED_ARTICLE)], pipeline)

    lines = (tmp_path / "job" / INPUTS_FILE).read_text(encoding="utf-8").splitlines()
    refused, seed = (json.loads(line) for line in lines)
    assert refused["error"]["message"].endswith(
        f"the document is longer than one chunk ({SMALL_CHUNKS:,} tokens): batch jobs send "
        "one request an article; summarize it with `summarize`, which reads it in chunks"
    )
    assert "error" not in seed
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1  # the seed's request only
