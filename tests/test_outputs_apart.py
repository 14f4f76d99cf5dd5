"""An output is never one of the inputs: every command refuses, before reading or writing.

Each case exits 2 with one line naming the output and the input, and leaves the
input byte for byte as it was, whether the two paths are the same words, a
symbolic link, a hard link, or a file a folder or glob brings in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from summarizer.errors import ConfigurationError
from summarizer.storage import refuse_overwriting_inputs
from tests.conftest import SEED_ARTICLE
from tests.eval_support import copy_seeds
from tests.llm_support import CliResult, run_cli, use_loopback, valid_reply
from tests.loopback import LoopbackServer

FEED_LINE = json.dumps({"id": "wire-1", "text": "date 2024-03-01 Springfield: A fire hit a mill."})


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_bytes(SEED_ARTICLE.read_bytes())
    return path


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text(FEED_LINE + "\n", encoding="utf-8")
    return path


def assert_refused(result: CliResult, output: Path, kept: Path, before: bytes) -> None:
    assert result.exit_code == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: the output {output} is the input ")
    assert str(kept) in line or os.path.realpath(kept) in line
    assert result.stdout == ""
    assert kept.read_bytes() == before


def unchanged(path: Path) -> Callable[[CliResult, Path], None]:
    before = path.read_bytes()
    return lambda result, output: assert_refused(result, output, path, before)


def test_a_feed_is_not_its_own_output(feed: Path) -> None:
    check = unchanged(feed)
    check(run_cli([str(feed), "-o", str(feed)]), feed)


def test_an_article_is_not_its_own_output_or_review_page(article: Path) -> None:
    check = unchanged(article)
    check(run_cli([str(article), "-o", str(article)]), article)
    check(run_cli([str(article), "--html", str(article)]), article)


def test_a_link_to_an_input_is_the_input(article: Path, tmp_path: Path) -> None:
    symbolic, hard = tmp_path / "symbolic.jsonl", tmp_path / "hard.jsonl"
    symbolic.symlink_to(article)
    os.link(article, hard)
    check = unchanged(article)
    check(run_cli([str(article), "-o", str(symbolic)]), symbolic)
    check(run_cli([str(article), "-o", str(hard)]), hard)
    # And the other way round: the input reached through the link, the output by name.
    check(run_cli([str(symbolic), "--html", str(article)]), article)


def test_a_file_a_folder_or_glob_brings_in_is_an_input(tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    old_results = folder / "results.jsonl"
    old_results.write_text(FEED_LINE + "\n", encoding="utf-8")
    check = unchanged(old_results)
    check(run_cli([str(folder), "-o", str(old_results)]), old_results)
    check(run_cli([f"{folder}/*", "-o", str(old_results)]), old_results)


def test_view_does_not_write_over_its_results_or_articles(article: Path, tmp_path: Path) -> None:
    results = tmp_path / "r.jsonl"
    assert run_cli([str(article), "-o", str(results)]).exit_code == 0
    unchanged(results)(run_cli(["view", str(results), "--out", str(results)]), results)
    check = unchanged(article)
    check(run_cli(["view", str(results), str(article), "--out", str(article)]), article)


def test_eval_does_not_write_over_its_baseline_data_set_or_reports(tmp_path: Path) -> None:
    root = copy_seeds(tmp_path / "set", ["iraq-baaj-offensive"])
    out = tmp_path / "out"
    assert run_cli(["eval", str(root), "--out", str(out)]).exit_code == 0
    baseline = out / "report.json"

    unchanged(baseline)(
        run_cli(["eval", str(root), "--out", str(out), "--baseline", str(baseline)]), baseline
    )
    label = root / "labels" / "iraq-baaj-offensive.json"
    unchanged(label)(run_cli(["eval", str(root), "--out", str(out), "--junit", str(label)]), label)
    compared = out / "compare.html"
    compared.write_bytes(baseline.read_bytes())
    unchanged(compared)(
        run_cli(["eval", "--compare", str(compared), str(baseline), "--out", str(out)]),
        out / "compare.html",
    )


@pytest.fixture
def served(loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    loopback_server.respond_with(valid_reply)
    use_loopback(monkeypatch, loopback_server)
    return loopback_server


def test_a_batch_job_does_not_write_over_its_inputs_or_results(
    served: LoopbackServer, tmp_path: Path
) -> None:
    job = tmp_path / "job"
    job.mkdir()
    # A corpus that happens to be where the job keeps its own copy of the inputs.
    corpus = job / "inputs.jsonl"
    corpus.write_text(FEED_LINE + "\n", encoding="utf-8")
    check = unchanged(corpus)
    for command in ("export", "submit"):
        check(run_cli(["batch", command, str(corpus), "--job", str(job)]), corpus)
    assert not (job / "manifest.json").exists()

    other = tmp_path / "other"
    assert run_cli(["batch", "export", str(corpus), "--job", str(other)]).exit_code == 0
    results = tmp_path / "results.jsonl"
    results.write_text("{}\n", encoding="utf-8")
    unchanged(results)(
        run_cli(["batch", "import", str(results), "--job", str(other), "-o", str(results)]),
        results,
    )
    job_inputs = other / "inputs.jsonl"
    unchanged(job_inputs)(
        run_cli(["batch", "collect", "--job", str(other), "-o", str(job_inputs)]), job_inputs
    )
    # The job's own output is written by an import: it cannot be a results file too.
    job_output = other / "output.jsonl"
    job_output.write_text("{}\n", encoding="utf-8")
    unchanged(job_output)(
        run_cli(["batch", "import", str(job_output), "--job", str(other)]), job_output
    )


def test_the_check_compares_files_not_spellings(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("text", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    roundabout = tmp_path / "sub" / ".." / "a.txt"
    with pytest.raises(ConfigurationError, match="is the input"):
        refuse_overwriting_inputs([roundabout], [article])
    # Paths not there yet are compared resolved.
    with pytest.raises(ConfigurationError, match="is the input"):
        refuse_overwriting_inputs([tmp_path / "sub" / ".." / "new.txt"], [tmp_path / "new.txt"])
    # A copy is another file; no output at all is fine.
    copy = tmp_path / "copy.txt"
    copy.write_bytes(article.read_bytes())
    refuse_overwriting_inputs([copy, None], [article])


def test_standard_input_redirected_from_the_output_is_refused(feed: Path) -> None:
    before = feed.read_bytes()
    with feed.open("rb") as standard_input:
        finished = subprocess.run(
            [sys.executable, "-c", "from summarizer.cli import main; main()", "-", "-o", str(feed)],
            stdin=standard_input,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert finished.returncode == 2, finished.stderr
    assert finished.stderr.startswith(f"Error: the output {feed} is the input /dev/stdin: ")
    assert len(finished.stderr.splitlines()) == 1
    assert feed.read_bytes() == before
