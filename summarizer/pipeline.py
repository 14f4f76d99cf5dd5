"""One article through the pipeline: cache, else backend, then a validated result.

A `Pipeline` is built once per run (`open_pipeline`) and handed to whatever
runs articles through it: `summarize`, the realtime engine (`summarize_many`),
provider batch jobs and the eval harness. Every path ends in `Pipeline.accept`,
which validates a backend's draft against the article and caches it.

A document longer than the backend's chunk budget (`Backend.chunk_tokens`; a
backend without one reads any document whole) is read in chunks, each an
article of its own in the cache, and their results make the document's
(`summarizer.documents`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from typing_extensions import Unpack

from summarizer.article import Article
from summarizer.backends import get_backend
from summarizer.backends.base import Backend, Draft, backend_chunk_tokens, backend_codebook
from summarizer.cache import ResultCache, cache_key
from summarizer.chunking import MIN_CHUNK_TOKENS
from summarizer.codebook import Codebook, load_codebook_or_fail
from summarizer.documents import Chunk, ChunkResult, assemble, halved, plan_chunks
from summarizer.errors import (
    BackendError,
    ConfigurationError,
    ContextLengthError,
    InvalidOutputError,
    UnusableBackendError,
    validation_error_text,
)
from summarizer.schema import ArticleSummary
from summarizer.settings import LLMOptions, LLMSettings
from summarizer.tokens import token_counter

# Chunks of one document in flight at once (`arun`): a document's chunks finish
# about together, without one long document taking every connection of a run.
CHUNK_CONCURRENCY = 4


@dataclass(frozen=True)
class Outcome:
    """A result and whether the cache answered it."""

    summary: ArticleSummary
    cached: bool


class Pipeline:
    """A backend with an optional cache in front of it; reuse one for many articles.

    Its `codebook` is its backend's (`backend_codebook`): results are validated
    into `codebook.result_model`, and name it (`"codebook": {"name", "hash"}`).

    >>> from summarizer.backends import get_backend
    >>> article = Article.from_text("date 2017-05-25 Baghdad: Troops retook the town of Baaj.")
    >>> with Pipeline(get_backend("offline")) as pipeline:
    ...     outcome = pipeline.run(article)
    >>> outcome.cached, outcome.summary.events[0].location.name
    (False, 'Baaj')
    """

    def __init__(
        self,
        backend: Backend,
        cache: ResultCache | None = None,
        *,
        owns_cache: bool = False,
        chunk_tokens: int | None = None,
    ) -> None:
        """`chunk_tokens`: the chunk budget of long documents (None: the backend's own,
        `Backend.chunk_tokens`); refused for a backend that reads documents whole."""
        self.backend = backend
        self.codebook = backend_codebook(backend)
        self.cache = cache
        self.owns_cache = owns_cache
        if chunk_tokens is not None:
            if backend_chunk_tokens(backend) is None:
                raise ConfigurationError(
                    f"the {backend.name} backend reads every document whole: "
                    "a chunk size does not apply to it"
                )
            if chunk_tokens < MIN_CHUNK_TOKENS:
                raise ConfigurationError(
                    f"chunk size {chunk_tokens} is below the least, {MIN_CHUNK_TOKENS} tokens"
                )
        # None: every document is read whole.
        self.chunk_tokens = chunk_tokens or backend_chunk_tokens(backend)

    def close(self) -> None:
        """Close the cache if this pipeline opened it; a cache handed in stays open."""
        if self.owns_cache and self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def with_backend(self, backend: Backend) -> Pipeline:
        """This pipeline's cache in front of another backend (a wrapper of this one's).

        The cache stays this pipeline's to close.
        """
        return Pipeline(backend, self.cache, chunk_tokens=self.chunk_tokens)

    def plan(self, article: Article) -> list[Chunk]:
        """The chunks `article` is read in: itself whole (`Chunk.whole`) when it fits the
        chunk budget, or its backend reads any document whole."""
        if self.chunk_tokens is None:
            return [Chunk(1, 0, -1, 0, article)]
        return plan_chunks(article, self.chunk_tokens, self._count)

    @cached_property
    def _count(self) -> Any:
        return token_counter(self.backend.model or "").count

    def run(self, article: Article) -> Outcome:
        """The article's result: from the cache, else from the backend, chunk by chunk
        for a long document."""
        results = [
            result for chunk in self.plan(article) for result in self._run_chunk(article, chunk)
        ]
        return self._finish(article, results)

    async def arun(self, article: Article) -> Outcome:
        """`run` in an event loop; a long document's chunks run `CHUNK_CONCURRENCY` at once."""
        limit = asyncio.Semaphore(CHUNK_CONCURRENCY)
        results = await asyncio.gather(
            *(self._arun_chunk(article, chunk, limit) for chunk in self.plan(article))
        )
        return self._finish(article, [result for found in results for result in found])

    def _run_chunk(self, document: Article, chunk: Chunk) -> list[ChunkResult]:
        try:
            hit = self._lookup_one(chunk.article)
            if hit is not None:
                return [(chunk, hit)]
            return [(chunk, self.accept(chunk.article, self.backend.extract(chunk.article)))]
        except UnusableBackendError:
            raise
        except ContextLengthError as error:
            parts = self._smaller(document, chunk)
            if parts is None:
                return [(chunk, error)]
            return [result for part in parts for result in self._run_chunk(document, part)]
        except BackendError as error:
            return [(chunk, error)]

    async def _arun_chunk(
        self, document: Article, chunk: Chunk, limit: asyncio.Semaphore
    ) -> list[ChunkResult]:
        try:
            hit = self._lookup_one(chunk.article)
            if hit is not None:
                return [(chunk, hit)]
            async with limit:
                draft = await self.backend.aextract(chunk.article)
            return [(chunk, self.accept(chunk.article, draft))]
        except UnusableBackendError:
            raise
        except ContextLengthError as error:
            parts = self._smaller(document, chunk)
            if parts is None:
                return [(chunk, error)]
            found = await asyncio.gather(
                *(self._arun_chunk(document, part, limit) for part in parts)
            )
            return [result for results in found for result in results]
        except BackendError as error:
            return [(chunk, error)]

    def _smaller(self, document: Article, chunk: Chunk) -> list[Chunk] | None:
        """A chunk of `document` the model's context refused, cut at half its size; None
        when the backend reads documents whole (the error stands) or it cannot be cut again."""
        if self.chunk_tokens is None:
            return None
        return halved(chunk, document, self._count)

    def _finish(self, article: Article, results: list[ChunkResult]) -> Outcome:
        """The outcome of the article from its chunks' outcomes (its own, read whole)."""
        if len(results) == 1 and results[0][0].whole:
            outcome = results[0][1]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        summary, cached = assemble(article, results, self.codebook, self._validated)
        return Outcome(cast(ArticleSummary, summary), cached=cached)

    def lookup(self, article: Article) -> Outcome | None:
        """The cached result for an article (every chunk's, for a long document), or
        None; never calls the backend."""
        chunks = self.plan(article)
        if len(chunks) == 1:
            return self._lookup_one(article)
        results: list[ChunkResult] = []
        for chunk in chunks:
            hit = self._lookup_one(chunk.article)
            if hit is None:
                return None
            results.append((chunk, hit))
        return self._finish(article, results)

    def _lookup_one(self, article: Article) -> Outcome | None:
        if self.cache is None:
            return None
        summary = self.cache.get(
            cache_key(article, self.backend),
            article.validation_context(),
            self.codebook.result_model,
        )
        if summary is None:
            return None
        # The key is the text, not the id: the same text under another id (a file, then
        # stdin, or two JSON Lines records) shares the entry but keeps its own id.
        return Outcome(summary.model_copy(update={"id": article.id}), cached=True)

    def accept(self, article: Article, draft: Draft) -> Outcome:
        """A backend's draft, validated against the article, with its origin; cached.

        The result is an instance of the codebook's `result_model` (for `news`,
        `ArticleSummary` itself): the fields of an `ArticleSummary`, its events
        with the codebook's types and extra fields.
        """
        result = cast(
            ArticleSummary,
            self._validated(
                article,
                {
                    **draft.extraction.model_dump(),
                    "backend": self.backend.name,
                    "model": self.backend.model,
                    "prompt_version": self.backend.prompt_version,
                    "usage": draft.usage,
                    "attempts": draft.attempts,
                    "codebook": self.codebook.ref.model_dump(),
                },
            ),
        )
        if self.cache is not None:
            self.cache.put(cache_key(article, self.backend), result)
        return Outcome(result, cached=False)

    def _validated(self, article: Article, fields: dict[str, Any]) -> BaseModel:
        """A result's fields validated against the article into the codebook's result model."""
        try:
            return self.codebook.result_model.model_validate(
                {
                    **fields,
                    "id": article.id,
                    "published": article.published,
                    "dateline": article.dateline,
                },
                context=article.validation_context(),
            )
        except ValidationError as error:
            raise InvalidOutputError(
                f"{self.backend.name} returned an invalid result: {validation_error_text(error)}",
                article_id=article.id,
                attempts=fields.get("attempts", 0),
                usage=fields.get("usage"),
            ) from None


def open_pipeline(
    backend: Backend | str | None = None,
    *,
    codebook: Codebook | str | Path | None = None,
    settings: LLMSettings | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    chunk_tokens: int | None = None,
    **options: Unpack[LLMOptions],
) -> Pipeline:
    """The one place a pipeline is assembled: a backend, and a cache in front of it.

    `backend` is a Backend, an installed backend's name ("openai", "offline", a
    plugin's), or None (an LLM when one is configured, else offline: see
    `get_backend`). `settings` and `options` (LLMSettings fields by name: `model`,
    `base_url`, `mode`, ...) configure a backend given by name; an option the
    chosen backend does not take is a ConfigurationError naming it.
    `codebook` is what to extract: a `Codebook`, a codebook file or a built-in's
    name (None: $SUMMARIZER_CODEBOOK, else `news`; with a Backend, the backend's),
    loaded and checked before anything else (`CodebookError`).
    `cache` is a ResultCache (left open), True (the default folder or
    `cache_dir`, closed with the pipeline) or False.
    `chunk_tokens` is the chunk budget of long documents (None: the backend's own;
    see `Pipeline`).
    """
    if isinstance(backend, Backend):
        if settings is not None or any(value is not None for value in options.values()):
            raise ConfigurationError("settings and options configure a backend given by name")
        if codebook is not None:
            wanted = load_codebook_or_fail(codebook)
            if wanted != backend_codebook(backend):
                raise ConfigurationError(
                    f"the backend given extracts the codebook {backend_codebook(backend).name!r}, "
                    f"not {wanted.name!r}: make it with the codebook, or give its name"
                )
        resolved = backend
    else:
        resolved = get_backend(
            backend, settings=settings, codebook=load_codebook_or_fail(codebook), **options
        )
    if isinstance(cache, ResultCache):
        return Pipeline(resolved, cache, chunk_tokens=chunk_tokens)
    if not cache:
        return Pipeline(resolved, chunk_tokens=chunk_tokens)
    return Pipeline(resolved, ResultCache(cache_dir), owns_cache=True, chunk_tokens=chunk_tokens)


def as_article(article: Article | str) -> Article:
    return article if isinstance(article, Article) else Article.from_text(article)


def summarize(
    article: Article | str,
    *,
    backend: Backend | str | None = None,
    codebook: Codebook | str | Path | None = None,
    settings: LLMSettings | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    chunk_tokens: int | None = None,
    **options: Unpack[LLMOptions],
) -> ArticleSummary:
    """Summarize one article: validated events, a headline and a brief.

    >>> result = summarize("date 2017-05-25 Baghdad: Troops advanced on Baaj on Thursday.")
    >>> result.events[0].event_type
    <EventType.BATTLE: 'battle'>

    The arguments are those of `open_pipeline`; `codebook=` says what to extract
    (a file or built-in name: `"acled"`, `"protest.yaml"`). A second call with the
    same article, settings and codebook is answered from the cache. A document
    longer than `chunk_tokens` (None: the backend's chunk budget) is read in chunks.
    """
    with open_pipeline(
        backend,
        codebook=codebook,
        settings=settings,
        cache=cache,
        cache_dir=cache_dir,
        chunk_tokens=chunk_tokens,
        **options,
    ) as pipeline:
        return pipeline.run(as_article(article)).summary


async def asummarize(
    article: Article | str,
    *,
    backend: Backend | str | None = None,
    codebook: Codebook | str | Path | None = None,
    settings: LLMSettings | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    chunk_tokens: int | None = None,
    **options: Unpack[LLMOptions],
) -> ArticleSummary:
    """The asynchronous `summarize`, for use inside an event loop."""
    with open_pipeline(
        backend,
        codebook=codebook,
        settings=settings,
        cache=cache,
        cache_dir=cache_dir,
        chunk_tokens=chunk_tokens,
        **options,
    ) as pipeline:
        return (await pipeline.arun(as_article(article))).summary
