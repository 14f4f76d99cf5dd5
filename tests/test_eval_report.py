"""Reports: the JSON contract, the Markdown a person reads, comparing, gating."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import summarizer
from summarizer.errors import InputError
from summarizer.evaluation import (
    HEADLINE_METRICS,
    SANITY_CHECKS,
    ArticleResult,
    Dataset,
    EvalReport,
    aggregate,
    compare,
    load_dataset,
    load_report,
    regressions,
    sanity_failures,
    score_article,
    write_report,
)
from summarizer.evaluation.metrics import GATE_RULE
from summarizer.evaluation.report_html import render_report_html
from summarizer.evaluation.report_writer import report_markdown
from tests.conftest import SEEDS
from tests.eval_support import copy_seeds, gold_payload, gold_summary, unchecked_summary

IDS = ["iraq-baaj-offensive", "syria-haritan-airstrikes"]


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    return load_dataset(copy_seeds(tmp_path / "set", IDS))


def report_with_mistakes(dataset: Dataset) -> EvalReport:
    """The Iraq article with a wrong date and type, an extra event in a place it never
    names (Basra); the Syria one failed."""
    iraq, syria = dataset.items
    payload = copy.deepcopy(gold_payload(iraq))
    payload["events"][0]["date"] = "2017-05-24"
    payload["events"][1]["event_type"] = "explosion_remote_violence"
    payload["events"].append(
        {**payload["events"][0], "event_type": "health", "date": "2017-01-01", "actors": []}
    )
    payload["events"][-1]["location"] = {"name": "Basra", "country": "Iraq"}
    payload["brief"] = "Fighting went on in 12 places."
    results = (
        ArticleResult(score_article(iraq, unchecked_summary(iraq, payload)), latency_s=0.5),
        ArticleResult(score_article(syria, None), error="openai: HTTP 500: boom", attempts=4),
    )
    return EvalReport(
        run={"dataset": str(dataset.root), "backend": "test", "model": "m"},
        metrics=aggregate(results),
        results=results,
    )


def test_report_json_has_the_headline_metrics_and_every_article(
    dataset: Dataset, tmp_path: Path
) -> None:
    report = report_with_mistakes(dataset)

    json_path, markdown_path = write_report(report, tmp_path / "out")

    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(HEADLINE_METRICS) <= set(document["metrics"])
    assert list(document["metrics"])[: len(HEADLINE_METRICS)] == list(HEADLINE_METRICS)
    assert [article["id"] for article in document["articles"]] == IDS
    iraq, syria = document["articles"]
    assert iraq["events"]["matched"][0]["wrong"] == {
        "date": {"gold": "2017-05-25", "predicted": "2017-05-24"}
    }
    assert iraq["events"]["matched"][1]["wrong"] == {
        "event_type": {"gold": "battle", "predicted": "explosion_remote_violence"}
    }
    assert iraq["events"]["spurious"] == [5]
    assert iraq["unsupported_numbers"] == ["12"]
    assert iraq["ungrounded_locations"] == ["Basra"]
    assert iraq["prediction"]["brief"] == "Fighting went on in 12 places."
    # A prediction names its article as the entry, a run's output and the label do.
    assert iraq["prediction"]["id"] == iraq["id"] and "article_id" not in iraq["prediction"]
    assert syria == {
        **syria,
        "valid": False,
        "error": "openai: HTTP 500: boom",
        "prediction": None,
        "attempts": 4,
    }
    assert load_report(json_path)["metrics"] == document["metrics"]
    assert markdown_path.read_text(encoding="utf-8") == report_markdown(report)


def test_report_markdown_shows_gold_and_predicted_side_by_side(dataset: Dataset) -> None:
    markdown = report_markdown(report_with_mistakes(dataset))

    assert "## Headline metrics" in markdown
    assert "| valid_rate | 0.500 |" in markdown
    # Measured over the one valid result, whose brief keeps the length rule.
    assert "## Sanity checks" in markdown
    assert "| brief_length_ok | 1.000 |" in markdown
    # Five gold events, each in a place the article names, and the extra one in Basra.
    assert "| locations_grounded | 0.833 |" in markdown
    assert "Places the article does not name: “Basra”" in markdown
    assert markdown.index("| valid_rate |") < markdown.index("## Sanity checks")
    # The confusion table: gold battles, one predicted as a bombing; Syria's two events missed.
    assert "| gold \\ predicted | battle | explosion_remote_violence | health | (missed) |" in (
        markdown
    )
    assert "| battle | 1 | 1 |  |  |" in markdown
    assert "| explosion_remote_violence |  |  |  | 2 |" in markdown
    assert "| (spurious) |  |  | 1 |  |" in markdown
    assert "## Articles below perfect (2 of 2)" in markdown
    assert "| date | 2017-05-25 | 2017-05-24 (within 1 day) |" in markdown
    assert "| event_type | battle | explosion_remote_violence |" in markdown
    assert "Spurious predicted events (matched no gold event):" in markdown
    assert "- health · 2017-01-01 · Basra, Iraq · no actors" in markdown
    assert "Numbers not in the article: 12" in markdown
    assert "Must mention, not found in the brief:" in markdown
    assert "**No valid result:** openai: HTTP 500: boom" in markdown
    assert "Missed required events:" in markdown


def test_a_perfect_report_lists_no_article(dataset: Dataset) -> None:
    results = tuple(ArticleResult(score_article(item, gold_summary(item))) for item in dataset)
    report = EvalReport(run={}, metrics=aggregate(results), results=results)

    assert "None: every article scored perfectly." in report_markdown(report)


def test_compare_gives_the_difference_and_its_direction() -> None:
    before = {"metrics": {"event_f1": 0.8, "unsupported_numbers": 0.1, "tokens_in": 100}}
    after = {"metrics": {"event_f1": 0.9, "unsupported_numbers": 0.2, "tokens_in": 50}}

    changes = {change.name: change for change in compare(before, after)}

    assert [name for name in changes][: len(HEADLINE_METRICS)] == list(HEADLINE_METRICS)
    assert changes["event_f1"].delta == pytest.approx(0.1)
    assert changes["event_f1"].better is True
    assert changes["unsupported_numbers"].better is False
    assert changes["tokens_in"].better is True
    assert changes["valid_rate"].delta is None
    assert changes["valid_rate"].better is None


def test_regressions_respect_direction_and_tolerance() -> None:
    baseline = {"metrics": {"event_f1": 0.9, "unsupported_numbers": 0.1, "valid_rate": 1.0}}

    def gate(**current: float | None) -> list[str]:
        metrics = {**baseline["metrics"], **current}
        return [regression.name for regression in regressions({"metrics": metrics}, baseline, 0.02)]

    assert gate() == []
    assert gate(event_f1=0.88) == []  # exactly at the tolerance
    assert gate(event_f1=0.879) == ["event_f1"]
    assert gate(event_f1=1.0, unsupported_numbers=0.0) == []
    assert gate(valid_rate=0.97) == ["valid_rate"]
    assert gate(valid_rate=None) == ["valid_rate"]
    # A metric the baseline does not have is not gated.
    assert gate(type_accuracy=0.0) == []
    # Sanity checks are held to perfect by sanity_failures, not to the baseline.
    assert gate(unsupported_numbers=0.5, evidence_grounded=0.0) == []


def test_every_metric_carries_its_count_in_every_report(dataset: Dataset) -> None:
    report = report_with_mistakes(dataset)
    document = report.to_json()
    counts = document["counts"]
    metrics = document["metrics"]
    markdown = report_markdown(report)
    page = render_report_html(document)

    assert set(counts) == {*HEADLINE_METRICS, *SANITY_CHECKS}
    true_pos, false_pos, false_neg = (
        metrics["true_positives"],
        metrics["false_positives"],
        metrics["false_negatives"],
    )
    assert counts["event_precision"] == true_pos + false_pos  # the predicted events
    assert counts["event_recall"] == true_pos + false_neg  # the required gold events
    assert counts["type_accuracy"] == counts["location_accuracy"] == true_pos  # matched pairs
    assert counts["valid_rate"] == counts["brief_rouge_l"] == 2  # the articles
    assert counts["brief_length_ok"] == 1  # the valid results
    assert counts["brief_must_mention_recall"] == sum(
        len(item.label.must_mention) for item in dataset
    )
    assert f"| type_accuracy | {metrics['type_accuracy']:.3f} | {int(true_pos)} |" in markdown
    assert "| brief_length_ok | 1.000 | 1 |" in markdown
    assert GATE_RULE in markdown
    assert "<th class='num'>count</th>" in page and "standard errors" in page


def _gate(
    before: tuple[float, int | None], after: tuple[float, int | None], tolerance: float = 0.02
) -> list[str]:
    """The metrics the gate fails when location_accuracy goes from `before` to `after`,
    each (value, count), and event_f1 doubles."""

    def report(value: float, count: int | None, f1: float) -> dict[str, object]:
        counts = {} if count is None else {"counts": {"location_accuracy": count, "event_f1": 9}}
        return {"metrics": {"location_accuracy": value, "event_f1": f1}, **counts}

    found = regressions(report(*after, f1=0.8), report(*before, f1=0.4), tolerance)
    return [str(regression) for regression in found]


def test_the_gate_passes_a_drop_its_counts_explain_and_fails_one_they_do_not() -> None:
    # One matched event, then two: half of two is what chance gives.
    assert _gate((1.0, 1), (0.5, 2)) == []
    # The same kind of drop over forty events each is no chance.
    assert _gate((0.95, 40), (0.75, 40)) == [
        "location_accuracy fell to 0.750 (over 40) from the baseline's 0.950 (over 40)"
    ]
    # Small against its counts, yet past the tolerance: passes.
    assert _gate((0.95, 40), (0.9, 40)) == []
    # Within the tolerance passes, whatever the counts.
    assert _gate((0.95, 100_000), (0.94, 100_000), tolerance=0.02) == []


def test_a_baseline_without_counts_still_gates() -> None:
    # Written before counts: the baseline's value is taken as exact, the run's count used.
    assert _gate((1.0, None), (0.5, 2)) == []
    assert _gate((0.95, None), (0.75, 200)) != []
    # Neither report has counts: the tolerance alone, as before counts existed.
    assert _gate((1.0, None), (0.5, None)) == [
        "location_accuracy fell to 0.500 from the baseline's 1.000"
    ]
    baseline = load_report(Path(summarizer.__file__).parent.parent / "evals/offline-baseline.json")
    assert "counts" not in baseline
    current = copy.deepcopy(baseline)
    current["metrics"]["location_accuracy"] = 0.5
    current["counts"] = {"location_accuracy": 2}
    assert regressions(current, baseline, 0.02) == []
    current["counts"] = {"location_accuracy": 40}
    assert [r.name for r in regressions(current, baseline, 0.02)] == ["location_accuracy"]


def test_sanity_failures_hold_each_check_to_perfect_whatever_the_baseline() -> None:
    def failing(**metrics: float | None) -> list[str]:
        return [failure.name for failure in sanity_failures({"metrics": metrics})]

    assert failing(brief_length_ok=1.0, unsupported_numbers=0.0, evidence_grounded=1.0) == []
    # Nothing to measure (no valid result, no quote) is no failure.
    assert failing(brief_length_ok=None, evidence_grounded=None) == []
    assert failing(
        evidence_grounded=0.999, unsupported_numbers=0.05, locations_grounded=0.9, event_f1=0.1
    ) == ["unsupported_numbers", "evidence_grounded", "locations_grounded"]
    (failure,) = sanity_failures({"metrics": {"brief_length_ok": 0.5}})
    assert str(failure) == (
        "brief_length_ok is 0.500, not 1: a validated result breaks a rule the validators enforce"
    )


def test_the_baseline_file_in_the_repository_still_loads_and_gates(tmp_path: Path) -> None:
    baseline = load_report(Path(summarizer.__file__).parent.parent / "evals/offline-baseline.json")
    worse = copy.deepcopy(baseline)
    worse["metrics"]["event_f1"] -= 0.1

    assert regressions(baseline, baseline, 0.0) == []
    assert sanity_failures(baseline) == []
    assert [regression.name for regression in regressions(worse, baseline, 0.02)] == ["event_f1"]


def test_load_report_rejects_what_is_not_a_report(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")

    with pytest.raises(InputError, match="not a JSON report"):
        load_report(tmp_path / "bad.json")
    with pytest.raises(InputError, match="no top-level"):
        load_report(tmp_path / "list.json")
    with pytest.raises(InputError, match=r"missing\.json"):
        load_report(tmp_path / "missing.json")


def test_evaluate_and_load_dataset_are_public() -> None:
    assert summarizer.__all__ == sorted(summarizer.__all__)
    assert {"evaluate", "load_dataset"} <= set(summarizer.__all__)
    assert summarizer.load_dataset(SEEDS).root == SEEDS
