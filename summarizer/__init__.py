"""summarizer: news articles in, validated event JSON and short briefs out.

>>> from pathlib import Path
>>> from summarizer import summarize
>>> article = Path("seeds/articles/iraq-baaj-offensive.txt").read_text(encoding="utf-8")
>>> result = summarize(article, backend="offline")
>>> result.events[0].event_type, result.events[0].date, result.published
(<EventType.BATTLE: 'battle'>, datetime.date(2017, 5, 25), datetime.date(2017, 5, 25))

Without `backend="offline"`, an LLM answers when one is configured (see docs/llm.md).

Public names are imported on first use, not with the package: the `summarize`
command lives inside it, and `summarize --help` should not pay for building the
pydantic models, asyncio or the eval harness. `_SOURCES` is the one table of
them; `__all__` is its keys.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # `X as X`: an explicit re-export, which mypy --strict (no implicit re-export)
    # accepts in a user's `from summarizer import X`; it cannot read `__all__` here.
    from summarizer.article import Article as Article
    from summarizer.article import ArticleFacts as ArticleFacts
    from summarizer.backends import Backend as Backend
    from summarizer.backends import BackendPlugin as BackendPlugin
    from summarizer.backends import Draft as Draft
    from summarizer.backends import get_backend as get_backend
    from summarizer.batchjobs import CollectReport as CollectReport
    from summarizer.batchjobs import Fallback as Fallback
    from summarizer.batchjobs import JobStatus as JobStatus
    from summarizer.batchjobs import collect_job as collect_job
    from summarizer.batchjobs import job_status as job_status
    from summarizer.batchjobs import submit_job as submit_job
    from summarizer.cache import ResultCache as ResultCache
    from summarizer.codebook import Codebook as Codebook
    from summarizer.codebook import load_codebook_or_fail as load_codebook_or_fail
    from summarizer.cost import Budget as Budget
    from summarizer.cost import Prices as Prices
    from summarizer.dataset import EventDataset as EventDataset
    from summarizer.dataset import build_dataset as build_dataset
    from summarizer.errors import BackendError as BackendError
    from summarizer.errors import BatchUnsupportedError as BatchUnsupportedError
    from summarizer.errors import BudgetExceeded as BudgetExceeded
    from summarizer.errors import CodebookError as CodebookError
    from summarizer.errors import ConfigurationError as ConfigurationError
    from summarizer.errors import ContextLengthError as ContextLengthError
    from summarizer.errors import DatasetError as DatasetError
    from summarizer.errors import DuplicateIdError as DuplicateIdError
    from summarizer.errors import InputError as InputError
    from summarizer.errors import InvalidOutputError as InvalidOutputError
    from summarizer.errors import JobError as JobError
    from summarizer.errors import JobPendingError as JobPendingError
    from summarizer.errors import PartialResultError as PartialResultError
    from summarizer.errors import StorageError as StorageError
    from summarizer.errors import SummarizerError as SummarizerError
    from summarizer.errors import UnusableBackendError as UnusableBackendError
    from summarizer.errors import UsageError as UsageError
    from summarizer.evaluation import Dataset as Dataset
    from summarizer.evaluation import EvalReport as EvalReport
    from summarizer.evaluation import evaluate as evaluate
    from summarizer.evaluation import load_dataset as load_dataset
    from summarizer.pipeline import Outcome as Outcome
    from summarizer.pipeline import Pipeline as Pipeline
    from summarizer.pipeline import asummarize as asummarize
    from summarizer.pipeline import open_pipeline as open_pipeline
    from summarizer.pipeline import summarize as summarize
    from summarizer.readers import UnreadableInput as UnreadableInput
    from summarizer.run import AsyncBatch as AsyncBatch
    from summarizer.run import BatchReport as BatchReport
    from summarizer.run import BatchRun as BatchRun
    from summarizer.run import ErrorRecord as ErrorRecord
    from summarizer.run import Input as Input
    from summarizer.run import Record as Record
    from summarizer.run import ResultRecord as ResultRecord
    from summarizer.run import asummarize_many as asummarize_many
    from summarizer.run import summarize_many as summarize_many
    from summarizer.schema import ArticleSummary as ArticleSummary
    from summarizer.schema import Event as Event
    from summarizer.schema import EventType as EventType
    from summarizer.schema import Evidence as Evidence
    from summarizer.schema import Extraction as Extraction
    from summarizer.schema import FatalityRange as FatalityRange
    from summarizer.schema import Location as Location
    from summarizer.schema import Usage as Usage
    from summarizer.settings import LLMOptions as LLMOptions
    from summarizer.settings import LLMSettings as LLMSettings
    from summarizer.settings import Mode as Mode

# Each public name and the module it comes from.
_SOURCES = {
    "Article": "summarizer.article",
    "ArticleFacts": "summarizer.article",
    "ArticleSummary": "summarizer.schema",
    "AsyncBatch": "summarizer.run",
    "Backend": "summarizer.backends",
    "BackendError": "summarizer.errors",
    "BackendPlugin": "summarizer.backends",
    "BatchReport": "summarizer.run",
    "BatchRun": "summarizer.run",
    "BatchUnsupportedError": "summarizer.errors",
    "Budget": "summarizer.cost",
    "BudgetExceeded": "summarizer.errors",
    "Codebook": "summarizer.codebook",
    "CodebookError": "summarizer.errors",
    "CollectReport": "summarizer.batchjobs",
    "ConfigurationError": "summarizer.errors",
    "ContextLengthError": "summarizer.errors",
    "Dataset": "summarizer.evaluation",
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
    "Fallback": "summarizer.batchjobs",
    "FatalityRange": "summarizer.schema",
    "Input": "summarizer.run",
    "InputError": "summarizer.errors",
    "InvalidOutputError": "summarizer.errors",
    "JobError": "summarizer.errors",
    "JobPendingError": "summarizer.errors",
    "JobStatus": "summarizer.batchjobs",
    "LLMOptions": "summarizer.settings",
    "LLMSettings": "summarizer.settings",
    "Location": "summarizer.schema",
    "Mode": "summarizer.settings",
    "Outcome": "summarizer.pipeline",
    "PartialResultError": "summarizer.errors",
    "Pipeline": "summarizer.pipeline",
    "Prices": "summarizer.cost",
    "Record": "summarizer.run",
    "ResultCache": "summarizer.cache",
    "ResultRecord": "summarizer.run",
    "StorageError": "summarizer.errors",
    "SummarizerError": "summarizer.errors",
    "UnreadableInput": "summarizer.readers",
    "UnusableBackendError": "summarizer.errors",
    "Usage": "summarizer.schema",
    "UsageError": "summarizer.errors",
    "asummarize": "summarizer.pipeline",
    "asummarize_many": "summarizer.run",
    "build_dataset": "summarizer.dataset",
    "collect_job": "summarizer.batchjobs",
    "evaluate": "summarizer.evaluation",
    "get_backend": "summarizer.backends",
    "job_status": "summarizer.batchjobs",
    "load_codebook_or_fail": "summarizer.codebook",
    "load_dataset": "summarizer.evaluation",
    "open_pipeline": "summarizer.pipeline",
    "submit_job": "summarizer.batchjobs",
    "summarize": "summarizer.pipeline",
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
