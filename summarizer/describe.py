"""An event's fields as a person reads them: one formatter for run output and eval reports.

`event_text` gives each field's text (None where the event has no value), so a
terminal table, a Markdown table and a one-line description all show a date,
a place or a death toll the same way and choose only their own placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summarizer.schema import EventFields, Fatalities, FatalityRange, Location


@dataclass(frozen=True)
class EventText:
    """The text of each of an event's scored fields, named as the schema names them."""

    event_type: str
    date: str | None
    location: str | None
    actors: str | None
    fatalities: str | None
    summary: str


def event_text(event: EventFields) -> EventText:
    return EventText(
        event_type=event.event_type.value,
        date=_date_text(event),
        location=location_text(event.location),
        # A codebook may switch actors and fatalities off: its events have neither.
        actors=", ".join(getattr(event, "actors", None) or []) or None,
        fatalities=fatalities_text(getattr(event, "fatalities", None)),
        summary=event.summary,
    )


def describe_event(event: EventFields) -> str:
    """One line: "battle · 2017-05-25 · al-Baaj, Iraq · ISIS · fatalities 12: summary"."""
    text = event_text(event)
    parts = [
        text.event_type,
        text.date or "no date",
        text.location or "no place",
        text.actors or "no actors",
        f"fatalities {text.fatalities}" if text.fatalities else "no death toll",
    ]
    return " · ".join(parts) + f": {text.summary}"


def field_text(value: Any) -> str | None:
    """A codebook's extra field as a person reads it: list items joined, yes/no for
    a boolean; None when the event has no value."""
    if value is None or value == []:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


def location_text(location: Location) -> str | None:
    return ", ".join(part for part in (location.name, location.country) if part) or None


def fatalities_text(fatalities: Fatalities) -> str | None:
    if fatalities is None:
        return None
    if isinstance(fatalities, FatalityRange):
        return f"{fatalities.min}-{fatalities.max}"
    return str(fatalities)


def _date_text(event: EventFields) -> str | None:
    if event.date is None:
        return None
    if event.date_end is not None and event.date_end != event.date:
        return f"{event.date.isoformat()}..{event.date_end.isoformat()}"
    return event.date.isoformat()
