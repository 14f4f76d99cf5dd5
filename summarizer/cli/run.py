"""`summarize FILE...`: the default command, one article or a million.

The realtime engine (summarizer.run) does the work; this module picks the
output form and writes each record as it comes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from summarizer.cli.options import (
    article_options,
    backend_options,
    codebook_option,
    concurrency_option,
    facts_from_options,
    max_cost_option,
    price_options,
)
from summarizer.cli.pipelines import pipeline_from_options
from summarizer.cli.prices import prices_from_options

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from summarizer.article import Article
    from summarizer.backends.plugins import BackendPlugin
    from summarizer.cost import Budget, Prices
    from summarizer.readers import UnreadableInput
    from summarizer.schema import ArticleSummary
    from summarizer.storage import LineFile, StreamLines

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
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a page to review the results against the articles (one HTML file).",
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
@max_cost_option
@price_options
@article_options
@codebook_option
@backend_options
def run_command(
    inputs: tuple[str, ...],
    as_json: bool,
    jsonl: bool,
    output: Path | None,
    html: Path | None,
    ordered: bool,
    concurrency: int,
    workers: int,
    rpm: int | None,
    tpm: int | None,
    max_cost: float | None,
    price_input: float | None,
    price_output: float | None,
    published: object,
    dateline: str | None,
    brief_language: str | None,
    **options: Any,
) -> int:
    """Summarize articles: headline, brief and events of each.

    Inputs are text files (an optional `date YYYY-MM-DD Place:` header gives the
    publication date), JSON Lines files of {"id", "text"} (and optionally
    "published", "dateline", "title", "url"), saved web pages (.html, with
    summarizer[html]), PDFs (.pdf, with summarizer[pdf]), RSS and Atom feeds,
    folders, globs, or - for standard input. Every input ends as a result or an error; the run goes
    on past failures and exits 1 when any input failed. Ctrl-C stops it after
    writing what is finished; run the same command again to resume, as every
    finished article is cached. The run ends with the tokens it spent and their
    cost, at genai-prices' price for the model or --price-input/--price-output.
    """
    from summarizer.backends.plugins import find_plugin
    from summarizer.cli.inputs import check_inputs
    from summarizer.cli.progress import RunDisplay, cost_line, summary_lines
    from summarizer.errors import UnusableBackendError
    from summarizer.readers import count_inputs, iter_inputs
    from summarizer.review import ReviewCollector, write_review
    from summarizer.run import ResultRecord, summarize_many

    if as_json and (jsonl or output is not None):
        raise click.UsageError("--json prints one document; --jsonl and --output print lines")
    if not inputs:
        if sys.stdin.isatty():
            raise click.UsageError("give one or more article files, or - for standard input")
        inputs = ("-",)
    check_inputs(inputs, outputs=[output, html])
    streaming = jsonl or output is not None
    pipeline = pipeline_from_options(**options)
    plugin = find_plugin(pipeline.backend.name)
    try:
        prices = prices_from_options(
            pipeline.backend, price_input=price_input, price_output=price_output
        )
        budget = _budget(max_cost, prices, plugin)
    except BaseException:
        pipeline.close()
        raise
    # The total is for the live bar's ETA only: counting reads every JSON Lines file once more.
    total = count_inputs(inputs) if (streaming or as_json) and sys.stderr.isatty() else None
    articles = iter_inputs(
        inputs, sys.stdin.buffer, facts_from_options(published, dateline, brief_language)
    )
    articles = _noting_once(articles, plugin.article_notice)
    review = ReviewCollector() if html is not None else None
    batch = summarize_many(
        review.remember(articles) if review is not None else articles,
        pipeline,
        concurrency=concurrency,
        workers=workers,
        rpm=rpm,
        tpm=tpm,
        budget=budget,
        # A person reading results, and one JSON document, expect the inputs' order.
        ordered=ordered or not streaming,
    )
    results: list[ArticleSummary] = []
    interrupted = halted = False
    display = RunDisplay(total=total, show_progress=(streaming or as_json) and total != 1)
    # The display starts first: a live bar swaps sys.stdout for a proxy that prints
    # lines above the bar, and the lines must go through it.
    with pipeline, batch, display, _open_output(output) as sink:
        try:
            for record in batch:
                if streaming:
                    _write_line(sink, record.to_json())
                display.record(record)
                if review is not None:
                    review.add(record)
                if isinstance(record, ResultRecord) and not streaming:
                    if as_json:
                        results.append(record.summary)
                    else:
                        _render_to_standard_output(record.summary, list(pipeline.codebook.fields))
        except KeyboardInterrupt:
            interrupted = True
        except UnusableBackendError:
            # Its article's record said why, in its `Error:` line; the summary says the rest.
            halted = True
    if as_json and results:
        documents = [result.model_dump(mode="json") for result in results]
        with _open_output(None) as standard_output:
            _write_line(
                standard_output,
                json.dumps(documents[0] if len(documents) == 1 else documents, indent=2),
            )
    if review is not None and html is not None:
        write_review(html, review.entries, codebook=pipeline.codebook)
        click.echo(f"Review page: {html}", err=True)
    if batch.report.read > 1 or interrupted or halted:
        not_stored = pipeline.cache.not_stored if pipeline.cache is not None else 0
        for line in summary_lines(batch.report, prices, not_stored=not_stored):
            click.echo(line, err=True)
    else:
        spent = cost_line(batch.report, prices)
        if spent is not None:
            click.echo(spent, err=True)
    if interrupted:
        return INTERRUPTED_EXIT_CODE
    return 1 if batch.report.failures or halted else 0


def _noting_once(
    articles: Iterator[Article | UnreadableInput],
    article_notice: Callable[[Article], str | None],
) -> Iterator[Article | UnreadableInput]:
    """The articles; says once on stderr what the backend has to say about one
    (the offline extractor: an article in a language its rules cannot read), and
    each reader's note (a feed whose entries carry only summaries)."""
    from summarizer.article import Article

    noted = False
    for article in articles:
        if isinstance(article, Article) and article.note is not None:
            click.echo(f"Note: {article.note}", err=True)
        if not noted and isinstance(article, Article):
            notice = article_notice(article)
            if notice is not None:
                click.echo(f"Note: {notice}", err=True)
                noted = True
        yield article


def _budget(max_cost: float | None, prices: Prices | None, plugin: BackendPlugin) -> Budget | None:
    from summarizer.cost import Budget

    if max_cost is None:
        return None
    if not plugin.spends_tokens:
        raise click.UsageError(
            f"--max-cost limits what a run spends; the {plugin.name} backend spends nothing"
        )
    if prices is None:
        raise click.UsageError(
            "--max-cost needs prices: give --price-input and --price-output for this model"
        )
    return Budget(max_cost, prices)


def _open_output(path: Path | None) -> LineFile | StreamLines:
    from summarizer.storage import LineFile, lines_to

    return lines_to(sys.stdout, "standard output") if path is None else LineFile.create(path)


def _write_line(sink: LineFile | StreamLines, line: str) -> None:
    """One line, whole or not at all; a disk that refuses it ends the run with one line."""
    from summarizer.errors import StorageError

    try:
        sink.write_line(line)
    except StorageError as error:
        # Every record written so far was cached before it was written.
        raise StorageError(
            f"{error}. The lines written are whole and finished articles are cached: fix "
            "the output (free space, another --output) and run the same command again."
        ) from None


def _render_to_standard_output(summary: ArticleSummary, extra_fields: list[str]) -> None:
    from summarizer.errors import StorageError
    from summarizer.storage import os_error_text

    try:
        render_summary(summary, extra_fields)
        sys.stdout.flush()  # a full disk is found here, not at exit
    except OSError as error:
        raise StorageError(
            f"cannot write to standard output: {os_error_text(error)}. Finished articles "
            "are cached: fix the output and run the same command again."
        ) from None


def render_summary(summary: ArticleSummary, extra_fields: Sequence[str] = ()) -> None:
    """Headline, brief, a table of events and what each event was, for a person; the
    table has a column per extra field of the codebook when the terminal is wide
    enough."""
    from rich.console import Console
    from rich.text import Text

    from summarizer.cli.render import fitting_events_table

    # Article text may hold square brackets; printed as markup they would vanish.
    console = Console(markup=False, highlight=False)
    console.print(Text(summary.headline, style="bold"), Text(f" ({summary.id})", "dim"))
    console.print(summary.brief)
    if not summary.events:
        console.print(Text("No events.", "dim"), "\n")
        return
    console.print(fitting_events_table(console, summary.events, extra_fields))
    for number, event in enumerate(summary.events, start=1):
        console.print(f"{number}. {event.summary}")
    console.print()
