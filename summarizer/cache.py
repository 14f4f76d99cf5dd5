"""The result cache: validated results on disk, keyed by everything that shapes them.

A key covers the article text, the backend and its settings (model, endpoint,
mode, generation settings), the prompt version and the schema version; never an
API key. Results are stored as the model's JSON and validated again on the way
out, so a result that today's validators reject is a miss, not a wrong answer.

The cache is an optimisation, never a point of failure. A storage fault (a full
disk, a read-only file or mount, a lock held past its timeout, a damaged
database or entry) makes the cache degrade, not the run: a lookup that fails is
a miss, a result that cannot be stored is counted in `not_stored`, and each kind
of fault is logged once per cache object on the `summarizer.cache` logger, with
the `CacheFault` attached to the record as `cache_fault`. A database that cannot
be written is still read; a damaged one is neither read nor written once sqlite
reports the damage. Opening the cache reads no more than it must (a cached call
stays cheap at any size); `inspect_cache` checks the whole database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError

from summarizer.article import Article
from summarizer.backends.base import Backend, backend_codebook
from summarizer.errors import StorageError, validation_error_text
from summarizer.paths import user_dir
from summarizer.schema import ArticleSummary, ValidationContext, schema_version
from summarizer.storage import os_error_text

if TYPE_CHECKING:
    import diskcache

CACHE_DIR_ENV = "SUMMARIZER_CACHE_DIR"
# diskcache's database file inside the cache folder; sqlite keeps its write-ahead
# log and shared-memory index next to it under these suffixes.
DATABASE_NAME = "cache.db"
DATABASE_COMPANIONS = ("-wal", "-shm")
# diskcache's storage modes for a str value: in the row, or in a file of its own.
_MODE_IN_ROW, _MODE_TEXT_FILE = 1, 3
# Seconds a store waits for another process's write lock (diskcache's default):
# stores take milliseconds, so a lock held this long is a stuck process.
DEFAULT_TIMEOUT = 60.0

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).expanduser() if override else user_dir() / "cache"


def cache_key(article: Article, backend: Backend) -> str:
    material = {
        "article": article.text,
        # Told to the model apart from the text (a feed's dateline without a date, a
        # title, the language asked for), so part of what the answer depends on.
        "facts": [article.dateline, article.title, article.brief_language],
        "backend": backend.name,
        "settings": backend.settings,
        "prompt_version": backend.prompt_version,
        "schema_version": schema_version(),
        "codebook": backend_codebook(backend).hash,
    }
    encoded = json.dumps(material, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


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
            FaultKind.READ_ONLY: f"{where} cannot be written ({self.reason}); cached results "
            "are used, new results are not stored",
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


@dataclass(frozen=True)
class CacheInfo:
    """Where the cache is, what it holds (None when unreadable), its size, and its fault."""

    directory: Path
    entries: int | None
    size_bytes: int
    fault: CacheFault | None = None

    @property
    def state(self) -> str:
        return "ok" if self.fault is None else self.fault.kind.value


class ResultCache:
    """Validated results in a diskcache folder, safe to share between processes.

    Never raises for a storage fault: see the module's docstring.
    """

    def __init__(
        self, directory: Path | str | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """`timeout`: how long a store waits for another process's write lock."""
        import diskcache

        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._store_errors: tuple[type[BaseException], ...] = (
            sqlite3.Error,
            OSError,
            diskcache.Timeout,
        )
        self._timeout = timeout
        self._lock = threading.Lock()
        self._reported: set[FaultKind] = set()
        self._not_stored = 0
        self._reader: _Reader | None = None
        self._writer: diskcache.Cache | None = None
        self.fault: CacheFault | None = None
        # Turned off by a fault for the rest of the run; the connections stay open until close.
        self._reading = self._writing = False
        self._opened = self._writer_tried = False
        self._ready(create=False)

    def _ready(self, *, create: bool) -> bool:
        """Open the cache for reading if it exists; with `create` (to store), for writing
        too, creating it. Looking into a cache that does not exist yet finds it empty and
        creates nothing; the first result stored does. The writer (diskcache's, whose
        opening writes its settings) waits for the first store: a run the cache
        answers whole never opens it."""
        if not self._opened and (create or (self.directory / DATABASE_NAME).is_file()):
            self._opened = True
            self._reader, self._writer, self.fault = _open(
                self.directory, self._timeout, write=create
            )
            self._writer_tried = create or self._reader is None
            self._reading, self._writing = self._reader is not None, self._writer is not None
            if self.fault is not None:
                self._report(self.fault)
        elif create and self._opened and not self._writer_tried:
            self._writer_tried = True
            self._writer, self._reader, fault = _open_writer(
                self.directory, self._timeout, self._reader
            )
            self._reading, self._writing = self._reader is not None, self._writer is not None
            if fault is not None:
                self.fault = fault
                self._report(fault)
        return self._opened

    @property
    def not_stored(self) -> int:
        """How many results this cache was given and could not store."""
        return self._not_stored

    def get(
        self,
        key: str,
        context: ValidationContext,
        model: type[BaseModel] = ArticleSummary,
    ) -> ArticleSummary | None:
        """The result stored under `key`, validated as `model` (a codebook's
        `result_model`), or None."""
        if not self._ready(create=False) or self._reader is None or not self._reading:
            return None
        try:
            stored = self._reader.get(key)
        except _BadEntry as bad:
            self._report(CacheFault(FaultKind.BAD_ENTRY, self.directory, str(bad)))
            return None
        except self._store_errors as error:
            self._fail(error, FaultKind.UNREADABLE)
            return None
        if stored is None:
            return None
        try:
            # A codebook's result has the fields of an ArticleSummary (see Pipeline.accept).
            return cast(ArticleSummary, model.model_validate_json(stored, context=dict(context)))
        except ValidationError as error:
            problem = validation_error_text(error, limit=1)
            self._report(CacheFault(FaultKind.BAD_ENTRY, self.directory, problem))
            return None

    def put(self, key: str, summary: ArticleSummary) -> None:
        """Store a result; one that cannot be stored is counted, never raised."""
        if not self._ready(create=True) or self._writer is None or not self._writing:
            self._count_not_stored()
            return
        try:
            self._writer.set(key, summary.model_dump_json())
        except self._store_errors as error:
            self._count_not_stored()
            self._fail(error, FaultKind.UNWRITABLE)

    def __contains__(self, key: str) -> bool:
        """Whether an entry is stored under `key`, valid or not; False when unreadable."""
        if not self._ready(create=False) or self._reader is None or not self._reading:
            return False
        try:
            return self._reader.get(key) is not None
        except _BadEntry:
            return True
        except self._store_errors:
            return False

    def info(self) -> CacheInfo:
        if not self._ready(create=False):
            return CacheInfo(self.directory, 0, 0, None)
        entries = None
        if self._reader is not None and self._reading:
            try:
                entries = self._reader.count()
            except self._store_errors as error:
                self._fail(error, FaultKind.UNREADABLE)
        return CacheInfo(self.directory, entries, _folder_size(self.directory), self.fault)

    def clear(self, *, backend: str | None = None, model: str | None = None) -> int:
        """Delete the cached results (only those `backend` or `model` made, when given;
        both: those of that model on that backend); how many were deleted.

        Every result records the backend and model that made it, so one model's
        results can go while the others' stay. Raises StorageError when the cache
        cannot be written; a damaged database is not cleared but moved aside
        (`move_aside`).
        """
        if not self._ready(create=False):
            return 0
        self._ready(create=True)
        if self._writer is None or self._reader is None or not self._writing:
            reason = self.fault.reason if self.fault is not None else "closed"
            raise StorageError(f"cannot clear the cache at {self.directory}: {reason}")
        try:
            if backend is None and model is None:
                return int(self._writer.clear())
            chosen = [
                key
                for key in self._writer.iterkeys()
                if _made_by(self._reader, key, backend=backend, model=model)
            ]
            return sum(bool(self._writer.delete(key)) for key in chosen)
        except self._store_errors as error:
            raise StorageError(
                f"cannot clear the cache at {self.directory}: {describe_error(error)}"
            ) from None

    def close(self) -> None:
        # The reader first: the last connection to close folds the write-ahead log into
        # the database and deletes it, which a read-only connection cannot do.
        if self._reader is not None:
            self._reader.close()
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _fail(self, error: BaseException, kind: FaultKind) -> None:
        """A store error: damage stops reads and writes, a write fault stops writes."""
        if _is_damage(error):
            kind = FaultKind.DAMAGED
        fault = CacheFault(kind, self.directory, describe_error(error))
        if kind is FaultKind.DAMAGED:
            # Writing into a damaged database could spread the damage.
            self._reading = self._writing = False
            self.fault = fault
        elif kind is FaultKind.UNWRITABLE:
            # A full disk stays full, and a lock timeout costs a minute per store.
            self._writing = False
            self.fault = fault
        self._report(fault)

    def _count_not_stored(self) -> None:
        with self._lock:
            self._not_stored += 1

    def _report(self, fault: CacheFault) -> None:
        with self._lock:
            if fault.kind in self._reported:
                return
            self._reported.add(fault.kind)
        log.warning("%s", fault.message, extra={"cache_fault": fault})


def inspect_cache(directory: Path | str | None = None) -> CacheInfo:
    """The cache's info without reporting its fault as a warning (it is in the info).

    Checks the whole database's integrity (sqlite's quick check, which reads every
    page): what opening the cache for a run does not do.
    """
    folder = Path(directory) if directory is not None else default_cache_dir()
    if not (folder / DATABASE_NAME).exists():
        return CacheInfo(folder, 0, _folder_size(folder))  # created by the first run
    reader, writer, fault = _open(folder, DEFAULT_TIMEOUT)
    entries = None
    try:
        damage = reader.check() if reader is not None else None
        if damage is not None:
            fault = CacheFault(FaultKind.DAMAGED, folder, damage)
        elif reader is not None:
            entries = reader.count()
    except (sqlite3.Error, OSError) as error:
        kind = FaultKind.DAMAGED if _is_damage(error) else FaultKind.UNREADABLE
        fault = CacheFault(kind, folder, describe_error(error))
    finally:
        if reader is not None:
            reader.close()
        if writer is not None:
            writer.close()
    return CacheInfo(folder, entries, _folder_size(folder), fault)


def move_aside(directory: Path | str) -> list[Path]:
    """Rename the cache's database files with a timestamp (nothing is deleted); the new names.

    For a damaged database: the next run starts an empty one, and the old one
    stays for whoever wants to inspect or salvage it.
    """
    folder = Path(directory)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    moved_name, suffix = f"{DATABASE_NAME}.damaged-{stamp}", 1
    while (folder / moved_name).exists():
        suffix += 1
        moved_name = f"{DATABASE_NAME}.damaged-{stamp}-{suffix}"
    moved = []
    # The log and index move with the database under its new name (sqlite finds
    # them by name): left behind, a stale log would be replayed into the new one.
    for companion in ("", *DATABASE_COMPANIONS):
        source = folder / f"{DATABASE_NAME}{companion}"
        if not source.exists():
            continue
        target = folder / f"{moved_name}{companion}"
        try:
            source.rename(target)
        except OSError as error:
            raise StorageError(f"cannot move {source} aside: {describe_error(error)}") from None
        moved.append(target)
    return moved


def describe_error(error: BaseException) -> str:
    """A storage error in a few words: sqlite's message, or the OS error and its file."""
    if isinstance(error, OSError):
        return os_error_text(error)
    if type(error).__name__ == "Timeout":  # diskcache's, whose message is empty
        return "locked by another process for longer than its timeout"
    return str(error) or type(error).__name__


def _is_damage(error: BaseException) -> bool:
    # sqlite's SQLITE_CORRUPT and SQLITE_NOTADB arrive as the base DatabaseError;
    # full, read-only, locked and I/O errors as its OperationalError subclass.
    return type(error) is sqlite3.DatabaseError


def _made_by(reader: _Reader, key: str, *, backend: str | None, model: str | None) -> bool:
    """Whether the result under `key` was made by `backend` and `model` (None: any).

    Read as the text stored, never unpickled; an entry that cannot be read or
    parsed belongs to no one and stays (a full clear removes it).
    """
    try:
        stored = reader.get(key)
        document = json.loads(stored) if stored is not None else None
    except (_BadEntry, ValueError):
        return False
    if not isinstance(document, dict):
        return False
    return (backend is None or document.get("backend") == backend) and (
        model is None or document.get("model") == model
    )


class _BadEntry(Exception):
    """An entry this module cannot have stored: a damaged row, or a value file gone."""


class _Reader:
    """Reads diskcache's table over a connection of its own, which writes nothing.

    So a database that cannot be written (a read-only file or mount) can still
    answer, and a value is never unpickled: only the text we store is read.
    """

    def __init__(self, directory: Path) -> None:
        import diskcache

        self._disk = diskcache.Disk(str(directory))
        self._connection = _connect_read_only(directory / DATABASE_NAME)
        # One connection shared by the threads of a run (the event loop's and the caller's).
        self._lock = threading.Lock()

    def check(self) -> str | None:
        """What is damaged, or None: sqlite's quick check, which reads every page once."""
        with self._lock:
            (verdict,) = self._connection.execute("PRAGMA quick_check(1)").fetchone()
        if verdict == "ok":
            return None
        return " ".join(str(verdict).replace("*** in database main ***", "").split())

    def get(self, key: str) -> str | None:
        database_key, raw = self._disk.put(key)
        with self._lock:
            row = self._connection.execute(
                "SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = ? "
                "AND (expire_time IS NULL OR expire_time > ?)",
                (database_key, raw, time.time()),
            ).fetchone()
        if row is None:
            return None
        mode, filename, value = row
        if mode == _MODE_IN_ROW and isinstance(value, str):
            return value
        if mode == _MODE_TEXT_FILE and isinstance(filename, str):
            try:
                text = self._disk.fetch(mode, filename, value, False)
            except (OSError, UnicodeDecodeError) as error:
                raise _BadEntry(f"its file {filename}: {describe_error(error)}") from None
            return str(text)
        # Not what this module stores (text): damaged, and never unpickled.
        raise _BadEntry(f"stored as mode {mode!r}, not text")

    def count(self) -> int:
        with self._lock:
            (entries,) = self._connection.execute("SELECT COUNT(*) FROM Cache").fetchone()
        return int(entries)

    def close(self) -> None:
        self._connection.close()


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes the database, whatever the folder allows.

    `mode=ro` sees what other processes are writing, but needs the write-ahead
    log's index, which a read-only mount without one cannot create; there the
    database cannot change, so reading it as immutable is safe.
    """
    uri = path.resolve().as_uri()
    try:
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        connection = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    return connection


def _open(
    directory: Path, timeout: float, *, write: bool = True
) -> tuple[_Reader | None, diskcache.Cache | None, CacheFault | None]:
    """The cache's reader and writer, each None when it cannot work, and why; without
    `write`, the reader alone of a database that exists (`_open_writer` opens the writer)."""
    reader: _Reader | None = None
    if (directory / DATABASE_NAME).is_file():
        # No integrity check here: it reads every page, and every call that opens the
        # cache would pay for it. Damage sqlite meets in use is a fault then
        # (`ResultCache._fail`); `inspect_cache` (cache info, cache clear) checks it all.
        try:
            reader = _Reader(directory)
        except (sqlite3.Error, OSError) as error:
            kind = FaultKind.DAMAGED if _is_damage(error) else FaultKind.UNAVAILABLE
            return None, None, CacheFault(kind, directory, describe_error(error))
        if not write:
            return reader, None, None
    writer, reader, fault = _open_writer(directory, timeout, reader)
    return reader, writer, fault


def _open_writer(
    directory: Path, timeout: float, reader: _Reader | None
) -> tuple[diskcache.Cache | None, _Reader | None, CacheFault | None]:
    """The cache's writer (creating the database), the reader (opened now if there was
    none), each None when it cannot work, and why."""
    import diskcache

    try:
        writer = diskcache.Cache(str(directory), timeout=timeout)
    except (sqlite3.Error, OSError, diskcache.Timeout) as error:
        if _is_damage(error):
            if reader is not None:
                reader.close()
            return None, None, CacheFault(FaultKind.DAMAGED, directory, describe_error(error))
        # On a read-only mount sqlite may only say it is "unable to open database file".
        reason = (
            "read-only file system" if _on_read_only_mount(directory) else describe_error(error)
        )
        if reader is not None:
            try:
                reader.count()  # a database diskcache never finished creating has no table
            except sqlite3.Error:
                reader.close()
                reader = None
        if reader is None:
            return None, None, CacheFault(FaultKind.UNAVAILABLE, directory, reason)
        return None, reader, CacheFault(FaultKind.READ_ONLY, directory, reason)
    if reader is None:
        try:
            reader = _Reader(directory)
        except (sqlite3.Error, OSError) as error:
            writer.close()
            return None, None, CacheFault(FaultKind.UNAVAILABLE, directory, describe_error(error))
    return writer, reader, None


def _on_read_only_mount(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _folder_size(directory: Path) -> int:
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue  # removed meanwhile by another process
    return total
