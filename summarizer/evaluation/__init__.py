"""Scoring a backend against hand-labelled articles: load, match, measure, report.

>>> from summarizer import open_pipeline
>>> from summarizer.evaluation import evaluate, load_dataset
>>> report = evaluate(load_dataset("seeds"), open_pipeline("offline", cache=False))
>>> report.metrics["event_f1"]
1.0
"""

from summarizer.evaluation.dataset import Dataset, GoldEvent, Label, LabelledArticle, load_dataset
from summarizer.evaluation.gate import (
    MetricChange,
    Regression,
    SanityFailure,
    compare,
    regressions,
    sanity_failures,
)
from summarizer.evaluation.matching import Match, assign, match_events
from summarizer.evaluation.metrics import (
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    SANITY_CHECKS,
    ArticleResult,
    ArticleScore,
    aggregate,
    score_article,
)
from summarizer.evaluation.report import EvalReport, load_report
from summarizer.evaluation.report_writer import write_report
from summarizer.evaluation.runner import evaluate

__all__ = [
    "HEADLINE_METRICS",
    "LOWER_IS_BETTER",
    "SANITY_CHECKS",
    "ArticleResult",
    "ArticleScore",
    "Dataset",
    "EvalReport",
    "GoldEvent",
    "Label",
    "LabelledArticle",
    "Match",
    "MetricChange",
    "Regression",
    "SanityFailure",
    "aggregate",
    "assign",
    "compare",
    "evaluate",
    "load_dataset",
    "load_report",
    "match_events",
    "regressions",
    "sanity_failures",
    "score_article",
    "write_report",
]
