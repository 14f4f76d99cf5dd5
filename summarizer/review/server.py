"""The labelling server: the labelling page and its small JSON API, on 127.0.0.1 only.

Standard library only (`http.server`). Every request must carry the token of the
URL the server printed: in the page's query string (`/?token=...`), then as the
`X-Label-Token` header the page's script sends, or the cookie the page set for its
own script and style. The Host header must name this server (127.0.0.1:PORT or
localhost:PORT), so a site that rebinds its DNS name to 127.0.0.1 is refused; an
Origin header, when sent, must be this server's own. Ids are checked against the
contract's pattern before any path is made from them.

    GET  /?token=T                  the page
    GET  /labelling.js, .css        its script and style
    GET  /api/articles              ids, states, progress, the codebook
    GET  /api/articles/<id>         one article: text, label (saved or pre-filled)
    PUT  /api/articles/<id>         save its label (JSON body); 422 lists the problems

    server = LabellingServer(session, port=0)
    print(server.url); server.serve_forever()
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from summarizer.errors import DatasetError, SummarizerError
from summarizer.review.labelling import LabellingSession, Saved, valid_id

HOST = "127.0.0.1"
TOKEN_HEADER = "X-Label-Token"
TOKEN_COOKIE = "label_token"
# A label is a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 2_000_000
_ASSETS = {
    "/labelling.js": ("labelling.js", "text/javascript; charset=utf-8"),
    "/labelling.css": ("labelling.css", "text/css; charset=utf-8"),
}
# The page loads its own script and style and talks to this server, nothing else.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


class LabellingServer(ThreadingHTTPServer):
    """Serves one `LabellingSession`; `on_save` hears of every label written."""

    daemon_threads = True

    def __init__(
        self,
        session: LabellingSession,
        *,
        port: int = 0,
        token: str | None = None,
        on_save: Callable[[str, Saved], None] | None = None,
    ) -> None:
        self.session = session
        self.token = token or secrets.token_urlsafe(24)
        self.on_save = on_save
        super().__init__((HOST, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def allowed_hosts(self) -> frozenset[str]:
        return frozenset({f"{HOST}:{self.port}", f"localhost:{self.port}"})


class _Handler(BaseHTTPRequestHandler):
    server: LabellingServer
    server_version = "summarize-review"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the command prints what was saved, not every request."""

    # -- checks ---------------------------------------------------------------------------

    def _refusal(self) -> tuple[HTTPStatus, str] | None:
        """Why this request is refused, or None: Host, Origin, then the token."""
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts():
            return HTTPStatus.FORBIDDEN, "unknown Host"
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {
            f"http://{h}" for h in self.server.allowed_hosts()
        }:
            return HTTPStatus.FORBIDDEN, "foreign Origin"
        if not self._has_token():
            return HTTPStatus.FORBIDDEN, "missing or wrong token"
        return None

    def _has_token(self) -> bool:
        query = parse_qs(urlsplit(self.path).query)
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:  # a malformed Cookie header is no token
            cookie = SimpleCookie()
        given = [
            *query.get("token", []),
            self.headers.get(TOKEN_HEADER, ""),
            cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else "",
        ]
        expected = self.server.token.encode()
        return any(hmac.compare_digest(value.encode(), expected) for value in given if value)

    # -- responses ------------------------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", _CSP)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: HTTPStatus, document: Any) -> None:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._json(status, {"error": message})

    # -- routes ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        refused = self._refusal()
        if refused:
            self._error(*refused)
            return
        path = urlsplit(self.path).path
        if path == "/":
            cookie = f"{TOKEN_COOKIE}={self.server.token}; Path=/; HttpOnly; SameSite=Strict"
            self._send(
                HTTPStatus.OK,
                _asset("labelling.html"),
                "text/html; charset=utf-8",
                {"Set-Cookie": cookie},
            )
        elif path in _ASSETS:
            name, content_type = _ASSETS[path]
            self._send(HTTPStatus.OK, _asset(name), content_type)
        elif path == "/api/articles":
            self._json(HTTPStatus.OK, self.server.session.overview())
        elif path.startswith("/api/articles/"):
            article_id = self._article_id(path)
            if article_id is not None:
                self._json(HTTPStatus.OK, self.server.session.article_state(article_id))
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such page")

    def do_PUT(self) -> None:
        refused = self._refusal()
        if refused:
            self._error(*refused)
            return
        path = urlsplit(self.path).path
        if not path.startswith("/api/articles/"):
            self._error(HTTPStatus.NOT_FOUND, "no such page")
            return
        article_id = self._article_id(path)
        if article_id is None:
            return
        submission = self._body()
        if submission is None:
            return
        try:
            saved = self.server.session.save(article_id, submission)
        except DatasetError as error:
            self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"problems": error.problems})
            return
        except SummarizerError as error:  # the disk refused: the page must say so
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(error))
            return
        if self.server.on_save is not None:
            self.server.on_save(article_id, saved)
        self._json(
            HTTPStatus.OK,
            {"saved": str(saved.label_path), "reviewed": saved.reviewed, "total": saved.total},
        )

    def _refuse_other(self) -> None:
        refused = self._refusal()
        self._error(*(refused or (HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")))

    do_POST = do_DELETE = do_PATCH = _refuse_other

    def _article_id(self, path: str) -> str | None:
        """The id at the end of an API path, or None after answering 400/404 for it."""
        article_id = path.removeprefix("/api/articles/")
        if not valid_id(article_id):
            self._error(HTTPStatus.BAD_REQUEST, "not an article id ([a-z0-9][a-z0-9-]*)")
            return None
        if article_id not in self.server.session.articles:
            self._error(HTTPStatus.NOT_FOUND, f"no article {article_id!r} in this session")
            return None
        return article_id

    def _body(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY_BYTES:
            self._error(HTTPStatus.BAD_REQUEST, "a JSON body of at most 2 MB is expected")
            return None
        try:
            document = json.loads(self.rfile.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
            return None
        if not isinstance(document, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the body is not a JSON object")
            return None
        return document
