"""The eval report as data, and its JSON form (report.json), the form machines read.

report.json has a top-level "metrics" object (the headline metrics, the codebook's
field and sub-type metrics, the sanity checks, then run figures), "counts" (for
each of those metrics, the number of items it is computed over; each article has
its own), "codebook" (its name, hash, types, and how each extra field is scored),
"by_type" (precision, recall and F1 per event type, and sub-type accuracy where
the codebook lists subtypes), "confusion" (gold against predicted type), "articles"
(one entry per article, with its label and text, so report.html and comparisons
need nothing else) and "run" (what was evaluated, how). report.md and report.html
are written beside it (summarizer.evaluation.report_writer). Comparing two reports
and gating on a baseline read only "metrics" and "counts", so any JSON file with a "metrics"
object serves as a baseline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.codebook import Codebook
from summarizer.errors import InputError, json_error_text
from summarizer.evaluation.codebook_fields import (
    codebook_description,
    codebook_wrong_fields,
    report_codebook,
)
from summarizer.evaluation.event_types import (
    by_type,
    confusion_cells,
    confusion_json,
    subtype_scores,
)
from summarizer.evaluation.matching import Match
from summarizer.evaluation.metrics import ArticleResult, MetricValues, metric_counts
from summarizer.schema import EventFields

REPORT_VERSION = 1


@dataclass(frozen=True)
class EvalReport:
    """The outcome of one eval run: run information, aggregate metrics, per-article results."""

    run: dict[str, Any]
    metrics: MetricValues
    results: tuple[ArticleResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        """How many items each headline metric and sanity check is computed over."""
        return metric_counts(self.results)

    @property
    def codebook(self) -> Codebook:
        """The codebook the labels follow."""
        return report_codebook(self.results)

    def to_json(self) -> dict[str, Any]:
        cells = confusion_cells(self.results)
        codebook = self.codebook
        return {
            "report_version": REPORT_VERSION,
            "run": self.run,
            "metrics": self.metrics,
            "counts": self.counts,
            "codebook": codebook_description(codebook),
            "by_type": by_type(cells, list(codebook.types), subtype_scores(self.results)),
            "confusion": confusion_json(cells),
            "articles": [_article_json(result) for result in self.results],
        }


def load_report(path: Path) -> dict[str, Any]:
    """A report (or baseline) file; InputError unless it is JSON with a "metrics" object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not a JSON report ({error})") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not a JSON report ({json_error_text(error)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("metrics"), dict):
        raise InputError(f'{path}: not an eval report (no top-level "metrics" object)')
    return document


def wrong_fields(pair: Match, predicted: EventFields, gold: EventFields) -> dict[str, Any]:
    """Each field the pair got wrong: {"field": {"gold": ..., "predicted": ...}} as JSON values."""
    gold_values = gold.model_dump(mode="json")
    predicted_values = predicted.model_dump(mode="json")
    return {
        name: {"gold": gold_values[name], "predicted": predicted_values[name]}
        for name in pair.agreement.wrong_fields
    }


def _article_json(result: ArticleResult) -> dict[str, Any]:
    score = result.score
    label, prediction = score.item.label, score.prediction
    matched: list[dict[str, Any]] = []
    if prediction is not None:
        for pair in score.pairs:
            matched.append(
                {
                    "gold": pair.gold,
                    "predicted": pair.predicted,
                    "similarity": round(pair.similarity, 4),
                    "wrong": {
                        **wrong_fields(
                            pair, prediction.events[pair.predicted], label.events[pair.gold]
                        ),
                        **codebook_wrong_fields(score, pair),
                    },
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
        "counts": {name: measure.count for name, measure in score.measures().items()},
        "events": {
            "matched": matched,
            "optional_matched": [
                {"gold": match.gold, "predicted": match.predicted}
                for match in score.optional_matches
            ],
            "missed": list(score.missed),
            "spurious": list(score.spurious),
        },
        "missing_mentions": score.missing_mentions,
        "unsupported_numbers": list(score.unsupported),
        "ungrounded_evidence": list(score.ungrounded),
        "ungrounded_locations": list(score.ungrounded_places),
        "prediction": prediction.model_dump(mode="json") if prediction is not None else None,
        "label": label.model_dump(mode="json", include={"brief", "must_mention", "events"}),
        "mentions_found": list(score.mentions_found),
        "article_text": score.item.article.text,
    }
