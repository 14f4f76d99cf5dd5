"""Benchmark: merge 100,000 synthetic mentions into an event dataset on one core.

    python evals/bench_dataset.py [--mentions 100000]

Synthetic events (random types, 60 countries, 3,000 places, dates over two years,
two or three actors each) are each reported by 1 to 7 articles, with dates
shifted by up to a day; the mentions are then merged as `summarize dataset` does,
without the gazetteer (its lookups are cached per distinct place, not per event).
Prints the time to build the rows (wall and CPU: on a shared machine the wall
time includes waiting for the core) and the process's peak memory (ru_maxrss).
Goal: under 20 s and 500 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time

from summarizer.dataset import build_from_mentions
from summarizer.dataset.results import Mention
from summarizer.schema import Event, EventType, Evidence, Location


def synthetic_mentions(count: int, seed: int = 21) -> list[Mention]:
    chooser = random.Random(seed)
    types = list(EventType)
    countries = [f"Country {n}" for n in range(60)]
    places = [(f"Town {n}", countries[n % 60]) for n in range(3000)]
    actors = [f"Group {n}" for n in range(400)]
    start = dt.date(2023, 1, 1)
    mentions: list[Mention] = []
    event_number = 0
    while len(mentions) < count:
        event_number += 1
        kind = chooser.choice(types)
        name, country = chooser.choice(places)
        day = start + dt.timedelta(days=chooser.randrange(730))
        parties = chooser.sample(actors, chooser.randint(2, 3))
        for report in range(chooser.randint(1, 7)):
            shifted = day + dt.timedelta(days=chooser.choice((0, 0, 0, 1)))
            event = Event(
                event_type=kind,
                date=shifted,
                location=Location(name=name, country=country),
                actors=parties[: 1 + report % len(parties)],
                fatalities=chooser.choice((None, chooser.randrange(20))),
                summary="A synthetic event.",
                evidence=[Evidence(text="A synthetic event.", start=0, end=18)],
            )
            article = f"article-{event_number}-{report}"
            mentions.append(Mention(article, 1, event, shifted, "Somewhere"))
    return mentions[:count]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    options = parser.parse_args()
    mentions = synthetic_mentions(options.mentions)
    input_mb = _peak_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    dataset = build_from_mentions(mentions, geo=False)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = _peak_mb()
    print(
        f"{len(mentions):,} mentions -> {len(dataset.rows):,} rows "
        f"({len(dataset.merges):,} merged) in {elapsed:.1f} s wall, {cpu:.1f} s CPU; "
        f"peak memory {peak_mb:.0f} MB for the whole process, {input_mb:.0f} MB of it "
        "before merging (Python, the library, the synthetic input)"
    )


if __name__ == "__main__":
    main()
