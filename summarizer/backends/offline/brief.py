"""Brief and event summaries, cut from the article's own sentences.

Nothing is paraphrased: every word comes from the article, so the brief can state
no figure the article does not. Sentences are shortened clause by clause: the
clauses that report an event stay, with those that give figures; attributions
("the regional governor said"), appositions (", a farming village about 60 km north
of Niono,") and asides go. The brief is the lead event's report, then the reports
of the other important events and more of the lead, within the schema's limits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import NamedTuple

from summarizer.backends.offline.events import ExtractedEvent
from summarizer.backends.offline.fatalities import Shape, death_reports
from summarizer.backends.offline.reading import Sentence, words
from summarizer.rules import brief_problem
from summarizer.schema import BRIEF_MAX_SENTENCES, BRIEF_MAX_WORDS
from summarizer.text import collapse_whitespace, count_words

_ATTRIBUTION = re.compile(
    r"^(?:[\w'\u2019.()-]+\s+){0,7}?(?:said|says|say|told\s+\w+|reported|added|cited\s+.*\s+as\s+saying"
    r"|according\s+to\b.*)(?:\s+(?:in|on|late|earlier|at|to|by|via|through|after|during|citing)\b.*)?"
    r"[.!?]?$",
    re.IGNORECASE,
)
_ASIDE = re.compile(
    r"^(?:a|an|who|which|whose|where|adding|saying|citing|capping|bowing|raising|including"
    r"|according|as|while|whereas)\b",
    re.IGNORECASE,
)
_APPOSITION = re.compile(r"^(?:a|an|who|which|whose)\b", re.IGNORECASE)
# An opening clause of circumstance ("After nearly 20 years of talks, ...", "As the storm
# cleared, ..."): not the news, which its main clause tells. "In Kabul, ..." is not one.
OPENING_CIRCUMSTANCE = re.compile(
    r"^\s*(?:after|before|despite|amid|while|following|as|since|with|during|although|though"
    r"|when|because|if|once|until|whereas)\b",
    re.IGNORECASE,
)

_FIGURE = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred)\b",
    re.IGNORECASE,
)
_CUT_BEFORE = words(
    "in on at near with after as and while when by over from for of to during amid who "
    "which that where but"
)
_DANGLING = words("a an the of in on at to and or but with by for from as its their his her")
_RECENT_DAYS = 10
# An article states its news in its first paragraphs; an event first told later is a detail.
_NEWS_PARAGRAPHS = 2
# A capitalised word: a name, unless it is a word that opens sentences.
_NAME = re.compile(r"(?=[A-Z])(?<![\w'\u2019-])[A-Z][\w&'\u2019-]+")
_NOT_SUBJECTS = words(
    "i the a an in on at but and as after before when while if his her their its this that "
    "these those he she it they we mr mrs ms dr monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october "
    "november december"
)
# A name said this often is what the article is about; it is looked for this early.
_SUBJECT_MENTIONS = 3
_SUBJECT_SENTENCES = 8
_MIN_CUT_WORDS = 5
_MIN_SENTENCE_WORDS = 6
# The lead report stays whole up to this many words, leaving room for other events.
_LEAD_FULL_WORDS = 45
_LEAD_DETAIL_SCORE = 3.0

# What may end a sentence already, so that no full stop is added after it: the
# full stops and closing quotes of every script ("。" as well as ".").
_SENTENCE_FINAL = ".!?\"'\u201d\u2019\u2026\u3002\uff01\uff1f\u300d\u300f\u061f\u06d4\u0964"


class _Candidate(NamedTuple):
    score: float
    sentence: Sentence
    keep: frozenset[int]


def compress(
    sentence: Sentence,
    keep: frozenset[int] = frozenset(),
    *,
    minimal: bool = False,
    places: frozenset[str] = frozenset(),
) -> str:
    """The sentence without attributions, appositions and asides, as a sentence.

    `keep` names the clauses that report events; they stay, with what leads up to them
    (subject, time) and the clauses that give figures or name one of `places` (where
    the events happened). `minimal` keeps only the first reporting clause of those.
    A result too short to say anything takes the clauses that follow as well.
    """
    clauses = sentence.clauses
    if minimal and keep:
        keep = frozenset({min(keep)})
    last_kept = max(keep, default=0)
    chosen: list[int] = []
    for index, (start, end) in enumerate(clauses):
        clause = sentence.masked[start:end].strip()
        if not clause:
            continue
        named = any(place in clause for place in places)
        if index == 0 or index in keep:
            chosen.append(index)
        elif _ATTRIBUTION.match(clause) or (_ASIDE.match(clause) and not named):
            continue
        elif (
            index < last_kept
            or named
            or _FIGURE.search(clause)
            or clause.lower().startswith("with ")
        ):
            chosen.append(index)
    if len(clauses) > 1 and OPENING_CIRCUMSTANCE.match(sentence.masked):
        # "As the storm cleared the islands," says nothing alone: its main clause follows,
        # the last clause that is not an attribution.
        main = next(
            (
                index
                for index in range(len(clauses) - 1, 0, -1)
                if not _ATTRIBUTION.match(sentence.masked[slice(*clauses[index])].strip())
            ),
            None,
        )
        if main is not None and main not in chosen:
            chosen = sorted([*chosen, main])
    result = _join(sentence, chosen)
    for index in range(len(clauses)):
        if count_words(result) >= _MIN_SENTENCE_WORDS + 2:
            break
        clause = sentence.masked[clauses[index][0] : clauses[index][1]].strip()
        later = not chosen or index > chosen[-1]
        if index not in chosen and later and not _ATTRIBUTION.match(clause):
            chosen.append(index)
            result = _join(sentence, chosen)
    return result


def _join(sentence: Sentence, chosen: Sequence[int]) -> str:
    """The chosen clauses as one sentence, their original separators kept where adjacent."""
    text = sentence.text
    clauses = sentence.clauses
    pieces: list[str] = []
    for position, index in enumerate(chosen):
        start, end = clauses[index]
        if position:
            previous = chosen[position - 1]
            if previous == index - 1:
                pieces.append(text[clauses[previous][1] : start])
            else:
                skipped = sentence.masked[clauses[index - 1][0] : clauses[index - 1][1]].strip()
                pieces.append(" " if _APPOSITION.match(skipped) else ", ")
        pieces.append(text[start:end])
    result = collapse_whitespace("".join(pieces)).rstrip(" ,;:-")
    if not result:
        return collapse_whitespace(text)
    if result[-1] not in _SENTENCE_FINAL:
        result += "."
    return result[0].upper() + result[1:]


def event_summary(event: ExtractedEvent) -> str:
    """One sentence saying what happened: the event's first report, cut to its core."""
    return compress(
        event.sentences[0], event.report_clauses[0], minimal=True, places=_place_names([event])
    )


def _place_names(events: Sequence[ExtractedEvent]) -> frozenset[str]:
    return frozenset(event.location.name for event in events if event.location.name)


def brief(
    events: Sequence[ExtractedEvent],
    sentences: Sequence[Sentence],
    published: dt.date | None,
    max_words: int = BRIEF_MAX_WORDS,
) -> str:
    """1-3 sentences, at most `max_words` words (the codebook's limit): the lead event,
    then what matters most."""
    if not events or events[0].sentences[0].paragraph > _NEWS_PARAGRAPHS:
        # No event in the opening paragraphs: the article is not the report of one.
        return _lead_brief(sentences, max_words)
    keep: dict[int, set[int]] = {}
    for event in events:
        for sentence, clauses in zip(event.sentences, event.report_clauses, strict=True):
            keep.setdefault(sentence.index, set()).update(clauses)
    places = _place_names(events)
    chosen: list[tuple[Sentence, str]] = []
    for candidate in _candidates(events, published, keep):
        if len(chosen) == BRIEF_MAX_SENTENCES:
            break
        if any(sentence is candidate.sentence for sentence, _ in chosen):
            continue
        lead = not chosen
        # Only the lead report may stay whole; the others are cut to their core.
        text = compress(candidate.sentence, candidate.keep, places=places) if lead else None
        if text is None or count_words(text) > _LEAD_FULL_WORDS:
            text = compress(candidate.sentence, candidate.keep, minimal=True, places=places)
        if not lead and count_words(text) < _MIN_SENTENCE_WORDS:
            continue
        trial = [*chosen, (candidate.sentence, text)]
        if _fits(trial, max_words):
            chosen = trial
        elif lead:
            chosen = [(candidate.sentence, shorten(text, max_words) + ".")]
    chosen.sort(key=lambda pair: pair[0].index)
    return " ".join(text for _, text in chosen)


def _candidates(
    events: Sequence[ExtractedEvent], published: dt.date | None, keep: dict[int, set[int]]
) -> list[_Candidate]:
    """Sentences worth a place in the brief, best first: the lead event's report first."""
    lead, others = events[0], events[1:]
    covered = {sentence.index for sentence in lead.sentences[:1]}
    found = [_Candidate(float("inf"), lead.sentences[0], frozenset(keep[lead.sentences[0].index]))]
    for event in others:
        if event.sentences[0].index in covered:
            continue  # reported in a sentence already chosen
        first = event.sentences[0]
        found.append(_Candidate(_importance(event, published), first, frozenset(keep[first.index])))
    # The toll a brief must not leave out: the lead's own, else the first detail stating one.
    toll_told = _counts_dead(lead.sentences[0])
    for position, sentence in enumerate(lead.sentences[1:]):
        # Figures and the first paragraphs make a detail of the lead worth telling.
        figure = _FIGURE.search(sentence.masked) is not None
        toll = not toll_told and figure and _counts_dead(sentence)
        toll_told = toll_told or toll
        score = (
            _LEAD_DETAIL_SCORE
            - (not figure)
            + toll
            + (sentence.paragraph <= 1) / 2
            - position / 100
        )
        found.append(_Candidate(score, sentence, frozenset(keep[sentence.index])))
    return sorted(found, key=lambda candidate: -candidate.score)


def _counts_dead(sentence: Sentence) -> bool:
    return any(report.shape is not Shape.NONE_DIED for report in death_reports(sentence.masked))


def _importance(event: ExtractedEvent, published: dt.date | None) -> float:
    """Deaths, repeated reports, recency and an early first report make an event matter."""
    recent = (
        event.date is None
        or published is None
        or abs((published - event.date).days) <= _RECENT_DAYS
    )
    deadly = event.fatalities not in (None, 0)
    return (
        1.0
        + 2.0 * deadly
        + min(len(event.sentences), 3)
        + recent
        + (event.sentences[0].paragraph <= 1)
    )


def _fits(chosen: Sequence[tuple[Sentence, str]], max_words: int) -> bool:
    """Whether the pieces make a brief the schema accepts, by the schema's own rule."""
    return brief_problem(" ".join(piece for _, piece in chosen), max_words) is None


def _lead_brief(sentences: Sequence[Sentence], max_words: int) -> str:
    """With no event found, the opening sentences as written, as many as fit, from the
    first that names the article's subject: a feature may open on an anecdote."""
    opening = sentences[:_SUBJECT_SENTENCES]
    subject = _main_subject(sentences)
    first = next(
        (index for index, sentence in enumerate(opening) if subject and subject in sentence.text),
        0,
    )
    chosen: list[tuple[Sentence, str]] = []
    for sentence in sentences[first : first + BRIEF_MAX_SENTENCES * 2]:
        text = collapse_whitespace(sentence.text)
        if text[-1] not in _SENTENCE_FINAL:
            text += "."
        trial = [*chosen, (sentence, text)]
        if _fits(trial, max_words):
            chosen = trial
        elif not chosen:
            return shorten(text, max_words) + "."
        else:
            break
    return " ".join(text for _, text in chosen)


def _main_subject(sentences: Sequence[Sentence]) -> str | None:
    """The name the article repeats most (a company, a person, a country), if any repeats."""
    counts: dict[str, int] = {}
    for sentence in sentences:
        for match in _NAME.finditer(sentence.masked):
            name = match.group()
            if name.lower() not in _NOT_SUBJECTS:
                counts[name] = counts.get(name, 0) + 1
    best = max(counts, key=lambda name: counts[name], default=None)
    return best if best is not None and counts[best] >= _SUBJECT_MENTIONS else None


def shorten(text: str, limit: int) -> str:
    """At most `limit` words, cut before a preposition or conjunction where one allows."""
    words = text.rstrip(".").split()
    if count_words(text) <= limit:
        return " ".join(words) or text.strip()
    kept = words[:limit]
    while count_words(" ".join(kept)) > limit:
        kept.pop()
    if not kept:
        # One token of many words ("a/b/c/..."): cut inside it.
        return _cut_inside(words[0], limit)
    for cut in range(len(kept), _MIN_CUT_WORDS - 1, -1):
        if cut < len(words) and words[cut].lower() in _CUT_BEFORE:
            kept = words[:cut]
            break
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(",;:-")


def _cut_inside(token: str, limit: int) -> str:
    """The longest start of `token` with at most `limit` words (word counts grow with length)."""
    low, high = 0, len(token)
    while low < high:
        middle = (low + high + 1) // 2
        if count_words(token[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return token[:low]
