"""`summarize cache ...` and `summarize schema`: looking after what the tool stores and emits."""

from __future__ import annotations

import json
from pathlib import Path

import click

from summarizer.cli.options import cache_dir_option


@click.group("cache")
def cache_group() -> None:
    """Inspect or empty the result cache."""


@cache_group.command("info")
@cache_dir_option
def cache_info(cache_dir: Path | None) -> None:
    """Print where the cache is, how many results it holds and its size."""
    from summarizer.cache import ResultCache

    with ResultCache(cache_dir) as cache:
        info = cache.info()
    click.echo(f"directory: {info.directory}")
    click.echo(f"results:   {info.entries}")
    click.echo(f"size:      {info.size_bytes / 1024:.1f} KiB")


@cache_group.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached result."""
    from summarizer.cache import ResultCache

    with ResultCache(cache_dir) as cache:
        removed = cache.clear()
    click.echo(f"removed {removed} cached result(s) from {cache.directory}")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a result (ArticleSummary)."""
    from summarizer.schema import ArticleSummary

    click.echo(json.dumps(ArticleSummary.model_json_schema(), indent=2))
