"""Collecting a job: replies validated like realtime ones, one record per input, in order.

Three passes, so memory stays flat however many articles the job holds:

1. every reply line of the result files is parsed and validated with the
   article's context, as a realtime reply is; a valid result goes into the
   cache at once, a failure is noted (type and message, per request);
2. with `fallback="realtime"`, every request still without a result (an
   invalid reply, an errored request, one an expired or cancelled batch never
   answered) is re-asked through the realtime engine, which caches its results;
3. the output is written in input order: each input's result from the cache,
   or its error record.

The output is kept in the job directory; collecting again returns it and
sends nothing.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO

from summarizer.article import Article
from summarizer.backends.failures import redact_secret
from summarizer.backends.llm import LLMBackend
from summarizer.batchjobs.jobs import (
    JobStatus,
    job_llm_settings,
    open_manifest,
    refresh_batches,
    status_of,
)
from summarizer.batchjobs.manifest import (
    INPUTS_FILE,
    OUTPUT_FILE,
    Collected,
    Manifest,
    job_codebook,
    save_manifest,
)
from summarizer.batchjobs.provider import BatchService
from summarizer.batchjobs.requests import job_settings, llm_backend
from summarizer.codebook import Codebook, load_codebook_or_fail
from summarizer.cost import Prices, cost_usd
from summarizer.errors import (
    BackendError,
    ConfigurationError,
    InvalidOutputError,
    JobError,
    JobPendingError,
)
from summarizer.pipeline import Outcome, Pipeline, open_pipeline
from summarizer.run import (
    DEFAULT_CONCURRENCY,
    ErrorRecord,
    Record,
    ResultRecord,
    summarize_many,
)
from summarizer.schema import ArticleSummary, Usage, schema_version
from summarizer.storage import atomic_writer

DEFAULT_POLL_SECONDS = 60.0


class Fallback(str, Enum):
    """What becomes of a request the batch did not answer with a valid result."""

    REALTIME = "realtime"
    NONE = "none"


class ReplySource(str, Enum):
    """Where a collected result came from."""

    BATCH = "batch"
    REALTIME = "realtime"
    CACHE = "cache"


@dataclass
class CollectReport:
    """What collecting wrote (`output`, one record per input in input order) and why."""

    output: Path
    done: int = 0
    failed: int = 0
    from_batch: int = 0
    from_realtime: int = 0
    from_cache: int = 0
    # Reply lines that failed: not valid JSON, a custom_id no request had, an
    # errored request, a reply that failed validation.
    malformed_lines: int = 0
    unknown_lines: int = 0
    errored_requests: int = 0
    invalid_replies: int = 0
    # The job had been collected already: its output was returned, nothing was sent.
    reused: bool = False
    # The job's model and endpoint, which its prices depend on.
    model: str | None = None
    base_url: str | None = None
    # Tokens of the results the batch answered (billed at the batch price) and of
    # the realtime re-asks, failed ones included (at the realtime price).
    batch_tokens: Usage = field(default_factory=Usage)
    realtime_tokens: Usage = field(default_factory=Usage)

    def count(self, record: Record, source: ReplySource | None) -> None:
        """One more record: a result from `source`, or an error when None."""
        if isinstance(record, ErrorRecord):
            self.failed += 1
            self.realtime_tokens = self.realtime_tokens + record.usage
            return
        self.done += 1
        usage = record.summary.usage
        if source is ReplySource.BATCH:
            self.from_batch += 1
            self.batch_tokens = self.batch_tokens + usage
        elif source is ReplySource.REALTIME:
            self.from_realtime += 1
            self.realtime_tokens = self.realtime_tokens + usage
        else:
            self.from_cache += 1

    def cost_usd(self, prices: Prices | None) -> float | None:
        """What this collect's results cost: batch replies at the batch price, realtime
        re-asks at the realtime one; None without prices."""
        batch = cost_usd(self.batch_tokens, prices, batch=True)
        realtime = cost_usd(self.realtime_tokens, prices)
        return None if batch is None or realtime is None else batch + realtime

    def records(self) -> Iterator[str]:
        """The output's JSON lines."""
        with self.output.open(encoding="utf-8") as stream:
            for line in stream:
                yield line.rstrip("\n")


def collect_job(
    job_dir: Path,
    *,
    pipeline: Pipeline | None = None,
    fallback: Fallback = Fallback.REALTIME,
    wait: bool = False,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    cache_dir: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_poll: Callable[[JobStatus], None] | None = None,
    codebook: Codebook | str | Path | None = None,
) -> CollectReport:
    """Download what the job's batches answered, validate it, and write the output.

    Without `wait`, raises JobPendingError while a batch is still running; with
    it, polls every `poll_seconds` (calling `on_poll` with the job's state)
    until every batch has ended. `pipeline` defaults to the job's own settings
    and cache. Replies are validated with the codebook stored in the job; a
    `codebook` (or a pipeline's) that is another is refused (JobError).
    """
    manifest = open_manifest(job_dir)
    if manifest.kind != "batch":
        raise JobError(
            f"{job_dir}: this job was exported, not submitted; "
            "bring its results in with: summarize batch import RESULTS.jsonl --job DIR"
        )
    unsubmitted = [str(shard.number) for shard in manifest.shards if shard.batch_id is None]
    if unsubmitted:
        raise JobError(
            f"{job_dir}: shard(s) {', '.join(unsubmitted)} have no batch yet; "
            "run the same summarize batch submit again to finish submitting"
        )
    reused = _reuse(job_dir, manifest, fallback)
    if reused is not None:
        return reused
    with _job_pipeline(job_dir, manifest, pipeline, cache_dir, codebook) as job_pipeline:
        service = BatchService(job_llm_settings(manifest))
        try:
            while True:
                refresh_batches(job_dir, manifest, service, download=True)
                status = status_of(job_dir, manifest)
                if on_poll is not None:
                    on_poll(status)
                if status.ended:
                    break
                if not wait:
                    running = sum(not shard.ended for shard in manifest.shards)
                    raise JobPendingError(
                        f"{running} of {len(manifest.shards)} batch(es) still running; "
                        "collect again later, or with --wait"
                    )
                time.sleep(poll_seconds)
        finally:
            service.close()
        results = [
            job_dir / relative for shard in manifest.shards for relative in shard.downloaded or []
        ]
        return _collect(
            job_dir, manifest, job_pipeline, results, fallback, concurrency, record=True
        )


def import_results(
    job_dir: Path,
    results: Sequence[Path],
    *,
    pipeline: Pipeline | None = None,
    fallback: Fallback = Fallback.REALTIME,
    cache_dir: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    codebook: Codebook | str | Path | None = None,
) -> CollectReport:
    """Validate result files in the OpenAI batch output format (what `vllm run-batch`
    writes) against the job's requests, and write the output as `collect_job` does
    (with the job's own codebook; another `codebook` is refused)."""
    manifest = open_manifest(job_dir)
    for path in results:
        if not path.is_file():
            raise ConfigurationError(f"{path}: no such results file")
    with _job_pipeline(job_dir, manifest, pipeline, cache_dir, codebook) as job_pipeline:
        return _collect(
            job_dir, manifest, job_pipeline, list(results), fallback, concurrency, record=False
        )


def collected_record(summary: ArticleSummary, source: ReplySource) -> ResultRecord:
    """The record of one collected result: the one place a job's result becomes a record."""
    return ResultRecord(summary, cached=source is ReplySource.CACHE)


@dataclass
class _Failure:
    type: str
    message: str
    invalid_reply: bool = False


@dataclass(frozen=True)
class _Entry:
    """Where an article's line is in inputs.jsonl, and which shard carries its request."""

    offset: int
    shard: int


def _collect(
    job_dir: Path,
    manifest: Manifest,
    pipeline: Pipeline,
    results: list[Path],
    fallback: Fallback,
    concurrency: int,
    *,
    record: bool,
) -> CollectReport:
    backend = llm_backend(pipeline)
    report = CollectReport(
        output=job_dir / OUTPUT_FILE, model=backend.model, base_url=backend.config.base_url
    )
    index = _index(job_dir)
    failures: dict[str, _Failure] = {}
    batch_keys: set[str] = set()
    realtime_keys: set[str] = set()
    with (job_dir / INPUTS_FILE).open("rb") as inputs:
        for path in results:
            _validate_file(path, index, inputs, backend, pipeline, failures, batch_keys, report)
    if fallback is Fallback.REALTIME:
        _fall_back(job_dir, pipeline, concurrency, failures, realtime_keys)
    with atomic_writer(report.output) as output:
        for line in _input_lines(job_dir):
            written, source = _output_record(
                line, manifest, pipeline, failures, batch_keys, realtime_keys
            )
            output.write(written.to_json().encode() + b"\n")
            report.count(written, source)
    # Imported results replace a collected output: a later collect must not reuse it.
    manifest.collected = (
        Collected(done=report.done, failed=report.failed, fallback=fallback.value)
        if record
        else None
    )
    save_manifest(job_dir, manifest)
    return report


def _validate_file(
    path: Path,
    index: dict[str, _Entry],
    inputs: BinaryIO,
    backend: LLMBackend,
    pipeline: Pipeline,
    failures: dict[str, _Failure],
    batch_keys: set[str],
    report: CollectReport,
) -> None:
    with path.open("rb") as stream:
        for raw in stream:
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
                custom_id = line["custom_id"]
                if not isinstance(custom_id, str):
                    raise TypeError("custom_id is not a string")
            except (ValueError, KeyError, TypeError):
                report.malformed_lines += 1
                continue
            entry = index.get(custom_id)
            if entry is None:
                report.unknown_lines += 1
                continue
            if custom_id in batch_keys:
                continue  # a request answered twice: the first valid answer stands
            article = _article_at(inputs, entry.offset)
            failure = _validate_line(line, article, pipeline)
            if failure is not None:
                # A provider may echo the key in an error; the output is a file.
                failure.message = redact_secret(failure.message, backend.config.api_key)
            if failure is None:
                batch_keys.add(custom_id)
                failures.pop(custom_id, None)
                continue
            if failure.invalid_reply:
                report.invalid_replies += 1
            else:
                report.errored_requests += 1
            failures[custom_id] = failure


def _validate_line(line: dict[str, Any], article: Article, pipeline: Pipeline) -> _Failure | None:
    """None when the line's reply is valid and cached, else why it is not."""
    if pipeline.lookup(article) is not None:
        return None
    response = line.get("response")
    error = line.get("error")
    if isinstance(error, dict) and error:
        return _Failure(
            "BackendError", f"the batch request failed: {error.get('code')}: {error.get('message')}"
        )
    if not isinstance(response, dict) or not isinstance(response.get("body"), dict):
        return _Failure("BackendError", "the batch output line has no response body")
    body = response["body"]
    status = response.get("status_code")
    if status != 200:
        problem = body.get("error")
        detail = problem.get("message") if isinstance(problem, dict) else None
        return _Failure("BackendError", f"the batch request failed: HTTP {status}: {detail}")
    try:
        validate_reply(article, body, pipeline)
    except BackendError as failure:
        return _Failure(
            type(failure).__name__,
            failure.message,
            invalid_reply=isinstance(failure, InvalidOutputError),
        )
    return None


def validate_reply(article: Article, completion: dict[str, Any], pipeline: Pipeline) -> Outcome:
    """A chat-completions reply for `article`, validated as a realtime reply is (the
    article's context: evidence, dates, numbers) and cached by the pipeline.

    Raises InvalidOutputError when the reply is not a valid result for the article.
    """
    draft = llm_backend(pipeline).draft_from_completion(article, completion)
    return pipeline.accept(article, draft)


def _fall_back(
    job_dir: Path,
    pipeline: Pipeline,
    concurrency: int,
    failures: dict[str, _Failure],
    realtime_keys: set[str],
) -> None:
    """Re-ask, through the realtime engine, every article the cache still lacks."""
    keys_of: dict[str, str] = {}

    def unanswered() -> Iterator[Article]:
        asked: set[str] = set()
        for line in _input_lines(job_dir):
            key = line.get("key")
            if key is None or key in asked:
                continue
            asked.add(key)
            article = _article(line)
            if pipeline.lookup(article) is None:
                keys_of[article.id] = key
                yield article

    run = summarize_many(unanswered(), pipeline, concurrency=concurrency)
    with run:
        for result in run:
            key = keys_of.pop(result.id)
            if isinstance(result, ResultRecord):
                realtime_keys.add(key)
                failures.pop(key, None)
            else:
                failures[key] = _Failure(result.type, result.message)


def _output_record(
    line: dict[str, Any],
    manifest: Manifest,
    pipeline: Pipeline,
    failures: dict[str, _Failure],
    batch_keys: set[str],
    realtime_keys: set[str],
) -> tuple[Record, ReplySource | None]:
    """An input's record, and where its result came from (None for an error)."""
    error = line.get("error")
    if error is not None:
        return ErrorRecord(line["id"], error["type"], error["message"]), None
    key = line["key"]
    hit = pipeline.lookup(_article(line))
    if hit is not None:
        summary = hit.summary
        if key in batch_keys:
            source = ReplySource.BATCH
        elif key in realtime_keys:
            source = ReplySource.REALTIME
        else:
            source = ReplySource.CACHE
        return collected_record(summary, source), source
    failure = failures.get(key) or _unanswered(manifest, line["shard"])
    return ErrorRecord(line["id"], failure.type, failure.message), None


def _unanswered(manifest: Manifest, shard_number: int) -> _Failure:
    """Why a request has no reply at all, from what its batch did."""
    if manifest.kind == "export":
        return _Failure("BackendError", "the results files hold no reply for this request")
    shard = manifest.shards[shard_number - 1]
    reasons = {
        "failed": f"batch {shard.batch_id} failed ({'; '.join(shard.errors) or 'no reason given'})",
        "expired": f"batch {shard.batch_id} expired before answering this request",
        "cancelled": f"batch {shard.batch_id} was cancelled before answering this request",
    }
    reason = reasons.get(shard.status, f"batch {shard.batch_id} has no reply for this request")
    return _Failure("BackendError", reason)


def _reuse(job_dir: Path, manifest: Manifest, fallback: Fallback) -> CollectReport | None:
    collected = manifest.collected
    output = job_dir / OUTPUT_FILE
    if collected is None or collected.fallback != fallback.value or not output.is_file():
        return None
    return CollectReport(output=output, done=collected.done, failed=collected.failed, reused=True)


def _job_pipeline(
    job_dir: Path,
    manifest: Manifest,
    pipeline: Pipeline | None,
    cache_dir: Path | None,
    codebook: Codebook | str | Path | None,
) -> contextlib.AbstractContextManager[Pipeline]:
    """The caller's pipeline (left open), or one with the job's settings, codebook and
    cache (closed after); either must match the job."""
    stored = job_codebook(job_dir, manifest.settings)
    if codebook is not None:
        _check_codebook(stored, load_codebook_or_fail(codebook), "--codebook")
    if pipeline is not None:
        _check_pipeline(stored, manifest, pipeline)
        return contextlib.nullcontext(pipeline)
    directory = cache_dir or (Path(manifest.cache_dir) if manifest.cache_dir else None)
    backend = LLMBackend(job_llm_settings(manifest), codebook=stored)
    opened = open_pipeline(backend, cache_dir=directory)
    try:
        _check_pipeline(stored, manifest, opened)
    except BaseException:
        opened.close()
        raise
    return opened


def _check_codebook(stored: Codebook, given: Codebook, what: str) -> None:
    if given != stored:
        raise JobError(
            f"this job asked for the codebook {stored.name!r} ({stored.hash}), and its "
            f"replies are validated with it; {what} is {given.name!r} ({given.hash}): "
            "leave it out to use the job's own"
        )


def _check_pipeline(stored: Codebook, manifest: Manifest, pipeline: Pipeline) -> None:
    if pipeline.cache is None:
        raise ConfigurationError("collecting a job needs the cache: its results go there")
    _check_codebook(stored, pipeline.codebook, "the pipeline's")
    backend = llm_backend(pipeline)
    settings = manifest.settings
    if (backend.prompt_version, schema_version()) != (
        settings.prompt_version,
        settings.schema_version,
    ):
        raise JobError(
            f"this job was made with prompt {settings.prompt_version} and schema "
            f"{settings.schema_version}; this summarizer has prompt {backend.prompt_version} "
            f"and schema {schema_version()}: collect it with the version that submitted it"
        )
    # Replies are parsed for the job's mode and cached under its settings' keys.
    ours = job_settings(
        backend,
        settings.inputs,
        max_requests=settings.max_requests,
        max_bytes=settings.max_bytes,
    )
    if ours != settings:
        differ = [name for name, value in ours if getattr(settings, name) != value]
        raise JobError(
            f"the pipeline's settings ({', '.join(differ)}) are not this job's; "
            "collect it with the job's own settings"
        )


def _index(job_dir: Path) -> dict[str, _Entry]:
    """Each request's (custom_id's) first article line, by byte offset."""
    index: dict[str, _Entry] = {}
    with (job_dir / INPUTS_FILE).open("rb") as stream:
        offset = 0
        for raw in stream:
            line = json.loads(raw)
            key = line.get("key")
            if key is not None and line["shard"] and key not in index:
                index[key] = _Entry(offset, line["shard"])
            offset += len(raw)
    return index


def _input_lines(job_dir: Path) -> Iterator[dict[str, Any]]:
    with (job_dir / INPUTS_FILE).open("rb") as stream:
        for raw in stream:
            yield json.loads(raw)


def _article_at(stream: BinaryIO, offset: int) -> Article:
    stream.seek(offset)
    return _article(json.loads(stream.readline()))


def _article(line: dict[str, Any]) -> Article:
    return Article.from_text(line["text"], id=line["id"], source=line["source"])
