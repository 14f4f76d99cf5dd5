"""Benchmark: CPU milliseconds per article of the offline extractor, by process time.

    python evals/bench_offline_cpu.py               # 300 articles, 5 rounds
    python evals/bench_offline_cpu.py -n 500 -r 7

The same articles as `bench_offline.py` (built from the seeds), timed with the
process's CPU time instead of the wall clock: on a machine shared with other jobs,
the wall-clock rate of one process swings with their load, its CPU time far less.
It compares two versions of the extractor measured one after the other; run it from
each version's tree. Prints each round and the median.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_offline import build_articles

from summarizer.backends.offline import extract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, default=300, help="articles per round")
    parser.add_argument("-r", "--rounds", type=int, default=5, help="rounds")
    parser.add_argument("--words", type=int, default=520, help="about this many words each")
    options = parser.parse_args()
    articles = build_articles(options.articles, options.words)
    rates = []
    for number in range(1, options.rounds + 1):
        started = time.process_time()
        for article in articles:
            extract(article)
        per_article = (time.process_time() - started) / len(articles) * 1000
        rates.append(per_article)
        print(f"round {number}: {per_article:.3f} CPU ms per article")
    print(
        f"{len(articles)} articles, {options.rounds} rounds: median "
        f"{statistics.median(rates):.3f} CPU ms per article"
    )


if __name__ == "__main__":
    main()
