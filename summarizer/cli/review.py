"""`summarize review RESULTS.jsonl... --articles INPUT... --dataset DIR`: label in the browser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from summarizer.codebook import Codebook
    from summarizer.review.labelling import Saved


@click.command("review")
@click.argument(
    "results",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
)
@click.option(
    "--articles",
    "article_specs",
    multiple=True,
    required=True,
    metavar="FILE|DIR|GLOB",
    help="The articles of the results (text files, folders, JSON Lines); repeatable.",
)
@click.option(
    "--dataset",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The labelled data set folder to save to (made if missing; resumed if not).",
)
@click.option(
    "--codebook",
    "codebook_source",
    metavar="NAME|FILE",
    default=None,
    help="The codebook to label with. Default: the one the results name, else the data "
    "set's codebook.yaml, else $SUMMARIZER_CODEBOOK, else news.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The port on 127.0.0.1; 0 takes a free one.",
)
def review_command(
    results: tuple[Path, ...],
    article_specs: tuple[str, ...],
    dataset: Path,
    codebook_source: str | None,
    port: int,
) -> int:
    """Correct a run's results in the browser; every decision becomes a label.

    Starts a server on 127.0.0.1 and prints its URL (with a one-time token;
    nothing opens by itself). Per article, accept, reject or edit each event,
    mark background events, add a missed event by selecting its evidence, and
    edit the brief and the must-mention facts. Each decision is saved at once to
    DATASET/labels/<id>.json in the labelled-article contract (the article to
    DATASET/articles/, the codebook to DATASET/codebook.yaml), so `summarize eval
    DATASET` runs on it. Ctrl-C stops; running it again resumes.

    \b
    summarize articles/ -o results.jsonl
    summarize review results.jsonl --articles articles/ --dataset my-labels
    summarize eval my-labels
    """
    from summarizer.article import Article
    from summarizer.errors import ConfigurationError
    from summarizer.readers import iter_inputs
    from summarizer.review.labelling import LabellingSession, read_prefills
    from summarizer.review.server import LabellingServer

    codebook = _chosen_codebook(codebook_source, results, dataset)
    articles: list[Article] = []
    for item in iter_inputs(article_specs, sys.stdin.buffer):
        if isinstance(item, Article):
            articles.append(item)
        else:
            click.echo(f"Error: {item.error}", err=True)
    known = {article.id: article for article in articles}
    prefills, problems = read_prefills(results, known, codebook)
    for problem in problems:
        click.echo(f"Error: {problem}", err=True)
    # The results' order, then articles no result names, each once.
    ordered = [known[article_id] for article_id in prefills]
    ordered += [article for article in articles if article.id not in prefills]
    if not ordered:
        raise ConfigurationError("no article to label: give the results' articles with --articles")
    session = LabellingSession(dataset, ordered, prefills, codebook)

    def saved(article_id: str, where: Saved) -> None:
        click.echo(
            f"Saved {where.label_path} ({where.reviewed} of {where.total} reviewed)", err=True
        )

    try:
        server = LabellingServer(session, port=port, on_save=saved)
    except OSError as error:
        raise ConfigurationError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None
    reviewed, total = session.progress()
    click.echo(
        f"Labelling {total} article(s) with codebook {codebook.name} ({reviewed} reviewed "
        f"already); labels are saved to {dataset / 'labels'}",
        err=True,
    )
    click.echo(f"Open {server.url}", err=True)
    click.echo("Ctrl-C stops (every decision is already saved).", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    reviewed, total = session.progress()
    click.echo(
        f"Stopped: {reviewed} of {total} article(s) reviewed, {session.saves} save(s) this "
        f"session; labels in {dataset / 'labels'}",
        err=True,
    )
    return 1 if problems else 0


def _chosen_codebook(source: str | None, results: tuple[Path, ...], dataset: Path) -> Codebook:
    """--codebook, else the results' own, else the data set's file, else the environment's
    or news; a data set already coded with another codebook is refused."""
    from summarizer.codebook import load_codebook_or_fail
    from summarizer.codebook.load import is_builtin_name
    from summarizer.errors import ConfigurationError
    from summarizer.review.labelling import CODEBOOK_FILE, codebook_named_by

    existing = dataset / CODEBOOK_FILE
    named = None if source else codebook_named_by(results)
    chosen = source
    if chosen is None and named is not None and is_builtin_name(named):
        chosen = named
    elif chosen is None and existing.is_file():
        chosen = str(existing)
    elif chosen is None and named is not None:
        raise ConfigurationError(
            f"the results were coded with codebook {named!r}: give its file with --codebook"
        )
    codebook = load_codebook_or_fail(chosen)
    if existing.is_file():
        current = load_codebook_or_fail(existing)
        if current != codebook:
            raise ConfigurationError(
                f"{existing} is codebook {current.name} ({current.hash}), not "
                f"{codebook.name} ({codebook.hash}): label into another --dataset folder"
            )
    return codebook
