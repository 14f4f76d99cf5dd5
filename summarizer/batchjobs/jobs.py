"""Submitting a job, reading its state, cancelling it.

Submitting is safe to repeat, whatever point a kill stopped it at: each step
the server can take (an upload, a batch) is recorded in the manifest as soon
as it is known, and before a shard is uploaded or its batch created, the
server is asked whether it already has them (a job-unique file name; batch
metadata naming the job and shard). So a rerun finishes the job without
uploading or creating anything twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from summarizer.batchjobs.manifest import (
    RESULTS_DIR,
    Manifest,
    RequestCounts,
    Shard,
    load_manifest,
    save_manifest,
)
from summarizer.batchjobs.provider import BatchService
from summarizer.batchjobs.requests import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REQUESTS,
    llm_backend,
    prepare_job,
)
from summarizer.errors import JobError
from summarizer.pipeline import Pipeline
from summarizer.settings import LLMSettings

if TYPE_CHECKING:
    from openai.types import Batch


@dataclass(frozen=True)
class JobStatus:
    """A job's shards as last seen, and its totals."""

    job_dir: Path
    job_id: str
    kind: str
    inputs: int
    requests: int
    cached: int
    shards: tuple[Shard, ...]
    collected: bool

    @property
    def ended(self) -> bool:
        """Every batch has ended (completed, failed, expired or cancelled)."""
        return all(shard.ended for shard in self.shards)

    @property
    def totals(self) -> RequestCounts:
        return RequestCounts(
            total=sum(shard.counts.total for shard in self.shards),
            completed=sum(shard.counts.completed for shard in self.shards),
            failed=sum(shard.counts.failed for shard in self.shards),
        )

    def to_json(self) -> str:
        document: dict[str, Any] = {
            "job": str(self.job_dir),
            "job_id": self.job_id,
            "kind": self.kind,
            "inputs": self.inputs,
            "requests": self.requests,
            "cached": self.cached,
            "ended": self.ended,
            "collected": self.collected,
            "totals": self.totals.model_dump(),
            "batches": [
                {
                    "shard": shard.number,
                    "requests": shard.requests,
                    "file_id": shard.file_id,
                    "batch_id": shard.batch_id,
                    "status": shard.status,
                    "counts": shard.counts.model_dump(),
                    "errors": shard.errors,
                }
                for shard in self.shards
            ],
        }
        return json.dumps(document, indent=2)


def submit_job(
    job_dir: Path,
    inputs: Sequence[str],
    pipeline: Pipeline,
    *,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: BinaryIO | None = None,
) -> JobStatus:
    """Write the job's request shards, upload each and create its batch.

    `inputs` are what `summarize` takes (files, folders, globs, "-"). Articles
    the cache answers get no request; articles with the same text share one.
    Run it again after any failure or kill: it picks up where it stopped.
    """
    manifest = prepare_job(
        job_dir,
        inputs,
        pipeline,
        kind="batch",
        max_requests=max_requests,
        max_bytes=max_bytes,
        stdin=stdin,
    )
    service = BatchService(llm_backend(pipeline).config)
    try:
        for shard in manifest.shards:
            if shard.file_id is None:
                path = job_dir / shard.path
                shard.file_id = service.find_upload(
                    shard.upload_name, shard.bytes, manifest.created_at
                )
                if shard.file_id is None:
                    shard.file_id = service.upload(shard.upload_name, path)
                shard.status = "uploaded"
                save_manifest(job_dir, manifest)
            if shard.batch_id is None:
                batch = service.find_batch(manifest.job_id, shard.number, manifest.created_at)
                if batch is None:
                    batch = service.create_batch(shard.file_id, manifest.job_id, shard.number)
                update_shard(shard, batch)
                save_manifest(job_dir, manifest)
    finally:
        service.close()
    return status_of(job_dir, manifest)


def export_requests(
    job_dir: Path,
    inputs: Sequence[str],
    pipeline: Pipeline,
    *,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: BinaryIO | None = None,
) -> list[Path]:
    """Write the job's request shards for an engine that runs them itself
    (`vllm run-batch`, Ray Data); their paths. Nothing is uploaded."""
    manifest = prepare_job(
        job_dir,
        inputs,
        pipeline,
        kind="export",
        max_requests=max_requests,
        max_bytes=max_bytes,
        stdin=stdin,
    )
    return [job_dir / shard.path for shard in manifest.shards]


def job_status(job_dir: Path, *, refresh: bool = True) -> JobStatus:
    """The job's state; with `refresh`, each unfinished batch is asked for its own first."""
    manifest = open_manifest(job_dir)
    if refresh and manifest.kind == "batch":
        service = BatchService(job_llm_settings(manifest))
        try:
            refresh_batches(job_dir, manifest, service)
        finally:
            service.close()
    return status_of(job_dir, manifest)


def cancel_job(job_dir: Path) -> JobStatus:
    """Ask the provider to cancel every batch of the job that has not ended.

    A cancelled batch keeps the replies it finished; collect takes those and
    re-asks the rest (or writes them as errors, with `fallback="none"`).
    """
    manifest = open_manifest(job_dir)
    if manifest.kind != "batch":
        raise JobError(f"{job_dir}: this job was exported, not submitted: nothing to cancel")
    service = BatchService(job_llm_settings(manifest))
    try:
        for shard in manifest.shards:
            if shard.batch_id is not None and not shard.ended:
                update_shard(shard, service.cancel(shard.batch_id))
                save_manifest(job_dir, manifest)
    finally:
        service.close()
    return status_of(job_dir, manifest)


def open_manifest(job_dir: Path) -> Manifest:
    manifest = load_manifest(job_dir)
    if manifest is None:
        raise JobError(f"{job_dir}: no job here (no manifest.json); start one with submit")
    return manifest


def job_llm_settings(manifest: Manifest) -> LLMSettings:
    """The endpoint settings of the job; the key comes from the environment, as for a run."""
    settings = manifest.settings
    return LLMSettings.from_env(
        model=settings.model,
        base_url=settings.base_url,
        mode=settings.mode,
        temperature=settings.temperature,
        max_reasks=manifest.max_reasks,
    )


def refresh_batches(
    job_dir: Path, manifest: Manifest, service: BatchService, *, download: bool = False
) -> None:
    """Each unfinished batch's state from the provider; with `download`, the result
    files of the batches that have ended, into the job's results folder."""
    for shard in manifest.shards:
        if shard.batch_id is None:
            continue
        if not shard.ended:
            update_shard(shard, service.retrieve(shard.batch_id))
            save_manifest(job_dir, manifest)
        if download and shard.ended and shard.downloaded is None:
            saved = []
            for kind, file_id in (
                ("output", shard.output_file_id),
                ("errors", shard.error_file_id),
            ):
                if file_id is not None:
                    relative = f"{RESULTS_DIR}/shard-{shard.number:04d}-{kind}.jsonl"
                    service.download(file_id, job_dir / relative)
                    saved.append(relative)
            shard.downloaded = saved
            save_manifest(job_dir, manifest)


def update_shard(shard: Shard, batch: Batch) -> None:
    shard.batch_id = batch.id
    shard.status = batch.status
    if batch.request_counts is not None:
        counts = batch.request_counts
        shard.counts = RequestCounts(
            total=counts.total, completed=counts.completed, failed=counts.failed
        )
    shard.output_file_id = batch.output_file_id
    shard.error_file_id = batch.error_file_id
    if batch.errors is not None and batch.errors.data:
        shard.errors = [
            f"{error.code or 'error'}: {error.message or ''}".strip() for error in batch.errors.data
        ]


def status_of(job_dir: Path, manifest: Manifest) -> JobStatus:
    return JobStatus(
        job_dir=job_dir,
        job_id=manifest.job_id,
        kind=manifest.kind,
        inputs=manifest.inputs,
        requests=manifest.requests,
        cached=manifest.cached,
        shards=tuple(manifest.shards),
        collected=manifest.collected is not None,
    )
