"""Writing files a reader can always trust: whole lines, whole reports, or one clear error.

A disk that fills up, a read-only mount or a vanished folder raises
`StorageError`, whose message names the path and the OS error. What was
written before stays valid: a JSON Lines file never ends in half a line, and a
report is replaced only once its new text is entirely on disk.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TextIO

from summarizer.errors import ConfigurationError, StorageError


def os_error_text(error: OSError) -> str:
    """The OS's words for an error, without Python's `[Errno N]` prefix.

    From the error number when there is one: a library may have put its own
    sentence (with the path again) where the OS's words go.
    """
    if error.errno:
        return os.strerror(error.errno)
    return error.strerror or str(error)


class LineFile:
    """A file written a whole line at a time: a line the disk refuses is taken back.

    Unbuffered, so each line reaches the OS as it is written (a reader sees it,
    a kill loses nothing written) and a failure is known at the line that caused it.
    """

    def __init__(self, raw: io.RawIOBase, name: str) -> None:
        self._raw = raw
        self.name = name
        # Only a regular file can be cut back; a pipe's reader has what it has.
        self._cuttable = stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
        # The end of the last whole line: where the file is cut back to after a failure.
        self._whole = os.lseek(raw.fileno(), 0, os.SEEK_CUR) if self._cuttable else 0

    @classmethod
    def create(cls, path: Path) -> LineFile:
        """A new, empty file at `path`, its folders made as needed (an existing file is
        replaced)."""
        try:
            _make_folder_of(path)
            raw = path.open("wb", buffering=0)
        except OSError as error:
            raise StorageError(f"cannot write to {path}: {os_error_text(error)}") from None
        return cls(raw, str(path))

    def write_line(self, line: str) -> None:
        data = (line + "\n").encode("utf-8")
        written = 0
        try:
            while written < len(data):
                # A raw write may take only part of the data (a disk filling up) and
                # fail on the next call; the loop gets to that failure.
                count = self._raw.write(data[written:])
                if not count:  # a non-blocking pipe that is full: waiting here would spin
                    raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
                written += count
        except OSError as error:
            self._cut_back()
            raise StorageError(f"cannot write to {self.name}: {os_error_text(error)}") from None
        self._whole += len(data)

    def _cut_back(self) -> None:
        if not self._cuttable:
            return
        # Shrinking a file needs no free space; if even this fails there is no
        # better place to report it than the error already being raised.
        with contextlib.suppress(OSError):
            os.ftruncate(self._raw.fileno(), self._whole)
            os.lseek(self._raw.fileno(), self._whole, os.SEEK_SET)

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> LineFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class StreamLines:
    """Lines to a text stream, each flushed; a failed write is a StorageError.

    For a stream that is not a file of its own: a terminal (where a live progress
    bar may stand in for it) or a test's captured output.
    """

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self.name = name

    def write_line(self, line: str) -> None:
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except OSError as error:
            raise StorageError(f"cannot write to {self.name}: {os_error_text(error)}") from None

    def __enter__(self) -> StreamLines:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """The stream belongs to the caller and stays open."""


def lines_to(stream: TextIO, name: str) -> LineFile | StreamLines:
    """Whole lines to an open stream: through its file descriptor when it is a file or pipe.

    Standard output redirected to a file gets what a named output gets: a line
    the disk refuses is taken back, never left half written.
    """
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return StreamLines(stream, name)
    if os.isatty(descriptor):
        return StreamLines(stream, name)
    stream.flush()  # what the stream holds goes before the lines written past it
    return LineFile(io.FileIO(descriptor, "wb", closefd=False), name)


def _make_folder_of(path: Path) -> None:
    """Make the folder `path` goes in, when there is none.

    A folder name taken by a file is left alone: writing the file then fails with
    the OS's own words for it ("Not a directory").
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """A binary stream that replaces `path` once it is closed without an error.

    The bytes go to a new file in the same folder first (so the rename cannot
    cross file systems), flushed to disk before the rename, and the folder is
    synced after it; a failure removes the new file and leaves `path` as it was.
    A reader sees the old file or the new one, never part of one.

    A new file gets the mode any program's new file gets (0o666 less the umask),
    a replaced one keeps its own: a page sent to colleagues stays readable by them.
    """
    _make_folder_of(path)
    descriptor, temporary = _new_file_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(stream.fileno(), stat.S_IMODE(os.stat(path).st_mode))
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _new_file_beside(path: Path) -> tuple[int, str]:
    """A new, hidden file in `path`'s folder, opened for writing: its descriptor and name.

    Not `tempfile.mkstemp`, whose files are private (0o600) whatever the umask.
    """
    while True:
        temporary = str(path.parent / f".{path.name}.{secrets.token_hex(6)}")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:  # 48 random bits taken: draw again
            continue


def _sync_directory(directory: Path) -> None:
    """Makes a rename durable: without it, a crash may bring back the old file."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomically(path: Path, text: str | bytes) -> None:
    """Replace `path` with `text` (UTF-8) or bytes all at once (`atomic_writer`); a disk
    that refuses raises StorageError naming the path and the OS error."""
    with _storage_error(path), atomic_writer(path) as stream:
        stream.write(text.encode("utf-8") if isinstance(text, str) else text)


def copy_atomically(source: Path, path: Path) -> None:
    """Replace `path` with a copy of `source`, as `write_atomically` does, a block at a time."""
    with _storage_error(path), source.open("rb") as original, atomic_writer(path) as stream:
        shutil.copyfileobj(original, stream)


@contextlib.contextmanager
def _storage_error(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise StorageError(f"cannot write {path}: {os_error_text(error)}") from None


def refuse_overwriting_inputs(outputs: Iterable[Path | None], inputs: Iterable[Path]) -> None:
    """Raise ConfigurationError when an output is one of the inputs: checked before a
    command reads or writes anything, so `summarize feed.jsonl -o feed.jsonl` cannot
    empty the feed.

    The same file through a symbolic or hard link counts: existing files are
    compared by device and inode, paths not there yet by their resolved form.
    """
    by_identity = {_file_identity(path): path for path in inputs}
    for output in outputs:
        if output is None:
            continue
        clobbered = by_identity.get(_file_identity(output))
        if clobbered is not None:
            raise ConfigurationError(
                f"the output {output} is the input {clobbered}: give another output path "
                "(nothing was read or written)"
            )


def _file_identity(path: Path) -> tuple[int, int] | str:
    try:
        found = os.stat(path)
    except OSError:
        return os.path.realpath(path)
    return (found.st_dev, found.st_ino)
