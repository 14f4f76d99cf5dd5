"""The realtime engine: many articles through one pipeline inside an event loop.

Every input ends as one record: a `ResultRecord` (a validated summary, and
whether the cache answered) or an `ErrorRecord`, whatever fails: an unreadable
input, a backend that gave up after its retries, a result that failed
validation, even a bug in a backend (logged with its traceback through this
module's logger, and raised instead under `SUMMARIZER_DEBUG=1`). The run goes
on; `BatchReport` counts the outcomes.

Decisions a caller can rely on:

- Memory stays flat however long the input: at most `concurrency` articles are
  in flight, and the input is read at most `concurrency` items ahead of them.
  The one thing kept per input is its id (for duplicate detection).
- Duplicate ids: the first input with an id is summarized; each later one
  becomes an `ErrorRecord` of type `DuplicateIdError`, so there is one record
  per input. Drop those records and every id appears exactly once.
- `ordered=True` writes records in input order. A result that finishes ahead of
  an earlier, slower article waits in a reorder buffer; no input more than
  `REORDER_WINDOW` places ahead of the oldest unwritten one is started, which
  bounds that buffer.
- Resume: every validated result is cached the moment it exists, before its
  record is written, so a run that is interrupted (Ctrl-C, a crash, a kill) and
  started again gets every finished article from the cache.
- Stopping (`stop()`, or Ctrl-C in the synchronous API): no new input is taken,
  articles in flight are abandoned (not written; the rerun does them), records
  already finished are written, whole, and `BatchReport` says where it stopped.
- A failure no article can get past (`UnusableBackendError`: a refused key, an
  unknown model, a server that cannot be reached) stops the run at the first:
  its article's record is written, then no new article is started, those in
  flight are abandoned (the ones that failed the same way too), what finished is
  written, the rest of the input is read (ids only) and counted in
  `BatchReport.not_attempted`, and the error is raised at the end.
- Rate limits and worker processes wrap the pipeline's backend, behind its
  cache: each article's cache is read once, and a cached answer spends no quota.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from summarizer.article import Article, content_id
from summarizer.errors import (
    ConfigurationError,
    DuplicateIdError,
    InputError,
    SummarizerError,
    UnusableBackendError,
    UsageError,
    debug_enabled,
)
from summarizer.pipeline import Pipeline
from summarizer.readers import UnreadableInput
from summarizer.run.limits import BudgetedBackend, RateLimitedBackend, RateLimits
from summarizer.run.records import BatchReport, ErrorRecord, Record, ResultRecord
from summarizer.run.reorder import Reorder
from summarizer.run.source import (
    Input,
    InputEnded,
    Read,
    SourceEvent,
    SourceFailed,
    ThreadedSource,
)
from summarizer.run.workers import WorkerPool

if TYPE_CHECKING:
    from summarizer.cost import Budget

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 8
# In input order, how many places the newest started input may run ahead of the
# oldest unwritten one, in multiples of the concurrency: room enough that one
# slow article (retrying a 429) does not idle the other workers at once.
REORDER_WINDOW = 4


class _StopRequested:
    pass


_STOP = _StopRequested()
_Event: TypeAlias = "SourceEvent | _StopRequested | asyncio.Task[Record]"


class AsyncBatch:
    """A batch run inside an event loop: `async for` it to get records; `report` counts them.

    ::

        batch = asummarize_many(articles, pipeline, concurrency=16)
        async for record in batch:
            print(record.to_json())
    """

    def __init__(
        self,
        items: Iterable[Input],
        pipeline: Pipeline,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        rpm: float | None = None,
        tpm: float | None = None,
        ordered: bool = False,
        workers: int = 1,
        budget: Budget | None = None,
        close_pipeline: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")
        if workers < 1:
            raise ConfigurationError(f"workers must be at least 1, got {workers}")
        self.report = BatchReport()
        self._items = items
        self._owned_pipeline = pipeline if close_pipeline else None
        self._pool: WorkerPool | None = None
        backend = pipeline.backend
        if workers > 1:
            # Only the backend's work moves to the workers: cache, validation, rate
            # limits and records stay here, so they behave as with one process.
            backend = self._pool = WorkerPool(backend, workers)
        if rpm or tpm:
            backend = RateLimitedBackend(backend, RateLimits(rpm=rpm, tpm=tpm))
        if budget is not None:  # outermost: an article refused spends no quota
            backend = BudgetedBackend(backend, budget)
        self._pipeline = pipeline if backend is pipeline.backend else pipeline.with_backend(backend)
        self.concurrency = concurrency
        self._ordered = ordered
        self._started = False
        self._stopping = False
        self._wake: Callable[[], None] | None = None

    def stop(self) -> None:
        """Take no new input, abandon what is in flight, hand out what is finished.

        Safe from any thread and from a signal handler.
        """
        self._stopping = True
        if self._wake is not None:
            self._wake()

    def __aiter__(self) -> AsyncIterator[Record]:
        if self._started:
            raise UsageError("a batch run can be iterated only once")
        self._started = True
        return self._records()

    async def _records(self) -> AsyncIterator[Record]:
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        # One inbox for everything the run waits on: inputs read, articles finished
        # and a stop request; so the loop below wakes for whichever comes first.
        inbox: asyncio.Queue[_Event] = asyncio.Queue()
        self._wake = lambda: _call_soon(loop, inbox.put_nowait, _STOP)
        source = ThreadedSource(self._items, loop, inbox.put_nowait, ahead=self.concurrency)
        reorder = Reorder(ordered=self._ordered, window=REORDER_WINDOW * self.concurrency)
        running: dict[asyncio.Task[Record], tuple[int, str]] = {}
        waiting: deque[Input] = deque()  # read ahead, not started yet
        seen: set[str] = set()
        taken = 0
        exhausted = False
        source_error: BaseException | None = None
        halt: UnusableBackendError | None = None
        try:
            while not self._stopping and halt is None:
                finished: list[tuple[int, Record]] = []
                while waiting and len(running) < self.concurrency and reorder.has_room(taken):
                    index, taken = taken, taken + 1
                    admitted = admit(waiting.popleft(), seen)
                    source.taken()
                    self.report.read = taken
                    self.report.last_read = admitted.id
                    if isinstance(admitted, Article):
                        task = asyncio.create_task(self._summarize(admitted))
                        task.add_done_callback(inbox.put_nowait)
                        running[task] = (index, admitted.id)
                    else:
                        finished.append((index, admitted))
                if not finished:
                    if exhausted and not waiting and not running:
                        break
                    event = await inbox.get()
                    if isinstance(event, asyncio.Task):
                        index, _ = running.pop(event)
                        record = event.result()
                        halt = halt or run_wide_error(record)
                        finished.append((index, record))
                    elif isinstance(event, Read):
                        waiting.append(event.item)
                    elif isinstance(event, SourceFailed):
                        # Raised once the articles already read are done: nothing is lost.
                        source_error, exhausted = event.error, True
                    elif isinstance(event, InputEnded):
                        exhausted = True
                for index, record in finished:
                    for released in reorder.push(index, record):
                        self.report.count(released)
                        yield released
            if self._stopping or halt is not None:
                self.report.interrupted = halt is None
                for record in await self._abandon(running, reorder, halted=halt is not None):
                    self.report.count(record)
                    yield record
            if halt is not None:
                self._not_attempted(waiting, source)
                if not exhausted:
                    await self._count_the_rest(source, inbox)
                raise halt
            if source_error is not None:
                raise source_error
        finally:
            self._wake = None
            source.close()
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            if self._pool is not None:
                await self._pool.aclose()
            self.report.elapsed = time.monotonic() - started
            if self._owned_pipeline is not None:
                self._owned_pipeline.close()

    async def _summarize(self, article: Article) -> Record:
        started = time.monotonic()
        try:
            outcome = await self._pipeline.arun(article)
        except Exception as error:
            if not isinstance(error, SummarizerError):
                # A bug, not a failure the library expected: its traceback matters.
                logger.error("%s: unexpected error", article.id, exc_info=error)
                if debug_enabled():
                    raise
            # Whatever one article raises is that article's record; the run goes on.
            return ErrorRecord.of(article.id, error, elapsed=time.monotonic() - started)
        return ResultRecord(outcome.summary, outcome.cached, time.monotonic() - started)

    async def _abandon(
        self,
        running: dict[asyncio.Task[Record], tuple[int, str]],
        reorder: Reorder,
        *,
        halted: bool = False,
    ) -> list[Record]:
        """Cancel what is in flight; the records of what finished meanwhile, held ones too.

        `halted` (by a run-wide failure): what is cancelled, and what failed the same
        way meanwhile, counts as not attempted rather than abandoned.
        """
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        released: list[Record] = []
        for task, (index, article_id) in sorted(running.items(), key=lambda entry: entry[1]):
            if halted and (task.cancelled() or run_wide_error(task.result()) is not None):
                self.report.note_not_attempted(article_id)
            elif task.cancelled():
                self.report.abandoned.append(article_id)
            else:
                released.extend(reorder.push(index, task.result()))
        running.clear()
        return released + reorder.flush()

    def _not_attempted(self, waiting: deque[Input], source: ThreadedSource) -> None:
        while waiting:
            self.report.note_not_attempted(input_id(waiting.popleft()))
            source.taken()

    async def _count_the_rest(self, source: ThreadedSource, inbox: asyncio.Queue[_Event]) -> None:
        """Read the rest of the input, counting each item as not attempted; `stop()` ends it."""
        while not self._stopping:
            event = await inbox.get()
            if isinstance(event, Read):
                self.report.note_not_attempted(input_id(event.item))
                source.taken()
            elif isinstance(event, InputEnded | SourceFailed):
                return


def run_wide_error(record: Record) -> UnusableBackendError | None:
    """The failure that stops the run, if this record is one."""
    if isinstance(record, ErrorRecord) and isinstance(record.error, UnusableBackendError):
        return record.error
    return None


def input_id(item: Input) -> str:
    return content_id(item) if isinstance(item, str) else item.id


def admit(item: Input, seen: set[str]) -> Article | Record:
    """The article to summarize, or the record an input gets without a backend.

    `seen` holds the ids admitted so far; this input's id is added to it. A batch
    job's submit admits its inputs the same way.
    """
    if isinstance(item, str):
        text = item
        try:
            item = Article.from_text(text)
        except InputError as error:
            item = UnreadableInput(content_id(text), error)
    if item.id in seen:
        if isinstance(item, Article):
            message = (
                f"{item.source}: duplicate id {item.id!r}: an earlier input has it, "
                "and only the first is summarized"
            )
        else:
            message = f"duplicate id {item.id!r} ({item.error})"
        return ErrorRecord.of(item.id, DuplicateIdError(message))
    seen.add(item.id)
    if isinstance(item, UnreadableInput):
        return ErrorRecord.of(item.id, item.error)
    return item


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nothing left to wake
        loop.call_soon_threadsafe(callback, *args)
