"""The inputs people have: saved web pages, PDFs, and RSS and Atom feeds.

The fixtures in tests/data/inputs are written for these tests: a news page with a
menu, related links, comments and a footer (harbour-fire.html); two PDFs that
Chromium printed from pages beside them (bridge-report: two pages; harbour-report:
a picture-only first page, and a caption at the top of its third); an RSS feed
with one entry in full and one with only its summary (courier.rss). Chromium made
the PDFs with `chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer
--print-to-pdf=OUT.pdf IN.html`; they are committed so CI needs no browser to read them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from summarizer.article import Article, ArticleFacts
from summarizer.readers import iter_inputs
from summarizer.text import grounding_form
from summarizer.wire import remove_leftovers
from tests.llm_support import (
    article_block,
    chat_requests,
    quoting_payload,
    reply_with,
    run_cli,
    use_loopback,
)
from tests.loopback import LoopbackServer, RecordedRequest, Reply

INPUTS = Path(__file__).parent / "data" / "inputs"
PAGE = INPUTS / "harbour-fire.html"
BRIDGE_PDF = INPUTS / "bridge-report.pdf"
HARBOUR_PDF = INPUTS / "harbour-report.pdf"
FEED = INPUTS / "courier.rss"

# What the page holds around its story, none of which is the story.
PAGE_FURNITURE = [
    "Subscribe to the Courier",  # the menu
    "Related stories",
    "Ferry operator cuts winter sailings",  # a related link
    "Reader42",  # a comment
    "fire trap for years",  # another
    "All rights reserved",  # the footer
    "Privacy policy",
]


def read_one(path: Path, facts: ArticleFacts | None = None) -> Article:
    (article,) = iter_inputs([str(path)], io.BytesIO(), facts)
    assert isinstance(article, Article), article
    return article


def offline(*args: str, stdin: bytes | None = None) -> Any:
    return run_cli(["--backend", "offline", "--no-cache", "--jsonl", *args], stdin=stdin)


def assert_located(result: dict[str, Any], text: str) -> None:
    """Every quote's offsets select it in the article's text."""
    for event in result["events"]:
        for quote in event["evidence"]:
            assert grounding_form(text[quote["start"] : quote["end"]]) == grounding_form(
                quote["text"]
            )


# -- saved web pages ---------------------------------------------------------------


def test_a_saved_page_is_read_as_its_story_with_its_date_title_and_site() -> None:
    article = read_one(PAGE)

    assert article.id == "harbour-fire"
    assert article.published is not None and article.published.isoformat() == "2024-03-08"
    assert article.title == "Fire destroys warehouses at Port Calder harbour"
    assert article.site == "The Calder Courier"
    assert article.url == "https://courier.example/news/2024/03/08/harbour-fire"
    assert article.body.split("\n\n") == [
        "Fire destroys warehouses at Port Calder harbour",
        "A fire swept through three warehouses at Port Calder harbour on Thursday night, "
        "forcing the evacuation of about 200 dock workers, the regional fire service said.",
        "Firefighters needed six hours to bring the blaze under control. Two workers were "
        "treated in hospital for smoke inhalation and later released, according to the "
        "harbour authority.",
        "The cause of the fire is not yet known. Police said they had opened an "
        "investigation and asked witnesses to come forward.",
        "Shipping through the harbour was suspended until Friday morning, when the port "
        "reopened to cargo vessels.",
    ]


def test_a_page_goes_through_summarize_with_its_date_and_evidence() -> None:
    ran = offline(str(PAGE))

    assert ran.exit_code == 0, ran.stderr
    (result,) = ran.results
    assert result["id"] == "harbour-fire"
    assert result["published"] == "2024-03-08"
    (event,) = result["events"]
    assert event["date"] == "2024-03-07"  # "Thursday night", the day before publication
    assert event["location"]["name"] == "Port Calder"
    assert_located(result, read_one(PAGE).text)
    # A news page has no pages: its quotes have no "page" key, as before pages.
    assert all("page" not in quote for quote in event["evidence"])


def test_nothing_but_the_story_reaches_the_prompt(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(_quoting("Firefighters needed six hours"))

    ran = run_cli(["--no-cache", "--jsonl", str(PAGE)])

    assert ran.exit_code == 0, ran.stderr
    (request,) = chat_requests(loopback_server)
    block = article_block(request)
    assert "Firefighters needed six hours to bring the blaze under control." in block
    assert [words for words in PAGE_FURNITURE if words in block] == []
    assert "Publication date: Friday, 2024-03-08." in json.dumps(request.body)


def test_a_json_lines_record_may_carry_a_page_and_its_fields_win(tmp_path: Path) -> None:
    records = tmp_path / "pages.jsonl"
    page = {"id": "fire", "html": PAGE.read_text(encoding="utf-8"), "published": "2024-03-09"}
    records.write_text(json.dumps(page) + "\n", encoding="utf-8")

    article = read_one(records)

    assert article.id == "fire"
    assert article.published is not None and article.published.isoformat() == "2024-03-09"
    assert article.title == "Fire destroys warehouses at Port Calder harbour"
    assert "Reader42" not in article.text


def test_a_page_pasted_on_standard_input_is_read_as_a_page() -> None:
    ran = offline("-", stdin=PAGE.read_bytes())

    assert ran.exit_code == 0, ran.stderr
    (result,) = ran.results
    assert result["id"] == "stdin"
    assert result["published"] == "2024-03-08"


# -- PDFs ------------------------------------------------------------------------------


def test_a_pdf_is_read_page_by_page_with_where_each_page_starts() -> None:
    article = read_one(BRIDGE_PDF)

    assert article.id == "bridge-report"
    assert article.title == "Flood damages Esker river bridge"  # the PDF's metadata
    first, second = article.text.split("\f")
    assert first.startswith("Flood damages Esker river bridge\n\nThe Esker river burst")
    assert second.strip().startswith("About 150 residents of the low-lying streets")
    assert article.page_starts == (0, len(first) + 1)


def test_a_pdf_goes_through_summarize_with_the_page_of_each_quote(
    loopback_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_loopback(monkeypatch, loopback_server)
    loopback_server.respond_with(
        _quoting(
            "the water damaged the main road bridge at Tallow Ford",
            "About 150 residents of the low-lying streets near the river were moved",
        )
    )
    review = tmp_path / "review.html"
    args = [str(BRIDGE_PDF), "--published", "2024-04-02", "--jsonl", "--html", str(review)]

    ran = run_cli(args)
    again = run_cli(args)  # from the cache: the pages are placed again, not stored stale

    assert ran.exit_code == 0 and again.exit_code == 0, ran.stderr + again.stderr
    assert len(chat_requests(loopback_server)) == 1
    for result in (ran.results[0], again.results[0]):
        assert result["published"] == "2024-04-02"
        quotes = result["events"][0]["evidence"]
        assert [quote["page"] for quote in quotes] == [1, 2]
        # The offsets count the header the publication date gives the text.
        text = read_one(BRIDGE_PDF, ArticleFacts(published=dt.date(2024, 4, 2))).text
        assert text.startswith("date 2024-04-02: Flood damages")
        assert_located(result, text)
    # The prompt has the text of both pages, the page break a paragraph break between
    # them (instructor's templating blanks a line of whitespace alone).
    block = article_block(chat_requests(loopback_server)[0])
    assert re.search(r"the hill villages\.\n\f?\nAbout 150 residents", block)
    # The review page has each quote's page.
    page = review.read_text(encoding="utf-8")
    assert '"page": 2' in page or '"page":2' in page
    assert "p. " in page  # the script labels a quote's page


def test_a_blank_first_page_and_a_caption_at_a_page_top_keep_the_pages_right() -> None:
    article = read_one(HARBOUR_PDF)

    # Page 1 is a picture: the text starts on page 2, and page 3's caption is removed
    # (a leftover) without taking the page break with it.
    assert "Photo:" not in article.text
    assert article.page_starts[:2] == (0, 0)
    third = article.text[article.page_starts[2] :]
    assert third.strip().startswith("Shipping through the harbour was suspended")
    assert article.text[: article.page_starts[2]].endswith("smoke\ninhalation.\n\f")


def test_leftover_removal_keeps_page_breaks() -> None:
    text = "The port reopened on Friday.\n\f\nPhoto: the harbour wall.\nShips sailed again."

    assert remove_leftovers(text) == "The port reopened on Friday.\n\f\nShips sailed again."


def test_a_scanned_pdf_says_it_has_no_text_layer() -> None:
    ran = offline(str(Path(__file__).parent / "bad_inputs" / "scanned.pdf"))

    assert ran.exit_code == 1
    assert ran.error_lines == [
        f"Error: {Path(__file__).parent / 'bad_inputs' / 'scanned.pdf'}: the PDF has no text "
        "layer (a scan?); run OCR on it first, e.g. ocrmypdf --sidecar out.txt in.pdf out.pdf, "
        "and summarize the text"
    ]


def test_a_pdf_on_standard_input_is_told_by_its_first_bytes() -> None:
    ran = offline("-", "--published", "2024-04-02", stdin=BRIDGE_PDF.read_bytes())

    assert ran.exit_code == 0, ran.stderr
    (result,) = ran.results
    assert result["id"] == "stdin"
    assert {quote["page"] for event in result["events"] for quote in event["evidence"]} == {1}


def test_a_broken_pdf_is_one_line() -> None:
    ran = offline("-", stdin=b"%PDF-1.7\nnot really a PDF\n")

    assert ran.exit_code == 1
    (line,) = ran.error_lines
    assert line.startswith("Error: <stdin>: not a PDF that can be read (")


# -- feeds -----------------------------------------------------------------------------


def test_a_feed_is_one_article_an_entry_with_its_own_id_date_and_text() -> None:
    full, summary = iter_inputs([str(FEED)], io.BytesIO())

    assert isinstance(full, Article) and isinstance(summary, Article)
    assert full.id == "courier-example-news-2024-03-12-ferry-aground"  # the guid, a link
    assert summary.id == "courier-2024-03-11-flood-wall"  # a guid that is no link
    # The publisher's own day (07:45 at +01:00 is still the 12th), not UTC's.
    assert full.published is not None and full.published.isoformat() == "2024-03-12"
    assert full.title == "Ferry runs aground off Skerry Point"
    assert full.url == "https://courier.example/news/2024/03/12/ferry-aground"
    # The full content, as paragraphs, rather than the one-line description.
    assert full.body.split("\n\n")[1] == (
        "All passengers were taken ashore by lifeboat crews. "
        "Three people were treated for minor injuries."
    )
    assert full.note is None
    assert summary.body == (
        "The county council on Monday approved a flood wall along the Esker river at "
        "Tallow Ford, at a cost of 4 million euros."
    )
    assert summary.note == (
        f"{FEED}: the feed carries only a summary, not the full story, for 1 of 2 entries; "
        "they are summarized from it"
    )


def test_a_feed_goes_through_summarize_with_a_note_for_its_summaries() -> None:
    ran = offline(str(FEED))

    assert ran.exit_code == 0, ran.stderr
    ferry, wall = ran.results
    assert (ferry["published"], wall["published"]) == ("2024-03-12", "2024-03-11")
    (event,) = ferry["events"]
    assert event["date"] == "2024-03-11"  # "Monday evening", from Tuesday's entry
    assert_located(ferry, read_one_entry(FEED, 0).text)
    assert ran.stderr.count("Note: ") == 1
    assert f"Note: {FEED}: the feed carries only a summary" in ran.stderr


def read_one_entry(path: Path, index: int) -> Article:
    article = list(iter_inputs([str(path)], io.BytesIO()))[index]
    assert isinstance(article, Article)
    return article


def test_an_atom_feed_in_an_xml_file_is_read(tmp_path: Path) -> None:
    atom = tmp_path / "updates.xml"
    atom.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<!-- updates from the council -->
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Council updates</title>
  <id>urn:uuid:council-updates</id>
  <updated>2024-03-11T18:00:00Z</updated>
  <entry>
    <title>Bridge reopens</title>
    <id>urn:uuid:5c1f-bridge-reopens</id>
    <published>2024-04-16T23:30:00-05:00</published>
    <content type="html">&lt;p&gt;The bridge reopened on Tuesday.&lt;/p&gt;</content>
  </entry>
</feed>
""",
        encoding="utf-8",
    )

    (article,) = iter_inputs([str(tmp_path)], io.BytesIO())

    assert isinstance(article, Article)
    assert article.id == "urn-uuid-5c1f-bridge-reopens"
    assert article.published is not None and article.published.isoformat() == "2024-04-16"
    assert article.body == "The bridge reopened on Tuesday."


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("this is no feed at all", ": not an RSS or Atom feed that can be read ("),
        ("<rss><channel><item><title>cut off", " entry 1: the entry has no text"),
        ("<rss><channel><title>Nothing yet</title></channel></rss>", ": the feed has no entries"),
    ],
    ids=["not-xml", "entry-without-text", "no-entries"],
)
def test_a_feed_that_cannot_be_read_is_one_line(tmp_path: Path, content: str, says: str) -> None:
    broken = tmp_path / "broken.rss"
    broken.write_text(content, encoding="utf-8")

    ran = offline(str(broken))

    assert ran.exit_code == 1
    (line,) = ran.error_lines
    assert line.startswith(f"Error: {broken}{says}")


# -- without the extras -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "path", "says"),
    [
        (
            "trafilatura",
            PAGE,
            "reading web pages (.html, .htm) needs trafilatura: pip install 'summarizer[html]'",
        ),
        (
            "pypdfium2",
            BRIDGE_PDF,
            "reading PDF files (.pdf) needs pypdfium2: pip install 'summarizer[pdf]'",
        ),
    ],
    ids=["html", "pdf"],
)
def test_without_its_extra_a_kind_of_file_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, module: str, path: Path, says: str, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import` now fails, as if not installed
    story = tmp_path / "story.txt"
    story.write_text("date 2024-03-01 Springfield: A fire hit a warehouse.", encoding="utf-8")

    ran = offline(str(story), str(path))

    assert ran.exit_code == 2
    assert ran.stderr.strip().splitlines() == [f"Error: {says}"]
    assert ran.stdout == ""  # nothing was read, not even the text before it


def test_without_the_html_extra_a_pasted_page_is_refused_with_the_install_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)

    ran = offline("-", stdin=PAGE.read_bytes())

    assert ran.exit_code == 1
    assert ran.error_lines == [
        "Error: <stdin>: looks like HTML, not plain text; reading web pages (.html, .htm) "
        "needs trafilatura: pip install 'summarizer[html]'"
    ]


def test_without_the_html_extra_a_record_with_a_page_fails_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)
    records = tmp_path / "mixed.jsonl"
    records.write_text(
        json.dumps({"id": "page", "html": PAGE.read_text(encoding="utf-8")})
        + "\n"
        + json.dumps({"id": "text", "text": "date 2024-03-01 Springfield: A fire hit a shed."})
        + "\n",
        encoding="utf-8",
    )

    ran = offline(str(records))

    assert ran.exit_code == 1
    assert [result["id"] for result in ran.results] == ["text"]
    assert ran.error_lines == [
        f"Error: {records}:1: reading web pages (.html, .htm) needs trafilatura: "
        "pip install 'summarizer[html]'"
    ]


def _quoting(*quotes: str) -> Any:
    """A loopback responder: one event resting on `quotes`, each found in the article."""

    def respond(request: RecordedRequest) -> Reply:
        block = article_block(request)
        assert all(grounding_form(quote) in grounding_form(block) for quote in quotes)
        return reply_with(request, quoting_payload(list(quotes)))

    return respond
