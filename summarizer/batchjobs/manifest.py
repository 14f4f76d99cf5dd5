"""The job directory and its manifest: what a job asked for and how far it got.

A job directory holds:

- `manifest.json`: the format version, the job's id and settings (never a
  secret; the whole codebook among them), its shards with their file and batch
  ids and states, and, once collected, the counts of the output;
- `inputs.jsonl`: one line per input, in input order: its position, id, cache
  key, the shard that carries its request, and its text (or why it could not be
  read), so collecting needs neither the input files nor their order again;
- `requests/shard-NNNN.jsonl`: the request lines, in the OpenAI batch input format;
- `results/`: the output and error files downloaded from the provider;
- `output.jsonl`: the collected records, in input order.

Every file is written to a temporary name, flushed to disk, then renamed over
the old one, so a kill leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from summarizer.errors import JobError, validation_error_text
from summarizer.storage import atomic_writer

if TYPE_CHECKING:
    from summarizer.codebook import Codebook

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
INPUTS_FILE = "inputs.jsonl"
REQUESTS_DIR = "requests"
RESULTS_DIR = "results"
OUTPUT_FILE = "output.jsonl"

# A batch in one of these states changes no more.
TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})


class JobSettings(BaseModel):
    """What shapes a job's requests; a job directory is refused to other settings."""

    backend: str
    model: str | None
    base_url: str | None
    mode: str
    temperature: float
    prompt_version: str
    schema_version: str
    inputs: list[str]
    max_requests: int
    max_bytes: int
    # The whole codebook (`Codebook.spec`, as JSON), so collect and import validate the
    # replies with the codebook the requests asked for, wherever its file is now.
    # None in a job made before codebooks: those asked for `news`.
    codebook: dict[str, Any] | None = None


def job_codebook(job_dir: Path, settings: JobSettings) -> Codebook:
    """The codebook a job's requests asked for, rebuilt from its manifest."""
    from summarizer.codebook import DEFAULT_CODEBOOK, Codebook

    if settings.codebook is None:
        return Codebook.load(DEFAULT_CODEBOOK)
    return Codebook.from_data(settings.codebook, origin=str(manifest_path(job_dir)))


class RequestCounts(BaseModel):
    total: int = 0
    completed: int = 0
    failed: int = 0


class Shard(BaseModel):
    """One request file and the batch that runs it."""

    number: int
    path: str  # relative to the job directory
    upload_name: str  # unique to the job: how a rerun finds an upload it lost track of
    requests: int
    bytes: int
    file_id: str | None = None
    batch_id: str | None = None
    # "written", "uploaded", then the batch's own status as last seen.
    status: str = "written"
    counts: RequestCounts = RequestCounts()
    errors: list[str] = []
    output_file_id: str | None = None
    error_file_id: str | None = None
    # Result files saved under results/, once the batch has ended.
    downloaded: list[str] | None = None

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL_STATUSES


class Collected(BaseModel):
    """What the output file holds once a job has been collected."""

    done: int
    failed: int
    fallback: str


class Manifest(BaseModel):
    format_version: int
    job_id: str
    kind: Literal["batch", "export"]
    created_at: float
    settings: JobSettings
    # Not compared on a rerun: they do not change the requests.
    max_reasks: int
    cache_dir: str | None
    inputs: int
    requests: int
    cached: int
    shards: list[Shard]
    collected: Collected | None = None


def job_files(job_dir: Path) -> list[Path]:
    """The files of a job directory that batch commands read and write: its fixed
    files, and the request and result files it holds."""
    made = [
        path
        for folder in (REQUESTS_DIR, RESULTS_DIR)
        for path in sorted((job_dir / folder).glob("*.jsonl"))
    ]
    return [job_dir / name for name in (MANIFEST_FILE, INPUTS_FILE, OUTPUT_FILE)] + made


def manifest_path(job_dir: Path) -> Path:
    return job_dir / MANIFEST_FILE


def load_manifest(job_dir: Path) -> Manifest | None:
    """The job's manifest, None when the directory holds no job yet.

    A manifest that cannot be read, is corrupt, or has another format version
    raises JobError naming the file; nothing is deleted.
    """
    path = manifest_path(job_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise JobError(f"{path}: cannot read the job manifest ({error.strerror})") from None
    try:
        document = json.loads(raw)
    except ValueError:
        raise JobError(f"{path}: the job manifest is corrupt (not JSON)") from None
    version = document.get("format_version") if isinstance(document, dict) else None
    if version != FORMAT_VERSION:
        raise JobError(
            f"{path}: a job manifest of format version {version!r}; this summarizer reads "
            f"version {FORMAT_VERSION}: use the version that made the job, or a new --job"
        )
    try:
        return Manifest.model_validate(document)
    except ValidationError as error:
        problem = validation_error_text(error, limit=1)
        raise JobError(f"{path}: the job manifest is corrupt ({problem})") from None


def save_manifest(job_dir: Path, manifest: Manifest) -> None:
    with atomic_writer(manifest_path(job_dir)) as stream:
        stream.write(manifest.model_dump_json(indent=1).encode())
