"""The offline extractor: the backend that needs no model, no key and no network.

Rules read the article: trigger words give each event its type, calendar arithmetic
its date, a bundled gazetteer and the phrasing around names its place, a lexicon
its parties, and the death figures its toll. The brief is cut from the article's own
sentences and the headline written from its lead, in the article's words.
Deterministic, and fast enough to be the baseline that every LLM run is compared with.

The rules read events in the `news` codebook's types; with another codebook
(`OfflineBackend(codebook=...)`) each event gets the codebook's type by the rule in
`coding`: the same key, else the codebook's `keywords`.

>>> from summarizer import summarize
>>> article = "date 2017-05-25 Baghdad: Troops retook Baaj on Thursday."
>>> result = summarize(article, backend="offline")
>>> result.events[0].location, [quote.text for quote in result.events[0].evidence]
(Location(name='Baaj', country='Iraq'), ['Troops retook Baaj on Thursday.'])
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from summarizer.article import Article
from summarizer.backends.base import Draft
from summarizer.backends.offline.brief import brief, event_summary
from summarizer.backends.offline.coding import CodedEvent, EventCoding
from summarizer.backends.offline.events import extract_events
from summarizer.backends.offline.headlines import written_headline
from summarizer.backends.offline.known_places import data_version
from summarizer.codebook import DEFAULT_CODEBOOK, Codebook
from summarizer.language import language_name
from summarizer.schema import Usage

_RULE_FILES = ("*.py", "data/*.txt")


@cache
def extractor_version() -> str:
    """ "offline-" and a hash of the extractor's code and data.

    A change to any rule is a new version, so results cached under the old rules are
    not served for the new ones; so is installing the `geo` extra, whose countries the
    gazetteer adds.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(path for pattern in _RULE_FILES for path in package.glob(pattern)):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(data_version().encode())
    return "offline-" + digest.hexdigest()[:12]


def extract(article: Article, codebook: Codebook | None = None) -> BaseModel:
    """The headline, brief and events of one article, as `codebook.extraction_model`
    (the `news` codebook when None).

    Quotes are whole sentences of the article and the brief is cut from it, so the
    result passes the article checks by construction; the pipeline runs them once,
    with the article, on every result.
    """
    return _extract(article, _news_coding() if codebook is None else EventCoding(codebook))


@cache
def _news_coding() -> EventCoding:
    return EventCoding(Codebook.load(DEFAULT_CODEBOOK))


def _extract(article: Article, coding: EventCoding) -> BaseModel:
    codebook = coding.codebook
    sentences, found = extract_events(article)
    coded = coding.code(found)
    events = [entry.event for entry in coded]
    brief_text = brief(events, sentences, article.published, codebook.brief.max_words)
    return coding.extraction_model.model_validate(
        {
            "headline": written_headline(brief_text),
            "brief": brief_text,
            "events": [_event_fields(entry, codebook) for entry in coded],
        }
    )


def _event_fields(coded: CodedEvent, codebook: Codebook) -> dict[str, Any]:
    """The core fields the codebook keeps; its extra fields are left to their defaults
    (null, or empty): the rules do not read them (see `coding`)."""
    event = coded.event
    fields: dict[str, Any] = {
        "event_type": coded.event_type,
        "sub_event_type": coded.sub_event_type,
        "date": event.date,
        "date_end": event.date_end,
        "location": event.location,
    }
    if codebook.core.actors:
        fields["actors"] = event.actors
    if codebook.core.fatalities:
        fields["fatalities"] = event.fatalities
    fields["summary"] = event_summary(event)
    fields["evidence"] = event.evidence
    return fields


def language_notice(article: Article) -> str | None:
    """What to tell the user when an article is not in English, the one language the rules read."""
    language = article.language
    if language is None or language == "en":
        return None
    return (
        f"{article.id} is in {language_name(language)}; the offline extractor reads English "
        "only. Use an LLM for it: set OPENAI_API_KEY, or OPENAI_BASE_URL / --base-url for a "
        "local server."
    )


class OfflineBackend:
    """The Backend that runs the offline extractor in-process.

    >>> backend = OfflineBackend()
    >>> backend.extract(Article.from_text("date 2017-05-25 Baghdad: Troops retook Baaj.")).attempts
    1
    """

    name = "offline"
    model: str | None = None

    def __init__(self, codebook: Codebook | None = None) -> None:
        """`codebook`: the types to code events in (`news`, the rules' own, when None).

        Raises ConfigurationError for a codebook none of whose types the rules could
        find (no keywords, and no type named as one of theirs).
        """
        self._coding = _news_coding() if codebook is None else EventCoding(codebook)
        self.codebook = self._coding.codebook
        self.prompt_version = self.codebook.versioned(extractor_version())

    @property
    def settings(self) -> dict[str, Any]:
        # The rules have no knobs; their version is the prompt_version. Another
        # codebook types the events otherwise, so it is part of the cache key.
        if self.codebook.is_default:
            return {}
        return {"codebook": f"{self.codebook.name}@{self.codebook.hash}"}

    def extract(self, article: Article) -> Draft:
        return Draft(_extract(article, self._coding), Usage(), attempts=1)

    async def aextract(self, article: Article) -> Draft:
        # Milliseconds of pure computation: not worth a thread hop.
        return self.extract(article)


__all__ = ["OfflineBackend", "extract", "extractor_version", "language_notice"]
