"""A codebook written in Python: a subclass of the public event model.

The event types are a `Literal`, annotated with their definitions; each field
the subclass adds is an extra field, its type read from its annotation:

    >>> from typing import Annotated, Literal
    >>> from pydantic import Field
    >>> from summarizer import Codebook, Event
    >>> from summarizer.codebook import Quoted, TypeDefinitions
    >>> class ProtestEvent(Event):
    ...     event_type: Annotated[  # type: ignore[assignment]
    ...         Literal["demonstration", "riot"],
    ...         TypeDefinitions(
    ...             {
    ...                 "demonstration": "A public gathering of people for a shared cause.",
    ...                 "riot": "A crowd using violence against people or property.",
    ...             },
    ...             subtypes={"demonstration": {"march": "Participants walk a route."}},
    ...         ),
    ...     ]
    ...     crowd_size: Annotated[int | None, Quoted()] = Field(None, ge=0)
    ...     police_response: list[Literal["none", "tear_gas", "arrests"]] = []
    >>> codebook = Codebook.from_model(ProtestEvent, name="protest-monitor")
    >>> list(codebook.types), codebook.types["demonstration"].subtypes
    (['demonstration', 'riot'], {'march': 'Participants walk a route.'})
    >>> codebook.fields["crowd_size"].type, codebook.fields["crowd_size"].quote
    ('integer', True)
    >>> codebook.fields["police_response"].type, codebook.fields["police_response"].multiple
    ('enum', True)

Annotations read: `str`, `int`, `float`, `bool`, `list[str]`, a `Literal` of
strings (an enum) and a `list` of one (a multiple enum), each optional (`| None`);
`Field(ge=..., le=...)` bounds, `Field(description=...)`. The core fields are the
event model's own, all kept.
"""

# No `from __future__ import annotations`: the doctest above runs with this module's
# compiler flags, and pydantic must see its class's annotations as objects.
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from summarizer.codebook.format import CORE_FIELDS, CodebookFormat
from summarizer.errors import CodebookError


@dataclass(frozen=True)
class TypeDefinitions:
    """The definitions of the event types a `Literal` names, and their subtypes."""

    definitions: Mapping[str, str]
    subtypes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Quoted:
    """Marks an extra field `quote: true`: its value must rest on the article."""


def format_from_model(
    model: type[BaseModel],
    *,
    name: str | None,
    description: str,
    examples: list[dict[str, Any]] | None,
) -> CodebookFormat:
    """The codebook data an event model says."""
    label = model.__qualname__
    event_type = model.model_fields.get("event_type")
    definitions = _type_definitions(event_type, label)
    values = _literal_values(event_type.annotation if event_type else None)
    if not values:
        raise CodebookError(
            [f"{label}: event_type: annotate it as a Literal of the types, with TypeDefinitions"]
        )
    undefined = [value for value in values if value not in definitions.definitions]
    if undefined:
        raise CodebookError(
            [f"{label}: event_type: no definition for {', '.join(map(repr, undefined))}"]
        )
    data: dict[str, Any] = {
        "name": name or _kebab(model.__name__),
        "description": description,
        "types": {
            value: {
                "definition": definitions.definitions[value],
                "subtypes": dict(definitions.subtypes.get(value, {})),
            }
            for value in values
        },
        "fields": {
            field_name: _field_data(field_name, info, label)
            for field_name, info in model.model_fields.items()
            if field_name not in CORE_FIELDS
        },
        "examples": examples or [],
    }
    return CodebookFormat.model_validate(data)


def _type_definitions(info: FieldInfo | None, label: str) -> TypeDefinitions:
    for item in info.metadata if info is not None else []:
        if isinstance(item, TypeDefinitions):
            return item
    raise CodebookError(
        [f"{label}: event_type: annotate the Literal of types with TypeDefinitions({{...}})"]
    )


def _literal_values(annotation: Any) -> list[str]:
    if get_origin(annotation) is Literal and all(isinstance(v, str) for v in get_args(annotation)):
        return list(get_args(annotation))
    return []


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


def _field_data(name: str, info: FieldInfo, label: str) -> dict[str, Any]:
    annotation = _without_none(info.annotation)
    data: dict[str, Any] = {"description": info.description or ""}
    if any(isinstance(item, Quoted) for item in info.metadata):
        data["quote"] = True
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            data["min"] = item.ge
        elif isinstance(item, annotated_types.Le):
            data["max"] = item.le
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in simple:
        return {"type": simple[annotation], **data}
    values = _literal_values(annotation)
    if values:
        return {"type": "enum", "values": values, **data}
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (Any,)
        if item is str:
            return {"type": "list", **data}
        values = _literal_values(item)
        if values:
            return {"type": "enum", "values": values, "multiple": True, **data}
    raise CodebookError(
        [
            f"{label}: {name}: a codebook field is str, int, float, bool, list[str], a "
            f"Literal of strings or a list of one, not {info.annotation}"
        ]
    )


def _kebab(class_name: str) -> str:
    letters = [f"-{c.lower()}" if c.isupper() else c for c in class_name]
    return "".join(letters).strip("-").replace("_", "-")
