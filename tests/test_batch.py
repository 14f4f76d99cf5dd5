"""The batch engine: one record per input, bounded concurrency, order, limits, stopping.

A scripted in-memory backend stands in for the model here, so each test controls
which article is slow, fails or crashes; tests/test_faults.py does the same over
HTTP against the loopback server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import summarizer
from summarizer.article import Article, content_id
from summarizer.backends.base import Draft
from summarizer.cache import ResultCache
from summarizer.cli.progress import summary_lines
from summarizer.errors import BackendError, ConfigurationError, InputError
from summarizer.pipeline import Pipeline
from summarizer.readers import UnreadableInput
from summarizer.run import (
    AsyncBatch,
    BatchReport,
    ErrorRecord,
    Record,
    ResultRecord,
    asummarize_many,
    summarize_many,
)
from summarizer.run.engine import REORDER_WINDOW
from summarizer.run.limits import RateLimits, TokenBucket, estimate_tokens
from summarizer.schema import Extraction, Usage
from tests.llm_support import article_block, chat_requests, run_cli, use_loopback, valid_reply
from tests.loopback import LoopbackServer, RecordedRequest, Slow, Step


class ScriptedBackend:
    """Answers every article validly after its scripted delay, unless told to fail."""

    name = "scripted"
    model: str | None = "scripted-1"
    prompt_version = "scripted-v1"

    def __init__(
        self,
        *,
        delays: dict[str, float] | None = None,
        default_delay: float = 0.0,
        fail: Iterable[str] = (),
        crash: Iterable[str] = (),
    ) -> None:
        self.delays = delays or {}
        self.default_delay = default_delay
        self.fail = set(fail)
        self.crash = set(crash)
        self.calls: Counter[str] = Counter()
        self.finished: list[str] = []
        # For each article, how many had been started when its own call ended.
        self.started_by_end: dict[str, int] = {}
        self.in_flight = 0
        self.peak_in_flight = 0

    @property
    def settings(self) -> dict[str, Any]:
        return {"scripted": True}

    def extract(self, article: Article) -> Draft:
        raise AssertionError("the batch engine must call aextract")

    async def aextract(self, article: Article) -> Draft:
        self.calls[article.id] += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.get(article.id, self.default_delay))
            self.started_by_end[article.id] = sum(self.calls.values())
            if article.id in self.fail:
                raise BackendError("scripted failure", article_id=article.id, attempts=3)
            if article.id in self.crash:
                raise ValueError("a bug in the backend")
            quote = " ".join(article.body.split()[:5])
            extraction = Extraction.model_validate(
                {
                    "headline": "A warehouse fire",
                    "brief": "A fire hit a warehouse.",
                    "events": [
                        {"event_type": "accident", "summary": "A fire.", "evidence": [quote]}
                    ],
                }
            )
            self.finished.append(article.id)
            return Draft(extraction, Usage(prompt_tokens=900, completion_tokens=100), attempts=1)
        finally:
            self.in_flight -= 1


def article(number: int) -> Article:
    return Article.from_text(
        f"date 2024-03-01 Springfield: Story {number} says a fire hit a warehouse on Friday.",
        id=f"a-{number}",
        source=f"feed.jsonl:{number + 1}",
    )


def articles(count: int) -> list[Article]:
    return [article(number) for number in range(count)]


def ids_of(records: Iterable[Record]) -> list[str]:
    return [record.id for record in records]


async def collect(batch: AsyncIterator[Record] | AsyncBatch) -> list[Record]:
    return [record async for record in batch]


def test_every_input_ends_as_exactly_one_record() -> None:
    backend = ScriptedBackend(default_delay=0.001, fail={"a-3"}, crash={"a-5"})
    unreadable = UnreadableInput("broken", InputError("feed.jsonl:99: not valid JSON"))
    texts = ["Plain text makes an article too.", "   "]
    inputs: list[Article | UnreadableInput | str] = [*articles(10), unreadable, *texts]

    run = summarize_many(inputs, Pipeline(backend), concurrency=4)
    records = list(run)

    input_ids = [a.id for a in articles(10)] + ["broken"] + [content_id(t) for t in texts]
    assert sorted(ids_of(records)) == sorted(input_ids)
    errors = {r.id: r for r in records if isinstance(r, ErrorRecord)}
    assert errors["a-3"].type == "BackendError"
    assert errors["a-3"].message == "a-3: scripted failure"
    assert errors["a-5"].type == "ValueError"
    assert errors["broken"] == ErrorRecord("broken", "InputError", "feed.jsonl:99: not valid JSON")
    assert errors[content_id("   ")].message == "<text>: the article is empty"
    assert sum(isinstance(r, ResultRecord) for r in records) == 9
    assert run.report.done == 9
    assert run.report.failed == Counter(BackendError=1, ValueError=1, InputError=2)
    assert run.report.read == len(inputs)
    assert not run.report.interrupted
    assert run.report.elapsed > 0


def test_records_serialise_as_one_json_line_each() -> None:
    backend = ScriptedBackend(fail={"a-1"})

    records = list(summarize_many(articles(2), Pipeline(backend), ordered=True))

    result, error = (json.loads(record.to_json()) for record in records)
    assert result["id"] == "a-0"
    assert "cached" not in result
    assert error == {
        "id": "a-1",
        "error": {"type": "BackendError", "message": "a-1: scripted failure"},
    }
    assert all("\n" not in record.to_json() for record in records)


def test_no_more_than_concurrency_articles_are_in_flight() -> None:
    backend = ScriptedBackend(default_delay=0.01)

    records = list(summarize_many(articles(60), Pipeline(backend), concurrency=5))

    assert len(records) == 60
    assert backend.peak_in_flight == 5


def test_input_is_read_only_as_workers_free_up() -> None:
    pulled = 0

    def endless() -> Iterator[Article]:
        nonlocal pulled
        for number in itertools.count():
            pulled += 1
            yield article(number)

    async def take_fifty() -> list[int]:
        batch = asummarize_many(endless(), Pipeline(ScriptedBackend()), concurrency=4)
        ahead = []
        written = 0
        async for _ in batch:
            written += 1
            ahead.append(pulled - written)
            if written == 50:
                batch.stop()
        return ahead

    ahead = asyncio.run(take_fifty())

    # In flight, plus as many again read ahead.
    assert max(ahead) <= 2 * 4


def test_ordered_output_follows_the_input_whatever_finishes_first() -> None:
    rng = random.Random(5)
    delays = {f"a-{n}": rng.uniform(0, 0.03) for n in range(40)}

    ordered = list(
        summarize_many(articles(40), Pipeline(ScriptedBackend(delays=delays)), ordered=True)
    )
    backend = ScriptedBackend(delays=delays)
    as_finished = list(summarize_many(articles(40), Pipeline(backend)))

    assert ids_of(ordered) == [f"a-{n}" for n in range(40)]
    assert ids_of(as_finished) == backend.finished
    assert ids_of(as_finished) != ids_of(ordered)


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_ordered_mode_bounds_how_far_ahead_of_a_slow_article_it_runs() -> None:
    concurrency = 3
    # Long enough for the others to fill the window on a loaded machine.
    backend = ScriptedBackend(delays={"a-0": 2.0}, default_delay=0.001)

    records = list(
        summarize_many(articles(100), Pipeline(backend), concurrency=concurrency, ordered=True)
    )

    assert ids_of(records) == [f"a-{n}" for n in range(100)]
    assert backend.started_by_end["a-0"] == REORDER_WINDOW * concurrency


def test_a_duplicate_id_becomes_an_error_record_and_is_not_summarized() -> None:
    backend = ScriptedBackend()
    again = Article.from_text("Another text under a used id.", id="a-0", source="late.txt")
    unreadable_again = UnreadableInput("a-1", InputError("feed.jsonl:7: not valid JSON"))

    records = list(
        summarize_many([*articles(2), again, unreadable_again], Pipeline(backend), ordered=True)
    )

    assert ids_of(records) == ["a-0", "a-1", "a-0", "a-1"]
    assert records[2:] == [
        ErrorRecord(
            "a-0",
            "DuplicateIdError",
            "late.txt: duplicate id 'a-0': an earlier input has it, "
            "and only the first is summarized",
        ),
        ErrorRecord("a-1", "DuplicateIdError", "duplicate id 'a-1' (feed.jsonl:7: not valid JSON)"),
    ]
    assert backend.calls == Counter({"a-0": 1, "a-1": 1})
    # Without the DuplicateIdError records, every id appears exactly once.
    kept = [r for r in records if not (isinstance(r, ErrorRecord) and r.type == "DuplicateIdError")]
    assert sorted(ids_of(kept)) == ["a-0", "a-1"]


def test_a_rerun_is_answered_by_the_cache(tmp_path: Path) -> None:
    first_backend = ScriptedBackend(fail={"a-2"})
    with ResultCache(tmp_path / "cache") as cache:
        first = list(summarize_many(articles(6), Pipeline(first_backend, cache)))
        second_backend = ScriptedBackend()
        run = summarize_many(articles(6), Pipeline(second_backend, cache))
        second = list(run)

    assert sum(isinstance(r, ErrorRecord) for r in first) == 1
    assert second_backend.calls == Counter({"a-2": 1})
    assert {r.id: r.cached for r in second if isinstance(r, ResultRecord)} == {
        **{f"a-{n}": True for n in (0, 1, 3, 4, 5)},
        "a-2": False,
    }
    assert (run.report.done, run.report.cached, run.report.failures) == (6, 5, 0)


def test_stop_writes_what_is_finished_and_names_what_it_abandoned() -> None:
    backend = ScriptedBackend(delays={"a-1": 5.0, "a-2": 5.0}, default_delay=0.001)

    async def run() -> tuple[list[Record], AsyncBatch]:
        batch = asummarize_many(articles(50), Pipeline(backend), concurrency=4)
        records = []
        async for record in batch:
            records.append(record)
            if len(records) == 10:
                batch.stop()
        return records, batch

    started = time.monotonic()
    records, batch = asyncio.run(run())

    assert time.monotonic() - started < 2.0
    report = batch.report
    assert report.interrupted
    assert {"a-1", "a-2"} <= set(report.abandoned)
    assert len(report.abandoned) <= 4
    assert len(records) == report.written >= 10
    written = set(ids_of(records))
    assert len(written) == len(records)
    assert written.isdisjoint(report.abandoned)
    assert report.read == len(records) + len(report.abandoned)
    assert report.last_read == f"a-{report.read - 1}"


def test_stop_in_ordered_mode_writes_finished_records_in_order_past_the_gap() -> None:
    backend = ScriptedBackend(delays={"a-2": 5.0}, default_delay=0.001)

    async def run() -> tuple[list[Record], AsyncBatch]:
        batch = asummarize_many(articles(100), Pipeline(backend), concurrency=4, ordered=True)
        # Time enough for everything the reorder window lets start behind a-2 to finish.
        asyncio.get_running_loop().call_later(0.3, batch.stop)
        return await collect(batch), batch

    records, batch = asyncio.run(run())

    window = REORDER_WINDOW * 4
    assert ids_of(records) == [f"a-{n}" for n in range(window + 2) if n != 2]
    assert batch.report.abandoned == ["a-2"]


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="the run traps Ctrl-C only over Python's default handler",
)
def test_ctrl_c_stops_between_records_then_raises_keyboard_interrupt() -> None:
    backend = ScriptedBackend(default_delay=0.005)
    written: list[str] = []
    run = summarize_many(articles(200), Pipeline(backend), concurrency=4)

    with pytest.raises(KeyboardInterrupt):
        for record in run:
            if len(written) == 5:
                signal.raise_signal(signal.SIGINT)
            # Ctrl-C above did not raise here: the caller's own work is never cut short.
            written.append(record.id)

    assert run.report.interrupted
    assert 5 < len(written) < 200
    assert len(written) == run.report.written
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_leaving_a_run_early_stops_its_thread() -> None:
    backend = ScriptedBackend(default_delay=0.01)

    with summarize_many(articles(500), Pipeline(backend)) as run:
        for _ in run:
            break

    assert not [t for t in threading.enumerate() if t.name == "summarizer-batch"]
    assert sum(backend.calls.values()) < 50


def test_an_error_in_the_input_itself_reaches_the_caller_after_what_was_read() -> None:
    def failing() -> Iterator[Article]:
        yield from articles(3)
        raise OSError("the disk went away")

    written = []
    backend = ScriptedBackend(delays={"a-0": 0.2})
    with pytest.raises(OSError, match="the disk went away"):
        for record in summarize_many(failing(), Pipeline(backend)):
            written.append(record.id)

    assert sorted(written) == ["a-0", "a-1", "a-2"]


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="concurrency"):
        summarize_many([], Pipeline(ScriptedBackend()), concurrency=0)


def test_the_batch_api_is_public() -> None:
    for name in ("summarize_many", "asummarize_many", "BatchReport", "ErrorRecord", "ResultRecord"):
        assert name in summarizer.__all__
        assert getattr(summarizer, name) is not None


class FakeTime:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def test_token_bucket_allows_a_one_second_burst_then_the_rate() -> None:
    fake = FakeTime()

    async def take_times(costs: list[float]) -> list[float]:
        bucket = TokenBucket(2.0, clock=fake.clock, sleep=fake.sleep)
        times = []
        for cost in costs:
            await bucket.take(cost)
            times.append(fake.now)
        return times

    assert asyncio.run(take_times([1, 1, 1, 1])) == pytest.approx([0, 0, 0.5, 1.0])


def test_a_cost_above_the_burst_waits_for_a_full_bucket_and_leaves_debt() -> None:
    fake = FakeTime()

    async def take_times() -> list[float]:
        bucket = TokenBucket(2.0, clock=fake.clock, sleep=fake.sleep)
        await bucket.take(6)  # full bucket (2) now; 4 owed
        first = fake.now
        await bucket.take(1)  # waits off the debt: (1 + 4) / 2
        return [first, fake.now]

    assert asyncio.run(take_times()) == pytest.approx([0, 2.5])


def test_settling_corrects_the_estimate_from_the_real_usage() -> None:
    fake = FakeTime()
    limits = RateLimits(rpm=120, tpm=6_000, clock=fake.clock, sleep=fake.sleep)
    item = article(1)
    assert limits.requests is not None
    assert limits.tokens is not None

    async def settle_twice() -> None:
        ticket = await limits.acquire(item)
        assert ticket.tokens == estimate_tokens(item)
        # Two requests were made (a re-ask), and fewer tokens spent than guessed.
        limits.settle(ticket, requests=2, tokens=ticket.tokens - 50)

    asyncio.run(settle_twice())

    assert limits.requests.level == pytest.approx(2 - 2)
    assert limits.tokens.level == pytest.approx(100 - estimate_tokens(item) + 50)


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_rpm_paces_the_requests_of_a_run() -> None:
    backend = ScriptedBackend()
    started = time.monotonic()

    # 600 a minute: a burst of 10 at once, then one every 0.1 s.
    records = list(summarize_many(articles(25), Pipeline(backend), rpm=600))

    assert len(records) == 25
    assert 1.3 < time.monotonic() - started < 3.0


def test_cached_answers_spend_no_rate_limit(tmp_path: Path) -> None:
    with ResultCache(tmp_path / "cache") as cache:
        list(summarize_many(articles(30), Pipeline(ScriptedBackend(), cache)))
        started = time.monotonic()
        records = list(summarize_many(articles(30), Pipeline(ScriptedBackend(), cache), rpm=60))

    assert all(isinstance(r, ResultRecord) and r.cached for r in records)
    assert time.monotonic() - started < 1.0


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def llm(loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(valid_reply)
    return loopback_server


def write_feed(path: Path, count: int) -> Path:
    lines = (json.dumps({"id": f"a-{n}", "text": article(n).text}) + "\n" for n in range(count))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_output_streams_one_line_per_input_and_a_summary_to_stderr(
    llm: LoopbackServer, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 12)
    with feed.open("a", encoding="utf-8") as stream:
        stream.write("not json\n")
    output = tmp_path / "out.jsonl"
    output.write_text("left over from an earlier run\n", encoding="utf-8")

    result = run_cli(["--output", str(output), "--concurrency", "3", str(feed)])

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(
        [f"a-{n}" for n in range(12)] + ["feed-line-13"]
    )
    assert result.error_lines == [f"Error: {feed}:13: not valid JSON (Expecting value at column 1)"]
    assert re.fullmatch(
        r"12 done, 1 failed \(InputError 1\), in \d+\.\d s", result.stderr.splitlines()[-2]
    )
    # The loopback reports 12 prompt and 8 completion tokens a reply; its model has no price.
    assert result.stderr.splitlines()[-1] == "Spent 144 input and 96 output tokens, cost unknown"


def test_a_clean_run_exits_0_and_a_rerun_comes_from_the_cache(
    llm: LoopbackServer, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "feed.jsonl", 5)

    first = run_cli(["--jsonl", str(feed)])
    second = run_cli(["--jsonl", str(feed)])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert len(chat_requests(llm)) == 5
    assert sorted(first.stdout.splitlines()) == sorted(second.stdout.splitlines())
    assert second.stderr.splitlines()[-2].startswith("5 done (5 from the cache), 0 failed")
    assert second.stderr.splitlines()[-1] == (
        "Spent nothing; the cache saved 60 input and 40 output tokens, cost unknown"
    )


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_ordered_keeps_input_order_when_early_articles_are_slow(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)

    def slow_first(request: RecordedRequest) -> Step:
        first = "Story 0 says" in article_block(request)
        return Slow(0.5, valid_reply(request)) if first else valid_reply(request)

    loopback_server.respond_with(slow_first)
    feed = write_feed(tmp_path / "feed.jsonl", 6)

    as_finished = run_cli(["--jsonl", str(feed)])
    ordered = run_cli(["--jsonl", "--ordered", "--no-cache", str(feed)])

    def ids(output: str) -> list[str]:
        return [json.loads(line)["id"] for line in output.splitlines()]

    assert ids(ordered.stdout) == [f"a-{n}" for n in range(6)]
    assert ids(as_finished.stdout)[-1] == "a-0"


def test_json_prints_one_document_of_the_results_in_input_order(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)

    def slow_first(request: RecordedRequest) -> Step:
        first = "Story 0 says" in article_block(request)
        return Slow(0.3, valid_reply(request)) if first else valid_reply(request)

    loopback_server.respond_with(slow_first)
    feed = write_feed(tmp_path / "feed.jsonl", 3)
    with feed.open("a", encoding="utf-8") as stream:
        stream.write('{"id": "no-text"}\n')

    result = run_cli(["--json", str(feed)])

    assert result.exit_code == 1
    assert [document["id"] for document in json.loads(result.stdout)] == [
        "a-0",
        "a-1",
        "a-2",
    ]
    assert result.error_lines == [f'Error: {feed}:4: the record has no "text" string']


def test_json_and_json_lines_together_are_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["--json", "--jsonl", str(tmp_path / "any.txt")])

    assert result.exit_code == 2
    assert "--json prints one document" in result.stderr


def test_help_imports_neither_pydantic_nor_asyncio() -> None:
    script = (
        "import sys\n"
        "from summarizer.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'asyncio'}))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )

    assert "--concurrency" in finished.stdout or "Usage: summarize" in finished.stdout
    assert "HEAVY []" in finished.stdout


def test_the_end_of_a_stopped_run_says_where_it_stopped() -> None:
    report = BatchReport(
        read=40,
        done=30,
        cached=12,
        failed=Counter(BackendError=2),
        elapsed=75.5,
        interrupted=True,
        last_read="a-39",
        abandoned=[f"a-{n}" for n in range(32, 40)],
    )

    assert summary_lines(report) == [
        "30 done (12 from the cache), 2 failed (BackendError 2), in 1m15s",
        "Stopped after reading 40 input(s) (the last: a-39): 32 written; 8 in flight "
        "abandoned (a-32, a-33, a-34, a-35, a-36, ...). Run the same command again to "
        "finish: articles already done come from the cache.",
    ]


class InventingBackend(ScriptedBackend):
    """Answers with a quote the article does not hold: invalid against it."""

    async def aextract(self, article: Article) -> Draft:
        extraction = Extraction.model_validate(
            {
                "headline": "A warehouse fire",
                "brief": "A fire hit a warehouse.",
                "events": [
                    {"event_type": "accident", "summary": "A fire.", "evidence": ["Nobody saw"]}
                ],
            }
        )
        return Draft(extraction, Usage(prompt_tokens=900, completion_tokens=100), attempts=1)


def test_an_invalid_result_is_one_line_naming_each_field_and_its_reason() -> None:
    with Pipeline(InventingBackend(), cache=None) as pipeline:
        (record,) = summarize_many([article(0)], pipeline)

    assert isinstance(record, ErrorRecord)
    assert record.type == "InvalidOutputError"
    assert record.message == str(record.error)
    assert "\n" not in str(record.error)
    # Pydantic's own text adds the input, the error type and a link, a few lines each.
    assert "errors.pydantic.dev" not in record.message and "input_value" not in record.message
    assert record.message.startswith("a-0: scripted returned an invalid result: ")
    assert "invalid result: events.0.evidence: these evidence quotes do not occur" in (
        record.message
    )
