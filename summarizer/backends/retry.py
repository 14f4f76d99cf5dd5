"""When a failed LLM request is tried again, and after how long.

tenacity retries transient HTTP failures (429, 408/409, 5xx, timeouts, lost
connections) with exponential backoff and jitter, honouring Retry-After, bounded
by `max_attempts` and `max_retry_seconds`. A wait (backoff or Retry-After) that
would end past `max_retry_seconds` stops the retries at once. A server that
refuses the connection before it has ever answered gets `UNREACHED_ATTEMPTS`
only: it is most likely not there at all, and the run stops
(`failures.run_wide_reason`). Replies that fail validation are instructor's to
re-ask, not this policy's.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.settings import LLMSettings

if TYPE_CHECKING:
    import openai
    import tenacity

BACKOFF_MAX_SECONDS = 20.0
# Attempts at a server that has never answered and refuses the connection: enough
# for one that is still starting, few enough that a wrong address fails in seconds.
UNREACHED_ATTEMPTS = 3


def retrying(
    retrying_class: type[tenacity.BaseRetrying],
    settings: LLMSettings,
    reached: Callable[[], bool] = lambda: True,
) -> Any:
    """A tenacity `Retrying` (or `AsyncRetrying`) for `settings`' retry policy;
    `reached` says whether the server has ever answered."""
    import tenacity

    limits = tenacity.stop_after_attempt(settings.max_attempts) | tenacity.stop_before_delay(
        settings.max_retry_seconds
    )
    unreached = StopWhenUnreached(reached)

    def stop(state: tenacity.RetryCallState) -> bool:
        return bool(limits(state)) or unreached(state)

    return retrying_class(
        retry=tenacity.retry_if_exception(is_transient),
        stop=stop,
        wait=RetryWait(settings.retry_backoff),
        reraise=True,
    )


def http_error(error: BaseException) -> openai.APIError | None:
    """The HTTP failure an error is, or None for any other failure."""
    import openai

    return error if isinstance(error, openai.APIError) else None


def refused_connection(error: BaseException) -> bool:
    """A connection the server refused, or to a name that does not resolve (no timeout)."""
    # The HTTP library openai sends with, whose errors it wraps.
    import httpx2
    import openai

    failure = http_error(error)
    return isinstance(failure, openai.APIConnectionError) and isinstance(
        failure.__cause__, httpx2.ConnectError
    )


@dataclass(frozen=True)
class StopWhenUnreached:
    """Stops after `UNREACHED_ATTEMPTS` refused connections to a server never `reached`."""

    reached: Callable[[], bool]

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        return (
            error is not None
            and refused_connection(error)
            and not self.reached()
            and state.attempt_number >= UNREACHED_ATTEMPTS
        )


def is_transient(error: BaseException) -> bool:
    """Failures worth retrying: rate limits, server errors, timeouts, lost connections."""
    import openai

    failure = http_error(error)
    if isinstance(failure, openai.APIConnectionError):  # timeouts are a subclass
        return True
    if isinstance(failure, openai.APIStatusError):
        return failure.status_code in (408, 409, 429) or failure.status_code >= 500
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (seconds or an HTTP date, or retry-after-ms), if any."""
    import openai

    failure = http_error(error)
    if not isinstance(failure, openai.APIStatusError):
        return None
    headers = failure.response.headers
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


@dataclass(frozen=True)
class RetryWait:
    """The server's Retry-After when it sends one, else exponential backoff with jitter.

    Retry-After is taken as given, however long: the stop condition compares the
    wait with what is left of `max_retry_seconds` and gives up rather than retry
    early, which a rate-limited server would only refuse again.
    """

    backoff: float

    def __call__(self, state: tenacity.RetryCallState) -> float:
        import tenacity

        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        retry_after = retry_after_seconds(error) if error is not None else None
        if retry_after is not None:
            return max(retry_after, 0.0)
        # Composed rather than wait_exponential_jitter, whose arguments changed in tenacity 9.
        backoff = tenacity.wait_exponential(multiplier=self.backoff, max=BACKOFF_MAX_SECONDS)
        jitter = tenacity.wait_random(0, self.backoff)
        return float((backoff + jitter)(state))
