"""`summarize cache ...` and `summarize schema`: looking after what the tool stores and emits."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli.options import cache_dir_option, codebook_option

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


class NeedsConfirmation(click.ClickException):
    """A deletion asked for off a terminal without --yes: one line, and exit 2 as a usage
    error (click's UsageError would add the usage text)."""

    exit_code = 2


@click.group("cache")
def cache_group() -> None:
    """Inspect or empty the result cache."""


@cache_group.command("info")
@cache_dir_option
def cache_info(cache_dir: Path | None) -> None:
    """Print where the cache is, whether it is usable, how many results it holds, its size."""
    from summarizer.cache import inspect_cache
    from summarizer.cache_faults import FaultKind

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
@click.option("--yes", is_flag=True, help="Delete without asking (needed off a terminal).")
@click.option("--model", help="Delete only the results this model made.")
@click.option(
    "--backend", "backend_name", help="Delete only the results this backend made (openai, ...)."
)
@cache_dir_option
def cache_clear(
    yes: bool, model: str | None, backend_name: str | None, cache_dir: Path | None
) -> None:
    """Delete cached results, all or one model's or backend's, after asking.

    Results cost tokens to make again: on a terminal it asks first; elsewhere
    (a script, CI) it needs --yes. A damaged database is moved aside instead
    (nothing is deleted).
    """
    from summarizer.cache import ResultCache, inspect_cache, move_aside
    from summarizer.cache_faults import FaultKind
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
    chosen = " and ".join(
        f"{what} {name}"
        for what, name in (("backend", backend_name), ("model", model))
        if name is not None
    )
    which = f"the cached results of {chosen}" if chosen else f"all {info.entries} cached result(s)"
    if not yes and info.entries:
        if not sys.stdin.isatty():
            raise NeedsConfirmation(f"not deleting {which} without confirmation: pass --yes")
        if not click.confirm(f"Delete {which} in {info.directory}?", default=False):
            click.echo("nothing deleted")
            return
    with ResultCache(info.directory) as cache:
        removed = cache.clear(backend=backend_name, model=model)
    click.echo(f"removed {removed} cached result(s) from {cache.directory}")


@click.command("schema")
@codebook_option
def schema_command(codebook: Codebook | None) -> None:
    """Print the JSON Schema of a result (ArticleSummary) under a codebook: its types,
    subtypes and extra fields."""
    from summarizer.codebook import load_codebook_or_fail

    result_model = load_codebook_or_fail(codebook).result_model
    click.echo(json.dumps(result_model.model_json_schema(), indent=2))
