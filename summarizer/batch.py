"""Many articles: bounded concurrency, rate limits, and exactly one record per input.

Every input ends as one record: a `ResultRecord` (a validated summary, and
whether the cache answered) or an `ErrorRecord` (`{"id", "error": {"type",
"message"}}`), whatever fails: an unreadable input, a backend that gave up after
its retries, a result that failed validation, even a bug in a backend. The run
goes on; `BatchReport` counts the outcomes.

>>> for record in summarize_many(iter_inputs(["feed.jsonl"], sys.stdin.buffer)):
...     print(record.to_json())

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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeAlias

from summarizer.article import Article, UnreadableInput, content_id
from summarizer.backends.base import Backend
from summarizer.backends.workers import WorkerPool
from summarizer.cache import ResultCache
from summarizer.errors import BackendError, DuplicateIdError, InputError
from summarizer.pipeline import Outcome, Pipeline, open_pipeline
from summarizer.ratelimit import RateLimits
from summarizer.schema import ArticleSummary

DEFAULT_CONCURRENCY = 8
# In input order, how many places the newest started input may run ahead of the
# oldest unwritten one, in multiples of the concurrency: room enough that one
# slow article (retrying a 429) does not idle the other workers at once.
REORDER_WINDOW = 4
# How long the event loop waits before retrying a hand-off to a synchronous
# consumer whose buffer is full: that consumer is then the bottleneck, so a
# few milliseconds cost nothing, and a blocking put would freeze the loop.
_HANDOFF_POLL_SECONDS = 0.005

Input: TypeAlias = Article | UnreadableInput | str


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
        return self.summary.article_id

    def to_json(self) -> str:
        """The summary's JSON, one line, valid against `summarize schema`.

        `cached` is left out so that a rerun writes the same bytes as the first run.
        """
        return self.summary.model_dump_json()


@dataclass(frozen=True)
class ErrorRecord:
    """An input that ended without a result: its id, the error's type and message.

    `attempts` counts the requests a backend made before it gave up, and
    `elapsed` the seconds from the article's start to its failure; neither is
    in the JSON.
    """

    id: str
    type: str
    message: str
    attempts: int = field(default=0, compare=False)
    elapsed: float = field(default=0.0, compare=False)

    @classmethod
    def of(cls, article_id: str, error: BaseException, *, elapsed: float = 0.0) -> ErrorRecord:
        # One line, whatever the error: a log line per failure, and no surprise for
        # tools that split on newlines (a bug's exception may span several).
        message = " ".join(str(error).split()) or type(error).__name__
        attempts = error.attempts if isinstance(error, BackendError) else 0
        return cls(article_id, type(error).__name__, message, attempts, elapsed)

    def to_json(self) -> str:
        """`{"id": ..., "error": {"type": ..., "message": ...}}` on one line."""
        document = {"id": self.id, "error": {"type": self.type, "message": self.message}}
        return json.dumps(document, ensure_ascii=False)


Record: TypeAlias = ResultRecord | ErrorRecord


@dataclass
class BatchReport:
    """What a run wrote, and where it stopped if it was stopped.

    Counts follow the records as they are handed out; read the report once
    iteration has ended for the final figures.
    """

    read: int = 0
    done: int = 0
    cached: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    interrupted: bool = False
    last_read: str | None = None
    abandoned: list[str] = field(default_factory=list)

    @property
    def failures(self) -> int:
        return sum(self.failed.values())

    @property
    def written(self) -> int:
        return self.done + self.failures

    def count(self, record: Record) -> None:
        if isinstance(record, ResultRecord):
            self.done += 1
            self.cached += record.cached
        else:
            self.failed[record.type] += 1


class _Signal(Enum):
    END = "end of input"
    STOP = "stop requested"


@dataclass(frozen=True)
class _Read:
    item: Input


@dataclass(frozen=True)
class _SourceFailed:
    error: BaseException


_Event: TypeAlias = "_Read | _SourceFailed | _Signal | asyncio.Task[Record]"


class _ThreadedSource:
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
        deliver: Callable[[_Event], None],
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
            event: _Event
            try:
                event = _Read(next(items))
            except StopIteration:
                event = _Signal.END
            except BaseException as error:  # raised again on the loop, in the caller's run
                event = _SourceFailed(error)
            with contextlib.suppress(RuntimeError):  # the loop has closed: the run is over
                self._loop.call_soon_threadsafe(self._deliver, event)
            if not isinstance(event, _Read):
                return


class _Reorder:
    """Hands records out in input order (when asked to), holding early finishers."""

    def __init__(self, *, ordered: bool, window: int) -> None:
        self.ordered = ordered
        self.window = window
        self.next_index = 0
        self._held: dict[int, Record] = {}

    def has_room(self, taken: int) -> bool:
        return not self.ordered or taken - self.next_index < self.window

    def push(self, index: int, record: Record) -> list[Record]:
        if not self.ordered:
            return [record]
        self._held[index] = record
        released = []
        while self.next_index in self._held:
            released.append(self._held.pop(self.next_index))
            self.next_index += 1
        return released

    def flush(self) -> list[Record]:
        """Everything held, in input order, gaps skipped: for a run that stops early."""
        released = [self._held[index] for index in sorted(self._held)]
        self._held.clear()
        return released


class AsyncBatch:
    """A batch run inside an event loop: `async for` it to get records; `report` counts them.

    >>> batch = asummarize_many(articles, concurrency=16)
    >>> async for record in batch: print(record.to_json())
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
        close_pipeline: bool = False,
    ) -> None:
        self.report = BatchReport()
        self._items = items
        self._pipeline = pipeline
        self._owned_pipeline = pipeline if close_pipeline else None
        self._pool: WorkerPool | None = None
        if workers > 1:
            # Only the backend's work moves to the workers: cache, validation, rate
            # limits and records stay here, so they behave as with one process.
            self._pool = WorkerPool(pipeline.backend, workers)
            self._pipeline = Pipeline(self._pool, pipeline.cache)
        self.concurrency = concurrency
        self._rpm = rpm
        self._tpm = tpm
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
            raise RuntimeError("a batch run can be iterated only once")
        self._started = True
        return self._records()

    async def _records(self) -> AsyncIterator[Record]:
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        # One inbox for everything the run waits on: inputs read, articles finished
        # and a stop request; so the loop below wakes for whichever comes first.
        inbox: asyncio.Queue[_Event] = asyncio.Queue()
        self._wake = lambda: _call_soon(loop, inbox.put_nowait, _Signal.STOP)
        source = _ThreadedSource(self._items, loop, inbox.put_nowait, ahead=self.concurrency)
        limits = RateLimits(rpm=self._rpm, tpm=self._tpm) if self._rpm or self._tpm else None
        reorder = _Reorder(ordered=self._ordered, window=REORDER_WINDOW * self.concurrency)
        running: dict[asyncio.Task[Record], tuple[int, str]] = {}
        waiting: deque[Input] = deque()  # read ahead, not started yet
        seen: set[str] = set()
        taken = 0
        exhausted = False
        source_error: BaseException | None = None
        try:
            while not self._stopping:
                finished: list[tuple[int, Record]] = []
                while waiting and len(running) < self.concurrency and reorder.has_room(taken):
                    index, taken = taken, taken + 1
                    admitted = admit(waiting.popleft(), seen)
                    source.taken()
                    self.report.read = taken
                    self.report.last_read = admitted.id
                    if isinstance(admitted, Article):
                        task = asyncio.create_task(self._summarize(admitted, limits))
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
                        finished.append((index, event.result()))
                    elif isinstance(event, _Read):
                        waiting.append(event.item)
                    elif isinstance(event, _SourceFailed):
                        # Raised once the articles already read are done: nothing is lost.
                        source_error, exhausted = event.error, True
                    elif event is _Signal.END:
                        exhausted = True
                for index, record in finished:
                    for released in reorder.push(index, record):
                        self.report.count(released)
                        yield released
            if self._stopping:
                self.report.interrupted = True
                for record in await self._abandon(running, reorder):
                    self.report.count(record)
                    yield record
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

    async def _summarize(self, article: Article, limits: RateLimits | None) -> Record:
        started = time.monotonic()
        try:
            outcome = await self._outcome(article, limits)
        except Exception as error:
            # Whatever one article raises is that article's record; the run goes on.
            return ErrorRecord.of(article.id, error, elapsed=time.monotonic() - started)
        return ResultRecord(outcome.summary, outcome.cached, time.monotonic() - started)

    async def _outcome(self, article: Article, limits: RateLimits | None) -> Outcome:
        if limits is None:
            return await self._pipeline.arun(article)
        # Asked before the rate limits: a cached answer spends no quota.
        hit = self._pipeline.cached(article)
        if hit is not None:
            return Outcome(hit, cached=True)
        ticket = await limits.acquire(article)
        requests, tokens = 1, None
        try:
            outcome = await self._pipeline.arun(article)
            usage = outcome.summary.usage
            requests = 0 if outcome.cached else outcome.summary.attempts
            tokens = (usage.prompt_tokens + usage.completion_tokens) or None
        except BackendError as error:
            requests = error.attempts
            raise
        finally:
            limits.settle(ticket, requests=requests, tokens=tokens)
        return outcome

    async def _abandon(
        self, running: dict[asyncio.Task[Record], tuple[int, str]], reorder: _Reorder
    ) -> list[Record]:
        """Cancel what is in flight; the records of what finished meanwhile, held ones too."""
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        released: list[Record] = []
        for task, (index, article_id) in sorted(running.items(), key=lambda entry: entry[1]):
            if task.cancelled():
                self.report.abandoned.append(article_id)
            else:
                released.extend(reorder.push(index, task.result()))
        running.clear()
        return released + reorder.flush()


def admit(item: Input, seen: set[str]) -> Article | Record:
    """The article to summarize, or the record an input gets without a backend.

    `seen` holds the ids admitted so far; this input's id is added to it.
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


@dataclass(frozen=True)
class _Finished:
    error: BaseException | None = None


class BatchRun:
    """A batch run for synchronous code: iterate it for records; `report` counts them.

    The event loop runs on a thread of its own, so a caller may take its time
    with each record (and may already be inside an event loop, as in Jupyter).
    In the main thread, Ctrl-C stops the run as `AsyncBatch.stop` does, never
    in the middle of the caller's own code (writing a line, say); once the
    finished records are handed out, iteration raises KeyboardInterrupt. A
    second Ctrl-C raises at once.

    >>> with summarize_many(articles) as batch:
    ...     for record in batch: print(record.to_json())
    """

    def __init__(self, batch: AsyncBatch) -> None:
        self._batch = batch
        self._records: Generator[Record, None, None] | None = None
        self._signalled = False

    @property
    def report(self) -> BatchReport:
        return self._batch.report

    def stop(self) -> None:
        self._batch.stop()

    def __iter__(self) -> BatchRun:
        return self

    def __next__(self) -> Record:
        if self._records is None:
            self._records = self._run()
        return next(self._records)

    def close(self) -> None:
        """Stop the run if it is still going and wait for its thread."""
        if self._records is not None:
            self._records.close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> Generator[Record, None, None]:
        # Room for two rounds of records: the loop rarely waits for the caller.
        handoff: queue.Queue[Record | _Finished] = queue.Queue(2 * self._batch.concurrency)
        thread = threading.Thread(
            target=self._drive, args=(handoff,), name="summarizer-batch", daemon=True
        )
        release_sigint = self._trap_sigint()
        thread.start()
        ended = False
        try:
            while True:
                item = handoff.get()
                if isinstance(item, _Finished):
                    break
                yield item
            ended = True
            if item.error is not None:
                raise item.error
        finally:
            release_sigint()
            if not ended:  # the caller left early: stop, and let the loop thread finish
                self._batch.stop()
                while not isinstance(handoff.get(), _Finished):
                    pass
            thread.join()
        if self._signalled:
            raise KeyboardInterrupt

    def _drive(self, handoff: queue.Queue[Record | _Finished]) -> None:
        error: BaseException | None = None
        try:
            asyncio.run(self._pump(handoff))
        except BaseException as caught:  # raised again in the caller's thread
            error = caught
        handoff.put(_Finished(error))

    async def _pump(self, handoff: queue.Queue[Record | _Finished]) -> None:
        async for record in self._batch:
            while True:
                try:
                    handoff.put_nowait(record)
                    break
                except queue.Full:
                    await asyncio.sleep(_HANDOFF_POLL_SECONDS)

    def _trap_sigint(self) -> Callable[[], None]:
        """Make Ctrl-C a graceful stop while the run lasts; returns the undo.

        Only in the main thread, and only over Python's default handler: a
        program that installed its own keeps it.
        """
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            return lambda: None

        def on_sigint(signum: int, frame: FrameType | None) -> None:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._signalled = True
            self._batch.stop()

        signal.signal(signal.SIGINT, on_sigint)

        def release() -> None:
            if signal.getsignal(signal.SIGINT) is on_sigint:
                signal.signal(signal.SIGINT, signal.default_int_handler)

        return release


def _batch(
    articles: Iterable[Input],
    *,
    backend: Backend | str | None,
    concurrency: int,
    rpm: float | None,
    tpm: float | None,
    ordered: bool,
    workers: int,
    cache: ResultCache | bool,
    cache_dir: Path | str | None,
    backend_options: dict[str, Any],
) -> AsyncBatch:
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    pipeline = open_pipeline(backend, cache=cache, cache_dir=cache_dir, **backend_options)
    try:
        return AsyncBatch(
            articles,
            pipeline,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            ordered=ordered,
            workers=workers,
            close_pipeline=True,
        )
    except BaseException:
        pipeline.close()
        raise


def summarize_many(
    articles: Iterable[Input],
    *,
    backend: Backend | str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    rpm: float | None = None,
    tpm: float | None = None,
    ordered: bool = False,
    workers: int = 1,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    **backend_options: Any,
) -> BatchRun:
    """Summarize many articles concurrently; iterate the run for one record per input.

    >>> run = summarize_many(["date 2017-05-25 Baghdad: ...", article], concurrency=16)
    >>> [record.to_json() for record in run], run.report.failed

    `articles` is any iterable of Article, UnreadableInput (from `iter_inputs`)
    or text, read lazily. `rpm` and `tpm` cap requests and tokens per minute.
    Records come as articles finish, or in input order with `ordered=True`.
    `workers` > 1 runs the backend in that many processes, for runs that one
    core's worth of CPU holds back (a fast endpoint at high concurrency, or the
    offline extractor); `concurrency` stays the total in flight.
    `backend`, `cache` and `backend_options` are those of `summarize`.
    """
    batch = _batch(
        articles,
        backend=backend,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        ordered=ordered,
        workers=workers,
        cache=cache,
        cache_dir=cache_dir,
        backend_options=backend_options,
    )
    return BatchRun(batch)


def asummarize_many(
    articles: Iterable[Input],
    *,
    backend: Backend | str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    rpm: float | None = None,
    tpm: float | None = None,
    ordered: bool = False,
    workers: int = 1,
    cache: ResultCache | bool = True,
    cache_dir: Path | str | None = None,
    **backend_options: Any,
) -> AsyncBatch:
    """The asynchronous `summarize_many`: `async for record in asummarize_many(...)`.

    Cancelling the task that iterates it abandons the articles in flight, as
    `AsyncBatch.stop` does, but hands out nothing more.
    """
    return _batch(
        articles,
        backend=backend,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        ordered=ordered,
        workers=workers,
        cache=cache,
        cache_dir=cache_dir,
        backend_options=backend_options,
    )
