"""RSS and Atom feeds: one entry a story, through feedparser.

An entry's text is its full content when the feed carries it (`content:encoded`,
Atom's `content`), else its summary, and the entry says which. Feeds carry HTML
fragments, not pages: the fragment's markup is dropped here, keeping paragraphs.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from summarizer.errors import InputError

# A feed's root element after the XML declaration, comments and a doctype: RSS 2.0
# and 0.9x (<rss>), RSS 1.0 (<rdf:RDF>), Atom (<feed>), with or without a prefix.
_FEED_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<(?:[\w.-]+:)?(?:rss|feed|RDF)\b",
    re.DOTALL,
)
# Enough of a file's start to hold a long XML declaration, licence comment and doctype.
SNIFF_BYTES = 8192


def looks_like_feed(head: bytes) -> bool:
    """Whether a file starting with `head` is an RSS or Atom feed, by its root element."""
    return bool(_FEED_ROOT.match(head))


@dataclass(frozen=True)
class FeedEntry:
    """One entry: where it points (guid, else link), its text and facts."""

    key: str | None
    text: str
    summary_only: bool
    published: dt.date | None
    title: str | None
    url: str | None


def read_feed(data: bytes, source: str) -> list[FeedEntry]:
    """The entries of a feed in its order; an InputError for a file that is no feed."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f" ({problem})" if problem else ""
        raise InputError(f"{source}: not an RSS or Atom feed that can be read{why}")
    if not parsed.entries:
        raise InputError(f"{source}: the feed has no entries")
    return [_entry(entry) for entry in parsed.entries]


def _entry(entry: Any) -> FeedEntry:
    contents = [part.get("value", "") for part in entry.get("content") or []]
    full = next((text for text in map(fragment_text, contents) if text), "")
    summary = fragment_text(entry.get("summary") or "")
    title = " ".join((entry.get("title") or "").split()) or None
    link = entry.get("link") or None
    return FeedEntry(
        key=entry.get("id") or link,
        text=full or summary,
        summary_only=not full and bool(summary),
        published=_entry_date(entry),
        title=title,
        url=link,
    )


def _entry_date(entry: Any) -> dt.date | None:
    """The day the entry was published (else updated) in its own time zone, as written.

    feedparser's parsed times are in UTC, which can move a story to the day before
    or after the one its publisher gave; the written date is read first.
    """
    for name in ("published", "updated"):
        written = entry.get(name)
        if not written:
            continue
        try:
            return email.utils.parsedate_to_datetime(written).date()  # RSS: RFC 822
        except (TypeError, ValueError):
            pass
        try:
            return dt.datetime.fromisoformat(written.replace("Z", "+00:00")).date()  # Atom
        except ValueError:
            pass
        parsed = entry.get(f"{name}_parsed")
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


# Elements that end a paragraph; what scripts and styles hold is never text.
_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr section article "  # noqa: SIM905
    "header footer figure figcaption hr dd dt".split()
)
_HIDDEN = frozenset({"script", "style", "template", "noscript"})


class _FragmentText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.paragraphs.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.paragraphs.append([])

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.paragraphs[-1].append(data)


def fragment_text(fragment: str) -> str:
    """An HTML fragment's text, paragraphs apart by a blank line (plain text comes out
    as one paragraph).

    >>> fragment_text("<p>Troops <b>retook</b> Baaj.</p><p>12 killed &amp; 3 hurt.</p>")
    'Troops retook Baaj.\\n\\n12 killed & 3 hurt.'
    """
    parser = _FragmentText()
    parser.feed(fragment)
    parser.close()
    paragraphs = (" ".join("".join(parts).split()) for parts in parser.paragraphs)
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
