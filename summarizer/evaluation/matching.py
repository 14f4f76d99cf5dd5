"""Optimal event matching: which predicted event is which gold event.

Every predicted/gold pair gets a similarity in [0, 1] from four fields (type, date,
location, actors); the Hungarian method then picks the one-to-one assignment with
the greatest total similarity, and pairs below a minimum similarity are dropped:
they are a missed gold event and a spurious prediction, not one event described
wrongly. Greedy matching would let one good-looking pair steal the partner of
another; the optimal assignment cannot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.evaluation.agreement import (
    DateAgreement,
    FieldAgreement,
    PlaceAgreement,
    field_agreement,
)
from summarizer.evaluation.dataset import GoldEvent, Label
from summarizer.schema import EventFields

# How much each field says about "same event". Location and date identify an event
# best; the type is a judgement the model may get wrong about a real match, so any
# single wrong field (type, date or location) still leaves a pair matched, and the
# field metrics, not recall, record the mistake.
TYPE_WEIGHT = 0.25
DATE_WEIGHT = 0.25
LOCATION_WEIGHT = 0.3
ACTORS_WEIGHT = 0.2
# At least half the evidence must agree: type and date alone, or place and actors alone.
MINIMUM_SIMILARITY = 0.5
# Partial credit: a date one day off; a different place in the same country.
DATE_CREDIT = {DateAgreement.SAME: 1.0, DateAgreement.NEAR: 0.5, DateAgreement.DIFFERENT: 0.0}
PLACE_CREDIT = {
    PlaceAgreement.SAME: 1.0,
    PlaceAgreement.SAME_COUNTRY: 0.25,
    PlaceAgreement.DIFFERENT: 0.0,
}


@dataclass(frozen=True)
class Match:
    """A predicted event (index into the prediction) paired with a gold event (index)."""

    predicted: int
    gold: int
    similarity: float
    agreement: FieldAgreement


def assign(weights: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """The (row, column) pairs of a maximum-weight one-to-one assignment.

    Rectangular matrices are fine: every row or every column (whichever are fewer)
    is assigned. Hungarian method with potentials, O(n^2 m) for n <= m.

    >>> assign([[0.9, 0.1], [0.8, 0.7]])
    [(0, 0), (1, 1)]
    """
    rows = len(weights)
    columns = len(weights[0]) if rows else 0
    if any(len(row) != columns for row in weights):
        raise ValueError("every row of the weight matrix must have the same length")
    if rows == 0 or columns == 0:
        return []
    transposed = rows > columns
    # The algorithm needs rows <= columns; minimising the negated weights maximises them.
    cost = (
        [[-weights[r][c] for r in range(rows)] for c in range(columns)]
        if transposed
        else [[-value for value in row] for row in weights]
    )
    pairs = _minimum_cost_assignment(cost)
    return sorted((c, r) for r, c in pairs) if transposed else sorted(pairs)


def _minimum_cost_assignment(cost: list[list[float]]) -> list[tuple[int, int]]:
    """Assign each of n rows a distinct column of m >= n, minimising the total cost.

    Row potentials `u` and column potentials `v` keep every reduced cost
    cost[i][j] - u[i] - v[j] non-negative; each row joins along a shortest
    augmenting path in reduced costs (Dijkstra-like, dense). Index 0 is a
    sentinel column, so arrays are 1-based.
    """
    n, m = len(cost), len(cost[0])
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    owner = [0] * (m + 1)  # owner[j]: the row assigned to column j, 0 for none
    previous = [0] * (m + 1)  # the column before j on the current shortest path
    for row in range(1, n + 1):
        owner[0] = row
        column = 0
        distance = [math.inf] * (m + 1)
        visited = [False] * (m + 1)
        while owner[column] != 0:
            visited[column] = True
            current_row = owner[column]
            delta = math.inf
            nearest = 0
            for j in range(1, m + 1):
                if visited[j]:
                    continue
                reduced = cost[current_row - 1][j - 1] - u[current_row] - v[j]
                if reduced < distance[j]:
                    distance[j] = reduced
                    previous[j] = column
                if distance[j] < delta:
                    delta = distance[j]
                    nearest = j
            for j in range(m + 1):
                if visited[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    distance[j] -= delta
            column = nearest
        # Flip the augmenting path: each column on it takes the row of the one before.
        while column != 0:
            before = previous[column]
            owner[column] = owner[before]
            column = before
    return [(owner[j] - 1, j - 1) for j in range(1, m + 1) if owner[j] != 0]


def match_events(
    predicted: Sequence[EventFields],
    label: Label,
    *,
    minimum_similarity: float = MINIMUM_SIMILARITY,
) -> list[Match]:
    """The optimal one-to-one matching of predicted to gold events, sorted by gold index."""
    agreements = [[field_agreement(p, g, label) for g in label.events] for p in predicted]
    similarity = [[similarity_of(agreement) for agreement in row] for row in agreements]
    # Sub-minimum pairs weigh nothing, so they cannot pull the assignment their way.
    weights = [[s if s >= minimum_similarity else 0.0 for s in row] for row in similarity]
    matches = [
        Match(p, g, similarity[p][g], agreements[p][g])
        for p, g in assign(weights)
        if similarity[p][g] >= minimum_similarity
    ]
    return sorted(matches, key=lambda match: match.gold)


def event_similarity(predicted: EventFields, gold: GoldEvent, label: Label) -> float:
    """How alike two events are, 0..1, with names compared through the label's aliases."""
    return similarity_of(field_agreement(predicted, gold, label))


def similarity_of(agreement: FieldAgreement) -> float:
    """The weighted evidence that two events agreeing this far are one event."""
    return (
        TYPE_WEIGHT * agreement.same_type
        + DATE_WEIGHT * DATE_CREDIT[agreement.date]
        + LOCATION_WEIGHT * PLACE_CREDIT[agreement.place]
        + ACTORS_WEIGHT * (agreement.actor_f1 or 0.0)
    )
