"""`summarize FILE...`: the default command, one article or a million.

The realtime engine (summarizer.run) does the work; this module picks the
output form and writes each record as it comes.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from summarizer.cli.options import (
    article_options,
    backend_options,
    concurrency_option,
    facts_from_options,
    pipeline_from_options,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from summarizer.article import Article, UnreadableInput
    from summarizer.schema import ArticleSummary, Event

# Exit code of a run stopped by Ctrl-C, as for any program killed by SIGINT.
INTERRUPTED_EXIT_CODE = 130


@click.command("run")
@click.argument("inputs", nargs=-1, metavar="[FILE|DIR|GLOB|-]...")
@click.option("--json", "as_json", is_flag=True, help="Print the validated JSON.")
@click.option(
    "--jsonl",
    is_flag=True,
    help='Print one JSON line per input as it finishes: a result, or {"id", "error"}.',
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON Lines to FILE instead (replacing it), flushed line by line.",
)
@click.option("--ordered", is_flag=True, help="Write JSON Lines in input order, not as finished.")
@concurrency_option
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes the backend runs in; more when one core holds the run back.",
)
@click.option("--rpm", type=click.IntRange(min=1), help="At most this many requests a minute.")
@click.option("--tpm", type=click.IntRange(min=1), help="At most this many tokens a minute.")
@article_options
@backend_options
def run_command(
    inputs: tuple[str, ...],
    as_json: bool,
    jsonl: bool,
    output: Path | None,
    ordered: bool,
    concurrency: int,
    workers: int,
    rpm: int | None,
    tpm: int | None,
    published: object,
    dateline: str | None,
    brief_language: str | None,
    **options: Any,
) -> int:
    """Summarize articles: headline, brief and events of each.

    Inputs are text files (an optional `date YYYY-MM-DD Place:` header gives the
    publication date), JSON Lines files of {"id", "text"} (and optionally
    "published", "dateline", "title", "url"), folders, globs, or - for standard
    input. Every input ends as a result or an error; the run goes
    on past failures and exits 1 when any input failed. Ctrl-C stops it after
    writing what is finished; run the same command again to resume, as every
    finished article is cached.
    """
    from summarizer.article import count_inputs, iter_inputs
    from summarizer.cli.progress import RunDisplay, summary_lines
    from summarizer.run import ResultRecord, summarize_many

    if as_json and (jsonl or output is not None):
        raise click.UsageError("--json prints one document; --jsonl and --output print lines")
    if not inputs:
        if sys.stdin.isatty():
            raise click.UsageError("give one or more article files, or - for standard input")
        inputs = ("-",)
    streaming = jsonl or output is not None
    pipeline = pipeline_from_options(**options)
    # The total is for the live bar's ETA only: counting reads every JSON Lines file once more.
    total = count_inputs(inputs) if (streaming or as_json) and sys.stderr.isatty() else None
    articles = iter_inputs(
        inputs, sys.stdin.buffer, facts_from_options(published, dateline, brief_language)
    )
    if pipeline.backend.name == "offline":
        articles = _noting_language(articles)
    batch = summarize_many(
        articles,
        pipeline,
        concurrency=concurrency,
        workers=workers,
        rpm=rpm,
        tpm=tpm,
        # A person reading results, and one JSON document, expect the inputs' order.
        ordered=ordered or not streaming,
    )
    results: list[ArticleSummary] = []
    interrupted = False
    display = RunDisplay(total=total, show_progress=(streaming or as_json) and total != 1)
    # The display starts first: a live bar swaps sys.stdout for a proxy that prints
    # lines above the bar, and the lines must go through it.
    with pipeline, batch, display, _open_output(output) as sink:
        try:
            for record in batch:
                if streaming:
                    # One write per line and a flush: a reader (or a kill) never sees half.
                    sink.write(record.to_json() + "\n")
                    sink.flush()
                display.record(record)
                if isinstance(record, ResultRecord) and not streaming:
                    if as_json:
                        results.append(record.summary)
                    else:
                        render_summary(record.summary)
        except KeyboardInterrupt:
            interrupted = True
    if as_json and results:
        documents = [result.model_dump(mode="json") for result in results]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    if batch.report.read > 1 or interrupted:
        for line in summary_lines(batch.report):
            click.echo(line, err=True)
    if interrupted:
        return INTERRUPTED_EXIT_CODE
    return 1 if batch.report.failures else 0


def _noting_language(
    articles: Iterator[Article | UnreadableInput],
) -> Iterator[Article | UnreadableInput]:
    """The articles; says once on stderr when one is in a language the rules cannot read."""
    from summarizer.article import Article
    from summarizer.backends.offline import language_notice

    noted = False
    for article in articles:
        if not noted and isinstance(article, Article):
            notice = language_notice(article)
            if notice is not None:
                click.echo(f"Note: {notice}", err=True)
                noted = True
        yield article


def _open_output(path: Path | None) -> contextlib.AbstractContextManager[TextIO]:
    if path is None:
        return contextlib.nullcontext(sys.stdout)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as error:
        raise click.FileError(str(path), error.strerror) from None


def render_summary(summary: ArticleSummary) -> None:
    """Headline, brief, a table of events and what each event was, for a person."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Article text may hold square brackets; printed as markup they would vanish.
    console = Console(markup=False, highlight=False)
    console.print(Text(summary.headline, style="bold"), Text(f" ({summary.article_id})", "dim"))
    console.print(summary.brief)
    if not summary.events:
        console.print(Text("No events.", "dim"), "\n")
        return
    table = Table(expand=False)
    for column in ("#", "type", "date", "location", "actors", "deaths"):
        table.add_column(column, overflow="fold")
    for number, event in enumerate(summary.events, start=1):
        place = (event.location.name, event.location.country)
        table.add_row(
            str(number),
            event.event_type.value,
            _date_text(event),
            ", ".join(part for part in place if part) or "-",
            ", ".join(event.actors) or "-",
            _fatalities_text(event),
        )
    console.print(table)
    for number, event in enumerate(summary.events, start=1):
        console.print(f"{number}. {event.summary}")
    console.print()


def _date_text(event: Event) -> str:
    if event.date is None:
        return "-"
    if event.date_end is not None and event.date_end != event.date:
        return f"{event.date.isoformat()}..{event.date_end.isoformat()}"
    return event.date.isoformat()


def _fatalities_text(event: Event) -> str:
    deaths = event.fatalities
    if deaths is None:
        return "-"
    return str(deaths) if isinstance(deaths, int) else f"{deaths.min}-{deaths.max}"
