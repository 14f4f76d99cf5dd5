"""`summarize estimate INPUT...`: the requests, tokens and cost of a run, sending nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli.options import cache_dir_option, codebook_option, price_options
from summarizer.cli.pipelines import pipeline_from_options
from summarizer.cli.prices import prices_from_options
from summarizer.settings import Mode

if TYPE_CHECKING:
    from summarizer.codebook import Codebook


@click.command("estimate")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|GLOB|-...")
@click.option("--model", help="Model name (default: $SUMMARIZER_MODEL or gpt-4o-mini).")
@click.option("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL).")
@click.option(
    "--mode",
    type=click.Choice([mode.value for mode in Mode]),
    help="How structured output is requested (default: tools).",
)
@codebook_option
@click.option(
    "--chunk-tokens",
    type=click.IntRange(min=100),
    metavar="N",
    help="Count a document over N tokens as chunks of at most N, one request each "
    "(default: from the model's context window, at most 6000).",
)
@click.option("--no-cache", is_flag=True, help="Count cached articles as well.")
@cache_dir_option
@click.option(
    "--output-tokens",
    type=click.IntRange(min=0),
    help="Expected output tokens per article (default: the mean reply of the gold run "
    "on the seed articles).",
)
@price_options
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def estimate_command(
    inputs: tuple[str, ...],
    model: str | None,
    base_url: str | None,
    mode: str | None,
    codebook: Codebook | None,
    chunk_tokens: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    output_tokens: int | None,
    price_input: float | None,
    price_output: float | None,
    as_json: bool,
) -> None:
    """Estimate a run: requests to send, tokens, and cost realtime against batch.

    Takes the inputs a run takes. Articles the cache already answers are left
    out, as a run would not send them. Input tokens are counted with the
    model's tokenizer when the `tokens` extra (bpe-openai) is installed, else
    approximated, with the codebook's prompt; output tokens are a per-article
    figure. A document longer than the chunk size is counted as its chunks, a
    request each. Sends nothing, and needs no API key.
    """
    from summarizer.backends.llm import KEYLESS_PLACEHOLDER
    from summarizer.cli.inputs import check_inputs
    from summarizer.estimate import estimate_run
    from summarizer.readers import iter_inputs
    from summarizer.tokens import EXPECTED_OUTPUT_TOKENS

    check_inputs(inputs, outputs=[])

    # An estimate counts the requests of a backend that builds them, as batch jobs do.
    # Nothing is sent, so the key is a placeholder: the real one is never read.
    pipeline = pipeline_from_options(
        backend=None,
        batch_jobs=True,
        model=model,
        base_url=base_url,
        mode=mode,
        max_reasks=None,
        no_cache=no_cache,
        cache_dir=cache_dir,
        api_key=KEYLESS_PLACEHOLDER,
        codebook=codebook,
        chunk_tokens=chunk_tokens,
    )
    with pipeline:
        prices = prices_from_options(
            pipeline.backend, price_input=price_input, price_output=price_output
        )
        figures = estimate_run(
            iter_inputs(inputs, sys.stdin.buffer),
            pipeline,
            prices=prices,
            output_tokens_per_article=(
                output_tokens if output_tokens is not None else EXPECTED_OUTPUT_TOKENS
            ),
        )
    for line in figures.skipped:
        click.echo(f"Skipped: {line}", err=True)
    if as_json:
        click.echo(json.dumps(figures.to_json(), indent=2))
        return
    per_article = (
        "given" if output_tokens is not None else "the mean reply of the gold run on the seeds"
    )
    realtime, batch = figures.realtime_usd, figures.batch_usd
    cost = (
        f"${realtime:.4f} realtime, ${batch:.4f} by a batch job"
        if realtime is not None and batch is not None
        else "unknown (no price for the model)"
    )
    lines = [
        f"Estimate for {figures.model} ({figures.mode} mode); nothing was sent.",
        f"  inputs         {figures.read} read, {figures.cached} answered by the cache, "
        f"{len(figures.skipped)} skipped",
        f"  requests       {figures.requests} to send"
        + (f", a chunk each for {figures.chunked} long document(s)" if figures.chunked else "")
        + " (re-asks and retries would add more)",
        f"  input tokens   {figures.input_tokens:,} ({figures.counting})",
        f"  output tokens  {figures.output_tokens:,} expected "
        f"({figures.output_tokens_per_article:,} an article: {per_article})",
        f"  cost           {cost}",
    ]
    if prices is not None:
        lines.append(f"  prices         {prices.describe()}")
    click.echo("\n".join(lines))
