"""Coding the rules' events in a user's codebook: which of its types each event is.

The rules find the events (the sentences that report them, their dates, places,
parties, tolls and evidence) and read each as one of the 13 types of the `news`
codebook, their own vocabulary. With another codebook each event gets one of its
types, or is left out:

1. The codebook's type with the same key as the rules' reading, if it has one:
   `acled` shares its six keys with news, whose definitions are ACLED's, and the
   rules' reading of a sentence ("protesters hurled stones": a riot, not a
   protest) is finer than a list of words can be.
2. Else the type whose `keywords` the event's report contains: the clauses naming
   the event in each of its sentences, in order (not the rest of those sentences,
   which tell of other things); of two keywords the first in the text wins, then
   the longer, then the type listed first.
3. Else none: the event is not one the codebook codes, and is left out.

A keyword matches as a whole word or phrase, in any case, as written or with a
simple ending on its last word: -s, -es, -ed, -ing, -er, -ers (a final -y becoming
-ies, -ied; a final -e dropped before -ing). Other forms (irregular ones, doubled
consonants: "kidnapped") are the codebook's to list. A keyword written in lower
case does not match a capitalised word inside a sentence, which is a name ("on 3
March", "the Rally party"). Quoted speech is not read, as the rules do not read it.

`sub_event_type` is the rules' subtype written as a key ("air/drone strike" is
`air_drone_strike`) when it is a subtype of the chosen type; else the subtype
whose key, as words, the event's report contains ("marched" for `march`); else
null. Extra fields stay null (or empty): the rules read no crowd sizes, claims or
organisers, and a value they cannot read is not guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from summarizer.backends.offline.events import ExtractedEvent
from summarizer.backends.offline.reading import Sentence
from summarizer.codebook import Codebook
from summarizer.errors import ConfigurationError
from summarizer.schema import EventType

_VOWELS = frozenset("aeiou")
_NON_KEY = re.compile(r"[^a-z0-9]+")
# The rules' own types: a codebook type with one of these keys is found by the rules.
_RULE_TYPES = frozenset(member.value for member in EventType)


@dataclass(frozen=True)
class CodedEvent:
    """An event the rules found, with the codebook's type for it."""

    event: ExtractedEvent
    event_type: str
    sub_event_type: str | None


def word_forms(word: str) -> list[str]:
    """A word as written and with the simple endings the keyword rule allows."""
    if not word.isalpha():
        return [word]
    if word.isupper():
        return [word, word + "s"]  # an acronym: "IED", "IEDs"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        stem = word[:-1]
        return [word, stem + "ies", stem + "ied", word + "ing"]
    if word.endswith("e"):
        stem = word[:-1]
        return [word, word + "s", word + "d", stem + "ing", word + "r", word + "rs"]
    return [word, *(word + ending for ending in ("s", "es", "ed", "ing", "er", "ers"))]


def keyword_pattern(keyword: str) -> str:
    """A keyword as a regular expression: its words apart by any space, the last inflected."""
    *first, last = keyword.split()
    forms = "|".join(re.escape(form) for form in sorted(word_forms(last), key=len, reverse=True))
    return r"\s+".join([*map(re.escape, first), f"(?:{forms})"])


class KeywordMatcher:
    """Finds the keywords of several names (types, or subtypes) in a sentence's text."""

    def __init__(self, keywords: dict[str, Sequence[str]]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], bool]] = []
        for name, listed in keywords.items():
            # Lower-case keywords do not match names; the others match in any case.
            for lowered in (True, False):
                chosen = [word for word in listed if word.islower() == lowered]
                if chosen:
                    alternatives = "|".join(map(keyword_pattern, chosen))
                    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
                    self._patterns.append((name, pattern, lowered))

    def first(self, sentence: Sentence, spans: Iterable[tuple[int, int]]) -> str | None:
        """The name whose keyword comes first in the spans of the sentence (the longer
        match, then the name listed first, at the same place), or None."""
        text = sentence.masked
        opening = len(text) - len(text.lstrip())
        best: tuple[int, int, int, str] | None = None
        for start, end in spans:
            for order, (name, pattern, lowered) in enumerate(self._patterns):
                for match in pattern.finditer(text, start, end):
                    if lowered and match.start() != opening and match.group()[0].isupper():
                        continue
                    found = (match.start(), -len(match.group()), order, name)
                    if best is None or found < best:
                        best = found
                    break
        return None if best is None else best[3]

    def in_event(self, event: ExtractedEvent) -> str | None:
        """The name found first in the clauses that report the event, sentence by sentence.

        Only those clauses: the rest of a sentence tells of other things ("resigned,
        bowing to two weeks of protests"; "killing 36, and the stationmaster was arrested").
        """
        for sentence, clauses in zip(event.sentences, event.report_clauses, strict=True):
            found = self.first(sentence, (sentence.clauses[index] for index in sorted(clauses)))
            if found is not None:
                return found
        return None


def as_key(name: str) -> str:
    """A subtype's name as a codebook key: "air/drone strike" is `air_drone_strike`."""
    return _NON_KEY.sub("_", name.lower()).strip("_")


class EventCoding:
    """How the offline extractor types its events in one codebook.

    Raises ConfigurationError for a codebook none of whose types it could ever find.
    """

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        # Resolved once: the codebook finds its models by hashing its content.
        self.extraction_model: type[BaseModel] = codebook.extraction_model
        self.own_vocabulary = codebook.event_type is EventType
        findable = [
            name for name, kind in codebook.types.items() if kind.keywords or name in _RULE_TYPES
        ]
        if not self.own_vocabulary and not findable:
            raise ConfigurationError(
                f"the offline extractor needs keywords for the types of the codebook "
                f"{codebook.name!r} (a `keywords:` list under each type); or use an LLM: set "
                "OPENAI_API_KEY, or OPENAI_BASE_URL / --base-url for a local server"
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # A worker process rebuilds it from the codebook: the models are made per process.
        return EventCoding, (self.codebook,)

    @cached_property
    def _types(self) -> KeywordMatcher:
        return KeywordMatcher({name: kind.keywords for name, kind in self.codebook.types.items()})

    @cached_property
    def _subtypes(self) -> dict[str, KeywordMatcher]:
        return {
            name: KeywordMatcher({key: [key.replace("_", " ")] for key in kind.subtypes})
            for name, kind in self.codebook.types.items()
            if kind.subtypes
        }

    def code(self, events: Iterable[ExtractedEvent]) -> list[CodedEvent]:
        """The events the codebook codes, each with its type and subtype, in order."""
        if self.own_vocabulary:
            return [
                CodedEvent(event, event.event_type.value, event.sub_event_type) for event in events
            ]
        coded = []
        for event in events:
            chosen = self._type_of(event)
            if chosen is not None:
                coded.append(CodedEvent(event, chosen, self._subtype_of(event, chosen)))
        return coded

    def _type_of(self, event: ExtractedEvent) -> str | None:
        own = event.event_type.value
        if own in self.codebook.types:
            return own
        return self._types.in_event(event)

    def _subtype_of(self, event: ExtractedEvent, chosen: str) -> str | None:
        subtypes = self.codebook.types[chosen].subtypes
        if not subtypes:
            return None
        if event.sub_event_type is not None and as_key(event.sub_event_type) in subtypes:
            return as_key(event.sub_event_type)
        return self._subtypes[chosen].in_event(event)
