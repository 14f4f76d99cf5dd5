"""Reading a run's input on a thread of its own, a few items ahead of the run."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias

from summarizer.article import Article
from summarizer.readers import UnreadableInput

# What a run takes: articles, inputs that could not be read (from `iter_inputs`), or text.
Input: TypeAlias = Article | UnreadableInput | str


@dataclass(frozen=True)
class Read:
    item: Input


@dataclass(frozen=True)
class SourceFailed:
    """Iterating the input raised: raised again in the run once what was read is done."""

    error: BaseException


@dataclass(frozen=True)
class InputEnded:
    pass


SourceEvent: TypeAlias = Read | SourceFailed | InputEnded


class ThreadedSource:
    """Reads the input on a daemon thread, at most `ahead` items ahead of the run.

    A read may block (a pipe, a terminal): on the event loop it would hold up
    every request in flight. Unlike asyncio's executor threads, a daemon thread
    blocked on a read does not keep the process alive after a stop. Reading a
    few items ahead spares the loop a round trip to the thread for each one.
    """

    def __init__(
        self,
        items: Iterable[Input],
        loop: asyncio.AbstractEventLoop,
        deliver: Callable[[SourceEvent], None],
        *,
        ahead: int,
    ) -> None:
        self._items = items
        self._loop = loop
        self._deliver = deliver
        self._room = threading.Semaphore(ahead)
        self._closed = threading.Event()
        threading.Thread(target=self._serve, name="summarizer-input", daemon=True).start()

    def taken(self) -> None:
        """The run has taken a delivered item: one more may be read."""
        self._room.release()

    def close(self) -> None:
        self._closed.set()
        self._room.release()  # wakes the thread if it waits for room

    def _serve(self) -> None:
        items = iter(self._items)
        while True:
            self._room.acquire()
            if self._closed.is_set():
                return
            event: SourceEvent
            try:
                event = Read(next(items))
            except StopIteration:
                event = InputEnded()
            except BaseException as error:  # raised again on the loop, in the caller's run
                event = SourceFailed(error)
            with contextlib.suppress(RuntimeError):  # the loop has closed: the run is over
                self._loop.call_soon_threadsafe(self._deliver, event)
            if not isinstance(event, Read):
                return
