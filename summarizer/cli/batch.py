"""`summarize batch ...`: corpus runs through a provider's Batch API, or a request file.

submit / status / collect / cancel drive a provider's files and batches APIs;
export writes the request files for an engine that runs them itself (`vllm
run-batch`, Ray Data) and import brings its results back. Results are
validated as realtime ones are, cached, and written as `summarize --jsonl`
writes them, in input order.
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from summarizer.cli.inputs import check_inputs
from summarizer.cli.options import (
    backend_options,
    cache_dir_option,
    codebook_option,
    concurrency_option,
    price_options,
)
from summarizer.cli.pipelines import pipeline_from_options
from summarizer.cli.prices import prices_for_model

if TYPE_CHECKING:
    from summarizer.batchjobs import CollectReport, JobStatus
    from summarizer.codebook import Codebook
    from summarizer.cost import Prices
    from summarizer.pipeline import Pipeline

F = TypeVar("F", bound=Callable[..., Any])

# Exit code of a collect that found batches still running: nothing failed, nothing written.
PENDING_EXIT_CODE = 3


def _job_option(command: F) -> F:
    return click.option(
        "--job",
        "job_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The job directory: manifest, request files, results.",
    )(command)


def _shard_options(command: F) -> F:
    # The defaults are summarizer.batchjobs' DEFAULT_MAX_BYTES and DEFAULT_MAX_REQUESTS,
    # written out: importing that package here would load pydantic for --help.
    command = click.option(
        "--max-bytes",
        type=click.IntRange(min=1),
        default=200_000_000,
        show_default=True,
        help="Bytes per request file at most.",
    )(command)
    return click.option(
        "--max-requests",
        type=click.IntRange(min=1),
        default=50_000,
        show_default=True,
        help="Requests per request file (and batch) at most.",
    )(command)


def _output_options(command: F) -> F:
    decorators: list[Callable[[F], F]] = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the JSON Lines to FILE instead of standard output.",
        ),
        click.option(
            "--fallback",
            type=click.Choice(["realtime", "none"]),
            default="realtime",
            show_default=True,
            help="For requests without a valid reply: re-ask them realtime, or write an error.",
        ),
        functools.partial(
            cache_dir_option, help="Cache folder (default: the one the job was submitted with)."
        ),
        concurrency_option,
        price_options,
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@click.group("batch")
def batch_group() -> None:
    """Corpus runs at batch price: provider Batch APIs and request files.

    \b
    summarize batch submit CORPUS.jsonl --job DIR   upload the requests, create the batches
    summarize batch status --job DIR                each batch's state and counts
    summarize batch collect --job DIR --wait        validate the replies, write the results
    summarize batch cancel --job DIR                cancel the batches still running
    summarize batch export CORPUS.jsonl --job DIR   request files for vllm run-batch, Ray Data
    summarize batch import RESULTS.jsonl --job DIR  validate their results, write them

    Every command can be run again after a failure or Ctrl-C: it picks up
    where it stopped and never uploads or creates a batch twice.
    """


@batch_group.command("submit")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|GLOB|-...")
@_job_option
@_shard_options
@codebook_option
@backend_options
def submit_command(
    inputs: tuple[str, ...], job_dir: Path, max_requests: int, max_bytes: int, **options: Any
) -> int:
    """Upload one request per article the cache cannot answer, and create the batches."""
    from summarizer.batchjobs import submit_job
    from summarizer.batchjobs.manifest import job_files

    check_inputs(inputs, outputs=job_files(job_dir))
    with _llm_pipeline(options) as pipeline:
        status = submit_job(
            job_dir,
            inputs,
            pipeline,
            max_requests=max_requests,
            max_bytes=max_bytes,
            stdin=sys.stdin.buffer,
        )
    _echo_status(status)
    if status.shards:
        click.echo(
            f"Collect the results with: summarize batch collect --job {job_dir} --wait", err=True
        )
    return 0


@batch_group.command("status")
@_job_option
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
def status_command(job_dir: Path, as_json: bool) -> int:
    """Each batch's state and request counts, and the job's totals."""
    from summarizer.batchjobs import job_status

    status = job_status(job_dir)
    if as_json:
        click.echo(status.to_json())
    else:
        _echo_status(status, err=False)
    return 0


@batch_group.command("collect")
@_job_option
@click.option("--wait", is_flag=True, help="Wait for batches still running.")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.0),
    default=60.0,
    show_default=True,
    help="Seconds between looks at running batches, with --wait.",
)
@_output_options
@codebook_option
def collect_command(
    job_dir: Path,
    wait: bool,
    poll_seconds: float,
    codebook: Codebook | None,
    output: Path | None,
    fallback: str,
    cache_dir: Path | None,
    concurrency: int,
    price_input: float | None,
    price_output: float | None,
) -> int:
    """Download the replies, validate them, and write one record per input, in order.

    Replies are validated with the codebook the job stored; --codebook, when given,
    must be that one.

    Exits 0 when every input has a result, 1 when some failed, 3 when batches
    are still running (without --wait; nothing is written then).
    """
    from summarizer.batchjobs import Fallback, JobPendingError, collect_job
    from summarizer.batchjobs.manifest import job_files

    check_inputs((), outputs=[output], also_read=job_files(job_dir))

    def show(status: JobStatus) -> None:
        if not status.ended:
            totals = status.totals
            click.echo(
                f"{sum(not shard.ended for shard in status.shards)} batch(es) running; "
                f"{totals.completed} of {status.requests} requests answered",
                err=True,
            )

    try:
        report = collect_job(
            job_dir,
            fallback=Fallback(fallback),
            wait=wait,
            poll_seconds=poll_seconds,
            cache_dir=cache_dir,
            concurrency=concurrency,
            on_poll=show,
            codebook=codebook,
        )
    except JobPendingError as pending:
        click.echo(f"Not finished: {pending}", err=True)
        return PENDING_EXIT_CODE
    return _deliver(report, output, price_input=price_input, price_output=price_output)


@batch_group.command("cancel")
@_job_option
def cancel_command(job_dir: Path) -> int:
    """Cancel the job's batches that are still running; collect keeps what they answered."""
    from summarizer.batchjobs import cancel_job

    _echo_status(cancel_job(job_dir), err=False)
    return 0


@batch_group.command("export")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE|DIR|GLOB|-...")
@_job_option
@_shard_options
@codebook_option
@backend_options
def export_command(
    inputs: tuple[str, ...], job_dir: Path, max_requests: int, max_bytes: int, **options: Any
) -> int:
    """Write the request files (OpenAI batch input format) and print their paths."""
    from summarizer.batchjobs import export_requests
    from summarizer.batchjobs.manifest import job_files

    check_inputs(inputs, outputs=job_files(job_dir))
    with _llm_pipeline(options) as pipeline:
        paths = export_requests(
            job_dir,
            inputs,
            pipeline,
            max_requests=max_requests,
            max_bytes=max_bytes,
            stdin=sys.stdin.buffer,
        )
    for path in paths:
        click.echo(str(path))
    return 0


@batch_group.command("import")
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_job_option
@_output_options
@codebook_option
def import_command(
    results: tuple[Path, ...],
    job_dir: Path,
    codebook: Codebook | None,
    output: Path | None,
    fallback: str,
    cache_dir: Path | None,
    concurrency: int,
    price_input: float | None,
    price_output: float | None,
) -> int:
    """Validate results in the OpenAI batch output format (vllm run-batch -o FILE)."""
    from summarizer.batchjobs import Fallback, import_results
    from summarizer.batchjobs.manifest import MANIFEST_FILE, OUTPUT_FILE, job_files

    check_inputs((), outputs=[output], also_read=[*results, *job_files(job_dir)])
    # Only these two job files are written by an import: a result file may be another.
    check_inputs((), outputs=[job_dir / OUTPUT_FILE, job_dir / MANIFEST_FILE], also_read=results)
    report = import_results(
        job_dir,
        results,
        fallback=Fallback(fallback),
        cache_dir=cache_dir,
        concurrency=concurrency,
        codebook=codebook,
    )
    return _deliver(report, output, price_input=price_input, price_output=price_output)


def _llm_pipeline(options: dict[str, Any]) -> Pipeline:
    # A batch is a provider's: only a backend that runs batch jobs will do; without
    # --backend, the one that ranks highest, which says what is missing when no
    # endpoint is configured.
    return pipeline_from_options(**options, batch_jobs=True)


def _deliver(
    report: CollectReport,
    output: Path | None,
    *,
    price_input: float | None,
    price_output: float | None,
) -> int:
    """The collected records to `output` or standard output, what they cost; the exit code."""
    from summarizer.storage import copy_atomically

    if output is None:
        with report.output.open("rb") as stream:
            shutil.copyfileobj(stream, sys.stdout.buffer)
        sys.stdout.flush()
    else:
        copy_atomically(report.output, output)
    if report.reused:
        click.echo(
            f"{report.done} done, {report.failed} failed (collected before; nothing sent)",
            err=True,
        )
    else:
        click.echo(
            f"{report.done} done ({report.from_batch} from the batch, {report.from_realtime} "
            f"realtime, {report.from_cache} from the cache), {report.failed} failed",
            err=True,
        )
        problems = {
            "reply line(s) not JSON": report.malformed_lines,
            "reply line(s) for no request of the job": report.unknown_lines,
            "errored request(s)": report.errored_requests,
            "invalid reply(ies)": report.invalid_replies,
        }
        seen = [f"{count} {what}" for what, count in problems.items() if count]
        if seen:
            click.echo("Batch replies not used: " + ", ".join(seen), err=True)
        prices = prices_for_model(
            report.model, report.base_url, price_input=price_input, price_output=price_output
        )
        click.echo(_cost_line(report, prices), err=True)
    return 1 if report.failed else 0


def _echo_status(status: JobStatus, *, err: bool = True) -> None:
    echo = click.echo
    echo(
        f"Job {status.job_dir} ({status.kind}): {status.inputs} input(s), "
        f"{status.requests} request(s) in {len(status.shards)} file(s), "
        f"{status.cached} answered by the cache",
        err=err,
    )
    for shard in status.shards:
        counts = shard.counts
        echo(
            f"  shard {shard.number}: {shard.batch_id or '-'} {shard.status}, "
            f"{counts.completed}/{shard.requests} answered, {counts.failed} failed"
            + (f" ({'; '.join(shard.errors)})" if shard.errors else ""),
            err=err,
        )
    totals = status.totals
    echo(
        f"Total: {totals.completed} of {status.requests} answered, {totals.failed} failed"
        + ("; collected" if status.collected else ""),
        err=err,
    )


def _cost_line(report: CollectReport, prices: Prices | None) -> str:
    batch, realtime = report.batch_tokens, report.realtime_tokens
    cost = report.cost_usd(prices)
    return (
        f"Tokens: {batch.prompt_tokens:,} in / {batch.completion_tokens:,} out by the batch, "
        f"{realtime.prompt_tokens:,} in / {realtime.completion_tokens:,} out realtime; cost "
        + (f"${cost:.4f} (at {prices.describe()})" if cost is not None and prices else "unknown")
    )
