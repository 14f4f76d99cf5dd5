"""Cache faults on standard error: one `Warning:` line each, saying what to do about it.

The cache reports a fault once per run on the `summarizer.cache` logger (see
summarizer.cache); this adds the command-line remedy. It imports nothing heavy,
as it is installed before any command runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import click

CACHE_LOGGER = "summarizer.cache"
# By FaultKind value; the consequence for the run is in the message already.
REMEDIES = {
    "damaged": "Run `summarize cache clear` to move it aside.",
    "read-only": "Free space or make it writable, or use --cache-dir or --no-cache.",
    "unwritable": "Free space or make it writable, or use --cache-dir or --no-cache.",
    "unavailable": "Check the folder, or use --cache-dir or --no-cache.",
}


class CacheWarningLines(logging.Handler):
    """Prints each cache warning as one `Warning:` line on standard error."""

    def emit(self, record: logging.LogRecord) -> None:
        fault = getattr(record, "cache_fault", None)
        kind = getattr(getattr(fault, "kind", None), "value", None)
        remedy = REMEDIES.get(kind) if isinstance(kind, str) else None
        line = f"Warning: {record.getMessage()}."
        # Resolved at each line, not at start-up: a live progress bar swaps stderr.
        click.echo(f"{line} {remedy}" if remedy else line, err=True)


@contextmanager
def cache_warnings_on_stderr() -> Iterator[None]:
    """While the command runs, cache warnings go to stderr as lines, and nowhere else."""
    logger = logging.getLogger(CACHE_LOGGER)
    handler = CacheWarningLines(logging.WARNING)
    propagated = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagated
