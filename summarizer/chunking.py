"""Where a long document is cut into chunks a model can read: paragraphs, then sentences.

A text over the token budget is cut into pieces, each within the budget: its
paragraphs (blank-line separated, else one a line), a paragraph too long for
the budget into its sentences (`text.split_sentences`), and a sentence too
long into runs of words. Pieces are packed in order into chunks of at most
the budget, so a chunk ends at a paragraph end wherever the paragraphs allow.
Each chunk after the first starts with the last sentence of the one before
(`OVERLAP_SENTENCES`), so an event told across the cut is read whole once.

Offsets are code points into the text given, as Python's str counts them.

>>> text = "A first paragraph. Its end.\\n\\nThe second paragraph of six words.\\n\\nA third."
>>> words = lambda part: len(part.split())
>>> [text[start:end] for start, end in split_spans(text, 8, words)]
['A first paragraph. Its end.', 'Its end.\\n\\nThe second paragraph of six words.', 'A third.']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from summarizer.text import split_sentences

# The chunk budget when nothing smaller is needed. Long-context models find fewer
# events in one long input than in several short ones, and a reply for a chunk
# with many events must fit the model's output limit: a few thousand tokens a
# chunk (about 4,500 words of English) keeps both in hand.
DEFAULT_CHUNK_TOKENS = 6_000
# What a context window must hold besides a chunk: the prompt (instructions,
# codebook and schema; `tokens.PROMPT_OVERHEAD_TOKENS` for `news`, more for a
# larger codebook) and the reply.
PROMPT_ROOM_TOKENS = 2_000
REPLY_ROOM_TOKENS = 4_096
# No budget goes below this, however small the context (or how often a chunk was
# halved after a context-length error): a chunk of a sentence or two.
MIN_CHUNK_TOKENS = 100
# Sentences of a chunk's end that the next chunk reads again.
OVERLAP_SENTENCES = 1
# An overlap sentence longer than this share of the budget is not repeated.
_OVERLAP_SHARE = 4

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_WORD = re.compile(r"\S+")


def default_chunk_tokens(context_window: int | None) -> int:
    """The chunk budget for a model that reads `context_window` tokens at once (None:
    not known): `DEFAULT_CHUNK_TOKENS`, or less when the window leaves less room.

    >>> default_chunk_tokens(None), default_chunk_tokens(128_000), default_chunk_tokens(8_192)
    (6000, 6000, 2096)
    """
    if context_window is None:
        return DEFAULT_CHUNK_TOKENS
    room = context_window - PROMPT_ROOM_TOKENS - REPLY_ROOM_TOKENS
    return max(MIN_CHUNK_TOKENS, min(DEFAULT_CHUNK_TOKENS, room))


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    tokens: int


def split_spans(
    text: str,
    budget: int,
    count: Callable[[str], int],
    *,
    overlap: int = OVERLAP_SENTENCES,
) -> list[tuple[int, int]]:
    """The (start, end) offsets of the chunks of `text` for a `budget` in the tokens
    `count` counts; one span, the whole text, when it fits."""
    if count(text) <= budget:
        return [(0, len(text))]
    pieces = list(_pieces(text, budget, count))
    chunks: list[tuple[int, int]] = []
    index = 0
    while index < len(pieces):
        start, used = pieces[index].start, 0
        if chunks and overlap:
            repeated = _overlap(text, chunks[-1], overlap, count, budget, pieces[index].tokens)
            if repeated is not None:
                start, used = repeated
        end = index
        while end < len(pieces) and (end == index or used + pieces[end].tokens <= budget):
            used += pieces[end].tokens
            end += 1
        chunks.append((start, pieces[end - 1].end))
        index = end
    return chunks


def _overlap(
    text: str,
    previous: tuple[int, int],
    sentences: int,
    count: Callable[[str], int],
    budget: int,
    following: int,
) -> tuple[int, int] | None:
    """Where the repeated end of the previous chunk starts, and its tokens; None when
    it is longer than a share of the budget, or leaves no room for the `following`
    piece's tokens."""
    spans = list(_sentence_spans(text, *previous))[-sentences:]
    if not spans or spans[0][0] <= previous[0]:
        return None  # the previous chunk is one sentence: repeating it is repeating all
    tokens = count(text[spans[0][0] : previous[1]])
    if tokens > budget // _OVERLAP_SHARE or tokens + following > budget:
        return None
    return spans[0][0], tokens


def _pieces(text: str, budget: int, count: Callable[[str], int]) -> Iterator[_Piece]:
    """Paragraphs within the budget; else their sentences; else runs of words."""
    for start, end in _paragraph_spans(text):
        tokens = count(text[start:end])
        if tokens <= budget:
            yield _Piece(start, end, tokens)
            continue
        for sentence_start, sentence_end in _sentence_spans(text, start, end):
            tokens = count(text[sentence_start:sentence_end])
            if tokens <= budget:
                yield _Piece(sentence_start, sentence_end, tokens)
            else:
                yield from _word_runs(text, sentence_start, sentence_end, budget, count)


def _paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    separator = _BLANK_LINE if _BLANK_LINE.search(text) else re.compile(r"\n")
    start = 0
    for match in [*separator.finditer(text), None]:
        end = match.start() if match else len(text)
        span = _stripped(text, start, end)
        if span is not None:
            yield span
        if match:
            start = match.end()


def _sentence_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    at = start
    for sentence in split_sentences(text[start:end]):
        found = text.find(sentence, at, end)
        if found < 0:  # the splitter changed the sentence's text: no span to give
            continue
        at = found + len(sentence)
        yield found, at


def _word_runs(
    text: str, start: int, end: int, budget: int, count: Callable[[str], int]
) -> Iterator[_Piece]:
    """A sentence longer than the budget, as runs of whole words within it."""
    run_start: int | None = None
    run_end = tokens = 0
    for word in _WORD.finditer(text, start, end):
        size = count(word.group()) + 1  # the space before it, about
        if run_start is not None and tokens + size > budget:
            yield _Piece(run_start, run_end, tokens)
            run_start = None
        if run_start is None:
            run_start, tokens = word.start(), 0
        run_end, tokens = word.end(), tokens + size
    if run_start is not None:
        yield _Piece(run_start, run_end, tokens)


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    part = text[start:end]
    if not part.strip():
        return None
    return start + len(part) - len(part.lstrip()), end - (len(part) - len(part.rstrip()))
