"""report.md, the eval report a person reads: metrics, event-type confusion, imperfect articles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from summarizer.describe import describe_event, event_text
from summarizer.evaluation.codebook_fields import codebook_metrics, report_codebook
from summarizer.evaluation.event_types import MISSED, SPURIOUS, confusion_cells, type_order
from summarizer.evaluation.metrics import (
    GATE_RULE,
    HEADLINE_METRICS,
    SANITY_CHECKS,
    ArticleResult,
    MetricValues,
    is_perfect,
)
from summarizer.schema import EventFields


def render_markdown(
    run: Mapping[str, Any],
    metrics: MetricValues,
    counts: Mapping[str, int],
    results: Sequence[ArticleResult],
) -> str:
    """The whole report.md of one eval run."""
    lines = [
        "# Eval report",
        "",
        f"- Data set: `{run.get('dataset')}` ({len(results)} articles)",
        f"- Backend: {run.get('backend')} · model {run.get('model') or '-'} · "
        f"prompt {run.get('prompt_version')}",
        f"- Run: {run.get('started_at')}, {number_text(run.get('duration_s'))} s · "
        + run_figures(metrics),
        *_prices_line(run.get("prices_usd_per_million_tokens")),
        "",
        "## Headline metrics",
        "",
        "| metric | value | count |",
        "| --- | ---: | ---: |",
        *_metric_rows(HEADLINE_METRICS, metrics, counts),
        "",
        "Ratios run from 0 to 1, higher is better; the count is how many items (events,",
        "matched pairs, facts, articles) each is computed over. " + GATE_RULE,
        "",
        *_codebook_section(results, metrics, counts),
        "## Sanity checks",
        "",
        "| check | value | count |",
        "| --- | ---: | ---: |",
        *_metric_rows(SANITY_CHECKS, metrics, counts),
        "",
        "Rules the validators enforce on every result, measured over valid results with",
        "the validators' own checks: anything but 1 (0 for `unsupported_numbers`, the mean",
        "count of numbers in a brief or headline that the article does not state) is a bug",
        "in validation, not a change in quality.",
        "",
        *_confusion_table(results),
    ]
    imperfect = [result for result in results if not result.score.perfect]
    lines += ["", f"## Articles below perfect ({len(imperfect)} of {len(results)})", ""]
    if not imperfect:
        lines.append("None: every article scored perfectly.")
    for result in imperfect:
        lines += _article_section(result)
    return "\n".join(lines).rstrip() + "\n"


def _metric_rows(
    names: Sequence[str], metrics: Mapping[str, float | None], counts: Mapping[str, int]
) -> list[str]:
    return [
        f"| {name} | {number_text(metrics.get(name))} | {count_text(counts.get(name))} |"
        for name in names
    ]


def _codebook_section(
    results: Sequence[ArticleResult], metrics: MetricValues, counts: Mapping[str, int]
) -> list[str]:
    """The codebook's extra fields and sub-types, when it adds any."""
    codebook = report_codebook(results)
    added = codebook_metrics(codebook)
    if not added:
        return []
    rows = [
        f"| {_cell(label)} | {number_text(metrics.get(name))} | {count_text(counts.get(name))} |"
        for name, label in added.items()
    ]
    return [
        f"## Codebook fields ({_cell(codebook.name)})",
        "",
        "| field | value | count |",
        "| --- | ---: | ---: |",
        *rows,
        "",
        "Over matched pairs whose gold event states the field (a label event that leaves",
        "it out is not scored on it): exact match, or the F1 of the two sets for lists and",
        "multiple enums; sub-types for gold types the codebook lists subtypes for.",
        "",
    ]


def count_text(count: int | None) -> str:
    """A metric's count; "-" when the report has none (written before counts)."""
    return "-" if count is None else f"{count:,}"


def run_figures(metrics: Mapping[str, float | None]) -> str:
    """One line of the run's cost figures."""
    figures = [
        f"valid {_count(metrics.get('valid_articles'))}/{_count(metrics.get('articles'))}",
        f"cached {_count(metrics.get('cached_articles'))}",
        f"retries {_count(metrics.get('retries'))}",
        f"tokens {_count(metrics.get('tokens_in'))} in / {_count(metrics.get('tokens_out'))} out",
        f"latency mean {number_text(metrics.get('latency_mean_s'))} s "
        f"(max {number_text(metrics.get('latency_max_s'))} s)",
    ]
    cost = metrics.get("cost")
    if cost is not None:
        per_article = metrics.get("cost_per_article") or 0.0
        per_event = metrics.get("cost_per_matched_event")
        event_cost = f"${per_event:.5f}" if per_event is not None else "-"
        figures.append(
            f"cost ${cost:.4f} (${per_article:.5f} an article, {event_cost} a matched event)"
        )
    return " · ".join(figures)


def merge_line(metrics: Mapping[str, float | None]) -> str | None:
    """One line of the merge scores, when the labels have event keys."""
    if "merge_rows" not in metrics:
        return None
    return (
        f"merging: pair precision {number_text(metrics.get('merge_pair_precision'))} · "
        f"pair recall {number_text(metrics.get('merge_pair_recall'))} · "
        f"{_count(metrics.get('merge_rows'))} rows for "
        f"{_count(metrics.get('merge_events'))} events"
    )


def _prices_line(prices: Mapping[str, Any] | None) -> list[str]:
    if not prices:
        return []
    return [
        f"- Prices: ${prices['input']:g} input / ${prices['output']:g} output per million "
        f"tokens ({prices['source']})"
    ]


def number_text(value: Any) -> str:
    """A metric value to three decimals; "-" when there was nothing to measure."""
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _count(value: float | None) -> str:
    return "-" if value is None else f"{int(value):,}"


def _confusion_table(results: Sequence[ArticleResult]) -> list[str]:
    """Gold type (rows) against predicted type (columns) over required events."""
    cells = confusion_cells(results)
    missed, spurious = MISSED, SPURIOUS
    if not cells:
        return ["## Event types", "", "No required gold events and no predicted events."]
    types = list(report_codebook(results).types)
    rows = [*type_order({gold for gold, _ in cells} - {spurious}, types), spurious]
    columns = [*type_order({predicted for _, predicted in cells} - {missed}, types), missed]
    lines = [
        "## Event types: gold (rows) against predicted (columns)",
        "",
        "Required gold events and every prediction; a prediction matched to an optional",
        "gold event is left out. (missed): no prediction matched the gold event;",
        "(spurious): the prediction matched no gold event.",
        "",
        "| gold \\ predicted | " + " | ".join(columns) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for row in rows:
        counts = [str(cells[row, column] or "") for column in columns]
        if any(counts):
            lines.append(f"| {row} | " + " | ".join(counts) + " |")
    return lines


def _article_section(result: ArticleResult) -> list[str]:
    score = result.score
    label, prediction = score.item.label, score.prediction
    below = [
        f"{name} {number_text(value)}"
        for name, value in score.metrics().items()
        if not is_perfect(name, value)
    ]
    lines = [f"### `{result.id}`", "", "Below perfect: " + ", ".join(below), ""]
    if prediction is None:
        lines += [f"**No valid result:** {_cell(result.error or 'unknown error')}", ""]
        lines += _event_list("Missed required events", [label.events[i] for i in score.missed])
        return lines
    for pair in score.pairs:
        wrong = pair.agreement.wrong_fields
        if not wrong:
            continue
        gold, predicted = label.events[pair.gold], prediction.events[pair.predicted]
        gold_text, predicted_text = event_text(gold), event_text(predicted)
        lines += [
            f"Gold event {pair.gold + 1} ({_cell(describe_event(gold))}) matched predicted "
            f"event {pair.predicted + 1} (similarity {pair.similarity:.2f}):",
            "",
            "| field | gold | predicted |",
            "| --- | --- | --- |",
        ]
        for name in wrong:
            near = name == "date" and pair.agreement.date_within_1d
            note = " (within 1 day)" if near else ""
            lines.append(
                f"| {name} | {_cell(getattr(gold_text, name) or '-')} | "
                f"{_cell(getattr(predicted_text, name) or '-')}{note} |"
            )
        lines.append("")
    lines += _event_list("Missed required events", [label.events[i] for i in score.missed])
    lines += _event_list(
        "Spurious predicted events (matched no gold event)",
        [prediction.events[i] for i in score.spurious],
    )
    missing = score.missing_mentions
    if missing or score.rouge_l < 1.0 or not score.length_ok:
        lines += [
            "| brief | text |",
            "| --- | --- |",
            f"| gold | {_cell(label.brief)} |",
            f"| predicted | {_cell(prediction.brief)} |",
            "",
        ]
    if missing:
        lines.append(
            "Must mention, not found in the brief: "
            + "; ".join(" / ".join(f"“{spelling}”" for spelling in fact) for fact in missing)
        )
    if score.unsupported:
        lines.append("Numbers not in the article: " + ", ".join(score.unsupported))
    if score.ungrounded:
        lines.append(
            "Evidence not found in the article: "
            + "; ".join(f"“{_cell(quote)}”" for quote in score.ungrounded)
        )
    if score.ungrounded_places:
        lines.append(
            "Places the article does not name: "
            + "; ".join(f"“{_cell(name)}”" for name in score.ungrounded_places)
        )
    lines.append("")
    return lines


def _event_list(title: str, events: Sequence[EventFields]) -> list[str]:
    if not events:
        return []
    return [f"{title}:", "", *(f"- {_cell(describe_event(event))}" for event in events), ""]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
