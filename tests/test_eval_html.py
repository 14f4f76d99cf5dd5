"""report.html, scores by event type, JUnit XML, --compare pages and prompt experiments."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from summarizer import prompts
from summarizer.evaluation import ArticleResult, EvalReport, aggregate, load_dataset, score_article
from summarizer.evaluation.junit import junit_xml
from summarizer.evaluation.report_html import render_report_html
from tests.conftest import SEED_ARTICLE, SEEDS
from tests.eval_support import copy_seeds, gold_payload, gold_responder, unchecked_summary
from tests.llm_support import chat_requests, run_cli, seed_reply, use_loopback
from tests.loopback import LoopbackServer

IDS = ["iraq-baaj-offensive", "syria-haritan-airstrikes"]


def offline_eval(out: Path, *args: str) -> dict[str, Any]:
    result = run_cli(
        ["eval", str(SEEDS), "--backend", "offline", "--no-cache", "--out", str(out), *args]
    )
    assert result.exit_code in (0, 1), result.stderr
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def offline_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("offline-eval")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUMMARIZER_HOME", str(out / "home"))
        return out, offline_eval(out / "report")


def test_report_json_scores_each_event_type(tmp_path: Path) -> None:
    dataset = load_dataset(copy_seeds(tmp_path / "set", IDS))
    iraq, syria = dataset.items
    payload = copy.deepcopy(gold_payload(iraq))
    gold_types = [event["event_type"] for event in payload["events"]]
    payload["events"][1]["event_type"] = "riot"  # one pair of the wrong type
    results = (
        ArticleResult(score_article(iraq, unchecked_summary(iraq, payload))),
        ArticleResult(score_article(syria, None), error="failed"),
    )
    report = EvalReport(run={}, metrics=aggregate(results), results=results).to_json()

    scores = report["by_type"]
    riot = scores["riot"]
    assert (riot["true_positives"], riot["false_positives"], riot["precision"]) == (0, 1, 0.0)
    wrong_type = scores[gold_types[1]]
    assert wrong_type["false_negatives"] >= 1
    assert wrong_type["recall"] < 1.0
    for values in scores.values():
        if values["f1"] is not None:
            tp, fp, fn = (
                values[k] for k in ("true_positives", "false_positives", "false_negatives")
            )
            assert values["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    cells = {(cell["gold"], cell["predicted"]): cell["count"] for cell in report["confusion"]}
    assert cells[gold_types[1], "riot"] == 1
    assert any(predicted == "(missed)" for _, predicted in cells)  # the failed Syria article


def test_report_html_is_written_beside_the_json(
    offline_report: tuple[Path, dict[str, Any]],
) -> None:
    out, report = offline_report
    page = (out / "report" / "report.html").read_text(encoding="utf-8")

    assert report["run"]["prompt_version"] in page
    for name in report["by_type"]:
        assert f"<td>{name}</td>" in page
    assert page.count("<details id=") == len(report["articles"])
    assert "<mark style=" in page  # evidence highlighted in the articles
    assert "<script" not in page
    wrong = [
        pair for item in report["articles"] for pair in item["events"]["matched"] if pair["wrong"]
    ]
    assert page.count("<dd class='diff'>") >= sum(len(pair["wrong"]) * 2 for pair in wrong) > 0


def test_report_html_marks_regressions_and_escapes_text(
    offline_report: tuple[Path, dict[str, Any]],
) -> None:
    _, report = offline_report
    baseline = copy.deepcopy(report)
    baseline["metrics"]["actor_f1"] = 0.99
    changed = copy.deepcopy(report)
    changed["articles"][0]["article_text"] = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)>"
    )

    page = render_report_html(changed, baseline=baseline, tolerance=0.02)

    assert "<tr class='regression'><td>actor_f1</td>" in page
    assert "1 regression(s)" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_old_report_with_plain_quotes_still_renders(
    offline_report: tuple[Path, dict[str, Any]],
) -> None:
    _, report = offline_report
    old = copy.deepcopy(report)
    article = next(item for item in old["articles"] if item["prediction"]["events"])
    for event in article["prediction"]["events"]:
        event["evidence"] = [quote["text"] for quote in event["evidence"]]
    del old["by_type"], old["confusion"]

    page = render_report_html(old)

    assert "No per-type scores in this report." in page
    assert "<mark style=" in page


def test_junit_has_one_case_per_article_failing_where_a_metric_fell(
    offline_report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, report = offline_report
    baseline = copy.deepcopy(report)
    target = next(item for item in baseline["articles"] if item["metrics"]["actor_f1"] < 1)
    target["metrics"]["actor_f1"] = 1.0
    baseline_path = tmp_path / "baseline.json"
    baseline_path.write_text(json.dumps(baseline), encoding="utf-8")
    junit_path = tmp_path / "junit.xml"

    result = run_cli(
        [
            "eval",
            str(SEEDS),
            "--backend",
            "offline",
            "--no-cache",
            "--out",
            str(tmp_path / "r"),
            "--baseline",
            str(baseline_path),
            "--junit",
            str(junit_path),
        ]
    )

    assert result.exit_code == 0, result.stderr  # the headline metrics held
    suite = ElementTree.parse(junit_path).getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"headline metrics", *(item["id"] for item in report["articles"])}
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {target["id"]}
    failure = cases[target["id"]].find("failure")
    assert failure is not None and "actor_f1 fell" in (failure.get("message") or "")
    assert suite.get("failures") == "1"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["prompt_version"] == report["run"]["prompt_version"]


def test_junit_without_a_baseline_fails_invalid_results() -> None:
    report = {
        "run": {"backend": "openai"},
        "articles": [
            {"id": "a", "error": None, "latency_s": 1.5},
            {"id": "b", "error": "openai: HTTP 500", "latency_s": 0.1},
        ],
    }

    root = ElementTree.fromstring(junit_xml(report).split("\n", 1)[1])

    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert cases["a"].find("failure") is None and cases["a"].get("time") == "1.500"
    failure = cases["b"].find("failure")
    assert failure is not None and "HTTP 500" in (failure.get("message") or "")


def test_compare_shows_prompt_versions_and_which_articles_changed(
    offline_report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, report = offline_report
    after = copy.deepcopy(report)
    after["run"]["prompt_version"] = "extract-experiment"
    worse, better = after["articles"][0], after["articles"][1]
    worse["metrics"]["event_f1"] = 0.5
    before = copy.deepcopy(report)
    before["articles"][1]["metrics"]["brief_rouge_l"] = 0.0
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, document in zip(paths, (before, after), strict=True):
        path.write_text(json.dumps(document), encoding="utf-8")

    result = run_cli(["eval", "--compare", *map(str, paths), "--out", str(tmp_path / "cmp")])

    assert result.exit_code == 0, result.stderr
    assert report["run"]["prompt_version"] in result.stdout
    assert "extract-experiment" in result.stdout
    assert f"Worse in B (1):\n  {worse['id']}: event_f1 1.000 → 0.500" in result.stdout
    assert f"Better in B (1):\n  {better['id']}: brief_rouge_l" in result.stdout
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "extract-experiment" in page and report["run"]["prompt_version"] in page
    assert f"<a href='#{worse['id']}'>" in page
    assert page.count("class='side three'") == len(report["articles"])


# -- prompt experiments ------------------------------------------------------------------


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    folder = tmp_path / "my-prompts"
    shutil.copytree(prompts.template_dir(), folder)
    system = folder / "extract.system.j2"
    system.write_text(
        system.read_text(encoding="utf-8") + "\nPREFER SHORT QUOTES.\n", encoding="utf-8"
    )
    return folder


def test_prompt_option_sends_the_other_templates(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, experiment: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(seed_reply)

    result = run_cli(["--json", "--prompt", str(experiment), str(SEED_ARTICLE)])

    assert result.exit_code == 0, result.stderr
    assert "PREFER SHORT QUOTES." in str(chat_requests(loopback_server)[0].body)
    version = json.loads(result.stdout)["prompt_version"]
    assert (
        version == prompts.load_prompt(folder=experiment).version != prompts.load_prompt().version
    )


def test_eval_reports_the_experiment_prompt_version(
    loopback_server: LoopbackServer, experiment: Path, tmp_path: Path
) -> None:
    dataset = load_dataset(copy_seeds(tmp_path / "set", IDS))
    loopback_server.respond_with(gold_responder(dataset))

    result = run_cli(
        [
            "eval",
            str(dataset.root),
            "--backend",
            "openai",
            "--base-url",
            loopback_server.base_url,
            "--prompt",
            str(experiment),
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["prompt_version"] == prompts.load_prompt(folder=experiment).version
    assert all("PREFER SHORT QUOTES." in str(r.body) for r in chat_requests(loopback_server))


def test_prompt_does_not_apply_to_the_offline_extractor(experiment: Path) -> None:
    result = run_cli(["--backend", "offline", "--prompt", str(experiment), str(SEED_ARTICLE)])

    assert result.exit_code == 2
    assert result.error_lines == [
        "Error: option 'prompt_dir' does not apply to the offline backend"
    ]


def test_a_prompt_folder_without_templates_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback_server: LoopbackServer
) -> None:
    use_loopback(monkeypatch, loopback_server)
    monkeypatch.setenv(prompts.PROMPTS_ENV, str(tmp_path))

    result = run_cli([str(SEED_ARTICLE)])

    assert result.exit_code == 2
    assert len(result.error_lines) == 1
    assert "prompt 'extract' not found in" in result.error_lines[0]


def test_report_html_shows_the_sanity_checks_apart_and_marks_a_broken_one(
    offline_report: tuple[Path, dict[str, Any]],
) -> None:
    _, report = offline_report
    broken = copy.deepcopy(report)
    broken["metrics"]["evidence_grounded"] = 0.9

    page = render_report_html(report)
    marked = render_report_html(broken)

    assert "<h2>Sanity checks (must be perfect)</h2>" in page
    assert "<tr><td>evidence_grounded</td>" in page
    assert "<tr class='regression'><td>evidence_grounded</td>" in marked
