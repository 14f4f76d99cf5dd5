"""Benchmark: articles per second of the offline extractor on one core, with no cache.

    python evals/bench_offline.py                 # 500 articles, 5 rounds
    python evals/bench_offline.py -n 1000 -r 7 --words 500

Articles of about --words words are built from the seed articles: each takes one
seed's dateline header, then paragraphs of that seed and the following ones in a
shuffled order, until it is long enough. Each round times two things on the same
articles: the extractor alone (`OfflineBackend.extract`), and the whole pipeline
of `summarize --backend offline --no-cache` (extraction, then validation of the
result against the article). The script prints each round's rates, the medians and
their ratio to the target.

With --workers N it times instead the batch engine (`summarize --backend offline
--no-cache --workers N`) on all the machine's cores: the whole run, worker
start-up included, and from its first record to its last.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from summarizer.article import Article
from summarizer.backends.offline import OfflineBackend
from summarizer.pipeline import Pipeline
from summarizer.run import summarize_many

TARGET_PER_SECOND = 200.0
SEED_ARTICLES = Path(__file__).resolve().parent.parent / "seeds" / "articles"
_HEADER = re.compile(r"\A\s*(date\s+\S+\s+[^:\n]+:)\s*")


def build_articles(count: int, words: int, seed: int = 7) -> list[Article]:
    """`count` articles of at least `words` words, mixed from the seed articles."""
    sources = sorted(SEED_ARTICLES.glob("*.txt"))
    if not sources:
        sys.exit(f"no seed articles in {SEED_ARTICLES}")
    texts = [path.read_text(encoding="utf-8") for path in sources]
    paragraphs = [
        [part.strip() for part in _HEADER.sub("", text).split("\n\n") if part.strip()]
        for text in texts
    ]
    shuffler = random.Random(seed)
    articles = []
    for number in range(count):
        first = number % len(texts)
        header = _HEADER.match(texts[first])
        body: list[str] = []
        source = first
        length = 0
        while length < words:
            pool = list(paragraphs[source % len(texts)])
            shuffler.shuffle(pool)
            for part in pool[:3]:
                if length >= words:
                    break
                body.append(part)
                length += len(part.split())
            source += 1
        text = (header.group(1) + " " if header else "") + "\n\n".join(body)
        articles.append(Article.from_text(text, id=f"bench-{number}"))
    return articles


def run_round(work: Callable[[Article], object], articles: list[Article]) -> float:
    """Articles per second over one pass."""
    start = time.perf_counter()
    for article in articles:
        work(article)
    return len(articles) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=500)
    parser.add_argument("-r", "--rounds", type=int, default=5)
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--workers", type=int, help="time the batch engine with N workers")
    options = parser.parse_args()
    if options.workers:
        time_workers(options)
        return

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    articles = build_articles(options.articles, options.words)
    mean_words = statistics.fmean(len(article.body.split()) for article in articles)
    backend = OfflineBackend()
    pipeline = Pipeline(backend, cache=None)
    pipeline.run(articles[0])  # load the gazetteer and lexicons outside the timing

    rates: dict[str, list[float]] = {"extractor": [], "pipeline": []}
    for number in range(1, options.rounds + 1):
        rates["extractor"].append(run_round(backend.extract, articles))
        rates["pipeline"].append(run_round(pipeline.run, articles))
        print(
            f"round {number}: extractor {rates['extractor'][-1]:7.1f} articles/s, "
            f"pipeline {rates['pipeline'][-1]:7.1f} articles/s"
        )
    print(
        f"{len(articles)} articles of {mean_words:.0f} words on average, "
        f"{options.rounds} rounds, one core, no cache"
    )
    for name, measured in rates.items():
        median = statistics.median(measured)
        print(
            f"median {name}: {median:.1f} articles/s ({median / TARGET_PER_SECOND:.2f}x the "
            f"{TARGET_PER_SECOND:.0f}/s target, {1000 / median:.2f} ms per article)"
        )


def time_workers(options: argparse.Namespace) -> None:
    articles = build_articles(options.articles, options.words)
    backend = OfflineBackend()
    whole, steady = [], []
    for number in range(1, options.rounds + 1):
        run = summarize_many(articles, Pipeline(backend), workers=options.workers)
        started = time.perf_counter()
        finished = [time.perf_counter() for _ in run]
        whole.append(len(articles) / (finished[-1] - started))
        steady.append((len(articles) - 1) / (finished[-1] - finished[0]))
        print(f"round {number}: {whole[-1]:7.1f} articles/s, {steady[-1]:7.1f} after start-up")
    median, median_steady = statistics.median(whole), statistics.median(steady)
    print(
        f"{len(articles)} articles, {options.workers} workers, {os.cpu_count()} cores: "
        f"median {median:.1f} articles/s ({median / TARGET_PER_SECOND:.2f}x the "
        f"{TARGET_PER_SECOND:.0f}/s target), {median_steady:.1f} after start-up"
    )


if __name__ == "__main__":
    main()
