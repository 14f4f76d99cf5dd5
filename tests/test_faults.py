"""Fault injection: a batch over a few hundred articles against a loopback server that
misbehaves at random (seeded), the way real providers do at volume.

Each request draws its fate from a generator seeded with the article and the
request's number, so a run is reproducible whatever order requests arrive in:
a valid reply, 429 with Retry-After, 500, 503, a connection reset, a reply slower
than the client's timeout, a truncated body, JSON that breaks the schema, or
evidence that is not in the article. A few articles are doomed (always 500,
always invalid, a 400 that echoes the key) so failures of every kind are certain.

The promises checked: every input ends as exactly one record; no article makes
more than max_attempts * (1 + max_reasks) requests, nor retries past its time
budget; the run's time is bounded; a rerun asks only for the failed articles;
the API key appears in no record, report, log line or cache file.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache
from summarizer.pipeline import Pipeline
from summarizer.readers import UnreadableInput, iter_jsonl
from summarizer.run import ErrorRecord, Record, ResultRecord, summarize_many
from tests.llm_support import (
    SENTINEL_KEY,
    article_block,
    capture_all_logs,
    chat_requests,
    llm_settings,
    reply_with,
    run_cli,
    use_loopback,
)
from tests.loopback import Fault, LoopbackServer, RecordedRequest, Reset, Slow, Step, Truncated

# A few hundred articles through a misbehaving server take seconds: `pytest -m slow` runs them.
pytestmark = pytest.mark.slow

SEED = 5
ARTICLES = 240
CONCURRENCY = 32
# Small budgets keep the suite fast; the bounds below are computed from them.
MAX_ATTEMPTS = 3
MAX_REASKS = 1
TIMEOUT = 0.5
MAX_RETRY_SECONDS = 4.0
SETTINGS: dict[str, Any] = {
    "max_attempts": MAX_ATTEMPTS,
    "max_reasks": MAX_REASKS,
    "timeout": TIMEOUT,
    "max_retry_seconds": MAX_RETRY_SECONDS,
    "retry_backoff": 0.05,
}
MAX_REQUESTS = MAX_ATTEMPTS * (1 + MAX_REASKS)
# The longest one article can take: retries start within the time budget, and
# the last attempt may then spend a timeout on each of its requests.
ARTICLE_SECONDS = MAX_RETRY_SECONDS + (1 + MAX_REASKS) * TIMEOUT
SLACK_SECONDS = 2.0

# Doomed articles, by number: every request fails the same way.
ALWAYS_500 = {n for n in range(ARTICLES) if n % 37 == 1}
ALWAYS_INVALID = {n for n in range(ARTICLES) if n % 41 == 2}
KEY_ECHOED = {n for n in range(ARTICLES) if n % 53 == 3}
MALFORMED_LINES = (17, 101)


class FaultyProvider:
    """A loopback responder: each request's step drawn from (seed, article, request number)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._requests: Counter[int] = Counter()
        self.served: Counter[str] = Counter()

    def __call__(self, request: RecordedRequest) -> Step:
        number = article_number(request)
        with self._lock:
            self._requests[number] += 1
            nth = self._requests[number]
        valid = valid_payload(article_block(request))
        if number in ALWAYS_500:
            return Fault(500)
        if number in ALWAYS_INVALID:
            return reply_with(request, {**valid, "events": [invented_event()]})
        if number in KEY_ECHOED:
            message = f"Incorrect API key provided: {SENTINEL_KEY}"
            # A 400 of one article's: a 401 would stop the whole run.
            return Fault(400, body={"error": {"message": message, "type": "invalid_request"}})
        rng = random.Random(f"{self.seed}:{number}:{nth}")
        fate = rng.choices(list(FATES), weights=list(FATES.values()))[0]
        with self._lock:
            self.served[fate] += 1
        if fate == "ok":
            return reply_with(request, valid)
        if fate == "429":
            return Fault(429, headers={"Retry-After": rng.choice(["0", "1"])})
        if fate in ("500", "503"):
            return Fault(int(fate))
        if fate == "reset":
            return Reset()
        if fate == "slow":
            return Slow(TIMEOUT + 0.5, reply_with(request, valid))
        if fate == "truncated":
            return Truncated(json.dumps(valid))
        if fate == "schema":
            return reply_with(request, {"headline": ["not", "a", "string"], "events": "none"})
        return reply_with(request, {**valid, "events": [invented_event()]})


FATES = {
    "ok": 52,
    "429": 6,
    "500": 6,
    "503": 6,
    "reset": 6,
    "slow": 4,
    "truncated": 6,
    "schema": 7,
    "evidence": 7,
}


def article_number(request: RecordedRequest) -> int:
    found = re.search(r"Story (\d+) says", article_block(request))
    assert found, "a request without an article of the feed"
    return int(found.group(1))


def valid_payload(block: str) -> dict[str, Any]:
    quote = " ".join(block.split()[:6])
    event = {"event_type": "accident", "summary": "A warehouse burned.", "evidence": [quote]}
    return {"headline": "Warehouse fire", "brief": "A warehouse burned.", "events": [event]}


def invented_event() -> dict[str, Any]:
    return {
        "event_type": "accident",
        "summary": "Something else happened.",
        "evidence": ["A quote the article does not contain."],
    }


def story_line(number: int) -> bytes:
    text = (
        f"date 2024-03-01 Springfield: Story {number} says a fire hit a warehouse "
        "on Friday, and firefighters fought it for hours."
    )
    return json.dumps({"id": f"story-{number}", "text": text}).encode()


def feed_lines() -> list[bytes]:
    lines = [story_line(number) for number in range(ARTICLES)]
    for position in MALFORMED_LINES:
        lines.insert(position, b'{"id": "cut-short", "text": "A line that')
    return lines


def feed() -> Iterator[Article | UnreadableInput]:
    return iter_jsonl(feed_lines(), "feed.jsonl")


def run_batch(server: LoopbackServer, cache: ResultCache) -> tuple[list[Record], Any, float]:
    backend = LLMBackend(llm_settings(server, **SETTINGS))
    started = time.monotonic()
    run = summarize_many(feed(), Pipeline(backend, cache), concurrency=CONCURRENCY)
    records = list(run)
    return records, run.report, time.monotonic() - started


def requests_per_article(
    server: LoopbackServer, since: int = 0, until: int | None = None
) -> dict[str, list[float]]:
    """Each article's request times, among the server's requests `since` to `until`."""
    times: dict[str, list[float]] = defaultdict(list)
    for request in chat_requests(server)[since:until]:
        times[f"story-{article_number(request)}"].append(request.timestamp)
    return times


def requests_sent(record: Record) -> int:
    """The requests an article made, as its record tells: attempts, or "after N request(s)"."""
    if isinstance(record, ResultRecord):
        return record.summary.attempts
    made = re.search(r"after (\d+) request", record.message)
    assert made, record
    return int(made.group(1))


@pytest.fixture
def provider() -> FaultyProvider:
    return FaultyProvider(SEED)


@pytest.fixture
def faulty_server(provider: FaultyProvider) -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.respond_with(provider)
        yield server


def test_every_article_ends_once_within_its_retry_and_time_bounds(
    faulty_server: LoopbackServer,
    provider: FaultyProvider,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    capture_all_logs(caplog)
    cache_dir = tmp_path / "cache"
    with ResultCache(cache_dir) as cache:
        records, report, elapsed = run_batch(faulty_server, cache)
        first_requests = len(chat_requests(faulty_server))
        rerun, rerun_report, _ = run_batch(faulty_server, cache)

    # Exactly one record per input line (the two malformed lines included).
    input_ids = [item.id for item in feed()]
    assert len(records) == len(input_ids) == ARTICLES + len(MALFORMED_LINES)
    assert Counter(r.id for r in records) == Counter(input_ids)
    errors = {r.id: r for r in records if isinstance(r, ErrorRecord)}
    results = {r.id: r for r in records if isinstance(r, ResultRecord)}
    assert report.done == len(results) and report.failures == len(errors)

    # Every kind of fault happened, and the doomed articles failed as they must.
    assert provider.served.keys() == FATES.keys()
    assert {f"story-{n}" for n in ALWAYS_500 | ALWAYS_INVALID | KEY_ECHOED} <= errors.keys()
    assert {errors[f"story-{n}"].type for n in ALWAYS_INVALID} == {"InvalidOutputError"}
    assert {errors[f"story-{n}"].type for n in ALWAYS_500 | KEY_ECHOED} == {"BackendError"}
    assert report.failed["InputError"] == len(MALFORMED_LINES)
    assert len(results) > ARTICLES // 2

    # Retries stay within their bounds. Each record counts the requests its article
    # sent; the server may have seen fewer, as a request that times out while still
    # queued for the server's accept() never reaches it.
    times = requests_per_article(faulty_server, until=first_requests)
    backend_records: dict[str, Record] = {
        **results,
        **{a: e for a, e in errors.items() if e.type != "InputError"},
    }
    sent = {article: requests_sent(record) for article, record in backend_records.items()}
    for article, stamps in times.items():
        assert len(stamps) <= sent[article] <= MAX_REQUESTS, article
    # Under load a request of a doomed article may also time out, and that retry adds
    # requests: hence "at least" where the failure itself is not transient.
    assert {sent[f"story-{n}"] for n in ALWAYS_500} == {MAX_ATTEMPTS}
    assert min(sent[f"story-{n}"] for n in ALWAYS_INVALID) >= 1 + MAX_REASKS
    assert all(
        errors[f"story-{n}"].message.endswith("HTTP 500: loopback fault: HTTP 500")
        for n in ALWAYS_500
    )
    assert all(
        max(stamps) - min(stamps) <= ARTICLE_SECONDS + SLACK_SECONDS for stamps in times.values()
    )
    waves = math.ceil(ARTICLES / CONCURRENCY)
    assert elapsed <= waves * ARTICLE_SECONDS + SLACK_SECONDS

    # The rerun asks only for the articles that failed at the backend, and for all of them:
    # exactly the first run's results come from the cache.
    backend_failures = {a for a, e in errors.items() if e.type != "InputError"}
    asked_again = set(requests_per_article(faulty_server, since=first_requests))
    assert asked_again <= backend_failures
    assert {r.id for r in rerun if isinstance(r, ResultRecord) and r.cached} == results.keys()
    assert Counter(r.id for r in rerun) == Counter(input_ids)

    # The key went out in the Authorization header, and nowhere else.
    assert {r.headers["authorization"] for r in chat_requests(faulty_server)} == {
        f"Bearer {SENTINEL_KEY}"
    }
    assert "[redacted]" in errors[f"story-{min(KEY_ECHOED)}"].message
    written = "\n".join([*(r.to_json() for r in records + rerun), repr(report), repr(rerun_report)])
    assert SENTINEL_KEY not in written
    assert any(r.name.startswith("openai") for r in caplog.records)  # the logs were captured
    # This provider echoes the key in its 400 body (OpenAI's own masks it): no library's
    # log line may carry it.
    assert not [r for r in caplog.records if SENTINEL_KEY in r.getMessage()]
    stored = [path for path in cache_dir.rglob("*") if path.is_file()]
    assert stored
    assert not any(SENTINEL_KEY.encode() in path.read_bytes() for path in stored)


def test_the_command_keeps_the_key_out_of_its_output_under_faults(
    faulty_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, faulty_server)
    chosen = [*sorted(ALWAYS_500 | ALWAYS_INVALID | KEY_ECHOED)[:4], 0, 4, 5, 6]
    records = tmp_path / "feed.jsonl"
    records.write_bytes(b"\n".join(story_line(n) for n in chosen) + b"\n")
    output = tmp_path / "out.jsonl"

    result = run_cli(["--output", str(output), "--max-reasks", "1", str(records)])

    assert result.exit_code == 1
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(chosen)
    assert any('"error"' in line for line in lines)
    assert "Incorrect API key provided: [redacted]" in "\n".join(lines)
    assert SENTINEL_KEY not in result.stdout + result.stderr + "\n".join(lines)
