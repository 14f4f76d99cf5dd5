"""`summarize FILE...`: the default command."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from summarizer.cli.options import backend_options, pipeline_from_options

if TYPE_CHECKING:
    from summarizer.schema import ArticleSummary


@click.command("run")
@click.argument("inputs", nargs=-1, metavar="[FILE|DIR|GLOB|-]...")
@click.option("--json", "as_json", is_flag=True, help="Print the validated JSON.")
@click.option("--jsonl", is_flag=True, help="Print one JSON line per article.")
@backend_options
def run_command(inputs: tuple[str, ...], as_json: bool, jsonl: bool, **options: Any) -> int:
    """Summarize articles: headline, brief and events of each.

    Inputs are text files (an optional `date YYYY-MM-DD Place:` header gives the
    publication date), JSON Lines files of {"id", "text"}, folders, globs, or -
    for standard input. Exit code 1 when any article failed; the others are
    still printed.
    """
    from summarizer.article import UnreadableInput, iter_inputs
    from summarizer.errors import SummarizerError

    if not inputs:
        if sys.stdin.isatty():
            raise click.UsageError("give one or more article files, or - for standard input")
        inputs = ("-",)
    pipeline = pipeline_from_options(**options)
    results: list[ArticleSummary] = []
    failures = 0
    for item in iter_inputs(inputs, click.get_binary_stream("stdin")):
        if isinstance(item, UnreadableInput):
            failures += 1
            click.echo(f"Error: {item.error}", err=True)
            continue
        try:
            summary = pipeline.run(item).summary
        except SummarizerError as error:
            failures += 1
            click.echo(f"Error: {error}", err=True)
            continue
        if jsonl:
            click.echo(summary.model_dump_json())
        elif as_json:
            results.append(summary)
        else:
            render_summary(summary)
    if as_json:
        documents = [result.model_dump(mode="json") for result in results]
        click.echo(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    return 1 if failures else 0


def render_summary(summary: ArticleSummary) -> None:
    """Headline, brief and a table of events, for a person at a terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{summary.headline}[/bold]  [dim]({summary.article_id})[/dim]")
    console.print(summary.brief)
    if not summary.events:
        console.print("[dim]No events.[/dim]\n")
        return
    table = Table(show_lines=False, expand=False)
    for column in ("type", "date", "location", "actors", "deaths", "summary"):
        table.add_column(column, overflow="fold")
    for event in summary.events:
        fatalities = event.fatalities
        table.add_row(
            event.event_type.value,
            event.date.isoformat() if event.date else "-",
            ", ".join(part for part in (event.location.name, event.location.country) if part)
            or "-",
            ", ".join(event.actors) or "-",
            "-"
            if fatalities is None
            else str(fatalities)
            if isinstance(fatalities, int)
            else f"{fatalities.min}-{fatalities.max}",
            event.summary,
        )
    console.print(table)
    console.print()
