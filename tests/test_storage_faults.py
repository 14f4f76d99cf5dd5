"""Storage faults, injected for real: the cache never costs a result, and output never half a line.

Each run is a real `summarize` process with the offline backend. The faults are
the machine's own: a tmpfs too small for the cache or the output (root), a
read-only bind mount (root), `chattr +i` on the database (root, on a file
system that supports it), bytes overwritten in the database file, a folder that
cannot be created, a write lock another connection holds. Tests that need root
or a mount skip with the reason when the machine does not allow it.

Every fault must end in one line (a `Warning:` for the cache, an `Error:` for
the output) and the expected exit code, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from summarizer.article import Article
from summarizer.cache import DATABASE_NAME, ResultCache, inspect_cache
from summarizer.cache_faults import FaultKind
from summarizer.pipeline import open_pipeline
from tests.conftest import REPO_ROOT, SEEDS

# Real processes on real faulty storage: end-to-end, run by `pytest -m slow` (and CI).
pytestmark = pytest.mark.slow

SEED_TEXTS = sorted((SEEDS / "articles").glob("*.txt"))
OFFLINE = ("--backend", "offline")
# A run of a few hundred articles takes seconds offline; this only stops a hang.
RUN_TIMEOUT = 300


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: str
    stderr: str

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(prefix)]


def summarize(*args: str | Path, stdout: int | None = None) -> Finished:
    """`summarize ARGS` as a process of its own, as a user runs it."""
    completed = subprocess.run(
        [sys.executable, "-c", "from summarizer.cli import main; main()", *map(str, args)],
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=RUN_TIMEOUT,
        cwd=REPO_ROOT,
        check=False,
    )
    assert "Traceback" not in completed.stderr, completed.stderr
    return Finished(completed.returncode, completed.stdout or "", completed.stderr)


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from summarizer.cli import main; main()", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def write_feed(path: Path, numbers: range) -> Path:
    """JSON Lines of seed articles, each made unique by a closing line (so each has its key)."""
    lines = []
    for number in numbers:
        text = SEED_TEXTS[number % len(SEED_TEXTS)].read_text(encoding="utf-8").rstrip()
        text += f"\n\nThis is copy {number} of the story."
        lines.append(json.dumps({"id": f"a-{number}", "text": text}) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """Every line parsed; the file must end with a whole line (or be empty)."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), f"{path} ends in half a line: {data[-60:]!r}"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def ids_of(records: list[dict[str, object]]) -> list[object]:
    return sorted(record["id"] for record in records)


def cached_count(run: Finished) -> int:
    """The `(N from the cache)` of a run's summary line, 0 when absent."""
    found = re.search(r"done \((\d+) from the cache\)", run.stderr)
    return int(found.group(1)) if found else 0


def not_cached_count(run: Finished) -> int:
    found = re.search(r"^(\d+) result\(s\) could not be cached", run.stderr, re.MULTILINE)
    return int(found.group(1)) if found else 0


# -- the machine's faults ---------------------------------------------------------------


def _run_quietly(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _need_root(what: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"{what} needs root")


def _unmount(target: Path) -> None:
    if _run_quietly("umount", str(target)).returncode != 0:
        # Something still holds a file open there; detach it so the test folder can go.
        _run_quietly("umount", "-l", str(target))


@pytest.fixture
def mounts() -> Iterator[ExitStack]:
    """Mounts made by a test, undone (unmounted) at its end, whatever happened."""
    with ExitStack() as stack:
        yield stack


def small_disk(mounts: ExitStack, folder: Path, size: str) -> Path:
    """A tmpfs of `size` at `folder`: a disk that fills up for real."""
    _need_root("mounting a tmpfs")
    folder.mkdir(parents=True, exist_ok=True)
    done = _run_quietly("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    mounts.callback(_unmount, folder)
    return folder


def read_only_mount(mounts: ExitStack, folder: Path) -> Path:
    """`folder` bound onto itself read-only: nothing in it can be written, even by root."""
    _need_root("a read-only bind mount")
    done = _run_quietly("mount", "--bind", str(folder), str(folder))
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.strip()}")
    mounts.callback(_unmount, folder)
    done = _run_quietly("mount", "-o", "remount,ro,bind", str(folder))
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only here: {done.stderr.strip()}")
    return folder


@contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """`chattr +i`: the file cannot be written, renamed or deleted, even by root."""
    _need_root("chattr +i")
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = _run_quietly("chattr", "+i", str(path))
    if done.returncode != 0:
        pytest.skip(f"chattr +i does not work on this file system: {done.stderr.strip()}")
    try:
        yield path
    finally:
        _run_quietly("chattr", "-i", str(path))


def fill(folder: Path, leave: int) -> None:
    """Fill the disk under `folder` until about `leave` bytes are free."""
    free = shutil.disk_usage(folder).free
    (folder / "filler").write_bytes(b"\0" * max(free - leave, 0))


# -- the cache ------------------------------------------------------------------------------


def test_a_full_disk_under_the_cache_costs_no_result(tmp_path: Path, mounts: ExitStack) -> None:
    cache_dir = small_disk(mounts, tmp_path / "small", "512k") / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(200))
    output = tmp_path / "out.jsonl"

    first = summarize("--output", output, "--cache-dir", cache_dir, *OFFLINE, feed)

    assert first.exit_code == 0, first.stderr
    assert first.lines("Warning:") == [
        f"Warning: the cache at {cache_dir} cannot be written (database or disk is full); "
        "results are not cached for the rest of this run. Free space or make it writable, "
        "or use --cache-dir or --no-cache."
    ]
    assert first.lines("Error:") == []
    assert ids_of(read_jsonl(output)) == sorted(f"a-{n}" for n in range(200))
    # Opening a diskcache database writes to it, so a full disk is read from a copy.
    copy = shutil.copytree(cache_dir, tmp_path / "copy")
    stored = inspect_cache(copy).entries
    assert stored is not None
    # Results are cached up to the point the disk filled; the summary counts the rest.
    assert not_cached_count(first) == 200 - stored > 0

    again = summarize(
        "--output", tmp_path / "again.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )

    # diskcache cannot open (so cannot read) a database it cannot write: the run goes on
    # without the cache, and loses no result.
    assert again.exit_code == 0, again.stderr
    assert again.lines("Warning:") == [
        f"Warning: the cache at {cache_dir} cannot be opened (database or disk is full); "
        "this run goes on without it. Check the folder, or use --cache-dir or --no-cache."
    ]
    assert cached_count(again) == 0
    assert ids_of(read_jsonl(tmp_path / "again.jsonl")) == ids_of(read_jsonl(output))


def cache_of_forty(tmp_path: Path) -> tuple[Path, Path]:
    """A cache folder holding the results of a feed of 40 articles (first.jsonl), and the feed."""
    cache_dir = tmp_path / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(40))
    first = summarize(
        "--output", tmp_path / "first.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    assert first.exit_code == 0
    return cache_dir, feed


def overwrite_header(database: Path) -> None:
    with database.open("r+b") as stream:
        stream.write(b"not a database!\0")


def overwrite_pages_after_the_second(database: Path) -> None:
    # The tables' and indexes' pages: the first lookup reads some of them.
    size = database.stat().st_size
    with database.open("r+b") as stream:
        stream.seek(2 * 4096)
        stream.write(b"\xff" * (size - 2 * 4096))


def overwrite_second_page(database: Path) -> None:
    # Page 2 of diskcache's (auto-vacuumed) database is a pointer map: sqlite's
    # quick check reads it, a plain lookup does not, so only `cache info` sees it.
    with database.open("r+b") as stream:
        stream.seek(4096 + 100)
        stream.write(b"\xff" * 64)
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchall()
    finally:
        connection.close()
    assert verdict != [("ok",)], "the overwritten page is not one sqlite checks: pick another"


@pytest.mark.parametrize(
    "damage", [overwrite_header, overwrite_pages_after_the_second], ids=["header", "tables"]
)
def test_a_damaged_database_is_found_in_use_and_moved_aside_by_clear(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    cache_dir, feed = cache_of_forty(tmp_path)
    database = cache_dir / DATABASE_NAME
    damage(database)
    damaged_bytes = database.read_bytes()

    run = summarize("--output", tmp_path / "out.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed)

    assert run.exit_code == 0, run.stderr
    [warning] = run.lines("Warning:")
    assert warning.startswith(f"Warning: the cache at {cache_dir} is damaged (")
    assert warning.endswith(
        "this run goes on without it. Run `summarize cache clear` to move it aside."
    )
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "first.jsonl").read_bytes()
    assert not_cached_count(run) == 40

    info = summarize("cache", "info", "--cache-dir", cache_dir)
    assert info.exit_code == 0
    assert "state:     damaged (" in info.stdout
    assert "results:   unknown" in info.stdout

    cleared = summarize("cache", "clear", "--yes", "--cache-dir", cache_dir)

    assert cleared.exit_code == 0, cleared.stderr
    assert "is damaged" in cleared.stdout and "moved its database aside" in cleared.stdout
    left = sorted(path.name for path in cache_dir.iterdir())
    assert left and all(
        re.fullmatch(r"cache\.db\.damaged-\d{8}-\d{6}(-wal|-shm)?", n) for n in left
    )
    [moved] = [cache_dir / name for name in left if not name.endswith(("-wal", "-shm"))]
    assert moved.read_bytes() == damaged_bytes  # moved, not rewritten, and nothing created

    fresh = summarize(
        "--output", tmp_path / "fresh.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    rerun = summarize(
        "--output", tmp_path / "rerun.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    assert fresh.exit_code == rerun.exit_code == 0
    assert fresh.lines("Warning:") == rerun.lines("Warning:") == []
    assert cached_count(rerun) == 40


def test_opening_the_cache_reads_no_more_than_it_must_and_cache_info_checks_it_all(
    tmp_path: Path,
) -> None:
    cache_dir, feed = cache_of_forty(tmp_path)
    overwrite_second_page(cache_dir / DATABASE_NAME)

    # A page no lookup reads: a run finds no damage (it checks nothing on open)...
    run = summarize("--output", tmp_path / "out.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed)

    assert run.exit_code == 0, run.stderr
    assert run.lines("Warning:") == []
    assert cached_count(run) == 40
    # ...and `cache info`, which checks every page, does; `cache clear` moves it aside.
    info = summarize("cache", "info", "--cache-dir", cache_dir)
    assert "state:     damaged (" in info.stdout
    cleared = summarize("cache", "clear", "--yes", "--cache-dir", cache_dir)
    assert cleared.exit_code == 0, cleared.stderr
    assert "moved its database aside" in cleared.stdout


def test_a_damaged_entry_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(40))
    first = summarize(
        "--output", tmp_path / "first.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    assert first.exit_code == 0
    database = cache_dir / DATABASE_NAME
    assert not (cache_dir / f"{DATABASE_NAME}-wal").exists(), "the log was not folded in"
    content = database.read_bytes()
    where = content.index(b'"headline":"') + len(b'"headline":"')
    with database.open("r+b") as stream:
        stream.seek(where)
        stream.write(b"\x00\x01\x02")  # control characters: that entry's JSON no longer parses

    run = summarize("--output", tmp_path / "out.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed)

    assert run.exit_code == 0, run.stderr
    [warning] = run.lines("Warning:")
    assert warning.startswith(f"Warning: the cache at {cache_dir} holds a result that no longer")
    assert warning.endswith("it is summarized again and replaced.")
    assert cached_count(run) == 39
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "first.jsonl").read_bytes()

    rerun = summarize(
        "--output", tmp_path / "rerun.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    assert rerun.lines("Warning:") == []
    assert cached_count(rerun) == 40


def check_read_only_cache_is_passed_by(tmp_path: Path, cache_dir: Path) -> Finished:
    """A run over the cached articles and one new one: the cache is reported, every
    article is summarized without it.

    diskcache writes its settings when it opens a database, so through its public API a
    database that cannot be written cannot be read either.
    """
    more = write_feed(tmp_path / "more.jsonl", range(41))
    output = tmp_path / "read-only.jsonl"

    run = summarize("--output", output, "--cache-dir", cache_dir, *OFFLINE, more)

    assert run.exit_code == 0, run.stderr
    [warning] = run.lines("Warning:")
    assert warning.startswith(f"Warning: the cache at {cache_dir} cannot be written (")
    assert "this run goes on without it" in warning
    assert cached_count(run) == 0
    assert not_cached_count(run) == 41
    assert ids_of(read_jsonl(output)) == sorted(f"a-{n}" for n in range(41))
    return run


def test_a_database_that_cannot_be_written_is_reported_and_passed_by(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(40))
    assert summarize("--jsonl", "--cache-dir", cache_dir, *OFFLINE, feed).exit_code == 0

    with immutable(cache_dir / DATABASE_NAME):
        check_read_only_cache_is_passed_by(tmp_path, cache_dir)
        cleared = summarize("cache", "clear", "--yes", "--cache-dir", cache_dir)

        assert cleared.exit_code == 1
        assert cleared.stderr.splitlines() == [
            f"Error: cannot clear the cache at {cache_dir}: attempt to write a readonly database"
        ]
    assert inspect_cache(cache_dir).entries == 40


def test_a_cache_on_a_read_only_mount_is_reported_and_passed_by(
    tmp_path: Path, mounts: ExitStack
) -> None:
    cache_dir = tmp_path / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(40))
    assert summarize("--jsonl", "--cache-dir", cache_dir, *OFFLINE, feed).exit_code == 0
    read_only_mount(mounts, cache_dir)

    check_read_only_cache_is_passed_by(tmp_path, cache_dir)
    info = summarize("cache", "info", "--cache-dir", cache_dir)

    assert "state:     read-only (read-only file system)" in info.stdout
    assert "results:   unknown" in info.stdout


def test_a_cache_folder_that_cannot_be_created_costs_no_result(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n", encoding="utf-8")
    cache_dir = blocker / "cache"
    feed = write_feed(tmp_path / "feed.jsonl", range(5))

    run = summarize("--output", tmp_path / "out.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed)

    assert run.exit_code == 0, run.stderr
    assert run.lines("Warning:") == [
        f"Warning: the cache at {cache_dir} cannot be opened (Not a directory); this run goes "
        "on without it. Check the folder, or use --cache-dir or --no-cache."
    ]
    assert not_cached_count(run) == 5
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 5


def test_cache_info_on_a_folder_not_made_yet_creates_nothing(tmp_path: Path) -> None:
    cache_dir = tmp_path / "not-yet"

    info = summarize("cache", "info", "--cache-dir", cache_dir)

    assert info.exit_code == 0
    assert "state:     ok" in info.stdout and "results:   0" in info.stdout
    assert not cache_dir.exists()


def test_a_write_lock_held_past_the_timeout_skips_storing_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir = tmp_path / "cache"
    articles = [Article.from_text(path.read_text(encoding="utf-8")) for path in SEED_TEXTS[:4]]
    with open_pipeline("offline", cache=ResultCache(cache_dir, timeout=0.2)) as pipeline:
        assert pipeline.cache is not None
        pipeline.run(articles[0])
        # Another process's writer, stuck mid-transaction: sqlite's real write lock.
        holder = sqlite3.connect(cache_dir / DATABASE_NAME, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.WARNING, logger="summarizer.cache"):
                outcomes = [pipeline.run(article) for article in articles[1:]]
            hit = pipeline.run(articles[0])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        not_stored, fault = pipeline.cache.not_stored, pipeline.cache.fault

    assert [outcome.cached for outcome in outcomes] == [False, False, False]
    assert hit.cached  # reading is not blocked by a writer
    assert not_stored == 3
    assert fault is not None and fault.kind is FaultKind.UNWRITABLE
    # The first store waited out the timeout, and the fault turned storing off for the run.
    assert [record.getMessage() for record in caplog.records] == [
        f"the cache at {cache_dir} cannot be written (locked by another process for longer "
        "than its timeout); results are not cached for the rest of this run"
    ]
    with ResultCache(cache_dir) as reopened:
        assert reopened.fault is None
        assert reopened.info().entries == 1


def test_runs_sharing_one_cache_at_once_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    shared = write_feed(tmp_path / "shared.jsonl", range(200))
    # Half the articles of the shared feed and 100 of its own.
    overlapping = write_feed(tmp_path / "overlapping.jsonl", range(100, 300))
    runs = {
        "first": ["--jsonl", "--cache-dir", cache_dir, *OFFLINE, shared],
        "second": ["--jsonl", "--cache-dir", cache_dir, *OFFLINE, shared],
        "workers": ["--jsonl", "--workers", "2", "--cache-dir", cache_dir, *OFFLINE, overlapping],
    }

    processes = {name: start(*args) for name, args in runs.items()}
    finished = {
        name: process.communicate(timeout=RUN_TIMEOUT) for name, process in processes.items()
    }

    for name, process in processes.items():
        stdout, stderr = finished[name]
        assert process.returncode == 0, stderr
        assert "Warning" not in stderr and "Traceback" not in stderr, stderr
        expected = range(200) if name != "workers" else range(100, 300)
        records = [json.loads(line) for line in stdout.splitlines()]
        assert ids_of(records) == sorted(f"a-{n}" for n in expected), name
    info = inspect_cache(cache_dir)
    assert info.fault is None
    assert info.entries == 300
    with sqlite3.connect(cache_dir / DATABASE_NAME) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    rerun = summarize("--jsonl", "--cache-dir", cache_dir, *OFFLINE, shared, overlapping)
    assert rerun.exit_code == 1  # the 100 articles in both feeds are duplicate ids now
    assert cached_count(rerun) == 300


# -- the output -----------------------------------------------------------------------------


def check_output_fault(run: Finished, path_named: str, written: list[dict[str, object]]) -> None:
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"Error: cannot write to {path_named}: No space left on device. The lines written are "
        "whole and finished articles are cached: fix the output (free space, another "
        "--output) and run the same command again."
    ]
    assert 0 < len(written) < 400


def test_output_on_a_full_disk_ends_in_one_line_and_whole_lines(
    tmp_path: Path, mounts: ExitStack
) -> None:
    output = small_disk(mounts, tmp_path / "small", "64k") / "out.jsonl"
    feed = write_feed(tmp_path / "feed.jsonl", range(400))
    cache_dir = tmp_path / "cache"

    run = summarize("--output", output, "--cache-dir", cache_dir, *OFFLINE, feed)

    written = read_jsonl(output)
    check_output_fault(run, str(output), written)
    # Every line written was cached before it was written: the rerun recomputes none of them.
    rerun = summarize(
        "--output", tmp_path / "rerun.jsonl", "--cache-dir", cache_dir, *OFFLINE, feed
    )
    assert rerun.exit_code == 0
    assert cached_count(rerun) >= len(written)
    again = {record["id"]: record for record in read_jsonl(tmp_path / "rerun.jsonl")}
    assert all(again[record["id"]] == record for record in written)


def test_standard_output_on_a_full_disk_ends_in_one_line_and_whole_lines(
    tmp_path: Path, mounts: ExitStack
) -> None:
    output = small_disk(mounts, tmp_path / "small", "64k") / "out.jsonl"
    feed = write_feed(tmp_path / "feed.jsonl", range(400))

    with output.open("w") as redirected:  # summarize --jsonl FEED > out.jsonl
        run = summarize(
            "--jsonl", "--cache-dir", tmp_path / "cache", *OFFLINE, feed, stdout=redirected.fileno()
        )

    check_output_fault(run, "standard output", read_jsonl(output))


@pytest.mark.parametrize("form", ["--json", "rendered"])
def test_a_document_or_rendered_text_on_a_full_disk_is_one_line(
    tmp_path: Path, mounts: ExitStack, form: str
) -> None:
    output = small_disk(mounts, tmp_path / "small", "16k") / "out"
    feed = write_feed(tmp_path / "feed.jsonl", range(40))
    options = ["--json"] if form == "--json" else []

    with output.open("w") as redirected:  # summarize [--json] FEED > out
        run = summarize(
            *options, "--cache-dir", tmp_path / "cache", *OFFLINE, feed, stdout=redirected.fileno()
        )

    assert run.exit_code == 1
    [error] = run.lines("Error:")
    assert error.startswith("Error: cannot write to standard output: No space left on device.")
    assert run.stderr.splitlines()[-1] == error
    if form == "--json":
        # Python's own buffered stdout would have dropped the rest and exited 0.
        assert output.read_bytes() == b"", "a JSON document is written whole or not at all"


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    # A missing folder is made (as for --html); one whose name a file holds cannot be.
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    output = tmp_path / "a-file" / "out.jsonl"

    run = summarize("--output", output, *OFFLINE, SEED_TEXTS[0])

    assert run.exit_code == 1
    assert run.stderr.splitlines() == [f"Error: cannot write to {output}: Not a directory"]


def test_an_eval_report_on_a_full_disk_is_one_line_and_leaves_the_old_report(
    tmp_path: Path, mounts: ExitStack
) -> None:
    folder = small_disk(mounts, tmp_path / "small", "256k") / "report"
    folder.mkdir()
    old_report = folder / "report.json"
    old_report.write_text('{"an": "earlier report"}\n', encoding="utf-8")
    fill(folder, leave=4096)
    cache_dir = tmp_path / "cache"

    run = summarize("eval", SEEDS, "--out", folder, "--cache-dir", cache_dir, *OFFLINE)

    assert run.exit_code == 1
    assert run.lines("Error:") == [f"Error: cannot write {old_report}: No space left on device"]
    assert [line for line in run.stderr.splitlines() if "Error" in line or "Warning" in line] == [
        f"Error: cannot write {old_report}: No space left on device"
    ]
    assert old_report.read_text(encoding="utf-8") == '{"an": "earlier report"}\n'
    assert sorted(path.name for path in folder.iterdir()) == ["filler", "report.json"]
    # The results were cached before the report was written: the rerun costs nothing.
    elsewhere = tmp_path / "report"
    rerun = summarize("eval", SEEDS, "--out", elsewhere, "--cache-dir", cache_dir, *OFFLINE)
    assert rerun.exit_code == 0, rerun.stderr
    report = json.loads((elsewhere / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["cached_articles"] == len(SEED_TEXTS)


def test_redirected_standard_output_keeps_its_lines_under_a_live_progress_bar(
    tmp_path: Path,
) -> None:
    """`summarize --jsonl FEED > out.jsonl` from a terminal: the bar is on stderr, the lines
    in the file (the bar used to print them on the terminal, leaving the file empty)."""
    feed = write_feed(tmp_path / "feed.jsonl", range(30))
    output = tmp_path / "out.jsonl"
    controller, terminal = pty.openpty()
    shown = b""
    with output.open("w") as redirected:
        process = subprocess.Popen(
            [
                *(sys.executable, "-c", "from summarizer.cli import main; main()", "--jsonl"),
                *("--cache-dir", str(tmp_path / "cache"), *OFFLINE, str(feed)),
            ],
            stdout=redirected,
            stderr=terminal,
            cwd=REPO_ROOT,
        )
        os.close(terminal)
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the terminal's other end closed: the process is done
                    break
                if not chunk:
                    break
                shown += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=RUN_TIMEOUT)
    os.close(controller)

    assert process.returncode == 0
    assert ids_of(read_jsonl(output)) == sorted(f"a-{n}" for n in range(30))
    assert b'"headline"' not in shown
    assert b"30 done" in shown
