"""Reading articles: files, globs, folders, standard input and JSON Lines records,
saved web pages, PDFs, and RSS and Atom feeds.

Every way an input can be unreadable becomes one `InputError` that names the
input; in a batch, an `UnreadableInput` in its place, so the rest go on. A kind
of input whose optional package is not installed (web pages, PDFs) is a
`ConfigurationError` before anything is read: every file of that kind would fail.
"""

from __future__ import annotations

import dataclasses
import glob
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from summarizer.article import (
    MAX_ARTICLE_CHARS,
    Article,
    ArticleFacts,
    content_id,
    looks_like_page,
    parse_published,
)
from summarizer.errors import ConfigurationError, InputError, json_error_text
from summarizer.formats import feeds, need_extra
from summarizer.formats import html as web_pages
from summarizer.formats import pdf as pdf_files
from summarizer.text import PAGE_BREAK

# A UTF-8 character is at most four bytes: a bigger file cannot be within the limit,
# and is refused before it is read into memory.
_MAX_ARTICLE_BYTES = 4 * MAX_ARTICLE_CHARS
# A page, PDF or feed is mostly markup, images and fonts around its text: its text is
# held to the article limit once extracted; the file only to a size memory can take.
_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
_PDF_MAGIC = b"%PDF-"
# Control characters that never occur in text files (tab, newlines, form feed do).
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text from raw bytes, or an InputError saying why it is not an article."""
    if not data.strip():
        raise InputError(f"{source}: the input is empty")
    if _BINARY_BYTES.search(data[:65536]):
        raise InputError(f"{source}: binary data, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{source}: not UTF-8 text (invalid byte at offset {error.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    return text


def _slug(name: str) -> str:
    """`name` as an article id: lower-cased, each run of other characters as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def id_from_path(path: Path) -> str:
    """The article id a file name gives: its stem, lower-cased, other characters as '-'."""
    return _slug(path.stem) or content_id(str(path))


def id_from_address(address: str) -> str:
    """The article id a feed entry's guid or link gives: without its scheme, as a slug.

    >>> id_from_address("https://courier.example/news/2024/03/08/harbour-fire")
    'courier-example-news-2024-03-08-harbour-fire'
    """
    return _slug(re.sub(r"\A[a-zA-Z][a-zA-Z0-9+.-]*://", "", address)) or content_id(address)


def _record_facts(record: dict[str, object], where: str) -> ArticleFacts:
    """The `published`, `dateline`, `title` and `url` of a JSON Lines record."""
    fields: dict[str, str] = {}
    for name in ("published", "dateline", "title", "url"):
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise InputError(f'{where}: "{name}" must be a non-empty string')
        fields[name] = " ".join(value.split())
    dateline = fields.get("dateline")
    if dateline is not None and (len(dateline) > 80 or ":" in dateline):
        raise InputError(f'{where}: "dateline" must be a place name (at most 80 characters)')
    published = fields.get("published")
    return ArticleFacts(
        published=parse_published(published, where) if published else None,
        dateline=dateline,
        title=fields.get("title"),
        url=fields.get("url"),
    )


def _file_bytes(path: Path, limit: int, limit_text: str) -> bytes:
    """A file's bytes; an InputError when it is over `limit` (`limit_text` says what
    the limit is) or cannot be read."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: the file is {size:,} bytes, over the limit of {limit_text}")
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None


def read_article(path: Path, facts: ArticleFacts | None = None) -> Article:
    """One article from a text file (a page's markup read as a web page); the file name
    (without suffix) is its id."""
    data = _file_bytes(
        path,
        _MAX_ARTICLE_BYTES,
        f"{MAX_ARTICLE_CHARS:,} characters per article; split it into separate articles",
    )
    return _article_from_text(
        decode_text(data, str(path)), id=id_from_path(path), source=str(path), facts=facts
    )


def _article_from_text(text: str, *, id: str, source: str, facts: ArticleFacts | None) -> Article:
    """An article from text; from a web page's main text when the text is a page's markup
    (HTML pasted or saved as text), which needs the `html` extra."""
    if not looks_like_page(text):
        return Article.from_text(text, id=id, source=source, facts=facts)
    try:
        return web_page_article(text, id=id, source=source, facts=facts)
    except ConfigurationError as error:
        raise InputError(f"{source}: looks like HTML, not plain text; {error}") from None


def web_page_article(
    html: str, *, id: str, source: str, facts: ArticleFacts | None = None
) -> Article:
    """The article of a saved web page: its main text, with the page's title, date, site
    and address as facts. `facts` given (a record's fields, the run's options) win
    over the page's, as they win over a text's header."""
    page = web_pages.read_page(html, source)
    stated = ArticleFacts(published=page.published, title=page.title, url=page.url, site=page.site)
    return Article.from_text(
        page.text, id=id, source=source, facts=facts.filled_from(stated) if facts else stated
    )


def pdf_article(data: bytes, *, id: str, source: str, facts: ArticleFacts | None = None) -> Article:
    """The article of a PDF: its pages' text, apart by form feeds (`PAGE_BREAK`), and
    where each page starts (`Article.page_starts`), so each quote's page is known."""
    pdf = pdf_files.read_pdf(data, source)
    stated = ArticleFacts(title=pdf.title)
    article = Article.from_text(
        PAGE_BREAK.join(pdf.pages),
        id=id,
        source=source,
        facts=facts.filled_from(stated) if facts else stated,
    )
    # The text starts at the first page with text: pages before it have none to quote.
    blank_before = next(number for number, page in enumerate(pdf.pages) if page)
    breaks = tuple(at + 1 for at, char in enumerate(article.text) if char == "\f")
    return dataclasses.replace(article, page_starts=(0,) * (blank_before + 1) + breaks)


def feed_articles(
    data: bytes, *, id: str, source: str, facts: ArticleFacts | None = None
) -> Iterator[Article | UnreadableInput]:
    """An article for each entry of an RSS or Atom feed, in the feed's order.

    An entry's id is its guid's (else its link's) as an id, else the feed's `id` and
    its number; its published date, title and link are its own fields, which win
    over `facts`, as a JSON Lines record's do. The first entry that has only a
    summary notes how many are so.
    """
    try:
        entries = feeds.read_feed(data, source)
    except InputError as error:
        yield UnreadableInput(id, error)
        return
    summaries = sum(entry.summary_only for entry in entries)
    noted = False
    for number, entry in enumerate(entries, start=1):
        where = f"{source} entry {number}"
        article_id = id_from_address(entry.key) if entry.key else f"{id}-entry-{number}"
        if not entry.text:
            yield UnreadableInput(article_id, InputError(f"{where}: the entry has no text"))
            continue
        own = ArticleFacts(published=entry.published, title=entry.title, url=entry.url)
        try:
            article = Article.from_text(
                entry.text,
                id=article_id,
                source=f"{where} ({article_id})",
                facts=own.filled_from(facts) if facts else own,
            )
        except InputError as error:
            yield UnreadableInput(article_id, error)
            continue
        if entry.summary_only and not noted:
            noted = True
            article = dataclasses.replace(
                article,
                note=f"{source}: the feed carries only a summary, not the full story, "
                f"for {summaries} of {len(entries)} entries; they are summarized from it",
            )
        yield article


@dataclass(frozen=True)
class UnreadableInput:
    """An input that is not an article, kept in the stream so it is reported, not lost."""

    id: str
    error: InputError


def parse_jsonl_line(
    line: bytes, *, source: str, line_number: int, facts: ArticleFacts | None = None
) -> Article | UnreadableInput:
    """One `{"id": ..., "text": ...}` record; a bad one becomes UnreadableInput, not an error.

    A record may also carry `published`, `dateline`, `title` and `url`; they win over
    `facts` (the options of the run) and over the text's header. Without an id, the
    url is the article's id. A record with a saved web page's `html` instead of a
    `text` is read as the page (the `html` extra).
    """
    where = f"{source}:{line_number}"
    # Named after the file too, so bad lines of two files never share an id.
    fallback_id = f"{id_from_path(Path(source))}-line-{line_number}"
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return UnreadableInput(fallback_id, InputError(f"{where}: not UTF-8 text"))
    except json.JSONDecodeError as error:
        problem = json_error_text(error, within_line=True)
        return UnreadableInput(fallback_id, InputError(f"{where}: not valid JSON ({problem})"))
    if not isinstance(record, dict):
        return UnreadableInput(fallback_id, InputError(f"{where}: expected a JSON object"))
    raw_id = record.get("id")
    if not (isinstance(raw_id, (str, int)) and str(raw_id)):
        raw_id = record.get("url")
    article_id = str(raw_id) if isinstance(raw_id, (str, int)) and str(raw_id) else fallback_id
    text, html = record.get("text"), record.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        return UnreadableInput(
            article_id,
            InputError(f'{where}: the record has no "text" string'),
        )
    source = f"{where} ({article_id})"
    try:
        record_facts = _record_facts(record, where)
        if facts is not None:
            record_facts = record_facts.filled_from(facts)
        if isinstance(html, str) and not isinstance(text, str):
            return web_page_article(html, id=article_id, source=source, facts=record_facts)
        return _article_from_text(str(text), id=article_id, source=source, facts=record_facts)
    except (InputError, ConfigurationError) as error:
        return UnreadableInput(article_id, _input_error(error, where))


def iter_jsonl(
    stream: Iterable[bytes], source: str, facts: ArticleFacts | None = None
) -> Iterator[Article | UnreadableInput]:
    """Articles of a JSON Lines stream, one at a time, so memory stays flat."""
    for line_number, line in enumerate(stream, start=1):
        if line.strip():
            yield parse_jsonl_line(line, source=source, line_number=line_number, facts=facts)


# The kinds of input read, by what a file's name ends with. A folder or a glob yields
# every file of these kinds (an .xml file only when its root is a feed's), and names
# its other files (notes, labels, images) once (`InputFiles.passed_over`). A file
# named on its own is read whatever its name: as text unless it is one of these.
Kind = Literal["text", "jsonl", "page", "pdf", "feed"]
_KIND_OF_SUFFIX: dict[str, Kind] = {
    ".txt": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "page",
    ".htm": "page",
    ".pdf": "pdf",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}
ARTICLE_SUFFIXES = tuple(_KIND_OF_SUFFIX)
# What the kinds read are called in messages: .xml files are read when they are feeds.
READABLE_FILES = ", ".join(suffix for suffix in ARTICLE_SUFFIXES if suffix != ".xml") + (
    ", .xml feeds"
)
# The optional package each kind needs, and what it is called in the line saying so.
_EXTRA_OF_KIND: dict[Kind, tuple[str, str]] = {
    "page": ("trafilatura", web_pages.READING),
    "pdf": ("pypdfium2", pdf_files.READING),
}


def input_kind(path: Path, *, named: bool = True) -> Kind | None:
    """How a file is read; None for a file a folder or glob passes over (`named` False).

    An .xml file is a feed when its root element is a feed's (its first bytes are read).
    """
    kind = _KIND_OF_SUFFIX.get(path.suffix.lower())
    if kind == "feed" and path.suffix.lower() == ".xml" and not _starts_like_feed(path):
        kind = None
    if kind is None and named:
        return "text"
    return kind


def _starts_like_feed(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return feeds.looks_like_feed(stream.read(feeds.SNIFF_BYTES))
    except OSError:
        return False


def check_extras(files: Iterable[Path]) -> None:
    """A ConfigurationError (exit 2) naming the extra to install when one of `files` is
    of a kind read by an optional package that is not installed; nothing otherwise."""
    needed = {_EXTRA_OF_KIND[kind] for kind in map(input_kind, files) if kind in _EXTRA_OF_KIND}
    for module, reading in sorted(needed):
        need_extra(module, reading)


@dataclass(frozen=True)
class InputFiles:
    """The files command-line inputs name, found before any is read.

    `read` holds each input's files in order (an input naming no file has an
    empty list); `passed_over` the files its folders and globs hold that are of no
    kind read (`input_kind`). A subfolder is never an input of its own: a folder
    yields the article files under it, a glob the article files it matches.
    """

    read: dict[str, list[Path]]
    passed_over: list[Path]

    @property
    def files(self) -> list[Path]:
        return [path for paths in self.read.values() for path in paths]


def list_inputs(specs: Iterable[str]) -> InputFiles:
    """What `iter_inputs` will read for `specs` ("-", standard input, names no file)."""
    read: dict[str, list[Path]] = {}
    passed_over: list[Path] = []
    for spec in specs:
        if spec == "-" or spec in read:
            continue
        path = Path(spec)
        if path.is_dir():
            # Hidden files and folders (.DS_Store, .git) are no one's articles: not
            # worth a word when passed over. (A glob leaves them out itself.)
            found = [
                child
                for child in sorted(path.rglob("*"))
                if child.is_file()
                and (
                    child.suffix.lower() in ARTICLE_SUFFIXES
                    or not any(part.startswith(".") for part in child.relative_to(path).parts)
                )
            ]
        elif not path.exists() and any(char in spec for char in "*?["):
            matches = sorted(Path(match) for match in glob.glob(spec, recursive=True))
            found = [match for match in matches if match.is_file()]
        else:
            read[spec] = [path]
            continue
        kinds = {file: input_kind(file, named=False) for file in found}
        read[spec] = [file for file in found if kinds[file] is not None]
        passed_over.extend(file for file in found if kinds[file] is None)
    # Each named once; a file another input names on its own is read, not passed over.
    named = {path for paths in read.values() for path in paths}
    return InputFiles(read, [path for path in dict.fromkeys(passed_over) if path not in named])


def iter_inputs(
    specs: Iterable[str], stdin: BinaryIO, facts: ArticleFacts | None = None
) -> Iterator[Article | UnreadableInput]:
    """Every article the inputs name, in order; unreadable ones as UnreadableInput.

    An input is a text file, a JSON Lines file (`.jsonl`) of {"id", "text"}
    records, a saved web page (`.html`), a PDF, an RSS or Atom feed, a folder
    (its files of those kinds), a glob, or "-" for standard input (JSON Lines
    when it starts with "{", a PDF or a feed by its first bytes, else one
    article). `facts` (the run's options) apply to every article, and win over
    its header; a record's or feed entry's own fields win over them.
    A ConfigurationError before anything is read when files need an extra that
    is not installed (`check_extras`).
    """
    specs = list(specs)
    files = list_inputs(specs).read
    check_extras(path for paths in files.values() for path in paths)
    for spec in specs:
        if spec == "-":
            yield from _iter_stdin(stdin, facts)
            continue
        paths = files[spec]
        if not paths:
            yield UnreadableInput(
                spec, InputError(f"{spec}: no article file ({READABLE_FILES}) matches")
            )
        for path in paths:
            yield from _read_file(path, facts)


def _read_file(path: Path, facts: ArticleFacts | None) -> Iterator[Article | UnreadableInput]:
    """The articles of one file, by its kind."""
    kind, article_id, source = input_kind(path), id_from_path(path), str(path)
    try:
        if kind == "jsonl":
            with path.open("rb") as stream:
                yield from iter_jsonl(stream, source, facts)
        elif kind == "text":
            yield read_article(path, facts)
        else:
            yield from _read_document(
                _file_bytes(
                    path,
                    _MAX_DOCUMENT_BYTES,
                    f"{_MAX_DOCUMENT_BYTES:,} bytes for a page, PDF or feed",
                ),
                kind,
                id=article_id,
                source=source,
                facts=facts,
            )
    except OSError as error:
        yield UnreadableInput(article_id, InputError(f"{path}: {error.strerror or error}"))
    except InputError as error:
        yield UnreadableInput(article_id, error)


def _read_document(
    data: bytes, kind: Kind | None, *, id: str, source: str, facts: ArticleFacts | None
) -> Iterator[Article | UnreadableInput]:
    """The articles of a web page, PDF or feed given as bytes."""
    if kind == "feed":
        yield from feed_articles(data, id=id, source=source, facts=facts)
    elif kind == "pdf":
        yield pdf_article(data, id=id, source=source, facts=facts)
    else:
        yield web_page_article(decode_text(data, source), id=id, source=source, facts=facts)


def count_inputs(specs: Iterable[str]) -> int | None:
    """How many items `iter_inputs` will yield for `specs`, or None when it cannot know (stdin).

    One pass over the files without keeping them, for a progress bar's ETA.
    """
    specs = list(specs)
    if "-" in specs:
        return None
    files = list_inputs(specs).read
    total = 0
    for spec in specs:
        for path in files[spec] or [Path(spec)]:
            kind = input_kind(path)
            try:
                if kind == "jsonl":
                    with path.open("rb") as stream:
                        total += sum(1 for line in stream if line.strip())
                elif kind == "feed":
                    total += len(feeds.read_feed(path.read_bytes(), str(path)))
                else:
                    total += 1
            except (OSError, InputError):
                total += 1
    return total


def _iter_stdin(stdin: BinaryIO, facts: ArticleFacts | None) -> Iterator[Article | UnreadableInput]:
    first_line = stdin.readline()
    if first_line.lstrip().startswith(b"{"):
        yield from iter_jsonl(itertools.chain([first_line], stdin), "<stdin>", facts)
        return
    data = first_line + stdin.read()
    # PDFs and feeds have no name here: they are told by their first bytes.
    kind: Kind | None = None
    if data.startswith(_PDF_MAGIC):
        kind = "pdf"
    elif feeds.looks_like_feed(data[: feeds.SNIFF_BYTES]):
        kind = "feed"
    try:
        if kind is None:
            text = decode_text(data, "<stdin>")
            yield _article_from_text(text, id="stdin", source="<stdin>", facts=facts)
        else:
            yield from _read_document(data, kind, id="stdin", source="<stdin>", facts=facts)
    except (InputError, ConfigurationError) as error:
        yield UnreadableInput("stdin", _input_error(error, "<stdin>"))


def _input_error(error: InputError | ConfigurationError, where: str) -> InputError:
    """A missing extra as the error of the one input that needed it (a record's page,
    a PDF on standard input), which no file name could announce: the rest are read."""
    return error if isinstance(error, InputError) else InputError(f"{where}: {error}")
