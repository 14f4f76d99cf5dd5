"""Before a command reads an article: its outputs checked against its inputs, and the
files its folders and globs pass over named in one line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

# How many passed-over files the line names; the rest are counted.
_NAMED_AT_MOST = 5
_STANDARD_INPUT = Path("/dev/stdin")


def check_inputs(
    specs: Sequence[str], *, outputs: Sequence[Path | None], also_read: Sequence[Path] = ()
) -> None:
    """Refuse (ConfigurationError, exit 2) an output that is one of the inputs, `specs`'
    files or `also_read`; then say which files the folders and globs pass over."""
    from summarizer.readers import list_inputs
    from summarizer.storage import refuse_overwriting_inputs

    found = list_inputs(specs)
    # `summarize - -o feed.jsonl < feed.jsonl`: standard input redirected from a file
    # is that file, and /dev/stdin is where the system shows it (Linux, macOS, BSDs).
    standard_input = [_STANDARD_INPUT] if "-" in specs and _STANDARD_INPUT.exists() else []
    refuse_overwriting_inputs(outputs, [*also_read, *found.files, *standard_input])
    if found.passed_over:
        click.echo(passed_over_line(found.passed_over), err=True)


def passed_over_line(paths: Sequence[Path]) -> str:
    from summarizer.readers import READABLE_FILES

    named = ", ".join(str(path) for path in paths[:_NAMED_AT_MOST])
    more = f" and {len(paths) - _NAMED_AT_MOST} more" if len(paths) > _NAMED_AT_MOST else ""
    return f"Skipped {len(paths)} file(s) that are not articles ({READABLE_FILES}): {named}{more}"
