"""Files people share get the usual mode, and outputs get their folders made.

Under umask 022 a new file is 0644, as any program's would be; a file that is
replaced keeps the mode it had (0644 stays 0644, a private 0640 stays 0640).
Every file a command writes is checked: the review page, eval reports, the
comparison page, JUnit XML, a batch job's files and collected output.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from summarizer.storage import atomic_writer, copy_atomically, write_atomically
from tests.conftest import SEED_ARTICLE
from tests.eval_support import copy_seeds
from tests.llm_support import run_cli, use_loopback, valid_reply
from tests.loopback import LoopbackServer

FEED_LINE = json.dumps({"id": "wire-1", "text": "date 2024-03-01 Springfield: A fire hit a mill."})


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def private(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    return path


def test_the_atomic_writer_gives_new_files_the_usual_mode_and_keeps_a_replaced_ones(
    tmp_path: Path,
) -> None:
    new = tmp_path / "new.html"
    write_atomically(new, "page")
    assert mode(new) == 0o644

    shared = tmp_path / "shared.html"
    shared.write_text("old", encoding="utf-8")
    shared.chmod(0o644)
    write_atomically(shared, "page")
    assert (mode(shared), shared.read_text(encoding="utf-8")) == (0o644, "page")

    kept_private = private(tmp_path / "private.html")
    with atomic_writer(kept_private) as stream:
        stream.write(b"page")
    assert (mode(kept_private), kept_private.read_bytes()) == (0o640, b"page")

    copied = tmp_path / "deeper" / "copy.html"
    copy_atomically(shared, copied)
    assert (mode(copied), copied.read_text(encoding="utf-8")) == (0o644, "page")
    # Nothing is left behind beside them.
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "deeper",
        "new.html",
        "private.html",
        "shared.html",
    ]


def test_a_run_writes_its_output_and_review_page_for_colleagues(tmp_path: Path) -> None:
    output = tmp_path / "new-folder" / "deeper" / "results.jsonl"
    page = tmp_path / "review.html"

    result = run_cli([str(SEED_ARTICLE), "-o", str(output), "--html", str(page)])

    assert result.exit_code == 0, result.stderr
    assert json.loads(output.read_text(encoding="utf-8"))["id"] == "iraq-baaj-offensive"
    assert (mode(output), mode(page)) == (0o644, 0o644)
    kept = private(tmp_path / "private" / "review.html")
    assert run_cli([str(SEED_ARTICLE), "--html", str(kept)]).exit_code == 0
    assert mode(kept) == 0o640
    assert "iraq-baaj-offensive" in kept.read_text(encoding="utf-8")


def test_view_writes_the_page_with_the_usual_mode(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    assert run_cli([str(SEED_ARTICLE), "-o", str(results)]).exit_code == 0
    page = tmp_path / "pages" / "review.html"

    assert run_cli(["view", str(results), "--out", str(page)]).exit_code == 0

    assert mode(page) == 0o644


def test_eval_reports_comparison_and_junit_get_the_usual_mode(tmp_path: Path) -> None:
    root = copy_seeds(tmp_path / "set", ["iraq-baaj-offensive"])
    out, junit = tmp_path / "out", tmp_path / "junit.xml"
    kept = private(out / "report.md")

    result = run_cli(["eval", str(root), "--out", str(out), "--junit", str(junit)])
    compared = run_cli(
        ["eval", "--compare", str(out / "report.json"), str(out / "report.json"), "--out", str(out)]
    )

    assert result.exit_code == 0, result.stderr
    assert compared.exit_code == 0, compared.stderr
    assert {name: mode(out / name) for name in ("report.json", "report.html", "compare.html")} == {
        "report.json": 0o644,
        "report.html": 0o644,
        "compare.html": 0o644,
    }
    assert mode(junit) == 0o644
    assert mode(kept) == 0o640 and kept.read_text(encoding="utf-8") != "old"


def test_a_batch_jobs_files_and_collected_output_get_the_usual_mode(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loopback_server.respond_with(valid_reply)
    use_loopback(monkeypatch, loopback_server)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(FEED_LINE + "\n", encoding="utf-8")
    job = tmp_path / "job"
    output = tmp_path / "collected" / "deeper" / "out.jsonl"

    submitted = run_cli(["batch", "submit", str(feed), "--job", str(job)])
    collected = run_cli(
        ["batch", "collect", "--job", str(job), "--wait", "--poll", "0", "-o", str(output)]
    )

    assert submitted.exit_code == 0, submitted.stderr
    assert collected.exit_code == 0, collected.stderr
    written = [
        job / "manifest.json",
        job / "inputs.jsonl",
        job / "output.jsonl",
        *(job / "requests").iterdir(),
        *(job / "results").iterdir(),
        output,
    ]
    assert {str(path): mode(path) for path in written} == {str(path): 0o644 for path in written}
    assert json.loads(output.read_text(encoding="utf-8"))["id"] == "wire-1"
