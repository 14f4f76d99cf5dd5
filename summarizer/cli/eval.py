"""`summarize eval`: score a backend against a labelled data set, gate on a baseline, compare."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from summarizer.cli.inputs import check_inputs
from summarizer.cli.options import (
    backend_options,
    codebook_option_for,
    concurrency_option,
    price_options,
)
from summarizer.cli.pipelines import pipeline_from_options
from summarizer.cli.prices import prices_from_options

if TYPE_CHECKING:
    from summarizer.codebook import Codebook
    from summarizer.cost import Prices
    from summarizer.evaluation.dataset import Dataset
    from summarizer.evaluation.report import EvalReport
    from summarizer.pipeline import Pipeline

SEEDS_DIR = "seeds"


@click.command("eval")
@click.argument("dataset", required=False, type=click.Path(file_okay=False, path_type=Path))
@backend_options
@codebook_option_for(
    "The codebook the labels follow, a built-in name or a file (default: the data set's "
    "codebook.yaml, else $SUMMARIZER_CODEBOOK, else news). Its extra fields are scored."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.json, report.md and report.html, or with --compare for "
    "compare.html (default: a new folder under the user directory's evals/).",
)
@click.option(
    "--cache-only",
    is_flag=True,
    help="Score cached results only; an article without one fails (exit 1). No backend "
    "call is made, so no API key is needed.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A report.json to gate on: exit 1 when a headline metric is worse by more than "
    "--tolerance and than its count (the items it is over) can explain.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1),
    default=0.02,
    show_default=True,
    help="How much worse than the baseline a metric may be.",
)
@concurrency_option
@price_options
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="A.json B.json",
    help="Show two reports side by side (metrics, prompt versions, which articles got "
    "better or worse) and write compare.html; runs no eval.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write JUnit XML: one test case per article, failing where a headline "
    "metric fell below the baseline's (without --baseline: where a result is invalid).",
)
@click.pass_context
def eval_command(
    ctx: click.Context,
    /,
    dataset: Path | None,
    out: Path | None,
    cache_only: bool,
    baseline: Path | None,
    tolerance: float,
    concurrency: int,
    price_input: float | None,
    price_output: float | None,
    compare: tuple[Path, Path] | None,
    junit: Path | None,
    codebook: Codebook | None,
    **options: Any,
) -> None:
    """Score a backend against hand-labelled articles.

    DATASET is a folder of articles/<id>.txt and labels/<id>.json (default: the
    project's seeds/), with the codebook the labels follow as codebook.yaml at its
    root when it is not the news one. Writes report.json and report.md into --out and prints the
    headline metrics, the tokens, and their cost (in all, per article and per
    correctly found event) at genai-prices' price or --price-input/--price-output.
    Results go through the cache, so re-running an unchanged prompt and model
    costs nothing.

    \b
    summarize eval                                  the seeds, default backend
    summarize eval my-set --backend openai --model gpt-4o-mini --out eval-out
    summarize eval --baseline evals/offline-baseline.json   exit 1 on a regression
    summarize eval --compare old/report.json new/report.json
    """
    from rich.console import Console

    from summarizer.backends.llm import KEYLESS_PLACEHOLDER
    from summarizer.cli.eval_tables import metrics_table
    from summarizer.cli.progress import not_cached_line
    from summarizer.errors import DatasetError
    from summarizer.evaluation import load_dataset, load_report, sanity_failures
    from summarizer.evaluation.codebook_fields import codebook_metrics
    from summarizer.evaluation.report_html import COMPARE_NAME, HTML_NAME
    from summarizer.evaluation.report_md import merge_line, run_figures
    from summarizer.evaluation.report_writer import JSON_NAME, MARKDOWN_NAME, write_report
    from summarizer.evaluation.runner import NOT_CACHED

    folder = out if out is not None else default_output_dir()
    if compare:
        if dataset is not None or baseline is not None or junit is not None:
            raise click.UsageError("--compare reads two reports and runs no eval")
        check_inputs((), outputs=[folder / COMPARE_NAME], also_read=compare)
        _print_comparison(*compare, folder)
        return
    if cache_only and options["no_cache"]:
        raise click.UsageError("--cache-only reads the cache; it cannot go with --no-cache")
    root = dataset if dataset is not None else default_dataset()
    check_inputs(
        (),
        outputs=[folder / name for name in (JSON_NAME, MARKDOWN_NAME, HTML_NAME)] + [junit],
        also_read=[*_files_under(root), *([baseline] if baseline is not None else [])],
    )
    # Read the baseline first: a bad one should fail before a long, paid run.
    baseline_report = load_report(baseline) if baseline is not None else None
    try:
        loaded = load_dataset(root, codebook=codebook)
    except DatasetError as error:
        listed = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(
            f"the data set {root} breaks the labelled-article contract:\n{listed}"
        ) from None
    # --cache-only sends nothing, so it needs no key; the key is not part of a cache key.
    pipeline = pipeline_from_options(
        **options,
        api_key=KEYLESS_PLACEHOLDER if cache_only else None,
        codebook=loaded.codebook,
    )
    try:
        prices = prices_from_options(
            pipeline.backend, price_input=price_input, price_output=price_output
        )
    except BaseException:
        pipeline.close()
        raise
    click.echo(
        f"Evaluating {pipeline.backend.name} ({pipeline.backend.model or 'no model'}) "
        f"on {len(loaded)} articles of {root}, codebook {loaded.codebook.name}",
        err=True,
    )
    with pipeline:
        report = _run_with_progress(loaded, pipeline, cache_only, concurrency, prices)
    if pipeline.cache is not None and pipeline.cache.not_stored:
        click.echo(not_cached_line(pipeline.cache.not_stored), err=True)
    json_path, markdown_path = write_report(
        report, folder, baseline=baseline_report, tolerance=tolerance
    )

    console = Console()
    console.print(
        metrics_table(
            report.metrics, report.counts, codebook_metrics=codebook_metrics(report.codebook)
        )
    )
    console.print(run_figures(report.metrics), highlight=False)
    merging = merge_line(report.metrics)
    if merging:
        console.print(merging, highlight=False)
    failed_checks = sanity_failures(report)
    for failure in failed_checks:
        click.echo(f"Sanity check failed: {failure}", err=True)
    html_path = folder / HTML_NAME
    click.echo(f"Report: {markdown_path}\n        {json_path}\n        {html_path}", err=True)
    if junit is not None:
        _write_junit(junit, report, baseline_report, tolerance)

    code = 0
    missing = [result.id for result in report.results if result.error == NOT_CACHED]
    if missing:
        click.echo(f"{len(missing)} article(s) not in the cache: {', '.join(missing)}", err=True)
        code = 1
    if baseline_report is not None and baseline is not None:
        code = max(code, _gate(report, baseline_report, baseline, tolerance, len(failed_checks)))
    if code:
        ctx.exit(code)


def default_dataset() -> Path:
    """The project's seeds/: the source checkout's, else the current directory's; relative
    to the current directory when under it (the report names it as a user would)."""
    import summarizer

    checkout = Path(summarizer.__file__).resolve().parent.parent
    here = Path.cwd()
    for candidate in (checkout / SEEDS_DIR, here / SEEDS_DIR):
        if (candidate / "articles").is_dir():
            return candidate.relative_to(here) if candidate.is_relative_to(here) else candidate
    # An installed package ships no seeds: the data set must be named.
    raise click.UsageError(
        "no DATASET given and no seeds/ folder found (in the summarizer checkout or the "
        "current directory); name a folder of articles/<id>.txt and labels/<id>.json"
    )


def _files_under(folder: Path) -> list[Path]:
    """Every file of a data set: what it holds besides articles and labels is still its own."""
    return [path for path in folder.rglob("*") if path.is_file()]


def default_output_dir() -> Path:
    """A new, timestamped folder under the user directory's evals/."""
    import datetime as dt

    from summarizer.paths import user_dir

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = user_dir() / "evals"
    folder, suffix = base / stamp, 1
    while folder.exists():  # two runs in the same second keep separate reports
        suffix += 1
        folder = base / f"{stamp}-{suffix}"
    return folder


def _run_with_progress(
    dataset: Dataset,
    pipeline: Pipeline,
    cache_only: bool,
    concurrency: int,
    prices: Prices | None,
) -> EvalReport:
    from summarizer.cli.progress import RunDisplay
    from summarizer.evaluation import evaluate

    with RunDisplay(total=len(dataset), show_progress=True) as display:
        return evaluate(
            dataset,
            pipeline,
            cache_only=cache_only,
            concurrency=concurrency,
            prices=prices,
            on_record=display.record,
        )


def _gate(
    report: EvalReport, baseline: dict[str, Any], path: Path, tolerance: float, failed_checks: int
) -> int:
    """Exit code of the baseline check: 1 on a regression or a failed sanity check."""
    from summarizer.evaluation import regressions

    found = regressions(report, baseline, tolerance)
    for regression in found:
        click.echo(f"Regression: {regression} (tolerance {tolerance})", err=True)
    if found or failed_checks:
        names = [regression.name for regression in found]
        if failed_checks:
            names.append(f"{failed_checks} sanity check(s)")
        click.echo(f"Baseline check failed against {path}: {', '.join(names)}", err=True)
        return 1
    click.echo(f"Baseline check passed against {path} (tolerance {tolerance})", err=True)
    return 0


def _write_junit(
    path: Path, report: EvalReport, baseline: dict[str, Any] | None, tolerance: float
) -> None:
    from summarizer.evaluation.junit import junit_xml
    from summarizer.storage import write_atomically

    write_atomically(path, junit_xml(report.to_json(), baseline=baseline, tolerance=tolerance))
    click.echo(f"JUnit XML: {path}", err=True)


def _print_comparison(before: Path, after: Path, folder: Path) -> None:
    from rich.console import Console

    from summarizer.cli.eval_tables import compare_table
    from summarizer.evaluation import compare, load_report
    from summarizer.evaluation.report_html import (
        COMPARE_NAME,
        compare_articles,
        render_comparison_html,
    )
    from summarizer.storage import write_atomically

    first, second = load_report(before), load_report(after)
    console = Console(highlight=False)
    for name, path, report in (("A", before, first), ("B", after, second)):
        given = report.get("run")
        run: dict[str, Any] = given if isinstance(given, dict) else {}
        console.print(
            f"{name}: {path} · backend {run.get('backend')} · model {run.get('model') or '-'} "
            f"· prompt {run.get('prompt_version')}",
            markup=False,
        )
    console.print(compare_table(compare(first, second), str(before), str(after)))
    changes = compare_articles(first, second)
    for verdict in ("worse", "better", "mixed"):
        listed = [change for change in changes if change.verdict == verdict]
        if listed:
            console.print(f"{verdict.capitalize()} in B ({len(listed)}):", markup=False)
            for change in listed:
                console.print(f"  {change.id}: {change.describe()}", markup=False)
    page = folder / COMPARE_NAME
    write_atomically(page, render_comparison_html(first, second, names=(str(before), str(after))))
    click.echo(f"Comparison: {page}", err=True)
