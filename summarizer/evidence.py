"""Where an evidence quote stands in its article: character offsets for every quote.

Backends quote, they never count: a model is asked for the words, and offsets are
found here, once, when the pipeline validates a result. `locate_quote` matches up
to the normalisation of the grounding check (`summarizer.text.grounding_form`:
runs of whitespace as one space, typographic quote marks and dashes as plain ones,
wrapping quote marks and ellipses dropped), so a quote the check accepts has a
span, and `article[start:end]` is the quote up to that normalisation, in any script.
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationInfo

# The table of typographic marks is the grounding rule's own; read, never copied.
from summarizer.rules import evidence_problem
from summarizer.text import QUOTE_MARKS, grounding_form, indexed_grounding_form


@cache
def _variants() -> dict[str, str]:
    """Each plain character of the grounding form and a regex class of what it stands for."""
    spellings: dict[str, set[str]] = {}
    for typographic, plain in QUOTE_MARKS.items():
        spellings.setdefault(plain, {plain}).add(typographic)
    return {
        plain: "[" + re.escape("".join(sorted(marks))) + "]" for plain, marks in spellings.items()
    }


def _quote_pattern(wanted: str) -> re.Pattern[str]:
    """A pattern that matches, in the article as written, any text whose grounding
    form is `wanted`: a space matches a whitespace run, a plain mark its variants."""
    variants = _variants()
    parts = []
    for char in wanted:
        if char == " ":
            parts.append(r"\s+")
        else:
            parts.append(variants.get(char, re.escape(char)))
    return re.compile("".join(parts))


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
    # Searching the article as written gives the offsets directly, and is fast; it
    # sees whitespace, quote marks and dashes. What else the normalisation changes
    # (composed accents, full-width forms, Arabic vowel marks, spaces beside
    # ideographs) needs the normalised article and its map back to the text.
    found = _quote_pattern(wanted).search(article)
    if found:
        return found.start(), found.end()
    normalised, starts, ends = indexed_grounding_form(article)
    at = normalised.find(wanted)
    return (starts[at], ends[at + len(wanted) - 1]) if at >= 0 else None


def span_matches(quote: str, article: str, start: int, end: int) -> bool:
    """Whether `article[start:end]` is `quote` up to the grounding normalisation."""
    if not 0 <= start < end <= len(article):
        return False
    return grounding_form(article[start:end]) == grounding_form(quote)


def locate_evidence(value: Any, info: ValidationInfo) -> Any:
    """A result's evidence as `{"text", "start", "end"}` records located in the article,
    with the `page` of each when the context has the article's `page_starts`.

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
    page_starts = context.get("page_starts")
    pairs = [_quote_and_span(item) for item in value]
    quotes = [quote for quote, _ in pairs if quote is not None]
    problem = evidence_problem(quotes, article if isinstance(article, str) else None)
    if problem is not None:
        raise ValueError(problem)
    located: list[Any] = []
    for item, (quote, span) in zip(value, pairs, strict=True):
        if quote is None:
            located.append(item)
        elif not isinstance(article, str):
            located.append({"text": quote} if isinstance(item, str) else item)
        else:
            if span is None or not span_matches(quote, article, *span):
                span = locate_quote(quote, article)
            if span is None:  # grounded yet not found: the two rules disagree, a bug
                raise ValueError(f"the evidence quote {quote!r} could not be located")
            record = {"text": quote, "start": span[0], "end": span[1]}
            if page_starts:
                record["page"] = bisect.bisect_right(page_starts, span[0])
            located.append(record)
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
