"""The one line a user reads when an LLM request fails: the server's words, not its body."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from summarizer.errors import (
    BackendError,
    ContextLengthError,
    InvalidOutputError,
    UnusableBackendError,
    validation_error_text,
)

if TYPE_CHECKING:
    import openai

    from summarizer.schema import Usage


def describe_http_error(error: BaseException) -> str:
    """One line for an HTTP-level failure: the server's own error message, not its whole body."""
    import openai

    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}: {_first_line(_server_message(error))}"
    if isinstance(error, openai.APITimeoutError):
        return "the request timed out"
    if isinstance(error, openai.APIConnectionError):
        return f"could not connect ({_first_line(str(error.__cause__ or error))})"
    return f"{type(error).__name__}: {_first_line(str(error))}"


def _server_message(error: openai.APIStatusError) -> str:
    """`message` of an OpenAI-style error body, else the status line's reason (an HTML 502)."""
    body = error.body  # openai has already unwrapped {"error": {...}}
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return str(body["message"])
    return error.response.reason_phrase


class InvalidReplies(Exception):
    """Every reply for an article failed validation, the re-asks' too; `last` says why."""

    def __init__(self, last: Exception) -> None:
        super().__init__(str(last))
        self.last = last


def describe_invalid_reply(error: BaseException) -> str:
    """What was wrong with the last reply: the validation errors, one clause each."""
    from pydantic import ValidationError

    last = error.last if isinstance(error, InvalidReplies) else error
    if isinstance(last, ValidationError):
        return validation_error_text(last)
    return f"{type(last).__name__}: {_first_line(str(last))}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:297] + "..."


# Keys shorter than this are placeholders for keyless local servers ("EMPTY", "ollama"):
# not secrets, and replacing them in messages would mangle ordinary words.
MIN_SECRET_LENGTH = 8
REDACTED = "[redacted]"


def redact_secret(text: str, key: str | None) -> str:
    """`text` with the API key masked: a provider may echo it in an error."""
    if key and len(key) >= MIN_SECRET_LENGTH:
        return text.replace(key, REDACTED)
    return text


def backend_error(
    error: Exception,
    *,
    article_id: str,
    model: str,
    endpoint: str,
    requests: int,
    usage: Usage,
    key: str | None,
    reached: bool = True,
) -> BackendError:
    """The BackendError for a request that failed for good, worded for a person, with
    the API key masked (`key`).

    A reply cut off at the token limit is the model's failure, like an invalid one.
    A failure no article can get past (`run_wide_reason`; a refused connection only
    while the server has never been `reached`) is an UnusableBackendError.
    """
    from instructor.core import IncompleteOutputException

    from summarizer.backends.retry import http_error

    failure = http_error(error)
    run_wide = (
        run_wide_reason(failure, model=model, endpoint=endpoint, requests=requests, reached=reached)
        if failure is not None
        else None
    )
    if run_wide is not None:
        return UnusableBackendError(
            redact_secret(run_wide, key), article_id=article_id, attempts=requests, usage=usage
        )
    if failure is None and isinstance(error, InvalidReplies | IncompleteOutputException):
        message = (
            f"no valid reply from {model} after {requests} request(s): "
            f"{describe_invalid_reply(error)}"
        )
        return InvalidOutputError(
            redact_secret(message, key), article_id=article_id, attempts=requests, usage=usage
        )
    message = (
        f"{endpoint} failed after {requests} request(s): {describe_http_error(failure or error)}"
    )
    if failure is not None and exceeds_context(failure):
        return ContextLengthError(
            redact_secret(message, key), article_id=article_id, attempts=requests, usage=usage
        )
    return BackendError(
        redact_secret(message, key), article_id=article_id, attempts=requests, usage=usage
    )


# How servers word a request longer than the context window: OpenAI's code, and the
# messages of OpenAI ("maximum context length"), vLLM and llama.cpp ("context length",
# "context window", "exceeds the context size").
_CONTEXT_CODE = "context_length_exceeded"
_CONTEXT_WORDS = re.compile(r"context[ _-]?(?:length|window|size)", re.IGNORECASE)


def exceeds_context(failure: BaseException) -> bool:
    """A 400 (or 413) that says the request is longer than the model's context window."""
    import openai

    if not isinstance(failure, openai.APIStatusError) or failure.status_code not in (400, 413):
        return False
    body = failure.body if isinstance(failure.body, dict) else {}
    return body.get("code") == _CONTEXT_CODE or bool(
        _CONTEXT_WORDS.search(_server_message(failure))
    )


# The `param` of a 400 that is about the article (the messages), not the request's settings.
_ARTICLE_PARAMS = ("messages", "input", "prompt")
# The `code` of a 400 that names a setting every request shares.
_SETTING_CODES = frozenset(
    {"model_not_found", "invalid_model", "unsupported_parameter", "unsupported_value"}
)


def run_wide_reason(
    failure: BaseException, *, model: str, endpoint: str, requests: int, reached: bool
) -> str | None:
    """What stops the whole run, and what to fix, when no article can get past `failure`;
    None for a failure of one article or a transient one.

    401, 403 and 404 refuse every request alike. A 400 does when its error names a
    setting of the request (`param` other than the messages, or a model or parameter
    `code`); one that names nothing, or the messages (an article too long, a content
    filter), is the article's. A connection refused, or a name that does not resolve,
    is run-wide while the server has never answered (`reached`): one that answered
    before and drops now is retried, article by article, as a server restarting.
    """
    import openai

    from summarizer.backends.retry import refused_connection

    if isinstance(failure, openai.APIStatusError):
        said = f"HTTP {failure.status_code}: {_first_line(_server_message(failure))}"
        status = failure.status_code
        if status == 401:
            return f"{endpoint} refused the API key ({said}): check OPENAI_API_KEY"
        if status == 403:
            return f"{endpoint} refused access ({said}): check that the API key may use {model}"
        if status == 404:
            return (
                f"{endpoint} has no model {model} or no chat completions ({said}): check "
                "--model (or SUMMARIZER_MODEL) and --base-url (or OPENAI_BASE_URL)"
            )
        if status == 400 and _names_a_setting(failure):
            return (
                f"{endpoint} rejected the request's settings, not the article ({said}): "
                "check --model and --mode"
            )
        return None
    if refused_connection(failure) and not reached:
        return (
            f"cannot connect to {endpoint} after {requests} attempt(s) "
            f"({_first_line(str(failure.__cause__))}): check --base-url (or OPENAI_BASE_URL) "
            "and that the server is running"
        )
    return None


def _names_a_setting(failure: openai.APIStatusError) -> bool:
    body = failure.body if isinstance(failure.body, dict) else {}
    param, code = body.get("param"), body.get("code")
    if isinstance(code, str) and code in _SETTING_CODES:
        return True
    return isinstance(param, str) and bool(param) and not param.startswith(_ARTICLE_PARAMS)
