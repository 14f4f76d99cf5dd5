"""The review page's data, without a browser: what `view` and `--html` put in the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from summarizer.review import embed_json, render_review
from summarizer.text import grounding_form
from tests.conftest import SEED_ARTICLE, SEEDS
from tests.llm_support import run_cli


def page_data(page: Path) -> dict[str, Any]:
    markup = page.read_text(encoding="utf-8")
    found = re.search(
        r'<script type="application/json" id="review-data">(.*?)</script>', markup, re.S
    )
    assert found is not None
    document: dict[str, Any] = json.loads(found.group(1))
    return document


def test_embedded_json_cannot_close_its_script_element() -> None:
    hostile = {"text": "</script><script>alert(1)</script><!-- & \u2028"}

    embedded = embed_json(hostile)

    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    assert json.loads(embedded) == hostile


def test_a_marker_inside_the_data_is_not_replaced() -> None:
    page = render_review([{"id": "a", "text": "__SCRIPT__ and __STYLE__", "events": []}])

    assert page.count("const PALETTE") == 1  # the script went in once, in its place
    assert (
        json.loads(re.search(r'id="review-data">(.*?)</script>', page, re.S).group(1))[  # type: ignore[union-attr]
            "articles"
        ][0]["text"]
        == "__SCRIPT__ and __STYLE__"
    )


def test_html_option_writes_every_record_with_its_article(tmp_path: Path) -> None:
    broken = tmp_path / "empty.txt"
    broken.write_text("   \n", encoding="utf-8")
    page = tmp_path / "review.html"

    ran = run_cli(
        [str(SEED_ARTICLE), str(broken), "--backend", "offline", "--no-cache", "--html", str(page)]
    )

    assert ran.exit_code == 1  # the empty file failed; the page still has both
    entries = {entry["id"]: entry for entry in page_data(page)["articles"]}
    seed = entries["iraq-baaj-offensive"]
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    assert seed["text"] == text
    assert all(
        text[quote["start"] : quote["end"]]
        for event in seed["events"]
        for quote in event["evidence"]
    )
    assert "empty" in entries["empty"]["error"]


def test_view_places_quotes_of_results_written_before_spans(tmp_path: Path) -> None:
    ran = run_cli([str(SEED_ARTICLE), "--backend", "offline", "--no-cache", "--jsonl"])
    result = json.loads(ran.stdout)
    # The old shape: quotes without offsets, the article's id under "article_id".
    for event in result["events"]:
        event["evidence"] = [quote["text"] for quote in event["evidence"]]
    result["article_id"] = result.pop("id")
    results = tmp_path / "old.jsonl"
    results.write_text(
        json.dumps(result)
        + "\n"
        + '{"id": "gone", "error": {"type": "BackendError", "message": "HTTP 500"}}\n',
        encoding="utf-8",
    )
    page = tmp_path / "view.html"

    viewed = run_cli(["view", str(results), str(SEED_ARTICLE), "--out", str(page)])

    assert viewed.exit_code == 0, viewed.stderr
    entries = {entry["id"]: entry for entry in page_data(page)["articles"]}
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    shown = entries["iraq-baaj-offensive"]["events"]
    for event, old in zip(shown, result["events"], strict=True):
        located = [text[quote["start"] : quote["end"]] for quote in event["evidence"]]
        assert list(map(grounding_form, located)) == list(map(grounding_form, old["evidence"]))
    assert entries["gone"]["error"] == "HTTP 500"


def test_view_reports_bad_lines_and_still_writes_the_page(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text('{"article_id": "x", "headline": 3}\nnot json\n', encoding="utf-8")
    page = tmp_path / "view.html"

    viewed = run_cli(["view", str(results), str(SEEDS / "articles"), "--out", str(page)])

    assert viewed.exit_code == 1
    assert len(viewed.error_lines) == 2
    assert viewed.error_lines[0].startswith(f"Error: {results}:1 (x): not a valid result")
    assert viewed.error_lines[1].startswith(f"Error: {results}:2: not a JSON line")
    assert len(page_data(page)["articles"]) == 2


def test_view_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    viewed = run_cli(["view", str(tmp_path / "nope.jsonl")])

    assert viewed.exit_code == 2
    assert "does not exist" in viewed.stderr
