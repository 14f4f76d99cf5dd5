"""One article through the pipeline: cache, else backend, then a validated result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from summarizer.article import Article
from summarizer.backends import get_backend
from summarizer.backends.base import Backend, Draft
from summarizer.cache import ResultCache, cache_key
from summarizer.errors import InvalidOutputError
from summarizer.schema import ArticleSummary


@dataclass(frozen=True)
class Outcome:
    """A result and whether the cache answered it."""

    summary: ArticleSummary
    cached: bool


class Pipeline:
    """A backend with an optional cache in front of it; reuse one for many articles."""

    def __init__(
        self, backend: Backend, cache: ResultCache | None = None, *, owns_cache: bool = False
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.owns_cache = owns_cache

    def close(self) -> None:
        """Close the cache if this pipeline opened it; a cache handed in stays open."""
        if self.owns_cache and self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, article: Article) -> Outcome:
        hit = self._lookup(article)
        if hit is not None:
            return hit
        return self._store(article, self.backend.extract(article))

    async def arun(self, article: Article) -> Outcome:
        hit = self._lookup(article)
        if hit is not None:
            return hit
        return self._store(article, await self.backend.aextract(article))

    def cached(self, article: Article) -> ArticleSummary | None:
        """The cached result for an article, or None; never calls the backend."""
        hit = self._lookup(article)
        return hit.summary if hit else None

    def _lookup(self, article: Article) -> Outcome | None:
        if self.cache is None:
            return None
        summary = self.cache.get(cache_key(article, self.backend), article.validation_context())
        if summary is None:
            return None
        # The key is the text, not the id: the same text under another id (a file, then
        # stdin, or two JSON Lines records) shares the entry but keeps its own id.
        return Outcome(summary.model_copy(update={"article_id": article.id}), cached=True)

    def _store(self, article: Article, draft: Draft) -> Outcome:
        try:
            summary = ArticleSummary.model_validate(
                {
                    **draft.extraction.model_dump(),
                    "article_id": article.id,
                    "published": article.published,
                    "dateline": article.dateline,
                    "backend": self.backend.name,
                    "model": self.backend.model,
                    "prompt_version": self.backend.prompt_version,
                    "usage": draft.usage,
                    "attempts": draft.attempts,
                },
                context=article.validation_context(),
            )
        except ValidationError as error:
            raise InvalidOutputError(
                f"{self.backend.name} returned an invalid result: {error}",
                article_id=article.id,
                attempts=draft.attempts,
                usage=draft.usage,
            ) from None
        if self.cache is not None:
            self.cache.put(cache_key(article, self.backend), summary)
        return Outcome(summary, cached=False)


def open_pipeline(
    backend: Backend | str | None = None,
    *,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    **backend_options: Any,
) -> Pipeline:
    """A pipeline from a backend (or its name and options) and a cache setting."""
    resolved = backend if isinstance(backend, Backend) else get_backend(backend, **backend_options)
    if isinstance(cache, ResultCache):
        return Pipeline(resolved, cache)
    return Pipeline(resolved, ResultCache(cache_dir) if cache else None, owns_cache=bool(cache))


def as_article(article: Article | str) -> Article:
    return article if isinstance(article, Article) else Article.from_text(article)


def summarize(
    article: Article | str,
    *,
    backend: Backend | str | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    **backend_options: Any,
) -> ArticleSummary:
    """Summarize one article: validated events, a headline and a brief.

    >>> result = summarize("date 2017-05-25 Baghdad: Troops advanced on Baaj on Thursday.")
    >>> result.events[0].event_type
    <EventType.BATTLE: 'battle'>

    `backend` is a Backend, "openai", "offline", or None (an LLM when one is
    configured, else offline); `backend_options` go to the backend (`model`,
    `base_url`, `api_key`, `mode`, ...). A second call with the same article and
    settings is answered from the cache.
    """
    with open_pipeline(backend, cache=cache, cache_dir=cache_dir, **backend_options) as pipeline:
        return pipeline.run(as_article(article)).summary


async def asummarize(
    article: Article | str,
    *,
    backend: Backend | str | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    **backend_options: Any,
) -> ArticleSummary:
    """The asynchronous `summarize`, for use inside an event loop."""
    with open_pipeline(backend, cache=cache, cache_dir=cache_dir, **backend_options) as pipeline:
        return (await pipeline.arun(as_article(article))).summary
