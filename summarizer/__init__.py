"""summarizer: news articles in, validated event JSON and short briefs out.

>>> from pathlib import Path
>>> from summarizer import summarize
>>> article = Path("seeds/articles/iraq-baaj-offensive.txt").read_text(encoding="utf-8")
>>> result = summarize(article, backend="offline")
>>> result.events[0].event_type, result.events[0].date, result.published
(<EventType.BATTLE: 'battle'>, datetime.date(2017, 5, 25), datetime.date(2017, 5, 25))

Without `backend="offline"`, an LLM answers when one is configured (see the README).

Public names are imported on first use, not with the package: the `summarize`
command lives inside it, and `summarize --help` should not pay for building the
pydantic models, asyncio or the eval harness. `_SOURCES` is the one table of
them; `__all__` is its keys.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summarizer.article import Article
    from summarizer.backends import Backend, Draft, get_backend
    from summarizer.batchjobs import collect_job, job_status, submit_job
    from summarizer.cache import ResultCache
    from summarizer.dataset import EventDataset, build_dataset, event_rows
    from summarizer.errors import (
        BackendError,
        ConfigurationError,
        DatasetError,
        DuplicateIdError,
        InputError,
        InvalidOutputError,
        SummarizerError,
        UsageError,
    )
    from summarizer.evaluation import EvalReport, evaluate, load_dataset
    from summarizer.pipeline import Outcome, Pipeline, asummarize, open_pipeline, summarize
    from summarizer.run import (
        AsyncBatch,
        BatchReport,
        BatchRun,
        ErrorRecord,
        ResultRecord,
        asummarize_many,
        summarize_many,
    )
    from summarizer.schema import (
        ArticleSummary,
        Event,
        EventType,
        Evidence,
        Extraction,
        FatalityRange,
        Location,
        Usage,
    )
    from summarizer.settings import LLMSettings, Mode

# Each public name and the module it comes from.
_SOURCES = {
    "Article": "summarizer.article",
    "ArticleSummary": "summarizer.schema",
    "AsyncBatch": "summarizer.run",
    "Backend": "summarizer.backends",
    "BackendError": "summarizer.errors",
    "BatchReport": "summarizer.run",
    "BatchRun": "summarizer.run",
    "ConfigurationError": "summarizer.errors",
    "DatasetError": "summarizer.errors",
    "Draft": "summarizer.backends",
    "DuplicateIdError": "summarizer.errors",
    "ErrorRecord": "summarizer.run",
    "EvalReport": "summarizer.evaluation",
    "Event": "summarizer.schema",
    "EventType": "summarizer.schema",
    "EventDataset": "summarizer.dataset",
    "Evidence": "summarizer.schema",
    "Extraction": "summarizer.schema",
    "FatalityRange": "summarizer.schema",
    "InputError": "summarizer.errors",
    "InvalidOutputError": "summarizer.errors",
    "LLMSettings": "summarizer.settings",
    "Location": "summarizer.schema",
    "Mode": "summarizer.settings",
    "Outcome": "summarizer.pipeline",
    "Pipeline": "summarizer.pipeline",
    "ResultCache": "summarizer.cache",
    "ResultRecord": "summarizer.run",
    "SummarizerError": "summarizer.errors",
    "Usage": "summarizer.schema",
    "UsageError": "summarizer.errors",
    "asummarize": "summarizer.pipeline",
    "asummarize_many": "summarizer.run",
    "build_dataset": "summarizer.dataset",
    "collect_job": "summarizer.batchjobs",
    "evaluate": "summarizer.evaluation",
    "event_rows": "summarizer.dataset",
    "get_backend": "summarizer.backends",
    "job_status": "summarizer.batchjobs",
    "load_dataset": "summarizer.evaluation",
    "open_pipeline": "summarizer.pipeline",
    "summarize": "summarizer.pipeline",
    "submit_job": "summarizer.batchjobs",
    "summarize_many": "summarizer.run",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
