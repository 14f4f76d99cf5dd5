"""Reading two reports' metrics side by side, and gating a run on a baseline.

The gate holds each headline metric to the baseline's value, and each sanity check
to perfect whatever the baseline says: a sanity check measures a rule every valid
result already passed, so a failure is a bug in validation, never a backend doing
worse. Both read a report's "metrics" and "counts" objects.

A headline metric fails only when it is worse than the baseline's by more than
the tolerance *and* by more than its counts can explain (metrics.GATE_RULE): a change
over a handful of items is noise, one over hundreds is not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from summarizer.evaluation.metrics import (
    GATE_Z,
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    SANITY_CHECKS,
    is_perfect,
)
from summarizer.evaluation.report import EvalReport

# Float noise must not turn "equal to baseline minus tolerance" into a regression.
_EPSILON = 1e-9

Report = EvalReport | Mapping[str, Any]


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


def compare(before: Report, after: Report) -> list[MetricChange]:
    """The per-metric difference of two reports: headline metrics, sanity checks, run figures."""
    first, second = _metrics_of(before), _metrics_of(after)
    listed = (*HEADLINE_METRICS, *SANITY_CHECKS)
    extra = [name for name in first if name in second and name not in listed]
    return [
        MetricChange(name, _as_float(first.get(name)), _as_float(second.get(name)))
        for name in (*listed, *extra)
    ]


@dataclass(frozen=True)
class Regression:
    """A headline metric worse than the baseline by more than the tolerance and than
    its counts explain; a count is None when the report has none."""

    name: str
    baseline: float
    current: float | None
    baseline_count: int | None = None
    current_count: int | None = None

    def __str__(self) -> str:
        current = "missing" if self.current is None else f"{self.current:.3f}"
        direction = "rose" if self.name in LOWER_IS_BETTER else "fell"
        return (
            f"{self.name} {direction} to {current}{_over(self.current_count)} from the "
            f"baseline's {self.baseline:.3f}{_over(self.baseline_count)}"
        )


def _over(count: int | None) -> str:
    return "" if count is None else f" (over {count})"


def regressions(current: Report, baseline: Report, tolerance: float) -> list[Regression]:
    """Headline metrics that fell (or, lower-is-better, rose) past the baseline's by more
    than the tolerance and by more than GATE_Z standard errors of the difference.

    Each value is taken as a proportion over its count (report.json's "counts"); the
    standard error of the difference is sqrt(p(1 - p)(1/n_baseline + 1/n_current)) at
    the pooled p. For a mean of scores between 0 and 1 (F1, ROUGE-L) that is an upper
    bound, so the gate errs towards passing such a metric. A side without a count (a
    baseline written before counts) is left out of the sum; with neither, the
    tolerance alone decides. So one event then two (1.000 -> 0.500) passes, and 0.950
    -> 0.750 over 40 items each fails.

    A metric the baseline lacks is not gated; one the current run lacks is a regression.
    Sanity checks are not compared with the baseline: see `sanity_failures`.
    """
    now, then = _metrics_of(current), _metrics_of(baseline)
    now_counts, then_counts = _counts_of(current), _counts_of(baseline)
    found = []
    for name in HEADLINE_METRICS:
        base, value = _as_float(then.get(name)), _as_float(now.get(name))
        if base is None:
            continue
        base_count, count = then_counts.get(name), now_counts.get(name)
        if value is not None:
            # How much worse than the baseline, whichever way "worse" points for it.
            worse_by = (value - base) * (1 if name in LOWER_IS_BETTER else -1)
            noise = GATE_Z * _standard_error((base, base_count), (value, count))
            if worse_by <= max(tolerance, noise) + _EPSILON:
                continue
        found.append(Regression(name, base, value, base_count, count))
    return found


def _standard_error(*sides: tuple[float, int | None]) -> float:
    """The standard error of the difference of proportions, each (value, count), at
    their pooled value; sides without a count are taken as exact."""
    counted = [(value, count) for value, count in sides if count]
    if not counted:
        return 0.0
    pooled = sum(value * count for value, count in counted) / sum(c for _, c in counted)
    pooled = min(max(pooled, 0.0), 1.0)
    return math.sqrt(pooled * (1 - pooled) * sum(1 / count for _, count in counted))


@dataclass(frozen=True)
class SanityFailure:
    """A sanity check below perfect: a valid result broke a rule its validator enforces."""

    name: str
    value: float

    def __str__(self) -> str:
        best = "0" if self.name in LOWER_IS_BETTER else "1"
        return (
            f"{self.name} is {self.value:.3f}, not {best}: a validated result breaks a rule "
            "the validators enforce"
        )


def sanity_failures(report: Report) -> list[SanityFailure]:
    """The sanity checks a report measured below perfect (one with nothing to measure passes)."""
    metrics = _metrics_of(report)
    found = []
    for name in SANITY_CHECKS:
        value = _as_float(metrics.get(name))
        if value is not None and not is_perfect(name, value):
            found.append(SanityFailure(name, value))
    return found


def _metrics_of(report: Report) -> Mapping[str, Any]:
    if isinstance(report, EvalReport):
        return report.metrics
    metrics = report.get("metrics")
    return metrics if isinstance(metrics, Mapping) else {}


def _counts_of(report: Report) -> dict[str, int]:
    """Each metric's count; none for a report written before reports had counts."""
    if isinstance(report, EvalReport):
        return report.counts
    counts = report.get("counts")
    if not isinstance(counts, Mapping):
        return {}
    return {
        str(name): count
        for name, count in counts.items()
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0
    }


def _as_float(value: Any) -> float | None:
    # bool is an int subclass, but never a metric value.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
