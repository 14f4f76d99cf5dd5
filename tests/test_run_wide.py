"""Failures no article can get past stop the run at the first; transient ones do not.

A refused key (401), a refused access (403), an unknown model (404), a 400 about
the request's settings, or a server that refuses connections from the start: one
line saying why and what to fix, one line listing what was not attempted, exit 1,
and everything finished before written and cached.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from summarizer import UnusableBackendError
from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.backends.retry import UNREACHED_ATTEMPTS
from summarizer.cache import ResultCache
from summarizer.pipeline import Pipeline
from summarizer.run import ErrorRecord, ResultRecord, summarize_many
from tests.conftest import SEEDS
from tests.llm_support import (
    SENTINEL_KEY,
    chat_requests,
    llm_settings,
    run_cli,
    use_loopback,
    valid_reply,
)
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Reply, Step

ARTICLES = 20
CONCURRENCY = 4
# Generous: a stopped run takes well under a second here; the old per-article
# retries of a refused connection took many seconds. Not a speed target.
REFUSED_RUN_BOUND_SECONDS = 10.0


def story(number: int) -> Article:
    return Article.from_text(
        f"date 2024-03-01 Springfield: Story {number} says a fire hit a warehouse on Friday, "
        "and firefighters fought it for hours.",
        id=f"a-{number:02d}",
    )


def write_feed(path: Path, count: int = ARTICLES) -> Path:
    lines = [json.dumps({"id": f"a-{n:02d}", "text": story(n).text}) for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stopping_lines(stderr: str) -> tuple[list[str], list[str]]:
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    not_attempted = [line for line in lines if line.startswith("Not attempted:")]
    return errors, not_attempted


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (
            Fault(401),
            "refused the API key (HTTP 401: loopback fault: HTTP 401): check OPENAI_API_KEY",
        ),
        (Fault(403), "refused access (HTTP 403: loopback fault: HTTP 403): check that the API key"),
        (
            Fault(
                404,
                {
                    "error": {
                        "message": "The model `loopback-model` does not exist",
                        "type": "invalid_request_error",
                        "code": "model_not_found",
                    }
                },
            ),
            "has no model loopback-model or no chat completions (HTTP 404: The model "
            "`loopback-model` does not exist): check --model",
        ),
        (
            Fault(
                400,
                {
                    "error": {
                        "message": "Unsupported parameter: 'tool_choice'",
                        "type": "invalid_request_error",
                        "param": "tool_choice",
                        "code": "unsupported_parameter",
                    }
                },
            ),
            "rejected the request's settings, not the article (HTTP 400: Unsupported "
            "parameter: 'tool_choice'): check --model and --mode",
        ),
    ],
    ids=["401", "403", "404-model", "400-setting"],
)
def test_a_run_wide_refusal_stops_the_run_at_the_first(
    loopback_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fault: Fault,
    says: str,
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(lambda request: fault)
    output = tmp_path / "out.jsonl"

    result = run_cli(
        [
            "--output",
            str(output),
            "--concurrency",
            str(CONCURRENCY),
            str(write_feed(tmp_path / "feed.jsonl")),
        ]
    )

    assert result.exit_code == 1
    errors, not_attempted = stopping_lines(result.stderr)
    assert len(errors) == 1 and says in errors[0], result.stderr
    assert not errors[0].startswith("Error: a-")  # about the run, not one article
    # At most the articles in flight when the first refusal came back were sent.
    sent = len(chat_requests(loopback_server))
    assert 1 <= sent <= CONCURRENCY
    written = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(written) == 1 and "error" in written[0]
    [line] = not_attempted
    assert line.startswith(f"Not attempted: {ARTICLES - 1} input(s) (")
    assert "Traceback" not in result.stderr and SENTINEL_KEY not in result.stderr


def test_a_refused_connection_is_one_failure_of_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    feed = write_feed(tmp_path / "feed.jsonl")

    started = time.monotonic()
    result = run_cli(["--jsonl", "--concurrency", str(CONCURRENCY), str(feed)])
    elapsed = time.monotonic() - started

    assert result.exit_code == 1
    errors, not_attempted = stopping_lines(result.stderr)
    assert errors == [
        f"Error: cannot connect to {base_url} after {UNREACHED_ATTEMPTS} attempt(s) "
        "(All connection attempts failed): check --base-url (or OPENAI_BASE_URL) and that "
        "the server is running"
    ], result.stderr
    assert len(not_attempted) == 1 and f"Not attempted: {ARTICLES - 1} input(s)" in not_attempted[0]
    assert elapsed < REFUSED_RUN_BOUND_SECONDS


def test_a_server_error_is_still_retried_article_by_article(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    monkeypatch.setenv("OPENAI_BASE_URL", loopback_server.base_url)

    def fail_story_1(request: RecordedRequest) -> Step:
        return Fault(500) if b"Story 1 " in request.raw_body else valid_reply(request)

    loopback_server.respond_with(fail_story_1)
    backend = LLMBackend(llm_settings(loopback_server, max_attempts=3))

    with summarize_many([story(n) for n in range(4)], Pipeline(backend)) as run:
        records = {record.id: record for record in run}

    assert set(records) == {f"a-{n:02d}" for n in range(4)}
    failed = records["a-01"]
    assert isinstance(failed, ErrorRecord) and failed.type == "BackendError"
    assert failed.attempts == 3  # retried, then given up for this article alone
    assert all(isinstance(records[f"a-0{n}"], ResultRecord) for n in (0, 2, 3))
    assert run.report.not_attempted == 0


def test_what_finished_before_the_refusal_is_written_and_cached(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(lambda request: Fault(401))
    loopback_server.script(Reply(valid_reply_payload()))
    cache_dir = tmp_path / "cache"
    output = tmp_path / "out.jsonl"
    feed = write_feed(tmp_path / "feed.jsonl", 5)

    result = run_cli(
        ["--output", str(output), "--concurrency", "1", "--cache-dir", str(cache_dir), str(feed)]
    )

    assert result.exit_code == 1
    written = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [record.get("id") for record in written[:1]] == ["a-00"]
    assert "error" in written[1] and len(written) == 2
    _, not_attempted = stopping_lines(result.stderr)
    assert not_attempted == [
        "Not attempted: 3 input(s) (a-02, a-03, a-04). Fix the error above and run the same "
        "command again: articles already done come from the cache."
    ]
    with (
        ResultCache(cache_dir) as cache,
        summarize_many(
            [story(0)], Pipeline(LLMBackend(llm_settings(loopback_server)), cache)
        ) as run,
    ):
        [again] = list(run)
    assert isinstance(again, ResultRecord) and again.cached


def valid_reply_payload() -> dict[str, object]:
    quote = " ".join(story(0).body.split()[:6])
    event = {"event_type": "accident", "summary": "A warehouse burned.", "evidence": [quote]}
    return {"headline": "Warehouse fire", "brief": "A warehouse burned.", "events": [event]}


def test_the_library_run_raises_after_handing_out_what_finished(
    loopback_server: LoopbackServer,
) -> None:
    loopback_server.respond_with(lambda request: Fault(401))
    backend = LLMBackend(llm_settings(loopback_server))
    handed_out = []

    articles = [story(n) for n in range(10)]
    with (
        pytest.raises(UnusableBackendError, match="refused the API key") as caught,
        summarize_many(articles, Pipeline(backend), concurrency=2) as run,
    ):
        handed_out.extend(run)

    assert [record.type for record in handed_out] == ["UnusableBackendError"]  # type: ignore[union-attr]
    assert run.report.not_attempted == 9
    assert len(chat_requests(loopback_server)) <= 2
    assert str(caught.value).startswith(f"{loopback_server.base_url} refused the API key")


@pytest.mark.slow
def test_worker_processes_stop_the_run_too(loopback_server: LoopbackServer) -> None:
    loopback_server.respond_with(lambda request: Fault(401))
    backend = LLMBackend(llm_settings(loopback_server))

    with (
        pytest.raises(UnusableBackendError),
        summarize_many(
            [story(n) for n in range(ARTICLES)], Pipeline(backend), workers=2, concurrency=4
        ) as run,
    ):
        list(run)

    assert run.report.not_attempted == ARTICLES - 1
    assert len(chat_requests(loopback_server)) <= 4


def test_an_eval_against_a_refusing_endpoint_stops_with_one_line(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(lambda request: Fault(401))

    result = run_cli(["eval", str(SEEDS), "--out", str(tmp_path / "eval"), "--concurrency", "2"])

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: {loopback_server.base_url} refused the API key (HTTP 401: loopback fault: "
        "HTTP 401): check OPENAI_API_KEY"
    ]
    assert len(chat_requests(loopback_server)) <= 2


def test_a_one_article_llm_run_prints_its_cost(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.script(Reply(valid_reply_payload(), usage=(1000, 200)))
    article = tmp_path / "a.txt"
    article.write_text(story(0).text, encoding="utf-8")

    result = run_cli(["--price-input", "1", "--price-output", "2", str(article)])

    assert result.exit_code == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Spent 1,000 input and 200 output tokens, $0.0014 (at $1 in")


def test_a_one_article_offline_run_prints_no_cost(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(story(0).text, encoding="utf-8")

    result = run_cli(["--backend", "offline", str(article)])

    assert result.exit_code == 0 and result.stderr == ""
