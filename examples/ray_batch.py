"""Run a `summarize batch export` job's requests through Ray Data against any
OpenAI-compatible endpoint, and write the answers for `summarize batch import`.

    summarize batch export corpus.jsonl --job runs/local --base-url URL --model M
    python examples/ray_batch.py --job runs/local --base-url URL [--model M] [--concurrency N]
    summarize batch import runs/local/results/*.jsonl --job runs/local -o results.jsonl

Each request line of `DIR/requests/shard-*.jsonl` is sent as it is (its `body` is the
chat-completions request the realtime path would send), by a pool of Ray actors, each
with one HTTP client and at most `--concurrency` requests in flight. Every answer, or
the HTTP or connection error in its place, becomes one line in the OpenAI batch output
format, `{"id", "custom_id", "response": {"status_code", "request_id", "body"},
"error"}`, in `DIR/results/ray-*.jsonl`. `summarize batch import` validates them and,
with `--fallback realtime`, asks again for whatever failed.

The lines are read with `ray.data.read_text` and parsed here, not with
`ray.data.read_json`: Arrow infers one struct type per column, so a JSON Schema's
`anyOf` list of differently-keyed objects would come back with `null`-filled keys
(`"$ref": null`) and the request would no longer be the one exported. For the same
reason the answers travel back as JSON text.

The API key, when the endpoint needs one, is read from `OPENAI_API_KEY` and only ever
sent in the Authorization header. Needs `pip install "ray[data]"` besides summarizer
(which brings the openai client: plain HTTP here, its own retries of 429 and 5xx
replies included, no instructor, as the bodies are already built).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openai
import ray
from openai.types.chat import ChatCompletion

# Rows per call of a worker; with --concurrency 16 a call keeps 16 requests in flight
# until fewer than 16 are left.
ROWS_PER_CALL = 64
REQUEST_TIMEOUT_SECONDS = 600.0
# openai's own retries of 408, 409, 429 and 5xx replies and dropped connections, with
# backoff; what still fails is written as a failed line for `batch import` to handle.
RETRIES = 2


class RequestSender:
    """One Ray actor: an HTTP client and a thread pool of `concurrency` senders."""

    def __init__(self, base_url: str, model: str | None, concurrency: int) -> None:
        # Local servers take any key; the client insists on one.
        self._client = openai.OpenAI(
            api_key=os.environ.get("OPENAI_API_KEY") or "unused",
            base_url=base_url,
            timeout=REQUEST_TIMEOUT_SECONDS,
            max_retries=RETRIES,
        )
        self._model = model
        self._senders = ThreadPoolExecutor(max_workers=concurrency)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        lines = list(self._senders.map(self._answer, batch["text"]))
        return {"line": lines}

    def _answer(self, request_line: str) -> str:
        request = json.loads(request_line)
        custom_id = request["custom_id"]
        body = dict(request["body"])
        if self._model:
            body["model"] = self._model
        output: dict[str, Any] = {"id": f"ray-{custom_id[:16]}", "custom_id": custom_id}
        try:
            answer = self._client.post("/chat/completions", body=body, cast_to=ChatCompletion)
        except openai.APIStatusError as failure:
            response = {
                "status_code": failure.status_code,
                "request_id": failure.request_id or "",
                "body": {"error": failure.body},
            }
        except openai.APIConnectionError as failure:
            # No reply at all: the line says why, and `batch import` asks again or records it.
            error = {"code": type(failure).__name__, "message": str(failure)}
            return json.dumps({**output, "response": None, "error": error})
        else:
            response = {
                "status_code": 200,
                "request_id": answer._request_id or "",
                "body": answer.model_dump(mode="json"),
            }
        return json.dumps({**output, "response": response, "error": None})


def request_shards(job: Path) -> list[Path]:
    shards = sorted((job / "requests").glob("shard-*.jsonl"))
    if not shards:
        raise SystemExit(
            f"Error: {job}/requests/ holds no shard-*.jsonl: run `summarize batch export ...`"
            f" --job {job} first"
        )
    return shards


def run(job: Path, base_url: str, model: str | None, concurrency: int) -> Path:
    """Send every request of the job and write the answers; return the results file."""
    shards = request_shards(job)
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    answers = ray.data.read_text([str(shard) for shard in shards]).map_batches(
        RequestSender,
        fn_constructor_kwargs={"base_url": base_url, "model": model, "concurrency": concurrency},
        batch_size=ROWS_PER_CALL,
        concurrency=(1, workers),
    )
    results = job / "results" / f"ray-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    partial = results.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for row in answers.iter_rows():
            out.write(row["line"] + "\n")
    # Renamed only when whole, so `batch import DIR/results/*.jsonl` never reads half a run.
    partial.replace(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", type=Path, required=True, help="the exported job directory")
    parser.add_argument("--base-url", required=True, help="an OpenAI-compatible endpoint (/v1)")
    parser.add_argument("--model", help="the served model's name, if not the exported one")
    parser.add_argument(
        "--concurrency", type=int, default=16, help="requests in flight per worker (16)"
    )
    parser.add_argument(
        "--address", help="a running Ray cluster's address (default: start a local one)"
    )
    options = parser.parse_args(argv)
    if options.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
    try:
        results = run(options.job, options.base_url, options.model, options.concurrency)
    finally:
        ray.shutdown()
    print(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
