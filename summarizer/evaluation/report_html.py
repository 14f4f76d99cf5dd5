"""report.html: an eval report to read in a browser, and two runs compared side by side.

Both pages are built from report.json documents (the dicts `EvalReport.to_json`
returns, or read back with `load_report`), so a report written long ago renders
as well as today's; the fields a report lacks are left out. Every value is
escaped; the pages hold no script and load nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from summarizer.evaluation.event_types import MISSED, SPURIOUS, type_order
from summarizer.evaluation.gate import MetricChange, compare, regressions
from summarizer.evaluation.metrics import (
    GATE_RULE,
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    SANITY_CHECKS,
    is_perfect,
)
from summarizer.evidence import locate_quote

HTML_NAME = "report.html"
COMPARE_NAME = "compare.html"
# Fields shown for an event, in order; a codebook's extra fields (any other key but
# these) go before the summary.
_EVENT_FIELDS = (
    "event_type",
    "sub_event_type",
    "date",
    "location",
    "actors",
    "fatalities",
    "summary",
)
_NOT_SHOWN = {"date_end", "evidence", "required", "event_key"}
_COLOURS = ("#ffe08a", "#b9e4c9", "#c6dafc", "#f8c4d8", "#d7c8f5", "#ffd0a8", "#bfe9ec")

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2230; margin: 0 auto;
  max-width: 1280px; padding: 16px 24px; }
h1 { font-size: 22px; }
h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #d9dde5; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d9dde5; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #5b6475; }
.regression { background: #fdecec; color: #a1262b; font-weight: 600; }
.better { color: #1d7a3e; } .worse { color: #a1262b; font-weight: 600; }
.diff { background: #fff1c2; font-weight: 600; }
.missed { background: #fdecec; } .spurious { background: #fff6e0; }
.found { color: #1d7a3e; } .missing { color: #a1262b; font-weight: 600; }
details { border: 1px solid #d9dde5; border-radius: 6px; margin: 8px 0; padding: 4px 12px; }
summary { cursor: pointer; padding: 4px 0; }
summary .chip { margin-left: 8px; }
.chip { display: inline-block; border-radius: 10px; padding: 0 8px; background: #eef1f5;
  font-size: 12px; }
.chip.bad { background: #fdecec; color: #a1262b; }
.wide { overflow-x: auto; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.side.three { grid-template-columns: 1fr 1fr 1fr; }
.event { border: 1px solid #d9dde5; border-radius: 6px; padding: 6px 8px; margin: 4px 0; }
.event dl { display: grid; grid-template-columns: auto 1fr; gap: 1px 8px; margin: 0; }
.event dt { color: #5b6475; } .event dd { margin: 0; }
.text { white-space: pre-wrap; font: 14px/1.55 Georgia, serif; background: #fafbfc;
  padding: 8px 12px; border-radius: 6px; }
mark { border-radius: 2px; color: inherit; }
"""


def render_report_html(
    report: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    tolerance: float = 0.02,
) -> str:
    """The eval report page: headline metrics (against `baseline` when given), scores
    per event type, the confusion matrix and every article in detail."""
    run = _mapping(report.get("run"))
    parts = [
        "<h1>Eval report</h1>",
        _run_line(run),
        "<h2>Headline metrics</h2>",
        _metrics_table(report, baseline, tolerance),
        "<p class='meta'>The count is how many items (events, matched pairs, facts, "
        f"articles) a metric is computed over. {escape(GATE_RULE)}</p>",
        *_codebook_section(report),
        "<h2>Sanity checks (must be perfect)</h2>",
        _sanity_table(_mapping(report.get("metrics")), _mapping(report.get("counts"))),
        "<h2>By event type</h2>",
        _by_type_table(_mapping(report.get("by_type"))),
        "<h2>Event types: gold (rows) against predicted (columns)</h2>",
        _confusion_table(report.get("confusion"), _codebook_types(report)),
        "<h2>Articles</h2>",
        "<p class='meta'>Articles below perfect are open. Fields that differ from the "
        "gold event are highlighted.</p>",
    ]
    parts += [_article_section(article) for article in _articles(report)]
    return _page("Eval report", parts)


def _codebook_section(report: Mapping[str, Any]) -> list[str]:
    """The codebook's extra fields and sub-types with their counts, when it adds any."""
    codebook = _mapping(report.get("codebook"))
    added = _mapping(codebook.get("metrics"))
    if not added:
        return []
    metrics, counts = _mapping(report.get("metrics")), _mapping(report.get("counts"))
    rows = [
        f"<tr><td>{escape(str(label))}</td><td class='num'>{_figure(metrics.get(name))}</td>"
        f"<td class='num'>{_figure(counts.get(name))}</td></tr>"
        for name, label in added.items()
    ]
    return [
        f"<h2>Codebook fields ({escape(str(codebook.get('name')))})</h2>",
        "<table><tr><th>field</th><th class='num'>value</th><th class='num'>count</th></tr>"
        + "".join(rows)
        + "</table>",
        "<p class='meta'>Over matched pairs whose gold event states the field: exact "
        "match, or the F1 of the two sets for lists and multiple enums; sub-types for "
        "gold types the codebook lists subtypes for.</p>",
    ]


def _codebook_types(report: Mapping[str, Any]) -> list[str]:
    return [str(name) for name in _list(_mapping(report.get("codebook")).get("types"))]


def _sanity_table(metrics: Mapping[str, Any], counts: Mapping[str, Any]) -> str:
    """What validation already enforces, so anything short of perfect is a bug, marked."""
    rows = []
    for name in SANITY_CHECKS:
        value = metrics.get(name)
        marked = "" if is_perfect(name, value) else " class='regression'"
        rows.append(
            f"<tr{marked}><td>{escape(name)}</td><td class='num'>{_figure(value)}</td>"
            f"<td class='num'>{_figure(counts.get(name))}</td></tr>"
        )
    return (
        "<table><tr><th>check</th><th class='num'>value</th><th class='num'>count</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_comparison_html(
    before: Mapping[str, Any], after: Mapping[str, Any], *, names: tuple[str, str] = ("A", "B")
) -> str:
    """Two runs side by side: their prompt versions, metrics, and per article what changed."""
    first, second = names
    changes = compare(before, after)
    parts = [
        "<h1>Eval comparison</h1>",
        "<table><tr><th></th><th>backend</th><th>model</th><th>prompt version</th>"
        "<th>report</th></tr>",
        *(
            f"<tr><th>{escape(label)}</th><td>{_text(run.get('backend'))}</td>"
            f"<td>{_text(run.get('model'))}</td><td>{_text(run.get('prompt_version'))}</td>"
            f"<td>{escape(name)}</td></tr>"
            for label, name, run in (
                ("A", first, _mapping(before.get("run"))),
                ("B", second, _mapping(after.get("run"))),
            )
        ),
        "</table>",
        "<h2>Metrics</h2>",
        _change_table(changes),
    ]
    article_changes = compare_articles(before, after)
    for verdict, title in (("worse", "Worse in B"), ("better", "Better in B"), ("mixed", "Mixed")):
        listed = [change for change in article_changes if change.verdict == verdict]
        parts.append(f"<h2>{title} ({len(listed)})</h2>")
        parts.append(
            "<ul>"
            + "".join(
                f"<li><a href='#{escape(change.id)}'>{escape(change.id)}</a>: "
                f"{escape(change.describe())}</li>"
                for change in listed
            )
            + "</ul>"
            if listed
            else "<p class='meta'>None.</p>"
        )
    parts.append("<h2>Articles side by side</h2>")
    by_id = {str(article.get("id")): article for article in _articles(after)}
    for change in article_changes:
        parts.append(_compared_article(change, by_id.get(change.id, {})))
    return _page("Eval comparison", parts)


# -- which articles got better or worse ---------------------------------------------------


class ArticleChange:
    """One article in two reports: which headline metrics improved and which fell."""

    def __init__(self, article_id: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.id = article_id
        self.old = old
        self.new = new
        self.changes = [
            change
            for change in compare(
                {"metrics": _mapping(old.get("metrics"))}, {"metrics": _mapping(new.get("metrics"))}
            )
            if change.name in HEADLINE_METRICS and change.better is not None
        ]

    @property
    def improved(self) -> list[MetricChange]:
        return [change for change in self.changes if change.better]

    @property
    def fell(self) -> list[MetricChange]:
        return [change for change in self.changes if change.better is False]

    @property
    def verdict(self) -> str:
        """ "better", "worse", "mixed" or "same"."""
        if self.improved and self.fell:
            return "mixed"
        return "better" if self.improved else "worse" if self.fell else "same"

    def describe(self) -> str:
        return ", ".join(
            f"{change.name} {_figure(change.before)} → {_figure(change.after)}"
            for change in (*self.fell, *self.improved)
        )


def compare_articles(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[ArticleChange]:
    """Every article of either report, in the order of the second, then any only in the first."""
    old = {str(article.get("id")): article for article in _articles(before)}
    new = {str(article.get("id")): article for article in _articles(after)}
    ids = [*new, *(article_id for article_id in old if article_id not in new)]
    return [
        ArticleChange(article_id, old.get(article_id, {}), new.get(article_id, {}))
        for article_id in ids
    ]


# -- sections -----------------------------------------------------------------------------


def _run_line(run: Mapping[str, Any]) -> str:
    fields = [
        ("data set", run.get("dataset")),
        ("backend", run.get("backend")),
        ("model", run.get("model")),
        ("prompt version", run.get("prompt_version")),
        ("schema version", run.get("schema_version")),
        ("started", run.get("started_at")),
        ("duration", f"{run['duration_s']} s" if run.get("duration_s") is not None else None),
    ]
    return (
        "<p class='meta'>"
        + " · ".join(
            f"{escape(name)} <b>{_text(value)}</b>" for name, value in fields if value is not None
        )
        + "</p>"
    )


def _metrics_table(
    report: Mapping[str, Any], baseline: Mapping[str, Any] | None, tolerance: float
) -> str:
    metrics, counts = _mapping(report.get("metrics")), _mapping(report.get("counts"))
    if baseline is None:
        rows = [
            f"<tr><td>{escape(name)}</td><td class='num'>{_figure(metrics.get(name))}</td>"
            f"<td class='num'>{_figure(counts.get(name))}</td></tr>"
            for name in HEADLINE_METRICS
        ]
        return (
            "<table><tr><th>metric</th><th class='num'>value</th><th class='num'>count</th></tr>"
            + "".join(rows)
            + "</table>"
        )
    baseline_counts = _mapping(baseline.get("counts"))
    failing = {regression.name for regression in regressions(report, baseline, tolerance)}
    rows = []
    for change in compare(baseline, report):
        if change.name not in HEADLINE_METRICS:
            continue
        status = "regression" if change.name in failing else ""
        rows.append(
            f"<tr class='{status}'><td>{escape(change.name)}</td>"
            f"<td class='num'>{_figure(change.after)}</td>"
            f"<td class='num'>{_figure(counts.get(change.name))}</td>"
            f"<td class='num'>{_figure(change.before)}</td>"
            f"<td class='num'>{_figure(baseline_counts.get(change.name))}</td>"
            f"<td class='num {_direction(change)}'>{_signed(change.delta)}</td>"
            f"<td>{'regression' if status else ''}</td></tr>"
        )
    return (
        f"<p class='meta'>Against the baseline, tolerance {tolerance}; "
        f"{len(failing)} regression(s).</p>"
        "<table><tr><th>metric</th><th class='num'>value</th><th class='num'>count</th>"
        "<th class='num'>baseline</th><th class='num'>count</th>"
        "<th class='num'>change</th><th></th></tr>" + "".join(rows) + "</table>"
    )


def _change_table(changes: Sequence[MetricChange]) -> str:
    rows = [
        f"<tr><td>{escape(change.name)}</td><td class='num'>{_figure(change.before)}</td>"
        f"<td class='num'>{_figure(change.after)}</td>"
        f"<td class='num {_direction(change)}'>{_signed(change.delta)}</td></tr>"
        for change in changes
    ]
    return (
        "<table><tr><th>metric</th><th class='num'>A</th><th class='num'>B</th>"
        "<th class='num'>B - A</th></tr>" + "".join(rows) + "</table>"
    )


def _by_type_table(scores: Mapping[str, Any]) -> str:
    if not scores:
        return "<p class='meta'>No per-type scores in this report.</p>"
    with_subtypes = any("subtype_accuracy" in _mapping(values) for values in scores.values())
    keys = ("precision", "recall", "f1", *(("subtype_accuracy",) if with_subtypes else ()))
    rows = [
        f"<tr><td>{escape(name)}</td><td class='num'>{_text(values.get('gold'))}</td>"
        f"<td class='num'>{_text(values.get('predicted'))}</td>"
        + "".join(f"<td class='num'>{_figure(values.get(key))}</td>" for key in keys)
        + (f"<td class='num'>{_text(values.get('subtype_count'))}</td>" if with_subtypes else "")
        + "</tr>"
        for name, values in ((name, _mapping(values)) for name, values in scores.items())
    ]
    subtype_headers = (
        "<th class='num'>sub-type accuracy</th><th class='num'>count</th>" if with_subtypes else ""
    )
    return (
        "<table><tr><th>event type</th><th class='num'>gold</th><th class='num'>predicted</th>"
        "<th class='num'>precision</th><th class='num'>recall</th><th class='num'>F1</th>"
        + subtype_headers
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def _confusion_table(cells: Any, types: Sequence[str] = ()) -> str:
    if not isinstance(cells, list) or not cells:
        return "<p class='meta'>No confusion matrix in this report.</p>"
    counts = {
        (str(cell.get("gold")), str(cell.get("predicted"))): cell.get("count", 0)
        for cell in cells
        if isinstance(cell, dict)
    }
    rows = [*type_order({gold for gold, _ in counts} - {SPURIOUS}, types), SPURIOUS]
    columns = [*type_order({predicted for _, predicted in counts} - {MISSED}, types), MISSED]
    lines = ["<div class='wide'><table><tr><th>gold \\ predicted</th>"]
    lines += [f"<th class='num'>{escape(column)}</th>" for column in columns]
    lines.append("</tr>")
    for row in rows:
        if not any(counts.get((row, column)) for column in columns):
            continue
        lines.append(f"<tr><th>{escape(row)}</th>")
        for column in columns:
            count = counts.get((row, column))
            style = "" if not count or row == column else " class='diff'"
            lines.append(f"<td class='num'{style}>{escape(str(count or ''))}</td>")
        lines.append("</tr>")
    lines.append("</table></div>")
    return "".join(lines)


def _article_section(article: Mapping[str, Any]) -> str:
    article_id = str(article.get("id"))
    metrics = _mapping(article.get("metrics"))
    perfect = bool(article.get("perfect"))
    prediction = _mapping(article.get("prediction"))
    label = _mapping(article.get("label"))
    events = _mapping(article.get("events"))
    chips = [
        _chip(f"{name} {_figure(value)}", bad=True)
        for name, value in metrics.items()
        if value is not None and value != (0.0 if name in LOWER_IS_BETTER else 1.0)
    ]
    facts = [
        ("tokens", f"{article.get('tokens_in', 0)} in / {article.get('tokens_out', 0)} out"),
        ("latency", f"{_figure(article.get('latency_s'))} s"),
        ("attempts", article.get("attempts")),
        ("cached", "yes" if article.get("cached") else "no"),
    ]
    parts = [
        f"<details id='{escape(article_id)}'{'' if perfect else ' open'}>",
        f"<summary><b>{escape(article_id)}</b>"
        + (_chip("perfect") if perfect else "".join(chips))
        + "</summary>",
        "<p class='meta'>" + " · ".join(f"{name} {_text(value)}" for name, value in facts) + "</p>",
    ]
    if article.get("error"):
        parts.append(f"<p class='missing'>No valid result: {_text(article.get('error'))}</p>")
    parts.append(_events_side_by_side(label, prediction, events))
    parts.append(_brief_section(article, label, prediction))
    text = article.get("article_text")
    if isinstance(text, str):
        parts.append("<h4>Article, evidence highlighted (one colour per predicted event)</h4>")
        parts.append(highlighted_article(text, _list(prediction.get("events"))))
    parts.append("</details>")
    return "".join(parts)


def _events_side_by_side(
    label: Mapping[str, Any], prediction: Mapping[str, Any], events: Mapping[str, Any]
) -> str:
    gold_events = _list(label.get("events"))
    predicted_events = _list(prediction.get("events"))
    rows = ["<table><tr><th>gold event</th><th>predicted event</th></tr>"]
    for pair in _list(events.get("matched")):
        gold, predicted = (
            _at(gold_events, pair.get("gold")),
            _at(predicted_events, pair.get("predicted")),
        )
        wrong = set(_mapping(pair.get("wrong")))
        rows.append(
            f"<tr><td>{_event(gold, wrong)}</td>"
            f"<td>{_event(predicted, wrong, number=pair.get('predicted'))}"
            f"<span class='meta'>similarity {_figure(pair.get('similarity'))}</span></td></tr>"
        )
    for pair in _list(events.get("optional_matched")):
        index = pair.get("predicted")
        rows.append(
            f"<tr><td>{_event(_at(gold_events, pair.get('gold')), set())}"
            "<span class='meta'>optional</span></td>"
            f"<td>{_event(_at(predicted_events, index), set(), number=index)}</td></tr>"
        )
    for index in _list(events.get("missed")):
        rows.append(
            f"<tr><td class='missed'>{_event(_at(gold_events, index), set())}</td>"
            "<td class='missed'><b>missed</b>: no prediction matched</td></tr>"
        )
    for index in _list(events.get("spurious")):
        rows.append(
            "<tr><td class='spurious'><b>spurious</b>: matched no gold event</td>"
            "<td class='spurious'>"
            f"{_event(_at(predicted_events, index), set(), number=index)}</td></tr>"
        )
    if len(rows) == 1:
        return "<p class='meta'>No events, gold or predicted.</p>"
    return "".join(rows) + "</table>"


def _brief_section(
    article: Mapping[str, Any], label: Mapping[str, Any], prediction: Mapping[str, Any]
) -> str:
    facts = _list(label.get("must_mention"))
    found = _list(article.get("mentions_found"))
    missing = {tuple(fact) for fact in _list(article.get("missing_mentions"))}
    marks = []
    for index, fact in enumerate(facts):
        spellings = " / ".join(str(spelling) for spelling in _list(fact))
        ok = bool(found[index]) if index < len(found) else tuple(_list(fact)) not in missing
        marks.append(
            f"<li class='{'found' if ok else 'missing'}'>{'✓ found' if ok else '✗ missing'}: "
            f"{escape(spellings)}</li>"
        )
    return (
        "<div class='side'>"
        f"<div><h4>Predicted brief</h4><p>{_text(prediction.get('brief'))}</p>"
        f"<p class='meta'>headline: {_text(prediction.get('headline'))}</p></div>"
        f"<div><h4>Reference brief</h4><p>{_text(label.get('brief'))}</p>"
        + (f"<ul>{''.join(marks)}</ul>" if marks else "")
        + "</div></div>"
    )


def _compared_article(change: ArticleChange, shown: Mapping[str, Any]) -> str:
    label = _mapping(change.new.get("label") or change.old.get("label"))
    columns = []
    for name, article in (("A", change.old), ("B", change.new)):
        prediction = _mapping(article.get("prediction"))
        events = _list(prediction.get("events"))
        body = [f"<h4>{name}</h4>"]
        if article.get("error"):
            body.append(f"<p class='missing'>No valid result: {_text(article.get('error'))}</p>")
        if not article:
            body.append("<p class='meta'>Not in this report.</p>")
        body.append(f"<p>{_text(prediction.get('brief'))}</p>")
        body += [_event(_mapping(event), set(), number=index) for index, event in enumerate(events)]
        body.append(
            f"<p class='meta'>tokens {_text(article.get('tokens_in'))} in / "
            f"{_text(article.get('tokens_out'))} out · "
            f"latency {_figure(article.get('latency_s'))} s</p>"
        )
        columns.append("<div>" + "".join(body) + "</div>")
    gold = ["<div><h4>Gold</h4>", f"<p>{_text(label.get('brief'))}</p>"]
    gold += [_event(_mapping(event), set()) for event in _list(label.get("events"))]
    gold.append("</div>")
    verdict = {"better": "better", "worse": "worse", "mixed": "worse", "same": ""}[change.verdict]
    return (
        f"<details id='{escape(change.id)}'{' open' if change.verdict != 'same' else ''}>"
        f"<summary><b>{escape(change.id)}</b> "
        f"<span class='{verdict}'>{escape(change.verdict)}</span>"
        f" <span class='meta'>{escape(change.describe())}</span></summary>"
        "<div class='side three'>" + "".join(gold) + "".join(columns) + "</div></details>"
    )


# -- pieces -------------------------------------------------------------------------------


def highlighted_article(text: str, events: Sequence[Any]) -> str:
    """The article with each predicted event's quotes marked in that event's colour.

    Quotes with offsets are marked where they stand; a quote without (a report
    written before evidence had offsets) is located in the text first.
    """
    spans: list[tuple[int, int, int]] = []
    for number, event in enumerate(events):
        for quote in _list(_mapping(event).get("evidence")):
            span = _span(quote, text)
            if span is not None:
                spans.append((span[0], span[1], number))
    cuts = sorted({0, len(text), *(start for start, _, _ in spans), *(end for _, end, _ in spans)})
    pieces = []
    for start, end in itertools.pairwise(cuts):
        owners = [number for first, last, number in spans if first <= start and end <= last]
        piece = escape(text[start:end])
        if owners:
            colour = _COLOURS[owners[0] % len(_COLOURS)]
            title = ", ".join(f"event {owner + 1}" for owner in sorted(set(owners)))
            pieces.append(f"<mark style='background:{colour}' title='{title}'>{piece}</mark>")
        else:
            pieces.append(piece)
    return "<div class='text'>" + "".join(pieces) + "</div>"


def _span(quote: Any, text: str) -> tuple[int, int] | None:
    if isinstance(quote, str):
        return locate_quote(quote, text)
    record = _mapping(quote)
    start, end = record.get("start"), record.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        return start, end
    quoted = record.get("text")
    return locate_quote(quoted, text) if isinstance(quoted, str) else None


def _event(event: Mapping[str, Any], wrong: set[str], *, number: Any = None) -> str:
    if not event:
        return "<span class='meta'>(not in the report)</span>"
    title = f"{number + 1}. " if isinstance(number, int) else ""
    swatch = (
        f" style='border-left: 6px solid {_COLOURS[number % len(_COLOURS)]}'"
        if isinstance(number, int)
        else ""
    )
    extra = [name for name in event if name not in _EVENT_FIELDS and name not in _NOT_SHOWN]
    rows = []
    for name in (*_EVENT_FIELDS[:-1], *extra, _EVENT_FIELDS[-1]):
        if name not in event and name != "event_type":
            continue  # a core field the codebook switches off, or no sub-type given
        value = _show(event.get(name))
        style = " class='diff'" if name in wrong else ""
        rows.append(f"<dt>{escape(str(name))}</dt><dd{style}>{escape(value)}</dd>")
    return f"<div class='event'{swatch}><b>{escape(title)}</b><dl>{''.join(rows)}</dl></div>"


def _show(value: Any) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value) or "\u2013"
    if isinstance(value, dict) and {"min", "max"} <= value.keys():
        return f"{value['min']}\u2013{value['max']}"
    if isinstance(value, dict):
        return (
            ", ".join(str(part) for part in (value.get("name"), value.get("country")) if part)
            or "\u2013"
        )
    return str(value)


def _chip(text: str, *, bad: bool = False) -> str:
    return f"<span class='chip{' bad' if bad else ''}'>{escape(text)}</span>"


def _direction(change: MetricChange) -> str:
    return {True: "better", False: "worse", None: ""}[change.better]


def _figure(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "\u2013" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def _signed(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:+.3f}"


def _text(value: Any) -> str:
    return "\u2013" if value is None or value == "" else escape(str(value))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _at(items: Sequence[Any], index: Any) -> Mapping[str, Any]:
    return _mapping(items[index]) if isinstance(index, int) and 0 <= index < len(items) else {}


def _articles(report: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    return [article for article in _list(report.get("articles")) if isinstance(article, Mapping)]


def _page(title: str, parts: Sequence[str]) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )
