"""Many articles through one pipeline: bounded concurrency, limits, one record per input.

>>> from summarizer import Pipeline, get_backend, summarize_many
>>> with Pipeline(get_backend("offline")) as pipeline, summarize_many(
...     ["date 2017-05-25 Baghdad: Troops retook Baaj on Thursday.", ""], pipeline
... ) as run:
...     kinds = [type(record).__name__ for record in run]
>>> sorted(kinds), run.report.done, dict(run.report.failed)
(['ErrorRecord', 'ResultRecord'], 1, {'InputError': 1})

The engine (`engine.AsyncBatch`) runs inside an event loop; `sync.BatchRun`
drives it from synchronous code. See `summarizer.run.engine` for the decisions
a caller can rely on (order, duplicates, resume, stopping).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from summarizer.pipeline import Pipeline, open_pipeline
from summarizer.run.engine import DEFAULT_CONCURRENCY, AsyncBatch
from summarizer.run.records import BatchReport, ErrorRecord, Record, ResultRecord
from summarizer.run.source import Input
from summarizer.run.sync import BatchRun

if TYPE_CHECKING:
    from summarizer.cost import Budget


def asummarize_many(
    articles: Iterable[Input],
    pipeline: Pipeline | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    rpm: float | None = None,
    tpm: float | None = None,
    ordered: bool = False,
    workers: int = 1,
    budget: Budget | None = None,
) -> AsyncBatch:
    """Summarize many articles inside an event loop: `async for record in asummarize_many(...)`.

    `articles` is any iterable of Article, UnreadableInput (from `iter_inputs`)
    or text, read lazily. `pipeline` is the one the run goes through (built by
    `open_pipeline`; the caller closes it); without one, the default pipeline is
    opened and closed with the run. `rpm` and `tpm` cap requests and tokens per
    minute. Records come as articles finish, or in input order with
    `ordered=True`. `workers` > 1 runs the backend in that many processes, for
    runs that one core's worth of CPU holds back (a fast endpoint at high
    concurrency, or the offline extractor); `concurrency` stays the total in
    flight. With a `budget` (summarizer.cost.Budget), an article whose estimated
    cost does not fit in what is left is not started and gets a `BudgetExceeded`
    record. Cancelling the task that iterates it abandons the articles in
    flight, as `AsyncBatch.stop` does, but hands out nothing more.
    """
    own = pipeline is None
    active = open_pipeline() if pipeline is None else pipeline
    try:
        return AsyncBatch(
            articles,
            active,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            ordered=ordered,
            workers=workers,
            budget=budget,
            close_pipeline=own,
        )
    except BaseException:
        if own:
            active.close()
        raise


def summarize_many(
    articles: Iterable[Input],
    pipeline: Pipeline | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    rpm: float | None = None,
    tpm: float | None = None,
    ordered: bool = False,
    workers: int = 1,
    budget: Budget | None = None,
) -> BatchRun:
    """The synchronous `asummarize_many`: iterate the run for one record per input.

    The event loop runs on a thread of its own; Ctrl-C in the main thread stops
    the run gracefully (see `BatchRun`).
    """
    batch = asummarize_many(
        articles,
        pipeline,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        ordered=ordered,
        workers=workers,
        budget=budget,
    )
    return BatchRun(batch)


__all__ = [
    "DEFAULT_CONCURRENCY",
    "AsyncBatch",
    "BatchReport",
    "BatchRun",
    "ErrorRecord",
    "Input",
    "Record",
    "ResultRecord",
    "asummarize_many",
    "summarize_many",
]
