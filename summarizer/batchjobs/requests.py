"""Request lines and shards: the inputs of a job turned into OpenAI batch input files.

One line per article the cache cannot answer; articles with the same text
share one line (their cache key is its `custom_id`). Each line's body is what
the realtime path would send for the article (`LLMBackend.request_body`).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.batchjobs.manifest import (
    FORMAT_VERSION,
    INPUTS_FILE,
    REQUESTS_DIR,
    JobSettings,
    Manifest,
    Shard,
    load_manifest,
    save_manifest,
)
from summarizer.cache import cache_key
from summarizer.errors import ConfigurationError, JobError
from summarizer.pipeline import Pipeline
from summarizer.readers import iter_inputs
from summarizer.run.engine import admit
from summarizer.run.records import ErrorRecord
from summarizer.schema import schema_version
from summarizer.storage import atomic_writer

BATCH_ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
# OpenAI's limits for one batch input file.
DEFAULT_MAX_REQUESTS = 50_000
DEFAULT_MAX_BYTES = 200_000_000


def llm_backend(pipeline: Pipeline) -> LLMBackend:
    """The pipeline's backend, which must build chat-completions requests: a batch is a
    provider's."""
    if not isinstance(pipeline.backend, LLMBackend):
        raise ConfigurationError(
            f"batch jobs need a backend that sends chat-completions requests; the "
            f"{pipeline.backend.name} backend runs realtime only: summarize FILE..."
        )
    return pipeline.backend


def job_settings(
    backend: LLMBackend, inputs: Sequence[str], *, max_requests: int, max_bytes: int
) -> JobSettings:
    return JobSettings(
        backend=backend.name,
        model=backend.config.model,
        base_url=backend.config.base_url,
        mode=backend.config.mode.value,
        temperature=backend.config.temperature,
        prompt_version=backend.prompt_version,
        schema_version=schema_version(),
        inputs=list(inputs),
        max_requests=max_requests,
        max_bytes=max_bytes,
        codebook=backend.codebook.spec.model_dump(mode="json"),
    )


def prepare_job(
    job_dir: Path,
    inputs: Sequence[str],
    pipeline: Pipeline,
    *,
    kind: Literal["batch", "export"],
    max_requests: int = DEFAULT_MAX_REQUESTS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: BinaryIO | None = None,
) -> Manifest:
    """The job's manifest: read from `job_dir`, or made by reading the inputs.

    Reading writes `inputs.jsonl` and the request shards, then the manifest,
    last: a job directory without a manifest holds no job, and a rerun starts
    it again from the inputs. A job made with other settings is refused.
    """
    if max_requests < 1 or max_bytes < 1:
        raise ConfigurationError("--max-requests and --max-bytes must be at least 1")
    backend = llm_backend(pipeline)
    settings = job_settings(backend, inputs, max_requests=max_requests, max_bytes=max_bytes)
    existing = load_manifest(job_dir)
    if existing is not None:
        _check_same_job(job_dir, existing, settings, kind)
        return existing
    job_id = uuid.uuid4().hex
    created_at = time.time()
    writer = _ShardWriter(job_dir, job_id, max_requests=max_requests, max_bytes=max_bytes)
    seen_ids: set[str] = set()
    # The shard of each text's request; 0 when the cache answered it.
    key_shards: dict[str, int] = {}
    count = cached = 0
    with atomic_writer(job_dir / INPUTS_FILE) as stream:
        for position, item in enumerate(iter_inputs(inputs, stdin or sys.stdin.buffer)):
            count += 1
            admitted = admit(item, seen_ids)
            line: dict[str, Any] = {"position": position, "id": admitted.id}
            if isinstance(admitted, ErrorRecord):
                line["error"] = {"type": admitted.type, "message": admitted.message}
            elif isinstance(admitted, Article) and len(pipeline.plan(admitted)) > 1:
                # One request per input line: a document read in chunks is not one.
                line["error"] = {
                    "type": "InputError",
                    "message": f"{admitted.source}: the document is longer than one chunk "
                    f"({pipeline.chunk_tokens:,} tokens): batch jobs send one request an "
                    "article; summarize it with `summarize`, which reads it in chunks",
                }
            elif isinstance(admitted, Article):
                key = cache_key(admitted, backend)
                if key not in key_shards:
                    if pipeline.lookup(admitted) is not None:
                        key_shards[key] = 0
                        cached += 1
                    else:
                        key_shards[key] = writer.add(key, backend.request_body(admitted))
                line.update(
                    key=key, shard=key_shards[key], source=admitted.source, text=admitted.text
                )
            stream.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
    shards = writer.close()
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        job_id=job_id,
        kind=kind,
        created_at=created_at,
        settings=settings,
        max_reasks=backend.config.max_reasks,
        cache_dir=str(pipeline.cache.directory) if pipeline.cache is not None else None,
        inputs=count,
        requests=sum(shard.requests for shard in shards),
        cached=cached,
        shards=shards,
    )
    save_manifest(job_dir, manifest)
    return manifest


def _check_same_job(
    job_dir: Path, manifest: Manifest, settings: JobSettings, kind: Literal["batch", "export"]
) -> None:
    theirs = manifest.settings.model_dump()
    ours = settings.model_dump()
    differ = [name for name in ours if ours[name] != theirs.get(name)]
    if manifest.kind != kind:
        differ.insert(0, f"made by {'submit' if manifest.kind == 'batch' else 'export'}")
    if differ:
        raise JobError(
            f"{job_dir}: this job was made with other settings ({', '.join(differ)}); "
            "rerun it with its own settings, or use a new --job directory"
        )


class _ShardWriter:
    """Request lines into shard files of at most `max_requests` lines and `max_bytes` bytes."""

    def __init__(self, job_dir: Path, job_id: str, *, max_requests: int, max_bytes: int) -> None:
        self.job_dir = job_dir
        self.job_id = job_id
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.shards: list[Shard] = []
        self._stream: IO[bytes] | None = None
        (job_dir / REQUESTS_DIR).mkdir(parents=True, exist_ok=True)

    def add(self, custom_id: str, body: dict[str, Any]) -> int:
        """Writes one request line; the number of the shard it went into."""
        line = {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}
        data = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        if len(data) > self.max_bytes:
            raise JobError(
                f"one request is {len(data):,} bytes, over --max-bytes {self.max_bytes:,}"
            )
        shard = self.shards[-1] if self.shards else None
        if (
            shard is None
            or shard.requests >= self.max_requests
            or shard.bytes + len(data) > self.max_bytes
        ):
            shard = self._next_shard()
        assert self._stream is not None
        self._stream.write(data)
        shard.requests += 1
        shard.bytes += len(data)
        return shard.number

    def close(self) -> list[Shard]:
        self._close_stream()
        return self.shards

    def _next_shard(self) -> Shard:
        self._close_stream()
        number = len(self.shards) + 1
        relative = f"{REQUESTS_DIR}/shard-{number:04d}.jsonl"
        shard = Shard(
            number=number,
            path=relative,
            upload_name=f"summarizer-{self.job_id}-shard-{number:04d}.jsonl",
            requests=0,
            bytes=0,
        )
        self.shards.append(shard)
        self._stream = (self.job_dir / relative).open("wb")
        return shard

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None
