"""Reading two reports' metrics side by side, and gating a run on a baseline.

The gate holds each headline metric to the baseline's value, within a tolerance, and
each sanity check to perfect whatever the baseline says: a sanity check measures a
rule every valid result already passed, so a failure is a bug in validation, never a
backend doing worse. Both read only a report's "metrics" object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from summarizer.evaluation.metrics import (
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    SANITY_CHECKS,
    is_perfect,
)
from summarizer.evaluation.report_json import EvalReport

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
    """A headline metric worse than the baseline by more than the tolerance."""

    name: str
    baseline: float
    current: float | None

    def __str__(self) -> str:
        current = "missing" if self.current is None else f"{self.current:.3f}"
        direction = "rose" if self.name in LOWER_IS_BETTER else "fell"
        return f"{self.name} {direction} to {current} from the baseline's {self.baseline:.3f}"


def regressions(current: Report, baseline: Report, tolerance: float) -> list[Regression]:
    """Headline metrics that fell (or, lower-is-better, rose) past the baseline's by > tolerance.

    A metric the baseline lacks is not gated; one the current run lacks is a regression.
    Sanity checks are not compared with the baseline: see `sanity_failures`.
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


def _as_float(value: Any) -> float | None:
    # bool is an int subclass, but never a metric value.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None
