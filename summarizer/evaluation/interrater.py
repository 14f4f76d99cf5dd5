"""How far two people's labels of the same articles agree, field by field.

The events of the first folder's label are matched to the second's with the eval's
own matching (`match_events`, names compared through the second label's aliases),
and each matched pair is compared with the eval's own field agreement, so "the same
place" means here what it means in a score. Extra codebook fields are compared
where both labels state them (a list as a set: the order of values is no
disagreement). Event type agreement also gets Cohen's kappa, which discounts the
agreement two coders would reach by chance with their own type frequencies.

    agreement = compare_labels(load_dataset("labels-ann"), load_dataset("labels-bo"))
    agreement.fields["event_type"].rate
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from summarizer.codebook.format import CORE_FIELDS, LABEL_KEYS
from summarizer.evaluation.agreement import field_agreement
from summarizer.evaluation.dataset import Dataset, Label
from summarizer.evaluation.matching import match_events
from summarizer.evaluation.metrics import rouge_l_f1


@dataclass
class FieldTally:
    """Agreement on one field over the pairs that state it: a sum of agreement (1 per
    agreeing pair; actors add their F1) and the number of pairs compared."""

    agreed: float = 0.0
    compared: int = 0

    def add(self, value: float) -> None:
        self.agreed += value
        self.compared += 1

    @property
    def rate(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


@dataclass
class LabelAgreement:
    """Two label folders compared over the articles both label."""

    articles: list[str] = field(default_factory=list)
    only_first: list[str] = field(default_factory=list)
    only_second: list[str] = field(default_factory=list)
    events_first: int = 0
    events_second: int = 0
    matched: int = 0
    fields: dict[str, FieldTally] = field(default_factory=dict)
    brief_rouge_l: FieldTally = field(default_factory=FieldTally)
    type_pairs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def event_f1(self) -> float | None:
        """Matched events over both folders' events: 1.0 when each saw the same events."""
        total = self.events_first + self.events_second
        return 2 * self.matched / total if total else None

    @property
    def type_kappa(self) -> float | None:
        """Cohen's kappa of the event types of the matched pairs; None when chance
        agreement is already total (one type only) or nothing was matched."""
        pairs = self.type_pairs
        if not pairs:
            return None
        observed = sum(first == second for first, second in pairs) / len(pairs)
        firsts = Counter(first for first, _ in pairs)
        seconds = Counter(second for _, second in pairs)
        chance = sum(firsts[kind] * seconds[kind] for kind in firsts) / len(pairs) ** 2
        return None if chance == 1 else (observed - chance) / (1 - chance)

    def tally(self, name: str) -> FieldTally:
        return self.fields.setdefault(name, FieldTally())

    def as_json(self) -> dict[str, Any]:
        return {
            "articles": len(self.articles),
            "only_first": self.only_first,
            "only_second": self.only_second,
            "events_first": self.events_first,
            "events_second": self.events_second,
            "events_matched": self.matched,
            "event_f1": self.event_f1,
            "event_type_kappa": self.type_kappa,
            "brief_rouge_l": {
                "value": self.brief_rouge_l.rate,
                "count": self.brief_rouge_l.compared,
            },
            "fields": {
                name: {"agreement": tally.rate, "pairs": tally.compared}
                for name, tally in self.fields.items()
            },
        }


# Scored core fields in the contract's order, then the label's own key.
_CORE_ORDER = ("event_type", "sub_event_type", "date", "location", "actors", "fatalities")
_NOT_COMPARED = frozenset({*CORE_FIELDS, *LABEL_KEYS})


def compare_labels(first: Dataset, second: Dataset) -> LabelAgreement:
    """Per-field agreement of two data sets' labels for the articles both hold."""
    ours = {item.id: item.label for item in first}
    theirs = {item.id: item.label for item in second}
    result = LabelAgreement(
        articles=sorted(ours.keys() & theirs.keys()),
        only_first=sorted(ours.keys() - theirs.keys()),
        only_second=sorted(theirs.keys() - ours.keys()),
    )
    for name in (*_CORE_ORDER, "required"):
        result.tally(name)
    for article_id in result.articles:
        _compare_article(ours[article_id], theirs[article_id], result)
    return result


def _compare_article(first: Label, second: Label, result: LabelAgreement) -> None:
    result.events_first += len(first.events)
    result.events_second += len(second.events)
    result.brief_rouge_l.add(rouge_l_f1(first.brief, second.brief))
    for match in match_events(first.events, second):
        ours, theirs = first.events[match.predicted], second.events[match.gold]
        agreement = field_agreement(ours, theirs, second)
        result.matched += 1
        result.type_pairs.append((_value(ours.event_type), _value(theirs.event_type)))
        result.tally("event_type").add(agreement.same_type)
        result.tally("sub_event_type").add(ours.sub_event_type == theirs.sub_event_type)
        result.tally("date").add(agreement.same_date)
        result.tally("location").add(agreement.same_place)
        # A core field the codebook switches off has no agreement to count.
        if agreement.actor_f1 is not None:
            result.tally("actors").add(agreement.actor_f1)
        if agreement.same_fatalities is not None:
            result.tally("fatalities").add(agreement.same_fatalities)
        result.tally("required").add(ours.required == theirs.required)
        stated = ours.model_fields_set & theirs.model_fields_set
        for name in type(theirs).model_fields:
            if name in stated and name not in _NOT_COMPARED:
                same = _comparable(getattr(ours, name)) == _comparable(getattr(theirs, name))
                result.tally(name).add(same)


def _value(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


def _comparable(value: Any) -> Any:
    """A list compares as a set of its items: the order two people list them in is no
    disagreement."""
    if isinstance(value, list):
        return frozenset(map(str, value))
    return getattr(value, "value", value)
