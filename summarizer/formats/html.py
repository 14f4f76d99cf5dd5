"""A saved web page's article: its main text and what the page states about it.

trafilatura finds the main text (navigation, comments, related links and footers
are left out) and reads the title, the site's name, the canonical address and the
publication date (htmldate, the original date rather than the last update).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from summarizer.errors import InputError
from summarizer.formats import need_extra

READING = "web pages (.html, .htm)"


@dataclass(frozen=True)
class WebPage:
    """The article a page holds: paragraphs apart by blank lines, and its facts."""

    text: str
    title: str | None
    published: dt.date | None
    site: str | None
    url: str | None


def read_page(html: str, source: str) -> WebPage:
    """The main text and facts of a page; an InputError when it holds no article text.

    A ConfigurationError (exit 2) when trafilatura is not installed.
    """
    trafilatura = need_extra("trafilatura", READING)
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        # A page's menus and teasers are worse in a prompt than a sentence missed.
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        date_extraction_params={"original_date": True, "extensive_search": True},
    )
    text = getattr(document, "text", None) or ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if not paragraphs:
        raise InputError(
            f"{source}: the page has no article text to read (one its script fills in?)"
        )
    return WebPage(
        # trafilatura writes a block a line; the article's paragraphs are apart by a blank.
        text="\n\n".join(paragraphs),
        title=_fact(document, "title"),
        published=_date(_fact(document, "date")),
        site=_fact(document, "sitename"),
        url=_fact(document, "url"),
    )


def _fact(document: object, name: str) -> str | None:
    value = getattr(document, name, None)
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _date(value: str | None) -> dt.date | None:
    """htmldate's YYYY-MM-DD, or None for a date it could not tell."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
