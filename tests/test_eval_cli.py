"""`summarize eval` end to end: the loopback server answers from the gold labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer.backends.llm import LLMBackend
from summarizer.cache import ResultCache, cache_key
from summarizer.cli.eval import default_dataset
from summarizer.evaluation import HEADLINE_METRICS, LOWER_IS_BETTER, load_dataset
from summarizer.settings import LLMSettings
from tests.conftest import REPO_ROOT, SEEDS
from tests.eval_support import copy_seeds, gold_responder, gold_summary, write_json
from tests.llm_support import chat_requests, run_cli
from tests.loopback import LoopbackServer

SMALL_SET = ["iraq-baaj-offensive", "syria-haritan-airstrikes"]


def perfect_metrics() -> dict[str, float]:
    return {name: 0.0 if name in LOWER_IS_BETTER else 1.0 for name in HEADLINE_METRICS}


def headline(report: dict[str, Any]) -> dict[str, Any]:
    return {name: report["metrics"][name] for name in HEADLINE_METRICS}


def run_eval(server: LoopbackServer, *args: str) -> Any:
    return run_cli(["eval", *args, "--backend", "openai", "--base-url", server.base_url])


def test_eval_over_the_seeds_against_gold_answers_scores_one(
    loopback_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    seeds = load_dataset(SEEDS)
    loopback_server.respond_with(gold_responder(seeds))
    out = tmp_path / "out"

    # No DATASET: the project's seeds/ is the default.
    result = run_eval(
        loopback_server, "--out", str(out), "--price-input", "2", "--price-output", "10"
    )

    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert headline(report) == perfect_metrics()
    assert report["metrics"]["articles"] == len(seeds)
    # The loopback reports 12 tokens in and 8 out per reply.
    assert report["metrics"]["tokens_in"] == 12 * len(seeds)
    assert report["metrics"]["cost"] == pytest.approx((12 * 2 + 8 * 10) * len(seeds) / 1e6)
    cost_per_article = (12 * 2 + 8 * 10) / 1e6
    assert report["metrics"]["cost_per_article"] == pytest.approx(cost_per_article)
    matched = report["metrics"]["true_positives"]
    assert matched == sum(1 for item in seeds for event in item.label.events if event.required)
    assert report["metrics"]["cost_per_matched_event"] == pytest.approx(
        cost_per_article * len(seeds) / matched
    )
    assert report["run"]["prices_usd_per_million_tokens"] == {
        "input": 2.0,
        "output": 10.0,
        "source": "given",
    }
    assert [article["id"] for article in report["articles"]] == [item.id for item in seeds]
    assert all(article["perfect"] for article in report["articles"])
    assert report["run"]["backend"] == "openai"
    assert report["run"]["dataset"] == "seeds"  # as the user would name it, no machine path
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| event_f1 | 1.000 |" in markdown
    assert "None: every article scored perfectly." in markdown
    assert "- Prices: $2 input / $10 output per million tokens (given)" in markdown
    assert f"cost ${cost_per_article * len(seeds):.4f}" in markdown
    assert len(chat_requests(loopback_server)) == len(seeds)
    # The summary table goes to stdout, where the report is to stderr.
    assert "brief_rouge_l" in result.stdout
    table = result.stdout
    assert (
        table.index("valid_rate")
        < table.index("sanity checks")
        < table.index("evidence_grounded")
        < table.index("locations_grounded")
    )
    # Each metric with its count: the valid rate over the articles, types over matched pairs.
    rows = {
        line.split("│")[1].strip(): line.split("│")[2:4]
        for line in table.splitlines()
        if line.count("│") >= 4
    }
    assert [cell.strip() for cell in rows["valid_rate"]] == ["1.000", str(len(seeds))]
    assert [cell.strip() for cell in rows["type_accuracy"]] == ["1.000", str(int(matched))]
    assert str(out / "report.md") in result.stderr

    # Everything is cached now: --cache-only scores it again without a request.
    loopback_server.respond_with(None)
    again = run_eval(loopback_server, "--cache-only", "--out", str(tmp_path / "again"))

    assert again.exit_code == 0, again.stderr
    rescored = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    assert headline(rescored) == perfect_metrics()
    assert rescored["metrics"]["cached_articles"] == len(seeds)
    assert len(chat_requests(loopback_server)) == len(seeds)


def test_a_failing_article_does_not_stop_the_eval(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    loopback_server.respond_with(
        gold_responder(load_dataset(root), failing=frozenset({"iraq-baaj-offensive"}))
    )

    result = run_eval(loopback_server, str(root), "--out", str(tmp_path / "out"))

    assert result.exit_code == 0, result.stderr
    assert "Error: iraq-baaj-offensive: " in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["valid_rate"] == 0.5
    assert report["metrics"]["event_recall"] < 1.0
    assert report["metrics"]["event_precision"] == 1.0
    failed = report["articles"][0]
    assert failed["valid"] is False
    assert "HTTP 400" in failed["error"]
    assert failed["metrics"]["event_recall"] == 0.0
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "### `iraq-baaj-offensive`" in markdown
    assert "**No valid result:**" in markdown
    assert "### `syria-haritan-airstrikes`" not in markdown


@pytest.mark.slow  # waits on purpose: seconds of wall time
def test_articles_are_evaluated_concurrently_and_reported_in_data_set_order(
    tmp_path: Path,
) -> None:
    latency = 0.4
    seeds = load_dataset(SEEDS)
    with LoopbackServer(latency=latency) as server:
        server.respond_with(gold_responder(seeds))
        out = tmp_path / "out"

        result = run_eval(server, "--out", str(out), "--no-cache", "--concurrency", "8")

        stamps = sorted(request.timestamp for request in chat_requests(server))
    assert result.exit_code == 0, result.stderr
    # Eight requests were out before the first could have been answered.
    assert sum(stamp - stamps[0] < latency for stamp in stamps) == 8
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [article["id"] for article in report["articles"]] == [item.id for item in seeds]
    assert all(article["latency_s"] >= latency for article in report["articles"])
    assert headline(report) == perfect_metrics()


def test_cache_only_fails_the_articles_not_in_the_cache(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    loopback_server.respond_with(gold_responder(load_dataset(root)))
    assert run_eval(loopback_server, str(root), "--out", str(tmp_path / "first")).exit_code == 0
    # A changed article is a different cache key: nothing cached for it.
    changed = root / "articles" / "syria-haritan-airstrikes.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nMore follows.\n", "utf-8")
    requests_before = len(chat_requests(loopback_server))

    result = run_eval(loopback_server, str(root), "--cache-only", "--out", str(tmp_path / "out"))

    assert result.exit_code == 1
    assert "1 article(s) not in the cache: syria-haritan-airstrikes" in result.stderr
    assert len(chat_requests(loopback_server)) == requests_before
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["valid_rate"] == 0.5
    assert report["articles"][1]["error"] == "not in the cache (cache-only run)"


def test_cache_only_needs_no_api_key(tmp_path: Path) -> None:
    dataset = load_dataset(copy_seeds(tmp_path / "set", SMALL_SET))
    # What an earlier run with a key would have cached (the key is not part of cache keys).
    backend = LLMBackend(LLMSettings(model="some-model", api_key="sk-earlier-run"))
    with ResultCache() as cache:
        for item in dataset:
            cache.put(cache_key(item.article, backend), gold_summary(item))

    result = run_cli(
        [
            "eval",
            str(dataset.root),
            "--backend",
            "openai",
            "--model",
            "some-model",
            "--cache-only",
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert headline(report) == perfect_metrics()


def test_baseline_gate_fails_naming_the_metric_that_dropped(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    loopback_server.respond_with(gold_responder(load_dataset(root)))
    first = run_eval(loopback_server, str(root), "--out", str(tmp_path / "base"), "--no-cache")
    assert first.exit_code == 0, first.stderr
    baseline = tmp_path / "base" / "report.json"

    passed = run_eval(
        loopback_server,
        str(root),
        "--no-cache",
        "--baseline",
        str(baseline),
        "--out",
        str(tmp_path / "same"),
    )
    assert passed.exit_code == 0, passed.stderr
    assert "Baseline check passed" in passed.stderr

    # One article now fails: its events go missing and the run is less valid.
    loopback_server.respond_with(
        gold_responder(load_dataset(root), failing=frozenset({"syria-haritan-airstrikes"}))
    )
    failed = run_eval(
        loopback_server,
        str(root),
        "--no-cache",
        "--baseline",
        str(baseline),
        "--out",
        str(tmp_path / "worse"),
    )

    assert failed.exit_code == 1
    assert (
        "Regression: brief_must_mention_recall fell to 0.500 (over 8) from the baseline's "
        "1.000 (over 8)"
    ) in failed.stderr
    assert "Baseline check failed" in failed.stderr
    named = failed.stderr.split("Baseline check failed")[0]
    # Half of two articles, or of their four events, is within what so few can explain.
    assert "valid_rate" not in named and "event_recall" not in named
    assert "event_precision" not in named
    # The report is written before the gate decides.
    assert (tmp_path / "worse" / "report.md").exists()


def test_baseline_tolerance_allows_small_drops(
    loopback_server: LoopbackServer, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    loopback_server.respond_with(gold_responder(load_dataset(root)))
    baseline = write_json(tmp_path / "baseline.json", {"metrics": perfect_metrics()})
    # A baseline the run cannot reach: event_f1 above 1.
    impossible = write_json(
        tmp_path / "impossible.json", {"metrics": {**perfect_metrics(), "event_f1": 1.3}}
    )
    # Sanity checks are held to perfect, not to the baseline: this one's values do not count.
    odd_sanity = write_json(
        tmp_path / "odd-sanity.json",
        {"metrics": {**perfect_metrics(), "unsupported_numbers": -0.5, "evidence_grounded": 2.0}},
    )

    def gate(baseline_file: Path, *options: str) -> Any:
        out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        return run_eval(
            loopback_server,
            str(root),
            "--baseline",
            str(baseline_file),
            "--out",
            str(out),
            *options,
        )

    ok = gate(baseline)
    worse = gate(impossible)
    tolerant = gate(impossible, "--tolerance", "0.5")
    sane = gate(odd_sanity)

    assert ok.exit_code == 0, ok.stderr
    assert worse.exit_code == 1
    # The run's count is given; the baseline has none, and is taken as exact.
    assert re.search(
        r"Regression: event_f1 fell to 1\.000 \(over \d+\) from the baseline's 1\.300 ",
        worse.stderr,
    )
    assert tolerant.exit_code == 0, tolerant.stderr
    assert sane.exit_code == 0, sane.stderr
    assert "Sanity check failed" not in sane.stderr


def test_compare_shows_the_difference_per_metric(tmp_path: Path) -> None:
    before = write_json(tmp_path / "a.json", {"metrics": {**perfect_metrics(), "event_f1": 0.8}})
    after = write_json(
        tmp_path / "b.json",
        {"metrics": {**perfect_metrics(), "event_f1": 0.9, "valid_rate": 0.75}},
    )

    result = run_cli(["eval", "--compare", str(before), str(after)])

    assert result.exit_code == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "+0.100" in lines["event_f1"]
    assert "-0.250" in lines["valid_rate"]
    assert "+0.000" in lines["type_accuracy"]


def test_compare_rejects_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    report = write_json(tmp_path / "a.json", {"metrics": perfect_metrics()})
    other = write_json(tmp_path / "b.json", ["not", "a", "report"])

    result = run_cli(["eval", "--compare", str(report), str(other)])

    assert result.exit_code == 1
    assert 'not an eval report (no top-level "metrics" object)' in result.stderr


def test_a_broken_data_set_lists_every_problem(tmp_path: Path) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET)
    (root / "labels" / "iraq-baaj-offensive.json").unlink()
    (root / "labels" / "stray.json").write_text("{", encoding="utf-8")

    result = run_cli(["eval", str(root), "--backend", "offline"])

    assert result.exit_code == 1
    assert "articles/iraq-baaj-offensive.txt: no label" in result.stderr
    assert "labels/stray.json: no article" in result.stderr
    assert "labels/stray.json: bad JSON" in result.stderr


def test_cache_only_and_no_cache_exclude_each_other() -> None:
    result = run_cli(["eval", str(SEEDS), "--cache-only", "--no-cache"])

    assert result.exit_code == 2
    assert "--cache-only" in result.stderr


def test_default_dataset_is_the_checkout_seeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_dataset() == SEEDS
    # From the checkout, the seeds are named as a user there would name them.
    monkeypatch.chdir(REPO_ROOT)
    assert default_dataset() == Path("seeds")


def test_output_defaults_to_a_folder_under_the_user_directory(
    loopback_server: LoopbackServer, isolated_user_dir: Path, tmp_path: Path
) -> None:
    root = copy_seeds(tmp_path / "set", SMALL_SET[:1])
    loopback_server.respond_with(gold_responder(load_dataset(root)))

    result = run_eval(loopback_server, str(root))

    assert result.exit_code == 0, result.stderr
    (folder,) = (isolated_user_dir / "evals").iterdir()
    assert (folder / "report.json").exists()
    assert str(folder / "report.md") in result.stderr


def test_the_report_names_the_data_set_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    copy_seeds(tmp_path / "my-set", SMALL_SET[:1])

    result = run_cli(["eval", "my-set", "--out", "out"])

    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    # Relative stays relative: a baseline made from it names no folder of this machine.
    assert report["run"]["dataset"] == "my-set"
