"""Optimal event matching: the Hungarian method against brute force, and the similarity floor."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from summarizer.evaluation import Label, assign, match_events
from summarizer.evaluation.matching import MINIMUM_SIMILARITY, event_similarity
from summarizer.schema import EventFields, EventType, Location


def brute_force_best(weights: list[list[float]]) -> float:
    """The greatest total over every assignment of the smaller side."""
    rows, columns = len(weights), len(weights[0])
    if rows <= columns:
        return max(
            sum(weights[r][c] for r, c in enumerate(chosen))
            for chosen in itertools.permutations(range(columns), rows)
        )
    return max(
        sum(weights[r][c] for c, r in enumerate(chosen))
        for chosen in itertools.permutations(range(rows), columns)
    )


def random_weights(seed: int) -> list[list[float]]:
    generator = random.Random(seed)
    rows, columns = generator.randint(1, 6), generator.randint(1, 6)
    # Every third matrix draws from few values, so ties are common.
    if seed % 3 == 0:
        return [[float(generator.randint(0, 3)) for _ in range(columns)] for _ in range(rows)]
    return [[generator.uniform(-1, 1) for _ in range(columns)] for _ in range(rows)]


def test_hungarian_matches_brute_force_on_300_random_matrices() -> None:
    for seed in range(300):
        weights = random_weights(seed)
        rows, columns = len(weights), len(weights[0])

        pairs = assign(weights)

        assert len(pairs) == min(rows, columns), f"seed {seed}"
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs}), (
            f"seed {seed}"
        )
        assert all(0 <= r < rows and 0 <= c < columns for r, c in pairs), f"seed {seed}"
        total = sum(weights[r][c] for r, c in pairs)
        assert total == pytest.approx(brute_force_best(weights)), f"seed {seed}"


def test_assign_beats_greedy() -> None:
    # Greedy takes (0, 0) = 0.9 and is left with (1, 1) = 0.1; the optimum is 0.8 + 0.85.
    assert assign([[0.9, 0.8], [0.85, 0.1]]) == [(0, 1), (1, 0)]


def test_assign_edge_cases() -> None:
    assert assign([]) == []
    assert assign([[], []]) == []
    assert assign([[0.5]]) == [(0, 0)]
    with pytest.raises(ValueError, match="same length"):
        assign([[1.0, 2.0], [1.0]])


LABEL = Label.model_validate(
    {
        "id": "x",
        "published": "2019-04-12",
        "brief": "b",
        "aliases": {"Boko Haram": ["BH"], "Nigerian army": ["army", "troops"]},
        "events": [
            {
                "event_type": "battle",
                "date": "2019-04-10",
                "location": {"name": "Ngamdu", "country": "Nigeria"},
                "actors": ["Boko Haram", "Nigerian army"],
                "summary": "s",
            },
            {
                "event_type": "explosion_remote_violence",
                "date": "2019-04-11",
                "location": {"name": "Sambisa Forest", "country": "Nigeria"},
                "actors": ["Nigerian Air Force", "Boko Haram"],
                "summary": "s",
            },
        ],
    }
)


def event(**fields: object) -> EventFields:
    return EventFields.model_validate({"event_type": "battle", "summary": "s", **fields})


def test_identical_events_have_similarity_one_through_aliases() -> None:
    predicted = event(
        date=dt.date(2019, 4, 10),
        location=Location(name="NGAMDU", country="nigeria"),
        actors=["the BH", "Troops"],
    )

    assert event_similarity(predicted, LABEL.events[0], LABEL) == pytest.approx(1.0)


def test_pairs_below_the_minimum_similarity_do_not_match() -> None:
    # Same type, same country, different day and place, no shared actor: a different event.
    unrelated = event(
        date=dt.date(2019, 3, 1),
        location=Location(name="Maiduguri", country="Nigeria"),
        actors=["ISWAP"],
    )

    assert event_similarity(unrelated, LABEL.events[0], LABEL) < MINIMUM_SIMILARITY
    assert match_events([unrelated], LABEL) == []


def test_matching_is_one_to_one_and_optimal() -> None:
    first = event(
        event_type=EventType.EXPLOSION_REMOTE_VIOLENCE,
        date=dt.date(2019, 4, 11),
        location=Location(name="Sambisa Forest", country="Nigeria"),
        actors=["Nigerian Air Force", "Boko Haram"],
    )
    second = event(
        date=dt.date(2019, 4, 10),
        location=Location(name="Ngamdu", country="Nigeria"),
        actors=["Boko Haram"],
    )

    matches = match_events([first, second], LABEL)

    assert [(m.predicted, m.gold) for m in matches] == [(1, 0), (0, 1)]
