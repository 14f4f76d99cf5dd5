"""Articles: the input side of the pipeline.

An `Article` is the text plus what its dateline header says, and the facts
known apart from the text (`ArticleFacts`). Reading articles from files,
folders, standard input, JSON Lines, web pages, PDFs and feeds is
summarizer.readers' job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property

from summarizer.errors import InputError
from summarizer.language import detect_language, language_name
from summarizer.schema import ValidationContext
from summarizer.wire import read_dateline, remove_leftovers, story_date

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
# The longest input accepted: about 500,000 tokens of English, a report of 300,000
# words. A text longer than a backend's chunk budget is read in chunks
# (summarizer.documents); this bound only keeps a stray file (a log, a data dump)
# from being sent to a model piece by piece.
MAX_ARTICLE_CHARS = 2_000_000
# The contract's header: "date 2017-05-25 Baghdad: text ...".
_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+([^:\n]{1,80}?))?\s*:\s*")
# A web page: markup from the first character and a page-level tag near the top.
# Its boilerplate (menus, scripts) would be summarized as if it were the story;
# prose that mentions a "<body>" tag, or a "<" in running text, is not a page.
_PAGE_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_PAGE_TAG_WITHIN = 4096


@dataclass(frozen=True)
class ArticleFacts:
    """What is known about an article apart from its text: a feed record's fields, or options.

    Each field given wins over what the text's header says.
    """

    published: dt.date | None = None
    dateline: str | None = None
    title: str | None = None
    url: str | None = None
    # The name of the site that published it (a web page's), for people reading results.
    site: str | None = None
    # The language the brief and headline are to be written in (an English name,
    # "Spanish"); None: the article's own.
    brief_language: str | None = None

    def filled_from(self, fallback: ArticleFacts) -> ArticleFacts:
        """These facts, with `fallback`'s wherever these have none."""
        return ArticleFacts(
            **{
                name: getattr(self, name) if getattr(self, name) is not None else value
                for name, value in vars(fallback).items()
            }
        )


@dataclass(frozen=True)
class Article:
    """One news article: its text, an id, and the publication date and place of its header.

    >>> article = Article.from_text("date 2017-05-25 Baghdad: Troops advanced on Thursday.")
    >>> article.published, article.dateline
    (datetime.date(2017, 5, 25), 'Baghdad')

    `text` is the article as every backend, check and cache key reads it: the
    header (as written, or as the given facts put it) and the body, without the
    wire leftovers that `summarizer.wire` removes. It is the input unchanged when
    there was nothing to remove or replace.
    """

    text: str
    id: str
    published: dt.date | None = None
    dateline: str | None = None
    body: str = field(default="", repr=False)
    # Where the article came from ("a.txt", "feed.jsonl:12"), for messages about it.
    source: str = field(default="<text>", repr=False, compare=False)
    title: str | None = field(default=None, repr=False)
    url: str | None = field(default=None, repr=False)
    site: str | None = field(default=None, repr=False)
    brief_language: str | None = field(default=None, repr=False)
    # Where each page starts in `text` (a PDF's): page n is text[starts[n-1]:starts[n]].
    # Empty for an article without pages. Set by the reader, derived from the text.
    page_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    # What the reader has to say about how the text was got ("only the feed's summary"),
    # said once to the person running it.
    note: str | None = field(default=None, repr=False, compare=False)

    @cached_property
    def language(self) -> str | None:
        """The ISO 639-1 code of the language the body is written in, when it can be told."""
        return detect_language(self.body or self.text)

    @property
    def language_name(self) -> str | None:
        """The English name of the body's language ("Chinese"), when it can be told."""
        code = self.language
        return language_name(code) if code else None

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        id: str | None = None,
        source: str = "<text>",
        facts: ArticleFacts | None = None,
    ) -> Article:
        """Parse the optional dateline header; `source` names the input in errors.

        `facts` (a feed record's fields, or options) win over the header. Without a
        header, a wire dateline ("BAGHDAD, May 25 (Reuters) -") gives the place, and
        the day when the publication date gives its year. Wire leftovers are removed.
        """
        facts = facts or ArticleFacts()
        if not text.strip():
            raise InputError(f"{source}: the article is empty")
        if len(text) > MAX_ARTICLE_CHARS:
            raise InputError(
                f"{source}: the article is {len(text):,} characters, over the limit of "
                f"{MAX_ARTICLE_CHARS:,}; split it into separate articles"
            )
        if looks_like_page(text):
            raise InputError(
                f"{source}: looks like HTML, not plain text; read it as a web page (a .html "
                "file, with pip install 'summarizer[html]') or extract the article text first"
            )
        published: dt.date | None = None
        dateline: str | None = None
        written = text.strip()
        header_text = ""
        header = _HEADER.match(text)
        if header:
            try:
                published = dt.date.fromisoformat(header.group(1))
            except ValueError:
                raise InputError(
                    f"{source}: the header date {header.group(1)!r} is not a valid date"
                ) from None
            dateline = header.group(2).strip() if header.group(2) else None
            header_text = text[: header.end()]
            written = text[header.end() :].strip()
            if not written:
                raise InputError(f"{source}: the article has a header but no text")
        body = remove_leftovers(written)
        if not body:
            raise InputError(f"{source}: the article has no text besides wire leftovers")
        given = facts.published is not None or facts.dateline is not None
        published = facts.published or published
        dateline = facts.dateline or dateline
        if header is None:
            wire = read_dateline(body, published)
            if wire is not None:
                dateline = dateline or wire.place
                published = story_date(wire.date, published)
        if given:
            # The header as the facts put it, so the text, and every check and cache
            # key that reads it, says what the model is told.
            header_text = _header(published, dateline)
        unchanged = body == written and header_text == (text[: header.end()] if header else "")
        return cls(
            text=text if unchanged else header_text + body,
            id=id or content_id(text),
            published=published,
            dateline=dateline,
            body=body,
            source=source,
            title=facts.title,
            url=facts.url,
            site=facts.site,
            brief_language=facts.brief_language,
        )

    @property
    def body_start(self) -> int:
        """Where `body` starts in `text` (after the header, as written or as the facts put it)."""
        return self.text.find(self.body) if self.body else 0

    def part(self, start: int, end: int, *, label: str) -> Article:
        """`body[start:end]` as an article of its own: a chunk of a long document.

        It has this article's id, header facts (published date, dateline, title, url,
        brief language) and a header stating them, so its prompt and cache key are
        those of an article made of the chunk's text and the document's header.
        `label` ("chunk 2 of 5") names it in messages.

        >>> document = Article.from_text("date 2017-05-25 Baghdad: One. Two.")
        >>> chunk = document.part(5, 9, label="chunk 2 of 2")
        >>> chunk.text, chunk.published
        ('date 2017-05-25 Baghdad: Two.', datetime.date(2017, 5, 25))
        """
        body = (self.body or self.text)[start:end]
        return Article(
            text=_header(self.published, self.dateline) + body,
            id=self.id,
            published=self.published,
            dateline=self.dateline,
            body=body,
            source=f"{self.source} ({label})",
            title=self.title,
            url=self.url,
            brief_language=self.brief_language,
        )

    def validation_context(self) -> ValidationContext:
        """What the output validators check a result for this article against."""
        context: ValidationContext = {"article_text": self.text, "published": self.published}
        if self.page_starts:
            context["page_starts"] = self.page_starts
        return context


def looks_like_page(text: str) -> bool:
    """Whether a text is a web page: markup from its first character and a page-level
    tag near the top."""
    return text.lstrip().startswith("<") and bool(_PAGE_TAG.search(text, 0, _PAGE_TAG_WITHIN))


def _header(published: dt.date | None, dateline: str | None) -> str:
    """The header that states these facts, as an article's own header would."""
    if published is None:
        return ""  # the header form needs a date; the dateline is in the facts alone
    return f"date {published.isoformat()}{' ' + dateline if dateline else ''}: "


def content_id(text: str) -> str:
    """An id for an article that came without one, stable for the same text."""
    return "article-" + hashlib.sha256(text.encode()).hexdigest()[:10]


def parse_published(value: str, where: str) -> dt.date:
    """A publication date given as an ISO date or datetime; a datetime's own calendar day."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        raise InputError(
            f"{where}: published {value!r} is not an ISO date (2017-05-25) or datetime"
        ) from None
