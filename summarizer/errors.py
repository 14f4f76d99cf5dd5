"""The errors the library raises, all meant to be shown to a user as one line.

SummarizerError
├── InputError            an article or data set that cannot be read
│   ├── DatasetError      a labelled data set that breaks the contract
│   └── DuplicateIdError  a batch input whose id an earlier input already has
├── ConfigurationError    no usable backend, model or endpoint settings, or an unknown option
│   ├── JobError          a batch job folder that cannot be used as asked
│   ├── BatchUnsupportedError  an endpoint without the files and batches APIs
│   └── CodebookError     a codebook file that cannot be read or breaks the format
├── UsageError            the library used in a way that cannot work (a run iterated twice)
├── StorageError          an output, report or cache folder the disk will not let us write
├── BudgetExceeded        an article not started because the run's cost limit was reached
├── JobPendingError       a batch job with a batch still running: nothing to collect yet
└── BackendError          the backend gave no valid result for an article
    ├── InvalidOutputError    replies kept failing validation after every re-ask
    ├── ContextLengthError    the text sent is longer than the model's context window
    ├── PartialResultError    some chunks of a long document failed; holds the others' result
    └── UnusableBackendError  no article can get past it (a refused key, an unknown
                              model, a server that cannot be reached): the run stops

Every class here is exported from `summarizer`, and no other module defines one.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING, Any

from summarizer.text import collapse_whitespace

if TYPE_CHECKING:
    from json import JSONDecodeError

    from pydantic import BaseModel, ValidationError

    from summarizer.schema import Usage

DEBUG_ENV = "SUMMARIZER_DEBUG"


def debug_enabled() -> bool:
    """`SUMMARIZER_DEBUG` is set: unexpected errors are raised, not turned into records."""
    return bool(os.environ.get(DEBUG_ENV))


def json_error_text(error: JSONDecodeError, *, within_line: bool = False) -> str:
    """The JSON parser's whole message and where it stopped: `Expecting value at line 3,
    column 9`; `at column 9` (`within_line`) for a document that is one line of a file,
    whose line number the caller gives.

    Some of the parser's messages end in "at" and expect the position after them.
    """
    where = f"column {error.colno}"
    if not within_line:
        where = f"line {error.lineno}, {where}"
    return f"{error.msg.removesuffix(' at')} at {where}"


def validation_error_text(error: ValidationError, *, limit: int = 3) -> str:
    """A pydantic ValidationError as one line: each problem as its field path and reason
    (`events.0.evidence: quotes do not occur in the article: ...`), the first `limit`
    of them, then how many more.

    Pydantic's own text spends three lines a problem on the input and a link.
    """
    problems = error.errors()
    shown = []
    for problem in problems[:limit]:
        reason = collapse_whitespace(str(problem["msg"]).removeprefix("Value error, "))
        path = ".".join(str(part) for part in problem["loc"])
        shown.append(f"{path}: {reason}" if path else reason)
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(shown) + more


class SummarizerError(Exception):
    """Base of every error this library raises on purpose."""


class InputError(SummarizerError):
    """An article that cannot be read: empty, binary, not UTF-8, malformed JSON Lines."""


class DatasetError(InputError):
    """A labelled data set that breaks the contract; lists every problem found."""

    def __init__(self, root: str, problems: list[str]) -> None:
        self.root = root
        self.problems = problems
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{root}: {len(problems)} problem(s): {shown}{more}")


class DuplicateIdError(InputError):
    """A batch input with the id of an earlier one; only the first is summarized."""


class ConfigurationError(SummarizerError):
    """Settings that cannot work: no endpoint configured, an unknown backend or mode."""


class JobError(ConfigurationError):
    """A job directory that cannot be used as asked (exit 2, like a configuration error):
    a corrupt manifest, one of another format version, or other settings than the job's."""


class BatchUnsupportedError(ConfigurationError):
    """The endpoint has no files or batches API (it answered 404)."""


class CodebookError(ConfigurationError):
    """A codebook that cannot be used; the message is its first problem line(s),
    `FILE:LINE: key.path: problem`, and `problems` holds every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{shown}{more}")

    def __reduce__(self) -> tuple[Any, tuple[list[str]]]:
        return type(self), (self.problems,)


class UsageError(SummarizerError):
    """The library was called in a way that cannot work, such as iterating one run twice."""


class StorageError(SummarizerError):
    """A file or folder that cannot be written: the message names it and the OS error."""


class BudgetExceeded(SummarizerError):
    """An article a run did not start: its estimated cost would take the run past its limit."""


class JobPendingError(SummarizerError):
    """Some batch of the job is still running: there is nothing to collect yet."""


class BackendError(SummarizerError):
    """The backend failed for one article after its retries.

    `usage` sums the tokens of the replies it got (re-asks of invalid replies); a
    request that failed at the HTTP level had no reply and counts none.
    """

    def __init__(
        self,
        message: str,
        *,
        article_id: str | None = None,
        attempts: int = 0,
        usage: Usage | None = None,
    ) -> None:
        self.message = message
        self.article_id = article_id
        self.attempts = attempts
        if usage is None:
            # Imported here: the CLI imports this module at start-up, pydantic only when used.
            from summarizer.schema import Usage

            usage = Usage()
        self.usage = usage
        prefix = f"{article_id}: " if article_id else ""
        super().__init__(f"{prefix}{message}")

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # Pickled (by worker processes) with its keyword arguments, which the
        # default, `type(self)(*self.args)`, would lose.
        rebuild = partial(
            type(self),
            self.message,
            article_id=self.article_id,
            attempts=self.attempts,
            usage=self.usage,
        )
        return rebuild, ()


class InvalidOutputError(BackendError):
    """The model's replies failed validation on every attempt, re-asks included."""


class ContextLengthError(BackendError):
    """The server refused a request as longer than the model's context window (HTTP 400
    `context_length_exceeded`). Never retried as it is: the pipeline reads the text
    again in smaller chunks (`summarizer.documents`)."""


class PartialResultError(BackendError):
    """Some chunks of a long document failed for good; the others gave `partial`.

    `failed_chunks` numbers them (from 1, of `chunks`). The partial result is never
    written as if it were the whole document: a run writes it inside the error
    record, and a rerun repeats only the failed chunks (the others are cached).
    """

    def __init__(
        self,
        message: str,
        *,
        partial: BaseModel,
        failed_chunks: list[int],
        chunks: int,
        article_id: str | None = None,
        attempts: int = 0,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message, article_id=article_id, attempts=attempts, usage=usage)
        self.partial = partial
        self.failed_chunks = failed_chunks
        self.chunks = chunks

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        rebuild = partial(
            type(self),
            self.message,
            partial=self.partial,
            failed_chunks=self.failed_chunks,
            chunks=self.chunks,
            article_id=self.article_id,
            attempts=self.attempts,
            usage=self.usage,
        )
        return rebuild, ()


class UnusableBackendError(BackendError):
    """A failure no article can get past: the endpoint refused the key or the access
    (HTTP 401, 403), has no such model or path (404), rejected the request's settings
    rather than the article (400), or could not be reached from the start.

    A run stops at the first one (see `summarizer.run.engine`). Its message says
    what to fix and is about the run, so it does not start with the article's id.
    """

    def __str__(self) -> str:
        return self.message
