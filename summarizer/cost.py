"""What tokens cost in US dollars, and a spending limit for a run.

Prices come from `genai-prices`, a pinned dependency that ships its price
table inside the package: looking a price up never touches the network. A model
it does not know has no price (`prices_for` returns None), and every cost
computed without a price is None, never a guess. `Prices.override` replaces
the looked-up figures with the caller's own.

Cost is not stored in results: a result (and the cache entry behind it) keeps
the tokens it took (`usage`), and the cost is worked out from those tokens and
today's prices wherever it is shown.

>>> prices = prices_for("gpt-4o-mini", None)
>>> cost_usd(Usage(prompt_tokens=1_000, completion_tokens=200), prices)
0.00027
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import metadata
from urllib.parse import urlsplit

from summarizer.article import Article
from summarizer.errors import BudgetExceeded
from summarizer.schema import Usage
from summarizer.tokens import rough_usage

# Where the openai client sends requests when no base URL is given.
OPENAI_API_URL = "https://api.openai.com/v1"
# Prices are looked up for a request of this many tokens each way, then scaled to a
# million: tiered prices switch at hundreds of thousands of tokens, far above an article.
_PROBE_TOKENS = 1_000
_BATCH_CONTEXT = {"processing": "batch"}


@dataclass(frozen=True)
class Prices:
    """US dollars per million tokens, for requests answered at once and by a batch job.

    `batch_input` / `batch_output` are None when no batch discount is known: a batch
    reply then costs what a realtime one does. `source` says where the figures come from.
    """

    input: float
    output: float
    batch_input: float | None = None
    batch_output: float | None = None
    source: str = "given"

    def override(self, *, input: float | None, output: float | None) -> Prices:
        """These prices with the caller's figures in place of the looked-up ones.

        A known batch discount is kept, as the same fraction of the new price.
        """
        new_input = self.input if input is None else input
        new_output = self.output if output is None else output
        return Prices(
            input=new_input,
            output=new_output,
            batch_input=_scaled(self.batch_input, self.input, new_input),
            batch_output=_scaled(self.batch_output, self.output, new_output),
            source=self._source_with(input, output),
        )

    def _source_with(self, input: float | None, output: float | None) -> str:
        if input is not None and output is not None:
            return "given"
        if input is not None or output is not None:
            return f"{self.source}, {'input' if input is not None else 'output'} price given"
        return self.source

    def describe(self) -> str:
        """`$0.15 in / $0.60 out per million tokens (batch $0.075 / $0.30), source`."""
        text = f"${self.input:g} in / ${self.output:g} out per million tokens"
        if self.batch_input is not None or self.batch_output is not None:
            batch_in = self.input if self.batch_input is None else self.batch_input
            batch_out = self.output if self.batch_output is None else self.batch_output
            text += f" (batch ${batch_in:g} / ${batch_out:g})"
        return f"{text}, {self.source}"


def _scaled(batch_price: float | None, old_price: float, new_price: float) -> float | None:
    if batch_price is None:
        return None
    if old_price == 0:
        return new_price
    return new_price * batch_price / old_price


def cost_usd(usage: Usage, prices: Prices | None, *, batch: bool = False) -> float | None:
    """What `usage` cost: at batch prices for a batch reply; None without prices."""
    if prices is None:
        return None
    input_price, output_price = prices.input, prices.output
    if batch:
        input_price = prices.batch_input if prices.batch_input is not None else input_price
        output_price = prices.batch_output if prices.batch_output is not None else output_price
    return (usage.prompt_tokens * input_price + usage.completion_tokens * output_price) / 1e6


def prices_for(model: str, base_url: str | None) -> Prices | None:
    """genai-prices' figures for `model` behind `base_url` (None: OpenAI's API), or None.

    The provider comes from the base URL when it is a provider's API that
    genai-prices knows (OpenAI, OpenRouter, Groq, ...): only that provider's price
    for the model counts. For a local server, or a host it does not know, the
    model name alone decides (a proxy serving `gpt-4o-mini` costs OpenAI's price);
    a model it does not know then has no price.
    """
    import genai_prices
    from genai_prices import data_snapshot

    url = base_url or OPENAI_API_URL
    provider_url: str | None = None
    if not _is_local(url):
        try:
            data_snapshot.get_snapshot().find_provider(None, None, url)
            provider_url = url
        except LookupError:
            pass  # a host genai-prices does not know: the model decides
    now = dt.datetime.now(dt.timezone.utc)
    probe = genai_prices.Usage(input_tokens=_PROBE_TOKENS, output_tokens=_PROBE_TOKENS)
    try:
        standard = genai_prices.calc_price(
            probe, model, provider_api_url=provider_url, genai_request_timestamp=now
        )
        batch = genai_prices.calc_price(
            probe,
            model,
            provider_api_url=provider_url,
            genai_request_timestamp=now,
            price_context=_BATCH_CONTEXT,
        )
    except LookupError:
        return None
    scale = Decimal(1_000_000 // _PROBE_TOKENS)
    discounted = batch.total_price < standard.total_price
    version = metadata.version("genai-prices")
    return Prices(
        input=float(standard.input_price * scale),
        output=float(standard.output_price * scale),
        batch_input=float(batch.input_price * scale) if discounted else None,
        batch_output=float(batch.output_price * scale) if discounted else None,
        source=f"genai-prices {version}: {standard.provider.id} {standard.model.id}",
    )


def context_window(model: str, base_url: str | None) -> int | None:
    """The tokens `model` reads at once (prompt and reply), as genai-prices records
    it; None for a model it does not know (a local server's), or has no figure for.

    The provider is chosen as in `prices_for`: the base URL's when genai-prices knows
    it, else the model name alone decides.
    """
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    url = base_url or OPENAI_API_URL
    provider_url: str | None = None
    if not _is_local(url):
        try:
            snapshot.find_provider(None, None, url)
            provider_url = url
        except LookupError:
            pass
    try:
        _, found = snapshot.find_provider_model(model, None, None, provider_url)
    except LookupError:
        return None
    window = getattr(found, "context_window", None)  # not in every genai-prices release
    return window if isinstance(window, int) and window > 0 else None


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class Reservation:
    """What `Budget.reserve` set aside for one article, to settle once it is done."""

    article_id: str
    estimate: float


class Budget:
    """A run's spending limit: an article starts only if its estimate fits in what is left.

    Before an article is sent, `reserve` sets aside its estimated cost (a rough
    token count at these prices) or, when spent plus in flight plus that estimate
    would pass the limit, raises BudgetExceeded. `settle` replaces the estimate
    with what the article really cost, failed attempts and re-asks included. A
    reply can cost more than its estimate, so the total can pass the limit by
    the difference, never by a whole article more. Safe from any thread.
    """

    def __init__(self, limit_usd: float, prices: Prices) -> None:
        if limit_usd < 0:
            raise ValueError(f"the cost limit must not be negative, got {limit_usd}")
        self.limit_usd = limit_usd
        self.prices = prices
        self._spent = 0.0
        self._in_flight = 0.0
        self._refused = 0
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        return self._spent

    @property
    def in_flight_usd(self) -> float:
        return self._in_flight

    @property
    def exhausted(self) -> bool:
        """Whether an article has been refused: the limit is reached for this run."""
        return self._refused > 0

    @property
    def refused(self) -> int:
        return self._refused

    def estimate_usd(self, article: Article) -> float:
        estimate = cost_usd(rough_usage(article), self.prices)
        assert estimate is not None  # a budget always has prices
        return estimate

    def reserve(self, article: Article) -> Reservation:
        """Set aside `article`'s estimated cost, or raise BudgetExceeded if it does not fit."""
        estimate = self.estimate_usd(article)
        with self._lock:
            if self._spent + self._in_flight + estimate > self.limit_usd:
                self._refused += 1
                raise BudgetExceeded(
                    f"{article.id}: not started: the cost limit of ${self.limit_usd:g} is "
                    f"reached (${self._spent:.4f} spent, ${self._in_flight:.4f} in flight, "
                    f"about ${estimate:.4f} more for this article)"
                )
            self._in_flight += estimate
        return Reservation(article.id, estimate)

    def settle(self, reservation: Reservation, usage: Usage) -> None:
        """Replace a reservation by what the article cost (zero usage: it sent nothing paid)."""
        spent = cost_usd(usage, self.prices) or 0.0
        with self._lock:
            self._in_flight -= reservation.estimate
            self._spent += spent


@dataclass(frozen=True)
class TokenTotals:
    """Tokens a run spent, and the tokens of the results the cache answered (spent earlier)."""

    spent: Usage = field(default_factory=Usage)
    cached: Usage = field(default_factory=Usage)

    def add(self, usage: Usage, *, cached: bool) -> TokenTotals:
        if cached:
            return replace(self, cached=self.cached + usage)
        return replace(self, spent=self.spent + usage)
