"""Scores by event type: the confusion of gold and predicted types, and per-type P/R/F1.

Counted over required gold events and every prediction, as the headline event
metrics are: a prediction matched to an optional gold event is left out. A pair
of different types is a miss for the gold type and a false alarm for the
predicted type, so per-type figures are stricter than the type-blind event F1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from summarizer.evaluation.codebook_fields import SUBTYPE_FIELD
from summarizer.evaluation.metrics import ArticleResult, Measure, mean_measure

MISSED = "(missed)"
SPURIOUS = "(spurious)"


def confusion_cells(results: Sequence[ArticleResult]) -> Counter[tuple[str, str]]:
    """(gold type, predicted type) -> count; MISSED and SPURIOUS stand for no partner."""
    cells: Counter[tuple[str, str]] = Counter()
    for result in results:
        score = result.score
        gold_events, prediction = score.item.label.events, score.prediction
        for index in score.missed:
            cells[gold_events[index].event_type.value, MISSED] += 1
        if prediction is None:
            continue
        for pair in score.pairs:
            gold_type = gold_events[pair.gold].event_type.value
            cells[gold_type, prediction.events[pair.predicted].event_type.value] += 1
        for index in score.spurious:
            cells[SPURIOUS, prediction.events[index].event_type.value] += 1
    return cells


def type_order(names: Iterable[str], codebook_types: Sequence[str]) -> list[str]:
    """`names` in the codebook's order of types, any other after them, sorted."""
    present = set(names)
    listed = [name for name in codebook_types if name in present]
    return listed + sorted(present - set(listed))


def subtype_scores(results: Sequence[ArticleResult]) -> dict[str, Measure]:
    """Sub-type accuracy per gold type, for the types whose subtypes the codebook lists."""
    found: dict[str, list[float]] = {}
    for result in results:
        for agreement in result.score.codebook_agreements:
            if agreement.field == SUBTYPE_FIELD:
                found.setdefault(agreement.gold_type, []).append(agreement.value)
    return {name: mean_measure(values) for name, values in found.items()}


def by_type(
    cells: Counter[tuple[str, str]],
    codebook_types: Sequence[str] = (),
    subtypes: dict[str, Measure] | None = None,
) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 per event type (None where there is nothing to measure),
    and sub-type accuracy with its count where `subtypes` scores the type."""
    types = type_order(
        {name for pair in cells for name in pair} - {MISSED, SPURIOUS}, codebook_types
    )
    scores: dict[str, dict[str, Any]] = {}
    for name in types:
        true_pos = cells[name, name]
        false_pos = sum(
            count
            for (gold, predicted), count in cells.items()
            if predicted == name and gold != name
        )
        false_neg = sum(
            count
            for (gold, predicted), count in cells.items()
            if gold == name and predicted != name
        )
        precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else None
        recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else None
        f1 = (
            2 * true_pos / (2 * true_pos + false_pos + false_neg)
            if true_pos + false_pos + false_neg
            else None
        )
        scores[name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "gold": true_pos + false_neg,
            "predicted": true_pos + false_pos,
            "true_positives": true_pos,
            "false_positives": false_pos,
            "false_negatives": false_neg,
        }
        subtype = (subtypes or {}).get(name)
        if subtype is not None:
            scores[name]["subtype_accuracy"] = subtype.value
            scores[name]["subtype_count"] = subtype.count
    return scores


def confusion_json(cells: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    """The non-empty cells as report.json records, rows in order."""
    return [
        {"gold": gold, "predicted": predicted, "count": count}
        for (gold, predicted), count in sorted(cells.items())
    ]
