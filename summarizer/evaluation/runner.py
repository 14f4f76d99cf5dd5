"""Run a pipeline over a labelled data set and score every result.

>>> from summarizer import evaluate
>>> report = evaluate("seeds")
>>> report.metrics["event_f1"]
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

from summarizer.errors import ConfigurationError, SummarizerError
from summarizer.evaluation import matching
from summarizer.evaluation.dataset import Dataset, LabelledArticle, load_dataset
from summarizer.evaluation.metrics import (
    ArticleResult,
    TokenPrices,
    aggregate,
    score_article,
)
from summarizer.evaluation.report import EvalReport
from summarizer.pipeline import Pipeline, open_pipeline
from summarizer.schema import ArticleSummary, schema_version

NOT_CACHED = "not in the cache (cache-only run)"


def evaluate(
    dataset: Dataset | str | os.PathLike[str],
    pipeline: Pipeline | None = None,
    *,
    cache_only: bool = False,
    prices: TokenPrices | None = None,
    minimum_similarity: float = matching.MINIMUM_SIMILARITY,
    on_result: Callable[[ArticleResult], None] | None = None,
) -> EvalReport:
    """Summarize every article of a data set and score the results against the labels.

    `dataset` is a loaded Dataset or a folder in the labelled-article layout
    (DatasetError lists every problem). `pipeline` defaults to the one
    `summarize()` would use, with the cache. An article whose backend fails or
    returns invalid output does not stop the run: it counts as invalid, its
    required events as missed, and the report says why. With `cache_only`, an
    article without a cached result fails that way instead of calling the backend.
    `prices` (per million tokens) adds a cost; `on_result` is called after each
    article, e.g. to advance a progress bar.
    """
    loaded = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    own_pipeline = pipeline is None
    active = open_pipeline() if pipeline is None else pipeline
    started_at = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    results: list[ArticleResult] = []
    try:
        for item in loaded:
            result = _run_one(item, active, cache_only, minimum_similarity)
            results.append(result)
            if on_result is not None:
                on_result(result)
    finally:
        if own_pipeline:
            active.close()
    run = _run_info(loaded, active, cache_only, prices, minimum_similarity)
    run["started_at"] = started_at.isoformat(timespec="seconds")
    run["duration_s"] = round(time.perf_counter() - started, 3)
    return EvalReport(run=run, metrics=aggregate(results, prices), results=tuple(results))


def _run_one(
    item: LabelledArticle, pipeline: Pipeline, cache_only: bool, minimum_similarity: float
) -> ArticleResult:
    started = time.perf_counter()
    summary: ArticleSummary | None = None
    cached, attempts, error = False, 0, None
    try:
        if cache_only:
            summary = pipeline.cached(item.article)
            cached = summary is not None
            error = None if cached else NOT_CACHED
        else:
            outcome = pipeline.run(item.article)
            summary, cached = outcome.summary, outcome.cached
    except ConfigurationError:
        raise  # a setting that cannot work fails every article alike: stop and say so
    except SummarizerError as failure:
        # Backend errors name the article first; the report already says which it is.
        error = str(failure).removeprefix(f"{item.id}: ")
        attempts = getattr(failure, "attempts", 0)
    latency = time.perf_counter() - started
    score = score_article(item, summary, minimum_similarity=minimum_similarity)
    if summary is None:
        return ArticleResult(score, latency_s=latency, attempts=attempts, error=error)
    return ArticleResult(
        score,
        latency_s=latency,
        cached=cached,
        attempts=summary.attempts,
        tokens_in=summary.usage.prompt_tokens,
        tokens_out=summary.usage.completion_tokens,
    )


def _run_info(
    dataset: Dataset,
    pipeline: Pipeline,
    cache_only: bool,
    prices: TokenPrices | None,
    minimum_similarity: float,
) -> dict[str, Any]:
    backend = pipeline.backend
    return {
        "dataset": str(dataset.root.resolve()),
        "articles": len(dataset),
        "backend": backend.name,
        "model": backend.model,
        "prompt_version": backend.prompt_version,
        "schema_version": schema_version(),
        # The backend's settings never hold a secret (the Backend protocol says so).
        "settings": backend.settings,
        "summarizer_version": _version(),
        "cache": str(pipeline.cache.directory) if pipeline.cache is not None else None,
        "cache_only": cache_only,
        "prices_per_million_tokens": (
            {"input": prices.input_per_million, "output": prices.output_per_million}
            if prices is not None
            else None
        ),
        "matching": {
            "minimum_similarity": minimum_similarity,
            "weights": {
                "event_type": matching.TYPE_WEIGHT,
                "date": matching.DATE_WEIGHT,
                "location": matching.LOCATION_WEIGHT,
                "actors": matching.ACTORS_WEIGHT,
            },
        },
    }


def _version() -> str | None:
    try:
        return metadata.version("summarizer")
    except metadata.PackageNotFoundError:
        return None
