"""`Codebook`: one loaded codebook, the object every stage reads.

    >>> from summarizer import Codebook
    >>> news = Codebook.load("news")
    >>> news.name, len(news.types), news.is_default
    ('news', 13, True)
    >>> news.extraction_model.model_json_schema()["title"]
    'Extraction'

What a later stage takes from it: `extraction_model` (the backend's response
model), `result_model` (the validated result, as `schema.ArticleSummary`),
`prompt_section()` (the `codebook` variable of the prompt templates), `hash`
(for cache keys, the prompt version, result records and batch manifests),
`spec` (the whole codebook as data, for a manifest: `Codebook.from_data`
rebuilds it).
"""

from __future__ import annotations

import os
from enum import Enum
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.codebook.check import Problem, check_source, example_problems
from summarizer.codebook.format import (
    BriefSpec,
    CodebookFormat,
    CoreSpec,
    ExampleSpec,
    FieldSpec,
    TypeSpec,
)
from summarizer.codebook.load import builtin_names, is_builtin_name
from summarizer.codebook.models import CodebookModels, codebook_models
from summarizer.codebook.render import prompt_section
from summarizer.errors import CodebookError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from summarizer.schema import CodebookRef

CODEBOOK_ENV = "SUMMARIZER_CODEBOOK"
DEFAULT_CODEBOOK = "news"


class Codebook:
    """Event types, their definitions, extra fields and examples: what to extract.

    Load one with `Codebook.load(path_or_builtin_name)`, or make one from a
    Pydantic event model with `Codebook.from_model`. Equal codebooks (by content)
    share their models, built once. A codebook pickles as its data.
    """

    def __init__(self, spec: CodebookFormat, origin: str) -> None:
        self.spec = spec
        self.origin = origin  # the path or built-in name it was loaded from

    @classmethod
    def load(cls, source: str | Path) -> Codebook:
        """A codebook file, or a built-in by name (`news`, `acled`).

        Raises `CodebookError` naming the first problems as `FILE:LINE: key.path:
        problem`; warnings (a type no example shows) do not stop it.
        """
        if is_builtin_name(source):
            return _builtin(str(source))
        return _load(source)

    @classmethod
    def from_data(cls, data: dict[str, Any], origin: str = "data") -> Codebook:
        """A codebook from its data (a stored `spec.model_dump(mode="json")`), checked."""
        from pydantic import ValidationError

        from summarizer.codebook.check import format_problems

        try:
            spec = CodebookFormat.model_validate(data)
        except ValidationError as error:
            problems = [problem.render(origin) for problem in format_problems(error)]
            raise CodebookError(problems) from None
        return _checked(spec, origin, example_problems(spec))

    @classmethod
    def from_model(
        cls,
        model: type[BaseModel],
        *,
        name: str | None = None,
        description: str = "",
        examples: list[dict[str, Any]] | None = None,
    ) -> Codebook:
        """A codebook from an event model; see `summarizer.codebook.from_model`."""
        from summarizer.codebook.from_model import format_from_model

        spec = format_from_model(model, name=name, description=description, examples=examples)
        return cls.from_data(spec.model_dump(mode="json"), origin=model.__qualname__)

    def __reduce__(self) -> tuple[Any, ...]:
        return Codebook.from_data, (self.spec.model_dump(mode="json"), self.origin)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Codebook) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    def __repr__(self) -> str:
        return f"Codebook({self.name!r}, hash={self.hash!r})"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def description(self) -> str:
        return self.spec.description

    @cached_property
    def hash(self) -> str:
        """The content hash: key order, comments and whitespace of the file do not change it."""
        return self.spec.content_hash()

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_CODEBOOK and self.origin == DEFAULT_CODEBOOK

    @property
    def types(self) -> dict[str, TypeSpec]:
        return self.spec.types

    @property
    def fields(self) -> dict[str, FieldSpec]:
        """The extra fields, beside the core ones, in the file's order."""
        return self.spec.fields

    @property
    def core(self) -> CoreSpec:
        return self.spec.core

    @property
    def brief(self) -> BriefSpec:
        return self.spec.brief

    @property
    def examples(self) -> list[ExampleSpec]:
        """The examples, each with its text (read from its file when it names one)."""
        return self.spec.examples

    @property
    def models(self) -> CodebookModels:
        return codebook_models(self.spec)

    @property
    def event_type(self) -> type[Enum]:
        """The types as an enum (for `news`, `summarizer.schema.EventType` itself)."""
        return self.models.event_type

    @property
    def extraction_model(self) -> type[BaseModel]:
        """What a backend emits for an article: headline, brief, events (quotes as text)."""
        return self.models.extraction

    @property
    def result_model(self) -> type[BaseModel]:
        """The validated result for an article, its evidence located in the article."""
        return self.models.result

    @property
    def ref(self) -> CodebookRef:
        """What a result records of its codebook: name and content hash."""
        from summarizer.schema import CodebookRef

        return CodebookRef(name=self.name, hash=self.hash)

    def versioned(self, version: str) -> str:
        """A backend's prompt (or rules) version under this codebook: the version
        itself for `news`, whose prompt and results are those from before
        codebooks; else with the codebook's name and hash, so results of two
        codebooks never pass for each other's."""
        if self.hash == Codebook.load(DEFAULT_CODEBOOK).hash:
            return version
        return f"{version}+{self.name}-{self.hash}"

    def prompt_section(self) -> dict[str, Any]:
        """The `codebook` variable of the prompt templates (the same for every article)."""
        return self._prompt_section

    @cached_property
    def _prompt_section(self) -> dict[str, Any]:
        return prompt_section(self.spec)


def load_codebook_or_fail(source: str | Path | Codebook | None = None) -> Codebook:
    """The codebook a command or call names, checked before any work starts.

    A `Codebook` is taken as it is; None means $SUMMARIZER_CODEBOOK (read now), else
    `news`. A broken one raises `CodebookError` whose message is its first problem
    line(s), `FILE:LINE: key.path: problem`, the same for every command.
    """
    if isinstance(source, Codebook):
        return source
    if source is None:
        source = os.environ.get(CODEBOOK_ENV) or DEFAULT_CODEBOOK
    return Codebook.load(source)


@cache
def _builtin(name: str) -> Codebook:
    """Built-ins are read once a process: they are package files that do not change."""
    return _load(name)


def _load(source: str | Path) -> Codebook:
    report = check_source(source)
    errors = report.errors
    if errors or report.spec is None:
        raise CodebookError([problem.render(report.label) for problem in errors])
    return Codebook(report.spec, report.label)


def _checked(spec: CodebookFormat, origin: str, problems: list[Problem]) -> Codebook:
    errors = [problem.render(origin) for problem in problems if not problem.warning]
    if errors:
        raise CodebookError(errors)
    return Codebook(spec, origin)


def builtin_codebooks() -> list[Codebook]:
    """The codebooks shipped with the package, by name."""
    return [Codebook.load(name) for name in builtin_names()]
