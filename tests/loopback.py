"""A scripted, fault-injecting OpenAI-compatible HTTP server on 127.0.0.1.

Tests and benchmarks point a real ``openai.OpenAI`` client (directly or through
``instructor``) at :attr:`LoopbackServer.base_url`, queue :data:`Step` objects
with :meth:`LoopbackServer.script`, and then inspect
:attr:`LoopbackServer.requests`. Only the standard library is used so the
server exercises the client's real HTTP stack without extra dependencies.

Steps are consumed by chat-completion requests, one per request, in arrival
order, and by the request lines of a batch as it ends, one per line, in file
order; ``GET /v1/models``, files and batches requests themselves, and unknown
paths never consume a step.

The server also keeps files (``/v1/files``: upload, retrieve, content, list) and
batches (``/v1/batches``: create, retrieve, cancel, list). A batch lives as its
:class:`BatchScript` says, one status per retrieve; when it ends, each request
line of its input file is answered by the same script and responder as a
chat-completion request, so a test's responder answers realtime and batch
requests alike.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypeAlias, cast

import pytest

__all__ = [
    "BatchScript",
    "Fault",
    "LoopbackServer",
    "RecordedRequest",
    "Reply",
    "Reset",
    "Responder",
    "Slow",
    "Step",
    "StoredFile",
    "Truncated",
    "loopback_server",
]

JSONObject: TypeAlias = dict[str, Any]

DEFAULT_MODEL = "loopback-model"

_CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
_MODELS_PATHS = frozenset({"/v1/models", "/models"})
_BATCH_ENDPOINT = "/v1/chat/completions"
_TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})

# OpenAI-style error "type"/"code" per status, so clients that branch on them
# (not only on the status code) see something realistic.
_ERROR_KINDS: Mapping[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("server_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "gateway_timeout"),
}

# Unusual status plus "x-should-retry: false" so a test that forgot to script
# a step (or whose responder crashed) fails at once and loudly instead of
# being retried by the client.
_LOOPBACK_ERROR_STATUS = 418


@dataclass(frozen=True)
class Reply:
    """A successful chat completion, shaped from the request it answers.

    With ``tools`` in the request the payload becomes the arguments of a single
    tool call; otherwise it becomes ``message.content``. A ``str`` payload is
    sent verbatim (fenced, truncated or otherwise malformed JSON is fine).
    """

    payload: JSONObject | str
    usage: tuple[int, int] = (12, 8)
    # Overrides "tool_calls"/"stop", e.g. "length" to simulate max_tokens cut-off.
    finish_reason: str | None = None


@dataclass(frozen=True)
class Fault:
    """An HTTP error reply; ``body`` defaults to an OpenAI-style error object."""

    status: int
    body: JSONObject | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reset:
    """Drop the connection with a TCP RST instead of replying."""


@dataclass(frozen=True)
class Slow:
    """Wait ``seconds`` (on top of the server latency), then perform ``then``."""

    seconds: float
    then: Step


@dataclass(frozen=True)
class Truncated:
    """A 200 JSON reply cut in half: the completion ``Reply(payload)`` would send.

    Content-Length matches the bytes actually sent, so the HTTP exchange itself
    succeeds and only JSON decoding fails on the client.
    """

    payload: str = "truncated"


Step: TypeAlias = Reply | Fault | Reset | Slow | Truncated


@dataclass(frozen=True)
class BatchScript:
    """How one batch lives: the statuses successive retrieves see, then how it ends.

    ``progress`` is shown one status per retrieve before ``end``; a batch whose
    input file breaks the input format ends ``failed`` whatever the script says.
    An ``expired`` batch (and a cancelled one) answers only its first
    ``answered`` requests. Each request's step makes its line: a ``Reply`` an
    output line, a ``Fault`` or ``Reset`` an error-file line, a ``Truncated`` a
    malformed output line. ``malformed`` turns that many answered output lines
    into text that is not JSON, and ``unknown_ids`` adds answered lines whose
    ``custom_id`` no request had.
    """

    progress: tuple[str, ...] = ()
    end: Literal["completed", "failed", "expired"] = "completed"
    answered: int = 0
    malformed: int = 0
    unknown_ids: int = 0


@dataclass(frozen=True)
class StoredFile:
    """A file the server holds: uploaded by a client, or a batch's output or errors."""

    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: JSONObject | None
    raw_body: bytes
    timestamp: float  # time.monotonic() once the body has been read


Responder: TypeAlias = Callable[[RecordedRequest], Step]


class LoopbackServer:
    """OpenAI-compatible server on 127.0.0.1 with scripted replies and faults.

    Serving starts on construction; use as a context manager or call
    :meth:`close`.
    """

    def __init__(
        self, *, latency: float = 0.0, model: str = DEFAULT_MODEL, batch_api: bool = True
    ) -> None:
        self.latency = latency
        self.model = model
        # Off, /v1/files and /v1/batches answer 404 as on a server without them.
        self.batch_api = batch_api
        self._lock = threading.Lock()
        self._steps: deque[Step] = deque()
        self._responder: Responder | None = None
        self._requests: list[RecordedRequest] = []
        # Open connections and their threads, so close() can unblock
        # keep-alive readers and join them instead of leaking sockets.
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._batches: dict[str, _Batch] = {}
        self._batch_scripts: deque[BatchScript] = deque()
        self._hold: tuple[Callable[[RecordedRequest], bool], float] | None = None
        self.holding = threading.Event()
        self._httpd = _HTTPServer(self)
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host!s}:{port}/v1"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            # A short poll keeps close() fast; shutdown() waits for one poll.
            kwargs={"poll_interval": 0.05},
            name=f"loopback-{port}",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def pending_steps(self) -> int:
        """Scripted steps not yet consumed."""
        with self._lock:
            return len(self._steps)

    def script(self, *steps: Step) -> None:
        """Queue steps; each chat-completion request (or batch line) consumes one, FIFO."""
        with self._lock:
            self._steps.extend(steps)

    def respond_with(self, responder: Responder | None) -> None:
        """Answer with ``responder(request)`` whenever the script is empty."""
        with self._lock:
            self._responder = responder

    def script_batches(self, *scripts: BatchScript) -> None:
        """Queue lifecycles; each batch created takes one, FIFO (else it completes at once)."""
        with self._lock:
            self._batch_scripts.extend(scripts)

    def hold_reply(self, match: Callable[[RecordedRequest], bool], seconds: float) -> None:
        """Hold the reply to the next files or batches request that ``match`` accepts.

        The request is processed first (a file stored, a batch created), then
        :attr:`holding` is set and the reply waits ``seconds``: a client killed
        meanwhile never learns what the server did.
        """
        with self._lock:
            self._hold = (match, seconds)
            self.holding.clear()

    @property
    def uploads(self) -> list[StoredFile]:
        """Files clients uploaded for batches, in upload order."""
        with self._lock:
            return [file for file in self._files.values() if file.purpose == "batch"]

    @property
    def batches(self) -> list[JSONObject]:
        """Every batch created, as a retrieve would show it now (without advancing it)."""
        with self._lock:
            return [batch.document() for batch in self._batches.values()]

    def file_data(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].data

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving, drop open connections and join every thread."""
        with self._lock:
            if self._closing.is_set():
                return
            self._closing.set()
            connections = dict(self._connections)
        self._httpd.shutdown()
        self._httpd.server_close()
        for conn in connections:
            # Wakes handlers blocked reading the next keep-alive request; the
            # handler or the peer may already have closed it.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout)
        for thread in connections.values():
            thread.join(timeout)

    # -- called from handler threads ------------------------------------------

    def _register(self, conn: socket.socket) -> bool:
        # Atomic with close()'s snapshot, so a connection accepted during
        # shutdown is either shut down by close() or refused here.
        with self._lock:
            if self._closing.is_set():
                return False
            self._connections[conn] = threading.current_thread()
            return True

    def _unregister(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.pop(conn, None)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            if self._steps:
                return self._steps.popleft()
            responder = self._responder
        if responder is None:
            return _loopback_error("no scripted step left and no responder set", "script_exhausted")
        try:
            # Outside the lock: user code may call back into the server.
            return responder(request)
        except Exception as exc:
            # Surface the bug in the test's own exception instead of a
            # traceback in a server thread and a bare disconnect.
            return _loopback_error(f"responder raised {exc!r}", "responder_error")

    def _wait(self, seconds: float) -> bool:
        """Sleep, cut short by close(); True if the server is still open."""
        if seconds > 0:
            self._closing.wait(seconds)
        return not self._closing.is_set()

    def _next_id(self) -> int:
        return next(self._ids)

    def _held(self, request: RecordedRequest) -> None:
        """Wait before replying if a test asked to hold this request's reply."""
        with self._lock:
            hold = self._hold
            if hold is None or not hold[0](request):
                return
            self._hold = None
        self.holding.set()
        self._wait(hold[1])

    # -- files and batches ------------------------------------------------------

    def _store_file(self, filename: str, purpose: str, data: bytes) -> StoredFile:
        with self._lock:
            stored = StoredFile(
                f"file-loopback-{self._next_id()}", filename, purpose, data, int(time.time())
            )
            self._files[stored.id] = stored
        return stored

    def _file(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def _list_files(self, purpose: str | None) -> list[StoredFile]:
        with self._lock:
            files = list(self._files.values())
        return [file for file in files if purpose is None or file.purpose == purpose]

    def _create_batch(self, input_file: StoredFile, metadata: JSONObject | None) -> _Batch:
        with self._lock:
            script = self._batch_scripts.popleft() if self._batch_scripts else BatchScript()
            batch = _Batch(
                id=f"batch_loopback_{self._next_id()}",
                input_file=input_file,
                script=script,
                metadata=metadata,
                created_at=int(time.time()),
            )
            self._batches[batch.id] = batch
        return batch

    def _batch(self, batch_id: str) -> _Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def _list_batches(self) -> list[_Batch]:
        with self._lock:
            return list(self._batches.values())

    def _advance(self, batch: _Batch) -> None:
        """One retrieve's worth of progress; answers the requests when the batch ends."""
        with self._lock:
            if batch.status in _TERMINAL_STATUSES or batch.finishing:
                return
            if batch.status == "cancelling":
                end = "cancelled"
            else:
                statuses = (*batch.script.progress, batch.script.end)
                step = min(batch.retrieves, len(statuses) - 1)
                batch.retrieves += 1
                end = statuses[step]
                if end not in _TERMINAL_STATUSES:
                    batch.status = end
                    return
            batch.finishing = True  # a concurrent retrieve must not answer it again
        self._finish(batch, end)

    def _finish(self, batch: _Batch, end: str) -> None:
        lines, problem = _request_lines(batch.input_file.data)
        if problem is None and end == "failed":
            problem = "loopback: the script fails this batch's input file"
        if problem is not None:
            with self._lock:
                batch.status = "failed"
                batch.errors = [{"code": "invalid_request", "message": problem, "line": None}]
            return
        limit = len(lines) if end == "completed" else batch.script.answered
        output: list[bytes] = []
        errors: list[bytes] = []
        for custom_id, body in lines[:limit]:
            kind, line = self._answer_line(custom_id, body)
            (output if kind == "output" else errors).append(line)
        completed = len(output)
        for index in range(min(batch.script.malformed, len(output))):
            output[index] = output[index][: len(output[index]) // 2] + b"\n"
        for number in range(batch.script.unknown_ids):
            unknown_id = f"unknown-{number}"
            output.append(self._answer_line(unknown_id, lines[0][1] if lines else {})[1])
        output_file = self._store_file(f"{batch.id}_output.jsonl", "batch_output", b"".join(output))
        error_file = (
            self._store_file(f"{batch.id}_error.jsonl", "batch_output", b"".join(errors))
            if errors
            else None
        )
        with self._lock:
            batch.status = end
            batch.output_file_id = output_file.id if output else None
            batch.error_file_id = error_file.id if error_file else None
            batch.counts = {"total": len(lines), "completed": completed, "failed": len(errors)}

    def _answer_line(self, custom_id: str, body: JSONObject) -> tuple[str, bytes]:
        """One request of a batch answered as a chat completion: ("output"|"errors", line)."""
        raw = _encode(body)
        request = RecordedRequest("POST", _BATCH_ENDPOINT, {}, body, raw, time.monotonic())
        step = self._next_step(request)
        while isinstance(step, Slow):  # a batch has no clock to wait on
            step = step.then
        line_id = f"batch_req_loopback_{self._next_id()}"
        request_id = f"req_loopback_{self._next_id()}"
        if isinstance(step, Reset):
            error = {"code": "server_error", "message": "loopback: the request was dropped"}
            document: JSONObject = {"id": line_id, "custom_id": custom_id, "response": None}
            return "errors", _encode({**document, "error": error}) + b"\n"
        if isinstance(step, Fault):
            response = {
                "status_code": step.status,
                "request_id": request_id,
                "body": step.body or _fault_body(step.status),
            }
            document = {"id": line_id, "custom_id": custom_id, "response": response}
            return "errors", _encode({**document, "error": None}) + b"\n"
        payload = Reply(step.payload) if isinstance(step, Truncated) else step
        response = {
            "status_code": 200,
            "request_id": request_id,
            "body": _completion(cast(Reply, payload), request, self),
        }
        line = _encode({"id": line_id, "custom_id": custom_id, "response": response, "error": None})
        if isinstance(step, Truncated):
            line = line[: len(line) // 2]
        return "output", line + b"\n"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # benchmarks open 64+ connections at once
    allow_reuse_address = True

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def shutdown_request(self, request: Any) -> None:
        sock = cast(socket.socket, request)
        # A graceful shutdown() would send FIN before close(); a socket armed
        # with SO_LINGER=0 by Reset must go straight to close() to emit RST.
        if _is_armed_for_reset(sock):
            self.close_request(sock)
        else:
            super().shutdown_request(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients vanish mid-reply by design (timeouts, resets, close()); only
        # genuine server bugs deserve a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError) or self.owner._closing.is_set():
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the openai client expects
    # Headers and body go out in separate writes; with Nagle on, the body waits
    # for the client's delayed ACK (~40 ms per reply on Linux loopback).
    disable_nagle_algorithm = True
    server: _HTTPServer

    def handle(self) -> None:
        if not self.server.owner._register(self.connection):
            return
        try:
            super().handle()
        finally:
            self.server.owner._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # Per-request stderr lines would drown pytest output.

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        owner = self.server.owner
        request = self._read_request()
        owner._record(request)
        route = request.path.split("?", 1)[0].rstrip("/")
        if request.method == "POST" and route in _CHAT_PATHS:
            # Picked before the latency so the script follows arrival order.
            step = owner._next_step(request)
            if owner._wait(owner.latency):
                self._perform(step, request)
            else:
                self.close_connection = True
        elif request.method == "GET" and route in _MODELS_PATHS:
            if owner._wait(owner.latency):
                self._send_json(200, _models_list(owner.model))
            else:
                self.close_connection = True
        elif owner.batch_api and _batch_route(route) is not None:
            status, data, content_type = self._files_and_batches(request, route)
            owner._held(request)
            self._send_bytes(status, data, content_type=content_type)
        else:
            self._send_json(
                404,
                _error_body(
                    f"Unknown request URL: {request.method} {request.path}",
                    "invalid_request_error",
                    "unknown_url",
                ),
            )

    def _files_and_batches(self, request: RecordedRequest, route: str) -> tuple[int, bytes, str]:
        """(status, body, content type) of a files or batches request, its work done."""
        owner = self.server.owner
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
        parts = cast(list[str], _batch_route(route))
        method = request.method
        if parts[0] == "files":
            if method == "POST" and len(parts) == 1:
                form = _multipart(request)
                if form is None or "file" not in form or form.get("purpose", (None, b""))[1] == b"":
                    return _json_reply(400, _error_body("expected a multipart upload", *_BAD))
                filename, data = form["file"]
                stored = owner._store_file(filename or "upload", form["purpose"][1].decode(), data)
                return _json_reply(200, _file_document(stored))
            if method == "GET" and len(parts) == 1:
                purpose = query.get("purpose", [None])[0]
                listed = [_file_document(file) for file in owner._list_files(purpose)]
                return _json_reply(200, _page(listed, query, default_limit=10000))
            stored_file = owner._file(parts[1])
            if stored_file is None:
                return _json_reply(404, _error_body(f"No such File object: {parts[1]}", *_GONE))
            if method == "GET" and len(parts) == 2:
                return _json_reply(200, _file_document(stored_file))
            if method == "GET" and parts[2:] == ["content"]:
                return 200, stored_file.data, "application/octet-stream"
        else:
            if method == "POST" and len(parts) == 1:
                wanted = request.body or {}
                input_file = owner._file(str(wanted.get("input_file_id")))
                if input_file is None:
                    message = f"No such File object: {wanted.get('input_file_id')}"
                    return _json_reply(404, _error_body(message, *_GONE))
                if wanted.get("endpoint") != _BATCH_ENDPOINT:
                    return _json_reply(400, _error_body("unsupported endpoint", *_BAD))
                metadata = wanted.get("metadata")
                batch = owner._create_batch(
                    input_file, metadata if isinstance(metadata, dict) else None
                )
                return _json_reply(200, batch.document())
            if method == "GET" and len(parts) == 1:
                listed = [batch.document() for batch in owner._list_batches()]
                return _json_reply(200, _page(listed, query, default_limit=20))
            found = owner._batch(parts[1])
            if found is None:
                return _json_reply(404, _error_body(f"No such batch: {parts[1]}", *_GONE))
            if method == "GET" and len(parts) == 2:
                owner._advance(found)
                return _json_reply(200, found.document())
            if method == "POST" and parts[2:] == ["cancel"]:
                found.cancel()
                return _json_reply(200, found.document())
        message = f"Unknown request URL: {method} {request.path}"
        return _json_reply(404, _error_body(message, "invalid_request_error", "unknown_url"))

    def _read_request(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        # Always drain the body, or the next keep-alive request is misparsed.
        raw = self.rfile.read(length) if length > 0 else b""
        body: JSONObject | None = None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            body = parsed
        return RecordedRequest(
            method=self.command,
            path=self.path,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            raw_body=raw,
            timestamp=time.monotonic(),
        )

    def _perform(self, step: Step, request: RecordedRequest) -> None:
        owner = self.server.owner
        if isinstance(step, Slow):
            if owner._wait(step.seconds):
                self._perform(step.then, request)
            else:
                self.close_connection = True
        elif isinstance(step, Reply):
            self._send_json(200, _completion(step, request, owner))
        elif isinstance(step, Fault):
            self._send_json(step.status, step.body or _fault_body(step.status), step.headers)
        elif isinstance(step, Truncated):
            full = _encode(_completion(Reply(step.payload), request, owner))
            self._send_bytes(200, full[: len(full) // 2])
        elif isinstance(step, Reset):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        else:  # pragma: no cover - guards against a responder returning junk
            raise TypeError(f"not a loopback Step: {step!r}")

    def _send_json(
        self, status: int, body: JSONObject, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send_bytes(status, _encode(body), headers)

    def _send_bytes(
        self,
        status: int,
        data: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


_BAD = ("invalid_request_error", "invalid_request")
_GONE = ("invalid_request_error", "not_found")


@dataclass
class _Batch:
    """A batch and where its lifecycle is; changed under the server's lock."""

    id: str
    input_file: StoredFile
    script: BatchScript
    metadata: JSONObject | None
    created_at: int
    status: str = "validating"
    retrieves: int = 0
    finishing: bool = False
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[JSONObject] | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )

    def cancel(self) -> None:
        if self.status not in _TERMINAL_STATUSES:
            self.status = "cancelling"

    def document(self) -> JSONObject:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": _BATCH_ENDPOINT,
            "completion_window": "24h",
            "input_file_id": self.input_file.id,
            "status": self.status,
            "created_at": self.created_at,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "request_counts": dict(self.counts),
            "metadata": self.metadata,
        }


def _batch_route(route: str) -> list[str] | None:
    """["files", ...] or ["batches", ...] for a files or batches path, else None."""
    parts = [part for part in route.split("/") if part]
    if parts[:1] == ["v1"]:
        parts = parts[1:]
    if parts[:1] in (["files"], ["batches"]) and len(parts) <= 3:
        return parts
    return None


def _request_lines(data: bytes) -> tuple[list[tuple[str, JSONObject]], str | None]:
    """A batch input file's (custom_id, body) pairs, or why the file breaks the format."""
    lines: list[tuple[str, JSONObject]] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = json.loads(raw)
        except ValueError:
            return [], f"line {number} is not valid JSON"
        if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
            return [], f"line {number} has no request body"
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or custom_id in seen:
            return [], f"line {number}: a missing or repeated custom_id"
        if line.get("method") != "POST" or line.get("url") != _BATCH_ENDPOINT:
            return [], f"line {number}: not a POST to {_BATCH_ENDPOINT}"
        seen.add(custom_id)
        lines.append((custom_id, line["body"]))
    if not lines:
        return [], "the input file is empty"
    return lines, None


def _multipart(request: RecordedRequest) -> dict[str, tuple[str | None, bytes]] | None:
    """The fields of a multipart/form-data body: name -> (filename, bytes)."""
    content_type = request.headers.get("content-type", "")
    marker = "boundary="
    if "multipart/form-data" not in content_type or marker not in content_type:
        return None
    boundary = content_type.split(marker, 1)[1].split(";", 1)[0].strip().strip('"')
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in request.raw_body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        disposition = head.decode("utf-8", "replace")
        name = _header_parameter(disposition, "name")
        if name is not None:
            fields[name] = (_header_parameter(disposition, "filename"), data[:-2])
    return fields


def _header_parameter(header: str, name: str) -> str | None:
    for piece in header.replace("\r\n", ";").split(";"):
        key, _, value = piece.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None


def _file_document(stored: StoredFile) -> JSONObject:
    return {
        "id": stored.id,
        "object": "file",
        "bytes": len(stored.data),
        "created_at": stored.created_at,
        "filename": stored.filename,
        "purpose": stored.purpose,
        "status": "processed",
    }


def _page(
    documents: list[JSONObject], query: dict[str, list[str]], *, default_limit: int
) -> JSONObject:
    """A cursor page, newest first (OpenAI's default order), after the id ``after``."""
    ordered = documents if query.get("order", ["desc"])[0] == "asc" else documents[::-1]
    after = query.get("after", [None])[0]
    if after is not None:
        ids = [document["id"] for document in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    limit = int(query.get("limit", [default_limit])[0])
    page = ordered[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(ordered) > limit,
    }


def _json_reply(status: int, body: JSONObject) -> tuple[int, bytes, str]:
    return status, _encode(body), "application/json"


def _completion(reply: Reply, request: RecordedRequest, owner: LoopbackServer) -> JSONObject:
    body = request.body or {}
    text = reply.payload if isinstance(reply.payload, str) else json.dumps(reply.payload)
    tool_name = _requested_tool_name(body)
    message: JSONObject = {"role": "assistant", "content": None, "refusal": None}
    if tool_name is not None:
        message["tool_calls"] = [
            {
                "id": f"call_loopback_{owner._next_id()}",
                "type": "function",
                "function": {"name": tool_name, "arguments": text},
            }
        ]
        finish_reason = "tool_calls"
    else:
        message["content"] = text
        finish_reason = "stop"
    prompt_tokens, completion_tokens = reply.usage
    return {
        "id": f"chatcmpl-loopback-{owner._next_id()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model") or owner.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": reply.finish_reason or finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _requested_tool_name(body: JSONObject) -> str | None:
    """The function the client asked for, or None if it sent no tools."""
    tools = body.get("tools")
    if not isinstance(tools, list) or not tools:
        return None
    # A forced tool_choice is what the client will look for in the reply.
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = _function_name(choice)
        if name is not None:
            return name
    first = tools[0]
    name = _function_name(first) if isinstance(first, dict) else None
    return name or "function"


def _function_name(entry: JSONObject) -> str | None:
    function = entry.get("function")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return cast(str, function["name"])
    return None


def _loopback_error(message: str, code: str) -> Fault:
    return Fault(
        _LOOPBACK_ERROR_STATUS,
        _error_body(f"loopback: {message}", "loopback_error", code),
        {"x-should-retry": "false"},
    )


def _models_list(model: str) -> JSONObject:
    return {
        "object": "list",
        "data": [{"id": model, "object": "model", "created": 0, "owned_by": "loopback"}],
    }


def _fault_body(status: int) -> JSONObject:
    kind, code = _ERROR_KINDS.get(status, ("api_error", f"http_{status}"))
    return _error_body(f"loopback fault: HTTP {status}", kind, code)


def _error_body(message: str, kind: str, code: str) -> JSONObject:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _encode(body: JSONObject) -> bytes:
    return json.dumps(body).encode()


def _is_armed_for_reset(sock: socket.socket) -> bool:
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.calcsize("ii"))
    except OSError:
        return False
    onoff, seconds = struct.unpack("ii", raw)
    return bool(onoff) and seconds == 0


@pytest.fixture
def loopback_server() -> Iterator[LoopbackServer]:
    """A started :class:`LoopbackServer`, closed after the test."""
    with LoopbackServer() as server:
        yield server
