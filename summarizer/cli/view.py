"""`summarize view RESULTS.jsonl [ARTICLES...] --out review.html`: review a finished run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli.options import codebook_option_for

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


@click.command("view")
@click.argument("results", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("articles", nargs=-1, metavar="[FILE|DIR|GLOB]...")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("review.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option("--title", default="Summarizer review", show_default=True, help="The page title.")
@codebook_option_for(
    "The codebook the results were made with, a built-in name or a file (default: "
    "$SUMMARIZER_CODEBOOK, else news): its types fill the type filter, its extra "
    "fields show on the event cards."
)
def view_command(
    results: Path, articles: tuple[str, ...], out: Path, title: str, codebook: Codebook | None
) -> int:
    """Write one HTML page to review a run's results against their articles.

    RESULTS is the JSON Lines that `summarize --jsonl` or `-o` wrote. ARTICLES
    (text files, folders, JSON Lines of {"id", "text"}) give the article texts,
    matched to results by id; a result whose article is not given is shown
    without its text. The page is one file and needs no network.

    \b
    summarize articles/ -o results.jsonl
    summarize view results.jsonl articles/ --out review.html
    """
    from summarizer.article import Article
    from summarizer.cli.inputs import check_inputs
    from summarizer.codebook import load_codebook_or_fail
    from summarizer.readers import iter_inputs
    from summarizer.review import read_results, write_review

    # A broken codebook fails before any file is read.
    chosen = load_codebook_or_fail(codebook)
    check_inputs(articles, outputs=[out], also_read=[results])
    known: dict[str, Article] = {}
    for item in iter_inputs(articles, sys.stdin.buffer):
        if isinstance(item, Article):
            known[item.id] = item
        else:
            click.echo(f"Error: {item.error}", err=True)
    entries, problems = read_results(results, known, chosen)
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    without_text = sum(1 for entry in entries if entry["text"] is None)
    size = write_review(out, entries, title=title, codebook=chosen)
    click.echo(f"Review page: {out} ({len(entries)} articles, {size / 1_000_000:.1f} MB)", err=True)
    if without_text:
        click.echo(
            f"{without_text} result(s) without their article text: give the article files "
            "or folders after the results file",
            err=True,
        )
    return 1 if problems else 0
