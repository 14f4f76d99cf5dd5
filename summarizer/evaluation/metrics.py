"""Scores: one article's prediction against its label, and the aggregate over a data set.

Conventions, chosen so that a perfect prediction scores exactly 1.0 everywhere:

- Event precision, recall and F1 count matched pairs over the data set (micro):
  a prediction matched to a required gold event is a true positive, an unmatched
  prediction a false positive, an unmatched required gold event a false negative;
  a prediction matched to a `required: false` event counts neither way. With
  nothing to count, a ratio is vacuously 1.0 (nothing claimed wrongly, nothing missed).
- Field metrics (type, date, location, actors, fatalities) are over the pairs
  matched to required gold events, pooled across articles; optional events are
  not scored in detail, as they are not scored for recall either. A core field
  the codebook switches off is not measured (None).
- What the codebook adds (its extra fields, sub-types of types that list them)
  is scored the same way, where the gold event states it; see
  summarizer.evaluation.codebook_fields. These follow the headline metrics.
- An article without a valid result has no events and no brief: every required
  event is missed, and it scores 0 on must-mention recall and ROUGE-L.
- A metric with nothing to measure (no matched pairs, no facts) is None, not 0.
- Every headline metric and sanity check has a count, the number of items it is
  computed over (`Measure`): precision over predicted events, recall over required
  gold events, F1 over both (matched pairs once), field metrics over matched pairs,
  must-mention recall over facts, ROUGE-L and valid rate over articles, the brief
  checks over valid results, evidence over quotes. The baseline gate weighs a change
  by it (see summarizer.evaluation.gate).

Headline metrics measure quality. Sanity checks measure, over valid results only,
rules the schema's validators already enforce on every result, with the validators'
own functions (summarizer.rules): they cannot move with the quality of a backend, and
anything but perfect means a validator let through what it should have rejected.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.cost import Prices, cost_usd
from summarizer.evaluation.codebook_fields import (
    CodebookAgreement,
    codebook_agreements,
    codebook_metrics,
)
from summarizer.evaluation.dataset import LabelledArticle
from summarizer.evaluation.matching import MINIMUM_SIMILARITY, Match, match_events
from summarizer.rules import (
    brief_problem,
    ungrounded_places,
    ungrounded_quotes,
    unsupported_numbers,
)
from summarizer.schema import ArticleSummary, Usage
from summarizer.text import UNSPACED_SCRIPTS, mentions

# The quality metrics every report carries under "metrics", in display order; the
# baseline gate holds each to its baseline value, within a tolerance.
HEADLINE_METRICS: tuple[str, ...] = (
    "event_precision",
    "event_recall",
    "event_f1",
    "type_accuracy",
    "date_accuracy",
    "date_within_1d",
    "location_accuracy",
    "actor_f1",
    "fatalities_accuracy",
    "brief_must_mention_recall",
    "brief_rouge_l",
    "valid_rate",
)
# Rules every valid result already passed (see the module's docstring), in display
# order; the baseline gate holds each to perfect, whatever the baseline says.
SANITY_CHECKS: tuple[str, ...] = (
    "brief_length_ok",
    "unsupported_numbers",
    "evidence_grounded",
    "locations_grounded",
)
# Standard errors a change must pass: by chance alone, a metric falls further than
# this about once in 40 runs.
GATE_Z = 1.96
# The baseline gate's rule (summarizer.evaluation.gate), as the reports state it.
GATE_RULE = (
    "A headline metric fails the baseline gate when it is worse than the baseline's by "
    f"more than the tolerance and by more than {GATE_Z} standard errors of the difference: "
    "each value is taken as a proportion over its count, the items it is computed over, "
    "and the standard error is sqrt(p(1 - p)(1/n_baseline + 1/n_run)) at the pooled p. "
    "A count the report lacks (a baseline written before counts) is left out of the sum; "
    "with neither count, the tolerance alone decides."
)
# Everything else is higher-is-better; comparisons and the baseline gate use this.
LOWER_IS_BETTER = frozenset(
    {
        "unsupported_numbers",
        "unsupported_numbers_total",
        "false_positives",
        "false_negatives",
        "retries",
        "tokens_in",
        "tokens_out",
        "latency_mean_s",
        "latency_max_s",
        "cost",
        "cost_per_article",
        "cost_per_matched_event",
    }
)
# A word of a spaced script, or one character (with its vowel and tone marks) of a
# script written without spaces, which has no visible word to take instead.
_TOKEN = re.compile(
    f"[{UNSPACED_SCRIPTS}][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*|[^\\W{UNSPACED_SCRIPTS}]+"
)

MetricValues = dict[str, float | None]


@dataclass(frozen=True)
class Measure:
    """A metric's value (None: nothing to measure) and its count, the number of items
    (events, pairs, facts, articles, quotes) it is computed over."""

    value: float | None
    count: int


@dataclass(frozen=True)
class ArticleScore:
    """Everything measured for one article; `prediction` is None when no valid result came."""

    item: LabelledArticle
    prediction: ArticleSummary | None
    pairs: tuple[Match, ...] = ()  # the matches to required gold events
    optional_matches: tuple[Match, ...] = ()
    missed: tuple[int, ...] = ()  # indices of required gold events nobody matched
    spurious: tuple[int, ...] = ()  # indices of predicted events that matched nothing
    mentions_found: tuple[bool, ...] = ()  # one per must_mention fact
    rouge_l: float = 0.0
    length_ok: bool = False
    unsupported: tuple[str, ...] = ()
    ungrounded: tuple[str, ...] = ()
    quotes: int = 0
    ungrounded_places: tuple[str, ...] = ()
    places: int = 0  # events with a place name
    # The codebook's extra fields and sub-types, per required pair that states them.
    codebook_agreements: tuple[CodebookAgreement, ...] = ()

    @property
    def valid(self) -> bool:
        return self.prediction is not None

    @property
    def missing_mentions(self) -> list[list[str]]:
        """The must-mention facts (each as its spellings) the brief does not state."""
        facts = self.item.label.must_mention
        return [fact for fact, found in zip(facts, self.mentions_found, strict=True) if not found]

    @property
    def counts(self) -> tuple[int, int, int]:
        """True positives, false positives, false negatives."""
        return len(self.pairs), len(self.spurious), len(self.missed)

    def metrics(self) -> MetricValues:
        """This article's headline metrics and sanity checks (None: nothing to measure)."""
        return {name: measure.value for name, measure in self.measures().items()}

    def measures(self) -> dict[str, Measure]:
        """This article's headline metrics and sanity checks, each with its count."""
        measures = _measures([self])
        if not self.valid:
            # It predicted nothing, so it has no precision of its own; a data set of
            # such articles has the vacuous 1.0 of a ratio with nothing to count.
            measures["event_precision"] = Measure(None, 0)
        return measures

    @property
    def perfect(self) -> bool:
        return all(is_perfect(name, value) for name, value in self.metrics().items())


def is_perfect(name: str, value: float | None) -> bool:
    """Whether a metric is at its best (0 when lower is better, else 1); None measured nothing."""
    return value is None or value == (0.0 if name in LOWER_IS_BETTER else 1.0)


def score_article(
    item: LabelledArticle,
    prediction: ArticleSummary | None,
    *,
    minimum_similarity: float = MINIMUM_SIMILARITY,
) -> ArticleScore:
    """Score one prediction (None: the backend gave no valid result) against its label."""
    label = item.label
    if prediction is None:
        required = tuple(i for i, event in enumerate(label.events) if event.required)
        return ArticleScore(
            item, None, missed=required, mentions_found=(False,) * len(label.must_mention)
        )
    matches = match_events(prediction.events, label, minimum_similarity=minimum_similarity)
    matched_gold = {match.gold for match in matches}
    matched_predicted = {match.predicted for match in matches}
    quotes = [quote.text for event in prediction.events for quote in event.evidence]
    places = [event.location.name for event in prediction.events if event.location.name]
    article = item.article.text
    pairs = tuple(m for m in matches if label.events[m.gold].required)
    return ArticleScore(
        item=item,
        prediction=prediction,
        pairs=pairs,
        optional_matches=tuple(m for m in matches if not label.events[m.gold].required),
        missed=tuple(
            i for i, event in enumerate(label.events) if event.required and i not in matched_gold
        ),
        spurious=tuple(i for i in range(len(prediction.events)) if i not in matched_predicted),
        mentions_found=tuple(mentions(prediction.brief, fact) for fact in label.must_mention),
        rouge_l=rouge_l_f1(prediction.brief, label.brief),
        length_ok=brief_problem(prediction.brief) is None,
        unsupported=tuple(
            sorted(
                {
                    *unsupported_numbers(prediction.headline, article),
                    *unsupported_numbers(prediction.brief, article),
                }
            )
        ),
        ungrounded=tuple(ungrounded_quotes(quotes, article)),
        quotes=len(quotes),
        ungrounded_places=tuple(ungrounded_places(places, article)),
        places=len(places),
        codebook_agreements=codebook_agreements(pairs, prediction.events, label, item.codebook),
    )


def rouge_l_f1(candidate: str, reference: str) -> float:
    """ROUGE-L F1: the longest common subsequence of lower-cased word tokens."""
    produced = _TOKEN.findall(candidate.casefold())
    wanted = _TOKEN.findall(reference.casefold())
    if not produced or not wanted:
        return float(produced == wanted)
    common = _lcs_length(produced, wanted)
    if common == 0:
        return 0.0
    precision, recall = common / len(produced), common / len(wanted)
    return 2 * precision * recall / (precision + recall)


def _lcs_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Dynamic programming over one row at a time: O(len(first) * len(second)) time."""
    row = [0] * (len(second) + 1)
    for token in first:
        diagonal = 0  # row[j - 1] of the previous row
        for j, other in enumerate(second, start=1):
            above = row[j]
            row[j] = diagonal + 1 if token == other else max(row[j], row[j - 1])
            diagonal = above
    return row[-1]


@dataclass(frozen=True)
class ArticleResult:
    """One article of an eval run: its score and how its result was obtained."""

    score: ArticleScore
    latency_s: float = 0.0
    cached: bool = False
    attempts: int = 1
    error: str | None = None  # why there is no valid result
    # Every request made for the article, failed attempts and re-asks included; for
    # a cached result, what it took when it was made.
    tokens_in: int = 0
    tokens_out: int = 0

    @property
    def id(self) -> str:
        return self.score.item.id


def aggregate(results: Sequence[ArticleResult], prices: Prices | None = None) -> MetricValues:
    """The data set's headline metrics (pooled as the module says), sanity checks, run figures.

    `cost` (USD, None without prices) is what the results took to make, cached ones
    included, so a rerun from the cache reports what the backend costs; per article
    and per matched event (a true positive) too.
    """
    scores = [result.score for result in results]
    valid = [score for score in scores if score.valid]
    true_pos, false_pos, false_neg = _event_counts(scores)
    tokens_in = sum(result.tokens_in for result in results)
    tokens_out = sum(result.tokens_out for result in results)
    latencies = [result.latency_s for result in results]
    cost = cost_usd(Usage(prompt_tokens=tokens_in, completion_tokens=tokens_out), prices)
    return {
        **{name: measure.value for name, measure in _measures(scores).items()},
        # Run figures.
        "articles": float(len(results)),
        "valid_articles": float(len(valid)),
        "cached_articles": float(sum(result.cached for result in results)),
        "true_positives": float(true_pos),
        "false_positives": float(false_pos),
        "false_negatives": float(false_neg),
        "unsupported_numbers_total": float(sum(len(score.unsupported) for score in valid)),
        "retries": float(sum(max(result.attempts - 1, 0) for result in results)),
        "tokens_in": float(tokens_in),
        "tokens_out": float(tokens_out),
        "latency_mean_s": statistics.fmean(latencies) if latencies else None,
        "latency_max_s": max(latencies) if latencies else None,
        "cost": cost,
        "cost_per_article": cost / len(results) if cost is not None and results else None,
        "cost_per_matched_event": cost / true_pos if cost is not None and true_pos else None,
    }


def metric_counts(results: Sequence[ArticleResult]) -> dict[str, int]:
    """How many items each headline metric and sanity check of `aggregate` is over."""
    return {
        name: measure.count
        for name, measure in _measures([result.score for result in results]).items()
    }


def _event_counts(scores: Sequence[ArticleScore]) -> tuple[int, int, int]:
    """True positives, false positives, false negatives, pooled."""
    true_pos, false_pos, false_neg = zip(*(score.counts for score in scores), strict=True)
    return sum(true_pos), sum(false_pos), sum(false_neg)


def _measures(scores: Sequence[ArticleScore]) -> dict[str, Measure]:
    """The headline metrics, then the sanity checks, of these scores pooled as the
    module says, each with its count."""
    valid = [score for score in scores if score.valid]
    true_pos, false_pos, false_neg = _event_counts(scores) if scores else (0, 0, 0)
    quotes = sum(score.quotes for score in valid)
    ungrounded = sum(len(score.ungrounded) for score in valid)
    places = sum(score.places for score in valid)
    ungrounded_places = sum(len(score.ungrounded_places) for score in valid)
    predicted = true_pos + false_pos
    return {
        "event_precision": Measure(_ratio(true_pos, predicted), predicted),
        "event_recall": Measure(_ratio(true_pos, true_pos + false_neg), true_pos + false_neg),
        "event_f1": Measure(
            _ratio(2 * true_pos, 2 * true_pos + false_pos + false_neg),
            true_pos + false_pos + false_neg,
        ),
        **_field_measures([pair for score in scores for pair in score.pairs]),
        "brief_must_mention_recall": mean_measure(
            [found for score in scores for found in score.mentions_found]
        ),
        "brief_rouge_l": mean_measure([score.rouge_l for score in scores]),
        "valid_rate": mean_measure([score.valid for score in scores]),
        **_codebook_measures(scores),
        # Sanity checks.
        "brief_length_ok": mean_measure([score.length_ok for score in valid]),
        "unsupported_numbers": mean_measure([len(score.unsupported) for score in valid]),
        "evidence_grounded": Measure(
            _ratio(quotes - ungrounded, quotes) if quotes else None, quotes
        ),
        "locations_grounded": Measure(
            _ratio(places - ungrounded_places, places) if places else None, places
        ),
    }


def _field_measures(pairs: Sequence[Match]) -> dict[str, Measure]:
    agreements = [pair.agreement for pair in pairs]
    return {
        "type_accuracy": mean_measure([a.same_type for a in agreements]),
        "date_accuracy": mean_measure([a.same_date for a in agreements]),
        "date_within_1d": mean_measure([a.date_within_1d for a in agreements]),
        "location_accuracy": mean_measure([a.same_place for a in agreements]),
        "actor_f1": mean_measure([a.actor_f1 for a in agreements if a.actor_f1 is not None]),
        "fatalities_accuracy": mean_measure(
            [a.same_fatalities for a in agreements if a.same_fatalities is not None]
        ),
    }


def _codebook_measures(scores: Sequence[ArticleScore]) -> dict[str, Measure]:
    """One measure per metric of the scores' codebook (None where nothing stated it)."""
    values: dict[str, list[float]] = {}
    for score in scores:
        for name in codebook_metrics(score.item.codebook):
            values.setdefault(name, [])
        for agreement in score.codebook_agreements:
            values.setdefault(agreement.metric, []).append(agreement.value)
    return {name: mean_measure(found) for name, found in values.items()}


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def mean_measure(values: Sequence[float | bool | int]) -> Measure:
    """The mean of per-item values, over their number (None: no items)."""
    return Measure(statistics.fmean(values) if values else None, len(values))
