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
the `CacheFault` (summarizer.cache_faults) attached to the record as
`cache_fault`. A damaged database is neither read nor written once sqlite reports
the damage. Opening the cache reads no more than it must (a cached call stays
cheap at any size); `inspect_cache` checks the whole database.

Only diskcache's public API is used (`diskcache.Cache` and a `diskcache.Disk`
subclass). Its price: opening a `diskcache.Cache` writes its settings into the
database, so a database that cannot be written (a read-only file or mount) cannot
be opened to read either; it is reported as a `read-only` fault and the run goes
on without the cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError

from summarizer.article import Article
from summarizer.backends.base import Backend, backend_codebook
from summarizer.cache_faults import (
    CacheFault,
    FaultKind,
    describe_error,
    is_damage,
    read_only_reason,
)
from summarizer.errors import StorageError, validation_error_text
from summarizer.paths import user_dir
from summarizer.schema import ArticleSummary, ValidationContext, schema_version

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
        self._store: diskcache.Cache | None = None
        self.fault: CacheFault | None = None
        # Turned off by a fault for the rest of the run; the store stays open until close.
        self._reading = self._writing = False
        self._opened = False
        self._ready(create=False)

    def _ready(self, *, create: bool) -> bool:
        """Open the cache if it exists; with `create` (to store), creating it. Looking
        into a cache that does not exist yet finds it empty and creates nothing; the
        first result stored does."""
        if not self._opened and (create or (self.directory / DATABASE_NAME).is_file()):
            self._opened = True
            self._store, self.fault = _open(self.directory, self._timeout)
            self._reading = self._writing = self._store is not None
            if self.fault is not None:
                self._report(self.fault)
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
        if not self._ready(create=False) or self._store is None or not self._reading:
            return None
        try:
            stored = self._store.get(key)
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
        if not self._ready(create=True) or self._store is None or not self._writing:
            self._count_not_stored()
            return
        try:
            self._store.set(key, summary.model_dump_json())
        except self._store_errors as error:
            self._count_not_stored()
            self._fail(error, FaultKind.UNWRITABLE)

    def __contains__(self, key: str) -> bool:
        """Whether an entry is stored under `key`, valid or not; False when unreadable."""
        if not self._ready(create=False) or self._store is None or not self._reading:
            return False
        try:
            return key in self._store
        except self._store_errors:
            return False

    def info(self) -> CacheInfo:
        if not self._ready(create=False):
            return CacheInfo(self.directory, 0, 0, None)
        entries = None
        if self._store is not None and self._reading:
            try:
                entries = len(self._store)
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
        if self._store is None or not self._writing:
            reason = self.fault.reason if self.fault is not None else "closed"
            raise StorageError(f"cannot clear the cache at {self.directory}: {reason}")
        store = self._store
        try:
            if backend is None and model is None:
                return int(store.clear())
            chosen = [
                key
                for key in store.iterkeys()
                if _made_by(store, key, backend=backend, model=model)
            ]
            return sum(bool(store.delete(key)) for key in chosen)
        except self._store_errors as error:
            raise StorageError(
                f"cannot clear the cache at {self.directory}: {describe_error(error)}"
            ) from None

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _fail(self, error: BaseException, kind: FaultKind) -> None:
        """A store error: damage stops reads and writes, a write fault stops writes."""
        if is_damage(error):
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

    Checks the whole database (diskcache's `Cache.check`: sqlite's integrity check,
    which reads every page, and the value files): what opening the cache for a run
    does not do.
    """
    import diskcache

    folder = Path(directory) if directory is not None else default_cache_dir()
    if not (folder / DATABASE_NAME).exists():
        return CacheInfo(folder, 0, _folder_size(folder))  # created by the first run
    store, fault = _open(folder, DEFAULT_TIMEOUT)
    entries = None
    if store is not None:
        try:
            damage = _damage_found(store.check())
            if damage is not None:
                fault = CacheFault(FaultKind.DAMAGED, folder, damage)
            else:
                entries = len(store)
        except (sqlite3.Error, OSError, diskcache.Timeout) as error:
            kind = FaultKind.DAMAGED if is_damage(error) else FaultKind.UNREADABLE
            fault = CacheFault(kind, folder, describe_error(error))
        finally:
            store.close()
    return CacheInfo(folder, entries, _folder_size(folder), fault)


def _damage_found(warnings: list[Any]) -> str | None:
    """The first damage `Cache.check` warned of, in a few words; None when there is none.

    Files in the folder that no entry names (a database moved aside, say) and empty
    folders are not damage: they are left for whoever put them there.
    """
    import diskcache

    for warning in warnings:
        if issubclass(warning.category, (diskcache.UnknownFileWarning, diskcache.EmptyDirWarning)):
            continue
        return " ".join(str(warning.message).replace("*** in database main ***", "").split())
    return None


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


def _made_by(store: diskcache.Cache, key: str, *, backend: str | None, model: str | None) -> bool:
    """Whether the result under `key` was made by `backend` and `model` (None: any).

    Read as the text stored, never unpickled; an entry that cannot be read or
    parsed belongs to no one and stays (a full clear removes it).
    """
    try:
        stored = store.get(key)
        document = json.loads(stored) if isinstance(stored, str) else None
    except (_BadEntry, ValueError):
        return False
    if not isinstance(document, dict):
        return False
    return (backend is None or document.get("backend") == backend) and (
        model is None or document.get("model") == model
    )


class _BadEntry(Exception):
    """An entry this module cannot have stored: not text, or its value file gone."""


@functools.cache
def _text_only_disk() -> type[diskcache.Disk]:
    """diskcache's `Disk` that reads back only what this module stores (text), so a value
    is never unpickled; anything else is a `_BadEntry`.

    Made once, on first use: diskcache is imported only when a cache is opened.
    """
    import diskcache

    class TextOnlyDisk(diskcache.Disk):  # type: ignore[misc]
        def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
            if mode == _MODE_IN_ROW and isinstance(value, str):
                return value
            if mode == _MODE_TEXT_FILE and isinstance(filename, str):
                try:
                    return super().fetch(mode, filename, value, read)
                except (OSError, UnicodeDecodeError) as error:
                    raise _BadEntry(f"its file {filename}: {describe_error(error)}") from None
            raise _BadEntry(f"stored as mode {mode!r}, not text")

    return TextOnlyDisk


def _open(directory: Path, timeout: float) -> tuple[diskcache.Cache | None, CacheFault | None]:
    """The cache's store (creating the database), or None when it cannot work, and why.

    No integrity check here: it reads every page, and every call that opens the
    cache would pay for it. Damage sqlite meets in use is a fault then
    (`ResultCache._fail`); `inspect_cache` (cache info, cache clear) checks it all.
    """
    import diskcache

    try:
        # diskcache writes its settings at every opening, and the last connection to close
        # folds them into the database; with sqlite's fsync that costs 20 ms per opened
        # cache, 25 times a cached lookup (evals/bench_cache.py). Without it a crash of
        # the process loses nothing, a crash of the machine may damage the database,
        # which is then reported and moved aside like any damage: a cache can afford it.
        store = diskcache.Cache(
            str(directory), timeout=timeout, disk=_text_only_disk(), sqlite_synchronous=0
        )
        return store, None
    except (sqlite3.Error, OSError, diskcache.Timeout) as error:
        if is_damage(error):
            return None, CacheFault(FaultKind.DAMAGED, directory, describe_error(error))
        read_only = read_only_reason(error, directory)
        if read_only is not None and (directory / DATABASE_NAME).is_file():
            return None, CacheFault(FaultKind.READ_ONLY, directory, read_only)
        return None, CacheFault(
            FaultKind.UNAVAILABLE, directory, read_only or describe_error(error)
        )


def _folder_size(directory: Path) -> int:
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue  # removed meanwhile by another process
    return total
