"""The one line a user reads when an LLM request fails: the server's words, not its body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from summarizer.errors import BackendError, InvalidOutputError

if TYPE_CHECKING:
    import openai


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


def describe_invalid_reply(error: BaseException) -> str:
    """What was wrong with the last reply: the validation errors, one clause each."""
    from pydantic import ValidationError

    failed = getattr(error, "failed_attempts", None) or []
    last = failed[-1].exception if failed else error.__cause__ or error
    if isinstance(last, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or 'reply'}: {item['msg']}"
            for item in last.errors()[:3]
        ]
        more = f" (+{last.error_count() - 3} more)" if last.error_count() > 3 else ""
        return "; ".join(problems) + more
    return f"{type(last).__name__}: {_first_line(str(last))}"


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:297] + "..."


def backend_error(
    error: Exception,
    *,
    article_id: str,
    model: str,
    endpoint: str,
    requests: int,
    usage: tuple[int, int] = (0, 0),
) -> BackendError:
    """The BackendError for a request that failed for good, worded for a person.

    A reply cut off at the token limit is the model's failure, like an invalid one.
    """
    from instructor.core import IncompleteOutputException, InstructorRetryException

    from summarizer.backends.retry import http_error

    failure = http_error(error)
    if failure is None and isinstance(error, InstructorRetryException | IncompleteOutputException):
        message = (
            f"no valid reply from {model} after {requests} request(s): "
            f"{describe_invalid_reply(error)}"
        )
        return InvalidOutputError(message, article_id=article_id, attempts=requests, usage=usage)
    message = (
        f"{endpoint} failed after {requests} request(s): {describe_http_error(failure or error)}"
    )
    return BackendError(message, article_id=article_id, attempts=requests, usage=usage)
