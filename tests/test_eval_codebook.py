"""The eval under a codebook of the user's: labels checked against it, its extra fields scored.

The data set is a small protest one written here, with the example protest codebook
as its codebook.yaml; predictions are results of that codebook's own result model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import CodebookError, DatasetError
from summarizer.evaluation import ArticleResult, EvalReport, aggregate, load_dataset, score_article
from summarizer.evaluation.codebook_fields import codebook_metrics
from summarizer.evaluation.dataset import LabelledArticle
from summarizer.evaluation.report_html import render_report_html
from summarizer.evaluation.report_writer import report_markdown
from tests.conftest import REPO_ROOT
from tests.eval_support import write_json
from tests.llm_support import run_cli

PROTEST = REPO_ROOT / "examples" / "codebooks" / "protest.yaml"

ARTICLES = {
    "lyon-nurses": (
        "date 2024-03-03 Lyon: About 3,200 nurses, 40 of them from Grenoble, marched "
        "through Lyon on Saturday to demand higher pay, in a protest called by the CGT "
        "union. Police watched but did not intervene.\n"
    ),
    "quito-fares": (
        "date 2024-05-11 Quito: Students blocked the main avenue of Quito on Friday against "
        "a rise in bus fares and for free transport for pupils. Police fired tear gas and "
        "arrested 14 people.\n"
    ),
}


def lyon_event(**changes: Any) -> dict[str, Any]:
    event = {
        "required": True,
        "event_type": "demonstration",
        "sub_event_type": "march",
        "date": "2024-03-02",
        "location": {"name": "Lyon", "country": "France"},
        "actors": ["nurses", "CGT"],
        "fatalities": None,
        "crowd_size": 3200,
        "claims": ["higher pay"],
        "police_response": ["none"],
        "organizer": "the CGT union",
        "protester_violence": False,
        "summary": "Nurses marched through Lyon to demand higher pay.",
    }
    return {**event, **changes}


def quito_event(**changes: Any) -> dict[str, Any]:
    # crowd_size and organizer are left out: the label says nothing about them.
    event = {
        "required": True,
        "event_type": "demonstration",
        "sub_event_type": "blockade",
        "date": "2024-05-10",
        "location": {"name": "Quito", "country": "Ecuador"},
        "actors": ["students"],
        "fatalities": None,
        "claims": ["a rise in bus fares", "free transport for pupils"],
        "police_response": ["tear_gas", "arrests"],
        "protester_violence": None,
        "summary": "Students blocked an avenue of Quito against a rise in bus fares.",
    }
    return {**event, **changes}


def label(article_id: str, events: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    published = ARTICLES[article_id][5:15]
    return {
        "id": article_id,
        "published": published,
        "brief": "Nurses marched in Lyon for higher pay.",
        "events": events,
        **changes,
    }


def protest_dataset(
    root: Path,
    labels: dict[str, dict[str, Any]] | None = None,
    *,
    codebook: Path | None = PROTEST,
) -> Path:
    """The protest data set in `root`: its articles, labels and codebook.yaml."""
    (root / "articles").mkdir(parents=True)
    (root / "labels").mkdir()
    for article_id, text in ARTICLES.items():
        (root / "articles" / f"{article_id}.txt").write_text(text, encoding="utf-8")
    chosen = labels or {
        "lyon-nurses": label("lyon-nurses", [lyon_event()]),
        "quito-fares": label("quito-fares", [quito_event()]),
    }
    for article_id, document in chosen.items():
        write_json(root / "labels" / f"{article_id}.json", document)
    if codebook is not None:
        shutil.copy(codebook, root / "codebook.yaml")
    return root


def prediction(item: LabelledArticle, events: list[dict[str, Any]]) -> Any:
    """A result of the protest codebook's result model, checked against the article."""
    model = item.codebook.result_model
    return model.model_validate(
        {
            "headline": "Protest",
            "brief": "A protest took place.",
            "events": events,
            "id": item.id,
            "backend": "test",
            "prompt_version": "test",
        },
        context=item.article.validation_context(),
    )


def predicted_event(gold: dict[str, Any], evidence: str, **changes: Any) -> dict[str, Any]:
    event = {key: value for key, value in gold.items() if key not in ("required", "event_key")}
    return {**event, "evidence": [evidence], **changes}


def test_labels_follow_the_data_sets_own_codebook(tmp_path: Path) -> None:
    dataset = load_dataset(protest_dataset(tmp_path / "set"))

    assert dataset.codebook.name == "protest-monitor"
    quito = next(item for item in dataset if item.id == "quito-fares")
    (event,) = quito.label.events
    assert event.event_type.value == "demonstration"
    assert getattr(event, "police_response") == ["tear_gas", "arrests"]  # noqa: B009
    # Left out, so not stated; the null of protester_violence is stated.
    assert "crowd_size" not in event.model_fields_set
    assert "protester_violence" in event.model_fields_set


def test_a_label_breaking_the_codebook_is_one_line_per_problem(tmp_path: Path) -> None:
    labels = {
        "lyon-nurses": label(
            "lyon-nurses",
            [lyon_event(event_type="strike", crowd="big"), lyon_event(police_response=["dogs"])],
        ),
        "quito-fares": label("quito-fares", [quito_event(sub_event_type="march-past")]),
    }
    root = protest_dataset(tmp_path / "set", labels)

    with pytest.raises(DatasetError) as raised:
        load_dataset(root)

    problems = raised.value.problems
    expected = [
        "labels/lyon-nurses.json: events[0].event_type: unknown event type 'strike' "
        "(the codebook protest-monitor has: demonstration, riot)",
        "labels/lyon-nurses.json: events[0].crowd: unknown field",
        "labels/lyon-nurses.json: events[1].police_response: police_response has 'dogs'",
        "labels/quito-fares.json: events[0]: sub_event_type 'march-past' is not a subtype",
    ]
    for wanted in expected:
        assert any(problem.startswith(wanted) for problem in problems), (wanted, problems)
    assert len(problems) == len(expected), problems


def test_a_named_codebook_wins_over_the_data_sets(tmp_path: Path) -> None:
    root = protest_dataset(tmp_path / "set")

    with pytest.raises(DatasetError) as raised:
        load_dataset(root, codebook="news")

    assert any(
        "events[0].event_type: unknown event type 'demonstration'" in problem
        and "codebook news" in problem
        for problem in raised.value.problems
    )
    assert any("events[0].crowd_size: unknown field" in p for p in raised.value.problems)


def test_a_broken_codebook_yaml_fails_before_any_label_is_read(tmp_path: Path) -> None:
    root = protest_dataset(tmp_path / "set", codebook=None)
    (root / "codebook.yaml").write_text("name: x\ntypes: {}\n", encoding="utf-8")

    with pytest.raises(CodebookError) as raised:
        load_dataset(root)

    assert "codebook.yaml:2: types" in str(raised.value)


def scored_report(tmp_path: Path) -> EvalReport:
    dataset = load_dataset(protest_dataset(tmp_path / "set"))
    lyon, quito = dataset.items
    lyon_prediction = prediction(
        lyon,
        [
            predicted_event(
                lyon_event(),
                "marched through Lyon on Saturday",
                organizer="CGT union",  # "the CGT union" after name normalisation: agrees
                crowd_size=40,  # wrong
                claims=["higher pay", "demand higher pay"],  # F1 2/3
            )
        ],
    )
    quito_prediction = prediction(
        quito,
        [
            predicted_event(
                quito_event(),
                "Students blocked the main avenue of Quito on Friday",
                sub_event_type="march",  # wrong sub-type
                police_response=["tear_gas"],  # F1 2/3
                protester_violence=True,  # the gold null is a value: wrong
                crowd_size=14,  # the label leaves it out: not scored
            )
        ],
    )
    results = (
        ArticleResult(score_article(lyon, lyon_prediction)),
        ArticleResult(score_article(quito, quito_prediction)),
    )
    return EvalReport(run={}, metrics=aggregate(results), results=results)


def test_extra_fields_and_sub_types_are_scored_with_their_counts(tmp_path: Path) -> None:
    report = scored_report(tmp_path)
    metrics, counts = report.metrics, report.counts

    assert metrics["event_f1"] == 1.0
    assert (metrics["field.crowd_size"], counts["field.crowd_size"]) == (0.0, 1)
    assert (metrics["field.organizer"], counts["field.organizer"]) == (1.0, 1)
    assert metrics["field.claims"] == pytest.approx((2 / 3 + 1.0) / 2)
    assert counts["field.claims"] == 2
    assert metrics["field.police_response"] == pytest.approx((1.0 + 2 / 3) / 2)
    assert (metrics["field.protester_violence"], counts["field.protester_violence"]) == (0.5, 2)
    assert (metrics["subtype_accuracy"], counts["subtype_accuracy"]) == (0.5, 2)
    assert list(codebook_metrics(report.codebook)) == [
        "field.crowd_size",
        "field.claims",
        "field.police_response",
        "field.organizer",
        "field.protester_violence",
        "subtype_accuracy",
    ]


def test_the_report_carries_the_codebook_fields_and_types(tmp_path: Path) -> None:
    report = scored_report(tmp_path)
    document = report.to_json()

    assert document["codebook"]["name"] == "protest-monitor"
    assert document["codebook"]["fields"]["claims"]["scored_as"] == "set F1"
    assert document["by_type"]["demonstration"]["subtype_accuracy"] == 0.5
    assert document["by_type"]["demonstration"]["subtype_count"] == 2
    quito = document["articles"][1]
    assert quito["events"]["matched"][0]["wrong"]["protester_violence"] == {
        "gold": None,
        "predicted": True,
    }
    assert "crowd_size" not in quito["events"]["matched"][0]["wrong"]
    markdown = report_markdown(report)
    assert "## Codebook fields (protest-monitor)" in markdown
    assert "| crowd_size (exact match) | 0.000 | 1 |" in markdown
    assert "| subtype_accuracy (of types with subtypes) | 0.500 | 2 |" in markdown
    page = render_report_html(document)
    assert "claims (set F1)" in page
    assert "<th class='num'>sub-type accuracy</th>" in page


def test_the_news_report_has_no_codebook_fields(tmp_path: Path) -> None:
    from tests.eval_support import gold_summary

    item = next(iter(load_dataset(REPO_ROOT / "seeds")))
    results = (ArticleResult(score_article(item, gold_summary(item))),)
    report = EvalReport(run={}, metrics=aggregate(results), results=results)

    assert not any(name.startswith("field.") for name in report.metrics)
    assert "subtype_accuracy" not in report.metrics
    assert "Codebook fields" not in report_markdown(report)


def test_summarize_eval_scores_the_codebook_fields_in_the_terminal(tmp_path: Path) -> None:
    # Until the run path extracts with a codebook, the offline backend makes news
    # results: its events match by date and place, and say nothing of the fields.
    root = protest_dataset(tmp_path / "set")
    out = tmp_path / "out"

    result = run_cli(["eval", str(root), "--backend", "offline", "--no-cache", "--out", str(out)])

    assert result.exit_code == 0, result.stderr
    assert "codebook protest-monitor" in result.stderr
    lines = result.stdout.splitlines()
    assert any("codebook fields" in line for line in lines)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for name, label_text in report["codebook"]["metrics"].items():
        (row,) = [line for line in lines if label_text in line]
        count = report["counts"][name]
        assert row.rstrip(" │").endswith(f"{count:,}"), row

    # --codebook names another codebook: the labels break it, one line each.
    broken = run_cli(["eval", str(root), "--backend", "offline", "--codebook", "news"])
    assert broken.exit_code == 1
    assert "labels/lyon-nurses.json: events[0].crowd_size: unknown field" in broken.stderr
    assert "Traceback" not in broken.stderr
