"""The output contract: what every backend must produce and every label is compared with.

Field names are the words of the labelled-article contract (`event_type`, `date`,
`location`, `actors`, `fatalities`), so a prediction and a hand label compare field
by field.

Validators that need the article (quotes, numbers and place names must be found in
it) read it from Pydantic's validation context
(`ValidationContext`): instructor passes the same context when it validates an LLM
reply, so a failed check becomes a re-ask whose message says exactly what to fix.
Without a context (a result built by hand, a label) those checks are skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypedDict, TypeVar, cast

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from summarizer.evidence import locate_evidence

# The limits are the rules' own; named here too, as part of the contract.
from summarizer.rules import BRIEF_MAX_SENTENCES as BRIEF_MAX_SENTENCES
from summarizer.rules import BRIEF_MAX_WORDS as BRIEF_MAX_WORDS
from summarizer.rules import HEADLINE_MAX_WORDS as HEADLINE_MAX_WORDS
from summarizer.rules import (
    brief_problem,
    evidence_problem,
    headline_problem,
    location_problem,
    unsupported_numbers,
)

EVIDENCE_MAX_QUOTES = 3

_Model = TypeVar("_Model", bound=BaseModel)


class ValidationContext(TypedDict, total=False):
    """What validators may know about the article the result claims to describe."""

    article_text: str
    published: dt.date | None
    # Where each page of `article_text` starts (a PDF's); absent without pages.
    page_starts: tuple[int, ...]


class EventType(str, Enum):
    """The closed event vocabulary: ACLED's six types, then general news."""

    BATTLE = "battle"
    EXPLOSION_REMOTE_VIOLENCE = "explosion_remote_violence"
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians"
    PROTEST = "protest"
    RIOT = "riot"
    STRATEGIC_DEVELOPMENT = "strategic_development"
    DISASTER = "disaster"
    ACCIDENT = "accident"
    POLITICAL = "political"
    ECONOMIC = "economic"
    LEGAL = "legal"
    HEALTH = "health"
    OTHER = "other"


class Location(BaseModel):
    """Where an event happened: the most specific place named, and its country."""

    model_config = ConfigDict(extra="forbid")

    # `default=` by keyword: mypy reads only that as a default, and `Location()` is called.
    name: str | None = Field(default=None, description="Most specific place named for the event.")
    country: str | None = Field(default=None, description="English short name of the country.")


class FatalityRange(BaseModel):
    """A death toll that sources report differently."""

    model_config = ConfigDict(extra="forbid")

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> FatalityRange:
        if self.min > self.max:
            raise ValueError(
                f"fatalities min ({self.min}) is greater than max ({self.max}); "
                "put the lower figure in min and the higher in max"
            )
        return self


Fatalities = Annotated[int, Field(ge=0)] | FatalityRange | None


def article_context(info: ValidationInfo) -> ValidationContext:
    context = info.context
    return cast(ValidationContext, context) if isinstance(context, dict) else {}


def check_not_after_publication(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    published = article_context(info).get("published")
    if value is not None and published is not None and value > published:
        raise ValueError(
            f"{info.field_name} {value.isoformat()} is after the publication date "
            f"{published.isoformat()}; give the date the event itself happened, "
            "resolved against the publication date, or null if the article does not say"
        )
    return value


def check_span_ordered(event: _Model) -> _Model:
    """An event's last day is not before its first."""
    start, end = getattr(event, "date", None), getattr(event, "date_end", None)
    if start is not None and end is not None and end < start:
        raise ValueError(
            f"date_end {end.isoformat()} is before date {start.isoformat()}; "
            "date is the first day of the event and date_end the last"
        )
    return event


def check_place_in_article(location: Location, info: ValidationInfo) -> Location:
    """An event's place is one the article (when known) names."""
    problem = location_problem(location.name, article_context(info).get("article_text"))
    if problem is not None:
        raise ValueError(problem)
    return location


def check_quotes_in_article(quotes: list[str], info: ValidationInfo) -> list[str]:
    """An event's evidence quotes have words, and the article (when known) holds them."""
    problem = evidence_problem(quotes, article_context(info).get("article_text"))
    if problem is not None:
        raise ValueError(problem)
    return quotes


def check_headline(headline: str) -> str:
    problem = headline_problem(headline)
    if problem is not None:
        raise ValueError(problem)
    return headline


def brief_description(max_words: int) -> str:
    """What a brief is, as the JSON Schema tells a model."""
    return (
        f"1-{BRIEF_MAX_SENTENCES} sentences, at most {max_words} words, "
        "stating only facts from the article."
    )


def brief_rule(max_words: int) -> Callable[[str], str]:
    """A validator of a brief's length, for a word limit (a codebook may set its own)."""

    def check_brief(brief: str) -> str:
        problem = brief_problem(brief, max_words)
        if problem is not None:
            raise ValueError(problem)
        return brief

    return check_brief


def check_numbers_from_article(extraction: _Model, info: ValidationInfo) -> _Model:
    """The headline and brief state only numbers the article (when known) writes."""
    article = article_context(info).get("article_text")
    if article is None:
        return extraction
    for field in ("headline", "brief"):
        unsupported = unsupported_numbers(getattr(extraction, field), article)
        if unsupported:
            raise ValueError(
                f"the {field} contains numbers the article does not state: "
                f"{', '.join(unsupported)}. Use only figures written in the article, "
                "as the article writes them"
            )
    return extraction


class EventFields(BaseModel):
    """The fields an event is scored on; shared by predicted events and hand labels."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    event_type: EventType = Field(description="One value of the closed event vocabulary.")
    sub_event_type: str | None = Field(
        None, description="Optional finer type, ACLED's sub-event names where they fit."
    )
    date: dt.date | None = Field(
        None,
        description="ISO date of the event itself (not of publication); null if not stated.",
    )
    date_end: dt.date | None = Field(None, description="Last day, for an event spanning days.")
    location: Location = Field(default_factory=lambda: Location())
    actors: list[str] = Field(
        default_factory=list, description="Parties that acted or were acted on."
    )
    fatalities: Fatalities = Field(
        None,
        description="Deaths: an integer, {min, max} when reports differ, null when no figure "
        "is given; 0 only when the article says nobody died.",
    )
    summary: str = Field(description="One sentence saying what happened.")

    _date_not_after_publication = field_validator("date", "date_end")(check_not_after_publication)

    _place_in_article = field_validator("location")(check_place_in_article)
    _span_ordered = model_validator(mode="after")(check_span_ordered)


# What a backend emits: quotes as plain strings. A model is never asked to count
# characters; the pipeline locates each quote when it builds the result's `Event`.
# (The docstring is the description a model reads in the JSON Schema.)
class ExtractedEvent(EventFields):
    """One event the article reports, with the verbatim quotes it rests on."""

    evidence: list[str] = Field(
        min_length=1,
        max_length=EVIDENCE_MAX_QUOTES,
        description="1-3 exact quotes copied from the article that support this event.",
    )

    _quotes_in_article = field_validator("evidence")(check_quotes_in_article)


class Extraction(BaseModel):
    """What a backend extracts from one article: a headline, a brief and the events."""

    model_config = ConfigDict(extra="forbid")

    headline: str = Field(description=f"At most {HEADLINE_MAX_WORDS} words.")
    brief: str = Field(description=brief_description(BRIEF_MAX_WORDS))
    events: list[ExtractedEvent] = Field(
        default_factory=list, description="Every event the article reports."
    )

    _headline_short = field_validator("headline")(check_headline)
    _brief_short = field_validator("brief")(brief_rule(BRIEF_MAX_WORDS))
    _numbers_from_article = model_validator(mode="after")(check_numbers_from_article)


class Usage(BaseModel):
    """Tokens spent on one result, summed over re-asks."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Evidence(BaseModel):
    """A quote and where it stands in the article: `article.text[start:end]` is the
    quote, up to the normalisation the grounding check allows (whitespace, quote
    marks, dashes). Offsets count Unicode code points, as Python's str does.

    Every result the pipeline validates has offsets; they are null only in a result
    built without its article (by hand, or read back without the article text).
    `page` is the page the quote starts on, for an article with pages (a PDF); an
    article without pages has no `page` key in its result.
    """

    model_config = ConfigDict(extra="forbid")

    text: str
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    page: int | None = Field(default=None, ge=1, description="The page the quote starts on.")

    @model_serializer(mode="wrap")
    def _without_absent_page(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A result of an article without pages keeps the shape it had before pages.
        data: dict[str, Any] = handler(self)
        if data.get("page") is None:
            data.pop("page", None)
        return data


class Event(EventFields):
    """One event of a result, with each quote it rests on located in the article."""

    evidence: list[Evidence] = Field(
        min_length=1,
        max_length=EVIDENCE_MAX_QUOTES,
        description="1-3 quotes from the article, each with its character offsets.",
    )

    _evidence_located = field_validator("evidence", mode="before")(locate_evidence)


class CodebookRef(BaseModel):
    """Which codebook a result was extracted with: its name and content hash."""

    model_config = ConfigDict(extra="forbid")

    name: str
    hash: str


class ArticleSummary(Extraction):
    """A validated result for one article: the extraction plus where it came from."""

    events: list[Event] = Field(  # type: ignore[assignment]
        default_factory=list, description="Every event the article reports."
    )
    # The article's id under the key its input record, its label and an error record
    # use; results written before were keyed "article_id", and still read.
    id: str = Field(validation_alias=AliasChoices("id", "article_id"))
    published: dt.date | None = None
    dateline: str | None = None
    backend: str
    model: str | None = None
    prompt_version: str
    usage: Usage = Field(default_factory=Usage)
    attempts: int = Field(1, ge=1, description="Requests made, counting re-asks.")
    # Null only in a result made before codebooks, or built by hand: those are `news`.
    codebook: CodebookRef | None = Field(
        None, description="The codebook the events were extracted with: name and content hash."
    )


@cache
def schema_version() -> str:
    """A short hash of what a backend is asked for and of the result: part of every
    cache key, so a result stored in an older shape is a miss, never misread."""
    schemas = [Extraction.model_json_schema(), ArticleSummary.model_json_schema()]
    return hashlib.sha256(json.dumps(schemas, sort_keys=True).encode()).hexdigest()[:12]
