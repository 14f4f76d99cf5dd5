"""Review page benchmark: file size and load time at 1,000 and 10,000 articles.

Run from the repository root with Chromium installed (about a minute; prints
figures, asserts nothing):

    python -m evals.bench_review               # medians of 3 loads
    python -m evals.bench_review --repeats 5

The articles are the offline extractor's results for the seed articles,
repeated under distinct ids (about 3 KB of text each, with their events and
evidence), written as `summarize --html` writes them. For each size it prints
the page's size; the time to write it; the time from navigation to the
page's script having drawn the list and the first article (`performance.now()`
at its "review-ready" console line); the same with a text search applied from
the URL (every article's text searched); and the wall time of a whole headless
`chromium --dump-dom` run, browser start-up included.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from summarizer.review import write_review
from tests.browser import find_chromium, load_page, many_entries

_READY = re.compile(r"review-ready (\d+) ms")


def ready_ms(page: Path, fragment: str) -> tuple[float, float]:
    loaded = load_page(page, fragment)
    for line in loaded.console:
        found = _READY.search(line)
        if found:
            return float(found.group(1)), loaded.seconds
    raise RuntimeError(f"the page logged no review-ready line: {loaded.console}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    options = parser.parse_args()
    if find_chromium() is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    print(f"medians of {options.repeats} loads, headless Chromium, window 1400x900")
    print(
        f"{'articles':>9} {'size MB':>8} {'write s':>8} {'ready ms':>9} "
        f"{'search ms':>10} {'chromium run s':>15}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            entries = many_entries(size)
            page = Path(folder) / f"review-{size}.html"
            started = time.perf_counter()
            written = write_review(page, entries)
            write_s = time.perf_counter() - started
            plain = [ready_ms(page, "") for _ in range(options.repeats)]
            searched = [ready_ms(page, "q=helicopter") for _ in range(options.repeats)]
            print(
                f"{size:>9,} {written / 1e6:>8.1f} {write_s:>8.2f} "
                f"{statistics.median(ms for ms, _ in plain):>9.0f} "
                f"{statistics.median(ms for ms, _ in searched):>10.0f} "
                f"{statistics.median(s for _, s in plain):>15.2f}"
            )


if __name__ == "__main__":
    main()
