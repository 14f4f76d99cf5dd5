"""The `summarize` command: parses arguments, calls the library, renders results.

Exit codes: 0 every article done; 1 some article failed (the others are still
printed) or an eval gate failed; 2 a usage or configuration error; 130 stopped
by Ctrl-C (what was finished is written, and cached for the rerun).

Only click is imported at start-up; each command imports what it needs, so
`summarize --help` does not pay for openai or instructor.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

import click

from summarizer.cli.batch import batch_group
from summarizer.cli.cache import cache_group, schema_command
from summarizer.cli.cache_warnings import cache_warnings_on_stderr
from summarizer.cli.dataset import dataset_command
from summarizer.cli.estimate import estimate_command
from summarizer.cli.eval import eval_command
from summarizer.cli.run import run_command
from summarizer.cli.view import view_command


class DefaultGroup(click.Group):
    """A group that runs its default command when the first word names no command."""

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=DefaultGroup,
    default_command="run",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Turn news articles into validated event JSON and short briefs.

    \b
    summarize ARTICLE.txt            headline, brief and events of one article
    summarize --json a.txt b.txt     the validated JSON
    summarize eval [DATASET]         score a backend against hand-labelled articles
    summarize estimate FILE...       requests, tokens and cost of a run, sending nothing
    summarize a.txt --html r.html    also write a page to review the results
    summarize view R.jsonl ARTICLES  the review page of a finished run
    summarize batch submit|collect   corpus runs through a provider's Batch API
    summarize dataset R.jsonl        one row per real-world event (CSV, Parquet, GeoJSON)
    summarize cache info             where the cache is and what it holds
    summarize schema                 the JSON Schema of a result

    Without OPENAI_API_KEY or OPENAI_BASE_URL the offline extractor answers.
    """


cli.add_command(run_command)
cli.add_command(schema_command)
cli.add_command(cache_group)
cli.add_command(eval_command)
cli.add_command(estimate_command)
cli.add_command(view_command)
cli.add_command(batch_group)
cli.add_command(dataset_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; library errors become one line on stderr."""
    from summarizer.errors import ConfigurationError, SummarizerError, debug_enabled

    debug = debug_enabled()
    try:
        with _library_logs_quiet(not debug), cache_warnings_on_stderr():
            code = cli.main(args=argv, prog_name="summarize", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except SummarizerError as error:
        if debug:
            raise
        click.echo(f"Error: {error}", err=True)
        sys.exit(2 if isinstance(error, ConfigurationError) else 1)
    sys.exit(code if isinstance(code, int) else 0)


@contextlib.contextmanager
def _library_logs_quiet(quiet: bool) -> Iterator[None]:
    """While a command runs, the CLI reports each failure once, as its own `Error:` line.

    instructor logs every failed attempt at ERROR, and the engine logs an
    unexpected error's traceback; both are kept for `SUMMARIZER_DEBUG=1`. The
    levels are restored afterwards: a program calling `main` keeps its logging.
    """
    if not quiet:
        yield
        return
    loggers = [logging.getLogger(name) for name in ("instructor", "summarizer.run.engine")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
