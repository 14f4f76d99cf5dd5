"""Terminal tables (rich) of `summarize eval`: the metrics of a run, two runs compared.

Imported inside the command only, so `summarize --help` does not load rich.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table

from summarizer.cli.render import WordTable
from summarizer.evaluation.gate import MetricChange
from summarizer.evaluation.metrics import HEADLINE_METRICS, SANITY_CHECKS, is_perfect
from summarizer.evaluation.report_md import count_text, number_text


def metrics_table(
    metrics: Mapping[str, float | None],
    counts: Mapping[str, int],
    *,
    codebook_metrics: Mapping[str, str] | None = None,
    title: str = "Eval metrics",
) -> Table:
    """The headline metrics, the codebook's (extra fields and sub-types: metric ->
    label), then the sanity checks, each with its count (the items it is computed
    over); anything below perfect in yellow."""
    table = WordTable(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("count", justify="right")
    for name in HEADLINE_METRICS:
        _add_metric_row(table, name, metrics.get(name), counts.get(name))
    if codebook_metrics:
        table.add_section()
        table.add_row("codebook fields", "", "", style="dim")
        for name, label in codebook_metrics.items():
            _add_metric_row(table, name, metrics.get(name), counts.get(name), label=label)
    table.add_section()
    # A row, not a second table: the two lists line up in one column of names.
    table.add_row("sanity checks (must be perfect)", "", "", style="dim")
    for name in SANITY_CHECKS:
        _add_metric_row(table, name, metrics.get(name), counts.get(name))
    return table


def _add_metric_row(
    table: Table, name: str, value: float | None, count: int | None, *, label: str | None = None
) -> None:
    style = None if is_perfect(name, value) else "yellow"
    table.add_row(label or name, number_text(value), count_text(count), style=style)


def compare_table(changes: Sequence[MetricChange], before: str, after: str) -> Table:
    """Two reports (A, B) side by side with B - A, improvements green, regressions red."""
    table = WordTable(
        title="Eval comparison", title_justify="left", caption=f"A: {before}\nB: {after}"
    )
    table.add_column("metric")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("B - A", justify="right")
    for change in changes:
        delta = change.delta
        shown = "-" if delta is None else _figure(change.name, delta, signed=True)
        style = {True: "green", False: "red", None: None}[change.better]
        table.add_row(
            change.name,
            _figure(change.name, change.before),
            _figure(change.name, change.after),
            f"[{style}]{shown}[/{style}]" if style else shown,
        )
    return table


def _figure(name: str, value: float | None, *, signed: bool = False) -> str:
    """Metrics to three decimals; counts (articles, tokens) as whole numbers."""
    if value is None:
        return "-"
    sign = "+" if signed else ""
    if name.startswith("cost"):
        return f"{value:{sign}.6f}"
    if name not in (*HEADLINE_METRICS, *SANITY_CHECKS) and value.is_integer():
        return f"{int(value):{sign},}"
    return f"{value:{sign}.3f}"
