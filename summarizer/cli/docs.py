"""docs/cli.md, the command reference, made from the commands' own help.

`python -m summarizer.cli.docs > docs/cli.md` writes it. The reference walks the
`summarize` group, so a command or subcommand added later appears without any
change here, and tests/test_cli_docs.py fails when the committed file and the
help have drifted apart.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from summarizer.cli import cli

PROGRAM = "summarize"
REGENERATE = "python -m summarizer.cli.docs > docs/cli.md"
# What click wraps help to on any terminal of 80 columns or more; fixed, so that the
# terminal that regenerates the file does not change it.
HELP_WIDTH = 78


def _contexts(command: click.Command, parent: click.Context | None) -> Iterator[click.Context]:
    """A context for `command` and, depth first in name order, for each visible subcommand."""
    name = PROGRAM if parent is None else command.name
    settings = {**command.context_settings, "terminal_width": HELP_WIDTH}
    context = click.Context(command, info_name=name, parent=parent, **settings)
    yield context
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(context):
            subcommand = command.get_command(context, sub_name)
            if subcommand is not None and not subcommand.hidden:
                yield from _contexts(subcommand, context)


def render_reference() -> str:
    """The Markdown reference of `summarize` and every command under it."""
    sections = [
        f"# `{PROGRAM}` command reference",
        f"Generated from the commands' help by `{REGENERATE}`; a test fails when the "
        "two differ. Change the commands' docstrings and options, then regenerate.",
    ]
    for context in _contexts(cli, None):
        sections.append(f"## `{context.command_path}`")
        sections.append(f"```text\n{context.command.get_help(context)}\n```")
    return "\n\n".join(sections) + "\n"


def main() -> None:
    click.echo(render_reference(), nl=False)


if __name__ == "__main__":
    main()
