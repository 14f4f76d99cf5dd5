"""A scripted, fault-injecting OpenAI-compatible HTTP server on 127.0.0.1.

Tests and benchmarks point a real ``openai.OpenAI`` client (directly or through
``instructor``) at :attr:`LoopbackServer.base_url`, queue :data:`Step` objects
with :meth:`LoopbackServer.script`, and then inspect
:attr:`LoopbackServer.requests`. Only the standard library is used so the
server exercises the client's real HTTP stack without extra dependencies.

Steps are consumed only by chat-completion requests, one per request, in
arrival order; ``GET /v1/models`` and unknown paths never consume a step.
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
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeAlias, cast

import pytest

__all__ = [
    "Fault",
    "LoopbackServer",
    "RecordedRequest",
    "Reply",
    "Reset",
    "Responder",
    "Slow",
    "Step",
    "Truncated",
    "loopback_server",
]

JSONObject: TypeAlias = dict[str, Any]

DEFAULT_MODEL = "loopback-model"

_CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
_MODELS_PATHS = frozenset({"/v1/models", "/models"})

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

    def __init__(self, *, latency: float = 0.0, model: str = DEFAULT_MODEL) -> None:
        self.latency = latency
        self.model = model
        self._lock = threading.Lock()
        self._steps: deque[Step] = deque()
        self._responder: Responder | None = None
        self._requests: list[RecordedRequest] = []
        # Open connections and their threads, so close() can unblock
        # keep-alive readers and join them instead of leaking sockets.
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._closing = threading.Event()
        self._ids = itertools.count(1)
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
        """Queue steps; each chat-completion request consumes one, FIFO."""
        with self._lock:
            self._steps.extend(steps)

    def respond_with(self, responder: Responder | None) -> None:
        """Answer with ``responder(request)`` whenever the script is empty."""
        with self._lock:
            self._responder = responder

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
        else:
            self._send_json(
                404,
                _error_body(
                    f"Unknown request URL: {request.method} {request.path}",
                    "invalid_request_error",
                    "unknown_url",
                ),
            )

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
        self, status: int, data: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


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
