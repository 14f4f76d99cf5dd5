"""Reading a codebook file: YAML through PyYAML's `safe_load`, with the line of every key.

A problem is reported as `FILE:LINE: key.path: problem`, so the reader keeps,
beside the data, where each key and list item of the file stands (a walk of the
node tree `yaml.compose` gives). A name without a path separator or suffix is a
built-in codebook (`builtin/<name>.yaml` of this package).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

BUILTIN_SUFFIX = ".yaml"

Path_ = tuple[str | int, ...]


@cache
def builtin_names() -> tuple[str, ...]:
    """The names of the codebooks shipped with the package, sorted (package files do
    not change while a process runs, so the folder is listed once)."""
    folder = resources.files("summarizer.codebook") / "builtin"
    return tuple(
        sorted(
            item.name.removesuffix(BUILTIN_SUFFIX)
            for item in folder.iterdir()
            if item.name.endswith(BUILTIN_SUFFIX)
        )
    )


def is_builtin_name(source: str | Path) -> bool:
    return isinstance(source, str) and source in builtin_names()


@dataclass(frozen=True)
class LineMap:
    """The 1-based line of each key path of a YAML document."""

    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The line of `path`, else of its nearest ancestor the file has (a missing key
        is reported where its parent is); 1 for the document itself."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


@dataclass(frozen=True)
class SourceText:
    """A codebook file's text and where it came from."""

    text: str
    label: str  # how messages name it: the path as given, or the built-in's name
    folder: Path | None  # what `file:` examples are relative to


@dataclass(frozen=True)
class ReadProblem:
    """A file that cannot be read or parsed, at a line."""

    line: int
    message: str


def read_source(source: str | Path) -> SourceText | ReadProblem:
    """The text of a built-in codebook (by name) or of a file (by path)."""
    if is_builtin_name(source):
        name = str(source)
        resource = resources.files("summarizer.codebook") / "builtin" / f"{name}{BUILTIN_SUFFIX}"
        return SourceText(resource.read_text(encoding="utf-8"), name, None)
    path = Path(source).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ReadProblem(1, "not UTF-8 text")
    except OSError as error:
        hint = ""
        if isinstance(source, str) and "/" not in source and not path.suffix:
            hint = f" (built-in codebooks: {', '.join(builtin_names())})"
        return ReadProblem(1, f"cannot read the codebook: {error.strerror or error}{hint}")
    return SourceText(text, str(source), path.resolve().parent)


def parse_yaml(text: str) -> tuple[Any, LineMap] | ReadProblem:
    """The document's data (`safe_load`) and the line of each of its keys."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        return ReadProblem(line, f"not valid YAML: {problem}")
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, LineMap(lines)


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            lines.setdefault(child, key_node.start_mark.line + 1)
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines)


def read_example_file(folder: Path | None, name: str) -> str | ReadProblem:
    """The text of an example's `file:`, relative to the codebook's folder."""
    if folder is None:
        return ReadProblem(1, "a built-in codebook's examples are given as text")
    path = folder / name
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return ReadProblem(1, f"cannot read the example file {name}: {reason}")
