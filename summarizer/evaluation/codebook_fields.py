"""What a codebook adds to the scores: its extra fields, and the sub-types of types that list them.

Each is scored over the pairs matched to required gold events, as the core field
metrics are, and only where the gold event states it: a label event that leaves a
field out says nothing about it (a `null` it gives is a value, and is scored).

- An integer, number, boolean, single enum or string field is an exact match
  (strings after the name normalisation and the label's aliases): 1 or 0.
- A list or multiple enum field is the F1 of the two sets (list items compared
  as names are); two empty sets agree fully.
- `sub_event_type` is an exact match, for gold events of a type the codebook
  lists subtypes for (elsewhere a sub-type is free text, and not scored).

Each becomes a metric of the report, beside the headline metrics and with its
count: `field.<name>` for an extra field, `subtype_accuracy` for sub-types.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.codebook import DEFAULT_CODEBOOK, Codebook
from summarizer.codebook.format import FieldSpec
from summarizer.evaluation.agreement import names_f1, set_f1
from summarizer.evaluation.dataset import Label, stated_fields
from summarizer.evaluation.matching import Match
from summarizer.schema import EventFields

if TYPE_CHECKING:
    from summarizer.evaluation.metrics import ArticleResult, ArticleScore

FIELD_METRIC_PREFIX = "field."
SUBTYPE_METRIC = "subtype_accuracy"
SUBTYPE_FIELD = "sub_event_type"
EXACT = "exact match"
SET_F1 = "set F1"


def field_metric(name: str) -> str:
    """The report's metric for an extra field (the prefix keeps it apart from the
    headline metrics whatever the field is called)."""
    return FIELD_METRIC_PREFIX + name


def scored_as(field: FieldSpec) -> str:
    """How a field is compared: as sets (lists, multiple enums) or exactly."""
    return SET_F1 if field.type == "list" or field.multiple else EXACT


def codebook_metrics(codebook: Codebook) -> dict[str, str]:
    """The report's metrics for what `codebook` adds, each with how a table labels
    it, in its order: one per extra field, then sub-type accuracy when any type
    lists subtypes."""
    labels = {
        field_metric(name): f"{name} ({scored_as(field)})"
        for name, field in codebook.fields.items()
    }
    if any(kind.subtypes for kind in codebook.types.values()):
        labels[SUBTYPE_METRIC] = f"{SUBTYPE_METRIC} (of types with subtypes)"
    return labels


def codebook_description(codebook: Codebook) -> dict[str, Any]:
    """The codebook as a report names it: identity, types, how each extra field is
    scored, and its metrics with their labels (what report.html shows)."""
    return {
        "name": codebook.name,
        "hash": codebook.hash,
        "types": list(codebook.types),
        "fields": {
            name: {"metric": field_metric(name), "type": field.type, "scored_as": scored_as(field)}
            for name, field in codebook.fields.items()
        },
        "metrics": codebook_metrics(codebook),
    }


@dataclass(frozen=True)
class CodebookAgreement:
    """How far a matched pair agrees on one field the codebook adds (0..1)."""

    gold: int
    predicted: int
    field: str  # an extra field's name, or SUBTYPE_FIELD
    gold_type: str
    value: float

    @property
    def metric(self) -> str:
        return SUBTYPE_METRIC if self.field == SUBTYPE_FIELD else field_metric(self.field)


def codebook_agreements(
    pairs: Sequence[Match],
    predicted_events: Sequence[EventFields],
    label: Label,
    codebook: Codebook,
) -> tuple[CodebookAgreement, ...]:
    """Each field the codebook adds, for each pair whose gold event states it."""
    return tuple(
        agreement
        for pair in pairs
        for agreement in _pair_agreements(
            pair, predicted_events[pair.predicted], label.events[pair.gold], label, codebook
        )
    )


def _pair_agreements(
    pair: Match, predicted: EventFields, gold: EventFields, label: Label, codebook: Codebook
) -> Iterator[CodebookAgreement]:
    stated = stated_fields(gold)
    gold_type = gold.event_type.value
    kind = codebook.types.get(gold_type)
    if kind is not None and kind.subtypes and SUBTYPE_FIELD in stated:
        same = getattr(predicted, SUBTYPE_FIELD, None) == gold.sub_event_type
        yield CodebookAgreement(pair.gold, pair.predicted, SUBTYPE_FIELD, gold_type, float(same))
    for name, field in codebook.fields.items():
        if name in stated:
            # A prediction made under another codebook lacks the field: it said nothing.
            value = field_value_agreement(
                field, getattr(predicted, name, None), getattr(gold, name), label
            )
            yield CodebookAgreement(pair.gold, pair.predicted, name, gold_type, value)


def field_value_agreement(field: FieldSpec, predicted: Any, gold: Any, label: Label) -> float:
    """1 or 0 for an exact field, the set F1 for a list or multiple enum."""
    if scored_as(field) == SET_F1:
        found, wanted = predicted or [], gold or []
        if field.type == "list":
            return names_f1(found, wanted, label)
        return set_f1(set(found), set(wanted))
    if field.type == "string":
        return float(label.canonical(predicted) == label.canonical(gold))
    if gold is None or predicted is None:
        return float(gold is predicted)
    # bool is an int to Python: a gold True must not equal a predicted 1.
    return float(type(predicted) is type(gold) and predicted == gold)


def report_codebook(results: Sequence[ArticleResult]) -> Codebook:
    """The codebook the labels of an eval run follow (`news` for a run of nothing)."""
    if results:
        return results[0].score.item.codebook
    return Codebook.load(DEFAULT_CODEBOOK)


def codebook_wrong_fields(score: ArticleScore, pair: Match) -> dict[str, Any]:
    """Each field the codebook adds that the pair does not fully agree on, as
    {"field": {"gold": ..., "predicted": ...}} with JSON values."""
    if score.prediction is None:
        return {}
    gold = score.item.label.events[pair.gold].model_dump(mode="json")
    predicted = score.prediction.events[pair.predicted].model_dump(mode="json")
    return {
        agreement.field: {
            "gold": gold.get(agreement.field),
            "predicted": predicted.get(agreement.field),
        }
        for agreement in score.codebook_agreements
        if agreement.gold == pair.gold and agreement.value < 1.0
    }
