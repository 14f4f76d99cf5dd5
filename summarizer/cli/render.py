"""Terminal tables (rich) of a result's events, for any command that shows one.

Imported inside commands only, so `summarize --help` does not load rich or the schema.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from summarizer.describe import event_text
from summarizer.schema import EventFields


def events_table(events: Sequence[EventFields]) -> Table:
    """One row an event: number, type, date, place, actors, deaths; "-" where none is given."""
    table = Table(expand=False)
    for column in ("#", "type", "date", "location", "actors", "deaths"):
        table.add_column(column, overflow="fold")
    for number, event in enumerate(events, start=1):
        text = event_text(event)
        table.add_row(
            str(number),
            text.event_type,
            text.date or "-",
            text.location or "-",
            text.actors or "-",
            text.fatalities or "-",
        )
    return table
