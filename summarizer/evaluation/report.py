"""Eval reports: report.json for machines, report.md for people, terminal tables, comparisons.

report.json has a top-level "metrics" object (the headline metrics, then run
figures), "by_type" (precision, recall and F1 per event type), "confusion" (gold
against predicted type), "articles" (one entry per article, with its label and
text, so report.html and comparisons need nothing else) and "run" (what was
evaluated, how). report.html is written beside it (`report_html`).
Comparing two reports and gating on a baseline read only "metrics", so any JSON
file with that object serves as a baseline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summarizer.errors import InputError
from summarizer.evaluation.event_types import (
    MISSED,
    SPURIOUS,
    by_type,
    confusion_cells,
    confusion_json,
)
from summarizer.evaluation.metrics import (
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    ArticleResult,
    ArticleScore,
    MetricValues,
    PairScore,
)
from summarizer.schema import EventFields, Fatalities, FatalityRange, Location

if TYPE_CHECKING:
    from rich.table import Table

REPORT_VERSION = 1
JSON_NAME = "report.json"
MARKDOWN_NAME = "report.md"
# Float noise must not turn "equal to baseline minus tolerance" into a regression.
_EPSILON = 1e-9


@dataclass(frozen=True)
class EvalReport:
    """The outcome of one eval run: run information, aggregate metrics, per-article results."""

    run: dict[str, Any]
    metrics: MetricValues
    results: tuple[ArticleResult, ...]

    def to_json(self) -> dict[str, Any]:
        cells = confusion_cells(self.results)
        return {
            "report_version": REPORT_VERSION,
            "run": self.run,
            "metrics": self.metrics,
            "by_type": by_type(cells),
            "confusion": confusion_json(cells),
            "articles": [_article_json(result) for result in self.results],
        }

    def to_markdown(self) -> str:
        return render_markdown(self)

    def write(
        self,
        folder: str | os.PathLike[str],
        *,
        baseline: Mapping[str, Any] | None = None,
        tolerance: float = 0.02,
    ) -> tuple[Path, Path]:
        """Write report.json, report.md and report.html into `folder` (created if needed).

        The HTML report marks the headline metrics worse than `baseline` by more
        than `tolerance`. Returns the JSON and Markdown paths; the page is beside them.
        """
        from summarizer.evaluation.report_html import HTML_NAME, render_report_html

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        json_path, markdown_path = folder / JSON_NAME, folder / MARKDOWN_NAME
        document = self.to_json()
        json_path.write_text(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        markdown_path.write_text(self.to_markdown(), encoding="utf-8")
        (folder / HTML_NAME).write_text(
            render_report_html(document, baseline=baseline, tolerance=tolerance),
            encoding="utf-8",
        )
        return json_path, markdown_path


def wrong_fields(pair: PairScore, predicted: EventFields, gold: EventFields) -> dict[str, Any]:
    """Each field the pair got wrong: {"field": {"gold": ..., "predicted": ...}} as JSON values."""
    checks = {
        "event_type": pair.type_ok,
        "date": pair.date_ok,
        "location": pair.location_ok,
        "actors": pair.actor_f1 == 1.0,
        "fatalities": pair.fatalities_ok,
    }
    gold_values = gold.model_dump(mode="json")
    predicted_values = predicted.model_dump(mode="json")
    return {
        name: {"gold": gold_values[name], "predicted": predicted_values[name]}
        for name, ok in checks.items()
        if not ok
    }


def _article_json(result: ArticleResult) -> dict[str, Any]:
    score = result.score
    label, prediction = score.item.label, score.prediction
    matched: list[dict[str, Any]] = []
    if prediction is not None:
        for pair in score.pairs:
            match = pair.match
            matched.append(
                {
                    "gold": match.gold,
                    "predicted": match.predicted,
                    "similarity": round(match.similarity, 4),
                    "wrong": wrong_fields(
                        pair, prediction.events[match.predicted], label.events[match.gold]
                    ),
                }
            )
    return {
        "id": result.id,
        "valid": score.valid,
        "error": result.error,
        "perfect": score.perfect,
        "cached": result.cached,
        "latency_s": round(result.latency_s, 4),
        "attempts": result.attempts,
        "tokens_in": result.tokens_in,
        "tokens_out": result.tokens_out,
        "metrics": score.metrics(),
        "events": {
            "matched": matched,
            "optional_matched": [
                {"gold": match.gold, "predicted": match.predicted}
                for match in score.optional_matches
            ],
            "missed": list(score.missed),
            "spurious": list(score.spurious),
        },
        "missing_mentions": _missing_mentions(score),
        "unsupported_numbers": list(score.unsupported),
        "ungrounded_evidence": list(score.ungrounded),
        "prediction": prediction.model_dump(mode="json") if prediction is not None else None,
        "label": label.model_dump(mode="json", include={"brief", "must_mention", "events"}),
        "mentions_found": list(score.mentions_found),
        "article_text": score.item.article.text,
    }


def _missing_mentions(score: ArticleScore) -> list[list[str]]:
    facts = score.item.label.must_mention
    return [fact for fact, found in zip(facts, score.mentions_found, strict=True) if not found]


# -- report.md ------------------------------------------------------------------------


def render_markdown(report: EvalReport) -> str:
    """The report for a person: headline metrics, event-type confusion, imperfect articles."""
    run, metrics = report.run, report.metrics
    lines = [
        "# Eval report",
        "",
        f"- Data set: `{run.get('dataset')}` ({len(report.results)} articles)",
        f"- Backend: {run.get('backend')} · model {run.get('model') or '-'} · "
        f"prompt {run.get('prompt_version')}",
        f"- Run: {run.get('started_at')}, {_number(run.get('duration_s'))} s · "
        + run_figures(metrics),
        "",
        "## Headline metrics",
        "",
        "| metric | value |",
        "| --- | ---: |",
        *(f"| {name} | {_number(metrics.get(name))} |" for name in HEADLINE_METRICS),
        "",
        "Ratios run from 0 to 1, higher is better; `unsupported_numbers` is the mean count",
        "per valid result of numbers in a brief or headline that the article does not state",
        "(lower is better).",
        "",
        *_confusion_table(report.results),
    ]
    imperfect = [result for result in report.results if not result.score.perfect]
    lines += ["", f"## Articles below perfect ({len(imperfect)} of {len(report.results)})", ""]
    if not imperfect:
        lines.append("None: every article scored perfectly.")
    for result in imperfect:
        lines += _article_section(result)
    return "\n".join(lines).rstrip() + "\n"


def run_figures(metrics: Mapping[str, float | None]) -> str:
    """One line of the run's cost figures."""
    figures = [
        f"valid {_count(metrics.get('valid_articles'))}/{_count(metrics.get('articles'))}",
        f"cached {_count(metrics.get('cached_articles'))}",
        f"retries {_count(metrics.get('retries'))}",
        f"tokens {_count(metrics.get('tokens_in'))} in / {_count(metrics.get('tokens_out'))} out",
        f"latency mean {_number(metrics.get('latency_mean_s'))} s "
        f"(max {_number(metrics.get('latency_max_s'))} s)",
    ]
    if metrics.get("cost") is not None:
        figures.append(f"cost {metrics['cost']:.4f}")
    return " · ".join(figures)


def _confusion_table(results: Sequence[ArticleResult]) -> list[str]:
    """Gold type (rows) against predicted type (columns) over required events."""
    cells = confusion_cells(results)
    missed, spurious = MISSED, SPURIOUS
    if not cells:
        return ["## Event types", "", "No required gold events and no predicted events."]
    rows = [*sorted({gold for gold, _ in cells} - {spurious}), spurious]
    columns = [*sorted({predicted for _, predicted in cells} - {missed}), missed]
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
        f"{name} {_number(value)}"
        for name, value in score.metrics().items()
        if value is not None and value != (0.0 if name in LOWER_IS_BETTER else 1.0)
    ]
    lines = [f"### `{result.id}`", "", "Below perfect: " + ", ".join(below), ""]
    if prediction is None:
        lines += [f"**No valid result:** {_cell(result.error or 'unknown error')}", ""]
        lines += _event_list("Missed required events", [label.events[i] for i in score.missed])
        return lines
    for pair in score.pairs:
        gold, predicted = label.events[pair.match.gold], prediction.events[pair.match.predicted]
        wrong = wrong_fields(pair, predicted, gold)
        if not wrong:
            continue
        lines += [
            f"Gold event {pair.match.gold + 1} ({_event_line(gold)}) matched predicted event "
            f"{pair.match.predicted + 1} (similarity {pair.match.similarity:.2f}):",
            "",
            "| field | gold | predicted |",
            "| --- | --- | --- |",
        ]
        for name, values in wrong.items():
            note = " (within 1 day)" if name == "date" and pair.date_within_1d else ""
            lines.append(
                f"| {name} | {_cell(_show(values['gold']))} | "
                f"{_cell(_show(values['predicted']))}{note} |"
            )
        lines.append("")
    lines += _event_list("Missed required events", [label.events[i] for i in score.missed])
    lines += _event_list(
        "Spurious predicted events (matched no gold event)",
        [prediction.events[i] for i in score.spurious],
    )
    missing = _missing_mentions(score)
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
    lines.append("")
    return lines


def _event_list(title: str, events: Sequence[EventFields]) -> list[str]:
    if not events:
        return []
    return [f"{title}:", "", *(f"- {_event_line(event)}" for event in events), ""]


def _event_line(event: EventFields) -> str:
    parts = [
        event.event_type.value,
        event.date.isoformat() if event.date else "no date",
        _show_location(event.location),
        ", ".join(event.actors) or "no actors",
        f"fatalities {_show_fatalities(event.fatalities)}",
    ]
    return _cell(" · ".join(parts) + f": {event.summary}")


def _show(value: Any) -> str:
    """A JSON field value as a person reads it."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    if isinstance(value, dict) and {"min", "max"} == value.keys():
        return _show_fatalities(FatalityRange.model_validate(value))
    if isinstance(value, dict):
        return _show_location(Location.model_validate(value))
    return str(value)


def _show_location(location: Location) -> str:
    return ", ".join(part for part in (location.name, location.country) if part) or "no place"


def _show_fatalities(fatalities: Fatalities) -> str:
    if fatalities is None:
        return "null"
    if isinstance(fatalities, FatalityRange):
        return f"{fatalities.min}-{fatalities.max}"
    return str(fatalities)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _count(value: float | None) -> str:
    return "-" if value is None else f"{int(value):,}"


# -- reading, comparing, gating ---------------------------------------------------------


def load_report(path: Path) -> dict[str, Any]:
    """A report (or baseline) file; InputError unless it is JSON with a "metrics" object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a JSON report ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("metrics"), dict):
        raise InputError(f'{path}: not an eval report (no top-level "metrics" object)')
    return document


@dataclass(frozen=True)
class MetricChange:
    """One metric in two reports; `better` is None when it did not change."""

    name: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def better(self) -> bool | None:
        delta = self.delta
        if delta is None or abs(delta) <= _EPSILON:
            return None
        return delta < 0 if self.name in LOWER_IS_BETTER else delta > 0


def compare(
    before: EvalReport | Mapping[str, Any], after: EvalReport | Mapping[str, Any]
) -> list[MetricChange]:
    """The per-metric difference of two reports: headline metrics first, then run figures."""
    first, second = _metrics_of(before), _metrics_of(after)
    extra = [name for name in first if name in second and name not in HEADLINE_METRICS]
    return [
        MetricChange(name, _as_float(first.get(name)), _as_float(second.get(name)))
        for name in (*HEADLINE_METRICS, *extra)
    ]


@dataclass(frozen=True)
class Regression:
    """A headline metric worse than the baseline by more than the tolerance."""

    name: str
    baseline: float
    current: float | None

    def __str__(self) -> str:
        current = "missing" if self.current is None else f"{self.current:.3f}"
        direction = "rose" if self.name in LOWER_IS_BETTER else "fell"
        return f"{self.name} {direction} to {current} from the baseline's {self.baseline:.3f}"


def regressions(
    current: EvalReport | Mapping[str, Any],
    baseline: EvalReport | Mapping[str, Any],
    tolerance: float,
) -> list[Regression]:
    """Headline metrics that fell (or, lower-is-better, rose) past the baseline's by > tolerance.

    A metric the baseline lacks is not gated; one the current run lacks is a regression.
    """
    now, then = _metrics_of(current), _metrics_of(baseline)
    found = []
    for name in HEADLINE_METRICS:
        base, value = _as_float(then.get(name)), _as_float(now.get(name))
        if base is None:
            continue
        # How much worse than the baseline, whichever way "worse" points for this metric.
        worse_by = (
            None if value is None else (value - base) * (1 if name in LOWER_IS_BETTER else -1)
        )
        if worse_by is None or worse_by > tolerance + _EPSILON:
            found.append(Regression(name, base, value))
    return found


def _metrics_of(report: EvalReport | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(report, EvalReport):
        return report.metrics
    metrics = report.get("metrics")
    return metrics if isinstance(metrics, Mapping) else {}


def _as_float(value: Any) -> float | None:
    # bool is an int subclass, but never a metric value.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


# -- terminal tables ----------------------------------------------------------------------


def metrics_table(metrics: Mapping[str, float | None], *, title: str = "Eval metrics") -> Table:
    """The headline metrics as a rich table."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in HEADLINE_METRICS:
        value = metrics.get(name)
        perfect = value == (0.0 if name in LOWER_IS_BETTER else 1.0)
        table.add_row(name, _number(value), style=None if perfect else "yellow")
    return table


def compare_table(changes: Sequence[MetricChange], before: str, after: str) -> Table:
    """Two reports (A, B) side by side with B - A, improvements green, regressions red."""
    from rich.table import Table

    table = Table(title="Eval comparison", title_justify="left", caption=f"A: {before}\nB: {after}")
    table.add_column("metric", no_wrap=True)
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
    """Headline metrics to three decimals; counts (articles, tokens) as whole numbers."""
    if value is None:
        return "-"
    sign = "+" if signed else ""
    if name not in HEADLINE_METRICS and value.is_integer():
        return f"{int(value):{sign},}"
    return f"{value:{sign}.3f}"
