"""Text normalisation shared by validators, the offline extractor and the scorer.

Each function here is the one definition of a form: the form in which a quote is
looked up (`grounding_form`), the numbers a text states (`numbers_in`), the form in
which two names are compared (`name_key`). The rules built on them, such as "this
quote is in the article", are in summarizer.rules.
"""

from __future__ import annotations

import re
import unicodedata

# Typographic marks and their plain forms. Replaced by a search for the marks, not
# str.translate: translating a whole article character by character is slow, and
# most of an article has no mark to replace.
_QUOTE_MARKS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u00a0": " ",
}
_QUOTE_MARK = re.compile("[" + re.escape("".join(_QUOTE_MARKS)) + "]")
_WORD = re.compile(r"\w+(?:[-'\u2019.]\w+)*")
_NUMBER = re.compile(r"(?=\d)(?<![\w.])\d+(?:[,.]\d+)*")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_LETTER = re.compile(r"[a-z]")
_NAME_WORD = re.compile(r"[^\W_]+")
_EDGE_PUNCTUATION = "\"' .,;:\u2026"

# Abbreviations whose full stop does not end a sentence in wire copy.
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "st",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "corp",
        "co",
        "jr",
        "sr",
        "rev",
        "gov",
        "sen",
        "rep",
        "u.s",
        "u.n",
        "u.k",
        "e.g",
        "i.e",
    }
)
_SENTENCE_END = re.compile(r"(?<=[.!?])([\"'\u201d\u2019)]*)\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; ends are stripped."""
    # str.split() splits on exactly what `\s` matches, and faster than a regex.
    return " ".join(text.split())


def plain_marks(text: str) -> str:
    """Typographic quote marks, dashes and no-break spaces as their plain forms."""
    return _QUOTE_MARK.sub(_plain_mark, text)


def _plain_mark(match: re.Match[str]) -> str:
    return _QUOTE_MARKS[match.group()]


def grounding_form(text: str) -> str:
    """The form in which a quote is looked up in its article.

    Whitespace and typographic quote marks and dashes vary between an article and
    a model's copy of it without changing what is quoted; ellipses and quote marks
    that a model wraps a quote in are not part of the quote.
    """
    folded = collapse_whitespace(plain_marks(text))
    return folded.strip(_EDGE_PUNCTUATION).removesuffix("...").strip(_EDGE_PUNCTUATION)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def numbers_in(text: str) -> set[str]:
    """Every number written in digits, thousands separators dropped ("1,200" -> "1200").

    Leading zeros stay: the "05" of a date such as 2017-05-25 does not make
    "5 villages" a figure the article states.
    """
    found = set()
    for match in _NUMBER.finditer(text):
        digits = match.group().rstrip(".,")
        if _GROUPED_NUMBER.fullmatch(digits):
            digits = digits.replace(",", "")
        found.add(digits)
    return found


def split_sentences(text: str) -> list[str]:
    """Sentences of running text, keeping abbreviations such as "U.S." and "Gen." intact."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.end(1)].strip()
        if not candidate:
            continue
        last_word = candidate.rsplit(None, 1)[-1].rstrip(".\"'\u201d\u2019)").lower()
        if last_word in _ABBREVIATIONS or _LETTER.fullmatch(last_word):
            continue
        sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def strip_diacritics(text: str) -> str:
    if text.isascii():
        return text  # nothing to decompose
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(name: str) -> str:
    """The form in which two names of a place or party are compared.

    Case, punctuation, diacritics and a leading "the" do not make a different name:
    "The Islamic State" and "islamic state", "Kraków" and "Krakow" are equal.
    """
    folded = strip_diacritics(plain_marks(name)).casefold()
    words = _NAME_WORD.findall(folded)
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)
