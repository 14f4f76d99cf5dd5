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
from pathlib import Path
from typing import BinaryIO

from summarizer.errors import InputError
from summarizer.schema import ValidationContext

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
_HEADER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\s+([^:\n]{1,80}?)\s*:\s*")
# Control characters that never occur in text files (tab, newlines, form feed do).
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# A web page: markup from the first character and a page-level tag near the top.
# Its boilerplate (menus, scripts) would be summarized as if it were the story;
# prose that mentions a "<body>" tag, or a "<" in running text, is not a page.
_PAGE_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_PAGE_TAG_WITHIN = 4096


@dataclass(frozen=True)
class Article:
    """One news article: its text, an id, and the publication date and place of its header.

    >>> article = Article.from_text("date 2017-05-25 Baghdad: Troops advanced on Thursday.")
    >>> article.published, article.dateline
    (datetime.date(2017, 5, 25), 'Baghdad')
    """

    text: str
    id: str
    published: dt.date | None = None
    dateline: str | None = None
    body: str = field(default="", repr=False)
    # Where the article came from ("a.txt", "feed.jsonl:12"), for messages about it.
    source: str = field(default="<text>", repr=False, compare=False)

    @classmethod
    def from_text(cls, text: str, *, id: str | None = None, source: str = "<text>") -> Article:
        """Parse the optional dateline header; `source` names the input in errors."""
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
        body = text.strip()
        header = _HEADER.match(text)
        if header:
            try:
                published = dt.date.fromisoformat(header.group(1))
            except ValueError:
                raise InputError(
                    f"{source}: the header date {header.group(1)!r} is not a valid date"
                ) from None
            dateline = header.group(2).strip()
            body = text[header.end() :].strip()
            if not body:
                raise InputError(f"{source}: the article has a header but no text")
        return cls(
            text=text,
            id=id or content_id(text),
            published=published,
            dateline=dateline,
            body=body,
            source=source,
        )

    def validation_context(self) -> ValidationContext:
        """What the output validators check a result for this article against."""
        return {"article_text": self.text, "published": self.published}


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


def read_article(path: Path) -> Article:
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
    return Article.from_text(decode_text(data, str(path)), id=id_from_path(path), source=str(path))


@dataclass(frozen=True)
class UnreadableInput:
    """An input that is not an article, kept in the stream so it is reported, not lost."""

    id: str
    error: InputError


def parse_jsonl_line(line: bytes, *, source: str, line_number: int) -> Article | UnreadableInput:
    """One `{"id": ..., "text": ...}` record; a bad one becomes UnreadableInput, not an error."""
    where = f"{source}:{line_number}"
    # Named after the file too, so bad lines of two files never share an id.
    fallback_id = f"{id_from_path(Path(source))}-line-{line_number}"
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return UnreadableInput(fallback_id, InputError(f"{where}: not UTF-8 text"))
    except json.JSONDecodeError as error:
        return UnreadableInput(fallback_id, InputError(f"{where}: not valid JSON ({error.msg})"))
    if not isinstance(record, dict):
        return UnreadableInput(fallback_id, InputError(f"{where}: expected a JSON object"))
    raw_id = record.get("id")
    article_id = str(raw_id) if isinstance(raw_id, (str, int)) and str(raw_id) else fallback_id
    text = record.get("text")
    if not isinstance(text, str):
        return UnreadableInput(article_id, InputError(f'{where}: the record has no "text" string'))
    try:
        return Article.from_text(text, id=article_id, source=f"{where} ({article_id})")
    except InputError as error:
        return UnreadableInput(article_id, error)


def iter_jsonl(stream: Iterable[bytes], source: str) -> Iterator[Article | UnreadableInput]:
    """Articles of a JSON Lines stream, one at a time, so memory stays flat."""
    for line_number, line in enumerate(stream, start=1):
        if line.strip():
            yield parse_jsonl_line(line, source=source, line_number=line_number)


def _looks_like_jsonl(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson")


def _expand(spec: str) -> list[Path]:
    """The files one command-line input names: a file, a folder's articles, or a glob."""
    path = Path(spec)
    if path.is_dir():
        return sorted(
            child
            for child in path.rglob("*")
            if child.is_file() and (child.suffix.lower() == ".txt" or _looks_like_jsonl(child))
        )
    if not path.exists() and any(char in spec for char in "*?["):
        return sorted(Path(match) for match in glob.glob(spec, recursive=True))
    return [path]


def iter_inputs(specs: Iterable[str], stdin: BinaryIO) -> Iterator[Article | UnreadableInput]:
    """Every article the inputs name, in order; unreadable ones as UnreadableInput.

    An input is a text file, a JSON Lines file (`.jsonl`) of {"id", "text"}
    records, a folder (its .txt and .jsonl files), a glob, or "-" for standard
    input (JSON Lines when it starts with "{", else one article).
    """
    for spec in specs:
        if spec == "-":
            yield from _iter_stdin(stdin)
            continue
        paths = _expand(spec)
        if not paths:
            yield UnreadableInput(spec, InputError(f"{spec}: no file matches"))
        for path in paths:
            if _looks_like_jsonl(path):
                try:
                    with path.open("rb") as stream:
                        yield from iter_jsonl(stream, str(path))
                except OSError as error:
                    yield UnreadableInput(
                        id_from_path(path), InputError(f"{path}: {error.strerror or error}")
                    )
                continue
            try:
                yield read_article(path)
            except InputError as error:
                yield UnreadableInput(id_from_path(path), error)


def count_inputs(specs: Iterable[str]) -> int | None:
    """How many items `iter_inputs` will yield for `specs`, or None when it cannot know (stdin).

    One pass over the files without keeping them, for a progress bar's ETA.
    """
    total = 0
    for spec in specs:
        if spec == "-":
            return None
        for path in _expand(spec) or [Path(spec)]:
            if not _looks_like_jsonl(path):
                total += 1
                continue
            try:
                with path.open("rb") as stream:
                    total += sum(1 for line in stream if line.strip())
            except OSError:
                total += 1
    return total


def _iter_stdin(stdin: BinaryIO) -> Iterator[Article | UnreadableInput]:
    first_line = stdin.readline()
    if first_line.lstrip().startswith(b"{"):
        yield from iter_jsonl(itertools.chain([first_line], stdin), "<stdin>")
        return
    try:
        text = decode_text(first_line + stdin.read(), "<stdin>")
        yield Article.from_text(text, id="stdin", source="<stdin>")
    except InputError as error:
        yield UnreadableInput("stdin", error)
