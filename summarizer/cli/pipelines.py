"""The one place a command's options become a Pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from summarizer.codebook import Codebook
    from summarizer.pipeline import Pipeline


def pipeline_from_options(
    *,
    backend: str | None,
    model: str | None,
    base_url: str | None,
    mode: str | None,
    max_reasks: int | None,
    no_cache: bool,
    prompt: Path | None = None,
    cache_dir: Path | None,
    api_key: str | None = None,
    batch_jobs: bool = False,
    codebook: Codebook | None = None,
    chunk_tokens: int | None = None,
) -> Pipeline:
    """The pipeline the options describe; says once on stderr when the backend that
    answers because none was named has something to say (the offline fallback).

    `api_key` is the caller's own (a placeholder for runs that send nothing); it
    is used only when the chosen backend takes one. With `batch_jobs`, only a
    backend that runs batch jobs will do. `codebook` None means
    $SUMMARIZER_CODEBOOK, else news.
    """
    from summarizer.backends.plugins import choose_plugin
    from summarizer.codebook import load_codebook_or_fail
    from summarizer.pipeline import open_pipeline
    from summarizer.settings import LLMOptions

    # Before anything else: a broken codebook in the environment fails here, one line.
    wanted = load_codebook_or_fail(codebook)
    options = LLMOptions(
        model=model, base_url=base_url, mode=mode, max_reasks=max_reasks, prompt_dir=prompt
    )
    plugin = choose_plugin(backend, options=options, batch_jobs=batch_jobs)
    if backend is None and plugin.default_notice is not None:
        click.echo(plugin.default_notice, err=True)
    if "api_key" in plugin.options:
        options["api_key"] = api_key
    return open_pipeline(
        plugin.name,
        codebook=wanted,
        cache=not no_cache,
        cache_dir=cache_dir,
        chunk_tokens=chunk_tokens,
        **options,
    )
