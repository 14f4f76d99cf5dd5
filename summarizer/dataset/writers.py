"""The dataset's files: events as CSV, Parquet or GeoJSON, mentions.csv, the merge
explanations, and the count of what changed since a previous build.

CSV cells are plain text: an empty cell is no value, numbers as Python writes them.
The Parquet file has the same columns (strings, integers, floats; null for empty)
and needs pyarrow, the optional extra `summarizer[parquet]`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.errors import ConfigurationError, InputError
from summarizer.storage import write_atomically

FORMATS = (".csv", ".parquet", ".geojson")
MENTIONS_NAME = "mentions.csv"
PARQUET_EXTRA_HINT = "Parquet output needs pyarrow: pip install 'summarizer[parquet]'"


def cell(value: Any) -> str:
    """A value as a CSV cell: empty for none.

    >>> cell(None), cell(3), cell(36.34), cell("Mosul")
    ('', '3', '36.34', 'Mosul')
    """
    return "" if value is None else str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in columns])
    return buffer.getvalue()


def write_events(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> int:
    """Write the events in the format of the path's extension; returns the rows written
    (for GeoJSON, the events with coordinates). ConfigurationError for an unknown
    extension, or for Parquet without pyarrow."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_atomically(path, csv_text(columns, rows))
        return len(rows)
    if suffix == ".geojson":
        features = [_feature(columns, row) for row in rows if row.get("latitude") is not None]
        document = {"type": "FeatureCollection", "features": features}
        write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        return len(features)
    if suffix == ".parquet":
        write_atomically(path, _parquet_bytes(columns, rows))
        return len(rows)
    raise ConfigurationError(
        f"{path}: unknown output format {suffix or '(no extension)'!r}; "
        f"use one of {', '.join(FORMATS)}"
    )


def _feature(columns: Sequence[str], row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row["event_id"],
        # GeoJSON orders a position longitude first.
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": {name: row.get(name) for name in columns},
    }


def _parquet_bytes(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigurationError(PARQUET_EXTRA_HINT) from None
    # Values are str, int, float or None; a column mixing kinds (an extra field) is text.
    table_columns = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        kinds = {type(value) for value in values if value is not None}
        if len(kinds) > 1 and kinds != {int, float}:
            values = [None if value is None else str(value) for value in values]
        table_columns[name] = values
    buffer = io.BytesIO()
    pq.write_table(pa.table(table_columns), buffer)
    return buffer.getvalue()


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file this module wrote (a previous events.csv or mentions.csv)."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{path}: not a CSV file ({error})") from None
    if rows and "event_id" not in rows[0]:
        raise InputError(f"{path}: no event_id column; not a dataset this command wrote")
    return rows


@dataclass(frozen=True)
class Changes:
    """How a rebuilt dataset differs from a previous one, row by row (by event_id)."""

    new: int
    changed: int
    unchanged: int
    removed: int

    def describe(self) -> str:
        return (
            f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.removed} removed"
        )


def compare_rows(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    previous: Sequence[Mapping[str, str]],
) -> Changes:
    """Rows compared by event_id, cell by cell as the CSV writes them."""
    before = {row["event_id"]: row for row in previous}
    new = changed = 0
    for row in rows:
        old = before.get(row["event_id"])
        if old is None:
            new += 1
        elif any(cell(row.get(name)) != old.get(name, "") for name in columns):
            changed += 1
    kept = len(rows) - new
    current = {row["event_id"] for row in rows}
    removed = sum(1 for event_id in before if event_id not in current)
    return Changes(new=new, changed=changed, unchanged=kept - changed, removed=removed)
