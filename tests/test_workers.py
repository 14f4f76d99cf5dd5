"""Batch runs with the backend in worker processes (`workers=`, `--workers`).

The workers are real processes started by the pool; the backends they load come
from tests/worker_backends.py, and the LLM backend talks to the loopback server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.backends.offline import OfflineBackend
from summarizer.errors import BackendError, ConfigurationError, InvalidOutputError
from summarizer.pipeline import Pipeline, open_pipeline
from summarizer.readers import iter_inputs
from summarizer.run import ErrorRecord, Record, ResultRecord, asummarize_many, summarize_many
from summarizer.run.workers import WorkerPool
from summarizer.schema import Usage
from tests import worker_backends
from tests.conftest import SEEDS
from tests.llm_support import (
    SENTINEL_KEY,
    capture_all_logs,
    chat_requests,
    llm_settings,
    run_cli,
    valid_reply,
)
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Reply
from tests.worker_backends import (
    FAIL,
    KILL,
    LOG,
    SLOW,
    UNREADABLE,
    UNSENDABLE,
    ProcessReportingBackend,
    UnloadableBackend,
)


def story(number: int, marker: str = "") -> Article:
    return Article.from_text(
        f"date 2024-03-01 Springfield: Story {number} says a fire hit a warehouse. {marker}",
        id=f"a-{number}",
    )


def stories(count: int) -> list[Article]:
    return [story(number) for number in range(count)]


def by_id(records: list[Record]) -> dict[str, Record]:
    assert Counter(record.id for record in records).most_common(1)[0][1] == 1
    return {record.id: record for record in records}


def working_processes(records: Iterable[Record]) -> set[int]:
    """The processes that made the results (ProcessReportingBackend records its own)."""
    return {r.summary.usage.prompt_tokens for r in records if isinstance(r, ResultRecord)}


def worker_processes() -> list[int]:
    """The worker processes this test started: they inherit its own user directory."""
    return worker_backends.worker_processes(os.environ["SUMMARIZER_HOME"])


@pytest.mark.slow
def test_the_workers_do_the_backends_work_and_every_input_gets_its_record() -> None:
    run = summarize_many(stories(40), Pipeline(ProcessReportingBackend()), concurrency=8, workers=2)
    records = by_id(list(run))

    assert records.keys() == {f"a-{n}" for n in range(40)}
    assert all(isinstance(record, ResultRecord) for record in records.values())
    processes = working_processes(records.values())
    assert len(processes) == 2
    assert os.getpid() not in processes
    assert (run.report.done, run.report.failures) == (40, 0)
    assert worker_processes() == []


@pytest.mark.slow
def test_results_are_the_same_as_in_one_process() -> None:
    def run(workers: int) -> list[str]:
        inputs = iter_inputs([str(SEEDS / "articles")], stdin=None)
        batch = summarize_many(inputs, Pipeline(OfflineBackend()), ordered=True, workers=workers)
        return [record.to_json() for record in batch]

    single = run(1)
    assert len(single) == 20
    assert run(2) == single


@pytest.mark.slow
def test_failures_come_back_as_the_error_records_of_one_process() -> None:
    articles = [story(0), story(1, FAIL), story(2)]

    def errors(workers: int) -> list[ErrorRecord]:
        run = summarize_many(articles, Pipeline(ProcessReportingBackend()), workers=workers)
        return [record for record in run if isinstance(record, ErrorRecord)]

    assert errors(2) == errors(1) == [ErrorRecord("a-1", "BackendError", "a-1: told to fail")]


def test_backend_errors_keep_their_details_when_pickled() -> None:
    usage = Usage(prompt_tokens=300, completion_tokens=40)
    error = InvalidOutputError("no valid reply", article_id="a-7", attempts=3, usage=usage)

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is InvalidOutputError
    assert (str(copy), copy.article_id, copy.attempts) == ("a-7: no valid reply", "a-7", 3)
    assert copy.usage == usage


@pytest.mark.slow
def test_a_crashed_worker_fails_only_what_it_held_and_new_workers_take_their_places() -> None:
    # Two articles crash the process that takes them, and two different processes take
    # them (the second goes to a worker holding nothing): both first workers die.
    articles = [story(0, KILL), story(1, KILL), *(story(n) for n in range(2, 30))]

    run = summarize_many(articles, Pipeline(ProcessReportingBackend()), concurrency=4, workers=2)
    records = by_id(list(run))

    assert records.keys() == {article.id for article in articles}
    crashes = {}
    for article_id in ("a-0", "a-1"):
        crashed = records[article_id]
        assert isinstance(crashed, ErrorRecord)
        assert crashed.type == "BackendError"
        found = re.fullmatch(
            rf"{article_id}: (worker process (\d+) exited \(code 3\))", crashed.message
        )
        assert found is not None, crashed.message
        crashes[int(found[2])] = found[1]
    assert len(crashes) == 2
    # Only the articles in flight on a crashed worker share its fate (at most the
    # concurrency each), with its message; every other article is done.
    failed = [record for record in records.values() if isinstance(record, ErrorRecord)]
    assert len(failed) <= 8
    assert {record.message.removeprefix(f"{record.id}: ") for record in failed} <= set(
        crashes.values()
    )
    assert run.report.done == 30 - len(failed)
    # The results come from neither crashed process nor this one: a pool of two that
    # has lost both, and still works, has started new workers in their places.
    processes = working_processes(records.values())
    assert processes and processes.isdisjoint({*crashes, os.getpid()})


@pytest.mark.slow
def test_a_result_that_cannot_cross_between_processes_is_that_articles_error() -> None:
    articles = [story(0, UNSENDABLE), story(1, UNREADABLE), *(story(n) for n in range(2, 12))]

    run = summarize_many(articles, Pipeline(ProcessReportingBackend()), concurrency=1, workers=2)
    records = by_id(list(run))

    unsendable, unreadable = records["a-0"], records["a-1"]
    assert isinstance(unsendable, ErrorRecord)
    assert unsendable.message.startswith("a-0: the result cannot be sent back: ")
    # The tokens were spent all the same: the backend's usage says which worker answered.
    assert unsendable.usage.prompt_tokens not in (0, os.getpid())
    assert isinstance(unreadable, ErrorRecord)
    assert unreadable.message.startswith("a-1: worker process ")
    assert unreadable.message.endswith(
        "sent an unreadable reply: this backend only works in the process that made it"
    )
    assert all(isinstance(records[f"a-{n}"], ResultRecord) for n in range(2, 12))


@pytest.mark.slow
def test_a_backend_the_workers_cannot_load_fails_each_article_with_the_reason() -> None:
    run = summarize_many(stories(6), Pipeline(UnloadableBackend()), workers=2)
    records = list(run)

    assert len(records) == 6
    assert all(isinstance(record, ErrorRecord) for record in records)
    assert [record.message for record in records if isinstance(record, ErrorRecord)] == [
        f"{record.id}: a worker process cannot load the backend: "
        "this backend only works in the process that made it"
        for record in records
    ]


def test_a_backend_that_cannot_be_pickled_is_a_configuration_error() -> None:
    backend = ProcessReportingBackend()
    backend.hook = lambda: None  # type: ignore[attr-defined]

    with pytest.raises(ConfigurationError, match="cannot be sent to worker processes"):
        summarize_many(stories(1), Pipeline(backend), workers=2)


def test_workers_must_be_at_least_one() -> None:
    with pytest.raises(ConfigurationError, match="workers must be at least 1"):
        summarize_many(stories(1), Pipeline(ProcessReportingBackend()), workers=0)


def test_a_single_synchronous_extraction_stays_in_process() -> None:
    pool = WorkerPool(ProcessReportingBackend(), 2)

    draft = pool.extract(story(0))

    assert draft.usage.prompt_tokens == os.getpid()
    assert worker_processes() == []


@pytest.mark.slow
def test_worker_logs_reach_the_callers_loggers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    list(
        summarize_many(
            [story(0, LOG), story(1)], open_pipeline(ProcessReportingBackend()), workers=2
        )
    )

    logged = [r for r in caplog.records if r.name == "tests.worker_backends"]
    assert [(r.levelno, r.getMessage()) for r in logged] == [(logging.WARNING, "logged for a-0")]
    assert logged[0].process != os.getpid()


@pytest.mark.slow
def test_worker_logs_below_the_callers_level_are_not_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    logging.getLogger("tests.worker_backends").setLevel(logging.ERROR)
    try:
        list(summarize_many([story(0, LOG)], open_pipeline(ProcessReportingBackend()), workers=2))
    finally:
        logging.getLogger("tests.worker_backends").setLevel(logging.NOTSET)

    assert not [r for r in caplog.records if r.name == "tests.worker_backends"]


@pytest.mark.slow
def test_stopping_abandons_work_in_flight_and_ends_the_workers() -> None:
    articles = [story(0), story(1), *(story(n, SLOW) for n in range(2, 6))]

    async def run() -> tuple[list[Record], Any]:
        batch = asummarize_many(
            articles, Pipeline(ProcessReportingBackend()), concurrency=6, workers=2
        )
        records = []
        async for record in batch:
            records.append(record)
            if len(records) == 2:
                batch.stop()
        return records, batch.report

    records, report = asyncio.run(asyncio.wait_for(run(), timeout=30))

    assert {record.id for record in records} == {"a-0", "a-1"}
    assert report.interrupted
    assert sorted(report.abandoned) == [f"a-{n}" for n in range(2, 6)]
    assert worker_processes() == []


@pytest.mark.slow
def test_the_llm_backend_runs_in_workers_and_reruns_come_from_the_cache(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    loopback_server.respond_with(valid_reply)
    backend = LLMBackend(llm_settings(loopback_server))

    def run() -> list[Record]:
        return list(
            summarize_many(stories(12), open_pipeline(backend, cache_dir=tmp_path), workers=2)
        )

    first = run()
    asked = len(chat_requests(loopback_server))
    again = run()

    assert all(isinstance(record, ResultRecord) and not record.cached for record in first)
    assert asked == 12
    assert all(isinstance(record, ResultRecord) and record.cached for record in again)
    assert len(chat_requests(loopback_server)) == asked
    assert sorted(r.to_json() for r in again) == sorted(r.to_json() for r in first)


@pytest.mark.slow
def test_the_key_stays_out_of_records_and_logs_from_workers(
    loopback_server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)

    def echo_the_key(request: RecordedRequest) -> Fault | Reply:
        if b"Story 1 " in request.raw_body:
            message = f"Incorrect API key provided: {SENTINEL_KEY}"
            # A 400 of one article's: a 401 would stop the whole run.
            return Fault(400, body={"error": {"message": message, "type": "invalid_request"}})
        return valid_reply(request)

    loopback_server.respond_with(echo_the_key)
    backend = LLMBackend(llm_settings(loopback_server))

    records = by_id(list(summarize_many(stories(3), Pipeline(backend), workers=2)))

    failed = records["a-1"]
    assert isinstance(failed, ErrorRecord)
    assert "Incorrect API key provided: [redacted]" in failed.message
    assert SENTINEL_KEY not in "\n".join(record.to_json() for record in records.values())
    forwarded = [r for r in caplog.records if r.process != os.getpid()]
    assert forwarded  # instructor's failure log, sent back by the worker
    assert not [r for r in caplog.records if SENTINEL_KEY in r.getMessage()]


@pytest.mark.slow
def test_the_command_takes_workers(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"

    result = run_cli(
        ["--backend", "offline", "--workers", "2", "--output", str(output), str(SEEDS / "articles")]
    )

    assert result.exit_code == 0, result.stderr
    assert len(output.read_text(encoding="utf-8").splitlines()) == 20
    assert run_cli(["--workers", "0", str(SEEDS / "articles")]).exit_code == 2


def test_backend_error_has_a_readable_message_without_an_article_id() -> None:
    assert str(pickle.loads(pickle.dumps(BackendError("plain")))) == "plain"
