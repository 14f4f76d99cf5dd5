"""`summarize dataset RESULTS.jsonl... --out events.csv`: one row per real-world event."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("dataset")
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("events.csv"),
    show_default=True,
    help="The events file: .csv, .parquet (the parquet extra) or .geojson (events with "
    "coordinates). mentions.csv is written beside it.",
)
@click.option(
    "--window",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Days between two reports of one event (date spans that overlap are 0 apart).",
)
@click.option(
    "--distance",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Kilometres between two places that are one place, when both have coordinates.",
)
@click.option(
    "--fatalities",
    type=click.Choice(["min", "max", "median"]),
    default="min",
    show_default=True,
    help="The figure taken when sources disagree; the range is kept in fatalities_min/max.",
)
@click.option(
    "--aliases",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A JSON object of canonical name -> other spellings (places, countries, actors), "
    'as in a label\'s "aliases".',
)
@click.option(
    "--explain",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write, as JSON Lines, every merged row: the mentions that joined it and why.",
)
@click.option(
    "--previous",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An events.csv of an earlier build (its mentions.csv beside it): events keep "
    "their ids, and the rows new, changed and unchanged since are counted.",
)
@click.option("--no-geo", is_flag=True, help="Leave the gazetteer out (faster; no coordinates).")
def dataset_command(
    results: tuple[Path, ...],
    out: Path,
    window: int,
    distance: float,
    fatalities: str,
    aliases: Path | None,
    explain: Path | None,
    previous: Path | None,
    no_geo: bool,
) -> int:
    """Merge the results of runs into an event dataset: one row per real-world event.

    RESULTS are the JSON Lines files that `summarize --jsonl` or `-o` wrote. Reports
    of the same event (same type, dates within --window days, same place or within
    --distance km, an actor in common) become one row with every source, in ACLED's
    column names. Coordinates come from the offline gazetteer of the geo extra.

    \b
    summarize articles/ -o results.jsonl
    summarize dataset results.jsonl --out events.csv --explain merges.jsonl
    summarize dataset results.jsonl more.jsonl --previous events.csv --out events.csv
    """
    from summarizer.dataset import build_dataset
    from summarizer.dataset.build import MENTION_COLUMNS
    from summarizer.dataset.geo import GEO_EXTRA_HINT
    from summarizer.dataset.writers import (
        FORMATS,
        MENTIONS_NAME,
        compare_rows,
        csv_text,
        read_csv_rows,
        write_events,
    )
    from summarizer.errors import ConfigurationError, InputError
    from summarizer.storage import write_atomically

    if out.suffix.lower() not in FORMATS:
        raise ConfigurationError(
            f"{out}: unknown output format {out.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    alias_table = _read_aliases(aliases) if aliases is not None else None
    previous_rows = read_csv_rows(previous) if previous is not None else None
    previous_ids = None
    if previous is not None:
        beside = previous.with_name(MENTIONS_NAME)
        if beside.is_file():
            previous_ids = {row["mention_id"]: row["event_id"] for row in read_csv_rows(beside)}
    data = build_dataset(
        results,
        window_days=window,
        distance_km=distance,
        fatalities=fatalities,
        aliases=alias_table,
        geo=not no_geo,
        previous=previous_ids,
    )
    for problem in data.problems:
        click.echo(f"Error: {problem}", err=True)
    written = write_events(out, data.columns, data.rows)
    mentions_path = out.with_name(MENTIONS_NAME)
    if mentions_path == out:
        raise InputError(f"{out}: the events file cannot be named {MENTIONS_NAME}")
    write_atomically(mentions_path, csv_text(MENTION_COLUMNS, data.mention_rows()))
    shown = f"{written} of {len(data.rows)}" if written != len(data.rows) else str(written)
    click.echo(
        f"Events: {out} ({shown} rows from {len(data.event_of)} mentions in "
        f"{data.articles - data.failed_articles} articles; {len(data.merges)} merged)\n"
        f"Mentions: {mentions_path}",
        err=True,
    )
    if explain is not None:
        lines = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in data.merges)
        write_atomically(explain, lines)
        click.echo(f"Merges explained: {explain}", err=True)
    if previous_rows is not None:
        changes = compare_rows(data.columns, data.rows, previous_rows)
        click.echo(f"Since {previous}: {changes.describe()}", err=True)
    if not data.geo and not no_geo:
        click.echo(f"No coordinates: {GEO_EXTRA_HINT}", err=True)
    return 1 if data.problems else 0


def _read_aliases(path: Path) -> dict[str, list[str]]:
    from summarizer.errors import InputError

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict) or not all(
        isinstance(spellings, list) and all(isinstance(s, str) for s in spellings)
        for spellings in document.values()
    ):
        raise InputError(f"{path}: expected a JSON object of name -> list of spellings")
    return document
