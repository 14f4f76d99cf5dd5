"""What can go wrong with the result cache's storage, in the words a run reports it.

Kept apart from the store (summarizer.cache) so the command line can name a
fault's kind without opening a cache.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from summarizer.storage import os_error_text

# sqlite's primary result code for a write to a read-only database (named in the
# sqlite3 module from Python 3.11 only).
SQLITE_READONLY = 8


class FaultKind(Enum):
    """What went wrong with the cache; each kind is reported once per run."""

    DAMAGED = "damaged"
    READ_ONLY = "read-only"
    UNWRITABLE = "unwritable"
    UNAVAILABLE = "unavailable"
    UNREADABLE = "unreadable"
    BAD_ENTRY = "bad entry"


@dataclass(frozen=True)
class CacheFault:
    """A storage fault of the cache at `directory`, and what the run does about it."""

    kind: FaultKind
    directory: Path
    reason: str

    @property
    def message(self) -> str:
        where = f"the cache at {self.directory}"
        consequence = {
            FaultKind.DAMAGED: f"{where} is damaged ({self.reason}); this run goes on without it",
            FaultKind.READ_ONLY: f"{where} cannot be written ({self.reason}); this run goes on "
            "without it",
            FaultKind.UNWRITABLE: f"{where} cannot be written ({self.reason}); results are not "
            "cached for the rest of this run",
            FaultKind.UNAVAILABLE: f"{where} cannot be opened ({self.reason}); this run goes on "
            "without it",
            FaultKind.UNREADABLE: f"{where} could not be read ({self.reason}); the article is "
            "summarized again",
            FaultKind.BAD_ENTRY: f"{where} holds a result that no longer parses or validates "
            f"({self.reason}); it is summarized again and replaced",
        }
        return consequence[self.kind]


def describe_error(error: BaseException) -> str:
    """A storage error in a few words: sqlite's message, or the OS error and its file."""
    if isinstance(error, OSError):
        return os_error_text(error)
    if type(error).__name__ == "Timeout":  # diskcache's, whose message is empty
        return "locked by another process for longer than its timeout"
    return str(error) or type(error).__name__


def is_damage(error: BaseException) -> bool:
    """Whether sqlite says the database itself is damaged (not full, locked or read-only)."""
    # sqlite's SQLITE_CORRUPT and SQLITE_NOTADB arrive as the base DatabaseError;
    # full, read-only, locked and I/O errors as its OperationalError subclass.
    return type(error) is sqlite3.DatabaseError


def read_only_reason(error: BaseException, directory: Path) -> str | None:
    """Why `error` came from a cache that cannot be written, or None when it did not."""
    # On a read-only mount sqlite may only say it is "unable to open database file".
    try:
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    # The primary code is the low byte of sqlite's extended one (SQLITE_READONLY_*).
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == SQLITE_READONLY:
        return describe_error(error)
    return None
