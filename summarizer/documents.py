"""A long document read in chunks, and the one result its chunks make.

A backend with a context limit (`Backend.chunk_tokens`) reads a document whose
body is over its chunk budget in chunks (`summarizer.chunking`); the pipeline
runs each chunk as an article of its own (`Article.part`: the chunk's text
under the document's header), so each is its own cache entry and a rerun
repeats only the chunks that failed. This module turns the chunks' results into
the document's:

- events: each chunk's events, their evidence offsets moved from the chunk into
  the whole document (code points, as everywhere), merged **by event**: the
  pair rule of the event dataset (`dataset.merge`: the same type, dates within
  the window, the same place, compatible actors) within the document. An event
  the rule cannot judge (no date or no place) merges only with one of its type
  that quotes the very same span: the sentence two chunks share, read twice.
  A merged event keeps the earliest chunk's fields, filling what it left empty
  from the others, every actor named, and up to three quotes;
- headline: the first chunk's (the lede's);
- brief: the first sentence of chunk briefs, the first chunk's always, then
  those of the chunks that gave the most events, in document order, within the
  codebook's sentence and word limits; validated as any brief is;
- usage and attempts: summed over every chunk, failed ones too.

A chunk the server refuses as longer than the context window
(`ContextLengthError`) is cut again at half its budget, at most down to
`chunking.MIN_CHUNK_TOKENS`; it is never sent again as it was. A chunk that
fails for good leaves the document a `PartialResultError` holding the other
chunks' result and naming the failed ones: never a silently shorter result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from summarizer.article import Article
from summarizer.chunking import MIN_CHUNK_TOKENS, split_spans
from summarizer.dataset.geo import UNKNOWN
from summarizer.dataset.merge import MergeRule, locate, merge
from summarizer.dataset.results import Mention
from summarizer.errors import BackendError, PartialResultError
from summarizer.rules import BRIEF_MAX_SENTENCES
from summarizer.schema import EVIDENCE_MAX_QUOTES, Event, Location, Usage
from summarizer.text import count_words, split_sentences

if TYPE_CHECKING:
    from pydantic import BaseModel

    from summarizer.codebook import Codebook
    from summarizer.pipeline import Outcome


@dataclass(frozen=True)
class Chunk:
    """A part of a document read as an article: `body[start:end]` of the document.

    `number` counts from 1 in the document's first split; the parts of a chunk cut
    again after a context-length error keep its number.
    """

    number: int
    start: int
    end: int
    budget: int
    article: Article

    @property
    def whole(self) -> bool:
        """The document itself, read whole (it fits, or its backend reads anything whole)."""
        return self.end < 0


ChunkResult: TypeAlias = "tuple[Chunk, Outcome | BackendError]"


def whole_document(document: Article) -> Chunk:
    """The document as its one chunk."""
    return Chunk(1, 0, -1, 0, document)


def plan_chunks(document: Article, budget: int, count: Callable[[str], int]) -> list[Chunk]:
    """The chunks of `document` for a `budget` of tokens (`count` counts them); the
    document whole when its body fits."""
    content = document.body or document.text
    spans = split_spans(content, budget, count)
    if len(spans) == 1:
        return [whole_document(document)]
    return [
        Chunk(number, start, end, budget, document.part(start, end, label=_label(number, spans)))
        for number, (start, end) in enumerate(spans, start=1)
    ]


def halved(chunk: Chunk, document: Article, count: Callable[[str], int]) -> list[Chunk] | None:
    """The chunk cut again at half its size in tokens, after a context-length error;
    None when that would go below `MIN_CHUNK_TOKENS` or leave it whole."""
    content = document.body or document.text
    end = len(content) if chunk.end < 0 else chunk.end
    text = content[chunk.start : end]
    budget = min(chunk.budget or count(text), count(text)) // 2
    if budget < MIN_CHUNK_TOKENS:
        return None
    spans = split_spans(text, budget, count)
    if len(spans) < 2:
        return None
    return [
        Chunk(
            chunk.number,
            chunk.start + start,
            chunk.start + stop,
            budget,
            document.part(
                chunk.start + start,
                chunk.start + stop,
                label=f"chunk {chunk.number}, part {number} of {len(spans)}",
            ),
        )
        for number, (start, stop) in enumerate(spans, start=1)
    ]


def _label(number: int, spans: Sequence[object]) -> str:
    return f"chunk {number} of {len(spans)}"


@dataclass(frozen=True)
class _Found:
    """One event of one chunk, as the document's: its fields, evidence in document offsets."""

    fields: dict[str, Any]
    chunk: int
    position: int  # its first quote's start in the document

    @property
    def event_type(self) -> object:
        return self.fields["event_type"]

    @property
    def spans(self) -> set[tuple[int, int]]:
        return {
            (quote["start"], quote["end"])
            for quote in self.fields["evidence"]
            if quote.get("start") is not None
        }


def assemble(
    document: Article,
    results: Sequence[ChunkResult],
    codebook: Codebook,
    validate: Callable[[Article, dict[str, Any]], BaseModel],
) -> tuple[BaseModel, bool]:
    """The document's result from its chunks' results, and whether the cache gave
    every one; raises `PartialResultError` when a chunk failed (and another did
    not), the first chunk's error when none succeeded.

    `validate(document, fields)` validates the result's fields as the pipeline
    validates any, against the whole document.
    """
    done = [(chunk, outcome) for chunk, outcome in results if not isinstance(outcome, Exception)]
    failed = [(chunk, error) for chunk, error in results if isinstance(error, BackendError)]
    usage = sum((_usage(outcome) for _, outcome in results), Usage())
    attempts = sum(_attempts(outcome) for _, outcome in results)
    if not done:
        raise failed[0][1]
    found = [
        _Found(fields, chunk.number, _first_start(fields))
        for chunk, outcome in done
        for fields in _shifted_events(document, chunk, outcome.summary)
    ]
    events = _merged(document, found)
    first = done[0][1].summary
    fields = {
        "headline": first.headline,
        "brief": _brief(done, events, codebook.spec.brief.max_words),
        "events": [event for event, _ in events],
        "id": document.id,
        "published": document.published,
        "dateline": document.dateline,
        "backend": first.backend,
        "model": first.model,
        "prompt_version": first.prompt_version,
        "usage": usage,
        "attempts": max(attempts, 1),
        "codebook": first.codebook,
    }
    summary = validate(document, fields)
    if failed:
        numbers = sorted({chunk.number for chunk, _ in failed})
        chunks = max(chunk.number for chunk, _ in results)
        raise PartialResultError(
            f"{len(numbers)} of {chunks} chunks failed (chunk{'s' if len(numbers) > 1 else ''} "
            f"{', '.join(map(str, numbers))}; first: {failed[0][1].message}); the partial "
            "result holds the other chunks' events, and a rerun repeats only the failed ones",
            partial=summary,
            failed_chunks=numbers,
            chunks=chunks,
            article_id=document.id,
            attempts=attempts,
            usage=usage,
        )
    return summary, all(outcome.cached for _, outcome in done)


def _usage(outcome: Outcome | BackendError) -> Usage:
    return outcome.usage if isinstance(outcome, BackendError) else outcome.summary.usage


def _attempts(outcome: Outcome | BackendError) -> int:
    return outcome.attempts if isinstance(outcome, BackendError) else outcome.summary.attempts


def _shifted_events(document: Article, chunk: Chunk, summary: BaseModel) -> list[dict[str, Any]]:
    """The chunk result's events with their evidence offsets moved into the document's text.

    A quote from the chunk's header (not part of its body) keeps no offsets: the
    document's validation locates it in the document's own header.
    """
    header = len(chunk.article.text) - len(chunk.article.body)
    shift = document.body_start + chunk.start - header
    shifted = []
    for event in getattr(summary, "events", []):
        fields = event.model_dump()
        fields["evidence"] = [
            {"text": quote["text"], "start": quote["start"] + shift, "end": quote["end"] + shift}
            if quote.get("start") is not None and quote["start"] >= header
            else {"text": quote["text"]}
            for quote in fields["evidence"]
        ]
        shifted.append(fields)
    return shifted


def _first_start(fields: dict[str, Any]) -> int:
    starts = [quote["start"] for quote in fields["evidence"] if quote.get("start") is not None]
    return min(starts, default=0)


def _merged(document: Article, found: list[_Found]) -> list[tuple[dict[str, Any], set[int]]]:
    """The document's events, one per real-world event, in the order the document first
    states them; each with the chunks it came from."""
    rule = MergeRule()
    ordered = sorted(found, key=lambda item: (item.position, item.chunk))
    located = [
        locate(Mention(document.id, number, _merge_view(item.fields)), rule, lambda _: UNKNOWN)
        for number, item in enumerate(ordered, start=1)
    ]
    groups: list[list[int]] = [
        [item.mention.number - 1 for item in group.members] for group in merge(located, rule)
    ]
    groups = _join_shared_spans(groups, ordered, located)
    events = []
    for members in sorted(groups, key=min):
        items = [ordered[index] for index in sorted(members)]
        events.append((_combined([item.fields for item in items]), {item.chunk for item in items}))
    return events


def _merge_view(fields: dict[str, Any]) -> Event:
    """The fields the pair rule compares, in the shape it reads (a codebook's event
    may have its own type enum, and no actors)."""
    return Event.model_construct(
        event_type=fields["event_type"],
        date=fields.get("date"),
        date_end=fields.get("date_end"),
        location=Location(**fields["location"]),
        actors=fields.get("actors") or [],
    )


def _join_shared_spans(
    groups: list[list[int]], ordered: list[_Found], located: Sequence[Any]
) -> list[list[int]]:
    """Events the pair rule cannot judge (no date or no place) joined to an event of
    their type that quotes the same span of the document."""
    kept: list[list[int]] = []
    for members in sorted(groups, key=min):
        alone = len(members) == 1 and not located[members[0]].mergeable
        item = ordered[members[0]]
        target = next(
            (
                group
                for group in kept
                if alone
                and any(
                    ordered[index].event_type == item.event_type
                    and ordered[index].spans & item.spans
                    for index in group
                )
            ),
            None,
        )
        if target is None:
            kept.append(list(members))
        else:
            target.extend(members)
    return kept


def _combined(members: list[dict[str, Any]]) -> dict[str, Any]:
    """One event from several statements of it: the first's fields, filled from the others."""
    event = {**members[0], "location": dict(members[0]["location"])}
    for other in members[1:]:
        for name, value in other.items():
            if event.get(name) is None and value is not None:
                event[name] = value
        for name, value in other["location"].items():
            if event["location"].get(name) is None:
                event["location"][name] = value
    if "actors" in event:
        named: dict[str, str] = {}
        for member in members:
            for actor in member.get("actors") or []:
                named.setdefault(actor.casefold(), actor)
        event["actors"] = list(named.values())
    quotes: dict[tuple[Any, Any], dict[str, Any]] = {}
    for member in members:
        for quote in member["evidence"]:
            quotes.setdefault((quote.get("start"), quote["text"]), quote)
    event["evidence"] = list(quotes.values())[:EVIDENCE_MAX_QUOTES]
    return event


def _brief(
    done: Sequence[tuple[Chunk, Outcome]],
    events: list[tuple[dict[str, Any], set[int]]],
    max_words: int,
) -> str:
    """The first sentences of the chunks' briefs that fit the limits: the first chunk's,
    then the chunks that gave the most events, in document order."""
    gave = {chunk.number: 0 for chunk, _ in done}
    for _, chunks in events:
        for number in chunks:
            gave[number] += 1
    candidates: list[tuple[int, str]] = []
    for chunk, outcome in done:
        sentences = split_sentences(outcome.summary.brief)
        if sentences and all(sentences[0] != taken for _, taken in candidates):
            candidates.append((chunk.number, sentences[0]))
    chosen = [candidates[0]]
    words = count_words(candidates[0][1])
    for number, sentence in sorted(candidates[1:], key=lambda item: (-gave[item[0]], item[0])):
        size = count_words(sentence)
        if len(chosen) < BRIEF_MAX_SENTENCES and words + size <= max_words:
            chosen.append((number, sentence))
            words += size
    return " ".join(sentence for _, sentence in sorted(chosen))
