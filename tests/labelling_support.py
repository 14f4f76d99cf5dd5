"""A labelling server over the offline extractor's results, and Debian's Chromium through
Playwright, for the labelling tests, the screenshot and the labelling benchmark.

Playwright drives the system browser (`/usr/bin/chromium`); nothing downloads one.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from summarizer.codebook import Codebook, load_codebook_or_fail
from summarizer.readers import read_article
from summarizer.review.labelling import LabellingSession, read_prefills
from summarizer.review.server import LabellingServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_REASON = (
    "the labelling page is tested in Debian's chromium through Playwright: "
    "apt-get install chromium and pip install playwright (never `playwright install`)"
)


def browser_missing() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return True
    return shutil.which(CHROMIUM) is None


def offline_results(articles: Sequence[Path], out: Path) -> Path:
    """The offline extractor's results for `articles`, as `summarize -o` writes them."""
    from summarizer.pipeline import open_pipeline
    from summarizer.run.records import ResultRecord

    lines = []
    with open_pipeline("offline", cache=False) as pipeline:
        for path in articles:
            summary = pipeline.run(read_article(path)).summary
            lines.append(ResultRecord(summary=summary, cached=False).to_json())
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def open_session(
    results: Path,
    articles: Sequence[Path],
    dataset: Path,
    codebook: Codebook | None = None,
) -> LabellingSession:
    loaded = [read_article(path) for path in articles]
    chosen = codebook or load_codebook_or_fail("news")
    prefills, problems = read_prefills([results], {a.id: a for a in loaded}, chosen)
    assert not problems, problems
    return LabellingSession(dataset, loaded, prefills, chosen)


@contextmanager
def running(session: LabellingSession, **options: Any) -> Iterator[LabellingServer]:
    """The server on a free port, in a thread, until the block ends."""
    server = LabellingServer(session, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium_page(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A headless Chromium page (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.errors = errors  # read by the tests: the page must log no error
            yield page
        finally:
            browser.close()


# Selects `phrase` in the article text as a person's mouse would: a Range over the
# text nodes (the text is split where evidence is highlighted).
SELECT_PHRASE = """(phrase) => {
  const box = document.getElementById("article-text");
  const whole = box.textContent;
  const at = whole.indexOf(phrase);
  if (at < 0) throw new Error("phrase not in the article: " + phrase);
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    const length = node.textContent.length;
    if (seen <= at && at < seen + length) range.setStart(node, at - seen);
    const end = at + phrase.length;
    if (seen < end && end <= seen + length) { range.setEnd(node, end - seen); break; }
    seen += length;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return at;
}"""
