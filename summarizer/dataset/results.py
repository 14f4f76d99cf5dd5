"""Read the results files of runs (`summarize --jsonl` / `-o`) into mentions.

A mention is one event of one article: the event's core fields, validated as the
output contract says, plus any other fields that sit flat on the event (a
codebook's extra fields), kept as they are. A line that cannot be read, or a
result that breaks the contract, is reported by file and line and skipped; the
other articles are read. Error records (`{"id", "error"}`) have no events.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from summarizer.results_file import iter_result_lines
from summarizer.schema import ArticleSummary, Event

_CORE_FIELDS = frozenset(Event.model_fields)


@dataclass(frozen=True)
class Mention:
    """One event as one article reports it; `number` counts from 1 within the article."""

    article_id: str
    number: int
    event: Event
    published: dt.date | None = None
    dateline: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """`<article id>#<number>`: the mention's name in mentions.csv and --explain."""
        return f"{self.article_id}#{self.number}"

    @property
    def sort_key(self) -> tuple[dt.date, str, int]:
        """The one order every step reads mentions in: date, article, number."""
        return (self.event.date or dt.date.max, self.article_id, self.number)


@dataclass
class ReadResults:
    """The mentions of every valid result, and what could not be read."""

    mentions: list[Mention] = field(default_factory=list)
    articles: int = 0
    failed_articles: int = 0
    problems: list[str] = field(default_factory=list)


class _ResultHead(BaseModel):
    """The fields of a result line the dataset reads besides its events."""

    model_config = ConfigDict(extra="ignore")

    published: dt.date | None = None
    dateline: str | None = None
    events: list[dict[str, Any]] = []


def mentions_of(summary: ArticleSummary) -> list[Mention]:
    """The mentions of a validated result held in memory."""
    return [
        Mention(summary.id, number, event, summary.published, summary.dateline)
        for number, event in enumerate(summary.events, start=1)
    ]


def read_results(paths: Iterable[str | os.PathLike[str]]) -> ReadResults:
    """Every mention of the results files, in the files' order; a file that cannot be
    opened raises InputError, a bad line is a problem and the rest is read.

    An article id met twice keeps its first result; the second is a problem.
    """
    read = ReadResults()
    seen: set[str] = set()
    for path in map(Path, paths):
        for line in iter_result_lines(path):
            if line.record is None:
                read.problems.append(str(line.problem))
                continue
            where, record, article_id = line.where, line.record, line.article_id
            if not article_id:
                read.problems.append(f'{where}: no article id (expected an "id" field)')
                continue
            if article_id in seen:
                read.problems.append(f"{where}: {article_id}: a second result for this id, skipped")
                continue
            seen.add(article_id)
            read.articles += 1
            if "error" in record:
                read.failed_articles += 1
                continue
            try:
                read.mentions.extend(_mentions(article_id, record))
            except ValueError as error:
                read.problems.append(f"{where} ({article_id}): not a valid result: {error}")
    return read


def _mentions(article_id: str, record: dict[str, Any]) -> list[Mention]:
    """The record's events as mentions; ValueError (one line) names the first bad field."""
    try:
        head = _ResultHead.model_validate(record)
    except ValidationError as error:
        raise ValueError(_first_error(error)) from None
    mentions = []
    for number, document in enumerate(head.events, start=1):
        core = {name: value for name, value in document.items() if name in _CORE_FIELDS}
        extra = {name: value for name, value in document.items() if name not in _CORE_FIELDS}
        try:
            event = Event.model_validate(core)
        except ValidationError as error:
            raise ValueError(f"events[{number - 1}].{_first_error(error)}") from None
        mentions.append(Mention(article_id, number, event, head.published, head.dateline, extra))
    return mentions


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    place = ".".join(str(part) for part in first["loc"])
    return f"{place}: {first['msg']}" if place else str(first["msg"])
