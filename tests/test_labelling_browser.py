"""The labelling page in a real browser (Debian's chromium through Playwright): from a
results file to a saved data set that `summarize eval` scores.

accept, edit a field, reject, add an event by selecting its evidence, stop and
restart the server, resume, then eval the saved folder: the corrected field shows
in the score.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summarizer.evaluation.dataset import load_dataset
from tests.conftest import SEEDS
from tests.labelling_support import (
    MISSING_REASON,
    SELECT_PHRASE,
    browser_missing,
    chromium_page,
    offline_results,
    open_session,
    running,
)
from tests.llm_support import run_cli

expect = pytest.importorskip("playwright.sync_api", reason=MISSING_REASON).expect

pytestmark = [pytest.mark.slow, pytest.mark.skipif(browser_missing(), reason=MISSING_REASON)]

IDS = ("iraq-baaj-offensive", "uk-boe-rate-hike", "yemen-prisoner-exchange")
ADDED = "surrounded three more militant-seized villages"


def test_label_in_the_browser_then_eval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_HOME", str(tmp_path / "home"))
    articles = [SEEDS / "articles" / f"{article_id}.txt" for article_id in IDS]
    results = offline_results(articles, tmp_path / "results.jsonl")
    dataset = tmp_path / "labels"
    # The offline run's events for the first article: the labels start from these.
    first_run = json.loads(results.read_text(encoding="utf-8").splitlines()[0])
    assert [event["fatalities"] for event in first_run["events"]] == [None, None, None]

    with running(open_session(results, articles, dataset)) as server, chromium_page() as page:
        page.goto(server.url)
        progress = page.get_by_role("status").first
        page.wait_for_selector("#events .event")
        assert progress.inner_text() == "0 of 3 reviewed"
        assert page.locator("#article-id").inner_text() == IDS[0]
        # The first pending event is selected: edit its fatalities (a corrected field).
        first = page.get_by_role("region", name="Event 1", exact=True)
        first.get_by_label("Fatalities").fill("7")
        first.get_by_label("Fatalities").press("Tab")
        expect(page.locator("#save-status")).to_have_text(re.compile("^Saved "))
        page.keyboard.press("Escape")
        # Select event 1 again, accept it with the key, reject event 2 with the button.
        page.keyboard.press("j")
        page.keyboard.press("a")  # accepts event 1, selects event 2
        page.get_by_role("button", name="Reject", exact=True).click()
        # Add a missed event from the selected text.
        page.evaluate(SELECT_PHRASE, ADDED)
        page.get_by_role("button", name="Add event", exact=True).click()
        added = page.get_by_role("region", name="Event 4", exact=True)
        added.wait_for()
        assert added.get_by_label("Summary").input_value() == ADDED
        added.get_by_label("Place").fill("Baaj")
        added.get_by_label("Place").press("Tab")
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Accept", exact=True).click()  # the article
        expect(page).to_have_url(re.compile(f"#{IDS[1]}$"))
        page.wait_for_selector(f"#article-id:text('{IDS[1]}')")
        assert progress.inner_text() == "1 of 3 reviewed"
        # The second article as it stands: no event selected, Accept.
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page).to_have_url(re.compile(f"#{IDS[2]}$"))
        expect(page.locator("#progress")).to_have_text("2 of 3 reviewed")
        assert page.errors == []

    label = json.loads((dataset / "labels" / f"{IDS[0]}.json").read_text(encoding="utf-8"))
    assert [event["fatalities"] for event in label["events"]] == [7, None, None]
    assert label["events"][-1]["summary"] == ADDED
    assert label["events"][-1]["location"]["name"] == "Baaj"
    text = (dataset / "articles" / f"{IDS[0]}.txt").read_text(encoding="utf-8")
    state = json.loads((dataset / "review" / f"{IDS[0]}.json").read_text(encoding="utf-8"))
    (span,) = state["evidence"][-1]
    assert text[span["start"] : span["end"]] == ADDED
    assert len(load_dataset(dataset)) == 2

    # A new server on the same folder resumes: progress, the first unreviewed article,
    # and the saved corrections in place of the run's pre-fill.
    with running(open_session(results, articles, dataset)) as server, chromium_page() as page:
        page.goto(server.url)
        expect(page.locator("#progress")).to_have_text("2 of 3 reviewed")
        expect(page).to_have_url(re.compile(f"#{IDS[2]}$"))
        page.locator("#article-list a", has_text=IDS[0]).click()
        page.wait_for_selector(f"#article-id:text('{IDS[0]}')")
        events = page.locator("#events .event")
        assert events.count() == 3
        assert events.nth(0).get_by_label("Fatalities").input_value() == "7"
        assert page.errors == []

    out = tmp_path / "eval"
    ran = run_cli(["eval", str(dataset), "--backend", "offline", "--no-cache", "--out", str(out)])
    assert ran.exit_code == 0, ran.stderr
    metrics = json.loads((out / "report.json").read_text(encoding="utf-8"))["metrics"]
    # The offline run said no figure; the label says 7: fatalities alone is off.
    assert metrics["fatalities_accuracy"] < 1.0
    assert metrics["type_accuracy"] == 1.0
    assert metrics["event_precision"] < 1.0  # the rejected event is predicted again
