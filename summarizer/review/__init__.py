"""The review page: one self-contained HTML file to read results against their articles.

Every article's text with its evidence highlighted (one colour per event), the
event cards (with the codebook's extra fields; an enum value's definition on
hover), the headline and brief, and filters by the codebook's event types,
country and text. The data is embedded as JSON and drawn by the page's own script on demand
(the visible rows of the article list and the one article chosen), so a page of
ten thousand articles opens quickly. The page loads nothing: no CDN, no fonts, a
Content-Security-Policy that forbids any request.

::

    entries = [review_entry(summary, article) for summary, article in results]
    write_review(Path("review.html"), entries)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.errors import validation_error_text
from summarizer.results_file import iter_result_lines
from summarizer.storage import write_atomically

if TYPE_CHECKING:
    from pydantic import BaseModel

    from summarizer.article import Article
    from summarizer.codebook import Codebook
    from summarizer.readers import UnreadableInput
    from summarizer.run import Record

DEFAULT_TITLE = "Summarizer review"
_MARKER = re.compile(r"__(?:TITLE|STYLE|DATA|SCRIPT)__")
# Characters that could end the <script> block or start markup inside it, as JSON escapes.
_SCRIPT_SAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def review_entry(summary: BaseModel, article: Article | None) -> dict[str, Any]:
    """What the page shows of one result: the result's JSON and, when known, the article text."""
    entry = summary.model_dump(mode="json")
    entry["text"] = article.text if article is not None else None
    entry["source"] = article.source if article is not None else None
    if article is not None:
        # The page shows a located quote as the article's own text; its copy would
        # make a page of 10,000 articles a fifth larger and slower to open.
        for event in entry["events"]:
            for quote in event["evidence"]:
                if quote["start"] is not None:
                    del quote["text"]
    return entry


def failure_entry(article_id: str, message: str, article: Article | None = None) -> dict[str, Any]:
    """An article that ended without a result, shown with why."""
    return {
        "id": article_id,
        "error": message,
        "events": [],
        "text": article.text if article is not None else None,
        "source": article.source if article is not None else None,
    }


def embed_json(document: Any) -> str:
    """JSON that can stand inside a <script> element: no "</script>" or "<!--" can form."""
    encoded = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # str.replace per character, not str.translate: a page of 10,000 articles is
    # tens of megabytes of JSON, and translate maps it one character at a time.
    for character, escaped in _SCRIPT_SAFE:
        encoded = encoded.replace(character, escaped)
    return encoded


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def page_codebook(codebook: Codebook | None) -> dict[str, Any]:
    """What the page knows of the codebook (`news` when None): its types with their
    definitions, in its order, and its extra fields with their enum values' definitions."""
    from summarizer.codebook import DEFAULT_CODEBOOK, load_codebook_or_fail

    chosen = codebook if codebook is not None else load_codebook_or_fail(DEFAULT_CODEBOOK)
    return {
        "name": chosen.name,
        "types": {name: kind.definition for name, kind in chosen.types.items()},
        "fields": {
            name: {
                "type": field.type,
                "description": field.description,
                "values": field.value_definitions,
            }
            for name, field in chosen.fields.items()
        },
    }


def render_review(
    entries: Sequence[Mapping[str, Any]],
    *,
    title: str = DEFAULT_TITLE,
    codebook: Codebook | None = None,
) -> str:
    """The whole page, data included, as one string; `codebook` (default `news`) is
    the one the results were made with."""
    from html import escape

    document = {"title": title, "codebook": page_codebook(codebook), "articles": list(entries)}
    replacements = {
        "__TITLE__": escape(title),
        "__STYLE__": _asset("review.css"),
        "__DATA__": embed_json(document),
        "__SCRIPT__": _asset("review.js"),
    }
    # One pass over the template: a marker inside the data is data, never replaced.
    return _MARKER.sub(lambda found: replacements[found.group()], _asset("page.html"))


def write_review(
    path: Path,
    entries: Sequence[Mapping[str, Any]],
    *,
    title: str = DEFAULT_TITLE,
    codebook: Codebook | None = None,
) -> int:
    """Write the page to `path`, whole or not at all; returns its size in bytes.

    A disk that refuses it raises StorageError naming the path and the OS error.
    """
    page = render_review(entries, title=title, codebook=codebook)
    write_atomically(path, page)
    return len(page.encode("utf-8"))


class ReviewCollector:
    """Keeps what a run's review page needs: each article as it is read, each record
    as it finishes. Articles are looked up by id when their record comes."""

    def __init__(self) -> None:
        self._articles: dict[str, Article] = {}
        self.entries: list[dict[str, Any]] = []

    def remember(
        self, inputs: Iterable[Article | UnreadableInput]
    ) -> Iterator[Article | UnreadableInput]:
        from summarizer.article import Article

        for item in inputs:
            if isinstance(item, Article):
                self._articles[item.id] = item
            yield item

    def add(self, record: Record) -> None:
        from summarizer.run import ResultRecord

        article = self._articles.pop(record.id, None)
        if isinstance(record, ResultRecord):
            self.entries.append(review_entry(record.summary, article))
        else:
            self.entries.append(failure_entry(record.id, record.message, article))


def read_results(
    path: Path, articles: Mapping[str, Article], codebook: Codebook | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The entries of a results file (JSON Lines of results and `{"id", "error"}`
    records, as `summarize --jsonl` writes), matched to articles by id, each
    validated as a result of `codebook` (default `news`).

    A result is validated against its article when the article is known, which
    also places the quotes of a result written before evidence had offsets. A
    line that cannot be read is shown as a failed entry and listed in the second
    value, one message per line; nothing is dropped silently.
    """
    from pydantic import ValidationError

    from summarizer.codebook import DEFAULT_CODEBOOK, load_codebook_or_fail

    result_model = (
        codebook if codebook is not None else load_codebook_or_fail(DEFAULT_CODEBOOK)
    ).result_model
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for line in iter_result_lines(path):
        if line.record is None:
            problems.append(str(line.problem))
            entries.append(failure_entry(f"line-{line.number}", problems[-1]))
            continue
        record, where = line.record, line.where
        article_id = line.article_id or f"line-{line.number}"
        article = articles.get(article_id)
        failure = record.get("error")
        if failure is not None:
            message = failure.get("message") if isinstance(failure, dict) else failure
            entries.append(failure_entry(article_id, str(message), article))
            continue
        context = article.validation_context() if article is not None else None
        if "codebook" not in result_model.model_fields:
            # The codebook a record names is the page's to know, not the result's.
            record.pop("codebook", None)
        try:
            summary = result_model.model_validate(record, context=context)
        except ValidationError as invalid:
            problem = validation_error_text(invalid, limit=1)
            problems.append(f"{where} ({article_id}): not a valid result: {problem}")
            entries.append(failure_entry(article_id, problems[-1], article))
            continue
        entries.append(review_entry(summary, article))
    return entries, problems
