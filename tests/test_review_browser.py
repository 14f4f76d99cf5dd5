"""The review page and the eval report in headless Chromium, opened from file:// URLs.

Each test loads a page with a URL fragment that the page reads as its state
(article, event, filters), dumps the rendered DOM and checks it: highlighted
quotes, filters, escaping, and that nothing was logged as an error.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from summarizer.review import write_review
from tests.browser import MISSING_REASON, Node, find_chromium, load_page, many_entries, parse_dom
from tests.conftest import SEEDS
from tests.llm_support import quoting_payload, reply_with, run_cli, use_loopback
from tests.loopback import LoopbackServer

# Each test starts a browser: end-to-end, so left out of a plain `pytest` (CI runs them).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason=MISSING_REASON),
]

HOSTILE = (
    "date 2024-05-02 Springfield: Protesters marched on Thursday. "
    'A sign read <script>document.title="pwned"</script> and another '
    '<img src=x onerror="document.body.dataset.pwned=1"> in red paint. '
    "Police said 3 people were arrested."
)
CHINESE = "date 2024-05-03 北京: 抗议者周四在市中心游行。警方说有3人被捕。"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The seed articles plus a hostile and a Chinese one, summarized with --html."""
    folder = tmp_path_factory.mktemp("review")
    articles = folder / "articles"
    shutil.copytree(SEEDS / "articles", articles)
    (articles / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (articles / "chinese.txt").write_text(CHINESE, encoding="utf-8")
    page, results = folder / "review.html", folder / "results.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUMMARIZER_HOME", str(folder / "home"))
        ran = run_cli(
            [
                str(articles),
                "--backend",
                "offline",
                "--no-cache",
                "-o",
                str(results),
                "--html",
                str(page),
            ]
        )
    assert ran.exit_code == 0, ran.stderr
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    texts = {path.stem: path.read_text(encoding="utf-8") for path in articles.glob("*.txt")}
    return {"page": page, "results": {line["id"]: line for line in lines}, "texts": texts}


def open_page(page: Path, fragment: str = "") -> Node:
    loaded = load_page(page, fragment)
    assert loaded.console_errors == []
    assert any("review-ready" in line for line in loaded.console), loaded.console
    dom = parse_dom(loaded.dom)
    assert dom.one(id="page-errors").text == ""
    assert dom.one("body").attrs.get("data-ready") == "true"
    return dom


def marks_by_event(dom: Node) -> dict[int, str]:
    joined: dict[int, str] = {}
    for mark in dom.one(id="article").select("mark", cls="quote"):
        for owner in mark.attrs["data-events"].split():
            joined[int(owner)] = joined.get(int(owner), "") + mark.text
    return joined


def test_each_quote_is_highlighted_where_its_span_says(site: dict[str, Any]) -> None:
    article_id = "iraq-baaj-offensive"
    dom = open_page(site["page"], f"article={article_id}")

    text, result = site["texts"][article_id], site["results"][article_id]
    assert dom.one(id="article").one("div", cls="text").text == text
    expected = {
        number: "".join(
            text[quote["start"] : quote["end"]]
            for quote in sorted(event["evidence"], key=lambda quote: quote["start"])
        )
        for number, event in enumerate(result["events"])
    }
    assert marks_by_event(dom) == expected
    cards = dom.one(id="events").select("div", cls="card")
    assert [card.one("span", cls="type").text for card in cards] == [
        f"{number}. {event['event_type']}" for number, event in enumerate(result["events"], 1)
    ]
    assert result["headline"] in dom.one(id="article").one("h2").text


def test_choosing_an_event_highlights_its_quotes_only(site: dict[str, Any]) -> None:
    dom = open_page(site["page"], "article=iraq-baaj-offensive&event=2")

    assert "focused" in dom.one("body").classes
    active = dom.one(id="article").select("mark", cls="active")
    assert active
    assert all("1" in mark.attrs["data-events"].split() for mark in active)
    assert [card.attrs["data-event"] for card in dom.select("div", cls="active")] == ["2"]


def test_filters_by_type_and_country_and_search(site: dict[str, Any]) -> None:
    results = site["results"]
    total = len(results)
    protests = [
        article_id
        for article_id, result in results.items()
        if any(event["event_type"] == "protest" for event in result["events"])
    ]
    in_iraq = [
        article_id
        for article_id, result in results.items()
        if any(event["location"]["country"] == "Iraq" for event in result["events"])
    ]

    by_type = open_page(site["page"], "type=protest")
    by_country = open_page(site["page"], "country=Iraq")
    by_text = open_page(site["page"], "q=Hashd%20Shaabi")

    assert by_type.one(id="count").text == f"{len(protests)} of {total} articles"
    shown = {row.attrs["data-id"] for row in by_type.select("div", cls="row")}
    assert shown == set(protests)
    assert {row.attrs["data-id"] for row in by_country.select("div", cls="row")} == set(in_iraq)
    assert by_country.one("div", cls="selected").attrs["data-id"] in in_iraq
    searched = {row.attrs["data-id"] for row in by_text.select("div", cls="row")}
    assert "iraq-baaj-offensive" in searched and len(searched) < total


def test_article_text_is_shown_as_text_never_run(site: dict[str, Any]) -> None:
    loaded = load_page(site["page"], "article=hostile")
    dom = parse_dom(loaded.dom)

    assert loaded.console_errors == []
    assert dom.one("title").text != "pwned"
    assert "data-pwned" not in loaded.dom
    assert dom.select("img") == []
    shown = dom.one(id="article").one("div", cls="text").text
    assert shown == HOSTILE
    assert html.escape('<img src=x onerror="document.body.dataset.pwned=1">', quote=False) in (
        loaded.dom
    )


def test_chinese_quotes_are_highlighted(site: dict[str, Any]) -> None:
    dom = open_page(site["page"], "article=chinese")

    result = site["results"]["chinese"]
    text = site["texts"]["chinese"]
    assert dom.one(id="article").one("div", cls="text").text == text
    quotes = [quote for event in result["events"] for quote in event["evidence"]]
    marked = "".join(mark.text for mark in dom.select("mark", cls="quote"))
    assert marked == "".join(
        text[q["start"] : q["end"]] for q in sorted(quotes, key=lambda q: q["start"])
    )


def test_a_large_page_renders_only_the_rows_in_view(tmp_path: Path) -> None:
    page = tmp_path / "large.html"
    entries = many_entries(2000)
    write_review(page, entries)

    dom = open_page(page, f"article={entries[1500]['id']}")

    rows = dom.select("div", cls="row")
    assert 5 < len(rows) < 60
    assert entries[1500]["id"] in {row.attrs["data-id"] for row in rows}
    assert dom.one(id="count").text == "2000 of 2000 articles"


def test_view_command_page_matches_results_to_articles(
    site: dict[str, Any], tmp_path: Path
) -> None:
    results = tmp_path / "results.jsonl"
    lines = [json.dumps(result) for result in site["results"].values()]
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page = tmp_path / "view.html"

    ran = run_cli(["view", str(results), str(SEEDS / "articles"), "--out", str(page)])

    assert ran.exit_code == 0, ran.stderr
    assert "2 result(s) without their article text" in ran.stderr  # hostile, chinese
    dom = open_page(page, "article=iraq-baaj-offensive&event=1")
    assert dom.one(id="article").select("mark", cls="active")


def test_eval_report_opens_without_errors(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    ran = run_cli(["eval", str(SEEDS), "--backend", "offline", "--no-cache", "--out", str(out)])
    assert ran.exit_code == 0, ran.stderr

    loaded = load_page(out / "report.html")

    assert loaded.console_errors == []
    dom = parse_dom(loaded.dom)
    assert len(dom.select("details")) == len(list((SEEDS / "articles").glob("*.txt")))
    assert dom.select("mark")


def test_a_quote_shared_by_two_events_is_marked_for_both(tmp_path: Path) -> None:
    text = "Shelling hit the market. Fighting went on all day."
    shared = {"start": 0, "end": 23}
    events = [
        {
            "event_type": "battle",
            "summary": "Fighting.",
            "location": {"country": "Syria"},
            "evidence": [shared, {"start": 25, "end": 49}],
        },
        {
            "event_type": "explosion_remote_violence",
            "summary": "Shelling.",
            "location": {"country": "Syria"},
            "evidence": [shared],
        },
    ]
    page = tmp_path / "shared.html"
    write_review(page, [{"id": "shared", "headline": "Shelling", "text": text, "events": events}])

    dom = open_page(page, "article=shared&event=2")

    marks = [
        (mark.text, mark.attrs["data-events"], "active" in mark.classes)
        for mark in dom.select("mark")
    ]
    assert marks == [
        ("Shelling hit the market", "0 1", True),
        ("Fighting went on all day", "0", False),
    ]


def test_a_protest_result_shows_its_extra_fields_and_the_codebooks_types(tmp_path: Path) -> None:
    from summarizer.codebook import Codebook
    from tests.test_eval_codebook import PROTEST

    codebook = Codebook.load(PROTEST)
    text = (
        "date 2024-05-11 Quito: Students blocked the main avenue of Quito on Friday against "
        "a rise in bus fares. Police fired tear gas and arrested 14 people. "
        '<b onmouseover="x">bold</b>'
    )
    result = codebook.result_model.model_validate(
        {
            "headline": "Students block Quito avenue",
            "brief": "Students blocked an avenue of Quito against a rise in bus fares.",
            "events": [
                {
                    "event_type": "demonstration",
                    "sub_event_type": "blockade",
                    "date": "2024-05-10",
                    "location": {"name": "Quito", "country": "Ecuador"},
                    "actors": ["students"],
                    "crowd_size": 14,
                    "claims": ["a rise in bus fares", '<b onmouseover="x">bold</b>'],
                    "police_response": ["tear_gas", "arrests"],
                    "protester_violence": False,
                    "summary": "Students blocked an avenue of Quito.",
                    "evidence": ["Students blocked the main avenue of Quito on Friday"],
                }
            ],
            "id": "quito",
            "backend": "test",
            "prompt_version": "test",
        },
        context={"article_text": text},
    )
    record = {
        **result.model_dump(mode="json"),
        "codebook": {"name": codebook.name, "hash": codebook.hash},
    }
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "quito.txt").write_text(text, encoding="utf-8")
    page = tmp_path / "protest.html"

    ran = run_cli(
        [
            "view", str(results), str(tmp_path / "articles"),
            "--codebook", str(PROTEST), "--out", str(page),
        ]
    )  # fmt: skip

    assert ran.exit_code == 0, ran.stderr
    loaded = load_page(page, "article=quito")
    assert loaded.console_errors == []
    dom = parse_dom(loaded.dom)
    options = [option.attrs["value"] for option in dom.one(id="type").select("option")]
    assert options == ["", "demonstration", "riot"]
    card = dom.one("div", cls="card")
    terms = [term.text for term in card.select("dt", cls="extra")]
    assert terms == ["crowd_size", "claims", "police_response", "organizer", "protester_violence"]
    values = [value.text for value in card.select("dd", cls="extra")]
    assert values[:2] == ["14", 'a rise in bus fares; <b onmouseover="x">bold</b>']
    assert values[3:] == ["\u2013", "no"]  # organizer: none given
    chips = {chip.text: chip.attrs["title"] for chip in card.select("span", cls="enum")}
    definitions = codebook.fields["police_response"].value_definitions
    assert chips == {name: definitions[name] for name in ("tear_gas", "arrests")}
    assert card.select("b") == []  # the claim is text, never markup
    # Without the codebook the result is not a valid news result: one line, not a crash.
    plain = run_cli(["view", str(results), "--out", str(tmp_path / "plain.html")])
    assert plain.exit_code == 1
    assert "not a valid result" in plain.stderr


def test_a_pdf_quote_shows_its_page(
    tmp_path: Path, loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    quotes = [
        "the water damaged the main road bridge at Tallow Ford",
        "About 150 residents of the low-lying streets near the river were moved",
    ]
    loopback_server.respond_with(lambda request: reply_with(request, quoting_payload(quotes)))
    page = tmp_path / "review.html"
    pdf = Path(__file__).parent / "data" / "inputs" / "bridge-report.pdf"

    ran = run_cli([str(pdf), "--no-cache", "--jsonl", "--html", str(page)])

    assert ran.exit_code == 0, ran.stderr
    dom = open_page(page, "article=bridge-report")
    (card,) = dom.one(id="events").select("div", cls="card")
    assert card.one("div", cls="quotes").text == "2 quotes · p. 1, 2"
    titles = [mark.attrs["title"] for mark in dom.one(id="article").select("mark", cls="quote")]
    assert titles == ["event 1 · p. 1", "event 1 · p. 2"]
