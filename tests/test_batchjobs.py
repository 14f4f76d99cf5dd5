"""Batch jobs end to end: `summarize batch ...` against the loopback server's files and batches.

The server answers each batch request line with the same responder as a realtime
request, so a job's replies are what a realtime run would have received, and a
collected output can be compared byte for byte with `summarize --jsonl --ordered`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from summarizer import summarize
from summarizer.backends.llm import LLMBackend
from summarizer.batchjobs import (
    CollectReport,
    Fallback,
    JobError,
    JobPendingError,
    cancel_job,
    collect_job,
    export_requests,
    job_status,
    submit_job,
)
from summarizer.cache import ResultCache, cache_key
from summarizer.cost import Prices, prices_for
from summarizer.evaluation import load_dataset
from summarizer.pipeline import Pipeline
from summarizer.readers import read_article
from summarizer.settings import Mode
from tests.conftest import SEED_ARTICLE, SEEDS
from tests.eval_support import gold_responder
from tests.llm_support import (
    LOOPBACK_MODEL,
    SENTINEL_KEY,
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    seed_payload,
    seed_reply,
    use_loopback,
    valid_reply,
    with_evidence,
)
from tests.loopback import BatchScript, Fault, LoopbackServer, RecordedRequest, Step

STORY = (
    "date 2024-03-01 Springfield: Story {n} says a fire hit a warehouse on Friday, "
    "and firefighters fought it for hours."
)


def write_feed(path: Path, count: int, *, extras: bool = False) -> Path:
    """`count` articles; with `extras`, a repeated text, a repeated id and an unreadable line."""
    lines = [json.dumps({"id": f"story-{n}", "text": STORY.format(n=n)}) for n in range(count)]
    if extras:
        lines.insert(2, json.dumps({"id": "same-text", "text": STORY.format(n=0)}))
        lines.insert(4, json.dumps({"id": "story-1", "text": STORY.format(n=99)}))
        lines.insert(5, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pipeline(server: LoopbackServer, cache_dir: Path, **changes: Any) -> Pipeline:
    return Pipeline(LLMBackend(llm_settings(server, **changes)), ResultCache(cache_dir))


def output_ids(text: str) -> list[str]:
    records = [json.loads(line) for line in text.splitlines()]
    return [record["id"] for record in records]


def assert_results_and_errors_keyed_by_id(text: str) -> None:
    """Results and error records alike name their article under "id", as inputs do."""
    records = [json.loads(line) for line in text.splitlines()]
    assert {"error" in record for record in records} == {True, False}
    for record in records:
        assert isinstance(record["id"], str) and "article_id" not in record, record


def error_records(text: str) -> dict[str, dict[str, str]]:
    records = [json.loads(line) for line in text.splitlines()]
    return {record["id"]: record["error"] for record in records if "error" in record}


def batch_posts(server: LoopbackServer) -> list[RecordedRequest]:
    return [r for r in server.requests if r.method == "POST" and r.path.startswith("/v1/batches")]


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return tmp_path / "job"


@pytest.fixture
def served(loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    """The loopback server answering every request validly; the CLI pointed at it."""
    loopback_server.respond_with(valid_reply)
    use_loopback(monkeypatch, loopback_server)
    return loopback_server


# -- one source of truth for the request -----------------------------------------------


@pytest.mark.parametrize("mode", list(Mode))
def test_a_request_line_is_what_the_realtime_path_sends(
    loopback_server: LoopbackServer, tmp_path: Path, mode: Mode
) -> None:
    loopback_server.respond_with(seed_reply)
    backend = LLMBackend(llm_settings(loopback_server, mode=mode))
    article = read_article(SEED_ARTICLE)
    summarize(article, backend=backend, cache=False)
    (sent,) = chat_requests(loopback_server)
    assert sent.body is not None

    (path,) = export_requests(tmp_path / "job", [str(SEED_ARTICLE)], Pipeline(backend))
    (line,) = [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]

    assert line["custom_id"] == cache_key(article, backend)
    assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
    assert sorted(line["body"]) == sorted(sent.body)
    for name, value in sent.body.items():
        assert line["body"][name] == value, name


# -- submit and collect ------------------------------------------------------------------


def test_collect_writes_what_a_realtime_run_writes_and_fills_the_cache(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 6, extras=True)
    realtime_cache = tmp_path / "realtime-cache"
    realtime = run_cli(["--jsonl", "--ordered", "--cache-dir", str(realtime_cache), str(feed)])
    realtime_requests = len(chat_requests(served))

    submitted = run_cli(["batch", "submit", str(feed), "--job", str(job)])
    collected = run_cli(["batch", "collect", "--job", str(job)])

    assert submitted.exit_code == 0, submitted.stderr
    # Six texts: the repeated text shares a request; the unreadable line and the
    # repeated id get none.
    manifest = json.loads((job / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["inputs"], manifest["requests"]) == (9, 6)
    assert collected.exit_code == realtime.exit_code == 1  # the two bad inputs
    assert collected.stdout == realtime.stdout
    assert output_ids(collected.stdout)[:3] == ["story-0", "story-1", "same-text"]
    assert set(error_records(collected.stdout)) == {"story-1", "feed-line-6"}
    assert len(chat_requests(served)) == realtime_requests  # the batch sent no chat request
    assert "7 done (7 from the batch, 0 realtime, 0 from the cache), 2 failed" in collected.stderr

    # Every result is cached: a realtime run over the same inputs sends nothing.
    again = run_cli(["--jsonl", "--ordered", str(feed)])
    assert again.stdout == collected.stdout
    assert len(chat_requests(served)) == realtime_requests


def test_collecting_twice_gives_the_same_bytes_and_sends_nothing(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 4)
    served.script_batches(BatchScript(end="expired", answered=2))
    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    first = run_cli(["batch", "collect", "--job", str(job), "-o", str(tmp_path / "a.jsonl")])
    seen = len(served.requests)

    second = run_cli(["batch", "collect", "--job", str(job), "-o", str(tmp_path / "b.jsonl")])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert len(served.requests) == seen
    assert "nothing sent" in second.stderr


def test_articles_the_cache_answers_get_no_request_but_are_in_the_output(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 5)
    first_two = write_feed(tmp_path / "two.jsonl", 2)
    assert run_cli(["--jsonl", str(first_two)]).exit_code == 0

    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    collected = run_cli(["batch", "collect", "--job", str(job)])

    (upload,) = served.uploads
    custom_ids = [json.loads(line)["custom_id"] for line in upload.data.splitlines()]
    assert len(custom_ids) == 3
    assert output_ids(collected.stdout) == [f"story-{n}" for n in range(5)]
    assert "3 from the batch, 0 realtime, 2 from the cache" in collected.stderr


def test_a_batch_collected_by_the_api_makes_eval_a_cache_hit(
    loopback_server: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    seeds = load_dataset(SEEDS)
    loopback_server.respond_with(gold_responder(seeds))
    cache_dir = tmp_path / "cache"
    articles = str(SEEDS / "articles")

    submit_job(job, [articles], pipeline(loopback_server, cache_dir))
    report = collect_job(job, pipeline=pipeline(loopback_server, cache_dir))

    assert (report.done, report.failed, report.from_batch) == (len(seeds), 0, len(seeds))
    result = run_cli(
        [
            *("eval", "--cache-only", "--cache-dir", str(cache_dir), "--backend", "openai"),
            *("--base-url", loopback_server.base_url, "--model", "loopback-model"),
            *("--out", str(tmp_path / "eval")),
        ]
    )
    assert result.exit_code == 0, result.stderr
    metrics = json.loads((tmp_path / "eval" / "report.json").read_text(encoding="utf-8"))
    assert metrics["metrics"]["event_f1"] == 1.0
    assert chat_requests(loopback_server) == []


def test_shards_hold_at_most_max_requests_and_max_bytes(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 7)

    by_count = run_cli(["batch", "export", str(feed), "--job", str(job), "--max-requests", "3"])
    paths = [Path(line) for line in by_count.stdout.splitlines()]
    sizes = [len(path.read_text(encoding="utf-8").splitlines()) for path in paths]
    one_line = paths[0].read_bytes().splitlines(keepends=True)[0]
    by_size = run_cli(
        [
            *("batch", "export", str(feed), "--job", str(tmp_path / "by-size")),
            *("--max-bytes", str(2 * len(one_line) + 10)),
        ]
    )

    assert sizes == [3, 3, 1]
    sized = [Path(line).read_bytes() for line in by_size.stdout.splitlines()]
    assert len(sized) == 4
    assert all(len(data) <= 2 * len(one_line) + 10 for data in sized)
    assert sum(data.count(b"\n") for data in sized) == 7


# -- lifecycles --------------------------------------------------------------------------


def test_collect_waits_through_a_batch_lifecycle(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 3)
    served.script_batches(BatchScript(progress=("validating", "in_progress", "finalizing")))
    run_cli(["batch", "submit", str(feed), "--job", str(job)])

    pending = run_cli(["batch", "collect", "--job", str(job)])
    status = run_cli(["batch", "status", "--job", str(job), "--json"])
    waited = run_cli(["batch", "collect", "--job", str(job), "--wait", "--poll", "0"])

    assert pending.exit_code == 3
    assert "still running" in pending.stderr
    assert pending.stdout == ""
    assert json.loads(status.stdout)["batches"][0]["status"] == "in_progress"
    assert waited.exit_code == 0, waited.stderr
    assert output_ids(waited.stdout) == ["story-0", "story-1", "story-2"]
    assert job_status(job).totals.completed == 3


def test_a_failed_batch_is_asked_realtime_or_written_as_errors(
    served: LoopbackServer, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 3)
    served.script_batches(BatchScript(end="failed"), BatchScript(end="failed"))
    for name in ("realtime", "none"):
        run_cli(["batch", "submit", str(feed), "--job", str(tmp_path / name)])

    none = run_cli(["batch", "collect", "--job", str(tmp_path / "none"), "--fallback", "none"])
    chats_before = len(chat_requests(served))
    realtime = run_cli(["batch", "collect", "--job", str(tmp_path / "realtime")])

    assert none.exit_code == 1
    errors = error_records(none.stdout)
    assert set(errors) == {"story-0", "story-1", "story-2"}
    assert "failed (invalid_request: loopback: the script fails" in errors["story-0"]["message"]
    assert realtime.exit_code == 0, realtime.stderr
    assert "0 from the batch, 3 realtime" in realtime.stderr
    assert len(chat_requests(served)) == chats_before + 3


def test_an_expired_batch_keeps_its_partial_output(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 5)
    served.script_batches(BatchScript(progress=("in_progress",), end="expired", answered=2))
    run_cli(["batch", "submit", str(feed), "--job", str(job)])

    none = run_cli(
        ["batch", "collect", "--job", str(job), "--wait", "--poll", "0", "--fallback", "none"]
    )
    realtime = run_cli(["batch", "collect", "--job", str(job), "--fallback", "realtime"])

    assert none.exit_code == 1
    errors = error_records(none.stdout)
    assert sorted(errors) == ["story-2", "story-3", "story-4"]
    assert "expired before answering" in errors["story-2"]["message"]
    # Another fallback choice is another output: the two answered stay cached.
    assert realtime.exit_code == 0
    assert "2 from the cache" in realtime.stderr or "2 from the batch" in realtime.stderr
    assert output_ids(realtime.stdout) == [f"story-{n}" for n in range(5)]


def test_a_cancelled_job_collects_what_was_answered_and_asks_the_rest(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 4)
    served.script_batches(BatchScript(progress=("in_progress",) * 5, answered=1))
    run_cli(["batch", "submit", str(feed), "--job", str(job)])

    cancelled = run_cli(["batch", "cancel", "--job", str(job)])
    collected = run_cli(["batch", "collect", "--job", str(job), "--wait", "--poll", "0"])

    assert cancelled.exit_code == 0
    assert "cancelling" in cancelled.stdout
    assert [b["status"] for b in served.batches] == ["cancelled"]
    assert collected.exit_code == 0, collected.stderr
    assert "1 from the batch, 3 realtime" in collected.stderr
    assert cancel_job(job).shards[0].status == "cancelled"  # nothing left to cancel


def test_error_lines_malformed_lines_and_unknown_ids(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 6)
    # The first two requests of the batch get HTTP errors (the error file); the
    # next two answers are cut short; one extra line answers a request nobody made.
    served.script(Fault(500), Fault(400))
    served.script_batches(BatchScript(malformed=2, unknown_ids=1))
    run_cli(["batch", "submit", str(feed), "--job", str(job)])

    report = collect_job(job, fallback=Fallback.NONE)

    assert (report.done, report.failed) == (2, 4)
    assert (report.errored_requests, report.malformed_lines, report.unknown_lines) == (2, 2, 1)
    assert_results_and_errors_keyed_by_id(report.output.read_text(encoding="utf-8"))
    errors = error_records(report.output.read_text(encoding="utf-8"))
    assert "HTTP 500" in errors["story-0"]["message"]
    assert "HTTP 400" in errors["story-1"]["message"]
    assert "no reply" in errors["story-2"]["message"]
    assert list(job.glob("results/*-errors.jsonl"))


def test_a_reply_that_fails_validation_is_reasked_realtime(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 2)

    def invent_evidence(request: RecordedRequest) -> Step:
        return reply_with(request, with_evidence(seed_payload(), ["words the article lacks"]))

    served.respond_with(invent_evidence)
    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    report = collect_job(job, fallback=Fallback.NONE)
    errors = error_records(report.output.read_text(encoding="utf-8"))
    served.respond_with(valid_reply)
    realtime = run_cli(["batch", "collect", "--job", str(job)])

    assert report.invalid_replies == 2
    assert errors["story-0"]["type"] == "InvalidOutputError"
    assert "evidence" in errors["story-0"]["message"]
    assert realtime.exit_code == 0, realtime.stderr
    assert "0 from the batch, 2 realtime" in realtime.stderr


# -- export and import -------------------------------------------------------------------


def run_batch_like_vllm(server: LoopbackServer, requests: Path, results: Path) -> None:
    """What `vllm run-batch -i requests -o results` does: each line's body sent, each
    answer written as an OpenAI batch output line."""
    import openai

    lines = []
    with openai.OpenAI(api_key="x", base_url=server.base_url, max_retries=0) as client:
        for number, raw in enumerate(requests.read_text(encoding="utf-8").splitlines()):
            request = json.loads(raw)
            answer = client.post(
                "/chat/completions", body=request["body"], cast_to=openai.types.chat.ChatCompletion
            )
            response = {"status_code": 200, "request_id": f"r{number}", "body": answer.model_dump()}
            line = {"id": f"vllm-{number}", "custom_id": request["custom_id"]}
            lines.append(json.dumps({**line, "response": response, "error": None}))
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_export_then_import_of_vllm_style_results(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 4, extras=True)
    exported = run_cli(["batch", "export", str(feed), "--job", str(job), "--max-requests", "2"])
    paths = [Path(line) for line in exported.stdout.splitlines()]
    results = []
    for number, path in enumerate(paths):
        results.append(tmp_path / f"results-{number}.jsonl")
        run_batch_like_vllm(served, path, results[-1])
    chats = len(chat_requests(served))

    imported = run_cli(["batch", "import", *map(str, results), "--job", str(job)])
    assert len(chat_requests(served)) == chats  # every reply came from the results files
    realtime = run_cli(["--jsonl", "--ordered", "--cache-dir", str(tmp_path / "c"), str(feed)])

    assert exported.exit_code == 0 and len(paths) == 2
    assert served.uploads == []  # export uploads nothing
    assert imported.exit_code == 1  # the repeated id and the unreadable line
    assert imported.stdout == realtime.stdout
    assert_results_and_errors_keyed_by_id(imported.stdout)
    assert "5 from the batch" in imported.stderr  # the repeated text's too
    collect = run_cli(["batch", "collect", "--job", str(job)])
    assert collect.exit_code == 2
    assert "summarize batch import" in collect.stderr


# -- bad input ---------------------------------------------------------------------------


def test_a_corrupt_manifest_is_named_and_kept(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 2)
    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    manifest = job / "manifest.json"
    manifest.write_text('{"format_version": 1, "job_id": ', encoding="utf-8")
    files = sorted(path.name for path in job.rglob("*"))

    for command in (["status"], ["collect"], ["cancel"], ["submit", str(feed)]):
        result = run_cli(["batch", *command, "--job", str(job)])
        assert result.exit_code == 2, command
        assert result.error_lines == [f"Error: {manifest}: the job manifest is corrupt (not JSON)"]
        assert "Traceback" not in result.stderr
    assert sorted(path.name for path in job.rglob("*")) == files


def test_a_manifest_of_another_version_is_refused(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 2)
    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    manifest = job / "manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**document, "format_version": 99}), encoding="utf-8")

    result = run_cli(["batch", "collect", "--job", str(job)])

    assert result.exit_code == 2
    (line,) = result.error_lines
    assert str(manifest) in line and "format version 99" in line


def test_a_job_directory_is_refused_to_other_settings(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 2)
    run_cli(["batch", "submit", str(feed), "--job", str(job)])

    other_mode = run_cli(["batch", "submit", str(feed), "--job", str(job), "--mode", "json"])
    other_inputs = run_cli(["batch", "submit", str(SEED_ARTICLE), "--job", str(job)])
    same = run_cli(["batch", "submit", str(feed), "--job", str(job)])

    for refused, what in ((other_mode, "mode"), (other_inputs, "inputs")):
        assert refused.exit_code == 2
        (line,) = refused.error_lines
        assert "other settings" in line and what in line
    assert same.exit_code == 0
    assert len(served.uploads) == 1 and len(served.batches) == 1


def test_an_endpoint_without_batches_suggests_a_realtime_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, job: Path
) -> None:
    with LoopbackServer(batch_api=False) as server:
        use_loopback(monkeypatch, server)
        result = run_cli(
            ["batch", "submit", str(write_feed(tmp_path / "f.jsonl", 2)), "--job", str(job)]
        )

    assert result.exit_code == 2
    (line,) = result.error_lines
    assert "no batch API" in line and "summarize FILE" in line


def test_the_api_key_is_never_written_into_the_job(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 3)
    echo = Fault(401, {"error": {"message": f"bad key {SENTINEL_KEY}"}})
    # The batch's first request is refused by a server that echoes the key...
    served.script(echo)
    run_cli(["batch", "submit", str(feed), "--job", str(job)])
    from_batch = run_cli(["batch", "collect", "--job", str(job), "--fallback", "none"])
    # ... and so is its realtime re-ask.
    served.script(echo)
    realtime = run_cli(["batch", "collect", "--job", str(job)])

    for collected in (from_batch, realtime):
        assert collected.exit_code == 1
        assert SENTINEL_KEY not in collected.stdout + collected.stderr
    assert "bad key [redacted]" in from_batch.stdout
    # A refused key stops the realtime re-asks at the first, with one line.
    assert realtime.error_lines == [
        f"Error: {served.base_url} refused the API key (HTTP 401: bad key [redacted]): "
        "check OPENAI_API_KEY"
    ]

    files = [path for path in job.rglob("*") if path.is_file()]
    assert files
    for path in files:
        assert SENTINEL_KEY.encode() not in path.read_bytes(), path


def test_pending_collect_through_the_api(served: LoopbackServer, tmp_path: Path, job: Path) -> None:
    served.script_batches(BatchScript(progress=("in_progress",) * 3))
    submit_job(job, [str(write_feed(tmp_path / "f.jsonl", 1))], pipeline(served, tmp_path / "c"))

    with pytest.raises(JobPendingError):
        collect_job(job, pipeline=pipeline(served, tmp_path / "c"))
    polls: list[bool] = []
    report = collect_job(
        job,
        pipeline=pipeline(served, tmp_path / "c"),
        wait=True,
        poll_seconds=0,
        on_poll=lambda status: polls.append(status.ended),
    )
    assert report.done == 1
    assert polls[-1] and not polls[0]


# -- killed at every step ----------------------------------------------------------------


def start_cli(server: LoopbackServer, *args: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": SENTINEL_KEY,
        "SUMMARIZER_MODEL": LOOPBACK_MODEL,
    }
    command = [sys.executable, "-c", "from summarizer.cli import main; main()", *args]
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def nth_request(number: int) -> Callable[[RecordedRequest], bool]:
    """Matches the `number`-th files or batches request from now on (0 is the next)."""
    seen = itertools.count()
    return lambda request: next(seen) == number


def kill_when_held(server: LoopbackServer, process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process once the server holds a processed request's reply; False when
    the process ended first (it made fewer requests than the step asked for)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.holding.wait(0.05):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        if process.poll() is not None:
            return False
    process.kill()
    raise AssertionError("the command neither made the request nor ended")


def files_and_batches(server: LoopbackServer) -> list[str]:
    return [
        f"{r.method} {r.path.split('?')[0]}"
        for r in server.requests
        if r.path.startswith(("/v1/files", "/v1/batches"))
    ]


def finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr.decode()


ARTICLES = 4


@pytest.mark.slow
def test_submit_killed_at_every_step_never_uploads_or_creates_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", ARTICLES)
    step = 0
    while True:
        job = tmp_path / f"job-{step}"
        monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / f"cache-{step}"))
        with LoopbackServer() as server:
            server.respond_with(valid_reply)
            use_loopback(monkeypatch, server)
            server.hold_reply(nth_request(step), seconds=60)
            submit = ["batch", "submit", str(feed), "--job", str(job), "--max-requests", "2"]
            process = start_cli(server, *submit)
            if not kill_when_held(server, process):
                assert process.returncode == 0, process.stderr
                break  # the step is past the last request: every step has been killed
            held_at = files_and_batches(server)[-1]

            again = run_cli(submit)
            collected = run_cli(["batch", "collect", "--job", str(job)])

            assert again.exit_code == 0, (held_at, again.stderr)
            assert len(server.uploads) == 2, held_at
            metadata = [batch["metadata"] for batch in server.batches]
            assert sorted(m["summarizer_shard"] for m in metadata) == ["1", "2"], held_at
            assert collected.exit_code == 0, (held_at, collected.stderr)
            assert output_ids(collected.stdout) == [f"story-{n}" for n in range(ARTICLES)]
        step += 1
    # Per shard: list files, upload, list batches, create the batch.
    assert step == 8


@pytest.mark.slow
def test_collect_killed_at_every_step_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", ARTICLES)
    step = 0
    outputs: set[str] = set()
    while True:
        job = tmp_path / f"job-{step}"
        monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / f"cache-{step}"))
        with LoopbackServer() as server:
            server.respond_with(valid_reply)
            use_loopback(monkeypatch, server)
            # Shard 1 expires with one answer: collect re-asks its other article realtime.
            server.script_batches(BatchScript(end="expired", answered=1), BatchScript())
            submit = ["batch", "submit", str(feed), "--job", str(job), "--max-requests", "2"]
            assert run_cli(submit).exit_code == 0
            collect = ["batch", "collect", "--job", str(job)]
            server.hold_reply(nth_request(step), seconds=60)
            process = start_cli(server, *collect)
            if not kill_when_held(server, process):
                assert process.returncode == 0, process.stderr
                break
            held_at = files_and_batches(server)[-1]

            collected = run_cli(collect)

            assert collected.exit_code == 0, (held_at, collected.stderr)
            assert output_ids(collected.stdout) == [f"story-{n}" for n in range(ARTICLES)]
            outputs.add(collected.stdout)
            assert len(chat_requests(server)) == 1, held_at  # the one the batch did not answer
        step += 1
    # Per shard: read the batch, download its output file.
    assert step == 4
    assert len(outputs) == 1


@pytest.mark.parametrize("command", [["batch", "--help"], ["batch", "collect", "--help"]])
def test_batch_help_does_not_import_openai_or_instructor(command: list[str]) -> None:
    script = (
        "import sys\n"
        "from summarizer.cli import main\n"
        "try:\n"
        f"    main({command!r})\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor'})\n"
        "print('HEAVY', heavy)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )

    assert "Usage: summarize batch" in finished.stdout
    assert "HEAVY []" in finished.stdout


def test_collect_refuses_a_pipeline_with_other_settings(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    submit_job(job, [str(write_feed(tmp_path / "f.jsonl", 1))], pipeline(served, tmp_path / "c"))

    with pytest.raises(JobError, match=r"settings \(mode\)"):
        collect_job(job, pipeline=pipeline(served, tmp_path / "c", mode=Mode.JSON))


def test_collect_of_a_job_not_fully_submitted_says_to_submit_again(
    served: LoopbackServer, tmp_path: Path, job: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 2)
    with LoopbackServer(batch_api=False) as without:
        # An endpoint that takes no upload leaves the job written but not submitted.
        refused = run_cli(
            ["batch", "submit", str(feed), "--job", str(job), "--base-url", without.base_url]
        )
    collected = run_cli(["batch", "collect", "--job", str(job)])

    assert refused.exit_code == 2
    assert (job / "manifest.json").is_file()
    assert collected.exit_code == 2
    (line,) = collected.error_lines
    assert "have no batch yet" in line and "submit again" in line


def test_collect_prices_batch_replies_at_the_batch_price_and_reasks_at_realtime(
    served: LoopbackServer, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 3)
    prices = Prices(input=1.0, output=2.0, batch_input=0.5, batch_output=1.0)
    known = prices_for("gpt-4o-mini", None)
    assert known is not None and known.batch_input is not None
    reports: dict[str, CollectReport] = {}
    for name in ("api", "cli"):
        served.script(Fault(500))  # the first line is an error: asked again realtime
        submit = ["batch", "submit", str(feed), "--job", str(tmp_path / name)]
        run_cli([*submit, "--model", "gpt-4o-mini", "--cache-dir", str(tmp_path / name / "c")])
        if name == "api":
            reports[name] = collect_job(tmp_path / name)
    cli = run_cli(["batch", "collect", "--job", str(tmp_path / "cli")])

    report = reports["api"]
    batch, realtime = report.batch_tokens, report.realtime_tokens
    assert (report.from_batch, report.from_realtime) == (2, 1)
    assert batch.prompt_tokens > 0 and realtime.prompt_tokens > 0
    expected = (
        batch.prompt_tokens * 0.5
        + batch.completion_tokens * 1.0
        + realtime.prompt_tokens * 1.0
        + realtime.completion_tokens * 2.0
    ) / 1_000_000
    assert report.cost_usd(prices) == pytest.approx(expected)
    assert report.cost_usd(None) is None
    line = re.search(r"Tokens: .* by the batch, .* realtime; cost \$([0-9.]+) \(at", cli.stderr)
    assert line is not None, cli.stderr
    assert float(line.group(1)) == pytest.approx(report.cost_usd(known), abs=1e-4)
