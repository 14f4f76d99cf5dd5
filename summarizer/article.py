"""Articles: the input side of the pipeline.

An `Article` is the text plus what its dateline header says. This module also
reads articles from files, standard input and JSON Lines, and turns every way
an input can be unreadable into one `InputError` that names the input.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from summarizer.errors import InputError, json_error_text
from summarizer.language import detect_language, language_name
from summarizer.schema import ValidationContext
from summarizer.wire import read_dateline, remove_leftovers, story_date

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
# The longest article accepted: about 25,000 tokens of English, so the article, the
# prompt and the reply fit a 32k-token context (most local models; OpenAI's hold more).
# Longer texts are rejected rather than split: events and a brief merged from parts
# would be unvalidated guesswork, and a text this long is rarely one news article.
MAX_ARTICLE_CHARS = 100_000
# A UTF-8 character is at most four bytes: a bigger file cannot be within the limit,
# and is refused before it is read into memory.
_MAX_ARTICLE_BYTES = 4 * MAX_ARTICLE_CHARS
# The contract's header: "date 2017-05-25 Baghdad: text ...".
_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})(?:\s+([^:\n]{1,80}?))?\s*:\s*")
# Control characters that never occur in text files (tab, newlines, form feed do).
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
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
    brief_language: str | None = field(default=None, repr=False)

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
        if text.lstrip().startswith("<") and _PAGE_TAG.search(text, 0, _PAGE_TAG_WITHIN):
            raise InputError(
                f"{source}: looks like HTML, not plain text; extract the article text first"
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
            brief_language=facts.brief_language,
        )

    def validation_context(self) -> ValidationContext:
        """What the output validators check a result for this article against."""
        return {"article_text": self.text, "published": self.published}


def _header(published: dt.date | None, dateline: str | None) -> str:
    """The header that states these facts, as an article's own header would."""
    if published is None:
        return ""  # the header form needs a date; the dateline is in the facts alone
    return f"date {published.isoformat()}{' ' + dateline if dateline else ''}: "


def content_id(text: str) -> str:
    """An id for an article that came without one, stable for the same text."""
    return "article-" + hashlib.sha256(text.encode()).hexdigest()[:10]


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


def id_from_path(path: Path) -> str:
    """The article id a file name gives: its stem, lower-cased, other characters as '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or content_id(str(path))


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


def read_article(path: Path, facts: ArticleFacts | None = None) -> Article:
    """One article from a text file; the file name (without suffix) is its id."""
    try:
        size = path.stat().st_size
        if size > _MAX_ARTICLE_BYTES:
            raise InputError(
                f"{path}: the file is {size:,} bytes, over the limit of "
                f"{MAX_ARTICLE_CHARS:,} characters per article; split it into separate articles"
            )
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    return Article.from_text(
        decode_text(data, str(path)), id=id_from_path(path), source=str(path), facts=facts
    )


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
    url is the article's id.
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
    text = record.get("text")
    if not isinstance(text, str):
        return UnreadableInput(article_id, InputError(f'{where}: the record has no "text" string'))
    try:
        record_facts = _record_facts(record, where)
        if facts is not None:
            record_facts = record_facts.filled_from(facts)
        return Article.from_text(
            text, id=article_id, source=f"{where} ({article_id})", facts=record_facts
        )
    except InputError as error:
        return UnreadableInput(article_id, error)


def iter_jsonl(
    stream: Iterable[bytes], source: str, facts: ArticleFacts | None = None
) -> Iterator[Article | UnreadableInput]:
    """Articles of a JSON Lines stream, one at a time, so memory stays flat."""
    for line_number, line in enumerate(stream, start=1):
        if line.strip():
            yield parse_jsonl_line(line, source=source, line_number=line_number, facts=facts)


# What a folder or a glob yields: text articles and JSON Lines feeds. A file named on
# its own is read whatever its name; a folder's or glob's other files (notes, pages,
# labels) are passed over and named once (`InputFiles.passed_over`).
ARTICLE_SUFFIXES = (".txt", ".jsonl", ".ndjson")


def _looks_like_jsonl(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson")


@dataclass(frozen=True)
class InputFiles:
    """The files command-line inputs name, found before any is read.

    `read` holds each input's files in order (an input naming no file has an
    empty list); `passed_over` the files its folders and globs hold that are not
    articles by their extension. A subfolder is never an input of its own: a
    folder yields the article files under it, a glob the article files it matches.
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
        read[spec] = [file for file in found if file.suffix.lower() in ARTICLE_SUFFIXES]
        passed_over.extend(file for file in found if file.suffix.lower() not in ARTICLE_SUFFIXES)
    # Each named once; a file another input names on its own is read, not passed over.
    named = {path for paths in read.values() for path in paths}
    return InputFiles(read, [path for path in dict.fromkeys(passed_over) if path not in named])


def iter_inputs(
    specs: Iterable[str], stdin: BinaryIO, facts: ArticleFacts | None = None
) -> Iterator[Article | UnreadableInput]:
    """Every article the inputs name, in order; unreadable ones as UnreadableInput.

    An input is a text file, a JSON Lines file (`.jsonl`) of {"id", "text"}
    records, a folder (its .txt and .jsonl files), a glob, or "-" for standard
    input (JSON Lines when it starts with "{", else one article). `facts` (the
    run's options) apply to every article, and win over its header; a record's
    own fields win over them.
    """
    specs = list(specs)
    files = list_inputs(specs).read
    for spec in specs:
        if spec == "-":
            yield from _iter_stdin(stdin, facts)
            continue
        paths = files[spec]
        if not paths:
            yield UnreadableInput(
                spec, InputError(f"{spec}: no article file ({', '.join(ARTICLE_SUFFIXES)}) matches")
            )
        for path in paths:
            if _looks_like_jsonl(path):
                try:
                    with path.open("rb") as stream:
                        yield from iter_jsonl(stream, str(path), facts)
                except OSError as error:
                    yield UnreadableInput(
                        id_from_path(path), InputError(f"{path}: {error.strerror or error}")
                    )
                continue
            try:
                yield read_article(path, facts)
            except InputError as error:
                yield UnreadableInput(id_from_path(path), error)


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
            if not _looks_like_jsonl(path):
                total += 1
                continue
            try:
                with path.open("rb") as stream:
                    total += sum(1 for line in stream if line.strip())
            except OSError:
                total += 1
    return total


def _iter_stdin(stdin: BinaryIO, facts: ArticleFacts | None) -> Iterator[Article | UnreadableInput]:
    first_line = stdin.readline()
    if first_line.lstrip().startswith(b"{"):
        yield from iter_jsonl(itertools.chain([first_line], stdin), "<stdin>", facts)
        return
    try:
        text = decode_text(first_line + stdin.read(), "<stdin>")
        yield Article.from_text(text, id="stdin", source="<stdin>", facts=facts)
    except InputError as error:
        yield UnreadableInput("stdin", error)
