"""The public namespace is small, explicit and stays what the docs document."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeAlias, get_args

import pytest

import summarizer

PUBLIC_NAMES = {
    "Article",
    "ArticleFacts",
    "ArticleSummary",
    "AsyncBatch",
    "Backend",
    "BackendError",
    "BackendPlugin",
    "BatchReport",
    "BatchRun",
    "BatchUnsupportedError",
    "Budget",
    "BudgetExceeded",
    "Codebook",
    "CodebookError",
    "CollectReport",
    "ConfigurationError",
    "ContextLengthError",
    "Dataset",
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
    "Fallback",
    "FatalityRange",
    "Input",
    "InputError",
    "InvalidOutputError",
    "JobError",
    "JobPendingError",
    "JobStatus",
    "LLMOptions",
    "LLMSettings",
    "Location",
    "Mode",
    "Outcome",
    "PartialResultError",
    "Pipeline",
    "Prices",
    "Record",
    "ResultCache",
    "ResultRecord",
    "StorageError",
    "SummarizerError",
    "UnreadableInput",
    "UnusableBackendError",
    "Usage",
    "UsageError",
    "asummarize",
    "asummarize_many",
    "build_dataset",
    "collect_job",
    "evaluate",
    "get_backend",
    "job_status",
    "load_codebook_or_fail",
    "load_dataset",
    "open_pipeline",
    "submit_job",
    "summarize",
    "summarize_many",
}


def test_all_is_exactly_the_public_names_and_sorted() -> None:
    assert set(summarizer.__all__) == PUBLIC_NAMES
    assert list(summarizer.__all__) == sorted(summarizer.__all__)


def test_every_public_name_is_the_object_its_module_defines_under_that_name() -> None:
    for name in summarizer.__all__:
        value = getattr(summarizer, name)
        source = summarizer._SOURCES[name]
        assert value is getattr(importlib.import_module(source), name), name
        # A class or function answers to its own name, from inside the package: the
        # table cannot hand out one object under another's name.
        if inspect.isclass(value) or inspect.isfunction(value):
            assert (value.__name__, value.__module__.split(".")[0]) == (name, "summarizer")


def annotation_names(annotation: str) -> Iterator[str]:
    """The names an annotation (as written: the package postpones them) is made of."""
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from annotation_names(node.value)


def is_foreign(value: object) -> bool:
    """A class, module or typing form from outside the package (a builtin, pathlib,
    `Unpack`...): what a caller imports from where it comes from."""
    if inspect.ismodule(value):
        return not value.__name__.startswith("summarizer")
    if inspect.isclass(value):
        return not value.__module__.startswith("summarizer")
    # A bare form of typing's (Unpack, Literal), not an alias built from one.
    return type(value).__module__ in ("typing", "typing_extensions") and not get_args(value)


def names_a_caller_cannot_import(function: Callable[..., object]) -> set[str]:
    """The names in `function`'s signature that are neither exported by `summarizer`
    nor a class or module from elsewhere: names bound only for the type checker, and
    the package's own types and aliases that it does not export."""
    signature = inspect.signature(function)
    annotations = [parameter.annotation for parameter in signature.parameters.values()]
    annotations.append(signature.return_annotation)
    missing = set()
    for annotation in annotations:
        if annotation is inspect.Parameter.empty:
            continue
        assert isinstance(annotation, str), f"{function.__qualname__}: {annotation!r}"
        for name in annotation_names(annotation):
            bound = function.__globals__.get(name, getattr(builtins, name, None))
            if name not in summarizer.__all__ and not is_foreign(bound):
                missing.add(name)
    return missing


def test_every_type_in_an_exported_functions_signature_is_exported() -> None:
    functions = [getattr(summarizer, name) for name in summarizer.__all__]
    missing = {
        function.__name__: names_a_caller_cannot_import(function)
        for function in functions
        if inspect.isfunction(function)
    }

    assert {name: names for name, names in missing.items() if names} == {}


# An alias of the caller's own module, which `summarizer` does not export.
Span: TypeAlias = "tuple[int, int]"


def takes_an_alias(span: Span, text: str) -> list[Span]:
    return [span] if text else []


def test_the_signature_check_finds_what_is_not_exported() -> None:
    from summarizer.estimate import estimate_run

    # Article, UnreadableInput, Pipeline and Prices are exported and Iterable is
    # typing's; RunEstimate is the package's own and not exported.
    assert names_a_caller_cannot_import(estimate_run) == {"RunEstimate"}
    assert names_a_caller_cannot_import(takes_an_alias) == {"Span"}


def test_errors_share_one_base() -> None:
    for name in ("BackendError", "ConfigurationError", "DatasetError", "InputError", "UsageError"):
        assert issubclass(getattr(summarizer, name), summarizer.SummarizerError)
    assert issubclass(summarizer.InvalidOutputError, summarizer.BackendError)
    assert issubclass(summarizer.UnusableBackendError, summarizer.BackendError)


def _error_classes() -> set[type[summarizer.SummarizerError]]:
    """Every SummarizerError subclass the package defines, found by importing every module."""
    for module in pkgutil.walk_packages(summarizer.__path__, "summarizer."):
        importlib.import_module(module.name)
    found: set[type[summarizer.SummarizerError]] = set()
    waiting = [summarizer.SummarizerError]
    while waiting:
        error_class = waiting.pop()
        if error_class.__module__.startswith("summarizer."):
            found.add(error_class)
        waiting.extend(error_class.__subclasses__())
    return found


def test_every_error_class_is_exported_and_drawn_in_the_tree() -> None:
    from summarizer import errors

    tree = errors.__doc__ or ""
    for error_class in _error_classes():
        name = error_class.__name__
        assert name in summarizer.__all__, f"{name} is not exported from summarizer"
        assert getattr(summarizer, name) is error_class
        assert error_class.__module__ == "summarizer.errors", f"{name} is defined elsewhere"
        drawn = re.search(rf"^[│├└─ ]*{name}\b", tree, re.MULTILINE)
        assert drawn, f"{name} is not drawn in the tree of summarizer.errors"


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


@pytest.mark.slow
def test_a_misspelt_option_is_a_type_error_for_the_type_checker(tmp_path: Path) -> None:
    script = (
        "from summarizer import get_backend, open_pipeline, summarize\n"
        "summarize('text', modle='gpt-4o')\n"
        "open_pipeline(temprature=0.2)\n"
        "get_backend('offline', max_reasks=1)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "-c", script],
        cwd=tmp_path,  # not the project's configuration, which names the package to check
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert finished.returncode == 1, finished.stderr
    errors = [line for line in finished.stdout.splitlines() if ": error: " in line]
    assert [error.split(": error: ")[1].split(";")[0] for error in errors] == [
        'Unexpected keyword argument "modle" for "summarize"',
        'Unexpected keyword argument "temprature" for "open_pipeline"',
    ]
