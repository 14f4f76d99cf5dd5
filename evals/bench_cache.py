"""Benchmark: the time of cached `summarize()` calls as the cache grows.

    python -m evals.bench_cache                 # 10,000 and 100,000 entries, 5 rounds
    python evals/bench_cache.py --sizes 10000 -r 7

Each call of `summarize(text, backend="offline", cache_dir=...)` opens the cache,
looks the article up and closes it again, as a script calling the library once
per article does. For each size the script fills a fresh cache folder with that
many entries of realistic size (offline results of the seed articles' opening
paragraphs, 1 to 2 KB of JSON each, so 10,000 entries make a database of 15 to
20 MB) plus the 20
articles it times, then times 20 cached calls per round and prints the rounds
and their median, next to 20 calls with no cache at all.

The filler entries are written through diskcache's public API in one
transaction (as `ResultCache.put` writes them, one by one, but faster to fill);
the 20 timed articles are cached by `summarize()` itself, so their keys are real.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from summarizer.article import Article
from summarizer.pipeline import summarize

# Twenty cached calls within this, on a cache of 10,000 entries.
TARGET_SECONDS = 0.2
TARGET_SIZE = 10_000
CALLS = 20
SEED_ARTICLES = Path(__file__).resolve().parent.parent / "seeds" / "articles"


def seed_texts() -> list[str]:
    """The opening paragraph of each seed article, its date header kept: results of
    1 to 2 KB, the size of a short wire story's."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEED_ARTICLES.glob("*.txt"))]
    if not texts:
        sys.exit(f"no seed articles in {SEED_ARTICLES}")
    return [text.strip().split("\n\n")[0] for text in texts]


def timed_articles(texts: list[str]) -> list[Article]:
    """`CALLS` distinct articles: the seeds, each with a line that makes it unique."""
    return [
        Article.from_text(f"{texts[n % len(texts)]}\n\nBenchmark article {n}.", id=f"bench-{n}")
        for n in range(CALLS)
    ]


def fill(folder: Path, entries: int, texts: list[str]) -> None:
    """`entries` results of realistic size under keys no article has."""
    import diskcache

    results = [summarize(text, backend="offline", cache=False) for text in texts]
    documents = [result.model_dump_json() for result in results]
    with diskcache.Cache(str(folder)) as cache, cache.transact():
        for number in range(entries):
            key = hashlib.sha256(f"filler {number}".encode()).hexdigest()
            cache.set(key, documents[number % len(documents)])


def time_calls(articles: list[Article], cache_dir: Path | None) -> float:
    started = time.perf_counter()
    for article in articles:
        summarize(
            article,
            backend="offline",
            cache=cache_dir is not None,
            cache_dir=cache_dir,
        )
    return time.perf_counter() - started


def database_megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 100_000], help="cache sizes to time"
    )
    parser.add_argument("-r", "--rounds", type=int, default=5, help="rounds per size")
    options = parser.parse_args()
    texts = seed_texts()
    articles = timed_articles(texts)

    uncached = [time_calls(articles, None) for _ in range(options.rounds)]
    print(
        f"no cache: {CALLS} calls, median {statistics.median(uncached):.3f} s "
        f"(rounds: {', '.join(f'{t:.3f}' for t in uncached)})"
    )
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as scratch:
        for size in options.sizes:
            folder = Path(scratch) / f"cache-{size}"
            started = time.perf_counter()
            fill(folder, size, texts)
            time_calls(articles, folder)  # caches the timed articles: later rounds hit
            filled = time.perf_counter() - started
            rounds = [time_calls(articles, folder) for _ in range(options.rounds)]
            median = statistics.median(rounds)
            verdict = ""
            if size == TARGET_SIZE:
                met = "met" if median <= TARGET_SECONDS else "MISSED"
                verdict = f", target {TARGET_SECONDS} s: {met}"
            megabytes = database_megabytes(folder)
            print(
                f"{size:,} entries ({megabytes:.1f} MB, filled in {filled:.1f} s): "
                f"{CALLS} cached calls, median {median:.3f} s "
                f"(rounds: {', '.join(f'{t:.3f}' for t in rounds)}){verdict}"
            )


if __name__ == "__main__":
    main()
