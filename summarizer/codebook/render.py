"""A codebook as text: the prompt's template variable, and a page for a person.

`prompt_section(spec)` is the `codebook` variable of the prompt templates
(prompts/extract.system.j2 lays it out; the wording of the prompt stays in the
template). Nothing in it depends on an article, so the prefix it fills is the
same bytes for every article of a run. Examples are given in the output's own
shape, as the JSON a backend would emit.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from summarizer.codebook.format import ARTICLE_LANGUAGE, CodebookFormat, FieldSpec
from summarizer.codebook.models import codebook_models


def prompt_section(spec: CodebookFormat) -> dict[str, Any]:
    """The codebook as the prompt templates read it (plain data, JSON-able)."""
    types = [
        {
            "key": key,
            # Definitions are joined on one line with "; ", so a closing stop is dropped.
            "definition": kind.definition.rstrip("."),
            "include": kind.include,
            "exclude": kind.exclude,
            "subtypes": [
                {"key": name, "definition": text.rstrip(".")}
                for name, text in kind.subtypes.items()
            ],
        }
        for key, kind in spec.types.items()
    ]
    return {
        "name": spec.name,
        "description": " ".join(spec.description.split()),
        "types": types,
        "has_subtypes": any(kind.subtypes for kind in spec.types.values()),
        "core": spec.core.model_dump(),
        "fields": [
            {
                "name": name,
                "kind": field_kind(field),
                "description": " ".join(field.description.split()),
                "choices": [
                    {"value": value, "definition": text.rstrip(".")}
                    for value, text in field.value_definitions.items()
                ],
            }
            for name, field in spec.fields.items()
        ],
        "examples": _examples(spec),
        "brief_max_words": spec.brief.max_words,
        "brief_language": None if spec.brief.language == ARTICLE_LANGUAGE else spec.brief.language,
    }


def field_kind(field: FieldSpec) -> str:
    """What values an extra field takes, in a few words."""
    if field.type == "enum":
        kind = (
            "a list of the values below" if field.multiple else "one of the values below, or null"
        )
    elif field.type == "list":
        kind = "a list of strings"
    elif field.type == "boolean":
        kind = "true, false, or null if the article does not say"
    else:
        kind = {"string": "a string", "integer": "an integer", "number": "a number"}[field.type]
        bounds = []
        if field.min is not None:
            bounds.append(f"at least {field.min:g}")
        if field.max is not None:
            bounds.append(f"at most {field.max:g}")
        kind = ", ".join([kind, *bounds]) + ", or null"
    if field.quote:
        kind += (
            "; copied from the article"
            if field.type != "integer"
            else "; a figure the article states"
        )
    return kind


def _examples(spec: CodebookFormat) -> list[dict[str, Any]]:
    if not spec.examples:
        return []
    event_model = codebook_models(spec).extracted_event
    rendered = []
    for example in spec.examples:
        output: dict[str, Any] = {}
        if example.headline is not None:
            output["headline"] = example.headline
        if example.brief is not None:
            output["brief"] = example.brief
        output["events"] = [
            event_model.model_validate(event).model_dump(mode="json") for event in example.events
        ]
        rendered.append(
            {
                "text": (example.text or "").strip(),
                "published": example.published.isoformat() if example.published else None,
                "dateline": example.dateline,
                "output": json.dumps(output, ensure_ascii=False),
            }
        )
    return rendered


def codebook_page(spec: CodebookFormat, origin: str) -> RenderableType:
    """The codebook for a person to read in a terminal (`summarize codebook show`)."""
    parts: list[RenderableType] = [
        Text.assemble((spec.name, "bold"), f"  ({origin}, {spec.content_hash()})"),
    ]
    if spec.description:
        parts.append(Text(" ".join(spec.description.split())))
    types = Table(title="types", expand=False, show_lines=True)
    for column in ("type", "definition", "include / exclude", "subtypes"):
        types.add_column(column, overflow="fold")
    for key, kind in spec.types.items():
        scope = "\n".join(
            [f"+ {item}" for item in kind.include] + [f"- {item}" for item in kind.exclude]
        )
        subtypes = "\n".join(f"{name}: {text}" for name, text in kind.subtypes.items())
        types.add_row(key, kind.definition, scope, subtypes)
    parts.append(types)
    if spec.fields:
        fields = Table(title="extra fields", expand=False)
        for column in ("field", "takes", "description"):
            fields.add_column(column, overflow="fold")
        for name, field in spec.fields.items():
            values = "".join(
                f"\n  {value}{': ' + text if text else ''}"
                for value, text in field.value_definitions.items()
            )
            fields.add_row(name, field_kind(field) + values, field.description)
        parts.append(fields)
    switched_off = [name for name, on in spec.core.model_dump().items() if not on]
    if switched_off:
        parts.append(Text(f"core fields switched off: {', '.join(switched_off)}"))
    language = spec.brief.language
    parts.append(
        Text(
            f"brief: at most {spec.brief.max_words} words, in "
            + ("the article's language" if language == ARTICLE_LANGUAGE else language)
        )
    )
    parts.append(Text(f"examples: {len(spec.examples)}"))
    return Group(*parts)
