"""The public namespace is small, explicit and stays what the README documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import summarizer

PUBLIC_NAMES = {
    "Article",
    "ArticleSummary",
    "AsyncBatch",
    "Backend",
    "BackendError",
    "BatchReport",
    "BatchRun",
    "ConfigurationError",
    "DatasetError",
    "Draft",
    "DuplicateIdError",
    "ErrorRecord",
    "EvalReport",
    "Event",
    "EventType",
    "EventDataset",
    "Evidence",
    "Extraction",
    "FatalityRange",
    "InputError",
    "InvalidOutputError",
    "LLMSettings",
    "Location",
    "Mode",
    "Outcome",
    "Pipeline",
    "ResultCache",
    "ResultRecord",
    "SummarizerError",
    "Usage",
    "UsageError",
    "asummarize",
    "asummarize_many",
    "build_dataset",
    "collect_job",
    "evaluate",
    "event_rows",
    "get_backend",
    "job_status",
    "load_dataset",
    "open_pipeline",
    "submit_job",
    "summarize",
    "summarize_many",
}


def test_all_is_exactly_the_public_names_and_sorted() -> None:
    assert set(summarizer.__all__) == PUBLIC_NAMES
    assert list(summarizer.__all__) == sorted(summarizer.__all__)


def test_every_public_name_resolves() -> None:
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None, name


def test_errors_share_one_base() -> None:
    for name in ("BackendError", "ConfigurationError", "DatasetError", "InputError", "UsageError"):
        assert issubclass(getattr(summarizer, name), summarizer.SummarizerError)
    assert issubclass(summarizer.InvalidOutputError, summarizer.BackendError)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        summarizer.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_importing_the_package_loads_no_llm_client() -> None:
    script = (
        "import sys, summarizer\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor'}))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert finished.stdout.strip() == "[]"


def test_the_package_ships_its_type_marker() -> None:
    assert (Path(summarizer.__file__).parent / "py.typed").is_file()
