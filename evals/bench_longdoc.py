"""Benchmark: one 20,000-word document read in chunks against the loopback server.

Run from the repository root (a few seconds; prints figures, asserts nothing):

    python -m evals.bench_longdoc                      # default settings
    python -m evals.bench_longdoc --latency 0.25 --model gpt-4o-mini

The document is the project's long labelled one (evals/longdoc) repeated to
20,000 words, each copy under its own section heading. The server answers
every chunk after `--latency` seconds with a one-event extraction quoting the
chunk's first words (`tests.llm_support.valid_reply`). Settings are the
defaults: the chunk budget is the backend's own (from the model's context
window when genai-prices knows the model, else 6,000 tokens), chunks run four
at a time. Printed: the chunks, the requests, the prompt tokens the requests
carry (counted as `summarize estimate` counts them), the wall time of the run
and of a rerun answered by the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache
from summarizer.estimate import estimate_run
from summarizer.pipeline import CHUNK_CONCURRENCY, Pipeline
from summarizer.settings import LLMSettings
from tests.llm_support import LOOPBACK_MODEL, valid_reply
from tests.loopback import LoopbackServer

SOURCE = Path(__file__).parent / "longdoc" / "articles" / "east-africa-weekly-security-review.txt"
WORDS = 20_000


def long_document(words: int = WORDS) -> Article:
    """The labelled long document's body, repeated under numbered parts to `words` words."""
    body = Article.from_text(SOURCE.read_text(encoding="utf-8")).body
    parts, total = [], 0
    while total < words:
        parts.append(f"PART {len(parts) + 1}\n\n{body}")
        total += len(parts[-1].split())
    return Article.from_text("date 2024-03-16 Nairobi: " + "\n\n".join(parts), id="bench-longdoc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.25, help="seconds a reply takes")
    parser.add_argument("--model", default=LOOPBACK_MODEL, help="model name sent and counted")
    parser.add_argument("--words", type=int, default=WORDS)
    args = parser.parse_args()
    document = long_document(args.words)
    with LoopbackServer(latency=args.latency, model=args.model) as server:
        server.respond_with(valid_reply)
        settings = LLMSettings(model=args.model, base_url=server.base_url, api_key="no-key")
        with tempfile.TemporaryDirectory() as folder:
            pipeline = Pipeline(LLMBackend(settings), ResultCache(Path(folder)), owns_cache=True)
            with pipeline:
                figures = estimate_run([document], pipeline)
                started = time.perf_counter()
                outcome = asyncio.run(pipeline.arun(document))  # as `summarize` runs it
                first = time.perf_counter() - started
                started = time.perf_counter()
                rerun = asyncio.run(pipeline.arun(document))
                cached = time.perf_counter() - started
                chunks = len(pipeline.plan(document))
                budget = pipeline.chunk_tokens
        requests = len([r for r in server.requests if r.path.endswith("/chat/completions")])
    print(
        f"document        {len(document.body.split()):,} words, {len(document.text):,} characters"
    )
    print(f"chunk budget    {budget:,} tokens ({figures.counting})")
    print(f"chunks          {chunks}")
    print(f"requests        {requests}")
    print(f"prompt tokens   {figures.input_tokens:,} sent over the chunks")
    print(f"events          {len(outcome.summary.events)} after merging")
    print(
        f"time            {first:.2f} s at {args.latency:g} s a reply "
        f"({CHUNK_CONCURRENCY} chunks at a time)"
    )
    print(f"cached rerun    {cached * 1000:.0f} ms (cached: {rerun.cached})")


if __name__ == "__main__":
    main()
