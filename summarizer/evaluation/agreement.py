"""When a predicted event agrees with a gold event, field by field: one definition.

Matching weighs these agreements to decide which events are the same event, and the
field metrics count them over the matched pairs, so "the same place" or "the same
date" cannot mean one thing when pairing events and another when scoring them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence, Set
from dataclasses import dataclass
from enum import Enum

from summarizer.evaluation.dataset import Label
from summarizer.schema import EventFields, Fatalities, FatalityRange, Location


class DateAgreement(Enum):
    SAME = "same"  # equal, or neither has a date
    NEAR = "near"  # one day apart
    DIFFERENT = "different"  # further apart, or only one has a date


class PlaceAgreement(Enum):
    SAME = "same"  # the same place name; the same country when the gold names no place
    SAME_COUNTRY = "same_country"  # another place in the gold's country
    DIFFERENT = "different"


def date_agreement(predicted: dt.date | None, gold: dt.date | None) -> DateAgreement:
    if predicted == gold:
        return DateAgreement.SAME
    if predicted is not None and gold is not None and abs((predicted - gold).days) <= 1:
        return DateAgreement.NEAR
    return DateAgreement.DIFFERENT


def place_agreement(predicted: Location, gold: Location, label: Label) -> PlaceAgreement:
    """Names compared through the label's aliases; the place name decides before the country."""
    same_country = label.canonical(predicted.country) == label.canonical(gold.country)
    same_name = label.canonical(predicted.name) == label.canonical(gold.name)
    if same_name and (gold.name is not None or same_country):
        return PlaceAgreement.SAME
    if same_country and gold.country is not None:
        return PlaceAgreement.SAME_COUNTRY
    return PlaceAgreement.DIFFERENT


def actor_f1(predicted: Sequence[str], gold: Sequence[str], label: Label) -> float:
    """F1 of two actor sets after name normalisation; two empty sets agree fully."""
    return names_f1(predicted, gold, label)


def names_f1(predicted: Sequence[str], gold: Sequence[str], label: Label) -> float:
    """F1 of two sets of names compared through the label's aliases and the name
    normalisation; two empty sets agree fully."""
    return set_f1(
        {key for key in map(label.canonical, predicted) if key},
        {key for key in map(label.canonical, gold) if key},
    )


def set_f1(found: Set[str], wanted: Set[str]) -> float:
    """F1 of a predicted set against a gold set; two empty sets agree fully."""
    if not found and not wanted:
        return 1.0
    return 2 * len(found & wanted) / (len(found) + len(wanted))


def fatalities_agree(predicted: Fatalities, gold: Fatalities) -> bool:
    """Exact for a gold figure; for a gold range, a figure or range inside it."""
    if gold is None or predicted is None:
        return gold is None and predicted is None
    low, high = (gold.min, gold.max) if isinstance(gold, FatalityRange) else (gold, gold)
    if isinstance(predicted, FatalityRange):
        return low <= predicted.min and predicted.max <= high
    return low <= predicted <= high


@dataclass(frozen=True)
class FieldAgreement:
    """How far a predicted event agrees with a gold event on each scored field."""

    same_type: bool
    date: DateAgreement
    place: PlaceAgreement
    # None: the label's codebook switches the field off, so it is not scored.
    actor_f1: float | None
    same_fatalities: bool | None

    @property
    def same_date(self) -> bool:
        return self.date is DateAgreement.SAME

    @property
    def date_within_1d(self) -> bool:
        return self.date is not DateAgreement.DIFFERENT

    @property
    def same_place(self) -> bool:
        return self.place is PlaceAgreement.SAME

    @property
    def wrong_fields(self) -> tuple[str, ...]:
        """The schema names of the fields that do not agree fully, in schema order."""
        agrees = {
            "event_type": self.same_type,
            "date": self.same_date,
            "location": self.same_place,
            "actors": self.actor_f1 in (1.0, None),
            "fatalities": self.same_fatalities is not False,
        }
        return tuple(name for name, ok in agrees.items() if not ok)


def field_agreement(predicted: EventFields, gold: EventFields, label: Label) -> FieldAgreement:
    """A prediction missing a core field its gold event has (made under another
    codebook) agrees as an empty or null value would."""
    scored = type(gold).model_fields
    return FieldAgreement(
        same_type=predicted.event_type.value == gold.event_type.value,
        date=date_agreement(predicted.date, gold.date),
        place=place_agreement(predicted.location, gold.location, label),
        actor_f1=(
            actor_f1(getattr(predicted, "actors", []), gold.actors, label)
            if "actors" in scored
            else None
        ),
        same_fatalities=(
            fatalities_agree(getattr(predicted, "fatalities", None), gold.fatalities)
            if "fatalities" in scored
            else None
        ),
    )
