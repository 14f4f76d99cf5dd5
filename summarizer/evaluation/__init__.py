"""Scoring a backend against hand-labelled articles: load, match, measure, report.

>>> from summarizer.evaluation import evaluate, load_dataset
>>> report = evaluate(load_dataset("seeds"))
>>> report.metrics["event_f1"]
"""

from summarizer.evaluation.dataset import Dataset, GoldEvent, Label, LabelledArticle, load_dataset
from summarizer.evaluation.matching import Match, assign, match_events
from summarizer.evaluation.metrics import (
    HEADLINE_METRICS,
    LOWER_IS_BETTER,
    ArticleResult,
    ArticleScore,
    aggregate,
    score_article,
)
from summarizer.evaluation.report import (
    EvalReport,
    MetricChange,
    Regression,
    compare,
    load_report,
    regressions,
)
from summarizer.evaluation.runner import evaluate

__all__ = [
    "HEADLINE_METRICS",
    "LOWER_IS_BETTER",
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
    "aggregate",
    "assign",
    "compare",
    "evaluate",
    "load_dataset",
    "load_report",
    "match_events",
    "regressions",
    "score_article",
]
