"""Scores of dataset merging, on a data set whose label events carry `event_key`.

The predictions of a run become a dataset with the same merge code as `summarize
dataset` (default settings). Each predicted event matched to a gold event (the
eval's own matching, required or optional) stands for that gold event's key; a
gold event without a key is an event of its own article only. Over every pair of
such matched predicted events:

- `merge_pair_precision`: of the pairs the dataset put in one row, the share that
  are one event by the keys;
- `merge_pair_recall`: of the pairs that are one event by the keys, the share the
  dataset put in one row.

Unmatched predictions are left out: extraction recall and precision already count
them. `merge_rows` is the dataset's row count, `merge_events` the number of
real-world events the labels state (distinct keys, plus required events without one).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from summarizer.dataset import build_from_mentions
from summarizer.dataset.results import mentions_of
from summarizer.evaluation.metrics import ArticleScore, MetricValues


def has_event_keys(scores: Sequence[ArticleScore]) -> bool:
    return any(event.event_key for score in scores for event in score.item.label.events)


def merge_metrics(scores: Sequence[ArticleScore]) -> MetricValues:
    """The module's scores; empty when no label event has a key."""
    if not has_event_keys(scores):
        return {}
    mentions = [
        mention
        for score in scores
        if score.prediction is not None
        for mention in mentions_of(score.prediction)
    ]
    dataset = build_from_mentions(mentions)
    gold_key: dict[str, str] = {}
    for score in scores:
        article = score.item.id
        events = score.item.label.events
        for match in (*score.pairs, *score.optional_matches):
            key = events[match.gold].event_key or f"{article}/{match.gold}"
            gold_key[f"{article}#{match.predicted + 1}"] = key
    same_row = same_key = both = 0
    for first, second in combinations(sorted(gold_key), 2):
        predicted = dataset.event_of[first] == dataset.event_of[second]
        actual = gold_key[first] == gold_key[second]
        same_row += predicted
        same_key += actual
        both += predicted and actual
    real_events = {
        event.event_key or f"{score.item.id}/{index}"
        for score in scores
        for index, event in enumerate(score.item.label.events)
        if event.event_key or event.required
    }
    return {
        "merge_pair_precision": both / same_row if same_row else None,
        "merge_pair_recall": both / same_key if same_key else None,
        "merge_rows": float(len(dataset.rows)),
        "merge_events": float(len(real_events)),
    }
