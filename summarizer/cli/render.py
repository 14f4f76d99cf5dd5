"""Terminal tables (rich) that never split a word, and the table of a result's events.

Imported inside commands only, so `summarize --help` does not load rich or the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.padding import Padding, PaddingDimensions
from rich.table import Table
from rich.text import Text

from summarizer.describe import event_text, field_text
from summarizer.schema import EventFields


class WordTable(Table):
    """A rich Table that wraps its cells between words only.

    Rich narrows a table that is too wide for the terminal column by column, down
    through the middle of words (`explosion_remot` / `e_violence`). This one gives
    each column at least its longest word, and shares what is left in proportion to
    what each column's longest cell wants. When even the longest words do not fit
    side by side, the rows are printed one field a line instead.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for column in self.columns:
            column.width = None  # the plan of an earlier, maybe wider, render
        padding = self.padding
        # Cells without their padding space before the rows go one field a line.
        for tried in (padding, (0, 0)):
            widths = self._word_widths(console, options, tried)
            if widths is not None:
                break
        else:
            yield from self._one_field_a_line(console)
            return
        for column, width in zip(self.columns, widths, strict=True):
            column.width = width
        self.padding = tried
        try:
            yield from super().__rich_console__(console, options)
        finally:
            self.padding = padding

    def fits(self, console: Console) -> bool:
        """Whether the rows fit the console as a table, no word split (else they are
        printed one field a line)."""
        return self._word_widths(console, console.options, (0, 0)) is not None

    def _word_widths(
        self, console: Console, options: ConsoleOptions, padding: PaddingDimensions
    ) -> list[int | None] | None:
        """Each column's width (None: as rich would make it) with this padding, or None
        when the longest words do not fit side by side."""
        _, right, _, left = Padding.unpack(padding)
        borders = (len(self.columns) + 1) if self.box and self.show_edge else len(self.columns) - 1
        room = options.max_width - borders - (left + right) * len(self.columns)
        shortest, longest = [], []
        for column in self.columns:
            measures = [
                Measurement.get(console, options, cell) for cell in (column.header, *column.cells)
            ]
            widest = max(measure.maximum for measure in measures)
            longest.append(widest)
            # An identifier column is as narrow as its longest cell; a text column as its
            # longest word.
            shortest.append(widest if column.no_wrap else max(m.minimum for m in measures))
        if sum(longest) <= room:
            return [None] * len(self.columns)
        if sum(shortest) > room:
            return None
        spare = room - sum(shortest)
        wants = [most - least for least, most in zip(shortest, longest, strict=True)]
        return [
            least + spare * want // sum(wants) for least, want in zip(shortest, wants, strict=True)
        ]

    def _one_field_a_line(self, console: Console) -> RenderResult:
        """Each row as `header: value` lines, which the console wraps between words."""
        if self.title:
            yield self.title
        columns = [(str(column.header), list(column.cells)) for column in self.columns]
        for index, row in enumerate(self.rows):
            for header, cells in columns:
                cell = cells[index]
                value = console.render_str(cell) if isinstance(cell, str) else Text(str(cell))
                yield Text.assemble((f"{header}: ", "bold"), value, style=row.style or "")
            yield ""


def events_table(events: Sequence[EventFields], extra_fields: Iterable[str] = ()) -> WordTable:
    """One row an event: number, type, date, place, actors, deaths, then a column per
    extra field of the codebook named; "-" where none is given."""
    table = WordTable(expand=False)
    extras = list(extra_fields)
    for column in ("#", "type", "date", "location", "actors", "deaths", *extras):
        table.add_column(column)
    for number, event in enumerate(events, start=1):
        text = event_text(event)
        table.add_row(
            str(number),
            text.event_type,
            text.date or "-",
            text.location or "-",
            text.actors or "-",
            text.fatalities or "-",
            *(field_text(getattr(event, name, None)) or "-" for name in extras),
        )
    return table


def fitting_events_table(
    console: Console, events: Sequence[EventFields], extra_fields: Sequence[str]
) -> WordTable:
    """The events table with the codebook's extra fields when the terminal is wide
    enough for them, else without (the JSON output always holds them)."""
    if extra_fields:
        wide = events_table(events, extra_fields)
        if wide.fits(console):
            return wide
    return events_table(events)
