"""A backend run in worker processes, for batches bound by one core's worth of CPU.

A Python process spends its CPU on one core, and each LLM request costs some
milliseconds of it in the client libraries (request building, instructor's
per-call work, parsing). Against a fast endpoint at high concurrency that, not
the endpoint, limits a batch. `WorkerPool` wraps a backend and runs its
`aextract` in separate processes; everything else (the cache, validation, rate
limits, the records) stays in the calling process, so workers change where the
backend's work happens and nothing else: the cache keys are the wrapped
backend's own.

Each worker is `python -c ...` talking length-prefixed pickles over its stdin
and stdout: first the backend, the caller's `sys.path` (so the backend's module
imports there too) and log levels; then requests `(id, article)`, and
`(id, None)` to cancel one. It says `("ready",)` once the backend is loaded, or
`("unusable", reason)` if it cannot be; answers `("answer", id, draft, error)`;
and sends `("log", record)` for each log record, which the caller's loggers
handle as their own (levels, handlers, filters).

A worker ends when its stdin closes, so it never outlives the process that
started it. It runs in a session of its own, so a Ctrl-C at the terminal reaches
only the caller, which stops the run and closes the workers itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import signal
import struct
import sys
from collections.abc import Callable
from typing import Any, cast

from summarizer.article import Article
from summarizer.backends.base import Backend, BackendWrapper, Draft
from summarizer.errors import BackendError, ConfigurationError

_HEADER = struct.Struct("!I")
_WORKER_COMMAND = "from summarizer.run.workers import serve; serve()"
# How long a closing worker gets to end on its own before it is killed.
_CLOSE_GRACE_SECONDS = 5.0


class WorkerPool(BackendWrapper):
    """`backend`'s asynchronous extraction spread over `processes` worker processes.

    The workers start with the first `aextract` and belong to its event loop;
    `aclose()` ends them. `extract` (synchronous, one article) runs in-process.
    """

    def __init__(self, backend: Backend, processes: int) -> None:
        if processes < 1:
            raise ConfigurationError(f"workers must be at least 1, got {processes}")
        try:
            self._payload = pickle.dumps(backend)
        except Exception as error:
            raise ConfigurationError(
                f"the {backend.name} backend cannot be sent to worker processes: {error}"
            ) from None
        super().__init__(backend)
        self.processes = processes
        self._workers: list[_Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def aextract(self, article: Article) -> Draft:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Pipes belong to the loop that opened them; an earlier loop's workers
            # are gone with it (their stdin closed), so start afresh.
            self._workers, self._loop = [], loop
        for worker in self._workers:
            if worker.failure is not None and not worker.ready:
                # Died before it could work: a new one would too (a backend that cannot
                # be loaded there, say), so every article gets this error.
                raise BackendError(worker.failure, article_id=article.id)
        self._workers = [worker for worker in self._workers if worker.failure is None]
        while len(self._workers) < self.processes:
            self._workers.append(_Worker(self._payload))
        worker = min(self._workers, key=lambda candidate: candidate.load)
        return await worker.call(article)

    async def aclose(self) -> None:
        """End every worker: requests still in flight are abandoned."""
        workers, self._workers = self._workers, []
        await asyncio.gather(*(worker.close() for worker in workers))


class _Worker:
    """One worker process and the requests it is answering."""

    def __init__(self, backend_payload: bytes) -> None:
        self._backend_payload = backend_payload
        # Request id -> the article's id and its answer, to come.
        self._pending: dict[int, tuple[str, asyncio.Future[Draft]]] = {}
        self._ids = itertools.count(1)
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self.ready = False
        self.failure: str | None = None  # why the worker ended, once it has
        self._started = asyncio.get_running_loop().create_task(self._start())

    @property
    def load(self) -> int:
        return len(self._pending)

    async def call(self, article: Article) -> Draft:
        request_id = next(self._ids)
        answer: asyncio.Future[Draft] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (article.id, answer)
        try:
            with contextlib.suppress(OSError):  # failure says it
                await self._started
            if self.failure is not None:
                raise BackendError(self.failure, article_id=article.id)
            await self._send((request_id, article))
            return await answer
        except asyncio.CancelledError:
            if self.failure is None and not answer.done():
                with contextlib.suppress(ConnectionError):
                    await self._send((request_id, None))
            raise
        finally:
            self._pending.pop(request_id, None)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._started
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), _CLOSE_GRACE_SECONDS)
        except asyncio.TimeoutError:
            process.kill()
        if self._reader is not None:
            await self._reader

    async def _start(self) -> None:
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                _WORKER_COMMAND,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            self.failure = f"cannot start a worker process: {error}"
            raise
        self._reader = asyncio.get_running_loop().create_task(self._read_answers())
        await self._send((self._backend_payload, sys.path, _log_levels()))

    async def _send(self, message: object) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(_frame(message))
        await self._process.stdin.drain()

    def _answer(self, request_id: int, draft: Draft | None, error: Exception | None) -> None:
        _, answer = self._pending.get(request_id, (None, None))
        if answer is None or answer.done():
            return  # cancelled meanwhile
        if error is None:
            answer.set_result(cast(Draft, draft))
        else:
            answer.set_exception(error)

    async def _read_answers(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        reason = None
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                frame = await _read_frame(stdout)
                try:
                    kind, *content = pickle.loads(frame)
                except Exception as error:
                    # Its answers can no longer be told apart: end it, fail what it holds.
                    reason = f"worker process {self._process.pid} sent an unreadable reply: {error}"
                    self._process.kill()
                    break
                if kind == "answer":
                    self._answer(*content)
                elif kind == "log":
                    _handle_log(*content)
                elif kind == "ready":
                    self.ready = True
                elif kind == "unusable":
                    (reason,) = content
        code = await self._process.wait()
        self.failure = reason or f"worker process {self._process.pid} exited (code {code})"
        for article_id, answer in self._pending.values():
            if not answer.done():
                answer.set_exception(BackendError(self.failure, article_id=article_id))


def _log_levels() -> dict[str, int]:
    """The levels set on this process's loggers, the root's included."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def _handle_log(record: logging.LogRecord) -> None:
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)


def _frame(message: object) -> bytes:
    payload = pickle.dumps(message)
    return _HEADER.pack(len(payload)) + payload


async def _read_frame(stream: asyncio.StreamReader) -> bytes:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    return await stream.readexactly(size)


def serve() -> None:
    """A worker's main: extract the articles that arrive on stdin until it closes."""
    # The protocol owns the real stdout; anything printed goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not asyncio.run(_serve(answers)):
        raise SystemExit(1)


async def _serve(answers: Any) -> bool:
    """Answer requests until stdin closes; False if the backend could not be loaded."""
    loop = asyncio.get_running_loop()
    requests = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(requests), sys.stdin)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, answers)
    payload, sys.path[:], levels = pickle.loads(await _read_frame(requests))
    try:
        backend: Backend = pickle.loads(payload)
    except Exception as error:
        reason = f"a worker process cannot load the backend: {error}"
        transport.write(_frame(("unusable", reason)))
        transport.close()
        return False
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)

    # A library may log from a thread of its own: the write goes through the loop.
    def send(frame: bytes) -> None:
        loop.call_soon_threadsafe(transport.write, frame)

    logging.getLogger().handlers[:] = [_ForwardLogs(send)]
    transport.write(_frame(("ready",)))
    running: dict[int, asyncio.Task[None]] = {}

    async def answer(request_id: int, article: Article) -> None:
        draft, error = None, None
        try:
            draft = await backend.aextract(article)
        except Exception as caught:
            error = _sendable(caught)
        finally:
            running.pop(request_id, None)
        try:
            frame = _frame(("answer", request_id, draft, error))
        except Exception as unsendable:  # a draft of a class made at run time, say
            problem = BackendError(
                f"the result cannot be sent back: {unsendable}",
                article_id=article.id,
                usage=draft.usage if draft is not None else None,
            )
            frame = _frame(("answer", request_id, None, problem))
        transport.write(frame)

    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        while True:
            request_id, article = pickle.loads(await _read_frame(requests))
            if article is None:
                task = running.pop(request_id, None)
                if task is not None:
                    task.cancel()
            else:
                running[request_id] = loop.create_task(answer(request_id, article))
    for task in running.values():
        task.cancel()
    await asyncio.gather(*running.values(), return_exceptions=True)
    transport.close()
    return True


class _ForwardLogs(logging.Handler):
    """Sends a worker's log records to the caller, which handles them as its own."""

    def __init__(self, send: Callable[[bytes], object]) -> None:
        super().__init__()
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        # Arguments and tracebacks may not pickle: send the text they make.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self._send(_frame(("log", record)))


def _sendable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else a BackendError that says it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return BackendError(f"{type(error).__name__}: {error}")
    return error
