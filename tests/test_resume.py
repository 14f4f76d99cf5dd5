"""Resume: a `summarize` process stopped mid-run (Ctrl-C, or killed outright) and run again
redoes no finished article and loses none.

Each run is a real subprocess talking HTTP to the loopback server in this
process, so the requests of each run can be told apart and counted per article.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm_support import (
    LOOPBACK_MODEL,
    SENTINEL_KEY,
    article_block,
    chat_requests,
    valid_reply,
)
from tests.loopback import LoopbackServer
from tests.worker_backends import worker_processes

# Real subprocesses stopped mid-run take seconds each: `pytest -m slow` runs them.
pytestmark = pytest.mark.slow

ARTICLES = 60
CONCURRENCY = 4
# Slow enough that the run is still going when it is stopped, fast enough for a test.
LATENCY = 0.15


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(latency=LATENCY) as running:
        running.respond_with(valid_reply)
        yield running


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"story-{n}",
                    "text": f"date 2024-03-01 Springfield: Story {n} says a fire hit a "
                    "warehouse on Friday, and firefighters fought it for hours.",
                }
            )
            + "\n"
            for n in range(ARTICLES)
        ),
        encoding="utf-8",
    )
    return path


def start(
    server: LoopbackServer, feed: Path, output: Path, workers: int = 1
) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": SENTINEL_KEY,
        "SUMMARIZER_MODEL": LOOPBACK_MODEL,
    }
    command = [
        sys.executable,
        "-c",
        "from summarizer.cli import main; main()",
        "--output",
        str(output),
        "--concurrency",
        str(CONCURRENCY),
        "--workers",
        str(workers),
        str(feed),
    ]
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_lines(output: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if output.exists() and output.read_text(encoding="utf-8").count("\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{output} never reached {count} lines")


def requested_ids(server: LoopbackServer, since: int) -> Counter[str]:
    """How many requests each article got, among the server's requests from `since` on."""
    ids: Counter[str] = Counter()
    for request in chat_requests(server)[since:]:
        found = re.search(r"Story (\d+) says", article_block(request))
        assert found, "a request without an article from the feed"
        ids[f"story-{found.group(1)}"] += 1
    return ids


def written_ids(output: Path) -> list[str]:
    """The article ids of an output file's complete lines; each must be whole JSON."""
    return [json.loads(line)["id"] for line in output.read_text("utf-8").splitlines()]


def lingering_workers(server: LoopbackServer) -> list[int]:
    """Worker processes still alive that were started for runs against `server`."""
    return worker_processes(server.base_url)


def wait_for_workers_to_end(server: LoopbackServer) -> None:
    deadline = time.monotonic() + 10
    while lingering_workers(server):
        assert time.monotonic() < deadline, f"workers still running: {lingering_workers(server)}"
        time.sleep(0.05)


def finish_again(server: LoopbackServer, feed: Path, output: Path) -> tuple[Counter[str], str]:
    """Run the same command to the end; the requests it made, per article, and its stderr."""
    wait_for_workers_to_end(server)
    before = len(chat_requests(server))
    rerun = start(server, feed, output)
    _, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    assert sorted(written_ids(output)) == sorted(f"story-{n}" for n in range(ARTICLES))
    return requested_ids(server, before), stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_writes_what_is_done_and_a_rerun_does_only_the_rest(
    server: LoopbackServer, feed: Path, tmp_path: Path, workers: int
) -> None:
    output = tmp_path / "out.jsonl"
    first = start(server, feed, output, workers)
    wait_for_lines(output, 10, first)

    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=15)

    assert first.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not lingering_workers(server)
    text = output.read_text(encoding="utf-8")
    assert text.endswith("\n")
    finished = written_ids(output)
    assert 10 <= len(finished) < ARTICLES
    assert len(set(finished)) == len(finished)
    stopped = re.search(r"Stopped after reading (\d+) input\(s\)", stderr)
    assert stopped, stderr
    assert f"{len(finished)} written" in stderr
    assert "Run the same command again" in stderr

    requests, rerun_stderr = finish_again(server, feed, output)

    # Every finished article came from the cache; every other one was asked for once,
    # unless its answer had arrived and been cached as Ctrl-C came, before it was written:
    # at most one per request in flight, and the rerun takes it from the cache too.
    rest = {f"story-{n}" for n in range(ARTICLES)} - set(finished)
    assert set(requests) <= rest
    answered_unwritten = rest - set(requests)
    assert len(answered_unwritten) <= CONCURRENCY * workers
    assert set(requests.values()) == {1}
    assert f"({ARTICLES - len(requests)} from the cache)" in rerun_stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_run_loses_nothing_and_its_finished_articles_are_not_redone(
    server: LoopbackServer, feed: Path, tmp_path: Path, workers: int
) -> None:
    output = tmp_path / "out.jsonl"
    first = start(server, feed, output, workers)
    wait_for_lines(output, 10, first)

    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=15)
    # The requests the killed run got answers to; the articles they answered may or may
    # not have reached the cache before the kill, but those written to the output did.
    finished = {
        json.loads(line)["id"]
        for line in output.read_text("utf-8").splitlines()
        if line.endswith("}")
    }
    assert first.returncode == -signal.SIGKILL
    assert finished

    requests, rerun_stderr = finish_again(server, feed, output)

    assert set(requests).isdisjoint(finished)
    assert set(requests.values()) == {1}
    cached = re.search(r"\((\d+) from the cache\)", rerun_stderr)
    assert cached, rerun_stderr
    assert int(cached.group(1)) + len(requests) == ARTICLES
    assert int(cached.group(1)) >= len(finished)
