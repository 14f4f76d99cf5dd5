"""`summarize labels agree A B`: how far two people's labels of the same articles agree."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("labels")
def labels_group() -> None:
    """Work with labelled data sets (folders of articles/ and labels/)."""


@labels_group.command("agree")
@click.argument("first", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("second", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the agreement as JSON.")
def labels_agree(first: Path, second: Path, as_json: bool) -> None:
    """Per-field agreement of two label folders for the articles both label.

    Events are paired with the eval's own matching and compared with its own
    field rules (names through the second folder's aliases); extra codebook
    fields where both labels state them. Low agreement on a field is a codebook
    definition people read differently.

    \b
    summarize labels agree labels-ann labels-bo
    """
    from summarizer.evaluation.dataset import load_dataset
    from summarizer.evaluation.interrater import compare_labels

    agreement = compare_labels(load_dataset(first), load_dataset(second))
    if as_json:
        click.echo(json.dumps(agreement.as_json(), indent=2))
        return
    click.echo(f"Articles labelled in both: {len(agreement.articles)}")
    for folder, missing in ((first, agreement.only_first), (second, agreement.only_second)):
        if missing:
            click.echo(f"Only in {folder}: {len(missing)} ({', '.join(missing[:5])})")
    click.echo(
        f"Events: {agreement.events_first} in {first}, {agreement.events_second} in {second}, "
        f"{agreement.matched} matched (event F1 {_number(agreement.event_f1)})"
    )
    width = max(len(name) for name in agreement.fields) + 2
    click.echo(f"{'field':<{width}}{'agreement':>10}{'pairs':>8}")
    for name, tally in agreement.fields.items():
        click.echo(f"{name:<{width}}{_number(tally.rate):>10}{tally.compared:>8}")
    click.echo(f"event_type kappa: {_number(agreement.type_kappa)}")
    rouge = agreement.brief_rouge_l
    click.echo(f"brief ROUGE-L: {_number(rouge.rate)} over {rouge.compared} article(s)")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
