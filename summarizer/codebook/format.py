"""The codebook file format: one strict Pydantic model of what a codebook file may say.

The format is public (users write these files, editors check them against
`CodebookFormat.model_json_schema()`, which `summarize codebook schema` prints), so
its keys are spelled once, here, and renaming one is a breaking change. What the
format cannot say in a JSON Schema (an example's quotes are in its own text, its
types are the codebook's) is checked in `summarizer.codebook.check`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from summarizer.rules import BRIEF_MAX_WORDS

# The fields every event has, whatever the codebook; an extra field may not take
# their names. `required` and `event_key` are keys of a label event (the
# labelled-article contract), so a field named so could not be labelled.
CORE_FIELDS = (
    "event_type",
    "sub_event_type",
    "date",
    "date_end",
    "location",
    "actors",
    "fatalities",
    "summary",
    "evidence",
)
LABEL_KEYS = ("required", "event_key")
# A codebook's language setting that means "the language of each article".
ARTICLE_LANGUAGE = "article"

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _not_core(name: str) -> str:
    if name in CORE_FIELDS:
        raise ValueError(f"{name!r} is a core field of every event; name the extra field otherwise")
    if name in LABEL_KEYS:
        raise ValueError(f"{name!r} is a key of label events; name the extra field otherwise")
    return name


FieldName = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$"), AfterValidator(_not_core)
]


def _empty_when_null(value: Any) -> Any:
    """`riot:` with nothing under it is a type without a definition, said as such."""
    return {} if value is None else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TypeSpec(_Strict):
    """One event type: what it means, what it covers, and its subtypes."""

    definition: NonBlank = Field(description="What an event of this type is, in a sentence.")
    include: list[NonBlank] = Field(
        default_factory=list, description="Kinds of event this type covers."
    )
    exclude: list[NonBlank] = Field(
        default_factory=list, description="Kinds of event this type does not cover."
    )
    subtypes: dict[Key, NonBlank] = Field(
        default_factory=dict, description="Subtype -> its definition; sub_event_type is one."
    )
    keywords: list[NonBlank] = Field(
        default_factory=list, description="Words that name this type, for the offline extractor."
    )


_TypeEntry = Annotated[TypeSpec, BeforeValidator(_empty_when_null)]

FieldType = Literal["string", "integer", "number", "boolean", "enum", "list"]
_BOUNDED = ("integer", "number")
_QUOTABLE = ("string", "integer", "list")


class FieldSpec(_Strict):
    """An extra field on each event, beside the core fields."""

    type: FieldType
    description: str = Field(default="", description="What the field holds; the model reads it.")
    min: float | None = Field(default=None, description="Lowest value (integer, number).")
    max: float | None = Field(default=None, description="Highest value (integer, number).")
    values: list[NonBlank] | dict[NonBlank, NonBlank] | None = Field(
        default=None, description="An enum's values: a list, or value -> definition."
    )
    multiple: bool = Field(default=False, description="An enum holding a list of values.")
    quote: bool = Field(
        default=False,
        description="The value must rest on the article: a string or each list item "
        "found in it, an integer stated in it.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs `values` (a list, or value -> definition)")
        if self.type != "enum" and self.values is not None:
            raise ValueError(f"`values` is for enum fields, not {self.type}")
        if self.multiple and self.type != "enum":
            raise ValueError(f"`multiple` is for enum fields; use type: list for {self.type}")
        if self.type not in _BOUNDED and (self.min is not None or self.max is not None):
            raise ValueError(f"`min` and `max` are for integer and number fields, not {self.type}")
        if self.type == "integer" and any(
            bound is not None and not float(bound).is_integer() for bound in (self.min, self.max)
        ):
            raise ValueError("an integer field's `min` and `max` are whole numbers")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min:g}) is greater than `max` ({self.max:g})")
        if self.quote and self.type not in _QUOTABLE:
            raise ValueError(
                f"`quote: true` is for string, list and integer fields, not {self.type}"
            )
        return self

    @property
    def value_definitions(self) -> dict[str, str]:
        """An enum's values, each with its definition ("" where the file gives none)."""
        if isinstance(self.values, dict):
            return dict(self.values)
        return dict.fromkeys(self.values or (), "")


class CoreSpec(_Strict):
    """Core fields a codebook may switch off."""

    actors: bool = True
    fatalities: bool = True


class BriefSpec(_Strict):
    """The brief written for each article."""

    max_words: int = Field(default=BRIEF_MAX_WORDS, ge=1)
    language: NonBlank = Field(
        default=ARTICLE_LANGUAGE,
        description="`article` (the article's own language) or a language's English name.",
    )


class ExampleSpec(_Strict):
    """A worked example: an article and the output expected for it."""

    text: str | None = Field(default=None, description="The example article.")
    file: str | None = Field(
        default=None, description="Or a file holding it, relative to the codebook."
    )
    published: dt.date | None = None
    dateline: str | None = None
    headline: str | None = None
    brief: str | None = None
    events: list[dict[str, Any]] = Field(
        default_factory=list, description="The events, in the output's own shape."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ExampleSpec:
        if (self.text is None) == (self.file is None):
            raise ValueError("an example gives its article as `text` or as `file`, one of them")
        return self


class CodebookFormat(_Strict):
    """A codebook: the event types to extract, their definitions, extra fields, examples."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    description: str = Field(default="", description="What the codebook is for; in the prompt.")
    types: Annotated[
        dict[Key, Annotated[TypeSpec, BeforeValidator(_empty_when_null)]], Field(min_length=1)
    ]
    fields: dict[FieldName, FieldSpec] = Field(default_factory=dict)
    core: CoreSpec = Field(default_factory=CoreSpec)
    brief: BriefSpec = Field(default_factory=BriefSpec)
    examples: list[ExampleSpec] = Field(default_factory=list)

    def content_hash(self) -> str:
        """A short hash of what the codebook says, not how the file spells it: key
        order, comments and whitespace do not change it (examples read from files
        are hashed by their text)."""
        normalised = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(normalised.encode()).hexdigest()[:12]
