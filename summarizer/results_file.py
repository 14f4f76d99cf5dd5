"""Reading a results file back: the JSON Lines a run writes (`summarize --jsonl`, `-o`).

Each line is a result or an error record, both naming their article by `id`. The
review page, the labelling server and the event dataset read results files the
same way: every line that is not a JSON object is a problem of one line, and the
rest is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.errors import InputError, json_error_text


@dataclass(frozen=True)
class ResultLine:
    """One non-blank line of a results file: its record, or why it has none."""

    where: str  # "PATH:LINE", for messages
    number: int
    record: dict[str, Any] | None
    problem: str | None = None

    @property
    def article_id(self) -> str | None:
        """The id the record names; "article_id" is how results were keyed before "id"."""
        if self.record is None:
            return None
        found = self.record.get("id") or self.record.get("article_id")
        return str(found) if found else None


def iter_result_lines(path: Path) -> Iterator[ResultLine]:
    """The lines of a results file in order; InputError when it cannot be opened.

    >>> import tempfile, pathlib
    >>> results = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = results.write_text('{"id": "a"}\\n\\n[1]\\n', encoding="utf-8")
    >>> [(line.number, line.article_id) for line in iter_result_lines(results)]
    [(1, 'a'), (3, None)]
    """
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                why = (
                    json_error_text(error, within_line=True)
                    if isinstance(error, json.JSONDecodeError)
                    else str(error)
                )
                yield ResultLine(where, number, None, f"{where}: not a JSON line ({why})")
                continue
            if not isinstance(record, dict):
                found = type(record).__name__
                yield ResultLine(
                    where, number, None, f"{where}: expected a JSON object, found {found}"
                )
                continue
            yield ResultLine(where, number, record)
