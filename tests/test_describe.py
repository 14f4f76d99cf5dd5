"""One formatter of an event's fields: the text line, the terminal table, the eval report."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from rich.console import Console

from summarizer.cli.eval_tables import metrics_table
from summarizer.cli.render import events_table
from summarizer.describe import describe_event, event_text
from summarizer.evaluation.metrics import HEADLINE_METRICS, SANITY_CHECKS
from summarizer.schema import EventFields, EventType, FatalityRange, Location

SPANNING = EventFields(
    event_type=EventType.BATTLE,
    date=dt.date(2017, 5, 25),
    date_end=dt.date(2017, 5, 27),
    location=Location(name="Baaj", country="Iraq"),
    actors=["Popular Mobilization Forces", "Islamic State"],
    fatalities=FatalityRange(min=7, max=11),
    summary="Militias advanced on Baaj.",
)
BARE = EventFields(event_type=EventType.OTHER, summary="Something happened | somewhere.")


def test_event_text_gives_each_field_or_none() -> None:
    spanning, bare = event_text(SPANNING), event_text(BARE)

    assert spanning.date == "2017-05-25..2017-05-27"
    assert spanning.location == "Baaj, Iraq"
    assert spanning.actors == "Popular Mobilization Forces, Islamic State"
    assert spanning.fatalities == "7-11"
    assert (bare.date, bare.location, bare.actors, bare.fatalities) == (None, None, None, None)
    assert event_text(BARE.model_copy(update={"fatalities": 0})).fatalities == "0"
    assert event_text(BARE.model_copy(update={"location": Location(country="Mali")})).location == (
        "Mali"
    )


def test_describe_event_is_one_line_with_words_for_what_is_missing() -> None:
    assert describe_event(SPANNING) == (
        "battle · 2017-05-25..2017-05-27 · Baaj, Iraq · Popular Mobilization Forces, "
        "Islamic State · fatalities 7-11: Militias advanced on Baaj."
    )
    assert describe_event(BARE) == (
        "other · no date · no place · no actors · no death toll: Something happened | somewhere."
    )


def test_the_events_table_shows_the_same_texts() -> None:
    console = Console(record=True, width=200)

    console.print(events_table([SPANNING, BARE]))

    text = console.export_text()
    rows = [line for line in text.splitlines() if "│" in line]
    cells = [[cell.strip() for cell in row.split("│")[1:-1]] for row in rows]
    assert "┃ # ┃ type" in text
    assert cells[0] == [
        "1",
        "battle",
        "2017-05-25..2017-05-27",
        "Baaj, Iraq",
        "Popular Mobilization Forces, Islamic State",
        "7-11",
    ]
    assert cells[1] == ["2", "other", "-", "-", "-", "-"]


WIDE = EventFields(
    event_type=EventType.EXPLOSION_REMOTE_VIOLENCE,
    date=dt.date(2018, 3, 5),
    location=Location(name="Maiduguri, Borno State", country="Nigeria"),
    actors=["Nigerian police", "Boko Haram", "civilians", "Multinational Joint Task Force"],
    fatalities=34,
    summary="Twin bombings hit a fish market.",
)


@pytest.mark.parametrize("width", [200, 100, 80, 64, 40])
def test_no_terminal_width_splits_a_word_of_the_events_table(width: int) -> None:
    console = Console(record=True, width=width)

    console.print(events_table([WIDE, SPANNING]))

    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    texts = [event_text(event) for event in (WIDE, SPANNING)]
    fields = [(t.event_type, t.date, t.location, t.actors, t.fatalities) for t in texts]
    words = {word for row in fields for field in row if field for word in field.split()}
    found = set(re.findall(r"[^\s│┃]+", text))
    assert words <= found, sorted(words - found)


def test_no_terminal_width_splits_a_metric_name() -> None:
    metrics = {name: 0.5 for name in (*HEADLINE_METRICS, *SANITY_CHECKS)}
    for width in (100, 50, 30):
        console = Console(record=True, width=width)
        console.print(metrics_table(metrics, dict.fromkeys(metrics, 12)))
        found = set(re.findall(r"[^\s│┃]+", console.export_text()))
        assert set(HEADLINE_METRICS) <= found, width
