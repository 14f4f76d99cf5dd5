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
    """Print where the cache is, whether it is usable, how many results it holds, its size."""
    from summarizer.cache import FaultKind, inspect_cache

    info = inspect_cache(cache_dir)
    state = info.state
    if info.fault is not None:
        state += f" ({info.fault.reason})"
        if info.fault.kind is FaultKind.DAMAGED:
            state += "; `summarize cache clear` moves it aside"
    click.echo(f"directory: {info.directory}")
    click.echo(f"state:     {state}")
    click.echo(f"results:   {'unknown' if info.entries is None else info.entries}")
    click.echo(f"size:      {info.size_bytes / 1024:.1f} KiB")


@cache_group.command("clear")
@cache_dir_option
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every cached result; a damaged database is moved aside instead."""
    from summarizer.cache import FaultKind, ResultCache, inspect_cache, move_aside
    from summarizer.errors import StorageError

    info = inspect_cache(cache_dir)
    if info.fault is not None and info.fault.kind is FaultKind.DAMAGED:
        moved = move_aside(info.directory)
        click.echo(
            f"the cache at {info.directory} is damaged ({info.fault.reason}): moved its "
            f"database aside to {moved[0].name} (nothing deleted); the next run starts "
            "an empty cache"
        )
        return
    if info.fault is not None:
        raise StorageError(f"cannot clear the cache at {info.directory}: {info.fault.reason}")
    with ResultCache(info.directory) as cache:
        removed = cache.clear()
    click.echo(f"removed {removed} cached result(s) from {cache.directory}")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of a result (ArticleSummary)."""
    from summarizer.schema import ArticleSummary

    click.echo(json.dumps(ArticleSummary.model_json_schema(), indent=2))
