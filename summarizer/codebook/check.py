"""Every problem of a codebook, each at its line: `FILE:LINE: key.path: problem`.

`check_source` reads a file (or a built-in), validates it against the format
model, reads the examples' files, then checks each example against the models
the codebook makes, with the example's own text as its article: its types and
fields are the codebook's, its evidence quotes and `quote: true` values are in
its text, its brief keeps the word limit. A type no example shows is a warning;
warnings never fail a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from summarizer.codebook.format import (
    BriefSpec,
    CodebookFormat,
    CoreSpec,
    ExampleSpec,
    FieldSpec,
    TypeSpec,
)
from summarizer.codebook.load import (
    LineMap,
    Path_,
    ReadProblem,
    parse_yaml,
    read_example_file,
    read_source,
)
from summarizer.codebook.models import codebook_models
from summarizer.rules import brief_problem, headline_problem

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem of a codebook: where (key path, line when read from a file) and what."""

    path: Path_
    message: str
    line: int | None = None
    warning: bool = False

    def render(self, label: str) -> str:
        """`FILE:LINE: key.path: problem` (a warning says so before the problem)."""
        parts = [f"{label}:{self.line}" if self.line is not None else label]
        if self.path:
            parts.append(".".join(str(part) for part in self.path))
        parts.append(f"warning: {self.message}" if self.warning else self.message)
        return ": ".join(parts)


@dataclass(frozen=True)
class CheckReport:
    """A codebook source checked: its label for messages, its format when it has one
    that validates, and every problem found."""

    label: str
    spec: CodebookFormat | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.warning]


def check_source(source: str | Path) -> CheckReport:
    """Read, validate and check a codebook file or built-in name; never raises for a
    bad codebook (the problems say what is wrong)."""
    read = read_source(source)
    if isinstance(read, ReadProblem):
        return CheckReport(str(source), None, [Problem((), read.message, read.line)])
    parsed = parse_yaml(read.text)
    if isinstance(parsed, ReadProblem):
        return CheckReport(read.label, None, [Problem((), parsed.message, parsed.line)])
    data, lines = parsed
    if not isinstance(data, dict):
        message = "a codebook is a mapping of keys (name, types, ...), not a " + type(
            data
        ).__name__.replace("NoneType", "empty file")
        return CheckReport(read.label, None, [Problem((), message, 1)])
    try:
        spec = CodebookFormat.model_validate(data)
    except ValidationError as error:
        return CheckReport(read.label, None, _located(format_problems(error), lines))
    problems: list[Problem] = []
    examples: list[ExampleSpec] = []
    for index, example in enumerate(spec.examples):
        if example.file is not None:
            text = read_example_file(read.folder, example.file)
            if isinstance(text, ReadProblem):
                problems.append(Problem(("examples", index, "file"), text.message))
                continue
            example = example.model_copy(update={"text": text, "file": None})
        examples.append(example)
    spec = spec.model_copy(update={"examples": examples})
    problems.extend(example_problems(spec))
    return CheckReport(read.label, spec, _located(problems, lines))


def _located(problems: list[Problem], lines: LineMap) -> list[Problem]:
    return [
        Problem(problem.path, problem.message, lines.line_of(problem.path), problem.warning)
        for problem in problems
    ]


# The model a key path of the file is read by: for naming the keys allowed there.
def _model_at(path: Path_) -> type[BaseModel] | None:
    if not path:
        return CodebookFormat
    shapes: dict[tuple[str, int], type[BaseModel]] = {
        ("types", 2): TypeSpec,
        ("fields", 2): FieldSpec,
        ("core", 1): CoreSpec,
        ("brief", 1): BriefSpec,
        ("examples", 2): ExampleSpec,
    }
    return shapes.get((str(path[0]), len(path)))


def format_problems(error: ValidationError, prefix: Path_ = ()) -> list[Problem]:
    """The errors of a format (or event) validation as problems, one per key path."""
    problems: list[Problem] = []
    seen: set[Path_] = set()
    for detail in error.errors(include_url=False):
        path = (*prefix, *_clean(detail["loc"]))
        if path in seen:  # a union reports each of its members; the first says enough
            continue
        seen.add(path)
        problems.append(Problem(path, _message(detail, path)))
    return problems


def _clean(loc: tuple[str | int, ...]) -> Path_:
    """A location without pydantic's own segments (`[key]`, `list[str]`, `function-after`)."""
    return tuple(
        part for part in loc if isinstance(part, int) or ("[" not in part and "-" not in part)
    )


def _message(detail: ErrorDetails, path: Path_) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        if model is None:
            return "unknown key"
        return f"unknown key; the keys here are: {', '.join(model.model_fields)}"
    if kind == "missing":
        if len(path) == 3 and path[0] == "types" and path[2] == "definition":
            return "a type needs a definition"
        return f"{path[-1]} is required" if path else "required"
    message = detail["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = detail.get("ctx", {}).get("pattern", "")
        return f"{detail['input']!r} does not match {pattern}"
    return message


def example_problems(spec: CodebookFormat) -> list[Problem]:
    """What is wrong with the examples of a valid codebook format, and the types no
    example shows (warnings)."""
    problems: list[Problem] = []
    shown: set[str] = set()
    if spec.examples:
        event_model = codebook_models(spec).extracted_event
        for index, example in enumerate(spec.examples):
            where: Path_ = ("examples", index)
            text = example.text or ""
            if example.headline is not None:
                problem = headline_problem(example.headline)
                if problem is not None:
                    problems.append(Problem((*where, "headline"), problem))
            if example.brief is not None:
                problem = brief_problem(example.brief, spec.brief.max_words)
                if problem is not None:
                    problems.append(Problem((*where, "brief"), problem))
            for number, event in enumerate(example.events):
                shown.add(str(event.get("event_type")))
                problems.extend(
                    _event_problems(event_model, event, text, example, (*where, "events", number))
                )
    if not spec.examples:
        problems.append(
            Problem(
                ("types",),
                "no examples; a worked example or two helps a model follow the codebook",
                warning=True,
            )
        )
    else:
        problems.extend(
            Problem(("types", name), "no example shows this type", warning=True)
            for name in spec.types
            if name not in shown
        )
    return problems


def _event_problems(
    model: type[BaseModel], event: dict[str, Any], text: str, example: ExampleSpec, where: Path_
) -> list[Problem]:
    context = {"article_text": text, "published": example.published}
    try:
        model.model_validate(event, context=context)
    except ValidationError as error:
        return [
            Problem(problem.path, _example_message(problem))
            for problem in format_problems(error, where)
        ]
    return []


def _example_message(problem: Problem) -> str:
    if problem.message.startswith("unknown key"):
        return "not a field of the codebook (nor a core field)"
    return problem.message.replace("the article", "the example's text")
