"""Headless Chromium for the page tests, the page benchmark and the README screenshots.

Pages are opened from file:// URLs with every network feature off. `--dump-dom`
prints the DOM once the page has loaded, after its script ran; the console goes
to stderr (`--enable-logging=stderr`), where the tests look for errors.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
MISSING_REASON = (
    "headless Chromium is not installed (Debian: apt-get install chromium); "
    "the HTML pages are tested in a real browser"
)
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class PageLoad:
    dom: str
    console: list[str]
    seconds: float

    @property
    def console_errors(self) -> list[str]:
        """Console lines the page logged as errors, and uncaught exceptions."""
        return [
            line
            for line in self.console
            if ":ERROR:CONSOLE" in line or "Uncaught" in line or "Refused to" in line
        ]


def _run(arguments: list[str], timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError(MISSING_REASON)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        started = time.perf_counter()
        finished = subprocess.run(
            [chromium, *_FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return finished, time.perf_counter() - started


def load_page(
    page: Path, fragment: str = "", *, window: tuple[int, int] = (1400, 900), timeout: float = 120
) -> PageLoad:
    """The page's DOM after load, its console lines, and the wall time of the whole run."""
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    finished, seconds = _run(
        [
            f"--window-size={window[0]},{window[1]}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            url,
        ],
        timeout,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"chromium failed ({finished.returncode}): {finished.stderr[-2000:]}")
    console = [line for line in finished.stderr.splitlines() if "CONSOLE" in line]
    return PageLoad(finished.stdout, console, seconds)


def screenshot(
    page: Path, destination: Path, fragment: str = "", *, window: tuple[int, int] = (1400, 900)
) -> None:
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    finished, _ = _run(
        [f"--window-size={window[0]},{window[1]}", f"--screenshot={destination.resolve()}", url],
        120,
    )
    if finished.returncode != 0 or not destination.exists():
        raise RuntimeError(f"chromium could not take a screenshot: {finished.stderr[-2000:]}")


# -- reading a dumped DOM -------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str]

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> list[Node]:
        found = [self]
        for child in self.children:
            if isinstance(child, Node):
                found += child.iter()
        return found

    def select(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) with this tag, class and attribute values."""
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.classes)
            and all(
                node.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items()
            )
        ]

    def one(self, tag: str | None = None, *, cls: str | None = None, **attrs: str) -> Node:
        found = self.select(tag, cls=cls, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag} {cls} {attrs}"
        return found[0]


def parse_dom(markup: str) -> Node:
    """The element tree of a dumped DOM (which Chromium serialises well-formed)."""
    from html.parser import HTMLParser

    root = Node("#document", {}, [])
    stack = [root]

    class Builder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            node = Node(tag, {name: value or "" for name, value in attrs}, [])
            stack[-1].children.append(node)
            if tag not in _VOID:
                stack.append(node)

        def handle_endtag(self, tag: str) -> None:
            for depth in range(len(stack) - 1, 0, -1):
                if stack[depth].tag == tag:
                    del stack[depth:]
                    break

        def handle_data(self, data: str) -> None:
            stack[-1].children.append(data)

    builder = Builder(convert_charrefs=True)
    builder.feed(markup)
    builder.close()
    return root


def many_entries(count: int) -> list[dict[str, object]]:
    """`count` review entries: the offline extractor's results for the seed articles,
    repeated under distinct ids, text and evidence included, as `summarize --html` builds them.
    """
    from summarizer.pipeline import open_pipeline
    from summarizer.readers import read_article
    from summarizer.review import review_entry

    seeds = sorted((Path(__file__).resolve().parent.parent / "seeds" / "articles").glob("*.txt"))
    with open_pipeline("offline", cache=False) as pipeline:
        templates = []
        for path in seeds:
            article = read_article(path)
            templates.append(review_entry(pipeline.run(article).summary, article))
    entries: list[dict[str, object]] = []
    for number in range(count):
        template = templates[number % len(templates)]
        entries.append({**template, "id": f"{template['id']}-{number:05d}"})
    return entries
