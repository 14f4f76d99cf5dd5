"""The realtime engine for synchronous code: its event loop on a thread, Ctrl-C as a stop."""

from __future__ import annotations

import asyncio
import queue
import signal
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import FrameType, TracebackType

from summarizer.run.engine import AsyncBatch
from summarizer.run.records import BatchReport, Record

# How long the event loop waits before retrying a hand-off to a synchronous
# consumer whose buffer is full: that consumer is then the bottleneck, so a
# few milliseconds cost nothing, and a blocking put would freeze the loop.
_HANDOFF_POLL_SECONDS = 0.005


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

    ::

        with summarize_many(articles, pipeline) as run:
            for record in run:
                print(record.to_json())
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
