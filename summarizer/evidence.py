"""Where an evidence quote stands in its article: character offsets for every quote.

Backends quote, they never count: a model is asked for the words, and offsets are
found here, once, when the pipeline validates a result. `locate_quote` searches in
the same normalised form as the grounding check (`summarizer.text.grounding_form`:
runs of whitespace as one space, typographic quote marks and dashes as plain ones,
wrapping quote marks and ellipses dropped), so a quote the check accepts has a
span, and `article[start:end]` is the quote up to that normalisation, in any script.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationInfo

from summarizer.text import grounding_form, plain_marks


@dataclass(frozen=True)
class _SearchForm:
    """An article with whitespace runs collapsed and marks made plain, and where each
    character of that form came from in the original."""

    text: str
    origins: tuple[int, ...]


@lru_cache(maxsize=64)
def _search_form(article: str) -> _SearchForm:
    # plain_marks replaces one character by one character, so only the whitespace
    # runs change lengths; each kept character remembers its original index.
    plain = plain_marks(article)
    kept: list[str] = []
    origins: list[int] = []
    in_space = False
    for index, char in enumerate(plain):
        if char.isspace():
            if not in_space and kept:
                kept.append(" ")
                origins.append(index)
            in_space = True
            continue
        in_space = False
        kept.append(char)
        origins.append(index)
    return _SearchForm("".join(kept), tuple(origins))


def locate_quote(quote: str, article: str) -> tuple[int, int] | None:
    """The (start, end) offsets of `quote` in `article`, or None when it is not there.

    The first occurrence is taken. The span covers the quote's grounding form: no
    whitespace, wrapping quote marks, ellipsis or closing full stop around it.

    >>> article = "Police said: \u201cThe   march was peaceful\u201d."
    >>> start, end = locate_quote('"The march was peaceful"', article)
    >>> article[start:end]
    'The   march was peaceful'
    """
    wanted = grounding_form(quote)
    if not wanted:
        return None
    form = _search_form(article)
    position = form.text.find(wanted)
    if position < 0:
        return None
    last = position + len(wanted) - 1
    return form.origins[position], form.origins[last] + 1


def span_matches(quote: str, article: str, start: int, end: int) -> bool:
    """Whether `article[start:end]` is `quote` up to the grounding normalisation."""
    if not 0 <= start < end <= len(article):
        return False
    return grounding_form(article[start:end]) == grounding_form(quote)


def locate_evidence(value: Any, info: ValidationInfo) -> Any:
    """A result's evidence as `{"text", "start", "end"}` records located in the article.

    Runs before the field is parsed. A plain quote (what every backend emits, and
    what results stored before spans hold) is located; a record whose offsets no
    longer select its quote is located again. Without an article in the validation
    context (a result built by hand) records are taken as they are, and a plain
    quote gets no offsets.
    """
    if not isinstance(value, list):
        return value  # the field's own type check says what is wrong
    context = info.context if isinstance(info.context, dict) else {}
    article = context.get("article_text")
    located: list[Any] = []
    missing: list[str] = []
    for item in value:
        quote, span = _quote_and_span(item)
        if quote is None:
            located.append(item)
            continue
        if not isinstance(article, str):
            located.append({"text": quote} if isinstance(item, str) else item)
            continue
        if span is None or not span_matches(quote, article, *span):
            span = locate_quote(quote, article)
        if span is None:
            missing.append(quote)
            continue
        located.append({"text": quote, "start": span[0], "end": span[1]})
    if missing:
        listed = "; ".join(repr(quote) for quote in missing)
        raise ValueError(f"these evidence quotes do not occur in the article: {listed}")
    return located


def _quote_and_span(item: Any) -> tuple[str | None, tuple[int, int] | None]:
    """The quote of one evidence item and its offsets if it has them; None for a
    malformed item, which the field's type check reports."""
    if isinstance(item, str):
        return item, None
    record = item.model_dump() if isinstance(item, BaseModel) else item
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None, None
    start, end = record.get("start"), record.get("end")
    if isinstance(start, int) and isinstance(end, int):
        return record["text"], (start, end)
    return record["text"], None
