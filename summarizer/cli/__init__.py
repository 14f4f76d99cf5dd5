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
from summarizer.cli.codebook import codebook_group
from summarizer.cli.dataset import dataset_command
from summarizer.cli.estimate import estimate_command
from summarizer.cli.eval import eval_command
from summarizer.cli.labels import labels_group
from summarizer.cli.review import review_command
from summarizer.cli.run import run_command
from summarizer.cli.view import view_command


class DefaultGroup(click.Group):
    """A group that runs its default command when the first word names no command.

    Its help shows the default command's options as well as the commands, and a
    first word that is neither a command nor a file, but close to a command's
    name, is taken for a mistyped command.
    """

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            if args:
                self._refuse_a_mistyped_command(args[0])
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def _refuse_a_mistyped_command(self, word: str) -> None:
        """A UsageError (one line, exit 2) for a first word that is no file but is close
        to a command's name, such as `evl`; anything else is left to the default command."""
        import difflib
        from pathlib import Path

        # Paths, options, globs and standard input are the default command's to judge.
        if not word.isidentifier() or Path(word).exists():
            return
        close = difflib.get_close_matches(word, sorted(self.commands), n=1)
        if close:
            raise click.UsageError(f"No such file or command {word!r}. Did you mean {close[0]!r}?")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's options, the default command's (which `summarize FILE...` takes),
        then the commands."""
        click.Command.format_options(self, ctx, formatter)
        default = self.commands[self.default_command]
        default_context = click.Context(default, info_name=default.name, parent=ctx)
        # Its -h is the group's own, listed above.
        its_help = default.get_help_option(default_context)
        records = [
            record
            for param in default.get_params(default_context)
            if isinstance(param, click.Option)
            and param is not its_help
            and (record := param.get_help_record(default_context))
        ]
        with formatter.section(
            f"Options of {ctx.command_path} FILE... (the {default.name} command)"
        ):
            formatter.write_dl(records)
        self.format_commands(ctx, formatter)


@click.group(
    cls=DefaultGroup,
    default_command="run",
    subcommand_metavar="[FILE|DIR|GLOB|-]... | COMMAND [ARGS]...",
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
    summarize review R.jsonl --articles A --dataset DIR   correct results into labels
    summarize labels agree A B       per-field agreement of two people's labels
    summarize batch submit|collect   corpus runs through a provider's Batch API
    summarize dataset R.jsonl        one row per real-world event (CSV, Parquet, GeoJSON)
    summarize cache info             where the cache is and what it holds
    summarize schema                 the JSON Schema of a result
    summarize codebook check FILE    the problems of a codebook file

    Without OPENAI_API_KEY or OPENAI_BASE_URL the offline extractor answers.
    """


cli.add_command(run_command)
cli.add_command(schema_command)
cli.add_command(cache_group)
cli.add_command(eval_command)
cli.add_command(estimate_command)
cli.add_command(view_command)
cli.add_command(batch_group)
cli.add_command(codebook_group)
cli.add_command(dataset_command)
cli.add_command(review_command)
cli.add_command(labels_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; library errors become one line on stderr."""
    from summarizer.errors import ConfigurationError, SummarizerError, debug_enabled
    from summarizer.text import collapse_whitespace

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
        # One line whatever the message: a wrapped exception may span several.
        click.echo(f"Error: {collapse_whitespace(str(error))}", err=True)
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
