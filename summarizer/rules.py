"""The rules every result keeps, each defined once.

The schema's validators enforce them on every result (a broken one becomes the
message of a re-ask); the eval's sanity checks measure them with these same
functions, so a validator and the metric that audits it cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from summarizer.text import (
    count_words,
    grounding_form,
    mention_form,
    mentioned_in_form,
    numbers_in,
    split_sentences,
)

HEADLINE_MAX_WORDS = 15
BRIEF_MAX_WORDS = 60
BRIEF_MAX_SENTENCES = 3

_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def is_blank_quote(quote: str) -> bool:
    """A quote without a letter or digit ("", "...", "—") quotes nothing, wherever it is found."""
    return _LETTER_OR_DIGIT.search(quote) is None


def quote_is_grounded(quote: str, article_text: str) -> bool:
    """Whether the article holds the quote, compared in `grounding_form`; a blank quote never is.

    >>> quote_is_grounded("\u201cTroops   entered\u201d", 'He said: "Troops entered the town."')
    True
    """
    return not is_blank_quote(quote) and grounding_form(quote) in _article_form(article_text)


def ungrounded_quotes(quotes: Iterable[str], article_text: str) -> list[str]:
    """The quotes the article does not hold, in their order."""
    return [quote for quote in quotes if not quote_is_grounded(quote, article_text)]


def evidence_problem(quotes: Sequence[str], article_text: str | None) -> str | None:
    """What is wrong with an event's quotes, or None: blank ones (with or without the
    article), then ones the article does not contain (when it is given)."""
    blank = [quote for quote in quotes if is_blank_quote(quote)]
    if blank:
        return (
            f"these evidence quotes have no words: {_listed(blank)}. Each quote must copy "
            "words from the article, not only spaces or punctuation"
        )
    missing = ungrounded_quotes(quotes, article_text) if article_text is not None else []
    if missing:
        return (
            f"these evidence quotes do not occur in the article: {_listed(missing)}. "
            "Copy each quote character for character from the article text "
            "(a whole sentence or a contiguous part of one), without paraphrasing"
        )
    return None


def _listed(quotes: Sequence[str]) -> str:
    return "; ".join(repr(quote) for quote in quotes)


@lru_cache(maxsize=64)
def _article_form(article_text: str) -> str:
    """Computed once for all the quotes of all the events checked against one article."""
    return grounding_form(article_text)


# Words that say what kind of place a name is, not which: "Diyala province" is the
# Diyala an article names, and "the city of Gao" names Gao. A place name may add or
# drop them at either end ("of" and "the" join them to the name) and still rest on the
# article. Kept small: a word here lets a name through with less of it checked.
GENERIC_PLACE_WORDS = frozenset(
    {
        "area",
        "city",
        "county",
        "department",
        "district",
        "governorate",
        "municipality",
        "oblast",
        "prefecture",
        "province",
        "region",
        "state",
        "territory",
        "town",
        "village",
    }
)
_PLACE_JOINING_WORDS = frozenset({"of", "the"})


def place_is_grounded(name: str, article_text: str) -> bool:
    """Whether the article names the place, as whole words, up to case, quote marks,
    accents and the script's own rules (`mention_form`), and to generic words such as
    "province" at either end. Each part of "Gao, Mali" must be named.

    >>> place_is_grounded("Diyala Province", "Clashes in Diyala left two dead.")
    True
    >>> place_is_grounded("Timbuktu", "An earthquake struck southern Peru.")
    False
    """
    article = _article_mention_form(article_text)
    parts = [part for part in name.split(",") if part.strip()]
    return bool(parts) and all(_part_is_named(part, article) for part in parts)


def _part_is_named(part: str, article: str) -> bool:
    words = mention_form(part).split()
    ignorable = GENERIC_PLACE_WORDS | _PLACE_JOINING_WORDS
    while words and words[0] in ignorable:
        words.pop(0)
    while words and words[-1] in ignorable:
        words.pop()
    # A name of generic words only ("the city") names no place, wherever it is written.
    if not words:
        return False
    return mentioned_in_form(part, article) or mentioned_in_form(" ".join(words), article)


@lru_cache(maxsize=64)
def _article_mention_form(article_text: str) -> str:
    """Folded once for all the places of all the events checked against one article."""
    return mention_form(article_text)


def ungrounded_places(names: Iterable[str], article_text: str) -> list[str]:
    """The place names the article does not name, in their order."""
    return [name for name in names if not place_is_grounded(name, article_text)]


def location_problem(name: str | None, article_text: str | None) -> str | None:
    """Why an event's place name does not rest on the article, or None (no name, no
    article, or a name the article gives). The country is not checked: it may be inferred."""
    if name is None or article_text is None or place_is_grounded(name, article_text):
        return None
    return (
        f"the location name {name!r} does not occur in the article. Give the most specific "
        "place the article itself names, spelt as the article spells it, or null if it "
        "names none"
    )


def unsupported_numbers(text: str, article_text: str) -> list[str]:
    """The numbers written in `text` that the article does not state, sorted."""
    return sorted(numbers_in(text) - _article_numbers(article_text))


@lru_cache(maxsize=64)
def _article_numbers(article_text: str) -> frozenset[str]:
    return frozenset(numbers_in(article_text))


def headline_problem(headline: str) -> str | None:
    """Why the headline breaks the length rule, or None when it keeps it."""
    if not headline.strip():
        return f"the headline is empty; write a headline of at most {HEADLINE_MAX_WORDS} words"
    words = count_words(headline)
    if words > HEADLINE_MAX_WORDS:
        return f"the headline has {words} words; shorten it to at most {HEADLINE_MAX_WORDS}"
    return None


def brief_problem(brief: str, max_words: int = BRIEF_MAX_WORDS) -> str | None:
    """Why the brief breaks the length rule, or None when it keeps it; a codebook
    may set its own word limit."""
    if not brief.strip():
        return f"the brief is empty; write 1-{BRIEF_MAX_SENTENCES} sentences about the article"
    words = count_words(brief)
    if words > max_words:
        return f"the brief has {words} words; shorten it to at most {max_words}"
    sentences = len(split_sentences(brief))
    if sentences > BRIEF_MAX_SENTENCES:
        return f"the brief has {sentences} sentences; use at most {BRIEF_MAX_SENTENCES}"
    return None
