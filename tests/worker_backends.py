"""Backends for the worker-pool tests: importable by name, so worker processes can load them."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.errors import BackendError
from summarizer.schema import Extraction, Usage

# An article whose text holds one of these makes the backend act on it.
FAIL = "FAIL-HERE"
KILL = "KILL-THE-WORKER"
SLOW = "TAKE-YOUR-TIME"
LOG = "LOG-THIS"
UNSENDABLE = "ANSWER-WITH-A-CLASS-MADE-NOW"
UNREADABLE = "ANSWER-WITH-WHAT-CANNOT-BE-LOADED"


class ProcessReportingBackend:
    """Answers validly and says which process did the work (in `usage.prompt_tokens`).

    Told by the article's text, it fails with a BackendError, logs a warning,
    takes a minute, ends its process on the spot as a crash would, or answers
    with what cannot be pickled, or cannot be unpickled.
    """

    name = "process-reporting"
    model: str | None = "pid-1"
    prompt_version = "pid-v1"

    @property
    def settings(self) -> dict[str, Any]:
        return {}

    def extract(self, article: Article) -> Draft:
        return self._answer(article)

    async def aextract(self, article: Article) -> Draft:
        if KILL in article.body:
            os._exit(3)
        if SLOW in article.body:
            await asyncio.sleep(60)
        await asyncio.sleep(0.01)
        draft = self._answer(article)
        if UNSENDABLE in article.body:
            made_now = type("MadeNow", (Extraction,), {})
            return Draft(made_now.model_validate(draft.extraction.model_dump()), draft.usage)
        if UNREADABLE in article.body:
            return Draft(Unloadable(), draft.usage)  # type: ignore[arg-type]
        return draft

    def _answer(self, article: Article) -> Draft:
        if FAIL in article.body:
            raise BackendError("told to fail", article_id=article.id, attempts=2)
        if LOG in article.body:
            logging.getLogger("tests.worker_backends").warning("logged for %s", article.id)
        quote = " ".join(article.body.split()[:5])
        extraction = Extraction.model_validate(
            {
                "headline": "A warehouse fire",
                "brief": "A fire hit a warehouse.",
                "events": [{"event_type": "accident", "summary": "A fire.", "evidence": [quote]}],
            }
        )
        return Draft(extraction, Usage(prompt_tokens=os.getpid()), attempts=1)


def _refuse_to_load() -> None:
    raise RuntimeError("this backend only works in the process that made it")


class Unloadable:
    """Pickles, but cannot be unpickled."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _refuse_to_load, ()


class UnloadableBackend(ProcessReportingBackend):
    """Pickles, but cannot be loaded again: as a backend defined in a script's __main__."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _refuse_to_load, ()


def worker_processes(marker: str) -> list[int]:
    """Live worker processes whose environment holds `marker` (a test's own value), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            environment = (entry / "environ").read_bytes()
        except OSError:  # not a process, gone, or not ours
            continue
        if b"summarizer.run.workers" in command and marker.encode() in environment:
            found.append(int(entry.name))
    return found
