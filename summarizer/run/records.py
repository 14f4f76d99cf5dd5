"""What a run hands out: one record per input, and the report that counts them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from summarizer.cost import TokenTotals
from summarizer.errors import BackendError, PartialResultError
from summarizer.schema import ArticleSummary, Usage
from summarizer.text import collapse_whitespace


@dataclass(frozen=True)
class ResultRecord:
    """A validated summary of one input, whether the cache answered it, and how long it took.

    `elapsed` is the seconds from the article's start to its result.
    """

    summary: ArticleSummary
    cached: bool
    elapsed: float = field(default=0.0, compare=False)

    @property
    def id(self) -> str:
        return self.summary.id

    def to_json(self) -> str:
        """The summary's JSON, one line, valid against `summarize schema`.

        `cached` is left out so that a rerun writes the same bytes as the first run.
        """
        return self.summary.model_dump_json()


@dataclass(frozen=True)
class ErrorRecord:
    """An input that ended without a result: its id, the error's type and message.

    `attempts` counts the requests a backend made before it gave up, `elapsed`
    the seconds from the article's start to its failure, and `error` is the
    exception itself, cause and traceback included; none of them is in the JSON.
    `usage` sums the tokens of the replies it got (re-asks of invalid ones), in
    the JSON when there were any.

    >>> record = ErrorRecord.of("wire-4", ValueError("no text"))
    >>> record.to_json()
    '{"id": "wire-4", "error": {"type": "ValueError", "message": "no text"}}'
    """

    id: str
    type: str
    message: str
    attempts: int = field(default=0, compare=False)
    elapsed: float = field(default=0.0, compare=False)
    error: BaseException | None = field(default=None, compare=False, repr=False)
    usage: Usage = field(default_factory=Usage, compare=False)

    @classmethod
    def of(cls, article_id: str, error: BaseException, *, elapsed: float = 0.0) -> ErrorRecord:
        # One line, whatever the error: a log line per failure, and no surprise for
        # tools that split on newlines (a bug's exception may span several).
        message = collapse_whitespace(str(error)) or type(error).__name__
        spent = error if isinstance(error, BackendError) else None
        return cls(
            article_id,
            type(error).__name__,
            message,
            attempts=spent.attempts if spent else 0,
            elapsed=elapsed,
            error=error,
            usage=spent.usage if spent else Usage(),
        )

    def to_json(self) -> str:
        """`{"id": ..., "error": {"type": ..., "message": ...}}` on one line, and
        `"usage": {"prompt_tokens": ..., "completion_tokens": ...}` when tokens were spent.
        A long document some of whose chunks failed (`PartialResultError`) adds
        `"failed_chunks"` (their numbers, from 1), `"chunks"` and `"partial"`: the
        result of the other chunks, which is not the document's whole result."""
        document: dict[str, Any] = {
            "id": self.id,
            "error": {"type": self.type, "message": self.message},
        }
        if self.usage.prompt_tokens or self.usage.completion_tokens:
            document["usage"] = self.usage.model_dump()
        if isinstance(self.error, PartialResultError):
            document["failed_chunks"] = self.error.failed_chunks
            document["chunks"] = self.error.chunks
            document["partial"] = self.error.partial.model_dump(mode="json")
        return json.dumps(document, ensure_ascii=False)


Record: TypeAlias = ResultRecord | ErrorRecord

KEPT_NOT_ATTEMPTED = 100


@dataclass
class BatchReport:
    """What a run wrote, and where it stopped if it was stopped.

    Counts follow the records as they are handed out; read the report once
    iteration has ended for the final figures. `tokens` sums the usage of the
    records: spent by this run (results and failures), and that of the results
    the cache answered (spent by an earlier run, saved by this one).
    A run stopped by a failure no article can get past counts the inputs it did
    not attempt in `not_attempted`, and keeps the first `KEPT_NOT_ATTEMPTED` ids
    in `not_attempted_ids` (memory stays flat however long the input).
    """

    read: int = 0
    done: int = 0
    cached: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    interrupted: bool = False
    last_read: str | None = None
    abandoned: list[str] = field(default_factory=list)
    tokens: TokenTotals = field(default_factory=TokenTotals)
    not_attempted: int = 0
    not_attempted_ids: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(self.failed.values())

    @property
    def written(self) -> int:
        return self.done + self.failures

    def note_not_attempted(self, article_id: str) -> None:
        self.not_attempted += 1
        if len(self.not_attempted_ids) < KEPT_NOT_ATTEMPTED:
            self.not_attempted_ids.append(article_id)

    def count(self, record: Record) -> None:
        if isinstance(record, ResultRecord):
            self.done += 1
            self.cached += record.cached
            self.tokens = self.tokens.add(record.summary.usage, cached=record.cached)
        else:
            self.failed[record.type] += 1
            self.tokens = self.tokens.add(record.usage, cached=False)
