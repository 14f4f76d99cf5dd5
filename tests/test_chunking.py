"""Cutting a long text into chunks, and merging the events of chunks by event."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from summarizer.article import Article
from summarizer.backends.failures import exceeds_context
from summarizer.chunking import split_spans
from summarizer.documents import Chunk, _Found, _merged
from summarizer.schema import EventType


def words(text: str) -> int:
    return len(text.split())


PARAGRAPH = "Officials met in the capital. They agreed on an agenda for the talks."


def test_chunks_end_at_paragraphs_within_the_budget_and_repeat_one_sentence() -> None:
    text = "\n\n".join(f"{PARAGRAPH} Round {n}." for n in range(12))

    spans = split_spans(text, 40, words)

    assert len(spans) >= 4
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert text[end:].startswith("\n\n") or end == len(text)  # ends at a paragraph
        # The next chunk starts with the last sentence of this one.
        assert next_start < end and text[next_start:end] == f"Round {text[end - 2]}."
    assert all(words(text[start:end]) <= 40 for start, end in spans)
    covered = "".join(text[start:end] for start, end in spans)
    assert all(f"Round {n}." in covered for n in range(12))


def test_a_paragraph_over_the_budget_is_cut_at_sentences_and_a_sentence_at_words() -> None:
    long_sentence = " ".join(["word"] * 30) + "."
    text = f"{PARAGRAPH} {PARAGRAPH} {long_sentence}"

    spans = split_spans(text, 12, words, overlap=0)

    assert text[spans[0][0] : spans[0][1]] == "Officials met in the capital."
    assert all(words(text[start:end]) <= 12 for start, end in spans)
    assert spans[-1][1] == len(text)


def test_a_text_within_the_budget_is_one_chunk() -> None:
    assert split_spans(PARAGRAPH, 100, words) == [(0, len(PARAGRAPH))]


def event(
    kind: str, day: int | None, place: str | None, actors: list[str], span: int
) -> dict[str, Any]:
    return {
        "event_type": EventType(kind),
        "sub_event_type": None,
        "date": dt.date(2024, 3, day) if day else None,
        "date_end": None,
        "location": {"name": place, "country": "Somalia"},
        "actors": actors,
        "fatalities": None,
        "summary": "An event.",
        "evidence": [{"text": "quote", "start": span, "end": span + 5}],
    }


def merged(*found: tuple[dict[str, Any], int]) -> list[tuple[dict[str, Any], set[int]]]:
    document = Article.from_text("date 2024-03-16 Nairobi: Text.", id="doc")
    items = [_Found(fields, chunk, fields["evidence"][0]["start"]) for fields, chunk in found]
    return _merged(document, items)


def test_an_event_stated_in_two_chunks_is_one_event_with_both_quotes() -> None:
    events = merged(
        (event("battle", 11, "Bulo Marer", ["al-Shabaab"], 10), 1),
        (event("battle", 11, "Bulo Marer", ["al-Shabaab", "Somali army"], 900), 4),
        (event("battle", 11, "Jilib", ["al-Shabaab"], 300), 2),
    )

    assert [(fields["location"]["name"], chunks) for fields, chunks in events] == [
        ("Bulo Marer", {1, 4}),
        ("Jilib", {2}),
    ]
    first = events[0][0]
    assert [quote["start"] for quote in first["evidence"]] == [10, 900]
    assert first["actors"] == ["al-Shabaab", "Somali army"]


def test_events_the_rule_cannot_judge_merge_only_on_the_same_span() -> None:
    events = merged(
        (event("political", None, None, [], 50), 1),
        (event("political", None, None, [], 50), 2),  # the overlap sentence, read twice
        (event("political", None, None, [], 700), 3),  # another statement: kept apart
    )

    assert [chunks for _, chunks in events] == [{1, 2}, {3}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"code": "context_length_exceeded", "message": "too long"}}, True),
        ({"error": {"message": "This model's maximum context length is 8192 tokens"}}, True),
        ({"error": {"message": "the request exceeds the available context size"}}, True),
        ({"error": {"message": "invalid schema"}}, False),
    ],
)
def test_a_context_length_refusal_is_told_from_other_400s(
    body: dict[str, Any], expected: bool
) -> None:
    import httpx2
    import openai

    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(400, json=body, request=request)
    error = openai.BadRequestError(body["error"]["message"], response=response, body=body["error"])

    assert exceeds_context(error) is expected


def test_a_chunk_read_whole_knows_it() -> None:
    document = Article.from_text("Some text.", id="doc")
    assert Chunk(1, 0, -1, 0, document).whole
    assert not Chunk(1, 0, 4, 10, document.part(0, 4, label="chunk 1 of 2")).whole
