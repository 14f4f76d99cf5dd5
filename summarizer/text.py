"""Text normalisation shared by validators, the offline extractor and the scorer.

Each function here is the one definition of a form: the form in which a quote is
looked up (`grounding_form`), the numbers a text states (`numbers_in`), the form in
which two names are compared (`name_key`), the form in which a name is looked for in
a text (`mention_form`). The rules built on them, such as "this
quote is in the article", are in summarizer.rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

# Between two pages of a text that has pages (a PDF's): a form feed on a line of its
# own, whitespace to every rule here, and a paragraph break to a reader.
PAGE_BREAK = "\n\f\n"

# Typographic marks and their plain forms. Replaced by a search for the marks, not
# str.translate: translating a whole article character by character is slow, and
# most of an article has no mark to replace.
QUOTE_MARKS = {
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
    # Chinese and Japanese quotation brackets.
    "\u300c": '"',
    "\u300d": '"',
    "\u300e": '"',
    "\u300f": '"',
}
_QUOTE_MARK = re.compile("[" + re.escape("".join(QUOTE_MARKS)) + "]")
_WORD = re.compile(r"\w+(?:[-'\u2019.]\w+)*")
_NUMBER = re.compile(r"(?=\d)(?<![\w.])\d+(?:[,.]\d+)*")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_LETTER = re.compile(r"[^\W\d_]")
_NAME_WORD = re.compile(r"[^\W_]+")
_EDGE_PUNCTUATION = "\"' .,;:\u2026\u3001\u3002\u060c\u061b"

# Scripts written without spaces between words: Han, kana, and the scripts of
# Thailand, Laos, Cambodia and Myanmar. A word boundary cannot be seen in them, so
# rules that look for one treat each of their characters as standing alone.
_IDEOGRAPHIC = (
    "\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
)
_SOUTHEAST_ASIAN = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
UNSPACED_SCRIPTS = _IDEOGRAPHIC + _SOUTHEAST_ASIAN
_UNSPACED_RUN = re.compile(f"[{UNSPACED_SCRIPTS}]+")
_IDEOGRAPH = re.compile(f"[{_IDEOGRAPHIC}]")
_SOUTHEAST_ASIAN_LETTER = re.compile(f"[{_SOUTHEAST_ASIAN}]")
# How many characters of those scripts make a word, for word limits: Chinese words
# average under two characters; a Thai word is about four letters and its marks.
_IDEOGRAPHS_PER_WORD = 2
_SOUTHEAST_ASIAN_LETTERS_PER_WORD = 4
# Scripts whose letters stand right next to digits ("死亡12人", Arabic "و12"): a digit
# after one of them still starts a number, as it would not after a Latin letter ("A320").
_DIGIT_NEIGHBOUR = re.compile(
    f"[{UNSPACED_SCRIPTS}\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\uac00-\ud7af]"
)
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
# Arabic's own decimal and thousands separators.
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})
# Arabic vowel marks and the tatweel (a stretching stroke): a copy of a quote often
# drops or adds them without changing a letter of it.
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")
_SPACE_BY_IDEOGRAPH = re.compile(f" (?=[{_IDEOGRAPHIC}])|(?<=[{_IDEOGRAPHIC}]) ")
# A word character of a spaced script: what must not touch a mention's edge.
_SPACED_WORD_CHAR = f"[^\\W{UNSPACED_SCRIPTS}]"

# English month names and their abbreviations, with their numbers.
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

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
# A full stop, closing marks, a space, and what may start the next sentence (checked:
# not a lower-case letter); or a full stop of Chinese, Japanese, Arabic or Devanagari
# text, which needs no space after it.
_SENTENCE_END = re.compile(
    r"(?<=[.!?\u2026])([\"'\u201d\u2019)\u00bb]*)\s+(?=[\"'\u201c\u2018(\u00ab\u00bf\u00a1]?(\w))"
    r"|(?<=[\u3002\uff01\uff1f\uff61\u061f\u0964])([\"'\u201d\u2019\u300d\u300f\uff09)]*)\s*(?=\S)"
)


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; ends are stripped."""
    # str.split() splits on exactly what `\s` matches, and faster than a regex.
    return " ".join(text.split())


def plain_marks(text: str) -> str:
    """Typographic quote marks, dashes and no-break spaces as their plain forms."""
    return _QUOTE_MARK.sub(_plain_mark, text)


def _plain_mark(match: re.Match[str]) -> str:
    return QUOTE_MARKS[match.group()]


def grounding_form(text: str) -> str:
    """The form in which a quote is looked up in its article.

    Whitespace and typographic quote marks and dashes vary between an article and
    a model's copy of it without changing what is quoted; ellipses and quote marks
    that a model wraps a quote in are not part of the quote.
    """
    if not text.isascii():
        # Full-width letters and digits, composed and decomposed accents, and Arabic
        # vowel marks do not change what is quoted; nor do spaces a copy puts between
        # Chinese or Japanese characters and what is next to them.
        text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text))
    folded = collapse_whitespace(plain_marks(text))
    if not folded.isascii():
        folded = _SPACE_BY_IDEOGRAPH.sub("", folded)
    return folded.strip(_EDGE_PUNCTUATION).removesuffix("...").strip(_EDGE_PUNCTUATION)


@lru_cache(maxsize=16)
def indexed_grounding_form(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """`text` normalised as `grounding_form` normalises it (edges aside), with where
    each of its characters comes from: `text[starts[k]:ends[k]]` gave character k.

    So a quote found in the normalised text has a span in the text as written,
    whatever the normalisation joined, dropped or replaced on the way.
    """
    pieces: list[tuple[str, int, int]] = []
    start = 0
    while start < len(text):
        end = start + 1
        # A letter and its combining marks are normalised together (NFKC composes them).
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        cluster = text[start:end]
        if not cluster.isascii():
            cluster = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", cluster))
        for char in plain_marks(cluster):
            if char.isspace():
                if pieces and pieces[-1][0] == " ":
                    pieces[-1] = (" ", pieces[-1][1], end)  # a run of whitespace is one space
                    continue
                char = " "
            pieces.append((char, start, end))
        start = end
    if not text.isascii():
        ideograph = re.compile(f"[{_IDEOGRAPHIC}]")
        pieces = [
            piece
            for k, piece in enumerate(pieces)
            if piece[0] != " "
            or not (
                (k + 1 < len(pieces) and ideograph.match(pieces[k + 1][0]))
                or (k > 0 and ideograph.match(pieces[k - 1][0]))
            )
        ]
    return (
        "".join(piece[0] for piece in pieces),
        tuple(piece[1] for piece in pieces),
        tuple(piece[2] for piece in pieces),
    )


def count_words(text: str) -> int:
    """Words as a limit counts them; in scripts without spaces, characters per word."""
    if text.isascii():
        return len(_WORD.findall(text))
    ideographs = len(_IDEOGRAPH.findall(text))
    southeast_asian = sum(
        1
        for letter in _SOUTHEAST_ASIAN_LETTER.findall(text)
        if unicodedata.category(letter) != "Mn"  # a vowel or tone mark is not a letter
    )
    spaced = len(_WORD.findall(_UNSPACED_RUN.sub(" ", text)))
    return (
        spaced
        + -(-ideographs // _IDEOGRAPHS_PER_WORD)
        + -(-southeast_asian // _SOUTHEAST_ASIAN_LETTERS_PER_WORD)
    )


def numbers_in(text: str) -> set[str]:
    """Every number written in digits, thousands separators dropped ("1,200" -> "1200").

    Leading zeros stay: the "05" of a date such as 2017-05-25 does not make
    "5 villages" a figure the article states. Digits of every script count, as
    their ASCII digits: Arabic "١٢" and the same in full-width digits are both "12".
    """
    if not text.isascii():
        text = _ascii_digits(text)
    found = set()
    for match in _NUMBER.finditer(text):
        digits = match.group().rstrip(".,")
        if _GROUPED_NUMBER.fullmatch(digits):
            digits = digits.replace(",", "")
        found.add(digits)
    return found


def _ascii_digits(text: str) -> str:
    """The text with ASCII digits and separators, and no letter a number may touch."""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_SEPARATORS)
    text = _NON_ASCII_DIGIT.sub(lambda digit: str(unicodedata.digit(digit.group())), text)
    return _DIGIT_NEIGHBOUR.sub(" ", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of running text, keeping abbreviations such as "U.S." and "Gen." intact."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spaced_stop = match.group(2) is not None
        end = match.end(1) if spaced_stop else match.end(3)
        candidate = text[start:end].strip()
        if not candidate:
            continue
        if spaced_stop:
            if match.group(2).islower():
                continue  # "e.g. the", "... and": the sentence goes on
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


def mention_form(text: str) -> str:
    """The form in which a name is looked for in a text: its grounding form (whitespace,
    quote marks, dashes, composed accents), without diacritics, case-folded."""
    return strip_diacritics(grounding_form(text)).casefold()


def mentions(text: str, spellings: Sequence[str]) -> bool:
    """Whether any spelling occurs in the text as whole words, case-insensitively.

    In scripts written without spaces any run of characters may be a word:
    "积石山" is mentioned in "甘肃省积石山县".

    >>> mentions("Troops entered al-Baaj on Thursday.", ["Baaj", "al-Baaj"])
    True
    """
    folded = mention_form(text)
    return any(mentioned_in_form(spelling, folded) for spelling in spellings)


def mentioned_in_form(spelling: str, folded_text: str) -> bool:
    """Whether `spelling` occurs as whole words in a text already in `mention_form`
    (so a text searched for many names is folded once); a blank spelling never does."""
    folded = mention_form(spelling)
    if not folded:
        return False
    # An edge in a spaced script must be a word boundary; a space-less one cannot be.
    before = f"(?<!{_SPACED_WORD_CHAR})" if re.match(_SPACED_WORD_CHAR, folded) else ""
    after = f"(?!{_SPACED_WORD_CHAR})" if re.match(_SPACED_WORD_CHAR, folded[-1]) else ""
    return re.search(before + re.escape(folded) + after, folded_text) is not None


class AliasTable:
    """Names compared through a table of aliases (canonical name -> other spellings),
    after `name_key`: every spelling of a name has the key of its canonical name.

    >>> table = AliasTable({"Islamic State": ["IS", "Daesh"]})
    >>> table.canonical("the Daesh"), table.canonical("Mosul"), table.canonical(" ")
    ('islamic state', 'mosul', None)
    """

    def __init__(self, aliases: Mapping[str, Iterable[str]] | None = None) -> None:
        self._canonical: dict[str, str] = {}
        # Names repeat across a corpus: each is normalised once.
        self._seen: dict[str, str | None] = {}
        for canonical, spellings in (aliases or {}).items():
            target = name_key(canonical)
            for spelling in (canonical, *spellings):
                self._canonical.setdefault(name_key(spelling), target)

    def canonical(self, name: str | None) -> str | None:
        """The key a name compares by; None for no name (or one of punctuation only)."""
        if name is None:
            return None
        if name not in self._seen:
            key = name_key(name)
            self._seen[name] = self._canonical.get(key, key) if key else None
        return self._seen[name]
