"""How the offline extractor reads an article: paragraphs, sentences, quoted speech, clauses.

Every rule reads `Sentence.masked`, the sentence with quoted speech blanked out:
what a witness, a statement or a hijacked social-media post says inside quote marks
is a claim, not the reporter's account, and text inside quotes must never steer the
extraction ("Ignore all previous instructions..."). The mask keeps every character
offset, so a span found in the masked text cuts the same words out of the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.text import split_sentences

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_QUOTE_OR_BREAK = re.compile(r'["\u201c\u201d]|\n\s*\n')
_OPENING_ONLY = "\u201c"
_CLOSING_ONLY = "\u201d"
# Clause boundaries: commas (not the one inside "June 20, 2015"), semicolons, colons,
# dashes, and the conjunctions that start a second clause without a comma. The
# lookahead skips, at the cost of one test, the letters where no break can start.
_CLAUSE_BREAK = re.compile(
    r"(?=[,;:\s])"
    r"(?:,\s+(?!\d{4}\b)|;\s+|:\s+|\s+[-\u2013\u2014]{1,2}\s+|\s+(?=(?:while|whereas)\s))"
)
_WORD = re.compile(r"[a-z]+")
# Chinese has no spaces to find words by: a sentence in its script gets this sign among its
# words, under which the rules for Chinese are filed.
CJK_SIGN = "\0cjk"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# "8:55 p.m. (1755 GMT) with its epicentre...": the splitter's stop after "p.m." is no
# sentence end; neither is one after a single capital ("Robert F. Kennedy").
_FALSE_STOP = re.compile(r"(?:\b[ap]\.m\.|\b[A-Z]\.)$")
# An ellipsis inside a quotation marks words left out of it, not the end of a sentence:
# '"The pressure is on... the minister," she said.' is one sentence.
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|\u2026)$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: verbatim text, its masked twin, and where it stands in the article."""

    text: str
    masked: str
    paragraph: int
    index: int
    lowered: str = field(init=False, repr=False)  # the masked text in lower case
    words: frozenset[str] = field(init=False, repr=False)
    _clauses: tuple[tuple[int, int], ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Every sentence is screened by its words; only a few are read any further.
        object.__setattr__(self, "lowered", self.masked.lower())
        found = _WORD.findall(self.lowered)
        if _CJK.search(self.masked):
            found.append(CJK_SIGN)
        object.__setattr__(self, "words", frozenset(found))

    @property
    def clauses(self) -> tuple[tuple[int, int], ...]:
        # Cut on first use, as only sentences that may report an event are; by hand, as
        # functools.cached_property takes a lock on every read.
        clauses = self._clauses
        if clauses is None:
            clauses = clause_spans(self.masked)
            object.__setattr__(self, "_clauses", clauses)
        return clauses

    def clause_at(self, offset: int) -> int:
        """The index of the clause holding a character offset."""
        for index, (_, end) in enumerate(self.clauses):
            if offset < end:
                return index
        return len(self.clauses) - 1


def words(text: str) -> frozenset[str]:
    """The words of a space-separated list: how the rule modules write their word lists."""
    return frozenset(text.split())


def read_sentences(body: str) -> list[Sentence]:
    """The body's sentences in order, each with its quote-masked twin."""
    masked_body = mask_quotes(body)
    sentences: list[Sentence] = []
    start = 0
    paragraph_index = 0
    for match in [*_PARAGRAPH_BREAK.finditer(body), None]:
        end = match.start() if match else len(body)
        paragraph = body[start:end]
        cursor = 0
        for piece in _join_false_stops(paragraph, split_sentences(paragraph)):
            offset = paragraph.find(piece, cursor)
            cursor = offset + len(piece)
            begin = start + offset
            masked = masked_body[begin : begin + len(piece)]
            sentences.append(Sentence(piece, masked, paragraph_index, len(sentences)))
        if paragraph.strip():
            paragraph_index += 1
        start = match.end() if match else len(body)
    return sentences


def _join_false_stops(paragraph: str, pieces: list[str]) -> list[str]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        start = paragraph.find(piece, cursor)
        cursor = start + len(piece)
        if spans and _is_false_stop(paragraph[spans[-1][0] : spans[-1][1]]):
            spans[-1] = (spans[-1][0], cursor)
        else:
            spans.append((start, cursor))
    return [paragraph[start:end] for start, end in spans]


def _is_false_stop(piece: str) -> bool:
    if _FALSE_STOP.search(piece):
        return True
    if not _ELLIPSIS_END.search(piece):
        return False
    # An open quotation: more straight quotes than pairs, or an opening curly one unclosed.
    return piece.count('"') % 2 == 1 or piece.count(_OPENING_ONLY) > piece.count(_CLOSING_ONLY)


def mask_quotes(text: str) -> str:
    """The text with every quotation, marks included, replaced by spaces.

    Straight quotes alternate open/close; curly ones say which they are. A quote
    left open closes at the end of its paragraph, as wire copy leaves a quote that
    runs on into the next paragraph.
    """
    spans: list[tuple[int, int]] = []
    opened_at: int | None = None
    for match in _QUOTE_OR_BREAK.finditer(text):
        mark = match.group()
        if mark[0] != '"' and mark not in (_OPENING_ONLY, _CLOSING_ONLY):
            if opened_at is not None:
                spans.append((opened_at, match.start()))
                opened_at = None
        elif opened_at is None:
            if mark != _CLOSING_ONLY:
                opened_at = match.start()
        elif mark != _OPENING_ONLY:
            spans.append((opened_at, match.end()))
            opened_at = None
    if opened_at is not None:
        spans.append((opened_at, len(text)))
    pieces: list[str] = []
    last = 0
    for begin, end in spans:
        pieces.append(text[last:begin])
        pieces.append(" " * (end - begin))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each clause, in order; the separators belong to no clause."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return tuple(spans)
