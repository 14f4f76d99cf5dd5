"""The Pydantic models a codebook makes: what a backend emits, the validated result, and
the scored event fields (no evidence) a hand label's events are built on.

The core fields are `summarizer.schema`'s, copied from its classes' field
definitions, and their validators are the same functions; a codebook changes
what it owns: the event-type enum, `sub_event_type`, the extra fields (flat on
each event, between `fatalities` and `summary`), the brief's word limit, and the
core fields it switches off. So the `news` codebook's models have exactly the
JSON Schema of `schema.Extraction` and `schema.ArticleSummary` (a test holds
them equal), and are those classes themselves: `schema_version()` does not move,
and its results are checked and compared exactly as before codebooks.

Validators give a reason a model can act on, as the evidence check does: a type
or subtype outside the codebook, an enum value outside its values and an integer
outside its bounds always fail; a `quote: true` value not in the article fails
when the validation context holds the article (as evidence quotes do).

Models are built once per codebook content hash. Instances pickle as their JSON
and the codebook's normalised data, and are rebuilt in the receiving process
(a worker has no class named by these dynamic models to import).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from summarizer.codebook.format import CodebookFormat, FieldSpec
from summarizer.evidence import locate_evidence
from summarizer.rules import quote_is_grounded, ungrounded_quotes, unsupported_numbers
from summarizer.schema import (
    ArticleSummary,
    Event,
    EventFields,
    EventType,
    ExtractedEvent,
    Extraction,
    article_context,
    brief_description,
    brief_rule,
    check_headline,
    check_not_after_publication,
    check_numbers_from_article,
    check_place_in_article,
    check_quotes_in_article,
    check_span_ordered,
)

_SWITCHABLE_CORE = ("actors", "fatalities")

# A field as `create_model` takes it: its annotation and its `Field(...)` definition.
FieldDefinition = tuple[Any, Any]


class CodebookModel(BaseModel):
    """Base of every model a codebook builds: strict, and picklable across processes."""

    model_config = ConfigDict(extra="forbid")

    def __reduce__(self) -> tuple[Any, ...]:
        spec, kind = _OWNERS[type(self)]
        return _rebuild, (spec.model_dump(mode="json"), kind, self.model_dump(mode="json"))


@dataclass(frozen=True)
class CodebookModels:
    """The models of one codebook."""

    event_type: type[Enum]
    extracted_event: type[BaseModel]  # an event as a backend emits it (quotes as strings)
    extraction: type[BaseModel]  # what a backend emits for an article
    event: type[BaseModel]  # an event of a result (quotes located in the article)
    result: type[BaseModel]  # the validated result for an article
    scored_event: type[BaseModel]  # the fields an event is scored on (no evidence): labels


_BUILT: dict[str, CodebookModels] = {}
_OWNERS: dict[type[BaseModel], tuple[CodebookFormat, str]] = {}


def codebook_models(spec: CodebookFormat) -> CodebookModels:
    """The models of `spec`, built on first use and kept by its content hash."""
    key = spec.content_hash()
    built = _BUILT.get(key)
    if built is None:
        built = _build(spec)
        _BUILT[key] = built
    return built


def _rebuild(spec_data: dict[str, Any], kind: str, data: dict[str, Any]) -> BaseModel:
    models = codebook_models(CodebookFormat.model_validate(spec_data))
    model: type[BaseModel] = getattr(models, kind)
    return model.model_validate(data)


def _build(spec: CodebookFormat) -> CodebookModels:
    event_type = _event_type_enum(spec)
    extracted_event = _event_model(spec, event_type, evidence=ExtractedEvent)
    event = _event_model(spec, event_type, evidence=Event)
    scored_event = _event_model(spec, event_type, evidence=None)
    extraction_validators: dict[str, Any] = {
        "_headline_short": field_validator("headline")(check_headline),
        "_brief_short": field_validator("brief")(brief_rule(spec.brief.max_words)),
        "_numbers_from_article": model_validator(mode="after")(check_numbers_from_article),
    }
    extracted_events: Any = list[extracted_event]  # type: ignore[valid-type]
    extraction = create_model(
        "Extraction",
        __base__=CodebookModel,
        __doc__=Extraction.__doc__,
        __validators__=extraction_validators,
        headline=copied_field(Extraction, "headline"),
        brief=(str, Field(description=brief_description(spec.brief.max_words))),
        events=(extracted_events, copied_field(Extraction, "events")[1]),
    )
    result_fields: dict[str, Any] = {
        name: copied_field(ArticleSummary, name)
        for name in ArticleSummary.model_fields
        if name not in Extraction.model_fields
    }
    events: Any = list[event]  # type: ignore[valid-type]
    result_fields["events"] = (events, copied_field(ArticleSummary, "events")[1])
    result = create_model(
        "ArticleSummary", __base__=extraction, __doc__=ArticleSummary.__doc__, **result_fields
    )
    if _schemas(extraction, result) == _schemas(Extraction, ArticleSummary):
        # Today's vocabulary and nothing more (the `news` codebook): today's classes
        # themselves, so its results are `ArticleSummary` instances, equal to and
        # checked exactly as results were before codebooks. Labels have no static
        # class of their own: theirs is built.
        _OWNERS[scored_event] = (spec, "scored_event")
        return CodebookModels(
            EventType, ExtractedEvent, Extraction, Event, ArticleSummary, scored_event
        )
    models = CodebookModels(event_type, extracted_event, extraction, event, result, scored_event)
    for kind in ("extracted_event", "extraction", "event", "result", "scored_event"):
        _OWNERS[getattr(models, kind)] = (spec, kind)
    return models


def _schemas(extraction: type[BaseModel], result: type[BaseModel]) -> list[dict[str, Any]]:
    return [extraction.model_json_schema(), result.model_json_schema()]


def _event_type_enum(spec: CodebookFormat) -> type[Enum]:
    """The codebook's types as an enum named `EventType`, as the JSON Schema names it.

    A codebook whose types are exactly the static vocabulary (the `news` codebook)
    gets `summarizer.schema.EventType` itself, so its results compare with code
    that names `EventType.BATTLE`, and its schema is today's to the byte.
    """
    keys = tuple(spec.types)
    if keys == tuple(member.value for member in EventType):
        return EventType
    enum = Enum(  # type: ignore[misc]
        "EventType", [(key.upper(), key) for key in keys], type=str, module=__name__
    )
    enum.__doc__ = f"The event types of the codebook {spec.name!r}."
    return cast(type[Enum], enum)


def copied_field(model: type[BaseModel], name: str) -> FieldDefinition:
    """A field of a static model, annotation and definition, to define it once."""
    info = model.model_fields[name]
    return info.annotation, copy.copy(info)


def _event_model(
    spec: CodebookFormat,
    event_type: type[Enum],
    *,
    evidence: type[Event] | type[ExtractedEvent] | None,
) -> type[CodebookModel]:
    """An event with the evidence of `evidence` (located quotes, or quotes as text), or
    without evidence: the scored fields a hand label states (`schema.EventFields`)."""
    static: type[BaseModel] = EventFields if evidence is None else evidence
    fields: dict[str, Any] = {
        "event_type": (event_type, copy.copy(EventFields.model_fields["event_type"])),
        "sub_event_type": _sub_event_type_field(spec),
        "date": copied_field(EventFields, "date"),
        "date_end": copied_field(EventFields, "date_end"),
        "location": copied_field(EventFields, "location"),
    }
    for name in _SWITCHABLE_CORE:
        if getattr(spec.core, name):
            fields[name] = copied_field(EventFields, name)
    for name, field in spec.fields.items():
        fields[name] = _extra_field(field)
    fields["summary"] = copied_field(EventFields, "summary")
    if evidence is not None:
        fields["evidence"] = copied_field(evidence, "evidence")

    validators: dict[str, Any] = {
        "_date_not_after_publication": field_validator("date", "date_end")(
            check_not_after_publication
        ),
        "_span_ordered": model_validator(mode="after")(check_span_ordered),
        "_place_in_article": field_validator("location")(check_place_in_article),
        "_type_in_codebook": field_validator("event_type", mode="before")(_type_rule(spec)),
        "_subtype_of_type": model_validator(mode="after")(_subtype_rule(spec)),
    }
    if evidence is Event:
        validators["_evidence_located"] = field_validator("evidence", mode="before")(
            locate_evidence
        )
    elif evidence is ExtractedEvent:
        validators["_quotes_in_article"] = field_validator("evidence")(check_quotes_in_article)
    for name, field in spec.fields.items():
        rule = _value_rule(name, field)
        if rule is not None:
            validators[f"_{name}_allowed"] = field_validator(name, mode="before")(rule)
        if field.quote:
            validators[f"_{name}_in_article"] = field_validator(name)(_quote_rule(name, field))
    return cast(
        type[CodebookModel],
        create_model(
            static.__name__,
            __base__=CodebookModel,
            __doc__=static.__doc__,
            __validators__=validators,
            **fields,
        ),
    )


def _sub_event_type_field(spec: CodebookFormat) -> FieldDefinition:
    """Free text (or null) unless the codebook lists subtypes; when every type lists
    them, the schema names them all (the validator checks the chosen type's)."""
    subtypes = [name for kind in spec.types.values() for name in kind.subtypes]
    if not subtypes:
        return copied_field(EventFields, "sub_event_type")
    description = "The chosen event type's subtype, as listed for it, or null."
    if all(kind.subtypes for kind in spec.types.values()):
        names: Any = Literal[tuple(dict.fromkeys(subtypes))]
        return names | None, Field(default=None, description=description)
    return str | None, Field(default=None, description=description)


def _type_rule(spec: CodebookFormat) -> Callable[[Any], Any]:
    names = list(spec.types)

    def type_in_codebook(value: Any) -> Any:
        chosen = value.value if isinstance(value, Enum) else value
        if isinstance(chosen, str) and chosen not in spec.types:
            raise ValueError(
                f"event_type {chosen!r} is not a type of the codebook {spec.name!r}; "
                f"use one of: {', '.join(names)}"
            )
        return chosen

    return type_in_codebook


def _subtype_rule(spec: CodebookFormat) -> Callable[[BaseModel], BaseModel]:
    def subtype_of_type(event: BaseModel) -> BaseModel:
        chosen = getattr(event, "event_type")  # noqa: B009 (a dynamic model's field)
        subtype = getattr(event, "sub_event_type")  # noqa: B009
        allowed = spec.types[chosen.value].subtypes
        if subtype is not None and allowed and subtype not in allowed:
            raise ValueError(
                f"sub_event_type {subtype!r} is not a subtype of {chosen.value}; "
                f"use one of: {', '.join(allowed)}, or null"
            )
        return event

    return subtype_of_type


def _extra_field(field: FieldSpec) -> FieldDefinition:
    """An extra field's type and definition; each may be null (or empty) when the
    article does not say."""
    description = field.description or None
    if field.type == "enum":
        allowed: Any = Literal[tuple(field.value_definitions)]
        if field.multiple:
            return list[allowed], Field(default_factory=list, description=description)
        return allowed | None, Field(default=None, description=description)
    if field.type == "list":
        return list[str], Field(default_factory=list, description=description)
    simple: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}
    kind = simple[field.type]
    bounds: dict[str, Any] = {}
    if field.min is not None:
        bounds["ge"] = int(field.min) if kind is int else field.min
    if field.max is not None:
        bounds["le"] = int(field.max) if kind is int else field.max
    return kind | None, Field(default=None, description=description, **bounds)


def _value_rule(name: str, field: FieldSpec) -> Callable[[Any], Any] | None:
    """A before-validator with the reason for an enum value or a bound broken; None
    for a field whose type check says enough."""
    if field.type == "enum":
        values = list(field.value_definitions)

        def value_allowed(value: Any) -> Any:
            items = value if field.multiple and isinstance(value, list) else [value]
            outside = [item for item in items if item is not None and item not in values]
            if outside:
                raise ValueError(
                    f"{name} has {', '.join(repr(item) for item in outside)}, not among "
                    f"the codebook's values; use {'any' if field.multiple else 'one'} of: "
                    f"{', '.join(values)}{'' if field.multiple else ', or null'}"
                )
            return value

        return value_allowed
    if field.type in ("integer", "number") and (field.min is not None or field.max is not None):

        def within_bounds(value: Any) -> Any:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if field.min is not None and value < field.min:
                    raise ValueError(f"{name} {value} is below its minimum, {field.min:g}")
                if field.max is not None and value > field.max:
                    raise ValueError(f"{name} {value} is above its maximum, {field.max:g}")
            return value

        return within_bounds
    return None


def _quote_rule(name: str, field: FieldSpec) -> Callable[[Any, ValidationInfo], Any]:
    def quoted_in_article(value: Any, info: ValidationInfo) -> Any:
        article = article_context(info).get("article_text")
        problem = None if article is None else quote_problem(name, field, value, article)
        if problem is not None:
            raise ValueError(problem)
        return value

    return quoted_in_article


def quote_problem(name: str, field: FieldSpec, value: Any, article: str) -> str | None:
    """Why a `quote: true` value does not rest on the article, or None: a string or
    list item is found in it as evidence quotes are, an integer is a number it
    states as the number checks read them."""
    if value is None or value == []:
        return None
    if field.type == "string" and not quote_is_grounded(value, article):
        return (
            f"{name} {value!r} does not occur in the article; copy it word for word "
            "from the article, or give null"
        )
    if field.type == "list":
        missing = ungrounded_quotes(value, article)
        if missing:
            listed = "; ".join(repr(item) for item in missing)
            return (
                f"these {name} items do not occur in the article: {listed}. Copy each "
                "word for word from the article, or leave it out"
            )
    if field.type == "integer" and unsupported_numbers(str(value), article):
        return (
            f"{name} {value} is not a number the article states; give a figure the "
            "article writes in digits, or null"
        )
    return None
