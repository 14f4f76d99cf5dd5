"""The provider's files and batches APIs, through the openai client.

Creating calls (an upload, a batch) are sent once, never retried by the
client: a retry after a lost reply would upload or create a second time. A
rerun of the job looks for what the server already has instead (`find_upload`,
`find_batch`). Reading calls keep the client's retries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from summarizer.backends.failures import describe_http_error, redact_secret
from summarizer.backends.llm import KEYLESS_PLACEHOLDER
from summarizer.batchjobs.requests import BATCH_ENDPOINT
from summarizer.errors import BackendError, BatchUnsupportedError
from summarizer.settings import LLMSettings
from summarizer.storage import atomic_writer

if TYPE_CHECKING:
    from openai.types import Batch

# Batch metadata that ties a batch to its job and shard, for a rerun to find it.
JOB_KEY = "summarizer_job"
SHARD_KEY = "summarizer_shard"
# Files and batches are listed newest first; one made this long before the job is not its.
_CLOCK_SKEW_SECONDS = 3600


class BatchService:
    """Uploads, batches and downloads for one endpoint and key."""

    def __init__(self, settings: LLMSettings) -> None:
        import openai

        self.settings = settings
        self.endpoint = settings.base_url or "OpenAI"
        self._client = openai.OpenAI(
            api_key=settings.api_key or KEYLESS_PLACEHOLDER,
            base_url=settings.base_url,
            timeout=settings.timeout,
        )
        self._once = self._client.with_options(max_retries=0)

    def close(self) -> None:
        self._client.close()

    def find_upload(self, upload_name: str, size: int, since: float) -> str | None:
        """The id of a file already uploaded under this job-unique name and size."""
        with self._errors("listing files"):
            for stored in self._client.files.list(purpose="batch", order="desc"):
                if stored.created_at < since - _CLOCK_SKEW_SECONDS:
                    return None
                if stored.filename == upload_name and stored.bytes == size:
                    return stored.id
        return None

    def upload(self, upload_name: str, path: Path) -> str:
        with self._errors(f"uploading {path.name}"), path.open("rb") as stream:
            return self._once.files.create(file=(upload_name, stream), purpose="batch").id

    def find_batch(self, job_id: str, shard: int, since: float) -> Batch | None:
        """The batch already created for this job's shard, if any."""
        with self._errors("listing batches"):
            for batch in self._client.batches.list(limit=100):
                if batch.created_at < since - _CLOCK_SKEW_SECONDS:
                    return None
                metadata = batch.metadata or {}
                if metadata.get(JOB_KEY) == job_id and metadata.get(SHARD_KEY) == str(shard):
                    return batch
        return None

    def create_batch(self, file_id: str, job_id: str, shard: int) -> Batch:
        with self._errors(f"creating the batch of shard {shard}"):
            return self._once.batches.create(
                input_file_id=file_id,
                endpoint=BATCH_ENDPOINT,
                completion_window="24h",
                metadata={JOB_KEY: job_id, SHARD_KEY: str(shard)},
            )

    def retrieve(self, batch_id: str) -> Batch:
        with self._errors(f"reading batch {batch_id}"):
            return self._client.batches.retrieve(batch_id)

    def cancel(self, batch_id: str) -> Batch:
        with self._errors(f"cancelling batch {batch_id}"):
            return self._once.batches.cancel(batch_id)

    def download(self, file_id: str, path: Path) -> None:
        """The file's content into `path`, line by line (an output file may be large),
        with the API key masked: an error line may echo it, and the file stays on disk."""
        with (
            self._errors(f"downloading file {file_id}"),
            self._client.files.with_streaming_response.content(file_id) as response,
            atomic_writer(path) as stream,
        ):
            for line in response.iter_lines():
                stream.write(redact_secret(line, self.settings.api_key).encode() + b"\n")

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """openai's errors as one-line SummarizerErrors; a 404 from the API itself as
        BatchUnsupportedError."""
        import openai

        try:
            yield
        except openai.NotFoundError as error:
            if not doing.startswith(("listing", "uploading", "creating")):
                raise self._failure(doing, error) from None
            raise BatchUnsupportedError(
                f"{self.endpoint} has no batch API (HTTP 404 {doing}); "
                "summarize the articles realtime instead: summarize FILE..."
            ) from None
        except openai.APIError as error:
            raise self._failure(doing, error) from None

    def _failure(self, doing: str, error: BaseException) -> BackendError:
        message = f"{self.endpoint}: {doing} failed: {describe_http_error(error)}"
        return BackendError(redact_secret(message, self.settings.api_key))
