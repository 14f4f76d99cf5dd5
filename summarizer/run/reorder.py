"""Handing records out in input order, when asked to, with a bounded buffer."""

from __future__ import annotations

from summarizer.run.records import Record


class Reorder:
    """Hands records out in input order (when asked to), holding early finishers."""

    def __init__(self, *, ordered: bool, window: int) -> None:
        self.ordered = ordered
        self.window = window
        self.next_index = 0
        self._held: dict[int, Record] = {}

    def has_room(self, taken: int) -> bool:
        return not self.ordered or taken - self.next_index < self.window

    def push(self, index: int, record: Record) -> list[Record]:
        if not self.ordered:
            return [record]
        self._held[index] = record
        released = []
        while self.next_index in self._held:
            released.append(self._held.pop(self.next_index))
            self.next_index += 1
        return released

    def flush(self) -> list[Record]:
        """Everything held, in input order, gaps skipped: for a run that stops early."""
        released = [self._held[index] for index in sorted(self._held)]
        self._held.clear()
        return released
