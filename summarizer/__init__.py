"""summarizer: news articles in, validated event JSON and short briefs out.

>>> from summarizer import summarize
>>> result = summarize(open("seeds/articles/iraq-baaj-offensive.txt").read())
>>> result.headline, [event.event_type for event in result.events]

Public names are imported on first use, not with the package: the `summarize`
command lives inside it, and `summarize --help` should not pay for building the
pydantic models, asyncio or the eval harness.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summarizer.article import Article
    from summarizer.backends import Backend, get_backend
    from summarizer.batch import (
        BatchReport,
        ErrorRecord,
        ResultRecord,
        asummarize_many,
        summarize_many,
    )
    from summarizer.batchjobs import collect_job, job_status, submit_job
    from summarizer.cache import ResultCache
    from summarizer.errors import (
        BackendError,
        ConfigurationError,
        DatasetError,
        DuplicateIdError,
        InputError,
        InvalidOutputError,
        SummarizerError,
    )
    from summarizer.evaluation import evaluate, load_dataset
    from summarizer.pipeline import Pipeline, asummarize, summarize
    from summarizer.schema import (
        ArticleSummary,
        Event,
        EventType,
        Extraction,
        FatalityRange,
        Location,
        Usage,
    )

# The module each public name comes from.
_SOURCES = {
    "Article": "summarizer.article",
    "ArticleSummary": "summarizer.schema",
    "Backend": "summarizer.backends",
    "BackendError": "summarizer.errors",
    "BatchReport": "summarizer.batch",
    "ConfigurationError": "summarizer.errors",
    "DatasetError": "summarizer.errors",
    "DuplicateIdError": "summarizer.errors",
    "ErrorRecord": "summarizer.batch",
    "Event": "summarizer.schema",
    "EventType": "summarizer.schema",
    "Extraction": "summarizer.schema",
    "FatalityRange": "summarizer.schema",
    "InputError": "summarizer.errors",
    "InvalidOutputError": "summarizer.errors",
    "Location": "summarizer.schema",
    "Pipeline": "summarizer.pipeline",
    "ResultCache": "summarizer.cache",
    "ResultRecord": "summarizer.batch",
    "SummarizerError": "summarizer.errors",
    "Usage": "summarizer.schema",
    "asummarize": "summarizer.pipeline",
    "asummarize_many": "summarizer.batch",
    "collect_job": "summarizer.batchjobs",
    "evaluate": "summarizer.evaluation",
    "get_backend": "summarizer.backends",
    "job_status": "summarizer.batchjobs",
    "load_dataset": "summarizer.evaluation",
    "summarize": "summarizer.pipeline",
    "submit_job": "summarizer.batchjobs",
    "summarize_many": "summarizer.batch",
}

__all__ = [
    "Article",
    "ArticleSummary",
    "Backend",
    "BackendError",
    "BatchReport",
    "ConfigurationError",
    "DatasetError",
    "DuplicateIdError",
    "ErrorRecord",
    "Event",
    "EventType",
    "Extraction",
    "FatalityRange",
    "InputError",
    "InvalidOutputError",
    "Location",
    "Pipeline",
    "ResultCache",
    "ResultRecord",
    "SummarizerError",
    "Usage",
    "asummarize",
    "asummarize_many",
    "collect_job",
    "evaluate",
    "get_backend",
    "job_status",
    "load_dataset",
    "submit_job",
    "summarize",
    "summarize_many",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
