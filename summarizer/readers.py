"""Reading articles: files, globs, folders, standard input and JSON Lines records.

Every way an input can be unreadable becomes one `InputError` that names the
input; in a batch, an `UnreadableInput` in its place, so the rest go on.
"""

from __future__ import annotations

import glob
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from summarizer.article import (
    MAX_ARTICLE_CHARS,
    Article,
    ArticleFacts,
    content_id,
    parse_published,
)
from summarizer.errors import InputError, json_error_text

# A UTF-8 character is at most four bytes: a bigger file cannot be within the limit,
# and is refused before it is read into memory.
_MAX_ARTICLE_BYTES = 4 * MAX_ARTICLE_CHARS
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


def id_from_path(path: Path) -> str:
    """The article id a file name gives: its stem, lower-cased, other characters as '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return slug or content_id(str(path))


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
