"""Benchmark: a batch job of 1,000 and 10,000 articles, submitted and collected.

    python -m evals.bench_batchjob                # 1,000 and 10,000 articles
    python -m evals.bench_batchjob -n 2000 -n 20000 --repeats 3
    python -m evals.bench_batchjob --traced       # Python allocations instead of RSS

The loopback server runs in a process of its own and completes each batch at
once, answering every request line validly, so the figures are the client's:
submit (read the inputs, build one request body per article, write the shards,
upload them, create the batches) and collect (download the output, validate
every reply with the article's context, cache it, write the output in input
order). Each command runs in a fresh child process, which reports its wall
time, its CPU time and its peak memory (VmHWM: the high-water RSS).

Articles of about 500 words are mixed from the seed articles (as
evals/bench_offline.py builds them). Also printed: the CPU per article of the
two steps alone, `LLMBackend.request_body` and validating a reply
(`LLMBackend.draft_from_completion` then the pipeline's validate-and-cache).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.bench_batch import separate_server
from evals.bench_offline import build_articles
from summarizer.article import Article
from summarizer.backends.llm import LLMBackend
from summarizer.batchjobs import collect_job, submit_job
from summarizer.batchjobs.collect import validate_reply
from summarizer.cache import ResultCache, cache_key
from summarizer.pipeline import Pipeline
from summarizer.settings import LLMSettings
from tests.llm_support import LOOPBACK_MODEL

SIZES = (1_000, 10_000)
WORDS = 500
STEP_SAMPLE = 300


def settings(url: str) -> LLMSettings:
    return LLMSettings(base_url=url, api_key="bench-key-0000", model=LOOPBACK_MODEL)


def peak_rss() -> int:
    """This process's high-water RSS in bytes (VmHWM: its own, not a parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(step: str, url: str, feed: str, job: str, cache_dir: str, memory: str) -> None:
    """In a fresh process: one submit or collect; prints wall, CPU and peak memory.

    `memory` "rss": the high-water RSS; "traced": the peak of Python allocations
    during the step (tracemalloc's bookkeeping inflates RSS and CPU, hence a choice).
    """
    import tracemalloc

    from summarizer.batchjobs import Fallback

    if memory == "traced":
        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with Pipeline(LLMBackend(settings(url)), ResultCache(cache_dir)) as pipeline:
        if step == "submit":
            status = submit_job(Path(job), [feed], pipeline)
            count = status.requests
        else:
            report = collect_job(Path(job), pipeline=pipeline, fallback=Fallback.NONE)
            assert report.failed == 0, report
            count = report.from_batch
    figures = {
        "count": count,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu_started,
        "peak": tracemalloc.get_traced_memory()[1] if memory == "traced" else peak_rss(),
    }
    print(json.dumps(figures))


def run_child(
    step: str, url: str, feed: Path, job: Path, cache_dir: Path, memory: str
) -> dict[str, Any]:
    finished = subprocess.run(
        [
            *(sys.executable, "-m", "evals.bench_batchjob", "--child", step),
            *(url, str(feed), str(job), str(cache_dir), memory),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        sys.exit(f"{step} failed:\n{finished.stderr}")
    figures: dict[str, Any] = json.loads(finished.stdout)
    return figures


def write_feed(path: Path, articles: list[Article]) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for article in articles:
            stream.write(json.dumps({"id": article.id, "text": article.text}) + "\n")


def job_figures(
    url: str, articles: list[Article], repeats: int, memory: str
) -> dict[str, dict[str, float]]:
    """Medians over `repeats` of each step's child figures."""
    rounds: dict[str, list[dict[str, Any]]] = {"submit": [], "collect": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            feed = Path(folder) / "feed.jsonl"
            write_feed(feed, articles)
            for step in ("submit", "collect"):
                rounds[step].append(
                    run_child(step, url, feed, Path(folder) / "job", Path(folder) / "cache", memory)
                )
    return {
        step: {name: statistics.median(r[name] for r in runs) for name in runs[0]}
        for step, runs in rounds.items()
    }


def step_costs(url: str, articles: list[Article], repeats: int) -> tuple[float, float]:
    """Median CPU milliseconds per article: building a request body; validating a reply."""
    sample = articles[:STEP_SAMPLE]
    build, validate = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            backend = LLMBackend(settings(url))
            started = time.process_time()
            for article in sample:
                backend.request_body(article)
            build.append((time.process_time() - started) / len(sample) * 1000)

            # Replies as the server wrote them, from a job of the sample.
            feed = Path(folder) / "feed.jsonl"
            write_feed(feed, sample)
            job = Path(folder) / "job"
            with Pipeline(backend, ResultCache(Path(folder) / "scratch")) as scratch:
                submit_job(job, [str(feed)], scratch)
                collect_job(job, pipeline=scratch)
            replies = {}
            for path in (job / "results").glob("*-output.jsonl"):
                for line in path.read_text(encoding="utf-8").splitlines():
                    document = json.loads(line)
                    replies[document["custom_id"]] = document["response"]["body"]
            with Pipeline(backend, ResultCache(Path(folder) / "cache")) as pipeline:
                pairs = [(a, replies[cache_key(a, backend)]) for a in sample]
                started = time.process_time()
                for article, body in pairs:
                    validate_reply(article, body, pipeline)
                validate.append((time.process_time() - started) / len(sample) * 1000)
    return statistics.median(build), statistics.median(validate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--articles", type=int, action="append", help="job sizes")
    parser.add_argument("--repeats", type=int, default=1, help="runs per size (median)")
    parser.add_argument(
        "--traced",
        action="store_true",
        help="peak of Python allocations (tracemalloc) instead of the peak RSS",
    )
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return
    sizes = options.articles or list(SIZES)
    print(f"Batch job against the loopback server (own process); {os.cpu_count()} cores")
    print(f"  articles of ~{WORDS} words from the seeds; median of {options.repeats} run(s)")
    print(
        f"  {'articles':>8} {'step':<8} {'requests':>8} {'wall s':>7} "
        f"{'CPU ms/art':>10} {'traced MB' if options.traced else 'peak MB':>9}"
    )
    memory = "traced" if options.traced else "rss"
    # The batch API answers at once: the latency is that of each reply line.
    with separate_server(0.0) as url:
        for size in sizes:
            articles = build_articles(size, WORDS)
            figures = job_figures(url, articles, options.repeats, memory)
            for step, step_figures in figures.items():
                print(
                    f"  {size:>8,} {step:<8} {int(step_figures['count']):>8,} "
                    f"{step_figures['wall']:>7.1f} "
                    f"{step_figures['cpu'] / size * 1000:>10.2f} "
                    f"{step_figures['peak'] / 1e6:>9.1f}"
                )
        build, validate = step_costs(url, build_articles(STEP_SAMPLE, WORDS), 3)
    print(f"CPU per article, median of 3 over {STEP_SAMPLE} articles:")
    print(f"  build a request body (LLMBackend.request_body): {build:.2f} ms")
    print(f"  validate a reply and cache the result:          {validate:.2f} ms")


if __name__ == "__main__":
    main()
