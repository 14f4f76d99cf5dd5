"""One article through the pipeline: cache, else backend, then a validated result.

A `Pipeline` is built once per run (`open_pipeline`) and handed to whatever
runs articles through it: `summarize`, the realtime engine (`summarize_many`),
provider batch jobs and the eval harness. Every path ends in `Pipeline.accept`,
which validates a backend's draft against the article and caches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pydantic import ValidationError
from typing_extensions import Unpack

from summarizer.article import Article
from summarizer.backends import get_backend
from summarizer.backends.base import Backend, Draft, backend_codebook
from summarizer.cache import ResultCache, cache_key
from summarizer.codebook import Codebook, load_codebook_or_fail
from summarizer.errors import ConfigurationError, InvalidOutputError, validation_error_text
from summarizer.schema import ArticleSummary
from summarizer.settings import LLMOptions, LLMSettings


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
        self, backend: Backend, cache: ResultCache | None = None, *, owns_cache: bool = False
    ) -> None:
        self.backend = backend
        self.codebook = backend_codebook(backend)
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

    def with_backend(self, backend: Backend) -> Pipeline:
        """This pipeline's cache in front of another backend (a wrapper of this one's).

        The cache stays this pipeline's to close.
        """
        return Pipeline(backend, self.cache)

    def run(self, article: Article) -> Outcome:
        hit = self.lookup(article)
        if hit is not None:
            return hit
        return self.accept(article, self.backend.extract(article))

    async def arun(self, article: Article) -> Outcome:
        hit = self.lookup(article)
        if hit is not None:
            return hit
        return self.accept(article, await self.backend.aextract(article))

    def lookup(self, article: Article) -> Outcome | None:
        """The cached result for an article, or None; never calls the backend."""
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
        try:
            summary = self.codebook.result_model.model_validate(
                {
                    **draft.extraction.model_dump(),
                    "id": article.id,
                    "published": article.published,
                    "dateline": article.dateline,
                    "backend": self.backend.name,
                    "model": self.backend.model,
                    "prompt_version": self.backend.prompt_version,
                    "usage": draft.usage,
                    "attempts": draft.attempts,
                    "codebook": self.codebook.ref.model_dump(),
                },
                context=article.validation_context(),
            )
        except ValidationError as error:
            raise InvalidOutputError(
                f"{self.backend.name} returned an invalid result: {validation_error_text(error)}",
                article_id=article.id,
                attempts=draft.attempts,
                usage=draft.usage,
            ) from None
        result = cast(ArticleSummary, summary)
        if self.cache is not None:
            self.cache.put(cache_key(article, self.backend), result)
        return Outcome(result, cached=False)


def open_pipeline(
    backend: Backend | str | None = None,
    *,
    codebook: Codebook | str | Path | None = None,
    settings: LLMSettings | None = None,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
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
        return Pipeline(resolved, cache)
    if not cache:
        return Pipeline(resolved)
    return Pipeline(resolved, ResultCache(cache_dir), owns_cache=True)


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
    **options: Unpack[LLMOptions],
) -> ArticleSummary:
    """Summarize one article: validated events, a headline and a brief.

    >>> result = summarize("date 2017-05-25 Baghdad: Troops advanced on Baaj on Thursday.")
    >>> result.events[0].event_type
    <EventType.BATTLE: 'battle'>

    The arguments are those of `open_pipeline`; `codebook=` says what to extract
    (a file or built-in name: `"acled"`, `"protest.yaml"`). A second call with the
    same article, settings and codebook is answered from the cache.
    """
    with open_pipeline(
        backend, codebook=codebook, settings=settings, cache=cache, cache_dir=cache_dir, **options
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
    **options: Unpack[LLMOptions],
) -> ArticleSummary:
    """The asynchronous `summarize`, for use inside an event loop."""
    with open_pipeline(
        backend, codebook=codebook, settings=settings, cache=cache, cache_dir=cache_dir, **options
    ) as pipeline:
        return (await pipeline.arun(as_article(article))).summary
