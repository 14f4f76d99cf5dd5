"""What a run would send and cost, worked out without sending anything.

>>> from summarizer import open_pipeline
>>> from summarizer.readers import iter_inputs
>>> from summarizer.cost import prices_for
>>> prices = prices_for("gpt-4o-mini", None)
>>> with open_pipeline(model="gpt-4o-mini", api_key="no-key", cache=False) as pipeline:
...     figures = estimate_run(iter_inputs(["seeds/articles"], None), pipeline, prices=prices)
>>> figures.requests, figures.batch_usd < figures.realtime_usd
(20, True)

An article the cache already answers sends nothing and is left out; so is an
input that is not an article, or whose id an earlier input has (the run would
not send those either). Each other article is one request, and a document
longer than the pipeline's chunk budget one request a chunk (a cached chunk
none): re-asks of invalid replies and retries of failed ones would add more,
which no estimate can know.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.cost import Prices, cost_usd
from summarizer.errors import ConfigurationError
from summarizer.pipeline import Pipeline
from summarizer.readers import UnreadableInput
from summarizer.schema import Usage
from summarizer.tokens import EXPECTED_OUTPUT_TOKENS, request_tokens, token_counter


@dataclasses.dataclass(frozen=True)
class RunEstimate:
    """The requests a run would send, their tokens, and their cost now and by a batch job."""

    model: str
    mode: str
    read: int
    cached: int
    skipped: tuple[str, ...]  # one line per input that is no article, or a repeated id
    requests: int
    # Documents read in chunks (each chunk a request of its own).
    chunked: int
    input_tokens: int
    output_tokens: int
    output_tokens_per_article: int
    counting: str
    prices: Prices | None = None

    @property
    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.input_tokens, completion_tokens=self.output_tokens)

    @property
    def realtime_usd(self) -> float | None:
        return cost_usd(self.usage, self.prices)

    @property
    def batch_usd(self) -> float | None:
        return cost_usd(self.usage, self.prices, batch=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "mode": self.mode,
            "inputs_read": self.read,
            "cached": self.cached,
            "skipped": len(self.skipped),
            "requests": self.requests,
            "chunked_documents": self.chunked,
            "input_tokens": self.input_tokens,
            "input_tokens_counting": self.counting,
            "output_tokens": self.output_tokens,
            "output_tokens_per_article": self.output_tokens_per_article,
            "cost_usd": {"realtime": self.realtime_usd, "batch": self.batch_usd},
            "prices_usd_per_million_tokens": (
                None if self.prices is None else dataclasses.asdict(self.prices)
            ),
        }


def estimate_run(
    items: Iterable[Article | UnreadableInput],
    pipeline: Pipeline,
    *,
    prices: Prices | None = None,
    output_tokens_per_article: int = EXPECTED_OUTPUT_TOKENS,
) -> RunEstimate:
    """Count what a run of `items` through `pipeline` (an LLM backend) would send.

    Input tokens are counted with the model's tokenizer when one is installed
    (the `tokens` extra), else approximated; `counting` says which. Output
    tokens are `output_tokens_per_article` for each request.
    """
    backend = pipeline.backend
    if not isinstance(backend, LLMBackend):
        raise ConfigurationError(
            f"an estimate is for an LLM backend; the {backend.name} backend spends no tokens"
        )
    counter = token_counter(backend.config.model)
    read = cached = requests = chunked = input_tokens = 0
    skipped: list[str] = []
    seen: set[str] = set()
    for item in items:
        read += 1
        if item.id in seen:
            skipped.append(f"{item.id}: a repeated id, which a run would not summarize")
            continue
        seen.add(item.id)
        if isinstance(item, UnreadableInput):
            skipped.append(f"{item.id}: {item.error}")
        elif pipeline.lookup(item) is not None:
            cached += 1
        else:
            chunks = pipeline.plan(item)
            chunked += len(chunks) > 1
            for chunk in chunks:
                if len(chunks) == 1 or pipeline.lookup(chunk.article) is None:
                    requests += 1
                    input_tokens += request_tokens(chunk.article, backend, counter)
    return RunEstimate(
        model=backend.config.model,
        mode=backend.config.mode.value,
        read=read,
        cached=cached,
        skipped=tuple(skipped),
        requests=requests,
        chunked=chunked,
        input_tokens=input_tokens,
        output_tokens=requests * output_tokens_per_article,
        output_tokens_per_article=output_tokens_per_article,
        counting=counter.method,
        prices=prices,
    )
