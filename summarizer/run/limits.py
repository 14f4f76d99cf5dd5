"""Rate limits: an asynchronous token bucket, the request and token budgets of a run,
and the backend wrapper that spends them.

A provider's quota is "N requests and M tokens per minute". A run that stays
under it never sees the 429s that would otherwise cost retries and backoff, so
the realtime engine wraps its backend in `RateLimitedBackend`, which waits here
before every article it sends; `BudgetedBackend` does the same for a cost limit
(`--max-cost`). The wrappers sit behind the cache: a cached answer never reaches
them and spends neither quota nor budget.

>>> import asyncio
>>> limits = RateLimits(rpm=500, tpm=200_000)
>>> article = Article.from_text("date 2017-05-25 Baghdad: Troops advanced on Thursday.")
>>> ticket = asyncio.run(limits.acquire(article))  # waits while either budget is spent
>>> ticket
Ticket(requests=1, tokens=1727)
>>> limits.settle(ticket, requests=2, tokens=3_100)  # what the call really cost
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.article import Article
from summarizer.backends.base import Backend, BackendWrapper, Draft
from summarizer.errors import BackendError, ConfigurationError
from summarizer.schema import Usage
from summarizer.tokens import rough_usage

if TYPE_CHECKING:
    from summarizer.cost import Budget


def estimate_tokens(article: Article) -> int:
    """The tokens one request for `article` is expected to spend, before it is sent.

    Only a first guess (`rough_usage`): `settle` corrects it from the usage the
    provider reports.
    """
    usage = rough_usage(article)
    return usage.prompt_tokens + usage.completion_tokens


class TokenBucket:
    """Spends `rate` units per second at most, with bursts of up to one second's worth.

    A burst of one second (not one minute) keeps a run inside providers that
    enforce a per-minute quota over shorter windows. A cost larger than the
    bucket waits for a full bucket and leaves the rest as debt, which later
    callers wait off: the long-run rate is `rate` whatever the costs.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ConfigurationError(f"a rate limit must be positive, got {rate}")
        self.rate = rate
        self.capacity = rate
        self._clock = clock
        self._sleep = sleep
        self._level = self.capacity
        self._updated = clock()
        # Waiters queue on the lock, so they are served first come, first served.
        self._lock = asyncio.Lock()

    @property
    def level(self) -> float:
        """Units available now; negative while a charge larger than a burst is repaid."""
        now = self._clock()
        self._level = min(self.capacity, self._level + (now - self._updated) * self.rate)
        self._updated = now
        return self._level

    async def take(self, cost: float) -> None:
        """Wait until `cost` units (or a full bucket, for a larger cost) are free; spend them."""
        async with self._lock:
            needed = min(cost, self.capacity)
            while (missing := needed - self.level) > 0:
                await self._sleep(missing / self.rate)
            self._level -= cost

    def charge(self, cost: float) -> None:
        """Spend without waiting (negative refunds): corrects an estimate after the fact."""
        self._level = min(self.capacity, self.level - cost)


@dataclass(frozen=True)
class Ticket:
    """What `RateLimits.acquire` spent up front, to be settled against the real cost."""

    requests: int
    tokens: int


class RateLimits:
    """Requests-per-minute and tokens-per-minute budgets; either may be None (no limit)."""

    def __init__(
        self,
        *,
        rpm: float | None = None,
        tpm: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests = TokenBucket(rpm / 60, clock=clock, sleep=sleep) if rpm else None
        self.tokens = TokenBucket(tpm / 60, clock=clock, sleep=sleep) if tpm else None

    async def acquire(self, article: Article) -> Ticket:
        """Wait for one request and the estimated tokens of `article`."""
        ticket = Ticket(requests=1, tokens=estimate_tokens(article))
        if self.requests is not None:
            await self.requests.take(ticket.requests)
        if self.tokens is not None:
            await self.tokens.take(ticket.tokens)
        return ticket

    def settle(self, ticket: Ticket, *, requests: int, tokens: int | None) -> None:
        """Charge the difference between the real cost and the ticket.

        `requests` counts re-asks and retries, each of which the provider counts;
        `tokens` is the usage it reported, or None when it reported none (a
        failed call), in which case the estimate stands for each request made.
        """
        if self.requests is not None:
            self.requests.charge(requests - ticket.requests)
        if self.tokens is not None:
            spent = tokens if tokens is not None else ticket.tokens * max(requests, 1)
            self.tokens.charge(spent - ticket.tokens)


class RateLimitedBackend(BackendWrapper):
    """`backend`, waiting for `limits` before each asynchronous extraction."""

    def __init__(self, backend: Backend, limits: RateLimits) -> None:
        super().__init__(backend)
        self.limits = limits

    async def aextract(self, article: Article) -> Draft:
        ticket = await self.limits.acquire(article)
        requests, tokens = 1, None
        try:
            draft = await self.backend.aextract(article)
            requests = draft.attempts
            tokens = (draft.usage.prompt_tokens + draft.usage.completion_tokens) or None
            return draft
        except BackendError as error:
            requests = error.attempts
            raise
        finally:
            self.limits.settle(ticket, requests=requests, tokens=tokens)


class BudgetedBackend(BackendWrapper):
    """`backend`, started for an article only while `budget` has room for its estimate.

    An article that does not fit raises BudgetExceeded, which becomes its record;
    one that runs is charged what it really cost, failed attempts and re-asks included.
    """

    def __init__(self, backend: Backend, budget: Budget) -> None:
        super().__init__(backend)
        self.budget = budget

    async def aextract(self, article: Article) -> Draft:
        reservation = self.budget.reserve(article)
        usage = Usage()
        try:
            draft = await self.backend.aextract(article)
            usage = draft.usage
            return draft
        except BackendError as error:
            usage = error.usage
            raise
        finally:  # cancelled while waiting: the reservation is released, nothing charged
            self.budget.settle(reservation, usage)
