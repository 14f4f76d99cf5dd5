"""Corpus runs at batch price: provider Batch APIs, and request files for self-hosted engines.

::

    with open_pipeline("openai") as pipeline:
        status = submit_job(Path("job"), ["corpus.jsonl"], pipeline)
    report = collect_job(Path("job"), wait=True)
    for line in report.records():
        print(line)

A job lives in a directory (see `summarizer.batchjobs.manifest`); every
function here may be called again after a failure or a kill.
"""

from __future__ import annotations

from summarizer.batchjobs.collect import (
    CollectReport,
    Fallback,
    ReplySource,
    collect_job,
    collected_record,
    import_results,
)
from summarizer.batchjobs.jobs import (
    JobStatus,
    cancel_job,
    export_requests,
    job_status,
    submit_job,
)
from summarizer.batchjobs.requests import DEFAULT_MAX_BYTES, DEFAULT_MAX_REQUESTS
from summarizer.errors import BatchUnsupportedError, JobError, JobPendingError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REQUESTS",
    "BatchUnsupportedError",
    "CollectReport",
    "Fallback",
    "JobError",
    "JobPendingError",
    "JobStatus",
    "ReplySource",
    "cancel_job",
    "collect_job",
    "collected_record",
    "export_requests",
    "import_results",
    "job_status",
    "submit_job",
]
