"""Batch benchmark: throughput against the physical bound, cached reruns, memory, start-up.

Run from the repository root (about six minutes; prints figures, asserts nothing):

    python -m evals.bench_batch                  # everything, medians of 3 runs
    python -m evals.bench_batch --repeats 1      # one run each, quicker
    python -m evals.bench_batch --only memory    # one section (throughput, cached,
                                                 # memory, startup)
    python -m evals.bench_batch --only throughput --reply realistic --concurrency 32

`--reply stub` (the default) answers every request with a one-event extraction of a
synthetic wire story; `--reply realistic` sends the seed articles and answers each
with a reply built from its gold label (several events, real quotes, a brief), the
size of what a model returns, so the client's parsing and validation cost is real.

What it measures, each figure a median over the repeats:

1. Throughput against the loopback server answering after a fixed 0.25 s, at
   concurrency 1, 8, 32 and 64, as a ratio to the bound concurrency / latency
   (no client can beat it). The server runs in a process of its own, as a
   provider would: its CPU is not the client's. Three rows per concurrency:
   `openai`, the real LLM backend (instructor over the openai client) in the
   run's own process; `openai x2`, the same backend in two worker processes
   (`workers=2`); and `http-only`, the same HTTP exchange and validation without
   instructor, which shows what the batch engine itself can do. Each run is
   timed whole (worker start-up included) and from its first record to its
   last (the steady rate, start-up excluded). Concurrency 1 runs 40 articles (at
   4 a second, 500 would take two minutes per run); the others 500.
2. The time per article of a fully cached rerun of 500 articles.
3. Peak memory of a process streaming 1,000 and 10,000 articles (about 3 KB
   each) from a JSON Lines file through the engine and the cache: the high-water
   RSS, and tracemalloc's peak of Python allocations made after start-up.
4. `summarize --help` cold start against `python -c "import pydantic"`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.article import Article
from summarizer.backends.base import Backend, Draft
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache
from summarizer.pipeline import Pipeline
from summarizer.readers import read_article
from summarizer.run import ResultRecord, summarize_many
from summarizer.schema import ExtractedEvent, Extraction, Usage
from summarizer.settings import LLMSettings
from tests.llm_support import LOOPBACK_MODEL, article_block, reply_with, valid_reply
from tests.loopback import LoopbackServer, RecordedRequest, Reply

LATENCY = 0.25
CONCURRENCIES = (1, 8, 32, 64)
ARTICLES = 500
ARTICLES_AT_CONCURRENCY_1 = 40
MEMORY_SIZES = (1_000, 10_000)
STARTUP_RUNS = 9
# About 500 words: a long wire story.
_PARAGRAPH = (
    "Officials said on Tuesday that talks on the ceasefire would resume next week, after "
    "negotiators from both sides met for a third day in the city and agreed on an agenda. "
)


def article_text(number: int) -> str:
    return f"date 2024-03-01 Springfield: Story {number} says " + _PARAGRAPH * 18


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def make_articles(count: int, offset: int = 0) -> list[Article]:
    if REPLY == "realistic":
        seeds = seed_articles()
        return [
            Article.from_text(seeds[(offset + n) % len(seeds)].text, id=f"story-{offset + n}")
            for n in range(count)
        ]
    return [
        Article.from_text(article_text(offset + n), id=f"story-{offset + n}") for n in range(count)
    ]


# "stub" or "realistic" (--reply): what the server answers, and so what the articles are.
REPLY = "stub"
# The concurrencies of the throughput section (--concurrency); empty: all of CONCURRENCIES.
CONCURRENCY: list[int] = []


@functools.cache
def seed_articles() -> list[Article]:
    """The seed articles that have a gold label."""
    labelled = sorted((SEEDS / "labels").glob("*.json"))
    return [read_article(SEEDS / "articles" / f"{path.stem}.txt") for path in labelled]


@functools.cache
def realistic_payloads() -> dict[str, dict[str, Any]]:
    """Each labelled seed article's body -> a reply built from its gold label.

    The label gives the brief and the events; each event's evidence is the one or
    two sentences of the article that name its place or an actor (else the first
    sentence), and the headline is the first event's summary cut to 12 words.
    Each payload is checked against its article as the backend checks a reply.
    """
    payloads = {}
    for article in seed_articles():
        label = json.loads((SEEDS / "labels" / f"{article.id}.json").read_text("utf-8"))
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", article.body) if len(s) > 20]
        events = []
        for event in label["events"]:
            names = [event["location"].get("name"), *event["actors"]]
            quotes = [s for s in sentences if any(n and n in s for n in names)][:2]
            fields = {k: v for k, v in event.items() if k in ExtractedEvent.model_fields}
            events.append({**fields, "evidence": quotes or sentences[:1]})
        headline = " ".join(re.sub(r"\d", "", label["events"][0]["summary"]).split()[:12])
        payload = {"headline": headline, "brief": label["brief"], "events": events}
        Extraction.model_validate(payload, context=dict(article.validation_context()))
        payloads[article.body] = payload
    return payloads


def realistic_reply(request: RecordedRequest) -> Reply:
    """The gold-label reply for the seed article the request carries (a responder)."""
    return reply_with(request, realistic_payloads()[article_block(request)])


class HttpOnlyBackend:
    """The LLM backend's HTTP exchange and validation, without instructor's per-call work."""

    name = "http-only"
    model: str | None = LOOPBACK_MODEL
    prompt_version = "bench"

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._client: Any = None

    @property
    def settings(self) -> dict[str, Any]:
        return {"base_url": self._base_url}

    def extract(self, article: Article) -> Draft:
        raise NotImplementedError("the benchmark runs the asynchronous path only")

    async def aextract(self, article: Article) -> Draft:
        import openai

        if self._client is None:
            # An explicit HTTP client is left to the collector when the run's loop is
            # gone; openai's default one would try to close itself on a closed loop.
            self._client = openai.AsyncOpenAI(
                base_url=self._base_url,
                api_key="bench",
                max_retries=0,
                http_client=openai.DefaultAsyncHttpxClient(),
            )
        completion = await self._client.chat.completions.create(
            model=LOOPBACK_MODEL,
            messages=[
                {"role": "user", "content": f"<article-bench>\n{article.body}\n</article-bench>"}
            ],
            response_format={"type": "json_object"},
        )
        extraction = Extraction.model_validate_json(
            completion.choices[0].message.content, context=dict(article.validation_context())
        )
        usage = completion.usage
        return Draft(extraction, Usage(prompt_tokens=usage.prompt_tokens, completion_tokens=0))


def llm_backend(url: str) -> Backend:
    return LLMBackend(LLMSettings(base_url=url, api_key="bench", model=LOOPBACK_MODEL))


@dataclass(frozen=True)
class Contender:
    """A backend, and how many worker processes it runs in."""

    make: Callable[[str], Backend]
    workers: int = 1


CONTENDERS: dict[str, Contender] = {
    "openai": Contender(llm_backend),
    "openai x2": Contender(llm_backend, workers=2),
    "http-only": Contender(HttpOnlyBackend),
}


@dataclass(frozen=True)
class Throughput:
    """Medians over the repeats: whole run, and first record to last."""

    articles: int
    per_second: float
    steady_per_second: float
    cpu_ms: float  # per article, this process and its worker processes


@contextlib.contextmanager
def separate_server(latency: float) -> Iterator[str]:
    """The loopback server in a process of its own; yields its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "evals.bench_batch", "--serve", str(latency), "--reply", REPLY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        assert server.stdin is not None
        server.stdin.close()  # the server's signal to stop
        server.wait(timeout=30)


def serve(latency: float) -> None:
    """In the server's process: answer validly after `latency` until stdin closes."""
    with LoopbackServer(latency=latency) as server:
        server.respond_with(realistic_reply if REPLY == "realistic" else valid_reply)
        print(server.base_url, flush=True)
        sys.stdin.read()


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (worker processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def throughput(name: str, concurrency: int, repeats: int, url: str) -> Throughput:
    contender = CONTENDERS[name]
    count = ARTICLES_AT_CONCURRENCY_1 if concurrency == 1 else ARTICLES
    # Imports and first-call set-up, outside the timings.
    list(summarize_many(make_articles(2, 10**6), Pipeline(contender.make(url))))
    rates, steady_rates, cpu = [], [], []
    for _ in range(repeats):
        articles = make_articles(count)
        run = summarize_many(
            articles,
            Pipeline(contender.make(url)),
            concurrency=concurrency,
            workers=contender.workers,
        )
        started, cpu_started = time.perf_counter(), cpu_seconds()
        finished = []
        for record in run:
            assert isinstance(record, ResultRecord), record
            finished.append(time.perf_counter())
        rates.append(count / (finished[-1] - started))
        steady_rates.append((count - 1) / (finished[-1] - finished[0]))
        cpu.append((cpu_seconds() - cpu_started) / count * 1000)
    return Throughput(
        count, statistics.median(rates), statistics.median(steady_rates), statistics.median(cpu)
    )


def cached_rerun(repeats: int) -> float:
    """Median milliseconds per article when the cache answers all 500."""
    times = []
    with tempfile.TemporaryDirectory() as folder, LoopbackServer() as server:
        server.respond_with(valid_reply)
        articles = make_articles(ARTICLES)
        with ResultCache(folder) as cache:
            backend = HttpOnlyBackend(server.base_url)
            list(summarize_many(articles, Pipeline(backend, cache), concurrency=64))
            for _ in range(repeats + 1):  # the first pass warms the OS page cache
                started = time.perf_counter()
                records = list(
                    summarize_many(articles, Pipeline(HttpOnlyBackend(server.base_url), cache))
                )
                times.append((time.perf_counter() - started) / len(articles) * 1000)
                assert all(isinstance(r, ResultRecord) and r.cached for r in records)
    return statistics.median(times[1:])


class CannedBackend:
    """Answers at once with a valid extraction: isolates what streaming itself keeps."""

    name = "canned"
    model: str | None = None
    prompt_version = "bench"

    @property
    def settings(self) -> dict[str, Any]:
        return {}

    def extract(self, article: Article) -> Draft:
        quote = " ".join(article.body.split()[:6])
        extraction = Extraction.model_validate(
            {
                "headline": "Talks resume",
                "brief": "Negotiators met again.",
                "events": [{"event_type": "political", "summary": "Talks.", "evidence": [quote]}],
            }
        )
        return Draft(extraction, Usage())

    async def aextract(self, article: Article) -> Draft:
        await asyncio.sleep(0)
        return self.extract(article)


def memory_child(feed: str, cache_dir: str, mode: str) -> None:
    """In a fresh process: stream `feed` through the engine (and the cache); print a peak.

    `mode` "rss": the RSS before the run and its high-water mark; "rss-no-cache":
    the same without the cache; "traced": the peak of Python allocations during
    the run (tracemalloc's own bookkeeping inflates RSS, hence separate processes).
    """
    import resource
    import tracemalloc

    from summarizer.readers import iter_inputs

    def rss() -> int:
        """This process's high-water RSS in bytes."""
        # Linux keeps ru_maxrss across exec, so a child started by a big parent would
        # report the parent's peak; VmHWM belongs to this program's memory alone.
        with contextlib.suppress(OSError):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    before = rss()
    if mode == "traced":
        tracemalloc.start()
    with ResultCache(cache_dir) as cache:
        inputs = iter_inputs([feed], sys.stdin.buffer)
        chosen = False if mode == "rss-no-cache" else cache
        records = summarize_many(inputs, Pipeline(CannedBackend(), chosen), concurrency=32)
        written = sum(1 for _ in records)
    peak = tracemalloc.get_traced_memory()[1] if mode == "traced" else rss()
    print(json.dumps({"written": written, "before": before, "peak": peak}))


def peak_memory(count: int) -> dict[str, float]:
    """RSS after start-up; the high-water RSS with and without the cache; the traced peak."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        feed = Path(folder) / "feed.jsonl"
        with feed.open("w", encoding="utf-8") as stream:
            for number in range(count):
                record = {"id": f"story-{number}", "text": article_text(number)}
                stream.write(json.dumps(record) + "\n")
        for mode in ("rss", "rss-no-cache", "traced"):
            finished = subprocess.run(
                [
                    *(sys.executable, "-m", "evals.bench_batch", "--memory-child"),
                    *(str(feed), str(Path(folder) / f"cache-{mode}"), mode),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            child = json.loads(finished.stdout)
            assert child["written"] == count, child
            figures["rss_before"] = child["before"]
            figures[mode] = child["peak"]
    return figures


def startup(command: list[str]) -> float:
    times = []
    for _ in range(STARTUP_RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def print_throughput(repeats: int) -> None:
    print(f"Throughput, loopback latency {LATENCY} s, {REPLY} replies (median of {repeats}):")
    print(
        f"  {'backend':<10} {'conc.':>5} {'articles':>8} {'per s':>7} {'bound':>6} "
        f"{'ratio':>6} {'steady':>7} {'CPU ms/article':>15}"
    )
    with separate_server(LATENCY) as url:
        for concurrency in CONCURRENCY or CONCURRENCIES:
            bound = concurrency / LATENCY
            for name in CONTENDERS:
                figures = throughput(name, concurrency, repeats, url)
                print(
                    f"  {name:<10} {concurrency:>5} {figures.articles:>8} "
                    f"{figures.per_second:>7.1f} {bound:>6.0f} "
                    f"{figures.per_second / bound:>6.2f} "
                    f"{figures.steady_per_second / bound:>7.2f} {figures.cpu_ms:>15.1f}",
                    flush=True,
                )


def print_cached(repeats: int) -> None:
    per_article = cached_rerun(max(repeats, 3))
    print(f"Fully cached rerun of {ARTICLES} articles: {per_article:.3f} ms per article")


def print_memory(repeats: int) -> None:
    print("Peak memory streaming a JSON Lines file (about 3 KB an article):")
    for count in MEMORY_SIZES:
        figures = peak_memory(count)
        print(
            f"  {count:>6} articles: RSS {figures['rss_before'] / 2**20:.1f} MiB after start-up; "
            f"high-water {figures['rss-no-cache'] / 2**20:.1f} MiB without the cache, "
            f"{figures['rss'] / 2**20:.1f} MiB with it; "
            f"tracemalloc peak {figures['traced'] / 2**20:.1f} MiB",
            flush=True,
        )


def print_startup(repeats: int) -> None:
    summarize = str(Path(sys.executable).with_name("summarize"))
    help_time = startup([summarize, "--help"])
    pydantic_time = startup([sys.executable, "-c", "import pydantic"])
    print(
        f"Cold start (median of {STARTUP_RUNS}): summarize --help {help_time * 1000:.0f} ms, "
        f'python -c "import pydantic" {pydantic_time * 1000:.0f} ms, '
        f"ratio {help_time / pydantic_time:.2f}"
    )


SECTIONS: dict[str, Callable[[int], None]] = {
    "throughput": print_throughput,
    "cached": print_cached,
    "memory": print_memory,
    "startup": print_startup,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--only", choices=SECTIONS, action="append", help="run this section (repeatable)"
    )
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reply", choices=("stub", "realistic"), default="stub", help="what the server answers"
    )
    parser.add_argument(
        "--concurrency", type=int, action="append", help="throughput at this concurrency only"
    )
    args = parser.parse_args()
    global REPLY
    REPLY = args.reply
    CONCURRENCY[:] = args.concurrency or []
    if args.serve is not None:
        serve(args.serve)
        return
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    for name in args.only or SECTIONS:
        SECTIONS[name](args.repeats)
        print()


if __name__ == "__main__":
    os.environ.setdefault("SUMMARIZER_HOME", tempfile.mkdtemp(prefix="bench-batch-"))
    main()
