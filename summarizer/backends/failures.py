"""The one line a user reads when an LLM request fails: the server's words, not its body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.errors import BackendError, InvalidOutputError, validation_error_text

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
) -> BackendError:
    """The BackendError for a request that failed for good, worded for a person, with
    the API key masked (`key`).

    A reply cut off at the token limit is the model's failure, like an invalid one.
    """
    from instructor.core import IncompleteOutputException

    from summarizer.backends.retry import http_error

    failure = http_error(error)
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
    return BackendError(
        redact_secret(message, key), article_id=article_id, attempts=requests, usage=usage
    )
