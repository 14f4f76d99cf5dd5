"""Run a pipeline over a labelled data set and score every result.

>>> from summarizer import evaluate, open_pipeline
>>> report = evaluate("seeds", open_pipeline("offline", cache=False))
>>> report.metrics["type_accuracy"]
1.0
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

from summarizer.codebook import Codebook
from summarizer.cost import Prices
from summarizer.errors import ConfigurationError, UnusableBackendError
from summarizer.evaluation import matching
from summarizer.evaluation.dataset import Dataset, LabelledArticle, load_dataset
from summarizer.evaluation.merging import merge_metrics
from summarizer.evaluation.metrics import ArticleResult, aggregate, score_article
from summarizer.evaluation.report import EvalReport
from summarizer.pipeline import Pipeline, open_pipeline
from summarizer.run import (
    DEFAULT_CONCURRENCY,
    ErrorRecord,
    Record,
    ResultRecord,
    summarize_many,
)
from summarizer.schema import schema_version

NOT_CACHED = "not in the cache (cache-only run)"


def evaluate(
    dataset: Dataset | str | os.PathLike[str],
    pipeline: Pipeline | None = None,
    *,
    codebook: Codebook | str | os.PathLike[str] | None = None,
    cache_only: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    prices: Prices | None = None,
    minimum_similarity: float = matching.MINIMUM_SIMILARITY,
    on_record: Callable[[Record], None] | None = None,
) -> EvalReport:
    """Summarize every article of a data set and score the results against the labels.

    `dataset` is a loaded Dataset or a folder in the labelled-article layout
    (DatasetError lists every problem), whose labels follow `codebook` (else the
    folder's codebook.yaml, else $SUMMARIZER_CODEBOOK, else `news`; a loaded
    Dataset keeps its own). `pipeline` defaults to the one
    `summarize()` would use, with the cache. The articles go through the batch
    engine, `concurrency` at a time. An article whose backend fails or returns
    invalid output does not stop the run: it counts as invalid, its required
    events as missed, and the report says why. A failure no article can get past
    (UnusableBackendError, ConfigurationError) stops it and is raised. With `cache_only`, an article
    without a cached result fails that way instead of calling the backend.
    `prices` (summarizer.cost) adds costs in USD; `on_record` gets each
    article's record as it finishes, e.g. for a progress display.
    """
    loaded = dataset if isinstance(dataset, Dataset) else load_dataset(dataset, codebook=codebook)
    own_pipeline = pipeline is None
    # A pipeline handed in extracts with its own codebook; the labels' one is for scoring.
    active = open_pipeline(codebook=loaded.codebook) if pipeline is None else pipeline
    started_at = dt.datetime.now(dt.timezone.utc)
    started = time.perf_counter()
    results: dict[str, ArticleResult] = {}
    try:
        if cache_only:
            records = _cached_records(loaded, active)
        else:
            records = _records(loaded, active, concurrency)
        for item, record in records:
            results[item.id] = _score(item, record, minimum_similarity)
            if on_record is not None:
                on_record(record)
    finally:
        if own_pipeline:
            active.close()
    run = _run_info(loaded, active, cache_only, prices, minimum_similarity)
    run["started_at"] = started_at.isoformat(timespec="seconds")
    run["duration_s"] = round(time.perf_counter() - started, 3)
    in_order = tuple(results[item.id] for item in loaded)
    metrics = aggregate(in_order, prices)
    metrics.update(merge_metrics([result.score for result in in_order]))
    return EvalReport(run=run, metrics=metrics, results=in_order)


def _records(
    dataset: Dataset, pipeline: Pipeline, concurrency: int
) -> Iterator[tuple[LabelledArticle, Record]]:
    """Each article of the data set with its record from the batch engine, as they finish."""
    items = {item.id: item for item in dataset}
    articles = [item.article for item in dataset]
    with summarize_many(articles, pipeline, concurrency=concurrency) as run:
        for record in run:
            if isinstance(record, ErrorRecord) and isinstance(
                record.error, ConfigurationError | UnusableBackendError
            ):
                # A setting or an endpoint that cannot work fails every article alike:
                # stop and say so, once.
                raise record.error
            yield items[record.id], record


def _cached_records(
    dataset: Dataset, pipeline: Pipeline
) -> Iterator[tuple[LabelledArticle, Record]]:
    """Each article with its cached result, or an error saying there is none."""
    for item in dataset:
        started = time.perf_counter()
        hit = pipeline.lookup(item.article)
        elapsed = time.perf_counter() - started
        if hit is None:
            message = f"{item.id}: {NOT_CACHED}"
            yield item, ErrorRecord(item.id, "NotCached", message, elapsed=elapsed)
        else:
            yield item, ResultRecord(hit.summary, cached=True, elapsed=elapsed)


def _score(item: LabelledArticle, record: Record, minimum_similarity: float) -> ArticleResult:
    if isinstance(record, ErrorRecord):
        score = score_article(item, None, minimum_similarity=minimum_similarity)
        # Backend errors name the article first; the report already says which it is.
        error = record.message.removeprefix(f"{item.id}: ")
        return ArticleResult(
            score,
            latency_s=record.elapsed,
            attempts=record.attempts,
            error=error,
            tokens_in=record.usage.prompt_tokens,
            tokens_out=record.usage.completion_tokens,
        )
    summary = record.summary
    return ArticleResult(
        score_article(item, summary, minimum_similarity=minimum_similarity),
        latency_s=record.elapsed,
        cached=record.cached,
        attempts=summary.attempts,
        tokens_in=summary.usage.prompt_tokens,
        tokens_out=summary.usage.completion_tokens,
    )


def _run_info(
    dataset: Dataset,
    pipeline: Pipeline,
    cache_only: bool,
    prices: Prices | None,
    minimum_similarity: float,
) -> dict[str, Any]:
    backend = pipeline.backend
    return {
        # As the caller named it: a relative path stays relative, so a report (or a
        # baseline made from one) names no folder of the machine it ran on.
        "dataset": str(dataset.root),
        "articles": len(dataset),
        "backend": backend.name,
        "model": backend.model,
        "prompt_version": backend.prompt_version,
        "schema_version": schema_version(),
        "codebook": {"name": dataset.codebook.name, "hash": dataset.codebook.hash},
        # The backend's settings never hold a secret (the Backend protocol says so).
        "settings": backend.settings,
        "summarizer_version": _version(),
        "cache": str(pipeline.cache.directory) if pipeline.cache is not None else None,
        "cache_only": cache_only,
        "prices_usd_per_million_tokens": (
            {"input": prices.input, "output": prices.output, "source": prices.source}
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
