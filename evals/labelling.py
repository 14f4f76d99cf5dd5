"""The labelling page: its README screenshot, and the keys it takes to label the seeds.

Run from the repository root (needs Debian's chromium and `pip install playwright`):

    python -m evals.labelling --screenshot docs/labelling-page.png
    python -m evals.labelling --articles 10

The second labels the first N seed articles as a person accepting every pre-filled
event would, with the keyboard only (a per event, a for the article), and prints
the keys pressed, the events seen and the page's own time. A person's time is
mostly reading, which no script measures: the README's estimate adds reading time
to these counts, and says so.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from tests.conftest import SEEDS
from tests.labelling_support import chromium_page, offline_results, open_session, running


def _setup(folder: Path, count: int) -> tuple[Path, list[Path]]:
    articles = sorted((SEEDS / "articles").glob("*.txt"))[:count]
    return offline_results(articles, folder / "results.jsonl"), articles


def screenshot(destination: Path) -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        results, articles = _setup(folder, 20)
        session = open_session(results, articles, folder / "my-labels")
        with running(session) as server, chromium_page(1400, 860) as page:
            page.goto(server.url)
            page.wait_for_selector("#events .event")
            page.keyboard.press("a")  # accept the first article's first event...
            page.keyboard.press("Escape")
            page.keyboard.press("a")  # ...and the article
            expect(page.locator("#progress")).to_have_text("1 of 20 reviewed")
            page.locator("#article-list a", has_text="iraq-baaj-offensive").click()
            page.wait_for_selector("#article-id:text('iraq-baaj-offensive')")
            page.keyboard.press("a")
            page.keyboard.press("r")
            page.keyboard.press("b")
            expect(page.locator("#save-status")).to_have_text(re.compile("^Saved "))
            page.screenshot(path=str(destination))
    print(f"wrote {destination}")


def keyboard_run(count: int) -> None:
    from playwright.sync_api import expect

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        results, articles = _setup(folder, count)
        session = open_session(results, articles, folder / "my-labels")
        keys = events = words = 0
        with running(session) as server, chromium_page() as page:
            page.goto(server.url)
            started = time.perf_counter()
            for done in range(1, count + 1):
                page.wait_for_selector("#article-text")
                article_id = page.locator("#article-id").inner_text()
                words += len(session.articles[article_id].text.split())
                pending = len(session.article_state(article_id)["events"])
                events += pending
                for _ in range(pending + 1):  # each event, then the article
                    page.keyboard.press("a")
                    keys += 1
                expect(page.locator("#progress")).to_have_text(f"{done} of {count} reviewed")
            seconds = time.perf_counter() - started
    print(f"articles: {count}, words: {words}, pre-filled events: {events}")
    print(f"keys pressed: {keys} (one per event, one per article)")
    print(f"page time, saves included: {seconds:.2f} s ({seconds / count * 1000:.0f} ms/article)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", type=Path, help="write the page's screenshot here")
    parser.add_argument("--articles", type=int, default=10, help="seed articles to label")
    options = parser.parse_args()
    if options.screenshot:
        screenshot(options.screenshot)
    else:
        keyboard_run(options.articles)


if __name__ == "__main__":
    main()
