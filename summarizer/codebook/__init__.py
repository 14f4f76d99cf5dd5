"""Codebooks: the event types, definitions, extra fields and examples to extract.

A codebook is one YAML file in a public format (`format.CodebookFormat`; its JSON
Schema is what `summarize codebook schema` prints), or a Pydantic event model
(`Codebook.from_model`). The package ships `news` (the default: the 13 types of
the labelled-article contract) and `acled` in `builtin/`.

    format.py      the strict model of the file; its content hash
    load.py        reading YAML with the line of every key; built-in names
    check.py       every problem at its line (`FILE:LINE: key.path: problem`)
    models.py      the response and result models a codebook makes, once per hash
    render.py      the prompt templates' `codebook` variable; a page for a person
    from_model.py  a codebook from an event model (TypeDefinitions, Quoted)
    book.py        `Codebook`, `load_codebook_or_fail`

For the stages that take a codebook: call `load_codebook_or_fail(value)` once,
before any work (None reads $SUMMARIZER_CODEBOOK, else `news`); a backend asks
for `codebook.extraction_model`, the pipeline validates into
`codebook.result_model` with the article as validation context (a bad type,
subtype, enum value, bound or `quote: true` value fails with a reason, which
becomes the re-ask); the prompt templates get `codebook.prompt_section()` as
their `codebook` variable (`prompts.prompt_variables(article, codebook)`);
cache keys and records use `codebook.name` and `codebook.hash`; a batch manifest
stores `codebook.spec.model_dump(mode="json")` and `Codebook.from_data` reads it.
"""

from __future__ import annotations

from summarizer.codebook.book import (
    CODEBOOK_ENV,
    DEFAULT_CODEBOOK,
    Codebook,
    builtin_codebooks,
    load_codebook_or_fail,
)
from summarizer.codebook.from_model import Quoted, TypeDefinitions
from summarizer.errors import CodebookError

__all__ = [
    "CODEBOOK_ENV",
    "DEFAULT_CODEBOOK",
    "Codebook",
    "CodebookError",
    "Quoted",
    "TypeDefinitions",
    "builtin_codebooks",
    "load_codebook_or_fail",
]
